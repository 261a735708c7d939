/**
 * `npm run verify` against real services: Kafka 4.3 (KRaft), the Flink 2.2 session cluster with
 * its SQL Gateway, and MariaDB as the MySQL-protocol database. TiDB and TiCDC cannot run here:
 * TiCDC is the project's emulator (real canal-json to the real Kafka), and since the emulator does
 * not read a database, the marker writer is the production one (mysql2, against MariaDB) with
 * each DDL and INSERT mirrored into the emulator, which then replicates it like TiCDC.
 *
 * Covered: a full green run with real hop timings and nothing left behind (Flink job, gateway
 * session, consumer group); failing runs (changefeed paused, topic missing — and the marker then
 * not written — marker table outside the filter, wrong password); the CLI as a child process
 * with flags and with a real Pulumi stack (local backend, secret password); the password never
 * in any output.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { getJob, listJobs } from "../../components/flink/gateway";
import { changefeedProvider } from "../../components/ticdc/changefeed";
import { pauseChangefeed, resumeChangefeed } from "../../components/ticdc/client";
import { type HopName, DEFAULT_TIMEOUTS_S, type TableRef } from "../../scripts/verify/args";
import { formatHuman, formatJson, type VerifyReport } from "../../scripts/verify/report";
import { FLINK_JOB_PREFIX, markerRowValues } from "../../scripts/verify/sql";
import { findPulumi } from "../../scripts/verify/stack";
import { type MarkerWriter, mysqlMarkerWriter } from "../../scripts/verify/tidb";
import { verifyPipeline, type VerifyTargets } from "../../scripts/verify/verify";
import { startTicdcEmulator, type TicdcEmulator } from "../emulator/ticdc/server";

const execFileAsync = promisify(execFile);
const services = inject("services");
const bootstrap = services.kafka.bootstrap;
const { restUrl, gatewayUrl } = services.flink;
const db = services.mariadb;
const ROOT = path.resolve(__dirname, "../..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");
const MAIN = path.join(ROOT, "scripts/verify/main.ts");

const run = `vfy${Date.now().toString(36)}`;
const schema = run;
const changefeedId = `${run}-cdc`;
const topics = {
    fallback: `${changefeedId}-default`,
    orders: `tidb_${schema}_orders`,
    marker: `tidb_${schema}_marker`,
};
/** A second changefeed whose sink creates topics (TiCDC's default), for `auto`. */
const autoChangefeedId = `${run}-auto`;
const autoTopics = [`${autoChangefeedId}-default`, `tidb_${schema}_auto`];
const marker: TableRef = { schema, table: "marker" };
const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING });
let emulator: TicdcEmulator;
let changefeed: Record<string, unknown> | undefined;
let autoChangefeed: Record<string, unknown> | undefined;
let admin: mysql.Connection;
/** Tables the emulator knows (shared by every writer of this file). */
const mirrored = new Set<string>();

/** The production writer against MariaDB, each DDL and INSERT mirrored into the emulator. */
function mirroredWriter(password = db.password): MarkerWriter {
    const base = mysqlMarkerWriter({ host: db.host, port: db.port, user: db.user, password });
    return {
        description: `${base.description} (mirrored into the TiCDC emulator)`,
        connect: () => base.connect(),
        async ensureTable(table) {
            const created = await base.ensureTable(table);
            const key = `${table.schema}.${table.table}`;
            if (!mirrored.has(key)) {
                emulator.defineTable({
                    schema: table.schema,
                    table: table.table,
                    columns: [
                        { name: "id", type: "varchar(64)" },
                        { name: "written_at", type: "datetime(3)" },
                        { name: "written_by", type: "varchar(255)" },
                    ],
                    primaryKey: ["id"],
                });
                mirrored.add(key);
            }
            return created;
        },
        async write(table, row) {
            await base.write(table, row);
            return {
                commitTs: emulator.insertRow(table.schema, table.table, markerRowValues(row)),
            };
        },
        close: () => base.close(),
    };
}

