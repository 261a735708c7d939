/**
 * The lab stack's containers, for real (issue 4): the dev program's containers, network and
 * volumes, exactly as it declares them (recorded under Pulumi mocks, translated to Docker Engine
 * API calls by test/lab/translate.ts), run on a real Docker engine with local images that present
 * the official images' interface (scripts/docker/setup.sh builds them; `docker.images` maps the
 * official names to them here, in the test only). Then the wiring is proven hop by hop, a marker
 * row goes TiCDC → Kafka → Flink through the project's own dynamic providers, and teardown must
 * leave nothing behind.
 *
 * NOT RUN: the PD, TiKV and TiDB containers. They are Go/Rust servers published only as images
 * (no Debian package, nothing on Maven Central, npm or PyPI) and no image registry is reachable
 * here, so they are left out, with the dependencies on them. TiCDC's container runs the project's
 * TiCDC Open API emulator (test/emulator/ticdc) behind TiCDC's command line instead of
 * pingcap/ticdc; the marker row is written into the emulator's upstream through its control route,
 * not into TiDB.
 *
 * Needs a Docker engine on /var/run/docker.sock and the images: `bash scripts/docker/setup.sh`
 * (scripts/test.sh runs it before vitest). Without them every test fails, saying so.
 */
import { Kafka, logLevel } from "kafkajs";
import * as net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StackSettings } from "../../components/config";
import { jarFileName } from "../../components/flink/jars";
import { tableTopic } from "../../components/pipeline/replication";
import type { RecordedResource } from "../support/pulumi-mocks";
import { DockerEngine, dockerSocket } from "../lab/docker-engine";
import { DynamicResources } from "../lab/dynamic";
import { LAB_IMAGE_PREFIX, UNAVAILABLE_REPOSITORIES } from "../lab/images";
import {
    CONTAINER,
    devStackConfig,
    recordProgram,
    settingsOf,
    type StackConfigValues,
    withLookalikeImages,
    withoutImages,
    zookeeperVariant,
} from "../lab/program";
import { allVolumeNames, LabStack, TEST_LABEL } from "../lab/stack";

const socket = dockerSocket();
const engine = new DockerEngine(socket);
const SETUP_HINT = "run `bash scripts/docker/setup.sh` (scripts/test.sh runs it before vitest)";

/** Fails with the reason when no engine answers: these tests need Docker, they never skip it. */
async function requireDocker(): Promise<string> {
    const answer = await engine.ping();
    if (!answer.ok) {
        throw new Error(`no Docker engine answers on ${socket} (${answer.reason}): ${SETUP_HINT}`);
    }
    return answer.version;
}

function log(line: string): void {
    console.log(`[lab] ${line}`);
}

function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)} s`;
}

async function poll<T>(
    what: string,
    timeoutMs: number,
    probe: () => Promise<T | undefined>,
    intervalMs = 1000,
): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            const value = await probe();
            if (value !== undefined) return value;
        } catch (error) {
            last = error;
        }
        if (Date.now() > deadline) {
            throw new Error(
                `timed out after ${seconds(timeoutMs)} waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`,
            );
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: HTTP ${res.status}: ${text}`);
    return JSON.parse(text) as T;
}

/**
 * A one-off client container on the stack's network (removed afterwards), e.g. a Kafka CLI that
 * must reach the brokers by their in-network names.
 */
async function runOnNetwork(
    image: string,
    network: string,
    cmd: string[],
    runId: string,
): Promise<{ exitCode: number; output: string }> {
    const { Id: id } = await engine.call<{ Id: string }>("POST", "/containers/create", {
        body: {
            Image: image,
            Cmd: cmd,
            Labels: { [TEST_LABEL]: runId },
            HostConfig: { NetworkMode: network },
        },
    });
    try {
        await engine.call("POST", `/containers/${id}/start`);
        const { StatusCode } = await engine.call<{ StatusCode: number }>(
            "POST",
            `/containers/${id}/wait`,
            { timeoutMs: 120_000 },
        );
        return { exitCode: StatusCode, output: await engine.logs(id) };
    } finally {
        await engine.raw("DELETE", `/containers/${id}`, { query: { force: true, v: true } });
    }
}

