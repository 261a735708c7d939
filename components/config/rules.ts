/**
 * Cross-field rules: what the schema cannot say field by field.
 *
 * They read the raw config (defaults applied locally) so they run even when other fields are
 * malformed, and the user sees every problem in one message. Each rule skips values of the wrong
 * type: the schema reports those.
 */
import { replicationPolicy } from "./replication";
import { DOCKER_HOST_PORT_DEFAULTS, FLINK_DEFAULT_VERSION, KAFKA_DEFAULT_VERSION } from "./schema";

export interface SettingsIssue {
    path: string[];
    value: unknown;
    message: string;
}

/** Strimzi 1.2.0 supports exactly these Kafka lines (all KRaft). */
export const STRIMZI_KAFKA_LINES = ["4.2", "4.3"];

/** Flink lines the pinned Flink Kubernetes Operator (1.15) accepts as `flinkVersion`. */
export const FLINK_OPERATOR_LINES = ["1.20", "2.0", "2.1", "2.2"];

/** The Kafka connector lines published for Flink (see settings.ts for the jars themselves). */
const FLINK_MINORS_WITH_KNOWN_CONNECTOR = ["2.0", "2.2"];

type Raw = Record<string, unknown>;

function section(raw: unknown, key: string): Raw {
    const value = raw !== null && typeof raw === "object" ? (raw as Raw)[key] : undefined;
    return value !== null && typeof value === "object" && !Array.isArray(value)
        ? (value as Raw)
        : {};
}

function str(value: unknown, fallback: string): string {
    return typeof value === "string" ? value : fallback;
}

function int(value: unknown, fallback: number): number {
    return typeof value === "number" && Number.isInteger(value) ? value : fallback;
}

const MANAGED_FIELDS: Record<string, string[]> = {
    tidb: ["version", "pd", "tikv", "tidb", "ticdc"],
    kafka: ["mode", "version", "brokers", "zookeeper", "messageMaxBytes", "autoCreateTopics"],
    flink: [
        "version",
        "jobManager",
        "taskManager",
        "sqlGateway",
        "connectors",
        "highAvailability",
        "mavenRepository",
        "state",
    ],
};

/** Which secret config keys are set (their values are never read here). */
export interface SecretPresence {
    tidbRootPassword: boolean;
}

