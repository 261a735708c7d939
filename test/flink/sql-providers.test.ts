/**
 * FlinkSqlTable and FlinkSqlJob without Flink: input checks, diff decisions, drift comparison,
 * the per-submission configuration, the resources under Pulumi mocks, and the providers after
 * Pulumi's closure serialization (what the dynamic-provider host actually runs).
 */
import Module from "node:module";
import * as path from "node:path";
import type * as pulumiType from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import {
    diffJob,
    type FlinkSqlJobInputs,
    type FlinkSqlJobOutputs,
    jobInputProblems,
    jobProvider,
    normalizeJobInputs,
    submissionConfig,
} from "../../components/flink/sql-job";
import {
    diffTable,
    type FlinkSqlTableInputs,
    type FlinkSqlTableOutputs,
    parseShowCreateTableOptions,
    renderTable,
    tableDrift,
    tableInputProblems,
    tableProvider,
} from "../../components/flink/sql-table";
import { plainTextPaths, SECRET_SIG, secretValues } from "../support/secrets";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const TABLE: FlinkSqlTableInputs = {
    gatewayUrl: "http://gateway:8083",
    name: "orders",
    columns: [
        { name: "id", type: "BIGINT" },
        { name: "name", type: "STRING" },
    ],
    primaryKey: ["id"],
    options: { connector: "kafka", topic: "orders", format: "canal-json" },
};

function tableOutputs(inputs: FlinkSqlTableInputs): FlinkSqlTableOutputs {
    const rendered = renderTable(inputs);
    return {
        ...inputs,
        ddl: rendered.ddl,
        qualifiedName: rendered.qualifiedName,
        persistent: rendered.persistent,
        sessionSql: rendered.sessionSql,
    };
}

const JOB: FlinkSqlJobInputs = {
    name: "orders-to-out",
    gatewayUrl: "http://gateway:8083",
    restUrl: "http://jobmanager:8081",
    tables: ["CREATE TABLE a (x INT) WITH ('connector' = 'datagen')"],
    statement: "INSERT INTO b SELECT x FROM a",
    savepointDir: "file:///savepoints",
};
const RUNNING_JOB: FlinkSqlJobOutputs = { ...JOB, jobId: "a".repeat(32), state: "RUNNING" };

describe("FlinkSqlTable check", () => {
    it("accepts a definition, and unknown values during preview", () => {
        expect(tableInputProblems({ ...TABLE })).toEqual([]);
        expect(
            tableInputProblems({ ...TABLE, columns: UNKNOWN, options: { topic: UNKNOWN } }),
        ).toEqual([]);
    });

    it("names the argument at fault", () => {
        const problems = (change: Record<string, unknown>) =>
            tableInputProblems({ ...TABLE, ...change }).map((p) => `${p.property}: ${p.reason}`);
        expect(problems({ columns: [{ name: "id", type: "INTT" }] })[0]).toMatch(
            /^columns\[0\]\.type: invalid Flink SQL type "INTT"/,
        );
        expect(problems({ name: "a\u0000b" })[0]).toMatch(/^name: .*control character U\+0000/);
        expect(problems({ options: { topic: "x\ny" } })[0]).toMatch(
            /^options\.topic: .*control character/,
        );
        expect(problems({ secretOptions: { topic: "t" } })).toEqual([
            "secretOptions: option 'topic' is in both options and secretOptions",
        ]);
        expect(problems({ catalog: { name: "hive" } })).toEqual([
            "database: a table in a catalog needs its database",
        ]);
        expect(problems({ validateAs: "both" })).toEqual([
            'validateAs: expected "source", "sink" or "ddl"',
        ]);
        expect(problems({ gatewayUrl: undefined })).toEqual([
            "gatewayUrl: the SQL Gateway URL is required",
        ]);
        expect(
            problems({
                validateAs: "sink",
                columns: [{ name: "c", expression: "1" }],
                primaryKey: undefined,
            }),
        ).toEqual(["columns: the table has no writable columns to check as a sink"]);
    });
});

