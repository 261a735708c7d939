/**
 * Every dynamic provider survives Pulumi's closure serialization as the engine does it: the
 * provider modules compiled to CommonJS by tsc with the project's options (as Pulumi's Node
 * runtime loads them, not through vitest's module transform), `serializeFunction` in one Node
 * process, the text loaded and called in another, as the provider host does.
 *
 * Each provider runs the same scenario twice, in-process (the source as the unit tests import it)
 * and serialized, and the two results must be equal: check (good and bad inputs), diff (no
 * change, an update, a replace) and every I/O method against the unreachable address
 * 127.0.0.1:1, which fails fast and must be named in the messages. The serialized text is also
 * scanned for what the serializer is known to break, including on paths no scenario reaches.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, type ExpectStatic, it } from "vitest";
import { tableProvider } from "../../components/flink/sql-table";
import { jobProvider } from "../../components/flink/sql-job";
import { kafkaTopicProvider } from "../../components/kafka/topic";
import { changefeedProvider } from "../../components/ticdc/changefeed";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");
const NOWHERE = "127.0.0.1:1";
const env = { ...process.env, NODE_PATH: path.join(ROOT, "node_modules") };

/** The providers: compiled module, export name, and the in-process original. */
const PROVIDERS = {
    kafkaTopicProvider: { module: "components/kafka/topic", inProcess: kafkaTopicProvider },
    changefeedProvider: { module: "components/ticdc/changefeed", inProcess: changefeedProvider },
    tableProvider: { module: "components/flink/sql-table", inProcess: tableProvider },
    jobProvider: { module: "components/flink/sql-job", inProcess: jobProvider },
};
type ProviderName = keyof typeof PROVIDERS;

let work: string;

beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "serialized-providers-"));
    // The provider modules and what they import, with the project's compiler options (a third
    // of the time of the whole project, and independent of unrelated work in progress).
    const tsconfig = path.join(work, "tsconfig.json");
    await writeFile(
        tsconfig,
        JSON.stringify({
            extends: path.join(ROOT, "tsconfig.json"),
            compilerOptions: {
                outDir: path.join(work, "out"),
                rootDir: ROOT,
                typeRoots: [path.join(ROOT, "node_modules/@types")],
            },
            include: [],
            files: Object.values(PROVIDERS).map(({ module }) => path.join(ROOT, `${module}.ts`)),
        }),
    );
    await run(path.join(ROOT, "node_modules/.bin/tsc"), ["-p", tsconfig], { cwd: ROOT });
    const jobs = Object.entries(PROVIDERS).map(([exportName, { module }]) => ({
        module: path.join(work, "out", `${module}.js`),
        exportName,
        file: path.join(work, `${exportName}.js`),
    }));
    // What `pulumi.dynamic.Resource` stores in `__provider` (allowSecrets: false, stricter than
    // the engine: no provider may capture a secret).
    const serialize = `
        const pulumi = require("@pulumi/pulumi");
        (async () => {
            for (const job of ${JSON.stringify(jobs)}) {
                const provider = require(job.module)[job.exportName];
                if (provider === undefined) throw new Error(job.module + " has no " + job.exportName);
                const { text } = await pulumi.runtime.serializeFunction(() => provider, {
                    allowSecrets: false,
                });
                require("fs").writeFileSync(job.file, text);
            }
        })().catch((err) => { console.error(err); process.exit(1); });`;
    await run(process.execPath, ["-e", serialize], { cwd: ROOT, env });
}, 120_000);

afterAll(async () => {
    await rm(work, { recursive: true, force: true });
});

/**
 * Scenarios are JavaScript bodies run with `provider` in scope and `failure(promise)`, which
 * reports a call that should fail as the provider host would: the error's name and message (a
 * message lost in serialization shows as "undefined").
 */
const PRELUDE = `const failure = (promise) =>
    promise.then(() => "resolved", (e) => \`\${e?.name}: \${e?.message}\`);`;

type Scenario = (provider: unknown) => Promise<unknown>;

/** The scenario against the provider as the program holds it (no serialization). */
async function inProcess(name: ProviderName, scenario: string): Promise<unknown> {
    // Any async function's constructor is AsyncFunction, which compiles the scenario here.
    const AsyncFunction = inProcess.constructor as unknown as new (...args: string[]) => Scenario;
    const result = await new AsyncFunction("provider", `${PRELUDE}\n${scenario}`)(
        PROVIDERS[name].inProcess,
    );
    // What the other process can report back.
    return JSON.parse(JSON.stringify(result)) as unknown;
}

