/**
 * The SQL Gateway / JobManager client against a scripted fake Flink (node:http), and the
 * persistent-catalog path of FlinkSqlTable, which needs a catalog that keeps tables (Hive
 * Metastore) and so cannot run against the real test cluster: its statements and decisions are
 * checked here. Error texts are shortened copies of what Flink 2.2.1 answered on this machine.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
    cancelJob,
    executeStatement,
    getJob,
    openSession,
    redactOptions,
    resultObjects,
    stopWithSavepoint,
    summarizeJavaError,
    waitForJobRunning,
    withSession,
} from "../../components/flink/gateway";
import {
    type FlinkSqlJobInputs,
    type FlinkSqlJobOutputs,
    jobProvider,
} from "../../components/flink/sql-job";
import {
    type FlinkSqlTableInputs,
    type FlinkSqlTableOutputs,
    tableProvider,
} from "../../components/flink/sql-table";

// --- Flink error texts (trimmed stack traces) ------------------------------------------------------

const CALCITE_ERROR = [
    "Internal server error.",
    `<Exception on server side:
org.apache.flink.table.gateway.api.utils.SqlGatewayException: org.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to fetchResults.
\tat org.apache.flink.table.gateway.rest.handler.statement.FetchResultsHandler.handleRequest(FetchResultsHandler.java:91)
\tat java.base/java.lang.Thread.run(Thread.java:840)
Caused by: org.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to fetchResults.
\tat org.apache.flink.table.gateway.service.SqlGatewayServiceImpl.fetchResults(SqlGatewayServiceImpl.java:231)
\t... 48 more
Caused by: org.apache.flink.table.gateway.service.utils.SqlExecutionException: Failed to execute the operation f0b74c10-b028-4275-b510-535d03fea3cc.
\tat org.apache.flink.table.gateway.service.operation.OperationManager$Operation.processThrowable(OperationManager.java:415)
\t... 1 more
Caused by: org.apache.calcite.runtime.CalciteContextException: From line 1, column 26 to line 1, column 30: Unknown identifier 'STRIG'
\tat java.base/jdk.internal.reflect.NativeConstructorAccessorImpl.newInstance0(Native Method)
\t... 7 more
Caused by: org.apache.calcite.sql.validate.SqlValidatorException: Unknown identifier 'STRIG'
\tat java.base/jdk.internal.reflect.NativeConstructorAccessorImpl.newInstance0(Native Method)
\t... 30 more

End of exception on server side>`,
];

const FACTORY_ERROR = `org.apache.flink.table.gateway.api.utils.SqlGatewayException: org.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to fetchResults.
\tat org.apache.flink.table.gateway.rest.handler.statement.FetchResultsHandler.handleRequest(FetchResultsHandler.java:91)
Caused by: org.apache.flink.table.gateway.service.utils.SqlExecutionException: Failed to execute the operation de7e5f4d-04a8-4e0d-9324-67c7898c15df.
\t... 1 more
Caused by: org.apache.flink.table.api.ValidationException: Unable to create a source for reading table 'default_catalog.default_database.t2'.

Table options are:

'connector'='nope'
'properties.sasl.jaas.config'='org.apache.kafka.common.security.plain.PlainLoginModule required password="hunter2";'
\tat org.apache.flink.table.factories.FactoryUtil.createDynamicTableSource(FactoryUtil.java:244)
Caused by: org.apache.flink.table.api.ValidationException: Cannot discover a connector using option: 'connector'='nope'
\t... 40 more
Caused by: org.apache.flink.table.api.ValidationException: Could not find any factory for identifier 'nope' that implements 'org.apache.flink.table.factories.DynamicTableFactory' in the classpath.

Available factory identifiers are:

blackhole
datagen
kafka
\tat org.apache.flink.table.factories.FactoryUtil.discoverFactory(FactoryUtil.java:652)
\t... 41 more
`;

const JOB_FAILURE = `org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy
\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:213)
Caused by: org.apache.flink.util.FlinkException: Global failure triggered by OperatorCoordinator for 'Source: ksrc[3] -> bh[4]: Writer' (operator cbc357ccb763df2852fee8c4fc7d55f2).
\tat org.apache.flink.runtime.operators.coordination.OperatorCoordinatorHolder$LazyInitializedCoordinatorContext.failJob(OperatorCoordinatorHolder.java:651)
Caused by: org.apache.flink.util.FlinkRuntimeException: Failed to list subscribed topic partitions due to 
\t... 7 more
Caused by: java.lang.RuntimeException: Failed to get metadata for topics [no-such-topic-probe].
\t... 3 more
Caused by: java.util.concurrent.ExecutionException: org.apache.flink.kafka.shaded.org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition.
\t... 9 more
Caused by: org.apache.flink.kafka.shaded.org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition.
`;

describe("summarizeJavaError", () => {
    it("keeps Calcite's position and drops the gateway's wrappers", () => {
        expect(summarizeJavaError(CALCITE_ERROR.join("\n"))).toBe(
            "CalciteContextException: From line 1, column 26 to line 1, column 30: Unknown identifier 'STRIG'",
        );
    });

    it("joins the chain, keeps the root's details and masks secrets", () => {
        const summary = summarizeJavaError(FACTORY_ERROR);
        expect(summary).toBe(
            "Unable to create a source for reading table 'default_catalog.default_database.t2'. → " +
                "Cannot discover a connector using option: 'connector'='nope' → " +
                "ValidationException: Could not find any factory for identifier 'nope' that implements " +
                "'org.apache.flink.table.factories.DynamicTableFactory' in the classpath. " +
                "Available factory identifiers are: blackhole datagen kafka",
        );
        expect(summary).not.toContain("hunter2");
        expect(summary).not.toContain("\tat ");
    });

    it("names the deepest class of a job failure", () => {
        expect(summarizeJavaError(JOB_FAILURE)).toBe(
            "Global failure triggered by OperatorCoordinator for 'Source: ksrc[3] -> bh[4]: Writer' " +
                "(operator cbc357ccb763df2852fee8c4fc7d55f2). → Failed to list subscribed topic partitions due to → " +
                "Failed to get metadata for topics [no-such-topic-probe]. → " +
                "UnknownTopicOrPartitionException: This server does not host this topic-partition.",
        );
    });

    it("falls back to the text, shortened", () => {
        expect(summarizeJavaError("just   text\nhere")).toBe("just text here");
        expect(summarizeJavaError("x".repeat(2000), 100)).toHaveLength(101);
    });

    it("masks sensitive option values wherever Flink echoes them", () => {
        expect(
            redactOptions(
                "'properties.sasl.jaas.config' = 'x password=\"p\";', 'topic'='t', 'ssl.key.password'='k''q'",
            ),
        ).toBe(
            "'properties.sasl.jaas.config' = '******', 'topic'='t', 'ssl.key.password'='******'",
        );
    });
});

// --- A scripted fake of the gateway and the JobManager ------------------------------------------------

interface FakeAnswer {
    columns?: string[];
    rows?: unknown[][];
    jobId?: string;
    /** Error text: the operation ends in ERROR and the result answers 500 with it. */
    error?: string;
}

