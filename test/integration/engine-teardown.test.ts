/**
 * `pulumi destroy` through the real engine when part of the stack is already gone (README,
 * "Tearing down a lab whose parts are gone"): the project's own program (infra/) on stacks whose
 * TiDB/TiCDC, Kafka and Flink are `external` (the integration setup's real Kafka 4.3 and Flink
 * 2.2, and the TiCDC emulator), as in engine.test.ts.
 *
 * TiCDC is the part that disappears: its emulator is closed (Kafka and Flink are shared by every
 * integration test and stay up), and one topic is deleted by hand as well.
 *
 * - With `teardown.forgetUnreachable: true` (forced: for external services it defaults to false),
 *   destroy succeeds: the changefeed is dropped from the state with a warning, the job and the
 *   topic that still existed are really deleted, in the stage order (jobs → tables →
 *   changefeeds → topics), and the state is empty.
 * - Without it, destroy fails naming the changefeed and the fix, and keeps the changefeed and the
 *   topics it writes to; the documented way out (set the key, `pulumi up`, which only records it,
 *   then destroy) empties the stack.
 */
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { tableTopic } from "../../components/pipeline/replication";
import { startTicdcEmulator, type TicdcEmulator } from "../emulator/ticdc/server";
import {
    createEngineHome,
    type EngineHome,
    type EngineRun,
    EngineStack,
    ordersToPrintFlinkSql,
    PROJECT,
} from "../engine/engine-stack";

const services = inject("services");
const { restUrl, gatewayUrl, savepointDir } = services.flink;
const bootstrap = services.kafka.bootstrap;

const run = `td${Date.now().toString(36)}`;
const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
let home: EngineHome;
const emulators: TicdcEmulator[] = [];
const stacks: EngineStack[] = [];

/** One stack of the scenario: its names, and a TiCDC emulator of its own. */
interface Case {
    prefix: string;
    schema: string;
    changefeedId: string;
    topics: { fallback: string; orders: string };
    jobName: string;
    emulator: TicdcEmulator;
    stack: EngineStack;
}

async function newCase(label: string): Promise<Case> {
    const prefix = `${run}${label}`;
    const schema = prefix;
    const changefeedId = `${prefix}-cdc`;
    const emulator = await startTicdcEmulator({ kafka: { real: {} }, tickMs: 200 });
    emulators.push(emulator);
    emulator.defineTable({
        schema,
        table: "orders",
        columns: [
            { name: "id", type: "bigint" },
            { name: "note", type: "varchar(64)" },
        ],
        primaryKey: ["id"],
    });
    const stack = await EngineStack.create(home, prefix);
    stacks.push(stack);
    return {
        prefix,
        schema,
        changefeedId,
        topics: { fallback: `${changefeedId}-default`, orders: tableTopic(`${schema}.orders`) },
        jobName: `${prefix}-orders-to-print`,
        emulator,
        stack,
    };
}

/** An external-services stack: topics and a changefeed, and optionally Flink SQL. */
function stackConfig(c: Case, options: { flinkSql: boolean; teardown?: unknown }) {
    return EngineStack.config(
        {
            target: "docker",
            namePrefix: c.prefix,
            tidb: {
                external: {
                    host: "127.0.0.1",
                    port: services.mariadb.port,
                    ticdcApiUrl: c.emulator.url,
                },
            },
            kafka: { external: { bootstrapServers: [bootstrap] } },
            flink: { external: { restUrl, sqlGatewayUrl: gatewayUrl, savepointDir } },
            replication: {
                changefeedId: c.changefeedId,
                tables: [`${c.schema}.orders`],
                topicPartitions: 1,
                topicReplicationFactor: 1,
            },
            ...(options.flinkSql ? { flinkSql: ordersToPrintFlinkSql(c.schema) } : {}),
            ...(options.teardown === undefined ? {} : { teardown: options.teardown }),
        },
        { tidbRootPassword: `pw-${c.prefix}` },
    );
}

interface StateResource {
    urn: string;
    type: string;
    outputs?: Record<string, unknown>;
}

