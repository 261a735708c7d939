/**
 * Loaded with `node --require` (NODE_OPTIONS) into every Node process of an engine run while
 * BENCH_CALLS_FILE is set: the inline driver (the program) and the dynamic-provider plugin the
 * engine starts. Appends one JSON line per event to that file:
 *
 * - `{ev: "start", pid, proc, startedAt, loadedAt}`: the process (startedAt = its time origin)
 * - `{ev: "exit", pid, proc, at}`: a normal exit (a killed plugin writes none)
 * - `{ev: "call", pid, proc, at, call}`: one HTTP call or Kafka request (calls.ts)
 *
 * It patches the global fetch at once and kafkajs when the providers first require it (lazily,
 * as they do), so a process that makes no call pays a few hundred microseconds at most.
 */
import { appendFileSync } from "node:fs";
import Module from "node:module";
import type * as Kafkajs from "kafkajs";
import { countingFetch, patchKafkajs, type RemoteCall } from "./calls";

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;

export function processKind(argv: readonly string[]): string {
    const script = argv[1] ?? "";
    if (/inline\.js$/.test(script)) return "driver";
    if (/dynamic-provider/.test(script)) return "provider";
    if (script === "") return "node-e";
    return "other";
}

function install(file: string): void {
    const proc = processKind(process.argv);
    const write = (event: Record<string, unknown>) => {
        try {
            appendFileSync(file, `${JSON.stringify({ pid: process.pid, proc, ...event })}\n`);
        } catch {
            // Counting must never break the process it watches.
        }
    };
    write({ ev: "start", startedAt: performance.timeOrigin, loadedAt: Date.now() });
    process.on("exit", () => write({ ev: "exit", at: Date.now() }));
    const record = (call: RemoteCall) => write({ ev: "call", at: Date.now(), call });

    globalThis.fetch = countingFetch(globalThis.fetch, record);

    const moduleWithLoad = Module as unknown as { _load: Load };
    const load = moduleWithLoad._load;
    moduleWithLoad._load = function (request, parent, isMain) {
        const loaded = load.call(this, request, parent, isMain);
        if (request === "kafkajs") patchKafkajs(loaded as typeof Kafkajs, record);
        return loaded;
    };
}

const target = process.env.BENCH_CALLS_FILE;
if (target) install(target);