interface FakeJob {
    jid: string;
    name: string;
    state: string;
    vertices?: { name: string; status: string }[];
    savepoint?: { location?: string; failure?: string };
    exception?: string;
    checkpointsSavepoint?: string;
}

class FakeFlink {
    statements: { statement: string; executionConfig?: Record<string, string> }[] = [];
    requests: string[] = [];
    jobs = new Map<string, FakeJob>();
    answer: (statement: string) => FakeAnswer = () => ({ columns: ["result"], rows: [["OK"]] });
    private operations = new Map<string, { answer: FakeAnswer; polls: number; fetches: number }>();
    private server = http.createServer((req, res) => void this.handle(req, res));
    url = "";

    async start(): Promise<void> {
        await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    async stop(): Promise<void> {
        await new Promise((resolve) => this.server.close(resolve));
    }

    reset(): void {
        this.statements = [];
        this.requests = [];
        this.jobs.clear();
        this.operations.clear();
        this.answer = () => ({ columns: ["result"], rows: [["OK"]] });
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        let text = "";
        for await (const chunk of req) text += String(chunk);
        const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        const url = new URL(req.url ?? "/", this.url);
        const route = `${req.method} ${url.pathname}`;
        this.requests.push(route);
        const send = (status: number, value: unknown) => {
            res.writeHead(status, { "content-type": "application/json" });
            res.end(JSON.stringify(value));
        };
        let m: RegExpExecArray | null;
        if (route === "POST /v1/sessions") return send(200, { sessionHandle: "s1" });
        if (route === "DELETE /v1/sessions/s1") return send(200, { status: "CLOSED" });
        if (route === "POST /v1/sessions/s1/statements") {
            const statement = body.statement as string;
            this.statements.push({
                statement,
                executionConfig: body.executionConfig as Record<string, string> | undefined,
            });
            const handle = `o${this.statements.length}`;
            this.operations.set(handle, { answer: this.answer(statement), polls: 0, fetches: 0 });
            return send(200, { operationHandle: handle });
        }
        if ((m = /^GET \/v1\/sessions\/s1\/operations\/(\w+)\/status$/.exec(route))) {
            const op = this.operations.get(m[1]!)!;
            op.polls++;
            // RUNNING once, to exercise the polling.
            return send(200, {
                status: op.polls < 2 ? "RUNNING" : op.answer.error ? "ERROR" : "FINISHED",
            });
        }
        if ((m = /^GET \/v2\/sessions\/s1\/operations\/(\w+)\/result\/(\d+)$/.exec(route))) {
            const op = this.operations.get(m[1]!)!;
            const token = Number(m[2]);
            if (op.answer.error)
                return send(500, { errors: ["Internal server error.", op.answer.error] });
            op.fetches++;
            if (token === 0 && op.fetches === 1) {
                return send(200, {
                    resultType: "NOT_READY",
                    nextResultUri: `/v2/sessions/s1/operations/${m[1]}/result/0?rowFormat=JSON`,
                });
            }
            const rows = op.answer.rows ?? [];
            // One row per page, then EOS: exercises nextResultUri.
            if (token >= rows.length && !op.answer.jobId) {
                return send(200, { resultType: "EOS", results: { columns: [], data: [] } });
            }
            return send(200, {
                resultType: "PAYLOAD",
                jobID: op.answer.jobId,
                results: {
                    columns: (op.answer.columns ?? []).map((name) => ({ name })),
                    data: rows
                        .slice(token, token + 1)
                        .map((fields) => ({ kind: "INSERT", fields })),
                },
                nextResultUri: `/v2/sessions/s1/operations/${m[1]}/result/${token + 1}?rowFormat=JSON`,
            });
        }
        if ((m = /^DELETE \/v1\/sessions\/s1\/operations\/(\w+)\/close$/.exec(route))) {
            return send(200, { status: "CLOSED" });
        }
        if (route === "GET /jobs/overview") return send(200, { jobs: [...this.jobs.values()] });
        if (route === "GET /overview") return send(200, { "slots-available": 0 });
        if ((m = /^(GET|PATCH) \/jobs\/([0-9a-f]{32})$/.exec(route))) {
            const job = this.jobs.get(m[2]!);
            if (!job) return send(404, { errors: ["Job could not be found."] });
            if (m[1] === "GET") return send(200, job);
            if (["FINISHED", "CANCELED", "FAILED"].includes(job.state)) {
                return send(409, {
                    errors: [
                        "Job cancellation failed because the job has already reached another terminal state (FINISHED).",
                    ],
                });
            }
            job.state = "CANCELED";
            return send(202, {});
        }
        if ((m = /^POST \/jobs\/([0-9a-f]{32})\/stop$/.exec(route))) {
            return send(202, { "request-id": body.triggerId });
        }
        if ((m = /^GET \/jobs\/([0-9a-f]{32})\/savepoints\/(\w+)$/.exec(route))) {
            const job = this.jobs.get(m[1]!)!;
            if (job.savepoint?.failure) {
                return send(200, {
                    status: { id: "COMPLETED" },
                    operation: {
                        "failure-cause": { class: "x", "stack-trace": job.savepoint.failure },
                    },
                });
            }
            job.state = "FINISHED";
            return send(200, {
                status: { id: "COMPLETED" },
                operation: { location: job.savepoint?.location },
            });
        }
        if ((m = /^GET \/jobs\/([0-9a-f]{32})\/exceptions$/.exec(route))) {
            const job = this.jobs.get(m[1]!)!;
            return send(200, {
                exceptionHistory: { entries: job.exception ? [{ stacktrace: job.exception }] : [] },
            });
        }
        if ((m = /^GET \/jobs\/([0-9a-f]{32})\/checkpoints$/.exec(route))) {
            const job = this.jobs.get(m[1]!)!;
            return send(200, {
                latest: {
                    savepoint: job.checkpointsSavepoint
                        ? {
                              status: "COMPLETED",
                              external_path: job.checkpointsSavepoint,
                              discarded: false,
                          }
                        : null,
                },
            });
        }
        send(404, { errors: [`no route ${route}`] });
    }
}

const JOB = "0123456789abcdef0123456789abcdef";

describe("gateway client against a fake Flink", () => {
    const flink = new FakeFlink();
    beforeAll(() => flink.start());
    afterAll(() => flink.stop());
    beforeEach(() => flink.reset());

    it("executes a statement: waits, follows nextResultUri to EOS, closes the operation", async () => {
        flink.answer = () => ({
            columns: ["name", "type"],
            rows: [
                ["id", "BIGINT"],
                ["name", "STRING"],
            ],
        });
        const result = await withSession(flink.url, { name: "t" }, (session) =>
            executeStatement(flink.url, session, "DESCRIBE t", { executionConfig: { a: "b" } }),
        );
        expect(resultObjects(result)).toEqual([
            { name: "id", type: "BIGINT" },
            { name: "name", type: "STRING" },
        ]);
        expect(flink.statements).toEqual([
            { statement: "DESCRIBE t", executionConfig: { a: "b" } },
        ]);
        expect(flink.requests).toContain("DELETE /v1/sessions/s1/operations/o1/close");
        expect(flink.requests[flink.requests.length - 1]).toBe("DELETE /v1/sessions/s1");
    });

    it("returns an INSERT's job id without waiting for EOS", async () => {
        flink.answer = () => ({ columns: ["job id"], rows: [[JOB]], jobId: JOB });
        const session = await openSession(flink.url);
        expect((await executeStatement(flink.url, session, "INSERT INTO a SELECT 1")).jobId).toBe(
            JOB,
        );
    });

    it("reports a failed statement with the statement and Flink's cause", async () => {
        flink.answer = () => ({ error: CALCITE_ERROR[1] });
        const session = await openSession(flink.url);
        const error = await executeStatement(flink.url, session, "CREATE TABLE t (a STRIG)").catch(
            (e: Error) => e,
        );
        expect((error as Error).message).toBe(
            "Flink SQL Gateway: statement \"CREATE TABLE t (a STRIG)\" failed: CalciteContextException: From line 1, column 26 to line 1, column 30: Unknown identifier 'STRIG'",
        );
        expect(flink.requests).toContain("DELETE /v1/sessions/s1/operations/o1/close");
    });

    it("treats unknown (404) and terminal (409) jobs as canceled", async () => {
        expect(await cancelJob(flink.url, JOB)).toBe("GONE");
        flink.jobs.set(JOB, { jid: JOB, name: "j", state: "FINISHED" });
        expect(await cancelJob(flink.url, JOB)).toBe("FINISHED");
        flink.jobs.set(JOB, { jid: JOB, name: "j", state: "RUNNING" });
        expect(await cancelJob(flink.url, JOB)).toBe("CANCELED");
        expect(await getJob(flink.url, "f".repeat(32))).toBeUndefined();
        await expect(getJob(flink.url, "not-a-job")).rejects.toThrow(/is not a Flink job id/);
    });

    it("stops with a savepoint, or reports why the savepoint failed", async () => {
        flink.jobs.set(JOB, {
            jid: JOB,
            name: "j",
            state: "RUNNING",
            savepoint: { location: "file:/sp/1" },
        });
        expect(await stopWithSavepoint(flink.url, JOB, { targetDirectory: "file:///sp" })).toBe(
            "file:/sp/1",
        );
        flink.jobs.set(JOB, {
            jid: JOB,
            name: "j",
            state: "RUNNING",
            savepoint: {
                failure:
                    "java.util.concurrent.CompletionException: org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint Coordinator is suspending.\n\tat x.y(Z.java:1)",
            },
        });
        await expect(stopWithSavepoint(flink.url, JOB)).rejects.toThrow(
            `stop-with-savepoint of Flink job ${JOB} failed: CheckpointException: Checkpoint Coordinator is suspending.`,
        );
    });

    it("waits for every task to run; a failing job reports its exception", async () => {
        flink.jobs.set(JOB, {
            jid: JOB,
            name: "j",
            state: "RUNNING",
            vertices: [
                { name: "Source", status: "RUNNING" },
                { name: "Sink", status: "RUNNING" },
            ],
        });
        expect((await waitForJobRunning(flink.url, JOB, { timeoutMs: 1000 })).state).toBe(
            "RUNNING",
        );
        flink.jobs.set(JOB, { jid: JOB, name: "j", state: "FAILED", exception: JOB_FAILURE });
        await expect(waitForJobRunning(flink.url, JOB, { timeoutMs: 1000 })).rejects.toThrow(
            /went FAILED while starting: .*UnknownTopicOrPartitionException/,
        );
        flink.jobs.set(JOB, {
            jid: JOB,
            name: "j",
            state: "RUNNING",
            vertices: [{ name: "Source", status: "SCHEDULED" }],
        });
        await expect(
            waitForJobRunning(flink.url, JOB, { timeoutMs: 300, intervalMs: 50 }),
        ).rejects.toThrow(
            /is not running after 0 s: RUNNING; Source: SCHEDULED \(the cluster has 0 free task slots\)/,
        );
    });
});

// --- FlinkSqlTable with a persistent catalog ---------------------------------------------------------

describe("FlinkSqlTable with a persistent catalog (scripted gateway)", () => {
    const flink = new FakeFlink();
    beforeAll(() => flink.start());
    afterAll(() => flink.stop());
    beforeEach(() => flink.reset());

    const provider = tableProvider as Required<typeof tableProvider>;
    const inputs = (): FlinkSqlTableInputs => ({
        gatewayUrl: flink.url,
        name: "orders",
        catalog: { name: "hive", options: { type: "hive", "hive-conf-dir": "/etc/hive" } },
        database: "cdc",
        columns: [
            { name: "id", type: "BIGINT" },
            { name: "note", type: "varchar(20)" },
        ],
        primaryKey: ["id"],
        options: { connector: "kafka", topic: "orders" },
        validateAs: "ddl",
    });
    const CATALOG =
        "CREATE CATALOG IF NOT EXISTS `hive` WITH (\n    'hive-conf-dir' = '/etc/hive',\n    'type' = 'hive'\n)";
    const DDL = [
        "CREATE TABLE `hive`.`cdc`.`orders` (",
        "    `id` BIGINT,",
        "    `note` VARCHAR(20),",
        "    PRIMARY KEY (`id`) NOT ENFORCED",
        ")",
        "WITH (",
        "    'connector' = 'kafka',",
        "    'topic' = 'orders'",
        ")",
    ].join("\n");
    /** A live table as Hive would return it: DESCRIBE rows and SHOW CREATE TABLE text. */
    const liveTable =
        (options = "'connector' = 'kafka',\n  'topic' = 'orders'", noteType = "VARCHAR(20)") =>
        (statement: string): FakeAnswer => {
            if (statement.startsWith("SHOW TABLES"))
                return { columns: ["table name"], rows: [["orders"]] };
            if (statement.startsWith("DESCRIBE")) {
                return {
                    columns: ["name", "type", "null", "key", "extras", "watermark"],
                    rows: [
                        ["id", "BIGINT", false, "PRI(id)", null, null],
                        ["note", noteType, true, null, null, null],
                    ],
                };
            }
            if (statement.startsWith("SHOW CREATE TABLE")) {
                return {
                    columns: ["result"],
                    rows: [
                        [
                            `CREATE TABLE \`hive\`.\`cdc\`.\`orders\` (\n  ...\n)\nWITH (\n  ${options}\n)\n`,
                        ],
                    ],
                };
            }
            return { columns: ["result"], rows: [["OK"]] };
        };

    it("create registers the catalog, refuses an existing table, creates and describes it", async () => {
        flink.answer = (statement) =>
            statement.startsWith("SHOW TABLES")
                ? { columns: ["table name"], rows: [] }
                : liveTable()(statement);
        const created = await provider.create(inputs());
        expect(created.id).toBe("hive.cdc.orders");
        expect(created.outs).toMatchObject({ persistent: true, ddl: DDL, sessionSql: [CATALOG] });
        expect(flink.statements.map((s) => s.statement)).toEqual([
            CATALOG,
            "SHOW TABLES FROM `hive`.`cdc`",
            DDL,
            "DESCRIBE `hive`.`cdc`.`orders`",
        ]);

        flink.reset();
        flink.answer = liveTable();
        await expect(provider.create(inputs())).rejects.toThrow(
            "table hive.cdc.orders already exists in catalog hive; import it or drop it first",
        );
        expect(flink.statements.map((s) => s.statement)).not.toContain(DDL);
    });

    it("a table that fails validation is dropped again (create is transactional)", async () => {
        flink.answer = (statement) => {
            if (statement.startsWith("SHOW TABLES")) return { columns: ["table name"], rows: [] };
            if (statement.startsWith("EXPLAIN")) return { error: FACTORY_ERROR };
            return liveTable()(statement);
        };
        await expect(provider.create({ ...inputs(), validateAs: "source" })).rejects.toThrow(
            /table hive\.cdc\.orders does not work as a source: .*Could not find any factory for identifier 'nope'/,
        );
        expect(flink.statements.map((s) => s.statement).slice(-2)).toEqual([
            "EXPLAIN SELECT * FROM `hive`.`cdc`.`orders`",
            "DROP TABLE IF EXISTS `hive`.`cdc`.`orders`",
        ]);
    });

    it("read: unchanged → the state; altered → the live shape as inputs; gone → no id", async () => {
        const outs = (await (async () => {
            flink.answer = (s) => (s.startsWith("SHOW TABLES") ? { rows: [] } : liveTable()(s));
            return (await provider.create(inputs())).outs;
        })()) as FlinkSqlTableOutputs;

        flink.answer = liveTable();
        expect(await provider.read("hive.cdc.orders", outs)).toEqual({
            id: "hive.cdc.orders",
            props: outs,
        });

        flink.answer = liveTable("'connector' = 'kafka',\n  'topic' = 'orders-v2'", "STRING");
        const drifted = await provider.read("hive.cdc.orders", outs);
        expect(drifted.inputs?.options).toEqual({ connector: "kafka", topic: "orders-v2" });
        expect(drifted.inputs?.columns).toEqual([
            { name: "id", type: "BIGINT" },
            { name: "note", type: "STRING" },
        ]);
        expect(drifted.props?.ddl).toContain("'topic' = 'orders-v2'");
        // The next diff replaces the table to bring it back to the definition.
        expect(await provider.diff("hive.cdc.orders", drifted.props!, inputs())).toMatchObject({
            changes: true,
            replaces: ["columns", "options"],
            deleteBeforeReplace: true,
        });

        flink.answer = (s) =>
            s.startsWith("SHOW TABLES") ? { columns: ["table name"], rows: [] } : liveTable()(s);
        expect(await provider.read("hive.cdc.orders", outs)).toEqual({});
        flink.answer = (s) =>
            s.startsWith("SHOW TABLES")
                ? {
                      error: "org.apache.flink.table.api.ValidationException: Database 'hive'.'cdc' doesn't exist.",
                  }
                : {};
        expect(await provider.read("hive.cdc.orders", outs)).toEqual({});
        flink.answer = (s) =>
            s.startsWith("SHOW TABLES")
                ? {
                      error: "org.apache.flink.table.api.ValidationException: Catalog hive does not exist",
                  }
                : {};
        await expect(provider.read("hive.cdc.orders", outs)).rejects.toThrow(
            /Catalog hive does not exist/,
        );
    });

    it("delete drops the table (IF EXISTS: idempotent); in-memory tables are not touched", async () => {
        const outs = {
            ...inputs(),
            ddl: DDL,
            qualifiedName: "hive.cdc.orders",
            persistent: true,
            sessionSql: [CATALOG],
        };
        await provider.delete("hive.cdc.orders", outs);
        await provider.delete("hive.cdc.orders", outs);
        expect(flink.statements.map((s) => s.statement)).toEqual([
            CATALOG,
            "DROP TABLE IF EXISTS `hive`.`cdc`.`orders`",
            CATALOG,
            "DROP TABLE IF EXISTS `hive`.`cdc`.`orders`",
        ]);
        flink.reset();
        const memory: FlinkSqlTableInputs = { ...inputs(), catalog: undefined, database: "cdc" };
        await provider.delete("default_catalog.cdc.orders", {
            ...memory,
            persistent: false,
        } as FlinkSqlTableOutputs);
        expect(flink.requests).toEqual([]);
    });

    it("a catalog the gateway already has is not re-registered", async () => {
        flink.answer = (s) => (s.startsWith("SHOW TABLES") ? { rows: [] } : liveTable()(s));
        const created = await provider.create({ ...inputs(), catalog: { name: "hive" } });
        expect((created.outs as FlinkSqlTableOutputs).sessionSql).toEqual([]);
        expect(flink.statements[0]?.statement).toBe("SHOW TABLES FROM `hive`.`cdc`");
    });
});

// --- FlinkSqlJob decisions that need a JobManager --------------------------------------------------

describe("FlinkSqlJob against a scripted JobManager", () => {
    const flink = new FakeFlink();
    beforeAll(() => flink.start());
    afterAll(() => flink.stop());
    beforeEach(() => flink.reset());

    const provider = jobProvider as Required<typeof jobProvider>;
    const OTHER = "fedcba9876543210fedcba9876543210";
    const outputs = (change: Partial<FlinkSqlJobOutputs> = {}): FlinkSqlJobOutputs => ({
        name: "orders-job",
        gatewayUrl: flink.url,
        restUrl: flink.url,
        tables: [],
        statement: "INSERT INTO b SELECT 1",
        savepointDir: "file:///sp",
        jobId: JOB,
        state: "RUNNING",
        ...change,
    });

    const jobInputs = (): FlinkSqlJobInputs => {
        const all: Partial<FlinkSqlJobOutputs> = outputs();
        delete all.jobId;
        delete all.state;
        return all as FlinkSqlJobInputs;
    };

    it("read reports the live state, and a newer savepoint of a finished job", async () => {
        flink.jobs.set(JOB, { jid: JOB, name: "orders-job", state: "FAILED" });
        expect((await provider.read("orders-job", outputs())).props?.state).toBe("FAILED");
        flink.jobs.set(JOB, {
            jid: JOB,
            name: "orders-job",
            state: "FINISHED",
            checkpointsSavepoint: "file:/sp/out-of-band",
        });
        expect(
            (await provider.read("orders-job", outputs({ lastSavepoint: "file:/sp/old" }))).props,
        ).toMatchObject({
            state: "FINISHED",
            lastSavepoint: "file:/sp/out-of-band",
        });
    });

    it("read adopts a running job of the same name (e.g. after a rollback)", async () => {
        flink.jobs.set(JOB, { jid: JOB, name: "orders-job", state: "CANCELED" });
        flink.jobs.set(OTHER, { jid: OTHER, name: "orders-job", state: "RUNNING" });
        expect((await provider.read("orders-job", outputs())).props).toMatchObject({
            jobId: OTHER,
            state: "RUNNING",
        });
    });

    it("read: a job gone is gone, unless it was stopped on purpose", async () => {
        expect(await provider.read("orders-job", outputs())).toEqual({});
        const stopped = outputs({ stopped: true, state: "FINISHED", lastSavepoint: "file:/sp/1" });
        expect(await provider.read("orders-job", stopped)).toEqual({
            id: "orders-job",
            props: stopped,
        });
        const notStarted = outputs({ jobId: undefined, state: "NOT_STARTED" });
        expect(await provider.read("orders-job", notStarted)).toEqual({
            id: "orders-job",
            props: notStarted,
        });
    });

    it("create refuses a name that an active job already carries", async () => {
        flink.jobs.set(OTHER, { jid: OTHER, name: "orders-job", state: "RESTARTING" });
        const inputs = jobInputs();
        await expect(provider.create(inputs)).rejects.toThrow(
            `a Flink job named "orders-job" is already RESTARTING (job ${OTHER})`,
        );
        expect(flink.statements).toEqual([]);
    });

    it("delete stops running jobs of the name with a savepoint, cancels the others, skips ended ones", async () => {
        flink.jobs.set(JOB, {
            jid: JOB,
            name: "orders-job",
            state: "RUNNING",
            savepoint: { location: "file:/sp/2" },
        });
        flink.jobs.set(OTHER, { jid: OTHER, name: "orders-job", state: "RESTARTING" });
        await provider.delete("orders-job", outputs());
        expect(flink.jobs.get(JOB)?.state).toBe("FINISHED");
        expect(flink.jobs.get(OTHER)?.state).toBe("CANCELED");
        expect(flink.requests).toContain(`POST /jobs/${JOB}/stop`);
        expect(flink.requests).toContain(`PATCH /jobs/${OTHER}`);
        flink.requests = [];
        await provider.delete("orders-job", outputs());
        expect(flink.requests.filter((r) => !r.startsWith("GET"))).toEqual([]);
    });

    it("delete without savepointDir cancels", async () => {
        flink.jobs.set(JOB, { jid: JOB, name: "orders-job", state: "RUNNING" });
        await provider.delete("orders-job", outputs({ savepointDir: undefined }));
        expect(flink.jobs.get(JOB)?.state).toBe("CANCELED");
        expect(flink.requests).not.toContain(`POST /jobs/${JOB}/stop`);
    });

    it("update of a crash-looping job cancels it (no savepoint possible) and resumes from the last one", async () => {
        flink.jobs.set(JOB, { jid: JOB, name: "orders-job", state: "RESTARTING" });
        flink.answer = (statement) => {
            if (!statement.startsWith("INSERT")) return { columns: ["result"], rows: [["OK"]] };
            const vertices = [{ name: "Source", status: "RUNNING" }];
            flink.jobs.set(OTHER, { jid: OTHER, name: "orders-job", state: "RUNNING", vertices });
            return { columns: ["job id"], rows: [[OTHER]], jobId: OTHER };
        };
        const news = { ...jobInputs(), statement: "INSERT INTO b SELECT 2" };
        const updated = await provider.update(
            "orders-job",
            outputs({ lastSavepoint: "file:/sp/old" }),
            news,
        );
        expect(updated.outs).toMatchObject({
            jobId: OTHER,
            state: "RUNNING",
            restoredFrom: "file:/sp/old",
        });
        expect(flink.jobs.get(JOB)?.state).toBe("CANCELED");
        expect(flink.requests).not.toContain(`POST /jobs/${JOB}/stop`);
        expect(flink.statements.map((s) => s.statement)).toEqual([
            "EXPLAIN INSERT INTO b SELECT 2",
            "INSERT INTO b SELECT 2",
        ]);
        expect(flink.statements[1]?.executionConfig).toMatchObject({
            "pipeline.name": "orders-job",
            "execution.state-recovery.path": "file:/sp/old",
        });
    });

    it("update leaves a FINISHED job alone when only a connection setting changed", async () => {
        flink.jobs.set(JOB, { jid: JOB, name: "orders-job", state: "FINISHED" });
        const updated = await provider.update("orders-job", outputs(), {
            ...jobInputs(),
            stopTimeoutSeconds: 5,
        });
        expect(updated.outs).toMatchObject({
            state: "FINISHED",
            jobId: JOB,
            stopTimeoutSeconds: 5,
        });
        expect(flink.statements).toEqual([]);
    });

    it("update with stopped: true on a job that already ended only records it", async () => {
        flink.jobs.set(JOB, { jid: JOB, name: "orders-job", state: "CANCELED" });
        const inputs = jobInputs();
        const updated = await provider.update("orders-job", outputs(), {
            ...inputs,
            stopped: true,
        });
        expect(updated.outs).toMatchObject({ state: "CANCELED", stopped: true, jobId: JOB });
        expect(flink.requests.filter((r) => !r.startsWith("GET"))).toEqual([]);
    });
});
