/**
 * FlinkSqlTable and FlinkSqlJob against a real Flink 2.2.1 session cluster (SQL Gateway +
 * JobManager REST, Kafka SQL connector) and a real Kafka 4.3 broker.
 *
 * The providers are used the way the Pulumi engine uses them: serialized with Pulumi's closure
 * serializer and loaded back from the text (what the dynamic-provider host does), then called
 * method by method. Out-of-band actions (cancel) go straight to the JobManager REST API.
 *
 * Data path: canal-json messages as TiCDC writes them (plus a TIDB_WATERMARK event and a DDL
 * event, which Flink's canal-json cannot read) → Kafka source topic → Flink job → Kafka sink
 * topic (debezium-json), read back with kafkajs. One source topic and one job at a time keep the
 * suite light on the two cores; every job started is canceled in afterAll.
 */
import Module from "node:module";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { type Admin, Kafka, logLevel, type Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
    cancelJob,
    executeStatement,
    findJobsByName,
    getJob,
    isTerminalJobState,
    listJobs,
    withSession,
} from "../../components/flink/gateway";
import { canalJsonKafkaSourceOptions, renderCreateTable } from "../../components/flink/sql";
import {
    type FlinkSqlJobInputs,
    type FlinkSqlJobOutputs,
    jobProvider,
} from "../../components/flink/sql-job";
import {
    type FlinkSqlTableInputs,
    type FlinkSqlTableOutputs,
    inspectTable,
    tableDefinition,
    tableDrift,
    tableProvider,
} from "../../components/flink/sql-table";

const services = inject("services");
const { restUrl, gatewayUrl, savepointDir } = services.flink;
const bootstrap = services.kafka.bootstrap;
/** Unique per run: the services outlive the tests. */
const RUN = `it-fsql-${Date.now().toString(36)}`;
const sourceTopic = `${RUN}-orders`;
const sinkTopic = `${RUN}-out`;

type Provider<I, O> = Required<pulumi.dynamic.ResourceProvider<I, O>>;

/** Serialize a provider as `pulumi.dynamic.Resource` does and load it as the provider host does. */
async function viaSerialization<I, O>(
    provider: pulumi.dynamic.ResourceProvider<I, O>,
): Promise<Provider<I, O>> {
    const serialized = await pulumi.runtime.serializeFunction(() => provider, {
        allowSecrets: false,
    });
    const filename = path.join(__dirname, `serialized-provider-${RUN}.js`);
    const loaded = new Module(filename) as Module & {
        _compile(code: string, filename: string): void;
    };
    loaded.filename = filename;
    loaded.paths = (
        Module as unknown as { _nodeModulePaths(dir: string): string[] }
    )._nodeModulePaths(__dirname);
    loaded._compile(serialized.text, filename);
    const exported = (loaded.exports as Record<string, () => Provider<I, O>>)[
        serialized.exportName
    ]!;
    return exported();
}

function errorOf(promise: Promise<unknown>): Promise<Error> {
    return promise.then(
        () => {
            throw new Error("expected a failure");
        },
        (error: unknown) => error as Error,
    );
}

// --- canal-json as TiCDC writes it --------------------------------------------------------------

function canalInsert(database: string, table: string, rows: Record<string, string>[]): string {
    const now = Date.now();
    return JSON.stringify({
        id: 0,
        database,
        table,
        pkNames: ["id"],
        isDdl: false,
        type: "INSERT",
        es: now,
        ts: now,
        sql: "",
        sqlType: { id: -5, name: 12 },
        mysqlType: { id: "bigint", name: "varchar" },
        old: null,
        data: rows,
        _tidb: { commitTs: 449000000000 },
    });
}

/** TiCDC's resolved-ts event with enable-tidb-extension=true: an unknown `type` to Flink. */
function canalWatermark(): string {
    const now = Date.now();
    return JSON.stringify({
        id: 0,
        database: "",
        table: "",
        pkNames: null,
        isDdl: false,
        type: "TIDB_WATERMARK",
        es: now,
        ts: now,
        sql: "",
        sqlType: null,
        mysqlType: null,
        data: null,
        old: null,
        _tidb: { watermarkTs: 449000000001 },
    });
}