describe("FlinkSqlTable diff", () => {
    const olds = tableOutputs(TABLE);

    it("no change, no diff", () => {
        expect(diffTable(olds, { ...TABLE })).toEqual({
            changes: false,
            replaces: [],
            deleteBeforeReplace: false,
        });
    });

    it("replaces on any change to the definition (DDL is immutable)", () => {
        expect(
            diffTable(olds, { ...TABLE, columns: [...TABLE.columns, { name: "x", type: "INT" }] }),
        ).toEqual({
            changes: true,
            replaces: ["columns"],
            deleteBeforeReplace: false,
        });
        expect(
            diffTable(olds, { ...TABLE, options: { ...TABLE.options, topic: "v2" } }).replaces,
        ).toEqual(["options"]);
        expect(diffTable(olds, { ...TABLE, name: "orders2" }).replaces).toEqual(["name"]);
        expect(diffTable(olds, { ...TABLE, columns: UNKNOWN }).replaces).toEqual(["columns"]);
    });

    it("updates in place when only the spelling or non-definition inputs change", () => {
        const respelled = {
            ...TABLE,
            columns: [
                { name: "id", type: "bigint" },
                { name: "name", type: "varchar" },
            ],
            options: { format: "canal-json", topic: "orders", connector: "kafka" },
        };
        expect(diffTable(olds, respelled)).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
        });
        expect(diffTable(olds, { ...TABLE, gatewayUrl: "http://other:8083" }).replaces).toEqual([]);
        expect(diffTable(olds, { ...TABLE, validateAs: "ddl" }).replaces).toEqual([]);
    });

    it("drops a persistent table before re-creating it under the same name", () => {
        const persistent = { ...TABLE, catalog: { name: "hive" }, database: "cdc" };
        const old = tableOutputs(persistent);
        expect(diffTable(old, { ...persistent, comment: "v2" })).toEqual({
            changes: true,
            replaces: ["comment"],
            deleteBeforeReplace: true,
        });
        expect(diffTable(old, { ...persistent, name: "orders2" }).deleteBeforeReplace).toBe(false);
        // Moving between in-memory and a catalog is a different table.
        expect(diffTable(olds, persistent).replaces).toEqual(["database", "catalog"]);
    });
});

describe("FlinkSqlTable outputs", () => {
    it("in-memory: the job replays the DDL (and creates a non-default database first)", () => {
        const rendered = renderTable({ ...TABLE, database: "cdc" });
        expect(rendered.persistent).toBe(false);
        expect(rendered.qualifiedName).toBe("default_catalog.cdc.orders");
        expect(rendered.sessionSql).toEqual([
            "CREATE DATABASE IF NOT EXISTS `default_catalog`.`cdc`",
            rendered.ddl,
        ]);
        expect(renderTable(TABLE).sessionSql).toEqual([renderTable(TABLE).ddl]);
    });

    it("persistent: the job only registers the catalog", () => {
        const rendered = renderTable({
            ...TABLE,
            catalog: { name: "hive", options: { type: "hive" } },
            database: "cdc",
        });
        expect(rendered.persistent).toBe(true);
        expect(rendered.sessionSql).toEqual([
            "CREATE CATALOG IF NOT EXISTS `hive` WITH (\n    'type' = 'hive'\n)",
        ]);
        expect(rendered.ddl).toMatch(/^CREATE TABLE `hive`\.`cdc`\.`orders`/);
    });

    it("merges secretOptions into the DDL", () => {
        expect(
            renderTable({ ...TABLE, secretOptions: { "properties.sasl.jaas.config": "pw" } }).ddl,
        ).toContain("'properties.sasl.jaas.config' = 'pw'");
    });
});

