/**
 * The engine part: for each size, one stack of the project's own program (infra/) with the shape
 * of shape.ts, driven through the real engine by test/engine/engine-stack.ts (the compiled inline
 * driver in a child Node process, the CLI, a local file backend):
 *
 * 1. `up` (creates everything; timed, calls counted, not part of the comparison);
 * 2. `repeat` rounds of `preview`, no-op `up` (`--expect-no-changes`) and `preview --refresh`,
 *    interleaved so that load from other work on the machine spreads over all three;
 * 3. the floor (floor.ts), `repeat` times in a fresh Node process and `repeat` times in this one;
 * 4. `destroy`, then a sweep by hand that also proves nothing is left.
 *
 * The engine's Node processes run with preload.ts, which counts their HTTP calls and Kafka
 * requests and records when each process started, so a run can be split into Node start, time
 * until the engine launched the dynamic-provider plugin, and the rest.
 */
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { promisify } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { parseStackSettings } from "../../components/config";
import { replicationTopics, topicConfigs } from "../../components/pipeline/replication";
import {
    createEngineHome,
    type EngineHome,
    type EngineRun,
    EngineStack,
    PROJECT,
} from "../../test/engine/engine-stack";
import type { InlineAction, InlineRequest } from "../engine/inline";
import { emptyTally, tally, type CallTally } from "./calls";
import type { Cleanup } from "./cleanup";
import { measure, readPreloadEvents, type PreloadEvent } from "./counting";
import type { FloorResult, FloorTargets } from "./floor";
import { FLOOR_CLIENT_ID, floorRead } from "./floor";
import type { SerializedProvider } from "./serialize-probe";
import {
    resourceCounts,
    type ResourceCounts,
    type Shape,
    shapeConfig,
    type ShapeEndpoints,
} from "./shape";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");

export interface BenchHome {
    home: EngineHome;
    /** Compiled preload.js (counts calls in the engine's Node processes). */
    preload: string;
    /** Compiled floor-cli.js. */
    floorCli: string;
    /** Compiled serialize-probe.js. */
    serializeProbe: string;
    /** The compiled program (infra/program.js). */
    program: string;
    /** Environment of the engine with the preload on (BENCH_CALLS_FILE set per run). */
    env: NodeJS.ProcessEnv;
}

/** The engine home (test/engine/engine-stack.ts) plus the benchmark's own compiled helpers. */
export async function createBenchHome(): Promise<BenchHome> {
    const home = await createEngineHome();
    const tsconfig = path.join(home.dir, "bench-tsconfig.json");
    await writeFile(
        tsconfig,
        JSON.stringify({
            extends: path.join(ROOT, "tsconfig.json"),
            compilerOptions: {
                outDir: path.join(home.dir, "out"),
                rootDir: ROOT,
                typeRoots: [path.join(ROOT, "node_modules/@types")],
            },
            include: [],
            files: [
                path.join(ROOT, "scripts/bench/preload.ts"),
                path.join(ROOT, "scripts/bench/floor-cli.ts"),
                path.join(ROOT, "scripts/bench/serialize-probe.ts"),
            ],
        }),
    );
    await run(path.join(ROOT, "node_modules/.bin/tsc"), ["-p", tsconfig], { cwd: ROOT });
    const preload = path.join(home.dir, "out/scripts/bench/preload.js");
    const floorCli = path.join(home.dir, "out/scripts/bench/floor-cli.js");
    const serializeProbe = path.join(home.dir, "out/scripts/bench/serialize-probe.js");
    const program = path.join(home.dir, "out/infra/program.js");
    // The driver and the plugin inherit the engine home's environment: put the preload in it.
    const options = [home.env.NODE_OPTIONS, `--require ${preload}`].filter(Boolean).join(" ");
    home.env.NODE_OPTIONS = options;
    return { home, preload, floorCli, serializeProbe, program, env: home.env };
}

export type BenchAction = "up-create" | "preview" | "up-noop" | "preview-refresh" | "destroy";