/** The resources in the stack's state file (the local backend's checkpoint). */
async function stateResources(c: Case): Promise<StateResource[]> {
    const file = path.join(home.dir, `state/.pulumi/stacks/${PROJECT}/${c.prefix}.json`);
    const state = JSON.parse(await readFile(file, "utf8")) as {
        checkpoint?: { latest?: { resources?: StateResource[] } };
    };
    return state.checkpoint?.latest?.resources ?? [];
}

const DYNAMIC = /^pulumi-nodejs:dynamic\//;

/** `forgetIfUnreachable` of each dynamic resource in the state, by type. */
async function recordedFlags(c: Case): Promise<Record<string, unknown[]>> {
    const flags: Record<string, unknown[]> = {};
    for (const resource of await stateResources(c)) {
        if (!DYNAMIC.test(resource.type)) continue;
        const type = resource.type.split(":").pop()!;
        (flags[type] ??= []).push(resource.outputs?.forgetIfUnreachable);
    }
    return flags;
}

async function topicsOf(c: Case): Promise<string[]> {
    return (await admin.listTopics()).filter((t) => t.includes(c.prefix)).sort();
}

interface FlinkJob {
    jid: string;
    name: string;
    state: string;
}

async function flinkJobs(name: string): Promise<FlinkJob[]> {
    const res = await fetch(`${restUrl}/jobs/overview`);
    const { jobs } = (await res.json()) as { jobs: FlinkJob[] };
    return jobs.filter((job) => job.name === name);
}

/** Step indices of the destroy's deletes, per dynamic resource type. */
function deleteOrder(destroyed: EngineRun): Record<string, number[]> {
    const order: Record<string, number[]> = {};
    destroyed.result.steps.forEach((step, index) => {
        if (step.op === "delete") (order[step.type.split(":").pop()!] ??= []).push(index);
    });
    return order;
}

beforeAll(async () => {
    await admin.connect();
    home = await createEngineHome();
}, 900_000);

afterAll(async () => {
    // Leave nothing behind even when a step failed.
    for (const stack of stacks) await stack.exec("destroy").catch(() => undefined);
    const jobs = await fetch(`${restUrl}/jobs/overview`)
        .then((res) => res.json() as Promise<{ jobs: FlinkJob[] }>)
        .then(({ jobs }) => jobs.filter((job) => job.name.startsWith(run)))
        .catch(() => []);
    for (const job of jobs) {
        if (job.state === "RUNNING") {
            await fetch(`${restUrl}/jobs/${job.jid}?mode=cancel`, { method: "PATCH" });
        }
    }
    const left = (await admin.listTopics().catch(() => [])).filter((t) => t.includes(run));
    if (left.length) await admin.deleteTopics({ topics: left }).catch(() => undefined);
    await admin.disconnect();
    for (const emulator of emulators) await emulator.close().catch(() => undefined);
    await home?.dispose();
}, 300_000);

