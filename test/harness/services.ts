/**
 * Real local services for integration tests, started as JVM processes bound to 127.0.0.1 by
 * scripts/services/services.sh (jars resolved from Maven Central into a cache outside the repo):
 *
 * - `kafka`: Apache Kafka 4.3.1, KRaft (combined broker + controller)
 * - `kafka-zk`: Apache Kafka 3.9.2 in ZooKeeper mode (also starts `zookeeper`)
 * - `zookeeper`: ZooKeeper 3.8.4 (the server bundled with Kafka 3.9.2)
 * - `flink`: Flink 2.2.1 JobManager + TaskManager + SQL Gateway, Kafka SQL connector 5.0.0-2.2
 * - `mariadb`: MariaDB from Debian's mariadb-server (a MySQL-protocol stand-in for TiDB's SQL
 *   port; test root password), installed by apt when missing and running as root
 *
 * `ensureServices` is idempotent (already-running services are reused) and safe to call from
 * several test files at once (the script serialises starts with a lock). Services keep running
 * after the tests; `stopServices` stops them.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export const SERVICES_SCRIPT = path.resolve(__dirname, "../../scripts/services/services.sh");

export type ServiceName = "kafka" | "kafka-zk" | "zookeeper" | "flink" | "mariadb";

export interface KafkaEndpoint {
    /** `host:port` for `bootstrap.servers` / kafkajs `brokers`. */
    bootstrap: string;
    version: string;
    mode: "kraft" | "zookeeper";
    logFile: string;
}

export interface KafkaZkEndpoint extends KafkaEndpoint {
    /** ZooKeeper connect string of this broker, including its chroot. */
    zookeeperConnect: string;
}

export interface ZooKeeperEndpoint {
    connect: string;
    logFile: string;
}

export interface FlinkEndpoint {
    /** JobManager REST, e.g. `http://127.0.0.1:18081` (`/overview`, `/jobs/overview`, ...). */
    restUrl: string;
    /** SQL Gateway REST, e.g. `http://127.0.0.1:18083` (`/v1/sessions`, ...). */
    gatewayUrl: string;
    version: string;
    /** `file://` URI, valid for `POST /jobs/:id/stop` `targetDirectory`. */
    savepointDir: string;
    checkpointDir: string;
    /** Scratch directory for filesystem sinks and the like. */
    dataDir: string;
    logDir: string;
}

export interface MariadbEndpoint {
    host: string;
    port: number;
    user: string;
    /** The test servers' root password (SVC_MARIADB_ROOT_PASSWORD). */
    password: string;
    logFile: string;
}

export interface ServiceEndpoints {
    kafka: KafkaEndpoint;
    "kafka-zk": KafkaZkEndpoint;
    zookeeper: ZooKeeperEndpoint;
    flink: FlinkEndpoint;
    mariadb: MariadbEndpoint;
}

export interface ServicesOptions {
    /** Extra environment for the script, e.g. `{ SVC_KAFKA_PORT: "29092" }` (see scripts/services/README.md). */
    env?: Record<string, string>;
    /** Overall timeout in ms; the first run may download ~256 MB of jars. Default 10 minutes. */
    timeoutMs?: number;
}

async function runScript(args: string[], options: ServicesOptions = {}): Promise<string> {
    try {
        const { stdout } = await execFileAsync("bash", [SERVICES_SCRIPT, ...args], {
            env: { ...process.env, ...options.env },
            timeout: options.timeoutMs ?? 600_000,
            maxBuffer: 16 * 1024 * 1024,
        });
        return stdout;
    } catch (error) {
        const e = error as { stderr?: string; message: string };
        throw new Error(`services.sh ${args.join(" ")} failed: ${e.message}\n${e.stderr ?? ""}`);
    }
}