/** Where one engine run's time went, from the preload's process records (ms after the start). */
export interface RunPhases {
    /** The driver's Node process was up (its time origin). */
    driverStarted?: number;
    /** The preload ran in the driver: Node had started and begun loading modules. */
    driverLoaded?: number;
    /** The engine launched the dynamic-provider launcher (`node -e` resolving the script). */
    launcherStarted?: number;
    /** The dynamic-provider plugin's own Node process was up. */
    providerStarted?: number;
    /** The dynamic-provider plugin's preload ran. */
    providerLoaded?: number;
    /** Node processes the run started, by kind. */
    processes: Record<string, number>;
}

export interface EngineMeasurement {
    action: BenchAction;
    ms: number;
    ok: boolean;
    error?: string;
    /** The engine's summary (create, same, update, …). */
    changes: Record<string, number>;
    calls: CallTally;
    phases: RunPhases;
}

function phasesOf(events: readonly PreloadEvent[], t0: number): RunPhases {
    const starts = events.filter((e) => e.ev === "start");
    const first = (proc: string, field: "startedAt" | "loadedAt") => {
        const times = starts
            .filter((e) => e.proc === proc && e[field] !== undefined)
            .map((e) => e[field]! - t0);
        return times.length > 0 ? Math.min(...times) : undefined;
    };
    const processes: Record<string, number> = {};
    for (const e of starts) processes[e.proc] = (processes[e.proc] ?? 0) + 1;
    return {
        driverStarted: first("driver", "startedAt"),
        driverLoaded: first("driver", "loadedAt"),
        launcherStarted: first("node-e", "startedAt"),
        providerStarted: first("provider", "startedAt"),
        providerLoaded: first("provider", "loadedAt"),
        processes,
    };
}

/** One engine action, timed from spawning the driver to its exit, with its calls counted. */
export async function timedAction(
    bench: BenchHome,
    stack: EngineStack,
    action: BenchAction,
    log: (line: string) => void,
    extra: Omit<InlineRequest, "action" | "stack" | "workDir"> = {},
): Promise<EngineMeasurement> {
    const engineAction: InlineAction =
        action === "up-create" || action === "up-noop"
            ? "up"
            : action === "destroy"
              ? "destroy"
              : "preview";
    const options: Omit<InlineRequest, "action" | "stack" | "workDir"> = { ...extra };
    if (action === "up-noop") options.expectNoChanges = true;
    if (action === "preview-refresh") options.refresh = true;
    const callsFile = path.join(
        bench.home.dir,
        `calls-${stack.name}-${action}-${Date.now()}.jsonl`,
    );
    bench.env.BENCH_CALLS_FILE = callsFile;
    const t0 = Date.now();
    const started = performance.now();
    let done: EngineRun;
    try {
        done = await stack.exec(engineAction, options);
    } finally {
        delete bench.env.BENCH_CALLS_FILE;
    }
    const ms = performance.now() - started;
    const events = await readPreloadEvents(callsFile);
    await rm(callsFile, { force: true });
    const calls = tally(events.flatMap((e) => (e.call ? [e.call] : [])));
    const measurement: EngineMeasurement = {
        action,
        ms,
        ok: done.ok,
        changes: done.result.changes,
        calls,
        phases: phasesOf(events, t0),
    };
    if (!done.ok) measurement.error = done.result.error;
    log(
        `[bench]   ${stack.name} ${action}: ${(ms / 1000).toFixed(2)} s, ` +
            `${calls.http} HTTP, ${calls.kafkaRequests} Kafka requests` +
            (done.ok ? "" : ` FAILED: ${done.result.error?.slice(0, 300)}`),
    );
    return measurement;
}

export interface FloorRuns {
    /** A fresh Node process per run (what a script costs), ms from spawn to exit. */
    coldMs: number[];
    /** The reads alone, in this (warm) process. */
    warmMs: number[];
    /** The calls of one warm run. */
    calls: CallTally;
    ok: boolean;
    differences: string[];
}