describe("pulumi destroy when TiCDC is gone and a topic was deleted by hand", () => {
    it("with teardown.forgetUnreachable: forgets the changefeed, deletes the rest in stage order", async () => {
        const c = await newCase("a");
        const config = stackConfig(c, { flinkSql: true, teardown: { forgetUnreachable: true } });
        await c.stack.must("up", { config });
        // The flag is in the state, where destroy (which runs no program) reads it.
        expect(await recordedFlags(c)).toEqual({
            KafkaTopic: [true, true],
            Changefeed: [true],
            SqlTable: [true, true],
            SqlJob: [true],
        });
        expect(await topicsOf(c)).toEqual([c.topics.fallback, c.topics.orders].sort());
        const running = (await flinkJobs(c.jobName)).find((job) => job.state === "RUNNING");
        expect(running).toBeDefined();

        // TiCDC disappears (nothing listens on its port any more); a topic is deleted by hand.
        await c.emulator.close();
        expect(await fetch(`${c.emulator.url}/api/v2/health`).catch(() => "refused")).toBe(
            "refused",
        );
        await admin.deleteTopics({ topics: [c.topics.fallback] });

        const destroyed = await c.stack.must("destroy");
        // Every resource is gone from the state.
        expect(await stateResources(c)).toEqual([]);
        expect(destroyed.ops()).toMatchObject({
            [`${c.prefix}-changefeed`]: "delete",
            [`${c.prefix}-topic-${c.topics.fallback}`]: "delete",
            [`${c.prefix}-topic-${c.topics.orders}`]: "delete",
            [`${c.prefix}-sql-job-orders-to-print`]: "delete",
        });
        // What still existed was really deleted: the topic, and the job (stopped with a savepoint).
        expect(await topicsOf(c)).toEqual([]);
        const jobs = await flinkJobs(c.jobName);
        expect(jobs.map((job) => job.state)).not.toContain("RUNNING");
        expect(jobs.find((job) => job.jid === running?.jid)?.state).toMatch(/FINISHED|CANCELED/);
        // The changefeed was forgotten, and the user is told so.
        expect(destroyed.log).toContain(
            `warning: TiCDC changefeed "${c.changefeedId}" was NOT deleted but removed from the stack's state (forgetIfUnreachable: true): TiCDC did not answer: TiCDC at ${c.emulator.url}/ could not be reached`,
        );
        // Stage order: jobs → tables → changefeeds → topics.
        const order = deleteOrder(destroyed);
        const stages = ["SqlJob", "SqlTable", "Changefeed", "KafkaTopic"].map((type) => {
            const indices = order[type] ?? [];
            expect(indices.length, type).toBeGreaterThan(0);
            return { first: Math.min(...indices), last: Math.max(...indices) };
        });
        for (let i = 1; i < stages.length; i++) {
            expect(stages[i]!.first).toBeGreaterThan(stages[i - 1]!.last);
        }
        await c.stack.must("remove");
    }, 600_000);

    it("without it: fails naming the changefeed and the fix, keeps what it cannot delete; the fix works", async () => {
        const c = await newCase("b");
        await c.stack.must("up", { config: stackConfig(c, { flinkSql: false }) });
        // External services: the default keeps what cannot be reached.
        expect(await recordedFlags(c)).toEqual({
            KafkaTopic: [false, false],
            Changefeed: [false],
        });
        await c.emulator.close();
        await admin.deleteTopics({ topics: [c.topics.fallback] });

        const stuck = await c.stack.exec("destroy");
        expect(stuck.ok).toBe(false);
        const error = stuck.result.error ?? "";
        expect(error).toContain(`could not be reached to delete changefeed "${c.changefeedId}"`);
        expect(error).toContain("The changefeed was not deleted and stays in the stack.");
        expect(error).toContain("`pulumi config set --path teardown.forgetUnreachable true`");
        expect(error).toContain(
            "remove the changefeed from the state with `pulumi state delete <urn>`",
        );
        // The changefeed stays, and so do the topics it writes to (deleted after it, never before).
        const kept = (await stateResources(c)).map((r) => r.type.split(":").pop());
        expect(kept).toEqual(expect.arrayContaining(["Changefeed", "KafkaTopic", "KafkaTopic"]));
        expect(await topicsOf(c)).toEqual([c.topics.orders]);

        // The documented way out: set the key and record it (no call to TiCDC), then destroy.
        const recorded = await c.stack.must("up", {
            config: stackConfig(c, { flinkSql: false, teardown: { forgetUnreachable: true } }),
        });
        expect(recorded.ops()).toEqual({
            [`${c.prefix}-changefeed`]: "update",
            [`${c.prefix}-topic-${c.topics.fallback}`]: "update",
            [`${c.prefix}-topic-${c.topics.orders}`]: "update",
        });
        for (const step of recorded.changed()) expect(step.diffs).toEqual(["forgetIfUnreachable"]);
        expect(await recordedFlags(c)).toEqual({
            KafkaTopic: [true, true],
            Changefeed: [true],
        });

        const destroyed = await c.stack.must("destroy");
        expect(destroyed.log).toContain(`TiCDC changefeed "${c.changefeedId}"`);
        expect(await stateResources(c)).toEqual([]);
        expect(await topicsOf(c)).toEqual([]);
        await c.stack.must("remove");
    }, 600_000);
});