/** The scenario against the serialized provider, loaded in a fresh Node process. */
async function serialized(name: ProviderName, scenario: string): Promise<unknown> {
    const driver = path.join(work, `${name}-${Math.random().toString(36).slice(2)}.js`);
    await writeFile(
        driver,
        `const provider = require(${JSON.stringify(path.join(work, `${name}.js`))}).handler();
        ${PRELUDE}
        (async () => { ${scenario} })().then(
            (result) => process.stdout.write(JSON.stringify(result)),
            (err) => { console.error(err); process.exit(1); },
        );`,
    );
    const { stdout } = await run(process.execPath, [driver], { cwd: work, env, timeout: 60_000 });
    return JSON.parse(stdout) as unknown;
}

/** Both runs, concurrently; the serialized result, once it equals the in-process one. */
async function bothWays(
    name: ProviderName,
    scenario: string,
    expect: ExpectStatic,
): Promise<unknown> {
    const [original, copy] = await Promise.all([
        inProcess(name, scenario),
        serialized(name, scenario),
    ]);
    expect(copy).toEqual(original);
    return copy;
}

// The asymmetric matchers, typed `unknown` rather than `any` (they sit in expected objects).
const matches = (pattern: RegExp): unknown => expect.stringMatching(pattern);
const contains = (text: string): unknown => expect.stringContaining(text);
const anything = (): unknown => expect.anything();
const including = (object: Record<string, unknown>): unknown => expect.objectContaining(object);

/**
 * What `failure` reports for an HTTP call to 127.0.0.1:1, whose cause is fetch's (it refuses
 * port 1 without connecting).
 */
function httpDown(prefix: string, method: string, url: string): RegExp {
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    return new RegExp(
        `^${escape(`${prefix}: ${method} ${url} failed: `)}.+ \\(is the service running and reachable\\?\\)$`,
    );
}

/**
 * A delete that keeps the resource because its service did not answer: `down`, then what stays
 * and the ways out (forgetIfUnreachable, pulumi state delete).
 */
function keptInState(down: RegExp, noun: string, service: string): RegExp {
    return new RegExp(
        `${down.source.replace(/\$$/, "")}\\. The ${noun} was not deleted and stays in the stack\\. If ${service} itself is gone, remove the ${noun} from the state with \`pulumi state delete <urn>\` .* set forgetIfUnreachable: true on the resource .*\\.$`,
    );
}

/** Constructs in the serialized text that break once it runs in the provider host. */
function closureHazards(text: string): string[] {
    const hazards = [
        {
            pattern: /\bexports\.[A-Za-z_$][\w$]*/,
            why: "reads a module's own export through `exports.X`, undefined in the provider host (declare it locally and export it with `export { X }`)",
        },
        {
            // How the serializer writes every class's constructor.
            pattern: /\/\*constructor\*\//,
            why: "captures a class: the serializer drops its field initializers, and `super(message)` of an Error subclass leaves `message` unset (use a factory function and a type guard)",
        },
        {
            pattern: /\bglobal\.(Set|Map|WeakSet|WeakMap)\.prototype\b/,
            why: "captures a Set or Map, which arrives as a plain object whose methods throw (use an array or an object)",
        },
    ];
    // Line 1 is the serializer's own `exports.handler = …`.
    const lines = text.split("\n").slice(1);
    return hazards.flatMap(({ pattern, why }) =>
        lines
            .filter((line) => pattern.test(line))
            .map((line) => `${why}: ${line.trim().slice(0, 160)}`),
    );
}