function targets(overrides: Partial<VerifyTargets> = {}): VerifyTargets {
    return {
        endpoints: {
            tidbMysqlEndpoint: `${db.host}:${db.port}`,
            ticdcApiUrl: emulator.url,
            kafkaBootstrapServers: bootstrap,
            flinkRestUrl: restUrl,
            flinkSqlGatewayUrl: gatewayUrl,
        },
        markerTable: marker,
        timeoutsMs: Object.fromEntries(
            Object.entries(DEFAULT_TIMEOUTS_S).map(([hop, s]) => [hop, s * 1000]),
        ) as Record<HopName, number>,
        ...overrides,
    };
}

function hop(report: VerifyReport, name: HopName) {
    const found = report.hops.find((h) => h.hop === name);
    if (!found) throw new Error(`no hop ${name}`);
    return found;
}

/** Jobs verify started (by its job name) that are not finished. */
async function liveVerifyJobs(): Promise<string[]> {
    return (await listJobs(restUrl))
        .filter((job) => job.name.startsWith(FLINK_JOB_PREFIX))
        .filter((job) => !["FINISHED", "CANCELED", "FAILED"].includes(job.state))
        .map((job) => `${job.name} ${job.state}`);
}

async function tableExists(table: string): Promise<boolean> {
    const [rows] = await admin.query(
        "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
        [schema, table],
    );
    return Number((rows as { n: unknown }[])[0]?.n) > 0;
}

beforeAll(async () => {
    emulator = await startTicdcEmulator({ kafka: { real: {} }, tickMs: 200 });
    admin = await mysql.createConnection({
        host: db.host,
        port: db.port,
        user: db.user,
        password: db.password,
    });
    // A business table next to the marker table: verify must never write it.
    await admin.query(`CREATE DATABASE \`${schema}\``);
    await admin.query(
        `CREATE TABLE \`${schema}\`.orders (id BIGINT PRIMARY KEY, note VARCHAR(64))`,
    );
    emulator.defineTable({
        schema,
        table: "orders",
        columns: [
            { name: "id", type: "bigint" },
            { name: "note", type: "varchar(64)" },
        ],
        primaryKey: ["id"],
    });
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    try {
        await kafkaAdmin.createTopics({
            waitForLeaders: true,
            topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 3 })),
        });
    } finally {
        await kafkaAdmin.disconnect();
    }
    // The project's changefeed: canal-json, tidb_{schema}_{table}, no topic auto-creation.
    // `lost` is replicated but its topic was never declared.
    const checked = await changefeedProvider.check!(
        {},
        {
            changefeedId,
            ticdcApiUrl: emulator.url,
            sink: { brokers: [bootstrap], topic: topics.fallback, partitionNum: 3 },
            tables: [`${schema}.orders`, `${schema}.marker`, `${schema}.lost`],
        },
    );
    expect(checked.failures ?? []).toEqual([]);
    changefeed = (await changefeedProvider.create(checked.inputs)).outs as Record<string, unknown>;
    expect(changefeed.state).toBe("normal");
    const auto = await changefeedProvider.check!(
        {},
        {
            changefeedId: autoChangefeedId,
            ticdcApiUrl: emulator.url,
            sink: {
                brokers: [bootstrap],
                topic: autoTopics[0],
                partitionNum: 2,
                autoCreateTopic: true,
                replicationFactor: 1,
            },
            tables: [`${schema}.auto`],
        },
    );
    expect(auto.failures ?? []).toEqual([]);
    autoChangefeed = (await changefeedProvider.create(auto.inputs)).outs as Record<string, unknown>;
});

afterAll(async () => {
    if (changefeed) {
        await changefeedProvider.delete!(changefeedId, changefeed).catch(() => undefined);
    }
    if (autoChangefeed) {
        await changefeedProvider.delete!(autoChangefeedId, autoChangefeed).catch(() => undefined);
    }
    await emulator?.close();
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    await kafkaAdmin
        .deleteTopics({ topics: [...Object.values(topics), ...autoTopics] })
        .catch(() => undefined);
    await kafkaAdmin.disconnect();
    await admin?.query(`DROP DATABASE IF EXISTS \`${schema}\``).catch(() => undefined);
    await admin?.end();
});