export function crossFieldIssues(raw: unknown, secrets: SecretPresence): SettingsIssue[] {
    const issues: SettingsIssue[] = [];
    const add = (path: string, value: unknown, message: string) =>
        issues.push({ path: path.split("."), value, message });

    const target = section({ root: raw }, "root").target;
    const tidb = section(raw, "tidb");
    const kafka = section(raw, "kafka");
    const flink = section(raw, "flink");
    const replication = section(raw, "replication");
    const docker = section(raw, "docker");

    // external vs managed: one or the other, never a mix that would silently be ignored.
    for (const [name, component] of Object.entries({ tidb, kafka, flink })) {
        if (component.external === undefined) continue;
        for (const field of MANAGED_FIELDS[name]!) {
            if (component[field] !== undefined) {
                add(
                    `${name}.${field}`,
                    component[field],
                    `${name}.external is set, so ${name} is not provisioned and this field would be ignored; remove it, or remove ${name}.external to provision ${name}`,
                );
            }
        }
    }

    // Kafka: mode vs version vs target.
    const kafkaManaged = kafka.external === undefined;
    const mode = str(kafka.mode, "kraft");
    const kafkaVersion = str(
        kafka.version,
        KAFKA_DEFAULT_VERSION[mode === "zookeeper" ? "zookeeper" : "kraft"],
    );
    if (kafkaManaged && mode === "zookeeper" && !kafkaVersion.startsWith("3.9.")) {
        add(
            "kafka.version",
            kafka.version,
            `Kafka ${kafkaVersion} has no ZooKeeper mode (4.x is KRaft-only); use a 3.9.x version such as "${KAFKA_DEFAULT_VERSION.zookeeper}", or kafka.mode: kraft`,
        );
    }
    if (kafkaManaged && target === "kubernetes") {
        if (mode === "zookeeper") {
            add(
                "kafka.mode",
                kafka.mode,
                'Strimzi (the Kubernetes operator) runs KRaft only since 0.46; use kafka.mode: kraft on target "kubernetes", or kafka.external for an existing ZooKeeper-mode cluster',
            );
        } else if (!STRIMZI_KAFKA_LINES.some((line) => kafkaVersion.startsWith(`${line}.`))) {
            add(
                "kafka.version",
                kafka.version,
                `Strimzi 1.2 supports Kafka ${STRIMZI_KAFKA_LINES.map((l) => `${l}.x`).join(" and ")} only; use e.g. "${KAFKA_DEFAULT_VERSION.kraft}"`,
            );
        }
    }
    if (kafkaManaged && mode === "kraft" && kafka.zookeeper !== undefined) {
        add(
            "kafka.zookeeper",
            kafka.zookeeper,
            "ZooKeeper settings apply to kafka.mode: zookeeper only; remove them or set the mode",
        );
    }
    const brokers = int(section(kafka, "brokers").replicas, 1);
    const zookeeperReplicas = int(section(kafka, "zookeeper").replicas, 1);
    if (kafkaManaged && mode === "zookeeper" && zookeeperReplicas % 2 === 0) {
        add(
            "kafka.zookeeper.replicas",
            zookeeperReplicas,
            "a ZooKeeper ensemble needs an odd size (1, 3, 5) to keep a majority",
        );
    }

    // TiDB: Raft quorum sizes.
    const pdReplicas = section(tidb, "pd").replicas;
    if (tidb.external === undefined && typeof pdReplicas === "number" && pdReplicas % 2 === 0) {
        add("tidb.pd.replicas", pdReplicas, "PD is a Raft group and needs an odd size (1, 3, 5)");
    }

    if (target === "kubernetes" && tidb.external === undefined && !secrets.tidbRootPassword) {
        add(
            "tidbRootPassword",
            undefined,
            "a managed TiDB on Kubernetes needs a root password: pulumi config set --secret tidbRootPassword <password>",
        );
    }

    // Render mode writes Kubernetes manifests: it needs the kubernetes target, and something to render.
    const render = section(raw, "kubernetes").renderYamlToDirectory;
    if (render !== undefined && target !== "kubernetes") {
        add(
            "kubernetes.renderYamlToDirectory",
            render,
            'renders Kubernetes manifests, so it needs target "kubernetes"; remove it, or set target: kubernetes',
        );
    } else if (
        render !== undefined &&
        tidb.external !== undefined &&
        kafka.external !== undefined &&
        flink.external !== undefined
    ) {
        add(
            "kubernetes.renderYamlToDirectory",
            render,
            "tidb, kafka and flink are all external, so there is no Kubernetes object to render; remove it, or provision one of them",
        );
    }

    // Teardown: a stack whose storage is protected never forgets what it cannot reach.
    const forgetUnreachable = section(raw, "teardown").forgetUnreachable;
    const rawProtect = section({ root: raw }, "root").protectStorage;
    const protect = typeof rawProtect === "boolean" ? rawProtect : target === "kubernetes";
    if (forgetUnreachable === true && protect) {
        add(
            "teardown.forgetUnreachable",
            forgetUnreachable,
            `would drop topics, changefeeds and Flink SQL jobs from the state whenever their service does not answer on delete, but this stack protects its storage (protectStorage${typeof rawProtect === "boolean" ? "" : ", the default on kubernetes"}), and there an unanswered call is more often a missing port-forward than a deleted cluster; remove it and drop what is really gone with pulumi state delete <urn>, or set protectStorage: false for a disposable stack`,
        );
    }

    // Replication vs Kafka.
    const rf = replication.topicReplicationFactor;
    if (kafkaManaged && typeof rf === "number" && rf > brokers) {
        add(
            "replication.topicReplicationFactor",
            rf,
            `cannot exceed the number of Kafka brokers (kafka.brokers.replicas = ${brokers})`,
        );
    }
    // TiCDC writes with acks=all and checks that the replication factor meets min.insync.replicas.
    const minInsync = replicationPolicy(brokers).minInsyncReplicas;
    if (kafkaManaged && typeof rf === "number" && rf < minInsync) {
        add(
            "replication.topicReplicationFactor",
            rf,
            `must be at least the brokers' min.insync.replicas (${minInsync} with ${brokers} brokers), or TiCDC cannot write with acks=all`,
        );
    }

    // Flink: connector availability and HA.
    const flinkManaged = flink.external === undefined;
    const flinkVersion = str(flink.version, FLINK_DEFAULT_VERSION);
    const minor = flinkVersion.split(".").slice(0, 2).join(".");
    if (
        flinkManaged &&
        flink.connectors === undefined &&
        /^\d+\.\d+$/.test(minor) &&
        !FLINK_MINORS_WITH_KNOWN_CONNECTOR.includes(minor)
    ) {
        add(
            "flink.version",
            flink.version,
            `no Kafka SQL connector release is pinned for Flink ${minor}; use Flink ${FLINK_MINORS_WITH_KNOWN_CONNECTOR.map((m) => `${m}.x`).join(" or ")}, or list the jar in flink.connectors (groupId, artifactId, version, sha256)`,
        );
    }
    if (
        flinkManaged &&
        target === "kubernetes" &&
        /^\d+\.\d+$/.test(minor) &&
        !FLINK_OPERATOR_LINES.includes(minor)
    ) {
        add(
            "flink.version",
            flink.version,
            `the Flink Kubernetes Operator pinned here runs Flink ${FLINK_OPERATOR_LINES.join(", ")} only; use one of those lines on target "kubernetes"`,
        );
    }
    const gatewayReplicas = section(flink, "sqlGateway").replicas;
    if (
        flinkManaged &&
        target === "docker" &&
        typeof gatewayReplicas === "number" &&
        gatewayReplicas > 1
    ) {
        add(
            "flink.sqlGateway.replicas",
            gatewayReplicas,
            'the Docker lab runs one SQL gateway on one published port; use 1, or target "kubernetes"',
        );
    }
    const ha = str(flink.highAvailability, "none");
    if (flinkManaged && ha === "zookeeper" && !(kafkaManaged && mode === "zookeeper")) {
        add(
            "flink.highAvailability",
            ha,
            'ZooKeeper HA needs the ZooKeeper of a managed kafka.mode: zookeeper cluster; use "kubernetes" on Kubernetes or "none"',
        );
    }
    if (flinkManaged && ha === "kubernetes" && target !== "kubernetes") {
        add(
            "flink.highAvailability",
            ha,
            'Kubernetes HA needs target "kubernetes"; use "zookeeper" or "none" on docker',
        );
    }
    const jobManagerReplicas = section(flink, "jobManager").replicas;
    if (
        flinkManaged &&
        typeof jobManagerReplicas === "number" &&
        jobManagerReplicas > 1 &&
        ha === "none"
    ) {
        add(
            "flink.jobManager.replicas",
            jobManagerReplicas,
            "standby JobManagers need flink.highAvailability (zookeeper or kubernetes)",
        );
    }

    // Replication and Flink SQL: names and references that must line up.
    const tables = Array.isArray(replication.tables) ? (replication.tables as unknown[]) : [];
    tables.forEach((table, i) => {
        if (typeof table === "string" && table.endsWith(".*") && kafka.autoCreateTopics !== true) {
            add(
                `replication.tables.${i}`,
                table,
                "a wildcard's topics cannot be created ahead of TiCDC; list the tables, or set kafka.autoCreateTopics: true",
            );
        }
    });
    const sql = section(raw, "flinkSql");
    const sqlTables = Array.isArray(sql.tables) ? (sql.tables as unknown[]) : [];
    const tableNames = new Set<string>();
    sqlTables.forEach((table, i) => {
        const t = table !== null && typeof table === "object" ? (table as Raw) : {};
        if (typeof t.name === "string") {
            if (tableNames.has(t.name)) {
                add(
                    `flinkSql.tables.${i}.name`,
                    t.name,
                    "is declared twice; table names must be unique",
                );
            }
            tableNames.add(t.name);
        }
        if (typeof t.from === "string" && !tables.includes(t.from)) {
            add(
                `flinkSql.tables.${i}.from`,
                t.from,
                `is not a replicated table; add it to replication.tables (now ${JSON.stringify(tables)})`,
            );
        }
        const options =
            t.options !== null && typeof t.options === "object" ? (t.options as Raw) : {};
        if (t.from === undefined && typeof options.connector !== "string") {
            add(
                `flinkSql.tables.${i}.options`,
                t.options,
                'a table without "from" needs its connector options, e.g. { connector: "print" }',
            );
        }
        const columns = Array.isArray(t.columns) ? (t.columns as Raw[]) : [];
        const columnNames = columns.map((c) => c?.name);
        const primaryKey = Array.isArray(t.primaryKey) ? (t.primaryKey as unknown[]) : [];
        primaryKey.forEach((key, k) => {
            if (!columnNames.includes(key)) {
                add(
                    `flinkSql.tables.${i}.primaryKey.${k}`,
                    key,
                    "is not one of the table's columns",
                );
            }
        });
    });
    const jobs = Array.isArray(sql.jobs) ? (sql.jobs as unknown[]) : [];
    const jobNames = new Set<string>();
    jobs.forEach((job, i) => {
        const name = job !== null && typeof job === "object" ? (job as Raw).name : undefined;
        if (typeof name !== "string") return;
        if (jobNames.has(name))
            add(`flinkSql.jobs.${i}.name`, name, "is declared twice; job names must be unique");
        jobNames.add(name);
    });
    if (
        jobs.length > 0 &&
        flink.external !== undefined &&
        section(flink, "external").savepointDir === undefined
    ) {
        add(
            "flink.external.savepointDir",
            undefined,
            "Flink SQL jobs are stopped with a savepoint on every change; name where the external cluster writes them",
        );
    }

    // Docker: every published port distinct, defaults included. Kafka brokers publish a range
    // (kafka, kafka+1, ...), so each broker's port counts.
    const hostPorts: Raw = { ...DOCKER_HOST_PORT_DEFAULTS, ...section(docker, "hostPorts") };
    const seen = new Map<number, string>();
    const kafkaBase = hostPorts.kafka;
    if (kafkaManaged && typeof kafkaBase === "number") {
        for (let i = 1; i < brokers; i++) seen.set(kafkaBase + i, `kafka (broker ${i})`);
    }
    for (const [name, value] of Object.entries(hostPorts)) {
        if (typeof value !== "number") continue;
        const other = seen.get(value);
        if (other !== undefined) {
            add(
                `docker.hostPorts.${name}`,
                value,
                `is already used by docker.hostPorts.${other}; each published port must be distinct`,
            );
        }
        seen.set(value, name);
    }

    return issues;
}