export interface SizeResult {
    shape: Shape;
    declared: ResourceCounts;
    /** Resources the engine reported as "same" in a no-op up (providers, component and stack included). */
    engineResources?: number;
    createUp: EngineMeasurement;
    preview: EngineMeasurement[];
    noopUp: EngineMeasurement[];
    refreshPreview: EngineMeasurement[];
    floor?: FloorRuns;
    destroy?: EngineMeasurement;
    /** Size of the stack's checkpoint (state file) after the create. */
    stateBytes?: number;
    /** How much of it is serialized provider text (`__provider` in inputs and outputs). */
    providerTextBytes?: number;
    /** Objects found on the services after destroy (should be none). */
    leftovers: string[];
}

export interface SizeContext {
    bench: BenchHome;
    run: string;
    endpoints: ShapeEndpoints;
    repeat: number;
    cleanup: Cleanup;
    log: (line: string) => void;
    /** Declares the schema's tables upstream (the TiCDC emulator). */
    defineTables(schema: string, names: string[]): void;
    /** Removes a changefeed from TiCDC by hand (the sweep). */
    deleteChangefeed(id: string): Promise<void>;
}

function floorTargets(config: Record<string, unknown>, endpoints: ShapeEndpoints): FloorTargets {
    const settings = parseStackSettings(config);
    const { replication } = settings;
    const topics = replication.tables.length === 0 ? [] : replicationTopics(replication);
    return {
        bootstrap: endpoints.kafkaBootstrap,
        topics: topics.map((name) => ({
            name,
            partitions: replication.topicPartitions,
            replicationFactor: replication.topicReplicationFactor,
            configs: topicConfigs(settings),
        })),
        ticdcApiUrl: endpoints.ticdcApiUrl,
        changefeedId: replication.tables.length === 0 ? undefined : replication.changefeedId,
        flinkRestUrl: endpoints.flinkRestUrl,
        jobNames: settings.flinkSql.jobs.map((job) => `${settings.namePrefix}-${job.name}`),
    };
}

async function runFloor(
    bench: BenchHome,
    targets: FloorTargets,
    repeat: number,
): Promise<FloorRuns> {
    const file = path.join(bench.home.dir, `floor-${Date.now()}.json`);
    await writeFile(file, JSON.stringify(targets));
    const coldMs: number[] = [];
    const warmMs: number[] = [];
    let last: FloorResult | undefined;
    // The cold process runs without the preload: the plain script, nothing added.
    const env = { ...bench.env };
    delete env.NODE_OPTIONS;
    for (let i = 0; i < repeat; i++) {
        const started = performance.now();
        const { stdout } = await run(process.execPath, [bench.floorCli, file], { env }).catch(
            (error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }),
        );
        coldMs.push(performance.now() - started);
        last = JSON.parse(stdout.trim() || "{}") as FloorResult;
    }
    let calls = emptyTally();
    for (let i = 0; i < repeat; i++) {
        const measured = await measure(() => floorRead(targets), [FLOOR_CLIENT_ID]);
        warmMs.push(measured.value.ms);
        if (i === 0) calls = tally(measured.calls);
        last = measured.value;
    }
    await rm(file, { force: true });
    return {
        coldMs,
        warmMs,
        calls,
        ok: last?.ok ?? false,
        differences: last?.differences ?? ["the floor printed no result"],
    };
}