describe.concurrent("dynamic providers after closure serialization", () => {
    it.for(Object.keys(PROVIDERS))(
        "%s: the serialized text has none of the known hazards",
        async (name, { expect }) => {
            const text = await readFile(path.join(work, `${name}.js`), "utf8");
            expect(text).toMatch(/^exports\.handler = /);
            expect(closureHazards(text)).toEqual([]);
        },
    );

    it("KafkaTopic", async ({ expect }) => {
        const inputs = {
            name: "orders",
            partitions: 3,
            replicationFactor: 1,
            configs: { "cleanup.policy": "delete" },
            allowPartitionShrink: false,
            connection: { bootstrapServers: NOWHERE },
        };
        const result = await bothWays(
            "kafkaTopicProvider",
            `const inputs = ${JSON.stringify(inputs)};
            const grown = { ...inputs, partitions: 6 };
            const [create, read, update, del] = await Promise.all([
                failure(provider.create(inputs)),
                failure(provider.read("orders", inputs)),
                failure(provider.update("orders", inputs, grown)),
                failure(provider.delete("orders", inputs)),
            ]);
            const forgotten = await failure(
                provider.delete("orders", { ...inputs, forgetIfUnreachable: true }),
            );
            return {
                check: {
                    ok: await provider.check({}, { ...inputs, configs: undefined, allowPartitionShrink: undefined }),
                    bad: await provider.check({}, {
                        ...inputs,
                        name: "bad name!",
                        partitions: 0,
                        connection: { bootstrapServers: "user:hunter2@broker:9092" },
                    }),
                    shrink: await provider.check(inputs, { ...inputs, partitions: 1 }),
                },
                diff: {
                    unchanged: await provider.diff("orders", inputs, inputs),
                    update: await provider.diff("orders", inputs, {
                        ...grown,
                        configs: { ...inputs.configs, "retention.ms": "86400000" },
                    }),
                    replace: await provider.diff("orders", inputs, { ...inputs, name: "orders-v2" }),
                    shrink: await provider.diff("orders", inputs, { ...inputs, partitions: 1 }),
                },
                io: { create, read, update, delete: del, forgotten },
            };`,
            expect,
        );
        const cannotReach = (operation: string) =>
            new RegExp(
                `^KafkaAdminError: ${operation} Kafka topic "orders" on 127\\.0\\.0\\.1:1 failed: cannot reach the brokers \\(.*ECONNREFUSED 127\\.0\\.0\\.1:1\\); check that the cluster is running`,
            );
        expect(result).toEqual({
            check: {
                ok: { inputs: { ...inputs, configs: {} } },
                bad: {
                    inputs: anything(),
                    failures: [
                        { property: "name", reason: contains('contains " !"') },
                        { property: "partitions", reason: contains("≥ 1, got 0") },
                        {
                            property: "connection.bootstrapServers",
                            reason: 'every entry must be "host:port" (no scheme, no credentials): "***@broker:9092"',
                        },
                    ],
                },
                shrink: {
                    inputs: anything(),
                    failures: [
                        {
                            property: "partitions",
                            reason: matches(
                                /^Kafka topic "orders" on 127\.0\.0\.1:1 cannot shrink from 3 to 1 partitions in place; set allowPartitionShrink/,
                            ),
                        },
                    ],
                },
            },
            diff: {
                unchanged: { changes: false, replaces: [], deleteBeforeReplace: true },
                update: { changes: true, replaces: [], deleteBeforeReplace: true },
                replace: { changes: true, replaces: ["name"], deleteBeforeReplace: true },
                // An update, which check has refused already: refresh asks diff too, so it never throws.
                shrink: { changes: true, replaces: [], deleteBeforeReplace: true },
            },
            io: {
                create: matches(cannotReach("create")),
                // read and update start by describing the topic.
                read: matches(cannotReach("describe")),
                update: matches(cannotReach("describe")),
                delete: matches(
                    new RegExp(
                        `${cannotReach("delete").source}.*\\. The topic was not deleted and stays in the stack\\.`,
                    ),
                ),
                // With forgetIfUnreachable, the same delete drops it from the state.
                forgotten: "resolved",
            },
        });
    });

    it("Changefeed", async ({ expect }) => {
        const inputs = {
            changefeedId: "orders-to-kafka",
            ticdcApiUrl: `http://${NOWHERE}`,
            sink: { brokers: ["kafka-0:9092"], topic: "orders-default", partitionNum: 3 },
            tables: ["shop.orders"],
            replicaConfigOverrides: { sync_point_interval: "10m" },
        };
        const result = await bothWays(
            "changefeedProvider",
            `const checked = await provider.check({}, ${JSON.stringify(inputs)});
            const inputs = checked.inputs;
            const state = { ...inputs, state: "normal", checkpointTs: "0", checkpointTime: "" };
            const more = { ...inputs, tables: ["shop.orders", "shop.items"] };
            const [create, read, update, del] = await Promise.all([
                failure(provider.create(inputs)),
                failure(provider.read("orders-to-kafka", state)),
                failure(provider.update("orders-to-kafka", state, more)),
                failure(provider.delete("orders-to-kafka", state)),
            ]);
            const forgotten = await failure(
                provider.delete("orders-to-kafka", { ...state, forgetIfUnreachable: true }),
            );
            return {
                check: {
                    ok: checked,
                    bad: await provider.check({}, {
                        ...inputs,
                        changefeedId: "bad_id!",
                        sink: { ...inputs.sink, protocol: "csv", brokers: ["no-port"] },
                        tables: [],
                    }),
                },
                diff: {
                    unchanged: await provider.diff("orders-to-kafka", state, inputs),
                    update: await provider.diff("orders-to-kafka", state, more),
                    replace: await provider.diff("orders-to-kafka", state, {
                        ...inputs,
                        changefeedId: "orders-to-kafka-v2",
                    }),
                },
                io: { create, read, update, delete: del, forgotten },
            };`,
            expect,
        );
        const api = "http://127.0.0.1:1/api/v2";
        const down = (operation: string) =>
            `TicdcError: TiCDC at http://127.0.0.1:1/ could not be reached to ${operation}`;
        expect(result).toEqual({
            check: {
                ok: {
                    inputs: {
                        ...inputs,
                        sink: {
                            ...inputs.sink,
                            protocol: "canal-json",
                            autoCreateTopic: false,
                            enableTidbExtension: false,
                        },
                        dispatchers: [
                            {
                                matcher: ["shop.orders"],
                                partition: "index-value",
                                topic: "tidb_{schema}_{table}",
                            },
                        ],
                        caseSensitive: false,
                        paused: false,
                        verifyTables: true,
                        waitTimeoutSeconds: 120,
                    },
                },
                bad: {
                    inputs: anything(),
                    failures: [
                        { property: "changefeedId", reason: contains('"bad_id!"') },
                        {
                            property: "sink.brokers[0]",
                            reason: 'must be "host:port", got "no-port"',
                        },
                        {
                            property: "sink.protocol",
                            reason: contains("canal-json"),
                        },
                        { property: "tables", reason: contains("at least one") },
                    ],
                },
            },
            diff: {
                unchanged: { changes: false, replaces: [], deleteBeforeReplace: true },
                update: { changes: true, replaces: [], deleteBeforeReplace: true },
                replace: { changes: true, replaces: ["changefeedId"], deleteBeforeReplace: true },
            },
            io: {
                // create checks the tables first, at the current TSO.
                create: matches(httpDown(down("read the current TSO"), "POST", `${api}/tso`)),
                read: matches(
                    httpDown(
                        down('read changefeed "orders-to-kafka"'),
                        "GET",
                        `${api}/changefeeds/orders-to-kafka`,
                    ),
                ),
                update: matches(
                    httpDown(
                        down('read changefeed "orders-to-kafka"'),
                        "GET",
                        `${api}/changefeeds/orders-to-kafka`,
                    ),
                ),
                delete: matches(
                    keptInState(
                        httpDown(
                            down('delete changefeed "orders-to-kafka"'),
                            "DELETE",
                            `${api}/changefeeds/orders-to-kafka`,
                        ),
                        "changefeed",
                        "TiCDC",
                    ),
                ),
                forgotten: "resolved",
            },
        });
    });

    it("Changefeed: the SQL eligibility path (mysql2) to a TiDB that is down", async ({
        expect,
    }) => {
        // A TiCDC that answers /tso and has no verify_table (gin's plain 404), so create takes
        // the SQL path: mysql2, required inside the function, must work after serialization.
        const password = "s3cret-tidb-pw";
        const server = createServer((req, res) => {
            if (req.url?.startsWith("/api/v2/tso")) {
                res.setHeader("content-type", "application/json");
                res.end(JSON.stringify({ timestamp: Date.now(), logic_time: 0 }));
            } else {
                res.statusCode = 404;
                res.setHeader("content-type", "text/plain");
                res.end("404 page not found");
            }
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const { port } = server.address() as AddressInfo;
        let result: unknown;
        try {
            result = await bothWays(
                "changefeedProvider",
                `const checked = await provider.check({}, ${JSON.stringify({
                    changefeedId: "orders-to-kafka",
                    ticdcApiUrl: `http://127.0.0.1:${port}`,
                    sink: { brokers: ["kafka-0:9092"], topic: "orders-default" },
                    tables: ["shop.orders"],
                    tidb: { host: "127.0.0.1", port: 1, password },
                })});
                return {
                    tidb: checked.inputs.tidb,
                    create: await failure(provider.create(checked.inputs)),
                };`,
                expect,
            );
        } finally {
            server.close();
        }
        expect(result).toEqual({
            tidb: { host: "127.0.0.1", port: 1, user: "root", password },
            create: matches(
                /^TidbQueryError: cannot check table eligibility on TiDB at 127\.0\.0\.1:1 \(user "root"\): connecting failed: .*ECONNREFUSED/,
            ),
        });
        expect(JSON.stringify((result as { create: string }).create)).not.toContain(password);
    });

    it("FlinkSqlTable", async ({ expect }) => {
        const table = {
            gatewayUrl: `http://${NOWHERE}`,
            name: "orders",
            columns: [{ name: "id", type: "BIGINT" }],
            options: { connector: "datagen" },
        };
        const id = "default_catalog.default_database.orders";
        const result = await bothWays(
            "tableProvider",
            `const table = ${JSON.stringify(table)};
            const id = ${JSON.stringify(id)};
            // In a catalog, the table lives in the metastore: read and delete talk to the gateway.
            const stored = {
                ...table,
                catalog: { name: "hive", options: { type: "hive" } },
                database: "shop",
            };
            // update needs no I/O (it only records a respelling or a new gatewayUrl).
            const state = (await provider.update(id, table, table)).outs;
            const persistent = (await provider.update("hive.shop.orders", stored, stored)).outs;
            const [create, read, del] = await Promise.all([
                failure(provider.create(table)),
                failure(provider.read("hive.shop.orders", persistent)),
                failure(provider.delete("hive.shop.orders", persistent)),
            ]);
            const forgotten = await failure(
                provider.delete("hive.shop.orders", { ...persistent, forgetIfUnreachable: true }),
            );
            return {
                check: {
                    ok: await provider.check({}, table),
                    bad: await provider.check({}, {
                        ...table,
                        columns: [{ name: "id", type: "INTT" }],
                        validateAs: "nothing",
                    }),
                },
                diff: {
                    unchanged: await provider.diff(id, state, table),
                    update: await provider.diff(id, state, { ...table, gatewayUrl: "http://127.0.0.1:2" }),
                    respelled: await provider.diff(id, state, {
                        ...table,
                        columns: [{ name: "id", type: "bigint" }],
                    }),
                    replace: await provider.diff(id, state, {
                        ...table,
                        columns: [{ name: "id", type: "STRING" }],
                    }),
                },
                io: {
                    update: { state, persistent },
                    inMemory: {
                        read: await provider.read(id, state),
                        delete: await failure(provider.delete(id, state)),
                    },
                    create,
                    read,
                    delete: del,
                    forgotten,
                },
            };`,
            expect,
        );
        const gatewayDown = httpDown(
            "Error: cannot open a Flink SQL Gateway session at http://127.0.0.1:1",
            "POST",
            "http://127.0.0.1:1/v1/sessions",
        );
        const ddl = [
            "CREATE TABLE `default_catalog`.`default_database`.`orders` (",
            "    `id` BIGINT",
            ")",
            "WITH (",
            "    'connector' = 'datagen'",
            ")",
        ].join("\n");
        const state = {
            ...table,
            ddl,
            qualifiedName: id,
            persistent: false,
            sessionSql: [ddl],
        };
        expect(result).toEqual({
            check: {
                ok: { inputs: table, failures: [] },
                bad: {
                    inputs: anything(),
                    failures: [
                        { property: "validateAs", reason: 'expected "source", "sink" or "ddl"' },
                        { property: "columns[0].type", reason: contains('"INTT"') },
                    ],
                },
            },
            diff: {
                unchanged: { changes: false, replaces: [], deleteBeforeReplace: false },
                update: { changes: true, replaces: [], deleteBeforeReplace: false },
                respelled: { changes: true, replaces: [], deleteBeforeReplace: false },
                replace: { changes: true, replaces: ["columns"], deleteBeforeReplace: false },
            },
            io: {
                update: {
                    state,
                    persistent: including({
                        persistent: true,
                        qualifiedName: "hive.shop.orders",
                        sessionSql: [
                            "CREATE CATALOG IF NOT EXISTS `hive` WITH (\n    'type' = 'hive'\n)",
                        ],
                    }),
                },
                inMemory: { read: { id, props: state }, delete: "resolved" },
                create: matches(gatewayDown),
                read: matches(gatewayDown),
                delete: matches(
                    keptInState(
                        httpDown(
                            "Error: delete Flink SQL table hive.shop.orders: cannot open a Flink SQL Gateway session at http://127.0.0.1:1",
                            "POST",
                            "http://127.0.0.1:1/v1/sessions",
                        ),
                        "table",
                        "the SQL Gateway",
                    ),
                ),
                forgotten: "resolved",
            },
        });
    });

    it("FlinkSqlJob", async ({ expect }) => {
        const job = {
            name: "orders-job",
            gatewayUrl: `http://${NOWHERE}`,
            restUrl: `http://${NOWHERE}`,
            tables: [
                "CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen')",
                "CREATE TABLE snk (id BIGINT) WITH ('connector' = 'blackhole')",
            ],
            statement: "INSERT INTO snk SELECT id FROM src",
            executionConfig: { "parallelism.default": 2 },
            savepointDir: "file:///tmp/savepoints",
        };
        const jobId = "0123456789abcdef0123456789abcdef";
        const result = await bothWays(
            "jobProvider",
            `const checked = await provider.check({}, ${JSON.stringify(job)});
            const inputs = checked.inputs;
            const state = { ...inputs, jobId: ${JSON.stringify(jobId)}, state: "RUNNING" };
            const edited = { ...inputs, statement: "INSERT INTO snk SELECT id + 1 FROM src" };
            const [create, read, update, del] = await Promise.all([
                failure(provider.create(inputs)),
                failure(provider.read("orders-job", state)),
                failure(provider.update("orders-job", state, edited)),
                failure(provider.delete("orders-job", state)),
            ]);
            const forgotten = await failure(
                provider.delete("orders-job", { ...state, forgetIfUnreachable: true }),
            );
            return {
                check: {
                    ok: checked,
                    bad: await provider.check({}, {
                        ...inputs,
                        statement: "SELECT 1",
                        tables: ["DROP TABLE src"],
                        executionConfig: { "pipeline.name": "other" },
                        savepointDir: undefined,
                        stopped: true,
                    }),
                },
                diff: {
                    unchanged: await provider.diff("orders-job", state, inputs),
                    // With a savepointDir a new statement is an update (stop-with-savepoint,
                    // resubmit); without one it replaces the job.
                    update: await provider.diff("orders-job", state, edited),
                    stop: await provider.diff("orders-job", state, { ...inputs, stopped: true }),
                    replace: await provider.diff("orders-job", state, { ...inputs, name: "orders-job-v2" }),
                    stateless: await provider.diff(
                        "orders-job",
                        { ...state, savepointDir: undefined },
                        { ...edited, savepointDir: undefined },
                    ),
                },
                io: { create, read, update, delete: del, forgotten },
            };`,
            expect,
        );
        const listDown = httpDown(
            "Error: cannot list Flink jobs at http://127.0.0.1:1",
            "GET",
            "http://127.0.0.1:1/jobs/overview",
        );
        const jobDown = httpDown(
            `Error: cannot read Flink job ${jobId} from the JobManager at http://127.0.0.1:1`,
            "GET",
            `http://127.0.0.1:1/jobs/${jobId}`,
        );
        expect(result).toEqual({
            check: {
                ok: {
                    inputs: { ...job, executionConfig: { "parallelism.default": "2" } },
                    failures: [],
                },
                bad: {
                    inputs: anything(),
                    failures: [
                        { property: "statement", reason: contains(", not SELECT") },
                        {
                            property: "tables[0]",
                            reason: contains(", not DROP TABLE"),
                        },
                        {
                            property: "executionConfig",
                            reason: contains("'pipeline.name' is set by the provider"),
                        },
                        {
                            property: "stopped",
                            reason: contains("set savepointDir"),
                        },
                    ],
                },
            },
            diff: {
                unchanged: { changes: false, replaces: [], deleteBeforeReplace: false },
                update: { changes: true, replaces: [], deleteBeforeReplace: false },
                stop: { changes: true, replaces: [], deleteBeforeReplace: false },
                replace: { changes: true, replaces: ["name"], deleteBeforeReplace: true },
                stateless: { changes: true, replaces: ["statement"], deleteBeforeReplace: true },
            },
            io: {
                // create refuses a name that is already running; delete stops every job of it.
                create: matches(listDown),
                read: matches(jobDown),
                update: matches(jobDown),
                delete: matches(
                    keptInState(
                        httpDown(
                            "Error: delete Flink SQL job orders-job: cannot list Flink jobs at http://127.0.0.1:1",
                            "GET",
                            "http://127.0.0.1:1/jobs/overview",
                        ),
                        "job",
                        "the JobManager",
                    ),
                ),
                forgotten: "resolved",
            },
        });
    });
});