describe("verify against real Kafka, Flink and MariaDB (TiCDC emulated)", () => {
    it("a green run: every hop ok with its timing, the business table untouched, nothing left behind", async () => {
        const tag = `g${Date.now().toString(36).slice(-7)}`;
        const report = await verifyPipeline(targets(), {
            writer: mirroredWriter(),
            secrets: [db.password],
            tag,
        });
        console.log(formatHuman(report));
        expect(report.failedHops).toEqual([]);
        expect(report.hops.map((h) => [h.hop, h.status])).toEqual([
            ["tidb", "ok"],
            ["ticdc", "ok"],
            ["kafka", "ok"],
            ["flink", "ok"],
        ]);
        expect(report.ok).toBe(true);
        expect(report.verdict).toMatch(/^PASS/);
        for (const h of report.hops) {
            expect(h.ms).toBeGreaterThan(0);
            expect(h.ms).toBeLessThan(DEFAULT_TIMEOUTS_S[h.hop] * 1000);
        }
        expect(report.marker).toMatchObject({
            table: `${schema}.marker`,
            changefeed: changefeedId,
            topic: topics.marker,
        });
        expect(report.marker.commitTs).toMatch(/^[0-9]{18,20}$/);
        expect(hop(report, "ticdc").detail).toContain(`≥ commit ts ${report.marker.commitTs}`);
        expect(hop(report, "kafka").detail).toMatch(
            /canal-json INSERT in .* partition \d offset \d+/,
        );
        // Other sessions' jobs may share this Flink cluster: only those may be mentioned.
        expect(report.warnings.filter((w) => !w.startsWith("the cluster's Flink job"))).toEqual([]);

        // The marker row is in its own table; the business table got nothing.
        const [rows] = await admin.query(`SELECT id, written_by FROM \`${schema}\`.marker`);
        expect((rows as { id: string }[]).map((r) => r.id)).toEqual([report.marker.id]);
        const [orders] = await admin.query(`SELECT COUNT(*) AS n FROM \`${schema}\`.orders`);
        expect(Number((orders as { n: unknown }[])[0]?.n)).toBe(0);

        // Nothing left behind: the job is cancelled, the session closed, the group deleted.
        const jobLine = report.cleanup.find((line) => line.startsWith("Flink job "));
        const jobId = /^Flink job ([0-9a-f]{32}) cancelled/.exec(jobLine ?? "")?.[1];
        expect(jobId).toBeDefined();
        expect(["CANCELED", undefined]).toContain((await getJob(restUrl, jobId!))?.state);
        expect(await liveVerifyJobs()).toEqual([]);
        const session = /^SQL Gateway session (\S+) closed$/.exec(
            report.cleanup.find((line) => line.startsWith("SQL Gateway session")) ?? "",
        )?.[1];
        expect(session).toBeDefined();
        const sessionAnswer = await fetch(`${gatewayUrl}/v1/sessions/${session}`);
        expect(sessionAnswer.status).not.toBe(200);
        const kafkaAdmin = kafka.admin();
        await kafkaAdmin.connect();
        try {
            const { groups } = await kafkaAdmin.listGroups();
            expect(groups.map((g) => g.groupId)).not.toContain(`cdc-verify-${tag}`);
        } finally {
            await kafkaAdmin.disconnect();
        }
        // The emulator stayed within TiCDC's API contract.
        expect(emulator.violations).toEqual([]);
        // No secret in either output.
        expect(formatJson(report)).not.toContain(db.password);
        expect(formatHuman(report)).not.toContain(db.password);
    });

    it("a paused changefeed fails hop 2 with the state and how to resume; no Flink job is started", async () => {
        const conn = { apiUrl: emulator.url };
        await pauseChangefeed(conn, changefeedId);
        try {
            const started = Date.now();
            const report = await verifyPipeline(targets(), {
                writer: mirroredWriter(),
                secrets: [db.password],
            });
            console.log(formatHuman(report));
            expect(Date.now() - started).toBeLessThan(30_000);
            expect(report.ok).toBe(false);
            expect(report.failedHops).toEqual(["ticdc"]);
            const ticdc = hop(report, "ticdc");
            expect(ticdc.status).toBe("failed");
            expect(ticdc.detail).toContain(`changefeed "${changefeedId}" is stopped (paused)`);
            expect(ticdc.hint).toMatch(/resume/);
            expect(report.verdict).toMatch(/^FAIL at hop 2 \(TiCDC changefeed\): .*stopped/);
            expect(hop(report, "tidb").status).toBe("ok");
            expect(hop(report, "kafka").status).toBe("skipped");
            expect(hop(report, "flink").status).toBe("skipped");
            expect(report.cleanup.filter((line) => line.startsWith("Flink job"))).toEqual([]);
            expect(await liveVerifyJobs()).toEqual([]);
        } finally {
            await resumeChangefeed(conn, changefeedId);
        }
    });

    it("a missing topic (no auto-creation) fails hop 3, and the marker is not written: it would stop the changefeed", async () => {
        const report = await verifyPipeline(targets({ markerTable: { schema, table: "lost" } }), {
            writer: mirroredWriter(),
            secrets: [db.password],
        });
        console.log(formatHuman(report));
        expect(report.failedHops).toEqual(["kafka"]);
        const kafkaHop = hop(report, "kafka");
        expect(kafkaHop.detail).toBe(
            `topic tidb_${schema}_lost does not exist and changefeed "${changefeedId}" does not create topics (auto-create-topic=false)`,
        );
        expect(kafkaHop.hint).toContain(`add ${schema}.lost to the stack's replication.tables`);
        expect(hop(report, "tidb")).toMatchObject({ status: "skipped" });
        expect(hop(report, "tidb").detail).toMatch(/^marker not written/);
        expect(hop(report, "flink").status).toBe("skipped");
        // Neither the table nor a row was created, and the changefeed still replicates.
        expect(await tableExists("lost")).toBe(false);
        expect(emulator.changefeedState(changefeedId)?.state).toBe("normal");
        expect(await liveVerifyJobs()).toEqual([]);
    });

    it("a topic TiCDC creates on the first event: read from its beginning, Flink started once it exists", async () => {
        const report = await verifyPipeline(targets({ markerTable: { schema, table: "auto" } }), {
            writer: mirroredWriter(),
            secrets: [db.password],
        });
        console.log(formatHuman(report));
        expect(report.failedHops).toEqual([]);
        expect(report.marker).toMatchObject({ changefeed: autoChangefeedId, topic: autoTopics[1] });
        expect(hop(report, "flink").detail).toContain("the job started after the topic appeared");
        expect(await liveVerifyJobs()).toEqual([]);
    });

    it("a marker table outside the changefeed's filter fails hop 2 with the config fix", async () => {
        const report = await verifyPipeline(
            targets({ markerTable: { schema, table: "other" }, replicatedTables: ["test.orders"] }),
            { writer: mirroredWriter(), secrets: [db.password] },
        );
        console.log(formatHuman(report));
        expect(report.failedHops).toEqual(["ticdc"]);
        const ticdc = hop(report, "ticdc");
        expect(ticdc.detail).toBe(
            `the marker table ${schema}.other is not replicated by any changefeed: ` +
                `"${autoChangefeedId}" (its filter (rules: ${schema}.auto) does not select ${schema}.other); ` +
                `"${changefeedId}" (its filter (rules: ${schema}.orders, ${schema}.marker, ${schema}.lost) does not select ${schema}.other)`,
        );
        expect(ticdc.hint).toContain(
            `add ${schema}.other to the stack's replication.tables (pulumi config set --path 'replication.tables[1]' ${schema}.other; pulumi up)`,
        );
        expect(ticdc.hint).toContain(`declares the topic tidb_${schema}_other`);
        expect(hop(report, "kafka").status).toBe("skipped");
        expect(hop(report, "flink").status).toBe("skipped");
        expect(await liveVerifyJobs()).toEqual([]);
    });

    it("a business table given as the marker table is refused, not written", async () => {
        const report = await verifyPipeline(targets({ markerTable: { schema, table: "orders" } }), {
            writer: mirroredWriter(),
            secrets: [db.password],
        });
        expect(report.failedHops).toEqual(["tidb"]);
        expect(hop(report, "tidb").detail).toBe(
            `${schema}.orders exists and is not a verify marker table (columns id, note; a marker table has id, written_at, written_by): verify never writes other tables; choose a dedicated --marker-table`,
        );
        expect(hop(report, "ticdc").status).toBe("skipped");
        const [orders] = await admin.query(`SELECT COUNT(*) AS n FROM \`${schema}\`.orders`);
        expect(Number((orders as { n: unknown }[])[0]?.n)).toBe(0);
        expect(await liveVerifyJobs()).toEqual([]);
    });

    it("a wrong password fails hop 1 without ever showing the password", async () => {
        const wrong = "Wrong-Secret-4711";
        const report = await verifyPipeline(targets(), {
            writer: mirroredWriter(wrong),
            secrets: [wrong],
        });
        expect(report.failedHops).toEqual(["tidb"]);
        expect(hop(report, "tidb").detail).toMatch(/Access denied/);
        // Nothing was started for a marker that cannot be written.
        expect(report.cleanup).toEqual([]);
        expect(hop(report, "ticdc").status).toBe("skipped");
        for (const text of [formatHuman(report), formatJson(report)]) {
            expect(text).not.toContain(wrong);
        }
        expect(await liveVerifyJobs()).toEqual([]);
    });
});