/** Everything of this size's stack still on the services, removed as it is found. */
async function sweep(
    context: SizeContext,
    prefix: string,
    schema: string,
    changefeedId: string,
): Promise<string[]> {
    const found: string[] = [];
    const rest = context.endpoints.flinkRestUrl;
    try {
        const response = await fetch(`${rest}/jobs/overview`);
        const { jobs } = (await response.json()) as {
            jobs: { jid: string; name: string; state: string }[];
        };
        for (const job of jobs) {
            if (!job.name.startsWith(`${prefix}-`)) continue;
            if (["RUNNING", "CREATED", "RESTARTING", "INITIALIZING"].includes(job.state)) {
                found.push(`Flink job ${job.name} (${job.state})`);
                await fetch(`${rest}/jobs/${job.jid}?mode=cancel`, { method: "PATCH" });
            }
        }
    } catch (error) {
        found.push(`Flink jobs not checked: ${(error as Error).message}`);
    }
    const admin = new Kafka({
        brokers: [context.endpoints.kafkaBootstrap],
        logLevel: logLevel.NOTHING,
    }).admin();
    try {
        await admin.connect();
        const topics = (await admin.listTopics()).filter(
            (t) => t.startsWith(`${prefix}-`) || t.includes(`_${schema}_`),
        );
        if (topics.length > 0) {
            found.push(...topics.map((t) => `Kafka topic ${t}`));
            await admin.deleteTopics({ topics });
        }
    } catch (error) {
        found.push(`Kafka topics not checked: ${(error as Error).message}`);
    } finally {
        await admin.disconnect().catch(() => undefined);
    }
    try {
        const url = `${context.endpoints.ticdcApiUrl}/api/v2/changefeeds/${changefeedId}`;
        const response = await fetch(url);
        if (response.status === 200) {
            found.push(`changefeed ${changefeedId}`);
            await context.deleteChangefeed(changefeedId);
        }
    } catch (error) {
        found.push(`changefeed not checked: ${(error as Error).message}`);
    }
    return found;
}

async function stateSizes(
    bench: BenchHome,
    stackName: string,
): Promise<{ stateBytes?: number; providerTextBytes?: number }> {
    const file = path.join(bench.home.dir, "state/.pulumi/stacks", PROJECT, `${stackName}.json`);
    try {
        const text = await readFile(file, "utf8");
        const state = JSON.parse(text) as {
            checkpoint?: { latest?: { resources?: { inputs?: unknown; outputs?: unknown }[] } };
        };
        let providerTextBytes = 0;
        for (const resource of state.checkpoint?.latest?.resources ?? []) {
            for (const bag of [resource.inputs, resource.outputs]) {
                const value = (bag as { __provider?: unknown } | undefined)?.__provider;
                if (typeof value === "string") providerTextBytes += Buffer.byteLength(value);
            }
        }
        return { stateBytes: Buffer.byteLength(text), providerTextBytes };
    } catch {
        return {};
    }
}

/** Creates, measures and destroys the stack of one shape. */
export async function measureSize(context: SizeContext, shape: Shape): Promise<SizeResult> {
    const { bench, log } = context;
    const prefix = `${context.run}n${shape.tables}`;
    const schema = prefix;
    const config = shapeConfig(prefix, schema, shape, context.endpoints);
    const changefeedId = `${prefix}-cdc`;
    context.defineTables(
        schema,
        Array.from({ length: shape.tables }, (_, i) => `t${String(i + 1).padStart(3, "0")}`),
    );
    const stack = await EngineStack.create(bench.home, prefix);
    let destroyed = false;
    const leftovers: string[] = [];
    const undo = context.cleanup.add(`stack ${prefix}`, async () => {
        if (!destroyed) await stack.exec("destroy").catch(() => undefined);
        leftovers.push(...(await sweep(context, prefix, schema, changefeedId)));
        await stack.exec("remove").catch(() => undefined);
    });

    log(`[bench] ${shape.tables} tables, ${shape.jobs} jobs (${prefix})`);
    try {
        const result = await measureStack(context, stack, shape, config, prefix);
        result.destroy = await timedAction(bench, stack, "destroy", log);
        destroyed = result.destroy.ok;
        result.leftovers = leftovers;
        return result;
    } finally {
        // Also on failure: the next size needs the task slots, and nothing may be left.
        await undo();
        if (leftovers.length > 0) {
            log(`[bench]   left after destroy (removed now): ${leftovers.join(", ")}`);
        }
    }
}

