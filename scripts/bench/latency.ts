/**
 * The marker row's end-to-end latency on the local services (not the Docker lab): a row written
 * upstream (the TiCDC emulator, the one stand-in: no TiDB/TiCDC binary exists here) → its
 * changefeed → the table's Kafka topic (canal-json) → a Flink SQL job on the benchmark's Flink →
 * a sink topic read back, as test/integration/e2e.test.ts builds it, through the providers.
 *
 * One consumer reads both the table topic and the sink topic for the whole series, so each
 * marker gives two times: insert → canal-json on the table topic (emulator + Kafka), and table
 * topic → sink topic (Flink). One warm-up marker goes first and is reported apart.
 */
import { Kafka, logLevel } from "kafkajs";
import { canalJsonKafkaSourceOptions } from "../../components/flink/sql";
import { jobProvider, type FlinkSqlJobOutputs } from "../../components/flink/sql-job";
import { tableProvider, type FlinkSqlTableOutputs } from "../../components/flink/sql-table";
import { kafkaTopicProvider, type KafkaTopicOutputs } from "../../components/kafka/topic";
import { defaultTopic, tableTopic } from "../../components/pipeline/replication";
import { changefeedProvider } from "../../components/ticdc/changefeed";
import type { Cleanup } from "./cleanup";
import { COLUMNS } from "./shape";

export interface LatencyContext {
    run: string;
    bootstrap: string;
    ticdcApiUrl: string;
    gatewayUrl: string;
    restUrl: string;
    savepointDir: string;
    cleanup: Cleanup;
    log: (line: string) => void;
    defineTables(schema: string, names: string[]): void;
    insertRow(schema: string, table: string, row: Record<string, unknown>): void;
}

export interface MarkerTiming {
    /** Insert → the marker read from the sink topic. */
    totalMs: number;
    /** Insert → the canal-json message read from the table topic. */
    toKafkaMs?: number;
    /** Table topic → sink topic. */
    throughFlinkMs?: number;
}

export interface LatencyResult {
    /** Pipeline set-up through the providers (topics, changefeed, tables, job RUNNING). */
    setupMs: number;
    warmup: MarkerTiming;
    runs: MarkerTiming[];
    /** Markers that did not arrive within the timeout. */
    lost: number;
}

const MARKER_TIMEOUT_MS = 60_000;