describe("the CLI (npm run verify) as a child process", () => {
    const endpointFlags = () => [
        "--tidb",
        `${db.host}:${db.port}`,
        "--ticdc",
        emulator.url,
        "--kafka",
        bootstrap,
        "--flink-rest",
        restUrl,
        "--flink-gateway",
        gatewayUrl,
    ];

    async function cli(args: string[], env: Record<string, string>, cwd = ROOT) {
        const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
        delete childEnv.TIDB_PASSWORD;
        Object.assign(childEnv, env);
        try {
            const { stdout, stderr } = await execFileAsync(TSX, [MAIN, ...args], {
                cwd,
                env: childEnv,
                timeout: 120_000,
            });
            return { code: 0, stdout, stderr };
        } catch (error) {
            const e = error as { code?: number; stdout?: string; stderr?: string };
            return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
        }
    }

    it("flags and TIDB_PASSWORD: human and JSON reports, exit 1 on a failed hop, the password nowhere", async () => {
        const args = [...endpointFlags(), "--marker-table", `${schema}.other`];
        const human = await cli(args, { TIDB_PASSWORD: db.password });
        expect(human.code).toBe(1);
        expect(human.stdout).toMatch(/#\s+hop\s+result\s+time\s+detail/);
        expect(human.stdout).toMatch(/1\s+TiDB commit\s+ok/);
        expect(human.stdout).toContain("FAIL at hop 2 (TiCDC changefeed)");
        const json = await cli([...args, "--json"], { TIDB_PASSWORD: db.password });
        expect(json.code).toBe(1);
        const report = JSON.parse(json.stdout) as VerifyReport;
        expect(report.failedHops).toEqual(["ticdc"]);
        expect(json.stderr).toBe("");
        for (const out of [human.stdout, human.stderr, json.stdout, json.stderr]) {
            expect(out).not.toContain(db.password);
        }
    });

    it("a bad command line exits 2 with the usage", async () => {
        const result = await cli(["--timeout", "kafka=x"], {});
        expect(result.code).toBe(2);
        expect(result.stderr).toContain("--timeout kafka must be a number of seconds");
        expect(result.stderr).toContain("Usage: npm run verify");
    });

    const pulumi = findPulumi();
    // On CI (scripts/test.sh provides the CLI) a missing pulumi is a failure, not a skip.
    it.skipIf(pulumi === undefined && !process.env.CI)(
        "--stack: endpoints from a real Pulumi stack's outputs, the password from its secret config",
        async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-stack-"));
            const env = {
                PULUMI_BACKEND_URL: `file://${dir}/state`,
                PULUMI_HOME: `${dir}/home`,
                PULUMI_CONFIG_PASSPHRASE: "verify-test-passphrase",
                PULUMI_SKIP_UPDATE_CHECK: "true",
            };
            fs.mkdirSync(`${dir}/state`);
            const project = `${dir}/project`;
            fs.mkdirSync(project);
            fs.writeFileSync(
                `${project}/Pulumi.yaml`,
                "name: tidb-cdc-pipeline\nruntime: nodejs\n",
            );
            const sh = async (...args: string[]) =>
                (
                    await execFileAsync(pulumi!, [...args, "--non-interactive"], {
                        cwd: project,
                        env: { ...process.env, ...env },
                    })
                ).stdout;
            try {
                await sh("stack", "init", "organization/tidb-cdc-pipeline/verify");
                const exported = JSON.parse(await sh("stack", "export", "--stack", "verify")) as {
                    deployment: Record<string, unknown>;
                };
                exported.deployment.resources = [
                    {
                        urn: "urn:pulumi:verify::tidb-cdc-pipeline::pulumi:pulumi:Stack::tidb-cdc-pipeline-verify",
                        custom: false,
                        type: "pulumi:pulumi:Stack",
                        outputs: {
                            target: "docker",
                            tidbMysqlEndpoint: `${db.host}:${db.port}`,
                            ticdcApiUrl: emulator.url,
                            kafkaBootstrapServers: bootstrap,
                            flinkRestUrl: restUrl,
                            flinkSqlGatewayUrl: gatewayUrl,
                        },
                    },
                ];
                fs.writeFileSync(`${project}/state.json`, JSON.stringify(exported));
                await sh("stack", "import", "--stack", "verify", "--file", `${project}/state.json`);
                // Config the project's schema accepts: external services, the changefeed's id.
                await sh("config", "set", "--stack", "verify", "target", "docker");
                await sh(
                    "config",
                    "set",
                    "--stack",
                    "verify",
                    "--path",
                    "replication.changefeedId",
                    changefeedId,
                );
                await sh(
                    "config",
                    "set",
                    "--stack",
                    "verify",
                    "--path",
                    "replication.tables[0]",
                    `${schema}.orders`,
                );
                await sh(
                    "config",
                    "set",
                    "--stack",
                    "verify",
                    "--secret",
                    "tidbRootPassword",
                    db.password,
                );
                expect(fs.readFileSync(`${project}/Pulumi.verify.yaml`, "utf8")).not.toContain(
                    db.password,
                );

                const result = await cli(
                    ["--stack", "verify", "--marker-table", `${schema}.other`, "--json"],
                    env,
                    project,
                );
                const report = JSON.parse(result.stdout) as VerifyReport;
                // Hop 1 ok: the stack's secret password opened MariaDB; hop 2 followed the
                // stack's changefeed (from its config) and found the table outside its filter.
                expect(hop(report, "tidb").status).toBe("ok");
                expect(report.marker.changefeed).toBe(changefeedId);
                expect(hop(report, "ticdc").detail).toContain(
                    `is not replicated by changefeed "${changefeedId}"`,
                );
                expect(hop(report, "ticdc").hint).toContain("replication.tables[1]");
                expect(result.code).toBe(1);
                expect(result.stdout + result.stderr).not.toContain(db.password);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        },
    );
});