function parseEnv(stdout: string): Map<string, string> {
    const vars = new Map<string, string>();
    for (const line of stdout.split("\n")) {
        const match = /^(SVC_[A-Z0-9_]+)=(.*)$/.exec(line.trim());
        if (match?.[1] !== undefined && match[2] !== undefined) vars.set(match[1], match[2]);
    }
    return vars;
}

function toEndpoints<N extends ServiceName>(
    names: readonly N[],
    vars: Map<string, string>,
): Pick<ServiceEndpoints, N> {
    const get = (key: string): string => {
        const value = vars.get(key);
        if (value === undefined) throw new Error(`services.sh did not report ${key}`);
        return value;
    };
    const all: { [K in ServiceName]: () => ServiceEndpoints[K] } = {
        kafka: () => ({
            bootstrap: get("SVC_KAFKA_BOOTSTRAP"),
            version: get("SVC_KAFKA_VERSION"),
            mode: "kraft",
            logFile: get("SVC_KAFKA_LOG"),
        }),
        "kafka-zk": () => ({
            bootstrap: get("SVC_KAFKA_ZK_BOOTSTRAP"),
            version: get("SVC_KAFKA_ZK_VERSION"),
            mode: "zookeeper",
            zookeeperConnect: get("SVC_KAFKA_ZK_ZOOKEEPER_CONNECT"),
            logFile: get("SVC_KAFKA_ZK_LOG"),
        }),
        zookeeper: () => ({
            connect: get("SVC_ZOOKEEPER_CONNECT"),
            logFile: get("SVC_ZOOKEEPER_LOG"),
        }),
        flink: () => ({
            restUrl: get("SVC_FLINK_REST_URL"),
            gatewayUrl: get("SVC_FLINK_GATEWAY_URL"),
            version: get("SVC_FLINK_VERSION"),
            savepointDir: get("SVC_FLINK_SAVEPOINT_DIR"),
            checkpointDir: get("SVC_FLINK_CHECKPOINT_DIR"),
            dataDir: get("SVC_FLINK_DATA_DIR"),
            logDir: get("SVC_FLINK_LOG_DIR"),
        }),
        mariadb: () => ({
            host: get("SVC_MARIADB_HOST"),
            port: Number(get("SVC_MARIADB_PORT")),
            user: get("SVC_MARIADB_USER"),
            password: get("SVC_MARIADB_PASSWORD"),
            logFile: get("SVC_MARIADB_LOG"),
        }),
    };
    const result: Partial<ServiceEndpoints> = {};
    for (const name of names) Object.assign(result, { [name]: all[name]() });
    return result as Pick<ServiceEndpoints, N>;
}

/** Starts the named services unless they already run and are ready; resolves with their endpoints. */
export async function ensureServices<N extends ServiceName>(
    names: readonly N[],
    options: ServicesOptions = {},
): Promise<Pick<ServiceEndpoints, N>> {
    const stdout = await runScript(["start", ...names], options);
    return toEndpoints(names, parseEnv(stdout));
}

/** The endpoints the named services use (or would use), without starting anything. */
export async function serviceEndpoints<N extends ServiceName>(
    names: readonly N[],
    options: ServicesOptions = {},
): Promise<Pick<ServiceEndpoints, N>> {
    return toEndpoints(names, parseEnv(await runScript(["env", ...names], options)));
}

/** Stops the named services (no-op for services that are not running). */
export async function stopServices(
    names: readonly ServiceName[],
    options: ServicesOptions = {},
): Promise<void> {
    await runScript(["stop", ...names], options);
}

/**
 * Whether this machine can run the services at all (java and mvn on PATH); resolves with the
 * reason when not, so suites can `describe.skipIf(...)` with a message instead of failing.
 */
export async function servicesUnavailableReason(): Promise<string | undefined> {
    for (const tool of ["java", "mvn", "curl"]) {
        try {
            await execFileAsync("bash", ["-c", `command -v ${tool}`]);
        } catch {
            return `${tool} not found on PATH`;
        }
    }
    return undefined;
}
