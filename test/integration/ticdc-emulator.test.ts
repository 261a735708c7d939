/**
 * The TiCDC emulator against REAL Kafka (KRaft 4.3 and ZooKeeper-mode 3.9 from the global setup):
 * changefeeds are created over HTTP, rows fed through the hooks arrive as TiCDC canal-json in the
 * partitions TiCDC would pick, and sink checks fail where TiCDC's do.
 */
import { randomUUID } from "node:crypto";
import { type Admin, Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { crc32 } from "../emulator/ticdc/canal";
import { callApi, obj } from "../emulator/ticdc/client";
import { type JsonValue, parseJson } from "../emulator/ticdc/json";
import { startTicdcEmulator, type TicdcEmulator } from "../emulator/ticdc/server";

interface Received {
    partition: number;
    key: Buffer | null;
    value: string;
}

/** Reads `count` messages of `topic` from the beginning (fails after `timeoutMs`). */
async function consume(
    bootstrap: string,
    topic: string,
    count: number,
    timeoutMs = 30_000,
): Promise<Received[]> {
    const kafka = new Kafka({
        clientId: "emulator-test",
        brokers: [bootstrap],
        logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: `emulator-test-${randomUUID()}` });
    const received: Received[] = [];
    await consumer.connect();
    try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
                () => reject(new Error(`got ${received.length}/${count} messages from ${topic}`)),
                timeoutMs,
            );
            void consumer.run({
                eachMessage: async ({ partition, message }) => {
                    received.push({
                        partition,
                        key: message.key,
                        value: message.value?.toString("utf8") ?? "",
                    });
                    if (received.length >= count) {
                        clearTimeout(timer);
                        resolve();
                    }
                    return Promise.resolve();
                },
            });
        });
    } finally {
        await consumer.disconnect();
    }
    return received;
}

const services = inject("services");
const containing = (text: string): unknown => expect.stringContaining(text);

