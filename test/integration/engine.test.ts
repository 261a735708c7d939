/**
 * The real engine: `pulumi up`, `refresh` and `destroy` of the project's own program (infra/) on a
 * stack whose TiDB/TiCDC, Kafka and Flink are `external`: the real Kafka 4.3 and Flink 2.2 the
 * integration setup starts, and the TiCDC emulator (the one stand-in; no TiCDC binary exists
 * here). The stack declares what the dynamic providers manage: the table's and the changefeed's
 * default topics, the changefeed, two Flink SQL tables and a job.
 *
 * The scenario is what users run: up, a second up that changes nothing, drift made out of band
 * (changefeed paused, job cancelled, a topic deleted, partitions added), refresh showing each,
 * up repairing each, a config change that updates in place and one that replaces, destroy, and
 * nothing left on the services. Steps depend on each other, so they run in order.
 */
import { readFile, readdir } from "node:fs/promises";
import * as path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { tableTopic } from "../../components/pipeline/replication";
import { callApi } from "../emulator/ticdc/client";
import { startTicdcEmulator, type TicdcEmulator } from "../emulator/ticdc/server";
import {
    createEngineHome,
    type EngineHome,
    EngineStack,
    ordersToPrintFlinkSql,
} from "../engine/engine-stack";

const services = inject("services");
const { restUrl, gatewayUrl, savepointDir } = services.flink;
const bootstrap = services.kafka.bootstrap;

const run = `eng${Date.now().toString(36)}`;
const schema = run;
const changefeedId = `${run}-cdc`;
const replacementId = `${run}-cdc2`;
const jobName = `${run}-orders-to-print`;
const topics = { fallback: `${changefeedId}-default`, orders: tableTopic(`${schema}.orders`) };
const password = `pw-${run}-never-plain`;

const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
let emulator: TicdcEmulator;
let home: EngineHome;
let stack: EngineStack;

/** The stack's config; `changes` adjusts the replication section. */
function stackConfig(replication: Record<string, unknown> = {}) {
    return EngineStack.config(
        {
            target: "docker",
            namePrefix: run,
            tidb: {
                external: {
                    host: "127.0.0.1",
                    port: services.mariadb.port,
                    ticdcApiUrl: emulator.url,
                },
            },
            kafka: { external: { bootstrapServers: [bootstrap] } },
            flink: { external: { restUrl, sqlGatewayUrl: gatewayUrl, savepointDir } },
            replication: {
                changefeedId,
                tables: [`${schema}.orders`],
                topicPartitions: 1,
                // One test broker; for an external cluster the default is 3.
                topicReplicationFactor: 1,
                ...replication,
            },
            flinkSql: ordersToPrintFlinkSql(schema),
        },
        { tidbRootPassword: password },
    );
}

async function topicPartitions(): Promise<Record<string, number>> {
    const names = (await admin.listTopics()).filter((t) => t.includes(run));
    if (names.length === 0) return {};
    const { topics: described } = await admin.fetchTopicMetadata({ topics: names });
    return Object.fromEntries(described.map((t) => [t.name, t.partitions.length]));
}

interface FlinkJob {
    jid: string;
    name: string;
    state: string;
}

async function flinkJobs(): Promise<FlinkJob[]> {
    const res = await fetch(`${restUrl}/jobs/overview`);
    const { jobs } = (await res.json()) as { jobs: FlinkJob[] };
    return jobs.filter((job) => job.name === jobName);
}

async function runningJob(): Promise<FlinkJob | undefined> {
    return (await flinkJobs()).find((job) => job.state === "RUNNING");
}

async function changefeedIds(): Promise<string[]> {
    const answer = await callApi(emulator.url, "GET", "/api/v2/changefeeds");
    const { items } = answer.json as { items: { id: string }[] };
    return items.map((item) => item.id);
}

beforeAll(async () => {
    emulator = await startTicdcEmulator({ kafka: { real: {} }, tickMs: 200 });
    emulator.defineTable({
        schema,
        table: "orders",
        columns: [
            { name: "id", type: "bigint" },
            { name: "note", type: "varchar(64)" },
        ],
        primaryKey: ["id"],
    });
    await admin.connect();
    home = await createEngineHome();
    stack = await EngineStack.create(home, run);
}, 900_000);

afterAll(async () => {
    // Leave nothing behind even when a step failed: destroy through the engine, then by hand.
    if (stack) await stack.exec("destroy").catch(() => undefined);
    for (const job of await flinkJobs().catch(() => [])) {
        if (job.state === "RUNNING") {
            await fetch(`${restUrl}/jobs/${job.jid}?mode=cancel`, { method: "PATCH" });
        }
    }
    const left = (await admin.listTopics().catch(() => [])).filter((t) => t.includes(run));
    if (left.length) await admin.deleteTopics({ topics: left }).catch(() => undefined);
    await admin.disconnect();
    await emulator?.close();
    await home?.dispose();
}, 300_000);