describe("tableDrift", () => {
    const live = {
        columns: [
            {
                name: "id",
                type: "BIGINT",
                null: false,
                key: "PRI(id)",
                extras: null,
                watermark: null,
            },
            { name: "name", type: "STRING", null: true, key: null, extras: null, watermark: null },
        ],
        options: { connector: "kafka", topic: "orders", format: "canal-json" },
    };

    it("finds no drift in an unchanged table", () => {
        expect(tableDrift(TABLE, live)).toEqual({ differences: [], live: TABLE });
    });

    it("reports changed types, nullability, columns, keys, watermarks and options", () => {
        const drift = tableDrift(
            { ...TABLE, secretOptions: { "properties.sasl.jaas.config": "pw" } },
            {
                columns: [
                    {
                        name: "name",
                        type: "VARCHAR(10)",
                        null: false,
                        key: null,
                        extras: null,
                        watermark: null,
                    },
                    {
                        name: "id",
                        type: "BIGINT",
                        null: false,
                        key: null,
                        extras: null,
                        watermark: null,
                    },
                    {
                        name: "ts",
                        type: "TIMESTAMP(3) *ROWTIME*",
                        null: true,
                        key: null,
                        extras: null,
                        watermark: "`ts` - INTERVAL '1' SECOND",
                    },
                ],
                options: {
                    connector: "kafka",
                    topic: "orders-v2",
                    "scan.startup.mode": "latest-offset",
                    "properties.sasl.jaas.config": "******",
                },
            },
        );
        expect(drift.differences).toEqual([
            "column name has type VARCHAR(10), not STRING",
            "column name is NOT NULL",
            "column ts is not in the definition",
            "columns are in the order name, id, ts",
            "primary key is absent",
            "watermark is on ts",
            "option 'topic' is 'orders-v2', not 'orders'",
            "option 'format' is missing",
            "option 'scan.startup.mode' = 'latest-offset' is not in the definition",
        ]);
        expect(drift.live.columns).toEqual([
            { name: "id", type: "BIGINT" },
            { name: "name", type: "VARCHAR(10)", nullable: false },
            { name: "ts", type: "TIMESTAMP(3)", nullable: true },
        ]);
        expect(drift.live.primaryKey).toBeUndefined();
        expect(drift.live.watermark).toEqual({
            column: "ts",
            expression: "`ts` - INTERVAL '1' SECOND",
        });
        expect(drift.live.options).toEqual({
            connector: "kafka",
            topic: "orders-v2",
            "scan.startup.mode": "latest-offset",
        });
    });

    it("reads the WITH options of SHOW CREATE TABLE", () => {
        expect(
            parseShowCreateTableOptions(
                "CREATE TABLE `c`.`d`.`t` (\n  `a` INT\n)\nCOMMENT 'with (x)'\nWITH (\n  'connector' = 'kafka',\n  'k''q' = 'it''s'\n)\n",
            ),
        ).toEqual({ connector: "kafka", "k'q": "it's" });
        expect(parseShowCreateTableOptions("CREATE TABLE t (a INT)")).toEqual({});
    });
});

describe("FlinkSqlJob check", () => {
    const problems = (change: Record<string, unknown>) =>
        jobInputProblems({ ...JOB, ...change }).map((p) => `${p.property}: ${p.reason}`);

    it("accepts a job, and unknown values during preview", () => {
        expect(problems({})).toEqual([]);
        expect(
            problems({ statement: UNKNOWN, tables: [UNKNOWN], executionConfig: UNKNOWN }),
        ).toEqual([]);
    });

    it.each([
        [
            { statement: "SELECT * FROM a" },
            /^statement: a job runs one INSERT or EXECUTE STATEMENT SET, not SELECT/,
        ],
        [
            { statement: "INSERT INTO b SELECT 1; INSERT INTO c SELECT 2" },
            /^statement: one INSERT per job/,
        ],
        [{ tables: ["DROP TABLE a"] }, /^tables\[0\]: only CREATE … and USE …/],
        [{ tables: "CREATE TABLE a" }, /^tables: expected a list/],
        [
            { executionConfig: { "pipeline.name": "x" } },
            /^executionConfig: 'pipeline.name' is set by the provider/,
        ],
        [
            { executionConfig: { "execution.state-recovery.path": "x" } },
            /^executionConfig: 'execution.state-recovery.path' is set by the provider/,
        ],
        [
            { stopped: true, savepointDir: undefined },
            /^stopped: stopping keeps the job's state in a savepoint: set savepointDir/,
        ],
        [{ name: "" }, /^name: a job name is required/],
        [{ name: "a\nb" }, /^name: the name contains a control character/],
        [{ restUrl: undefined }, /^restUrl: the JobManager REST URL is required/],
        [{ startTimeoutSeconds: 0 }, /^startTimeoutSeconds: expected a positive number/],
    ])("refuses %j", (change, reason) => {
        const found = problems(change);
        expect(found).toHaveLength(1);
        expect(found[0]).toMatch(reason);
    });

    it("stores executionConfig values as strings", () => {
        expect(
            normalizeJobInputs({ ...JOB, executionConfig: { "parallelism.default": 2, x: true } }),
        ).toMatchObject({
            executionConfig: { "parallelism.default": "2", x: "true" },
        });
    });
});