export async function measureLatency(
    context: LatencyContext,
    runs: number,
): Promise<LatencyResult> {
    const { run, bootstrap, cleanup, log } = context;
    const schema = `${run}lat`;
    const changefeedId = `${run}-lat-cdc`;
    const topics = {
        fallback: defaultTopic(changefeedId),
        orders: tableTopic(`${schema}.orders`),
        sink: `${run}-lat-out`,
    };
    const connection = { bootstrapServers: bootstrap };
    context.defineTables(schema, ["orders"]);
    const setupStarted = performance.now();

    const createdTopics: string[] = [];
    cleanup.add(`latency topics of ${run}`, async () => {
        for (const name of createdTopics) {
            await kafkaTopicProvider.delete!(name, { name, connection } as KafkaTopicOutputs).catch(
                () => undefined,
            );
        }
    });
    for (const name of Object.values(topics)) {
        const { inputs } = await kafkaTopicProvider.check!(
            {} as never,
            {
                name,
                partitions: 1,
                replicationFactor: 1,
                configs: { "cleanup.policy": "delete", "max.message.bytes": "10485760" },
                connection,
            } as never,
        );
        createdTopics.push(name);
        await kafkaTopicProvider.create(inputs!);
    }

    const checked = await changefeedProvider.check!(
        {},
        {
            changefeedId,
            ticdcApiUrl: context.ticdcApiUrl,
            sink: { brokers: [bootstrap], topic: topics.fallback, partitionNum: 1 },
            tables: [`${schema}.orders`],
        },
    );
    let feed: Record<string, unknown> | undefined = undefined;
    cleanup.add(`changefeed ${changefeedId}`, async () => {
        if (feed) await changefeedProvider.delete!(changefeedId, feed).catch(() => undefined);
    });
    feed = (await changefeedProvider.create(checked.inputs)).outs as Record<string, unknown>;

    const source = (
        await tableProvider.create({
            gatewayUrl: context.gatewayUrl,
            name: `${run}_lat_src`,
            columns: COLUMNS.map((c) => ({ ...c })),
            primaryKey: ["id"],
            options: canalJsonKafkaSourceOptions({
                topic: topics.orders,
                bootstrapServers: bootstrap,
                groupId: `${run}-lat`,
                database: schema,
                table: "orders",
            }),
        })
    ).outs as FlinkSqlTableOutputs;
    const sink = (
        await tableProvider.create({
            gatewayUrl: context.gatewayUrl,
            name: `${run}_lat_out`,
            columns: COLUMNS.map((c) => ({ ...c })),
            options: {
                connector: "kafka",
                topic: topics.sink,
                "properties.bootstrap.servers": bootstrap,
                format: "debezium-json",
            },
            validateAs: "sink",
        })
    ).outs as FlinkSqlTableOutputs;
    let job: FlinkSqlJobOutputs | undefined = undefined;
    cleanup.add(`Flink job ${run}-lat`, async () => {
        if (job) await jobProvider.delete!(job.name, job).catch(() => undefined);
    });
    job = (
        await jobProvider.create({
            name: `${run}-lat`,
            gatewayUrl: context.gatewayUrl,
            restUrl: context.restUrl,
            tables: [...source.sessionSql, ...sink.sessionSql],
            statement: `INSERT INTO ${run}_lat_out SELECT id, note FROM ${run}_lat_src`,
            executionConfig: { "parallelism.default": "1" },
            savepointDir: context.savepointDir,
            startTimeoutSeconds: 120,
            stopTimeoutSeconds: 120,
        })
    ).outs;
    const setupMs = performance.now() - setupStarted;
    log(`[bench]   latency pipeline up in ${(setupMs / 1000).toFixed(1)} s`);

    // Arrival times by marker text, per topic.
    const seen = { orders: new Map<string, number>(), sink: new Map<string, number>() };
    const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `${run}-lat-reader`, maxWaitTimeInMs: 100 });
    const stopConsumer = cleanup.add(`latency consumer of ${run}`, () => consumer.disconnect());
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.orders, topics.sink], fromBeginning: true });
    await consumer.run({
        eachMessage: ({ topic, message }) => {
            const at = performance.now();
            const text = message.value?.toString() ?? "";
            const marker = /marker-[a-z0-9]+-(?:w|\d+)/.exec(text)?.[0];
            if (marker) {
                const map = topic === topics.sink ? seen.sink : seen.orders;
                if (!map.has(marker)) map.set(marker, at);
            }
            return Promise.resolve();
        },
    });

    const one = async (label: string, id: number): Promise<MarkerTiming | undefined> => {
        const marker = `marker-${run}-${label}`;
        const written = performance.now();
        context.insertRow(schema, "orders", { id, note: marker });
        const deadline = written + MARKER_TIMEOUT_MS;
        while (!seen.sink.has(marker) && performance.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 5));
        }
        const atSink = seen.sink.get(marker);
        if (atSink === undefined) return undefined;
        const atTopic = seen.orders.get(marker);
        return {
            totalMs: atSink - written,
            toKafkaMs: atTopic === undefined ? undefined : atTopic - written,
            throughFlinkMs: atTopic === undefined ? undefined : atSink - atTopic,
        };
    };

    const warmup = await one("w", 1);
    if (!warmup) throw new Error("the warm-up marker did not reach the sink topic in 60 s");
    const timings: MarkerTiming[] = [];
    let lost = 0;
    for (let i = 0; i < runs; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const timing = await one(String(i), 100 + i);
        if (timing) timings.push(timing);
        else lost++;
    }
    await stopConsumer();
    return { setupMs, warmup, runs: timings, lost };
}