describe.each([
    ["KRaft 4.3", services.kafka.bootstrap],
    ["ZooKeeper-mode 3.9", services["kafka-zk"].bootstrap],
])("TiCDC emulator producing to Kafka %s", (_name, bootstrap) => {
    const suffix = randomUUID().slice(0, 8);
    const schema = `shop_${suffix}`;
    const defaultTopic = `emu-default-${suffix}`;
    const tableTopic = `tidb_${schema}_orders`;
    let admin: Admin;
    let emu: TicdcEmulator;

    beforeAll(async () => {
        admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
        await admin.connect();
        await admin.createTopics({
            waitForLeaders: true,
            topics: [
                { topic: defaultTopic, numPartitions: 2, replicationFactor: 1 },
                { topic: tableTopic, numPartitions: 3, replicationFactor: 1 },
                {
                    topic: `emu-isr-${suffix}`,
                    numPartitions: 1,
                    replicationFactor: 1,
                    configEntries: [{ name: "min.insync.replicas", value: "2" }],
                },
            ],
        });
        emu = await startTicdcEmulator({ kafka: { real: {} }, tickMs: 0 });
        emu.defineTable({
            schema,
            table: "orders",
            columns: [
                { name: "id", type: "bigint" },
                { name: "status", type: "varchar(16)" },
                { name: "amount", type: "decimal(10,2)" },
            ],
            primaryKey: ["id"],
        });
    });

    afterAll(async () => {
        const violations = emu?.violations ?? [];
        await emu?.close();
        await admin
            ?.deleteTopics({
                topics: [defaultTopic, tableTopic, `emu-isr-${suffix}`, `emu-auto-${suffix}`],
            })
            .catch(() => undefined);
        await admin?.disconnect();
        expect(violations).toEqual([]);
    });

    it("delivers inserts, updates and deletes as TiCDC canal-json to the index-value partition", async () => {
        const created = await callApi(emu.url, "POST", "/api/v2/changefeeds", {
            changefeed_id: `orders-${suffix}`,
            sink_uri: `kafka://${bootstrap}/${defaultTopic}?protocol=canal-json&enable-tidb-extension=true&auto-create-topic=false`,
            replica_config: {
                filter: { rules: [`${schema}.*`] },
                sink: {
                    dispatchers: [
                        {
                            matcher: [`${schema}.*`],
                            topic: "tidb_{schema}_{table}",
                            partition: "index-value",
                        },
                    ],
                },
            },
        });
        expect(created.status, created.text).toBe(200);
        expect(obj(created).state).toBe("normal");

        const inserted = emu.insertRow(schema, "orders", [
            { id: 1, status: "new", amount: "10" },
            { id: 2, status: "new", amount: "20.5" },
            { id: 3, status: "new", amount: 30 },
        ]);
        emu.updateRow(schema, "orders", { id: 2 }, { status: "paid" });
        emu.deleteRow(schema, "orders", { id: 3 });
        await emu.flush();

        // 3 inserts + 1 update + 1 delete, then one watermark per partition (3) of the table topic.
        const messages = await consume(bootstrap, tableTopic, 8);
        const rows = messages.filter((m) => !m.value.includes("TIDB_WATERMARK"));
        const watermarks = messages.filter((m) => m.value.includes("TIDB_WATERMARK"));
        expect(rows).toHaveLength(5);
        expect(watermarks.map((m) => m.partition).sort()).toEqual([0, 1, 2]);
        for (const m of messages) expect(m.key).toBeNull();
        for (const m of rows) {
            const body = parseJson(m.value) as Record<string, JsonValue>;
            const id = ((body.data as Record<string, string>[])[0] ?? {}).id ?? "";
            const expected =
                ((crc32(Buffer.from(`${schema}orders`)) ^ crc32(Buffer.from(`id${id}`))) >>> 0) % 3;
            expect(m.partition, `row id ${id}`).toBe(expected);
        }
        const byType = (type: string) =>
            rows
                .map((m) => parseJson(m.value) as Record<string, JsonValue>)
                .filter((b) => b.type === type);
        expect(byType("INSERT")).toHaveLength(3);
        expect(byType("INSERT")[0]).toMatchObject({
            id: 0n,
            database: schema,
            table: "orders",
            pkNames: ["id"],
            isDdl: false,
            es: inserted >> 18n,
            sql: "",
            sqlType: { id: -5n, status: 12n, amount: 3n },
            mysqlType: { id: "bigint", status: "varchar", amount: "decimal" },
            old: null,
            _tidb: { commitTs: inserted },
        });
        const amounts = byType("INSERT").map(
            (b) => (b.data as Record<string, string>[])[0]?.amount,
        );
        expect(amounts.sort()).toEqual(["10.00", "20.50", "30.00"]);
        expect(byType("UPDATE")[0]).toMatchObject({
            old: [{ id: "2", status: "new", amount: "20.50" }],
            data: [{ id: "2", status: "paid", amount: "20.50" }],
        });
        expect(byType("DELETE")[0]).toMatchObject({
            old: null,
            data: [{ id: "3", status: "new", amount: "30.00" }],
        });
        // The raw bytes keep TiCDC's field order.
        expect(rows[0]?.value).toMatch(
            /^\{"id":0,"database":"[^"]+","table":"orders","pkNames":\["id"\],"isDdl":false,"type":/,
        );

        // The default topic only gets watermarks (no table routes there): one per partition.
        const defaults = await consume(bootstrap, defaultTopic, 2);
        expect(defaults.every((m) => m.value.includes('"type":"TIDB_WATERMARK"'))).toBe(true);

        const info = obj(await callApi(emu.url, "GET", `/api/v2/changefeeds/orders-${suffix}`));
        expect(info.checkpoint_ts as bigint).toBeGreaterThan(inserted);
        expect(
            (await callApi(emu.url, "DELETE", `/api/v2/changefeeds/orders-${suffix}`)).status,
        ).toBe(200);
    });

    it("fails creation like TiCDC when the topic is missing, too small, or under-replicated", async () => {
        const create = (id: string, topic: string, params: string) =>
            callApi(emu.url, "POST", "/api/v2/changefeeds", {
                changefeed_id: `${id}-${suffix}`,
                sink_uri: `kafka://${bootstrap}/${topic}?protocol=canal-json&${params}`,
            });
        const missing = await create("missing", `emu-missing-${suffix}`, "auto-create-topic=false");
        expect(missing.status).toBe(500);
        expect(obj(missing)).toEqual({
            error_msg: `[CDC:ErrKafkaCreateTopic]kafka create topic failed: [CDC:ErrKafkaInvalidConfig]\`auto-create-topic\` is false, and emu-missing-${suffix} not found`,
            error_code: "CDC:ErrKafkaCreateTopic",
        });
        const small = await create("small", defaultTopic, "partition-num=5");
        expect(obj(small)).toMatchObject({
            error_code: "CDC:ErrKafkaNewProducer",
            error_msg: containing(
                "the number of partition (5) specified in sink-uri is more than that of actual topic (2)",
            ),
        });
        const isr = await create("isr", `emu-isr-${suffix}`, "auto-create-topic=false");
        expect(obj(isr)).toMatchObject({
            error_code: "CDC:ErrKafkaNewProducer",
            error_msg: containing(
                "the `replication-factor` 1 is smaller than the `min.insync.replicas` 2 of topic",
            ),
        });
        // TiCDC's default is auto-create-topic=true: it creates the topic (partition-num, replication-factor).
        const auto = await create("auto", `emu-auto-${suffix}`, "partition-num=2");
        expect(auto.status, auto.text).toBe(200);
        const meta = await admin.fetchTopicMetadata({ topics: [`emu-auto-${suffix}`] });
        expect(meta.topics[0]?.partitions).toHaveLength(2);
        await callApi(emu.url, "DELETE", `/api/v2/changefeeds/auto-${suffix}`);

        const unreachable = await callApi(emu.url, "POST", "/api/v2/changefeeds", {
            changefeed_id: `down-${suffix}`,
            sink_uri: `kafka://127.0.0.1:1/${defaultTopic}?protocol=canal-json`,
        });
        expect(obj(unreachable)).toMatchObject({
            error_code: "CDC:ErrKafkaNewProducer",
            error_msg: containing("kafka: client has run out of available brokers to talk to"),
        });
    });
});