describe("FlinkSqlJob diff", () => {
    const none = { changes: false, replaces: [], deleteBeforeReplace: false };
    const update = { changes: true, replaces: [], deleteBeforeReplace: false };

    it("no change, no diff", () => {
        expect(diffJob(RUNNING_JOB, { ...JOB })).toEqual(none);
    });

    it("a new name is a new job (replace, delete first)", () => {
        expect(diffJob(RUNNING_JOB, { ...JOB, name: "other" })).toEqual({
            changes: true,
            replaces: ["name"],
            deleteBeforeReplace: true,
        });
    });

    it("a changed definition updates through a savepoint", () => {
        expect(
            diffJob(RUNNING_JOB, { ...JOB, statement: "INSERT INTO b SELECT x + 1 FROM a" }),
        ).toEqual(update);
        expect(diffJob(RUNNING_JOB, { ...JOB, tables: [] })).toEqual(update);
        expect(
            diffJob(RUNNING_JOB, { ...JOB, executionConfig: { "parallelism.default": "2" } }),
        ).toEqual(update);
        expect(diffJob(RUNNING_JOB, { ...JOB, allowNonRestoredState: true })).toEqual(update);
        expect(diffJob(RUNNING_JOB, { ...JOB, statement: UNKNOWN })).toEqual(update);
    });

    it("without savepointDir a changed definition is a (stateless) replacement", () => {
        const stateless = { ...RUNNING_JOB, savepointDir: undefined };
        expect(
            diffJob(stateless, {
                ...JOB,
                savepointDir: undefined,
                statement: "INSERT INTO b SELECT 2",
            }),
        ).toEqual({
            changes: true,
            replaces: ["statement"],
            deleteBeforeReplace: true,
        });
    });

    it("stopped toggles are updates; a stopped job stays stopped", () => {
        expect(diffJob(RUNNING_JOB, { ...JOB, stopped: true })).toEqual(update);
        const stopped = { ...RUNNING_JOB, stopped: true, state: "FINISHED" };
        expect(diffJob(stopped, { ...JOB, stopped: true })).toEqual(none);
        expect(diffJob(stopped, { ...JOB, stopped: false })).toEqual(update);
        expect(diffJob({ ...stopped, state: "NOT_STARTED" }, { ...JOB, stopped: true })).toEqual(
            none,
        );
    });

    it("a job found CANCELED or FAILED (or never started) is resubmitted; FINISHED is left alone", () => {
        expect(diffJob({ ...RUNNING_JOB, state: "CANCELED" }, { ...JOB })).toEqual(update);
        expect(diffJob({ ...RUNNING_JOB, state: "FAILED" }, { ...JOB })).toEqual(update);
        expect(
            diffJob({ ...RUNNING_JOB, state: "NOT_STARTED", jobId: undefined }, { ...JOB }),
        ).toEqual(update);
        expect(diffJob({ ...RUNNING_JOB, state: "FINISHED" }, { ...JOB })).toEqual(none);
        expect(diffJob({ ...RUNNING_JOB, state: "RESTARTING" }, { ...JOB })).toEqual(none);
    });

    it("connection and timeout changes are recorded in place", () => {
        expect(diffJob(RUNNING_JOB, { ...JOB, restUrl: "http://jm2:8081" })).toEqual(update);
        expect(diffJob(RUNNING_JOB, { ...JOB, startTimeoutSeconds: 60 })).toEqual(update);
    });
});