/** A DDL event on the table itself, sent to the same topic: type ALTER is unknown to Flink. */
function canalAlter(database: string, table: string): string {
    const now = Date.now();
    return JSON.stringify({
        id: 0,
        database,
        table,
        pkNames: null,
        isDdl: true,
        type: "ALTER",
        es: now,
        ts: now,
        sql: `ALTER TABLE ${table} ADD COLUMN note VARCHAR(10)`,
        sqlType: null,
        mysqlType: null,
        data: null,
        old: null,
        _tidb: { commitTs: 449000000002 },
    });
}

describe("Flink SQL providers on Flink 2.2.1 + Kafka", () => {
    let kafka: Kafka;
    let admin: Admin;
    let producer: Producer;
    let tables: Provider<FlinkSqlTableInputs, FlinkSqlTableOutputs>;
    let jobs: Provider<FlinkSqlJobInputs, FlinkSqlJobOutputs>;

    const produce = async (...values: string[]) => {
        await producer.send({ topic: sourceTopic, messages: values.map((value) => ({ value })) });
    };

    /** Every row in the sink topic (debezium-json `after`), waiting for `atLeast` and then for stragglers. */
    const sinkRows = async (atLeast: number, timeoutMs = 60_000) => {
        const consumer = kafka.consumer({ groupId: `${RUN}-reader-${Date.now()}` });
        const rows: { id: number; name: string }[] = [];
        await consumer.connect();
        try {
            await consumer.subscribe({ topic: sinkTopic, fromBeginning: true });
            let lastArrival = Date.now();
            await consumer.run({
                eachMessage: async ({ message }) => {
                    const value = JSON.parse(message.value?.toString() ?? "null") as {
                        after?: { id: number; name: string } | null;
                        op?: string;
                    } | null;
                    if (value?.after) rows.push(value.after);
                    lastArrival = Date.now();
                    return Promise.resolve();
                },
            });
            const deadline = Date.now() + timeoutMs;
            while (Date.now() < deadline) {
                // Enough rows, and quiet for 2 s: anything duplicated would have shown up.
                if (rows.length >= atLeast && Date.now() - lastArrival > 2000) break;
                await new Promise((resolve) => setTimeout(resolve, 250));
            }
        } finally {
            await consumer.disconnect();
        }
        return rows.sort((a, b) => a.id - b.id);
    };

    const sourceInputs: FlinkSqlTableInputs = {
        gatewayUrl,
        name: "orders_cdc",
        columns: [
            { name: "id", type: "bigint" },
            { name: "name", type: "VARCHAR" },
            {
                name: "origin_table",
                type: "STRING",
                metadata: { key: "value.table", virtual: true },
            },
        ],
        primaryKey: ["id"],
        options: canalJsonKafkaSourceOptions({
            topic: sourceTopic,
            bootstrapServers: bootstrap,
            groupId: RUN,
            database: "shop",
            table: "orders",
        }),
    };
    const sinkInputs: FlinkSqlTableInputs = {
        gatewayUrl,
        name: "orders_out",
        columns: [
            { name: "id", type: "BIGINT" },
            { name: "name", type: "STRING" },
        ],
        options: {
            connector: "kafka",
            topic: sinkTopic,
            "properties.bootstrap.servers": bootstrap,
            format: "debezium-json",
        },
        validateAs: "sink",
    };
    let source: FlinkSqlTableOutputs;
    let sink: FlinkSqlTableOutputs;
    let jobInputs: FlinkSqlJobInputs;
    let job: FlinkSqlJobOutputs;

    beforeAll(async () => {
        kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING });
        admin = kafka.admin();
        await admin.connect();
        // Auto-create is off on the test brokers.
        await admin.createTopics({
            waitForLeaders: true,
            topics: [
                { topic: sourceTopic, numPartitions: 1, replicationFactor: 1 },
                { topic: sinkTopic, numPartitions: 1, replicationFactor: 1 },
            ],
        });
        producer = kafka.producer();
        await producer.connect();
        tables = await viaSerialization(tableProvider);
        jobs = await viaSerialization(jobProvider);
    });

    afterAll(async () => {
        // Cancel every job this run started, whatever the tests left behind.
        for (const flinkJob of await listJobs(restUrl).catch(() => [])) {
            if (flinkJob.name.startsWith(RUN) && !isTerminalJobState(flinkJob.state)) {
                await cancelJob(restUrl, flinkJob.jid).catch(() => undefined);
            }
        }
        await producer?.disconnect();
        await admin?.deleteTopics({ topics: [sourceTopic, sinkTopic] }).catch(() => undefined);
        await admin?.disconnect();
    });

    describe("FlinkSqlTable", () => {
        it("validates a canal-json Kafka source and a Kafka sink through the gateway", async () => {
            const started = Date.now();
            const created = await tables.create(sourceInputs);
            source = created.outs as FlinkSqlTableOutputs;
            expect(created.id).toBe("default_catalog.default_database.orders_cdc");
            expect(source.persistent).toBe(false);
            expect(source.sessionSql).toEqual([source.ddl]);
            expect(source.ddl).toContain("'canal-json.ignore-parse-errors' = 'true'");
            expect(source.ddl).toContain("`name` STRING,");

            sink = (await tables.create(sinkInputs)).outs as FlinkSqlTableOutputs;
            expect(sink.ddl).toContain("'format' = 'debezium-json'");

            // Nothing lives server-side in the in-memory catalog: read returns the definition, delete does nothing.
            expect(await tables.read(created.id, source)).toEqual({
                id: created.id,
                props: source,
            });
            await tables.delete(created.id, source);
            console.log(`two tables validated in ${Date.now() - started} ms`);
        });

        it("rejects a definition Flink cannot build, naming the problem", async () => {
            const typo = await errorOf(
                tables.create({ ...sinkInputs, name: "typo", options: { connector: "kafkaa" } }),
            );
            expect(typo.message).toMatch(
                /table default_catalog\.default_database\.typo does not work as a sink/,
            );
            expect(typo.message).toContain("Could not find any factory for identifier 'kafkaa'");
            expect(typo.message).not.toMatch(/\tat /);

            const sinkOnly = await errorOf(
                tables.create({
                    ...sinkInputs,
                    name: "printer",
                    options: { connector: "print" },
                    validateAs: "source",
                }),
            );
            expect(sinkOnly.message).toContain("can only be used as a sink");

            const badExpression = await errorOf(
                tables.create({
                    ...sinkInputs,
                    name: "computed",
                    columns: [
                        { name: "id", type: "BIGINT" },
                        { name: "twice", expression: "id * no_such_column" },
                    ],
                }),
            );
            expect(badExpression.message).toMatch(/Flink refused the definition of table/);
            expect(badExpression.message).toMatch(/no_such_column/);
        });

        it("persistent path: a catalog that does not persist is reported as gone on read", async () => {
            const inputs: FlinkSqlTableInputs = {
                ...sinkInputs,
                name: "kept",
                catalog: { name: `${RUN}_cat`, options: { type: "generic_in_memory" } },
                database: "default",
            };
            const created = await tables.create(inputs);
            const outs = created.outs as FlinkSqlTableOutputs;
            expect(outs.persistent).toBe(true);
            expect(created.id).toBe(`${RUN}_cat.default.kept`);
            expect(outs.sessionSql).toEqual([
                `CREATE CATALOG IF NOT EXISTS \`${RUN}_cat\` WITH (\n    'type' = 'generic_in_memory'\n)`,
            ]);
            // Each gateway session gets a fresh in-memory catalog: the next session cannot find
            // the table, and read says so instead of pretending it exists.
            expect(await tables.read(created.id, outs)).toEqual({});
            await tables.delete(created.id, outs);
            await tables.delete(created.id, outs);
        });

        it("drift: a live table compares equal to its definition until it is altered", async () => {
            const inputs: FlinkSqlTableInputs = {
                gatewayUrl,
                name: "rich",
                columns: [
                    { name: "id", type: "BIGINT", nullable: false },
                    { name: "amount", type: "decimal(10,2)" },
                    { name: "ts", type: "TIMESTAMP(3)" },
                    { name: "tags", type: "ARRAY<varchar(5) NOT NULL>" },
                    { name: "attrs", type: "MAP<STRING, ROW<x INT 'the x', `y z` BYTES>>" },
                    {
                        name: "db",
                        type: "STRING",
                        metadata: { key: "value.database", virtual: true },
                    },
                    { name: "next_id", expression: "id + 1" },
                ],
                primaryKey: ["id"],
                watermark: { column: "ts", expression: "ts - INTERVAL '5' SECOND" },
                options: canalJsonKafkaSourceOptions({
                    topic: sourceTopic,
                    bootstrapServers: bootstrap,
                }),
            };
            const definition = tableDefinition(inputs);
            await withSession(gatewayUrl, { name: `${RUN}-drift` }, async (session) => {
                await executeStatement(gatewayUrl, session, renderCreateTable(definition));
                const parts = ["default_catalog", "default_database", "rich"];
                expect(
                    tableDrift(inputs, await inspectTable(gatewayUrl, session, parts)).differences,
                ).toEqual([]);
                await executeStatement(
                    gatewayUrl,
                    session,
                    "ALTER TABLE `rich` SET ('scan.startup.mode' = 'latest-offset')",
                );
                const drift = tableDrift(inputs, await inspectTable(gatewayUrl, session, parts));
                expect(drift.differences).toEqual([
                    "option 'scan.startup.mode' is 'latest-offset', not 'earliest-offset'",
                ]);
                expect(drift.live.options["scan.startup.mode"]).toBe("latest-offset");
            });
        });
    });

    describe("FlinkSqlJob", () => {
        const name = `${RUN}-orders`;

        it("creates the job and waits until it runs", async () => {
            jobInputs = {
                name,
                gatewayUrl,
                restUrl,
                tables: [...source.sessionSql, ...sink.sessionSql],
                statement: "INSERT INTO orders_out SELECT id, name FROM orders_cdc",
                executionConfig: { "parallelism.default": "1" },
                savepointDir,
                startTimeoutSeconds: 90,
                stopTimeoutSeconds: 60,
            };
            expect((await jobs.check(jobInputs, jobInputs)).failures).toEqual([]);
            const started = Date.now();
            const created = await jobs.create(jobInputs);
            console.log(`job RUNNING ${Date.now() - started} ms after create`);
            job = created.outs as FlinkSqlJobOutputs;
            expect(created.id).toBe(name);
            expect(job.state).toBe("RUNNING");
            expect(job.jobId).toMatch(/^[0-9a-f]{32}$/);
            expect((await getJob(restUrl, job.jobId!))?.name).toBe(name);
            // The name identifies the job: a second create is refused while it runs.
            const again = await errorOf(jobs.create(jobInputs));
            expect(again.message).toContain(`a Flink job named "${name}" is already RUNNING`);
        });

        it("moves canal-json rows to the sink and tolerates TiCDC's watermark and DDL events", async () => {
            await produce(
                canalWatermark(),
                canalInsert("shop", "orders", [{ id: "1", name: "alice" }]),
                canalAlter("shop", "orders"),
                canalInsert("shop", "customers", [{ id: "99", name: "not-an-order" }]),
                canalWatermark(),
            );
            expect(await sinkRows(1)).toEqual([{ id: 1, name: "alice" }]);
            const read = await jobs.read(name, job);
            expect(read.props?.state).toBe("RUNNING");
            expect(read.props?.jobId).toBe(job.jobId);
        });

        it("update: a changed statement stops with a savepoint and resumes from it", async () => {
            const news = {
                ...jobInputs,
                statement: "INSERT INTO orders_out SELECT id, UPPER(name) FROM orders_cdc",
            };
            expect(await jobs.diff(name, job, news)).toEqual({
                changes: true,
                replaces: [],
                deleteBeforeReplace: false,
            });
            const started = Date.now();
            const updated = (await jobs.update(name, job, news)).outs as FlinkSqlJobOutputs;
            console.log(`update (stop-with-savepoint + resubmit) took ${Date.now() - started} ms`);
            expect(updated.jobId).not.toBe(job.jobId);
            expect(updated.state).toBe("RUNNING");
            expect(updated.restoredFrom).toMatch(/^file:.*savepoint-/);
            expect(updated.lastSavepoint).toBe(updated.restoredFrom);
            expect((await getJob(restUrl, job.jobId!))?.state).toBe("FINISHED");
            job = updated;
            jobInputs = news;

            await produce(canalInsert("shop", "orders", [{ id: "2", name: "bob" }]));
            // Row 1 is not read again (offsets came from the savepoint), row 2 is not lost.
            expect(await sinkRows(2)).toEqual([
                { id: 1, name: "alice" },
                { id: 2, name: "BOB" },
            ]);
        });

        it("a statement that does not plan never stops the running job", async () => {
            const news = {
                ...jobInputs,
                statement: "INSERT INTO orders_out SELECT id, nope FROM orders_cdc",
            };
            const failure = await errorOf(jobs.update(name, job, news));
            expect(failure.message).toContain("the statement does not plan");
            expect(failure.message).toMatch(/Column 'nope' not found/);
            expect((await getJob(restUrl, job.jobId!))?.state).toBe("RUNNING");
        });

        it("stopped: true keeps a savepoint, stopped: false resumes from it without losing rows", async () => {
            const stoppedInputs = { ...jobInputs, stopped: true };
            expect((await jobs.diff(name, job, stoppedInputs)).changes).toBe(true);
            const stopped = (await jobs.update(name, job, stoppedInputs))
                .outs as FlinkSqlJobOutputs;
            expect(stopped.state).toBe("FINISHED");
            expect(stopped.jobId).toBe(job.jobId);
            expect(stopped.lastSavepoint).toMatch(/^file:.*savepoint-/);
            expect(stopped.lastSavepoint).not.toBe(job.lastSavepoint);
            // A stopped job is not resubmitted by a refresh + up.
            expect((await jobs.read(name, stopped)).props?.state).toBe("FINISHED");
            expect((await jobs.diff(name, stopped, stoppedInputs)).changes).toBe(false);

            await produce(canalInsert("shop", "orders", [{ id: "3", name: "carol" }]));
            const resumed = (await jobs.update(name, stopped, jobInputs))
                .outs as FlinkSqlJobOutputs;
            expect(resumed.state).toBe("RUNNING");
            expect(resumed.restoredFrom).toBe(stopped.lastSavepoint);
            expect(await sinkRows(3)).toEqual([
                { id: 1, name: "alice" },
                { id: 2, name: "BOB" },
                { id: 3, name: "CAROL" },
            ]);
            job = resumed;
        });

        it("an update whose new job cannot start restarts the previous statement and records it", async () => {
            // Plans fine, but its source is a different operator: the savepoint's state maps to
            // nothing (and its topic does not exist), so the new job cannot start.
            const news: FlinkSqlJobInputs = {
                ...jobInputs,
                tables: [
                    ...jobInputs.tables,
                    tableDdl({
                        ...sourceInputs,
                        name: "ghost",
                        options: { ...sourceInputs.options, topic: `${RUN}-missing` },
                    }),
                ],
                statement: "INSERT INTO orders_out SELECT id, name FROM ghost",
            };
            const failure = (await errorOf(jobs.update(name, job, news))) as Error & {
                id?: string;
                properties?: FlinkSqlJobOutputs;
                reasons?: string[];
            };
            expect(failure.message).toContain(`Flink SQL job ${name} did not start from savepoint`);
            expect(failure.message).toContain("the previous statement was restarted from");
            // What the engine records (ErrorResourceInitFailed): what really runs now.
            expect(failure.id).toBe(name);
            const recorded = failure.properties!;
            expect(recorded.statement).toBe(jobInputs.statement);
            expect(recorded.tables).toEqual(jobInputs.tables);
            expect(recorded.state).toBe("RUNNING");
            expect(recorded.jobId).not.toBe(job.jobId);
            expect(recorded.restoredFrom).toMatch(/^file:.*savepoint-/);
            expect((await getJob(restUrl, recorded.jobId!))?.state).toBe("RUNNING");
            // The next up tries the new definition again.
            expect((await jobs.diff(name, recorded, news)).changes).toBe(true);
            job = recorded;
        });

        it("an out-of-band cancel shows as CANCELED on read, and the next update resubmits", async () => {
            await cancelJob(restUrl, job.jobId!);
            const read = await jobs.read(name, job);
            expect(read.id).toBe(name);
            expect(read.props?.state).toBe("CANCELED");
            const refreshed = read.props as FlinkSqlJobOutputs;
            expect((await jobs.diff(name, refreshed, jobInputs)).changes).toBe(true);
            const resubmitted = (await jobs.update(name, refreshed, jobInputs))
                .outs as FlinkSqlJobOutputs;
            expect(resubmitted.state).toBe("RUNNING");
            expect(resubmitted.restoredFrom).toBe(job.lastSavepoint);
            job = resubmitted;
        });

        it("delete stops the job with a savepoint and is idempotent", async () => {
            await jobs.delete(name, job);
            expect((await getJob(restUrl, job.jobId!))?.state).toBe("FINISHED");
            await jobs.delete(name, job);
            expect(
                (await findJobsByName(restUrl, name)).filter((j) => !isTerminalJobState(j.state)),
            ).toEqual([]);
        });

        it("a statement Flink rejects fails create with Flink's reason and leaves no job", async () => {
            const failure = await errorOf(
                jobs.create({
                    ...jobInputs,
                    name: `${RUN}-bad-sql`,
                    statement: "INSERT INTO orders_out SELECT id, name FROM no_such_table",
                }),
            );
            expect(failure.message).toContain(`Flink SQL job ${RUN}-bad-sql did not start`);
            expect(failure.message).toMatch(/Object 'no_such_table' not found/);
            expect(await findJobsByName(restUrl, `${RUN}-bad-sql`)).toEqual([]);
        });

        it("a job that fails while starting is canceled and its cause reported", async () => {
            const missingTopic = `${RUN}-missing`;
            const failure = await errorOf(
                jobs.create({
                    ...jobInputs,
                    name: `${RUN}-no-topic`,
                    tables: [
                        tableDdl({
                            ...sourceInputs,
                            name: "ghost",
                            options: { ...sourceInputs.options, topic: missingTopic },
                        }),
                        ...sink.sessionSql,
                    ],
                    statement: "INSERT INTO orders_out SELECT id, name FROM ghost",
                    startTimeoutSeconds: 60,
                }),
            );
            expect(failure.message).toContain(`Flink SQL job ${RUN}-no-topic did not start`);
            expect(failure.message).toMatch(
                /does not host this topic-partition|UnknownTopicOrPartition/,
            );
            const left = await findJobsByName(restUrl, `${RUN}-no-topic`);
            expect(left.every((j) => isTerminalJobState(j.state))).toBe(true);
        });

        it("an unreachable gateway or JobManager gives a clear error", async () => {
            const closed = "http://127.0.0.1:9";
            const noGateway = await errorOf(
                jobs.create({ ...jobInputs, name: `${RUN}-no-gateway`, gatewayUrl: closed }),
            );
            expect(noGateway.message).toContain(
                `cannot open a Flink SQL Gateway session at ${closed}`,
            );
            expect(noGateway.message).toMatch(/no answer|reachable/);
            const noRest = await errorOf(jobs.read(name, { ...job, restUrl: closed }));
            expect(noRest.message).toContain(
                `cannot read Flink job ${job.jobId} from the JobManager at ${closed}`,
            );
        });
    });
});

function tableDdl(inputs: FlinkSqlTableInputs): string {
    return renderCreateTable(tableDefinition(inputs));
}