describe("the look-alike images present the official images' interface", () => {
    interface ImageConfig {
        Config: {
            User: string;
            Entrypoint: string[] | null;
            Cmd: string[] | null;
            Env: string[] | null;
            WorkingDir: string;
            ExposedPorts: Record<string, object> | null;
            Volumes: Record<string, object> | null;
        };
    }
    const inspect = async (image: string) => {
        await requireDocker();
        const { status, body } = await engine.raw("GET", `/images/${image}/json`);
        if (status !== 200) throw new Error(`image ${image} is missing: ${SETUP_HINT}`);
        const config = (JSON.parse(body.toString()) as ImageConfig).Config;
        return {
            user: config.User,
            entrypoint: config.Entrypoint,
            cmd: config.Cmd,
            workingDir: config.WorkingDir,
            ports: Object.keys(config.ExposedPorts ?? {}).sort(),
            volumes: Object.keys(config.Volumes ?? {}).sort(),
            env: Object.fromEntries(
                (config.Env ?? []).map((entry): [string, string] => {
                    const at = entry.indexOf("=");
                    return [entry.slice(0, at), entry.slice(at + 1)];
                }),
            ),
        };
    };

    it("zookeeper:3.9.5: /conf, data dirs, ZOO_* defaults, entrypoint and command (images.md §1)", async () => {
        const image = await inspect(`${LAB_IMAGE_PREFIX}/zookeeper:3.9.5`);
        expect(image).toMatchObject({
            user: "",
            entrypoint: ["/docker-entrypoint.sh"],
            cmd: ["zkServer.sh", "start-foreground"],
            workingDir: "/apache-zookeeper-3.9.5-bin",
            ports: ["2181/tcp", "2888/tcp", "3888/tcp", "8080/tcp"],
            volumes: ["/data", "/datalog", "/logs"],
        });
        expect(image.env).toMatchObject({
            ZOO_CONF_DIR: "/conf",
            ZOO_DATA_DIR: "/data",
            ZOO_DATA_LOG_DIR: "/datalog",
            ZOO_LOG_DIR: "/logs",
            ZOOCFGDIR: "/conf",
            ZOO_STANDALONE_ENABLED: "true",
            ZOO_ADMINSERVER_ENABLED: "true",
        });
    });

    it.each(["4.3.1", "3.9.2"])(
        "apache/kafka:%s: /opt/kafka, appuser, CMD run script, volumes, no KAFKA_* env (§2)",
        async (version) => {
            const image = await inspect(`${LAB_IMAGE_PREFIX}/kafka:${version}`);
            expect(image).toMatchObject({
                user: "appuser",
                entrypoint: null,
                cmd: ["/etc/kafka/docker/run"],
                ports: ["9092/tcp"],
                volumes: ["/etc/kafka/secrets", "/mnt/shared/config", "/var/lib/kafka/data"],
            });
            expect(Object.keys(image.env).filter((key) => key.startsWith("KAFKA_"))).toEqual([]);
        },
    );

    it("flink:2.2.1-java17: FLINK_HOME, user flink, entrypoint, `help` (§3)", async () => {
        const image = await inspect(`${LAB_IMAGE_PREFIX}/flink:2.2.1-java17`);
        expect(image).toMatchObject({
            user: "flink",
            entrypoint: ["/docker-entrypoint.sh"],
            cmd: ["help"],
            workingDir: "/opt/flink",
            ports: ["6123/tcp", "8081/tcp"],
        });
        expect(image.env.FLINK_HOME).toBe("/opt/flink");
        expect(image.env.PATH).toMatch(/^\/opt\/flink\/bin:/);
    });

    it("pingcap/ticdc stand-in: CMD /cdc, no entrypoint, port 8300, root (§4)", async () => {
        const image = await inspect(`${LAB_IMAGE_PREFIX}/ticdc:v8.5.7`);
        expect(image).toMatchObject({
            user: "",
            entrypoint: null,
            cmd: ["/cdc"],
            ports: ["8300/tcp"],
        });
    });
});

