/**
 * End to end, through the providers: a marker row written to "TiDB" (the TiCDC emulator, the one
 * stand-in) reaches its Kafka topic `tidb_<db>_<table>` as canal-json through a Changefeed, and a
 * FlinkSqlJob on the real Flink session cluster copies it to a sink topic we read back. Runs on
 * Kafka 4.3 (KRaft) and Kafka 3.9 (ZooKeeper). Every resource is deleted through its provider
 * afterwards, and the test checks that nothing is left.
 */
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kafkaTopicProvider } from "../../components/kafka/topic";
import { canalJsonKafkaSourceOptions } from "../../components/flink/sql";
import { jobProvider, type FlinkSqlJobOutputs } from "../../components/flink/sql-job";
import { tableProvider, type FlinkSqlTableOutputs } from "../../components/flink/sql-table";
import { changefeedProvider } from "../../components/ticdc/changefeed";
import { tableTopic } from "../../components/pipeline/replication";
import { startTicdcEmulator, type TicdcEmulator } from "../emulator/ticdc/server";

const services = inject("services");
const { restUrl, gatewayUrl, savepointDir } = services.flink;

describe.each([
    ["Kafka 4.3 KRaft", services.kafka.bootstrap],
    ["Kafka 3.9 ZooKeeper", services["kafka-zk"].bootstrap],
])("marker row, TiDB → TiCDC → %s → Flink", (_name, bootstrap) => {
    const run = `e2e${Date.now().toString(36)}${bootstrap.replace(/\D/g, "").slice(-3)}`;
    const schema = run;
    const changefeedId = `${run}-cdc`;
    const topics = {
        fallback: `${changefeedId}-default`,
        orders: tableTopic(`${schema}.orders`),
        sink: `${run}-marker-out`,
    };
    const connection = { bootstrapServers: bootstrap };
    const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING });
    let emulator: TicdcEmulator;
    let changefeed: Record<string, unknown>;
    let job: FlinkSqlJobOutputs | undefined;

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
    });

    afterAll(async () => {
        if (job) await jobProvider.delete!(job.name, job).catch(() => undefined);
        if (changefeed) {
            await changefeedProvider.delete!(changefeedId, changefeed).catch(() => undefined);
        }
        for (const topic of Object.values(topics)) {
            await kafkaTopicProvider.delete!(topic, { name: topic, connection } as never).catch(
                () => undefined,
            );
        }
        await emulator?.close();
    });

    it("delivers the marker within 90 seconds, and tears down leaving nothing", async () => {
        const started = Date.now();
        const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

        // 1. Topics: the changefeed's default topic, the table's topic, and Flink's sink.
        for (const topic of Object.values(topics)) {
            const { inputs } = await kafkaTopicProvider.check!(
                {} as never,
                {
                    name: topic,
                    partitions: topic === topics.sink ? 1 : 3,
                    replicationFactor: 1,
                    configs: { "cleanup.policy": "delete", "max.message.bytes": "10485760" },
                    connection,
                } as never,
            );
            await kafkaTopicProvider.create(inputs!);
        }

        // 2. The changefeed: canal-json, one topic per table, partitions by index value.
        const checked = await changefeedProvider.check!(
            {},
            {
                changefeedId,
                ticdcApiUrl: emulator.url,
                sink: { brokers: [bootstrap], topic: topics.fallback, partitionNum: 3 },
                tables: [`${schema}.orders`],
            },
        );
        expect(checked.failures ?? []).toEqual([]);
        changefeed = (await changefeedProvider.create(checked.inputs)).outs as Record<
            string,
            unknown
        >;
        expect(changefeed.state).toBe("normal");

        // 3. Flink: a canal-json source over the table's topic, a JSON sink, one INSERT job.
        const source = await tableProvider.create({
            gatewayUrl,
            name: `${run}_orders`,
            columns: [
                { name: "id", type: "BIGINT" },
                { name: "note", type: "STRING" },
            ],
            primaryKey: ["id"],
            options: canalJsonKafkaSourceOptions({
                topic: topics.orders,
                bootstrapServers: bootstrap,
                groupId: run,
                database: schema,
                table: "orders",
            }),
        });
        const sink = await tableProvider.create({
            gatewayUrl,
            name: `${run}_out`,
            columns: [
                { name: "id", type: "BIGINT" },
                { name: "note", type: "STRING" },
            ],
            options: {
                connector: "kafka",
                topic: topics.sink,
                "properties.bootstrap.servers": bootstrap,
                format: "debezium-json",
            },
            validateAs: "sink",
        });
        const sourceTable = source.outs as FlinkSqlTableOutputs;
        const sinkTable = sink.outs as FlinkSqlTableOutputs;
        const running = (
            await jobProvider.create({
                name: `${run}-marker`,
                gatewayUrl,
                restUrl,
                tables: [...sourceTable.sessionSql, ...sinkTable.sessionSql],
                statement: `INSERT INTO ${run}_out SELECT id, note FROM ${run}_orders`,
                executionConfig: { "parallelism.default": "1" },
                savepointDir,
                startTimeoutSeconds: 90,
                stopTimeoutSeconds: 60,
            })
        ).outs;
        if (!running) throw new Error("the job provider returned no outputs");
        job = running;
        expect(running.state).toBe("RUNNING");
        console.log(`pipeline up in ${elapsed()}`);

        // 4. The marker row, written upstream.
        const marker = `marker-${run}`;
        const written = Date.now();
        emulator.insertRow(schema, "orders", { id: 42, note: marker });

        const consumer = kafka.consumer({ groupId: `${run}-reader` });
        await consumer.connect();
        let seen: { id: number; note: string } | undefined;
        try {
            await consumer.subscribe({ topic: topics.sink, fromBeginning: true });
            await consumer.run({
                eachMessage: async ({ message }) => {
                    const value = JSON.parse(message.value?.toString() ?? "null") as {
                        after?: { id: number; note: string } | null;
                    } | null;
                    if (value?.after?.note === marker) seen = value.after;
                    return Promise.resolve();
                },
            });
            const deadline = Date.now() + 90_000;
            while (!seen && Date.now() < deadline) {
                await new Promise((resolve) => setTimeout(resolve, 250));
            }
        } finally {
            await consumer.disconnect();
        }
        expect(seen).toEqual({ id: 42, note: marker });
        console.log(`marker reached Flink's sink ${Date.now() - written} ms after the insert`);

        // 5. Teardown in the pipeline's order: job, changefeed, topics.
        await jobProvider.delete!(running.name, running);
        const stopped = (await jobProvider.read!(running.name, running)).props;
        expect(["FINISHED", "CANCELED"]).toContain(stopped?.state);
        job = undefined;
        await changefeedProvider.delete!(changefeedId, changefeed);
        expect((await changefeedProvider.read!(changefeedId, changefeed)).id).toBeFalsy();
        for (const topic of Object.values(topics)) {
            await kafkaTopicProvider.delete!(topic, { name: topic, connection } as never);
        }
        const admin = kafka.admin();
        await admin.connect();
        try {
            const left = (await admin.listTopics()).filter(
                (t) => t.startsWith(run) || t.includes(schema),
            );
            expect(left).toEqual([]);
        } finally {
            await admin.disconnect();
        }
        expect(emulator.violations).toEqual([]);
    });
});
