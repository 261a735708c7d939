/**
 * The services a benchmark runs on: the shared Kafka 4.3 (KRaft) and MariaDB of the test setup
 * (started when missing, never stopped: other tests use them), and a Flink 2.2 session cluster of
 * the benchmark's own, on other ports and in its own run dir, with enough task slots for one
 * running job per replicated table (the shared test Flink has 4). It is stopped again at the end,
 * and its run dir (savepoints, logs) removed, unless it was already running when the benchmark
 * started.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
    ensureServices,
    type FlinkEndpoint,
    type KafkaEndpoint,
    type MariadbEndpoint,
    SERVICES_SCRIPT,
} from "../../test/harness/services";

const run = promisify(execFile);

export interface BenchFlinkOptions {
    /** Task slots of the one TaskManager: one per running job (parallelism 1). */
    slots: number;
    /** `taskmanager.memory.process.size`. */
    taskManagerMemory: string;
}

/** Ports and run dir of the benchmark's Flink: nothing the shared services use. */
export function benchFlinkEnv(options: BenchFlinkOptions): Record<string, string> {
    return {
        SVC_RUN_DIR: process.env.BENCH_SVC_RUN_DIR ?? "/tmp/tidb-cdc-bench-services",
        SVC_FLINK_REST_PORT: "28181",
        SVC_FLINK_GATEWAY_PORT: "28183",
        SVC_FLINK_RPC_PORT: "26223",
        SVC_FLINK_BLOB_PORT: "26224",
        SVC_FLINK_TM_RPC_PORT: "26225",
        SVC_FLINK_TM_SLOTS: String(options.slots),
        SVC_FLINK_TM_PROCESS_SIZE: options.taskManagerMemory,
    };
}

export interface BenchServices {
    kafka: KafkaEndpoint;
    mariadb: MariadbEndpoint;
    flink: FlinkEndpoint;
    /** Task slots of the benchmark's Flink, as its JobManager reports them. */
    flinkSlots: number;
    /** Whether this run started the Flink (and so stops it). */
    startedFlink: boolean;
    stop(): Promise<void>;
}

async function slotsAt(restUrl: string): Promise<number | undefined> {
    try {
        const response = await fetch(`${restUrl}/overview`, { signal: AbortSignal.timeout(3000) });
        const body = (await response.json()) as { "slots-total"?: number };
        return body["slots-total"];
    } catch {
        return undefined;
    }
}

export async function startBenchServices(options: BenchFlinkOptions): Promise<BenchServices> {
    const shared = await ensureServices(["kafka", "mariadb"]);
    const env = benchFlinkEnv(options);
    const restUrl = `http://127.0.0.1:${env.SVC_FLINK_REST_PORT}`;
    const runningSlots = await slotsAt(restUrl);
    if (runningSlots !== undefined && runningSlots < options.slots) {
        throw new Error(
            `a Flink with ${runningSlots} slots already runs at ${restUrl} (the benchmark's ports); ` +
                `stop it (SVC_RUN_DIR=${env.SVC_RUN_DIR} scripts/services/services.sh stop flink, ` +
                `with the same ports) or ask for fewer jobs`,
        );
    }
    const { flink } = await ensureServices(["flink"], { env });
    const slots = (await slotsAt(flink.restUrl)) ?? options.slots;
    const startedFlink = runningSlots === undefined;
    return {
        ...shared,
        flink,
        flinkSlots: slots,
        startedFlink,
        stop: async () => {
            if (!startedFlink) return;
            await run("bash", [SERVICES_SCRIPT, "clean", "flink"], {
                env: { ...process.env, ...env },
                timeout: 120_000,
            });
        },
    };
}
