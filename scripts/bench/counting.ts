/**
 * In-process call counting (the provider operations run in this process): wraps the global
 * fetch and patches kafkajs once, then `measure(fn)` returns what `fn` called. Only one
 * measurement at a time, and nothing else of ours may call out meanwhile.
 *
 * Also reads the call files the preload (preload.ts) writes in the engine's processes.
 */
import { readFile } from "node:fs/promises";
import * as kafkajs from "kafkajs";
import { countingFetch, patchKafkajs, type RemoteCall } from "./calls";

let sink: RemoteCall[] | undefined;
let installed = false;

function install(): void {
    if (installed) return;
    installed = true;
    const record = (call: RemoteCall) => sink?.push(call);
    globalThis.fetch = countingFetch(globalThis.fetch, record);
    patchKafkajs(kafkajs, record);
}

export interface Measured<T> {
    value: T;
    calls: RemoteCall[];
    ms: number;
}

/**
 * Runs `fn` and returns its result with the remote calls it made and its wall time. Kafka
 * requests count only from the given client ids: the TiCDC emulator in this process produces
 * to Kafka with kafkajs too, and that is TiCDC's traffic, not the provider's.
 */
export async function measure<T>(
    fn: () => Promise<T>,
    kafkaClientIds: readonly string[],
): Promise<Measured<T>> {
    install();
    if (sink) throw new Error("measure() does not nest");
    const calls: RemoteCall[] = [];
    sink = calls;
    const started = performance.now();
    try {
        const value = await fn();
        const ours = calls.filter((c) => c.kind !== "kafka" || kafkaClientIds.includes(c.clientId));
        return { value, calls: ours, ms: performance.now() - started };
    } finally {
        sink = undefined;
    }
}

/** One line of a preload call file. */
export interface PreloadEvent {
    pid: number;
    proc: string;
    ev: "start" | "exit" | "call";
    startedAt?: number;
    loadedAt?: number;
    at?: number;
    call?: RemoteCall;
}

export async function readPreloadEvents(file: string): Promise<PreloadEvent[]> {
    let text: string;
    try {
        text = await readFile(file, "utf8");
    } catch {
        return [];
    }
    return text
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as PreloadEvent);
}