describe("the look-alike images' own start-up paths (what the official images do without the lab's overrides)", () => {
    const runId = `defaults-${process.pid}-${Date.now().toString(36)}`;
    const started: string[] = [];

    /** A container from the image's own entrypoint and command (plus env/args), on the default bridge. */
    async function start(image: string, env: string[] = [], cmd?: string[]): Promise<string> {
        const { Id: id } = await engine.call<{ Id: string }>("POST", "/containers/create", {
            body: {
                Image: image,
                Env: env,
                ...(cmd ? { Cmd: cmd } : {}),
                Labels: { [TEST_LABEL]: runId },
            },
        });
        started.push(id);
        await engine.call("POST", `/containers/${id}/start`);
        return id;
    }

    /** Runs `cmd` in the container until it succeeds (the service is up), then returns its stdout. */
    async function execUntil(id: string, what: string, cmd: string[]): Promise<string> {
        let last = "";
        try {
            return await poll(
                what,
                120_000,
                async () => {
                    const state = await engine.call<{ State: { Running: boolean } }>(
                        "GET",
                        `/containers/${id}/json`,
                    );
                    if (!state.State.Running) {
                        throw new Error(`the container exited:\n${await engine.logs(id, 30)}`);
                    }
                    const result = await engine.exec(id, cmd);
                    last = `exit ${result.exitCode}: ${result.stdout}${result.stderr}`;
                    return result.exitCode === 0 ? result.stdout : undefined;
                },
                2000,
            );
        } catch (error) {
            throw new Error(
                `${(error as Error).message}\nlast attempt: ${last}\ncontainer log:\n${await engine.logs(id, 30)}`,
            );
        }
    }

    afterAll(async () => {
        for (const id of started) {
            await engine.raw("DELETE", `/containers/${id}`, { query: { force: true, v: true } });
        }
    });

    it("zookeeper: generates zoo.cfg from ZOO_* and runs as the zookeeper user; kafka: the run script and KafkaDockerWrapper start a broker; flink: the entrypoint merges FLINK_PROPERTIES", async () => {
        await requireDocker();
        const [zookeeper, kafka4, kafka3, flink] = await Promise.all([
            start(`${LAB_IMAGE_PREFIX}/zookeeper:3.9.5`, ["ZOO_4LW_COMMANDS_WHITELIST=srvr,ruok"]),
            start(`${LAB_IMAGE_PREFIX}/kafka:4.3.1`),
            start(`${LAB_IMAGE_PREFIX}/kafka:3.9.2`),
            start(
                `${LAB_IMAGE_PREFIX}/flink:2.2.1-java17`,
                [
                    "JOB_MANAGER_RPC_ADDRESS=flink-defaults",
                    "FLINK_PROPERTIES=taskmanager.numberOfTaskSlots: 3\nparallelism.default:  2",
                ],
                ["jobmanager"],
            ),
        ]);

        const status = await execUntil(zookeeper, "zkServer.sh status", ["zkServer.sh", "status"]);
        expect(status).toContain("Mode: standalone");
        const zooCfg = await engine.exec(zookeeper, ["cat", "/conf/zoo.cfg"]);
        expect(zooCfg.stdout).toContain("server.1=localhost:2888:3888;2181");
        expect(zooCfg.stdout).toContain("4lw.commands.whitelist=srvr,ruok");
        const myid = await engine.exec(zookeeper, ["stat", "-c", "%U %n", "/data/myid"]);
        expect(myid.stdout.trim()).toBe("zookeeper /data/myid");
        expect((await engine.exec(zookeeper, ["cat", "/data/myid"])).stdout.trim()).toBe("1");

        for (const broker of [kafka4, kafka3]) {
            const versions = await execUntil(broker, "the default broker on localhost:9092", [
                "/opt/kafka/bin/kafka-broker-api-versions.sh",
                "--bootstrap-server",
                "localhost:9092",
            ]);
            expect(versions).toMatch(/^localhost:9092 \(id: 1 rack: null[^)]*\) -> \(/m);
            const config = await engine.exec(broker, [
                "cat",
                "/opt/kafka/config/server.properties",
            ]);
            expect(config.stdout).toContain("process.roles=broker,controller");
        }

        await execUntil(flink, "the JobManager's REST API", [
            "curl",
            "-sf",
            "http://127.0.0.1:8081/overview",
        ]);
        const slots = await engine.exec(flink, [
            "bash",
            "-c",
            ". /opt/flink/bin/config.sh && read_config taskmanager.numberOfTaskSlots && echo && read_config jobmanager.rpc.address",
        ]);
        expect(slots.stdout.trim().split("\n")).toEqual(["3", "flink-defaults"]);
        // The JDK 17 flags of config.yaml reached the JVM (read from the rewritten, nested file).
        expect(await engine.logs(flink)).toMatch(
            /JVM Options:[\s\S]*--add-opens=java\.base\/java\.lang=ALL-UNNAMED/,
        );
    }, 240_000);
});

