/**
 * The floor of a preview or a no-op `up`: the least a plain script must do to know that the live
 * pipeline matches its definition, calling the same APIs directly. It reads every object's
 * state once, batched wherever the API allows, all three services at once:
 *
 * - Kafka: one connection; one Metadata request for every topic (partitions, replicas) and one
 *   DescribeConfigs request for every topic's managed configs;
 * - TiCDC: `GET /api/v2/changefeeds/{id}` (config and state in one answer);
 * - Flink: `GET /jobs/overview` (every job's name and state in one answer).
 *
 * Flink tables in the default in-memory catalog have no live state (each job replays their DDL
 * in its own session), so there is nothing to read for them; validating their DDL again through
 * the gateway would be creation work, which neither a preview nor a no-op up does. (The project's
 * preview and no-op up do not read live state at all: they compare the program with the state
 * file. `preview --refresh` is the project's path that does the floor's reads.)
 */
import { Kafka, logLevel } from "kafkajs";

export interface FloorTopic {
    name: string;
    partitions: number;
    replicationFactor: number;
    configs: Record<string, string>;
}

export interface FloorTargets {
    bootstrap: string;
    topics: FloorTopic[];
    ticdcApiUrl: string;
    changefeedId?: string;
    flinkRestUrl: string;
    /** `pipeline.name` of every job that must be RUNNING. */
    jobNames: string[];
}

export interface FloorResult {
    /** Whether everything matched. */
    ok: boolean;
    differences: string[];
    ms: number;
}

export const FLOOR_CLIENT_ID = "bench-floor";

/** `ConfigResourceTypes.TOPIC`. */
const TOPIC_RESOURCE = 2;

async function readTopics(targets: FloorTargets): Promise<string[]> {
    if (targets.topics.length === 0) return [];
    const admin = new Kafka({
        brokers: [targets.bootstrap],
        clientId: FLOOR_CLIENT_ID,
        logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
        const names = targets.topics.map((t) => t.name);
        const configNames = [...new Set(targets.topics.flatMap((t) => Object.keys(t.configs)))];
        const [metadata, configs] = await Promise.all([
            admin.fetchTopicMetadata({ topics: names }),
            admin.describeConfigs({
                includeSynonyms: false,
                resources: names.map((name) => ({ type: TOPIC_RESOURCE, name, configNames })),
            }),
        ]);
        const differences: string[] = [];
        for (const topic of targets.topics) {
            const live = metadata.topics.find((t) => t.name === topic.name);
            if (!live) {
                differences.push(`topic ${topic.name} is missing`);
                continue;
            }
            if (live.partitions.length !== topic.partitions) {
                differences.push(`topic ${topic.name} has ${live.partitions.length} partitions`);
            }
            const replicas = live.partitions[0]?.replicas.length ?? 0;
            if (replicas !== topic.replicationFactor) {
                differences.push(`topic ${topic.name} has replication factor ${replicas}`);
            }
            const entries =
                configs.resources.find((r) => r.resourceName === topic.name)?.configEntries ?? [];
            for (const [key, value] of Object.entries(topic.configs)) {
                const found = entries.find((e) => e.configName === key)?.configValue;
                if (found !== value) differences.push(`topic ${topic.name}: ${key}=${found}`);
            }
        }
        return differences;
    } finally {
        await admin.disconnect();
    }
}

async function readChangefeed(targets: FloorTargets): Promise<string[]> {
    if (targets.changefeedId === undefined) return [];
    const url = `${targets.ticdcApiUrl}/api/v2/changefeeds/${encodeURIComponent(targets.changefeedId)}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (response.status === 404) return [`changefeed ${targets.changefeedId} is missing`];
    // TiCDC's TSOs exceed 2^53, but only the state is compared here.
    const body = (await response.json()) as { state?: string };
    return body.state === "normal" ? [] : [`changefeed ${targets.changefeedId} is ${body.state}`];
}

async function readJobs(targets: FloorTargets): Promise<string[]> {
    if (targets.jobNames.length === 0) return [];
    const response = await fetch(`${targets.flinkRestUrl}/jobs/overview`, {
        signal: AbortSignal.timeout(30_000),
    });
    const { jobs } = (await response.json()) as { jobs: { name: string; state: string }[] };
    const running = new Set(jobs.filter((j) => j.state === "RUNNING").map((j) => j.name));
    return targets.jobNames.filter((n) => !running.has(n)).map((n) => `job ${n} is not running`);
}

/** Reads everything once (all services at once) and compares it with the targets. */
export async function floorRead(targets: FloorTargets): Promise<FloorResult> {
    const started = performance.now();
    const parts = await Promise.all([
        readTopics(targets),
        readChangefeed(targets),
        readJobs(targets),
    ]);
    const differences = parts.flat();
    return { ok: differences.length === 0, differences, ms: performance.now() - started };
}