describe("submissionConfig", () => {
    it("names the job, fixes its id, and restores only when asked", () => {
        const id = "b".repeat(32);
        expect(
            submissionConfig(
                { ...JOB, executionConfig: { "parallelism.default": "2" } },
                id,
                undefined,
            ),
        ).toEqual({
            "parallelism.default": "2",
            "pipeline.name": "orders-to-out",
            "$internal.pipeline.job-id": id,
        });
        expect(submissionConfig({ ...JOB, allowNonRestoredState: true }, id, "file:/sp/1")).toEqual(
            {
                "pipeline.name": "orders-to-out",
                "$internal.pipeline.job-id": id,
                "execution.state-recovery.path": "file:/sp/1",
                "execution.state-recovery.ignore-unclaimed-state": "true",
            },
        );
    });
});

// --- Serialized providers ------------------------------------------------------------------------

type Provider = Required<pulumiType.dynamic.ResourceProvider>;

function loadSerialized(text: string, exportName = "handler"): Provider {
    const filename = path.join(__dirname, "serialized-provider.js");
    const loaded = new Module(filename) as Module & {
        _compile(code: string, filename: string): void;
    };
    loaded.filename = filename;
    loaded.paths = (
        Module as unknown as { _nodeModulePaths(dir: string): string[] }
    )._nodeModulePaths(__dirname);
    loaded._compile(text, filename);
    return (loaded.exports as Record<string, () => Provider>)[exportName]!();
}

describe("providers after Pulumi's closure serialization", () => {
    let pulumi: typeof pulumiType;
    beforeAll(async () => {
        pulumi = await import("@pulumi/pulumi");
    });

    const serialized = async (provider: unknown) => {
        const result = await pulumi.runtime.serializeFunction(() => provider, {
            allowSecrets: false,
        });
        return loadSerialized(result.text, result.exportName);
    };

    it("checks and diffs as before (no classes, Sets or node: modules lost on the way)", async () => {
        const tables = await serialized(tableProvider);
        expect((await tables.check({}, { ...TABLE })).failures).toEqual([]);
        const bad = await tables.check(
            {},
            { ...TABLE, columns: [{ name: "id", type: "ROW<a INT, b MAP<STRING, INTT>>" }] },
        );
        expect(bad.failures?.[0]?.reason).toMatch(/unsupported type INTT/);
        expect(await tables.diff("x", tableOutputs(TABLE), { ...TABLE, name: "y" })).toMatchObject({
            replaces: ["name"],
        });

        const jobs = await serialized(jobProvider);
        expect(
            (await jobs.check({}, { ...JOB, statement: "SELECT 1" })).failures?.[0]?.reason,
        ).toMatch(/a job runs one INSERT/);
        expect(
            await jobs.diff("x", { ...RUNNING_JOB, state: "CANCELED" }, { ...JOB }),
        ).toMatchObject({ changes: true });
    });

    it("keeps error messages (Error subclasses would lose them)", async () => {
        const jobs = await serialized(jobProvider);
        const nowhere = { ...JOB, gatewayUrl: "http://127.0.0.1:9", restUrl: "http://127.0.0.1:9" };
        const error = await jobs.create(nowhere).catch((e: Error) => e);
        expect((error as Error).message).toMatch(
            /^cannot list Flink jobs at http:\/\/127\.0\.0\.1:9: GET http:\/\/127\.0\.0\.1:9\/jobs\/overview failed: .+ \(is the service running and reachable\?\)$/,
        );
        // The same text as in-process (the HttpError underneath keeps its message).
        const inProcess = await jobProvider.create(nowhere).catch((e: Error) => e);
        expect((error as Error).message).toBe((inProcess as Error).message);
    });
});

// --- Resources under Pulumi mocks -----------------------------------------------------------------

interface Registration {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    additionalSecretOutputs: string[];
}