/** The create, the measured rounds and the floor, on a stack that exists. */
async function measureStack(
    context: SizeContext,
    stack: EngineStack,
    shape: Shape,
    config: Record<string, unknown>,
    prefix: string,
): Promise<SizeResult> {
    const { bench, log, repeat } = context;
    const createUp = await timedAction(bench, stack, "up-create", log, {
        config: EngineStack.config(config, { tidbRootPassword: "bench-only" }),
    });
    if (!createUp.ok) {
        throw new Error(`pulumi up of ${shape.tables} tables failed: ${createUp.error}`);
    }
    const result: SizeResult = {
        shape,
        declared: resourceCounts(shape),
        createUp,
        preview: [],
        noopUp: [],
        refreshPreview: [],
        ...(await stateSizes(bench, prefix)),
        leftovers: [],
    };
    for (let i = 0; i < repeat; i++) {
        result.preview.push(await timedAction(bench, stack, "preview", log));
        const noop = await timedAction(bench, stack, "up-noop", log);
        result.noopUp.push(noop);
        if (noop.ok) result.engineResources = noop.changes.same;
        result.refreshPreview.push(await timedAction(bench, stack, "preview-refresh", log));
    }
    const targets = floorTargets(config, context.endpoints);
    if (targets.topics.length > 0 || targets.jobNames.length > 0) {
        result.floor = await runFloor(bench, targets, repeat);
        log(
            `[bench]   floor: cold ${result.floor.coldMs.map((ms) => ms.toFixed(0)).join(", ")} ms, ` +
                `warm ${result.floor.warmMs.map((ms) => ms.toFixed(0)).join(", ")} ms` +
                (result.floor.ok ? "" : `; differences: ${result.floor.differences.join("; ")}`),
        );
    }
    return result;
}

/** Fixed costs of every engine run, measured alone. */
export interface StartupCosts {
    /** `node -e 0`. */
    nodeMs: number[];
    /** `node -e 'require(<compiled infra/program>)'`: Node plus the program's modules (the SDKs). */
    programLoadMs: number[];
    /** Each provider's first serialization in a fresh process, and the size of its text. */
    serialization: SerializedProvider[][];
    /** The launcher script (`node -e require.resolve` then node on the plugin) until it prints its port. */
    providerPluginMs: number[];
    /** `pulumi version` (the CLI's own start). */
    cliMs: number[];
}

export async function startupCosts(bench: BenchHome, repeat: number): Promise<StartupCosts> {
    const env = { ...bench.env };
    delete env.NODE_OPTIONS;
    const time = async (fn: () => Promise<unknown>) => {
        const started = performance.now();
        await fn();
        return performance.now() - started;
    };
    const nodeMs: number[] = [];
    const programLoadMs: number[] = [];
    const serialization: SerializedProvider[][] = [];
    const providerPluginMs: number[] = [];
    const cliMs: number[] = [];
    const workDir = (await EngineStack.create(bench.home, "startup-probe")).workDir;
    const loadProgram = `require(${JSON.stringify(bench.program)})`;
    for (let i = 0; i < repeat; i++) {
        nodeMs.push(await time(() => run(process.execPath, ["-e", "0"], { env })));
        programLoadMs.push(
            await time(() => run(process.execPath, ["-e", loadProgram], { env, cwd: workDir })),
        );
        const { stdout } = await run(process.execPath, [bench.serializeProbe], { env });
        serialization.push(JSON.parse(stdout) as SerializedProvider[]);
        cliMs.push(await time(() => run("pulumi", ["version"], { env })));
        providerPluginMs.push(await time(() => pluginUntilPort(env, workDir)));
    }
    return { nodeMs, programLoadMs, serialization, providerPluginMs, cliMs };
}

/** Starts the dynamic-provider plugin as the engine does and resolves when it prints its port. */
async function pluginUntilPort(env: NodeJS.ProcessEnv, cwd: string): Promise<void> {
    const { spawn } = await import("node:child_process");
    await new Promise<void>((resolve, reject) => {
        const child = spawn("pulumi-resource-pulumi-nodejs", ["127.0.0.1:1"], {
            env,
            cwd,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`the dynamic-provider plugin printed no port: ${out}`));
        }, 60_000);
        child.stdout.on("data", (chunk: Buffer) => {
            out += chunk.toString();
            if (/^\d+\s*$/m.test(out)) {
                clearTimeout(timer);
                child.kill("SIGKILL");
                resolve();
            }
        });
        child.on("error", (error) => {
            clearTimeout(timer);
            reject(error);
        });
        child.on("exit", () => {
            clearTimeout(timer);
            if (!/^\d+\s*$/m.test(out)) reject(new Error(`the plugin exited: ${out}`));
        });
    });
}