interface Variant {
    title: string;
    stack: string;
    config: StackConfigValues;
}

const VARIANTS: Variant[] = [
    {
        title: "dev stack as committed (KRaft, Kafka 4.3.1)",
        stack: "dev",
        config: devStackConfig(),
    },
    {
        title: "dev stack in ZooKeeper mode (Kafka 3.9.2, a three-server ensemble)",
        stack: "dev-zookeeper",
        config: zookeeperVariant(devStackConfig()),
    },
];

describe.each(VARIANTS)("$title: the program's containers on Docker", ({ stack, config }) => {
    const runId = `${stack}-${process.pid}-${Date.now().toString(36)}`;
    const settings: StackSettings = settingsOf(config);
    const hostPorts = settings.docker.hostPorts;
    const host = "127.0.0.1";
    const ticdcUrl = `http://${host}:${hostPorts.ticdc}`;
    const restUrl = `http://${host}:${hostPorts.flinkRest}`;
    const gatewayUrl = `http://${host}:${hostPorts.sqlGateway}`;
    const kafkaFromHost = `${host}:${hostPorts.kafka}`;
    const connector = settings.flink.connectors[0]!;
    const replicated = settings.replication.tables[0]!;
    const [schema, table] = replicated.split(".") as [string, string];
    const topic = tableTopic(replicated);
    const marker = { id: Date.now() % 1_000_000_000, customer: `marker-${runId}`, amount: "12.34" };
    const timings: [string, number][] = [];

    let committed: RecordedResource[];
    let resources: RecordedResource[];
    let lab: LabStack;
    let dynamic: DynamicResources | undefined;
    let volumesBefore: string[];
    /** Set once this run starts creating: only then may cleanup remove what carries the names. */
    let creating = false;
    let torn = false;

    beforeAll(async () => {
        log(`${stack}: Docker ${await requireDocker()}`);
        committed = await recordProgram(stack, config);
        resources = await recordProgram(stack, withLookalikeImages(config));
        lab = new LabStack(engine, resources, runId);
        for (const skipped of lab.skipped) {
            log(`${stack}: left out ${skipped.name} (${skipped.image}): ${skipped.reason}`);
        }
        volumesBefore = await allVolumeNames(engine);
        await lab.preflight();
        const started = Date.now();
        creating = true;
        try {
            await lab.up(log);
        } finally {
            timings.push(["containers created and healthy", Date.now() - started]);
        }
    });

    afterAll(async () => {
        if (torn || !creating) return;
        // A failed test left things running: remove them all the same.
        await dynamic?.destroyAll(log).catch((error: unknown) => log(`cleanup: ${String(error)}`));
        await lab.down();
        log(
            `timings (${stack}): ${timings.map(([what, ms]) => `${what} ${seconds(ms)}`).join("; ")}`,
        );
    });

    it("takes the program's resources as declared, images aside, leaving out only PD, TiKV and TiDB", () => {
        expect(withoutImages(resources)).toEqual(withoutImages(committed));
        expect(lab.networks.map((n) => n.name)).toEqual([`${settings.namePrefix}-net`]);
        expect(lab.skipped.map((s) => s.image.split(":")[0]).sort()).toEqual(
            [...UNAVAILABLE_REPOSITORIES].sort(),
        );
        for (const container of resources.filter((r) => r.type === CONTAINER)) {
            const image = String(container.inputs.image);
            const skipped = lab.skipped.some((s) => s.name === container.name);
            expect(
                skipped || image.startsWith(`${LAB_IMAGE_PREFIX}/`),
                `${container.name}: ${image}`,
            ).toBe(true);
        }
        const roles = ["ticdc", "kafka", "jobmanager", "taskmanager", "sql-gateway"];
        if (settings.kafka.mode === "zookeeper") roles.push("zookeeper");
        for (const role of roles) {
            expect(
                lab.containers.some((c) => c.name.startsWith(`${settings.namePrefix}-${role}`)),
                role,
            ).toBe(true);
        }
    });

    // Registered only where there is an ensemble (no skipped test in KRaft mode).
    if (settings.kafka.mode === "zookeeper") {
        it("ZooKeeper: the ensemble has a quorum (one leader, the rest followers), reachable from the host", async () => {
            const servers = lab.containers.filter((c) => c.name.includes("-zookeeper-"));
            expect(servers).toHaveLength(settings.kafka.zookeeper.replicas);
            const modes: string[] = [];
            for (const server of servers) {
                const status = await engine.exec(server.name, ["zkServer.sh", "status"]);
                expect(status.exitCode, `${server.name}: ${status.stderr}`).toBe(0);
                modes.push(/Mode: (\w+)/.exec(status.stdout)?.[1] ?? status.stdout);
            }
            expect(modes.sort()).toEqual(["follower", "follower", "leader"]);
            // The published client port (zookeeper-0) answers the same four-letter word.
            const srvr = await new Promise<string>((resolve, reject) => {
                const client = net.connect(hostPorts.zookeeper, host);
                let data = "";
                client.on("connect", () => client.write("srvr"));
                client.on("data", (chunk: Buffer) => (data += chunk.toString()));
                client.on("end", () => resolve(data));
                client.on("error", reject);
            });
            expect(srvr).toMatch(/^Mode: (leader|follower)$/m);
        });
    }

    it("Kafka: reachable from the host on the published port, advertising 127.0.0.1", async () => {
        const admin = new Kafka({ brokers: [kafkaFromHost], logLevel: logLevel.NOTHING }).admin();
        await admin.connect();
        try {
            const cluster = await admin.describeCluster();
            expect(cluster.brokers).toEqual([{ nodeId: 0, host, port: hostPorts.kafka }]);
        } finally {
            await admin.disconnect();
        }
    });

    it("Kafka: reachable inside the network by its alias, from a client container", async () => {
        const kafka = lab.containerByHost("kafka-0");
        const result = await runOnNetwork(
            kafka.image,
            `${settings.namePrefix}-net`,
            ["/opt/kafka/bin/kafka-broker-api-versions.sh", "--bootstrap-server", "kafka-0:9092"],
            runId,
        );
        expect(result.exitCode, result.output).toBe(0);
        // 4.x adds `isFenced: false` to the broker line.
        expect(result.output).toMatch(/^kafka-0:9092 \(id: 0 rack: null[^)]*\) -> \(/m);
    });

    it("Flink: the TaskManagers registered with the JobManager, with their slots", async () => {
        const { taskmanagers } = await getJson<{
            taskmanagers: { id: string; slotsNumber: number; freeSlots: number }[];
        }>(`${restUrl}/taskmanagers`);
        expect(taskmanagers.map((tm) => tm.id).sort()).toEqual(
            Array.from(
                { length: settings.flink.taskManager.replicas },
                (_, i) => `taskmanager-${i}`,
            ),
        );
        for (const tm of taskmanagers)
            expect(tm.slotsNumber).toBe(settings.flink.taskManager.slots);
    });

    it("Flink: the connector jar was downloaded from Maven Central once, verified, and loaded everywhere", async () => {
        const jar = jarFileName(connector);
        const flink = lab.containers.filter((c) =>
            /-(jobmanager|taskmanager-\d+|sql-gateway)$/.test(c.name),
        );
        expect(flink.length).toBe(2 + settings.flink.taskManager.replicas);
        const logs = new Map<string, string>();
        for (const container of flink) logs.set(container.name, await engine.logs(container.name));
        const downloads = [...logs.entries()].filter(([, text]) =>
            text.includes(`connector jar ${jar}: downloading ${settings.flink.mavenRepository}/`),
        );
        // The shared cache volume: the first container downloads, the others find the verified copy.
        expect(downloads.map(([name]) => name)).toEqual([`${settings.namePrefix}-jobmanager`]);
        for (const [name, text] of logs) {
            expect(text, name).toMatch(
                new RegExp(
                    `connector jar ${jar.replace(/\./g, "\\.")}: (verified$|verified copy in /flink-jars)`,
                    "m",
                ),
            );
            // Flink logs its classpath at start: the jar is on it in every process.
            expect(text, name).toMatch(
                new RegExp(`Classpath: .*/opt/flink/lib/${jar.replace(/\./g, "\\.")}`),
            );
            const sum = await engine.exec(name, ["sha256sum", `/opt/flink/lib/${jar}`]);
            expect(sum.stdout.split(/\s+/)[0], name).toBe(connector.sha256);
        }
    });

    it("Flink: the SQL Gateway answers on the published port", async () => {
        const info = await getJson<{ productName: string; version: string }>(
            `${gatewayUrl}/v1/info`,
        );
        expect(info).toEqual({ productName: "Apache Flink", version: settings.flink.version });
    });

    it("end to end: a marker row goes TiCDC → Kafka → the Flink job, through the project's providers", async () => {
        const t0 = Date.now();
        // The upstream table the changefeed replicates (TiDB's part, in the emulator).
        await getJson(`${ticdcUrl}/_lab/tables`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({
                schema,
                table,
                columns: [
                    { name: "id", type: "bigint" },
                    { name: "customer", type: "varchar(64)" },
                    { name: "amount", type: "decimal(10,2)" },
                ],
                primaryKey: ["id"],
            }),
        });

        // Topics, changefeed, Flink tables and job: the program's dynamic resources.
        dynamic = new DynamicResources(resources);
        const created = Date.now();
        await dynamic.createAll(log);
        timings.push(["topics, changefeed, Flink tables and job created", Date.now() - created]);
        const job = [...dynamic.created.values()].find((c) => c.resource.type.endsWith(":SqlJob"));
        expect(job?.outs.state).toBe("RUNNING");
        const changefeed = [...dynamic.created.values()].find((c) =>
            c.resource.type.endsWith(":Changefeed"),
        );
        expect(changefeed?.outs.state).toBe("normal");

        // The table's topic, seen from inside the network.
        const inNetwork = await runOnNetwork(
            lab.containerByHost("kafka-0").image,
            `${settings.namePrefix}-net`,
            [
                "/opt/kafka/bin/kafka-topics.sh",
                "--bootstrap-server",
                "kafka-0:9092",
                "--describe",
                "--topic",
                topic,
            ],
            runId,
        );
        expect(inNetwork.exitCode, inNetwork.output).toBe(0);
        expect(inNetwork.output).toMatch(
            new RegExp(
                `Topic: ${topic}\\s.*PartitionCount: ${settings.replication.topicPartitions}`,
            ),
        );

        // The marker row, committed upstream.
        const kafka = new Kafka({ brokers: [kafkaFromHost], logLevel: logLevel.NOTHING });
        const consumer = kafka.consumer({ groupId: `lab-test-${runId}` });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        let seenInKafka: number | undefined;
        let canal: Record<string, unknown> | undefined;
        await consumer.run({
            eachMessage: async ({ message }) => {
                const value = message.value?.toString() ?? "";
                if (seenInKafka === undefined && value.includes(marker.customer)) {
                    seenInKafka = Date.now();
                    canal = JSON.parse(value) as Record<string, unknown>;
                }
                return Promise.resolve();
            },
        });
        const inserted = Date.now();
        await getJson(`${ticdcUrl}/_lab/rows`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ schema, table, rows: [marker] }),
        });
        try {
            await poll(`the marker in topic ${topic} (read from ${kafkaFromHost})`, 60_000, () =>
                Promise.resolve(seenInKafka),
            );
        } finally {
            await consumer.disconnect();
        }
        expect(canal).toMatchObject({
            database: schema,
            table,
            type: "INSERT",
            isDdl: false,
            pkNames: ["id"],
            data: [{ id: String(marker.id), customer: marker.customer, amount: marker.amount }],
        });
        timings.push(["marker: TiCDC → Kafka", seenInKafka! - inserted]);

        // The job's print sink writes to its TaskManager's stdout: the container's log.
        const printed = `+I[${marker.id}, ${marker.customer}, ${marker.amount}]`;
        const taskManagers = lab.containers.filter((c) => /-taskmanager-\d+$/.test(c.name));
        const seenInFlink = await poll(
            `"${printed}" in the TaskManagers' logs`,
            90_000,
            async () => {
                for (const tm of taskManagers) {
                    if ((await engine.logs(tm.name)).includes(printed)) return Date.now();
                }
                return undefined;
            },
        );
        timings.push(["marker: Kafka → Flink job output", seenInFlink - seenInKafka!]);
        timings.push(["marker: end to end", seenInFlink - inserted]);

        const report = await getJson<{ violations: unknown[]; unsupported: string[] }>(
            `${ticdcUrl}/_lab/report`,
        );
        expect(report).toEqual({ violations: [], unsupported: [] });
        log(
            `${stack}: marker row end to end in ${seconds(seenInFlink - inserted)} (test ${seconds(Date.now() - t0)})`,
        );
    }, 300_000);

    it("teardown: the providers delete what they made, then nothing of the stack is left", async () => {
        const started = Date.now();
        if (dynamic) {
            const jobs = [...dynamic.created.values()].filter((c) =>
                c.resource.type.endsWith(":SqlJob"),
            );
            await dynamic.destroyAll(log);
            // No job of the stack runs any more.
            const { jobs: running } = await getJson<{ jobs: { name: string; state: string }[] }>(
                `${restUrl}/jobs/overview`,
            );
            for (const job of jobs) {
                expect(
                    running.filter(
                        (j) =>
                            j.name === job.id &&
                            !["FINISHED", "CANCELED", "FAILED"].includes(j.state),
                    ),
                ).toEqual([]);
            }
            // Nor a changefeed, nor a topic.
            const feeds = await getJson<{ items: unknown[] }>(`${ticdcUrl}/api/v2/changefeeds`);
            expect(feeds.items).toEqual([]);
            const admin = new Kafka({
                brokers: [kafkaFromHost],
                logLevel: logLevel.NOTHING,
            }).admin();
            await admin.connect();
            try {
                expect((await admin.listTopics()).filter((t) => !t.startsWith("__"))).toEqual([]);
            } finally {
                await admin.disconnect();
            }
        }
        await lab.down();
        torn = true;
        timings.push(["teardown", Date.now() - started]);
        expect(await lab.leftovers()).toEqual([]);
        // Anonymous volumes (the images' VOLUMEs) went with their containers.
        expect(await allVolumeNames(engine)).toEqual(volumesBefore);
        log(
            `timings (${stack}): ${timings.map(([what, ms]) => `${what} ${seconds(ms)}`).join("; ")}`,
        );
    });
});