describe("FlinkSqlTable and FlinkSqlJob under Pulumi mocks", () => {
    let pulumi: typeof pulumiType;
    let flink: typeof import("../../components/flink");
    const registrations: Registration[] = [];
    const named = (name: string) => registrations.find((r) => r.name === name)!;

    beforeAll(async () => {
        pulumi = await import("@pulumi/pulumi");
        // A table's outputs are computed as the provider would, so `sessionSql` flows into jobs.
        await pulumi.runtime.setMocks(
            {
                newResource(args) {
                    const inputs = args.inputs as Record<string, unknown>;
                    if (args.type === "pulumi-nodejs:dynamic/flink:SqlTable") {
                        const plain = unwrapSecrets(inputs) as FlinkSqlTableInputs;
                        const outs = tableOutputs(plain);
                        return { id: outs.qualifiedName, state: outs };
                    }
                    const id = typeof inputs.name === "string" ? inputs.name : args.name;
                    return { id, state: { ...inputs, state: "RUNNING" } };
                },
                call: (args) => args.inputs as Record<string, unknown>,
            },
            "tidb-cdc-pipeline",
            "test",
            false,
        );
        const monitor = pulumi.runtime.getMonitor() as unknown as {
            registerResource(req: RegisterRequest, callback: unknown): unknown;
        };
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req, callback) => {
            registrations.push({
                type: req.getType(),
                name: req.getName(),
                inputs: (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
                additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            });
            return register(req, callback);
        };
        flink = await import("../../components/flink");
    });

    const settle = async () => {
        for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    const valueOf = <T>(output: pulumiType.Output<T>) =>
        new Promise<T>((resolve) => output.apply((value) => resolve(value)));

    it("registers typed dynamic resources and feeds a table's sessionSql into a job", async () => {
        const source = new flink.FlinkSqlTable("orders-cdc", {
            gatewayUrl: "http://gateway:8083",
            name: "orders_cdc",
            columns: [{ name: "id", type: "BIGINT" }],
            options: flink.canalJsonKafkaSourceOptions({
                topic: "orders",
                bootstrapServers: "kafka:9092",
            }),
        });
        const job = new flink.FlinkSqlJob("orders-job", {
            gatewayUrl: "http://gateway:8083",
            restUrl: "http://jobmanager:8081",
            tables: [source, "CREATE TABLE out (id BIGINT) WITH ('connector' = 'blackhole')"],
            statement: "INSERT INTO out SELECT id FROM orders_cdc",
            savepointDir: "file:///savepoints",
        });
        await settle();
        expect(named("orders-cdc").type).toBe("pulumi-nodejs:dynamic/flink:SqlTable");
        expect(named("orders-job").type).toBe("pulumi-nodejs:dynamic/flink:SqlJob");
        const ddl = await valueOf(source.ddl);
        expect(await valueOf(job.tables)).toEqual([
            ddl,
            "CREATE TABLE out (id BIGINT) WITH ('connector' = 'blackhole')",
        ]);
        expect(await valueOf(job.name)).toBe("orders-job");
        expect(named("orders-job").inputs.name).toBe("orders-job");
        expect(named("orders-cdc").additionalSecretOutputs).toEqual([]);
        // The provider the engine will run is in the state, and it loads and works.
        const provider = loadSerialized(named("orders-job").inputs.__provider as string);
        expect((await provider.check({}, { ...JOB })).failures).toEqual([]);
    });

    it("keeps secretOptions secret: inputs wrapped, ddl and sessionSql declared secret", async () => {
        const password = "sasl-pa55'word";
        new flink.FlinkSqlTable("secure", {
            gatewayUrl: "http://gateway:8083",
            columns: [{ name: "id", type: "BIGINT" }],
            options: { connector: "kafka", topic: "t" },
            secretOptions: {
                "properties.sasl.jaas.config": pulumi.secret(
                    `org.apache.kafka.common.security.plain.PlainLoginModule required password="${password}";`,
                ),
            },
        });
        await settle();
        const recorded = named("secure");
        expect(plainTextPaths(recorded.inputs, password)).toEqual([]);
        expect(JSON.stringify(secretValues(recorded.inputs))).toContain("sasl-pa55");
        expect(recorded.additionalSecretOutputs).toEqual(["ddl", "sessionSql", "secretOptions"]);
        expect(recorded.inputs.name).toBe("secure");
        expect(plainTextPaths(recorded.inputs.__provider, password)).toEqual([]);
    });
});

/** Mocks see secrets as wrapper objects; the provider would see their values. */
function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value === null || typeof value !== "object") return value;
    if (SECRET_SIG in value) return (value as { value?: unknown }).value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getObject(): { toJavaScript(): unknown } | undefined;
    getAdditionalsecretoutputsList(): string[];
}