describe("pulumi up / refresh / destroy of an external-services stack", () => {
    it("creates the topics, the changefeed, the Flink tables and the job", async () => {
        const up = await stack.must("up", { config: stackConfig() });
        expect(up.result.changes.create).toBeGreaterThanOrEqual(7);
        expect(up.changed("KafkaTopic").map((s) => s.op)).toEqual(["create", "create"]);

        expect(await topicPartitions()).toEqual({ [topics.fallback]: 1, [topics.orders]: 1 });
        expect(emulator.changefeedState(changefeedId)?.state).toBe("normal");
        expect(await runningJob()).toBeDefined();
        expect(up.result.outputs).toMatchObject({
            kafkaBootstrapServers: bootstrap,
            flinkRestUrl: restUrl,
            ticdcApiUrl: emulator.url,
        });
    }, 300_000);

    it("keeps the password out of the state file in plain text", async () => {
        const stateDir = path.join(home.dir, "state/.pulumi/stacks/tidb-cdc-pipeline");
        const files = await readdir(stateDir);
        expect(files).toContain(`${run}.json`);
        const state = await readFile(path.join(stateDir, `${run}.json`), "utf8");
        expect(state).toContain("4dabf18193072939515e22adb298388d"); // Pulumi's secret marker
        expect(state).not.toContain(password);
    });

    it("changes nothing on a second up, and previews no change", async () => {
        const again = await stack.must("up");
        expect(again.changeCount).toBe(0);
        expect(again.result.changes.same).toBeGreaterThanOrEqual(7);
        await stack.must("preview", { expectNoChanges: true });
    }, 300_000);

    it("sees out-of-band drift on refresh and repairs it on up", async () => {
        const before = await runningJob();
        if (!before) throw new Error("the job does not run before the drift");
        // Drift: the changefeed paused, the job cancelled, the default topic deleted.
        const paused = await callApi(
            emulator.url,
            "POST",
            `/api/v2/changefeeds/${changefeedId}/pause`,
        );
        expect(paused.status).toBe(200);
        await fetch(`${restUrl}/jobs/${before.jid}?mode=cancel`, { method: "PATCH" });
        await admin.deleteTopics({ topics: [topics.fallback] });
        await expect
            .poll(async () => (await runningJob())?.jid, { timeout: 30_000 })
            .toBeUndefined();

        const refresh = await stack.must("refresh");
        const ops = refresh.ops();
        expect(ops[`${run}-topic-${topics.fallback}`]).toBe("delete");
        expect(ops[`${run}-changefeed`]).toBe("update");
        expect(ops[`${run}-sql-job-orders-to-print`]).toBe("update");
        const byName = Object.fromEntries(refresh.changed().map((s) => [s.name, s.diffs]));
        expect(byName[`${run}-changefeed`]).toEqual(expect.arrayContaining(["paused"]));
        expect(byName[`${run}-sql-job-orders-to-print`]).toEqual(expect.arrayContaining(["state"]));
        expect(refresh.changed()).toHaveLength(3);

        const repair = await stack.must("up");
        expect(repair.ops()).toMatchObject({
            [`${run}-topic-${topics.fallback}`]: "create",
            [`${run}-changefeed`]: "update",
            [`${run}-sql-job-orders-to-print`]: "update",
        });
        expect(await topicPartitions()).toEqual({ [topics.fallback]: 1, [topics.orders]: 1 });
        expect(emulator.changefeedState(changefeedId)?.state).toBe("normal");
        const after = await runningJob();
        expect(after?.jid).toBeDefined();
        expect(after?.jid).not.toBe(before.jid);

        const converged = await stack.must("up");
        expect(converged.changeCount).toBe(0);
    }, 600_000);

    it("refuses to shrink partitions added out of band, and converges once config follows", async () => {
        await admin.createPartitions({ topicPartitions: [{ topic: topics.orders, count: 3 }] });
        const refresh = await stack.must("refresh");
        expect(refresh.ops()).toEqual({ [`${run}-topic-${topics.orders}`]: "update" });
        expect(refresh.changed()[0]?.diffs).toContain("partitions");

        // Kafka cannot remove partitions; shrinking means recreating the topic and its data.
        const shrink = await stack.exec("up");
        expect(shrink.ok).toBe(false);
        expect(shrink.result.error).toMatch(/partitions/);
        expect(shrink.result.error).toMatch(/allowPartitionShrink/);
        expect(await topicPartitions()).toMatchObject({ [topics.orders]: 3 });

        // The user's fix: raise the config to what the topic has; the other topic grows in place
        // and the changefeed's partition count follows (update, never replace).
        const grown = await stack.must("up", { config: stackConfig({ topicPartitions: 3 }) });
        expect(grown.ops()).toEqual({
            [`${run}-topic-${topics.fallback}`]: "update",
            [`${run}-changefeed`]: "update",
        });
        expect(await topicPartitions()).toEqual({ [topics.fallback]: 3, [topics.orders]: 3 });
        expect(emulator.changefeedState(changefeedId)?.state).toBe("normal");
    }, 600_000);

    it("replaces the changefeed when its id changes, and leaves the old one nowhere", async () => {
        const replaced = await stack.must("up", {
            config: stackConfig({ topicPartitions: 3, changefeedId: replacementId }),
        });
        const changefeedOps = replaced
            .changed("Changefeed")
            .map((s) => s.op)
            .sort();
        expect(changefeedOps).toContain("replace");
        expect(await changefeedIds()).toEqual([replacementId]);
        // The default topic follows the id: a new resource, the old one deleted.
        expect(replaced.ops()).toMatchObject({
            [`${run}-topic-${replacementId}-default`]: "create",
            [`${run}-topic-${topics.fallback}`]: "delete",
        });
        expect(Object.keys(await topicPartitions()).sort()).toEqual(
            [`${replacementId}-default`, topics.orders].sort(),
        );
    }, 600_000);

    it("destroys everything it made, and nothing is left on the services", async () => {
        const destroyed = await stack.must("destroy");
        expect(destroyed.result.changes.delete).toBeGreaterThanOrEqual(7);
        expect(await topicPartitions()).toEqual({});
        expect(await changefeedIds()).toEqual([]);
        expect(await runningJob()).toBeUndefined();
        await stack.must("remove");
        expect(emulator.violations).toEqual([]);
    }, 300_000);
});
