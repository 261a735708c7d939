/**
 * Pure renderers of the Kafka and ZooKeeper config files of the Docker lab (`server.properties`,
 * `zoo.cfg`), plus the broker policy TiCDC depends on, which the Strimzi `Kafka` reuses.
 *
 * Files are explicit and complete (images.md §5.4): no `KAFKA_*` env merging, no entrypoint
 * rewriting, so what is rendered here is exactly what runs, and golden tests can pin it.
 */
import { createHash } from "node:crypto";
import { replicationPolicy, type StackSettings } from "../config";

export type KafkaSettings = StackSettings["kafka"];

/** Listener every client inside the stack network uses (TiCDC, Flink, other brokers). */
export const KAFKA_INTERNAL_PORT = 9092;
/** KRaft controller listener; never published. */
export const KAFKA_CONTROLLER_PORT = 9093;
export const ZOOKEEPER_CLIENT_PORT = 2181;
const ZOOKEEPER_PEER_PORT = 2888;
const ZOOKEEPER_ELECTION_PORT = 3888;
/** The image's declared data volume; its default `log.dirs` is a temp dir (images.md §0.2). */
export const KAFKA_LOG_DIR = "/var/lib/kafka/data";
/** Where every published port listens: loopback only. */
const LOOPBACK = "127.0.0.1";

export type PropertyValue = string | number | boolean;
export type Properties = Record<string, PropertyValue>;

/** In-network host name (and alias) of broker `index`. */
export function kafkaHost(index: number): string {
    return `kafka-${index}`;
}

/** In-network host name (and alias) of ZooKeeper server `index` (0-based; its myid is index+1). */
export function zookeeperHost(index: number): string {
    return `zookeeper-${index}`;
}

/** `kafka-0:9092,kafka-1:9092,…`: what TiCDC and Flink use inside the stack network. */
export function internalBootstrapServers(brokers: number): string {
    return range(brokers)
        .map((i) => `${kafkaHost(i)}:${KAFKA_INTERNAL_PORT}`)
        .join(",");
}

/** `zookeeper-0:2181,…`: the ensemble as brokers (and Flink HA) reach it. */
export function zookeeperConnectString(servers: number): string {
    return range(servers)
        .map((i) => `${zookeeperHost(i)}:${ZOOKEEPER_CLIENT_PORT}`)
        .join(",");
}

/**
 * The managed ensemble for other services (Flink ZooKeeper HA): only a ZooKeeper-mode cluster
 * has one, and it is reachable in the stack network only.
 */
export function zookeeperQuorum(settings: KafkaSettings): string {
    if (settings.mode !== "zookeeper") {
        throw new Error("only kafka.mode: zookeeper runs a ZooKeeper ensemble");
    }
    return zookeeperConnectString(settings.zookeeper.replicas);
}

/** Host port of broker `index`: brokers publish a range starting at the configured port. */
export function brokerHostPort(hostPortBase: number, index: number): number {
    return hostPortBase + index;
}

/** `127.0.0.1:29092,127.0.0.1:29093,…`: what tools on the Docker host use. */
export function hostBootstrapServers(brokers: number, hostPortBase: number): string {
    return range(brokers)
        .map((i) => `${LOOPBACK}:${brokerHostPort(hostPortBase, i)}`)
        .join(",");
}

/**
 * Broker settings TiCDC relies on, shared by the lab files and the Strimzi `Kafka` config:
 * message size limits (TiCDC sizes its producer from them), no auto-created topics (topics come
 * from IaC), and internal-topic replication that the broker count can satisfy.
 */
export function brokerPolicy(settings: KafkaSettings): Properties {
    const { replicationFactor, minInsyncReplicas } = replicationPolicy(settings.brokers.replicas);
    const policy: Properties = {
        "auto.create.topics.enable": settings.autoCreateTopics,
        "default.replication.factor": replicationFactor,
        "message.max.bytes": settings.messageMaxBytes,
        "min.insync.replicas": minInsyncReplicas,
        "offsets.topic.replication.factor": replicationFactor,
        // Followers must be able to fetch the largest batch a producer may write.
        "replica.fetch.max.bytes": settings.messageMaxBytes,
        "transaction.state.log.min.isr": minInsyncReplicas,
        "transaction.state.log.replication.factor": replicationFactor,
    };
    if (hasShareGroups(settings.version)) {
        policy["share.coordinator.state.topic.min.isr"] = minInsyncReplicas;
        policy["share.coordinator.state.topic.replication.factor"] = replicationFactor;
    }
    return sortedByKey(policy);
}

/** The share-coordinator keys exist from Kafka 4.1; older brokers only warn about them. */
function hasShareGroups(version: string): boolean {
    const [major = 0, minor = 0] = version.split(".").map(Number);
    return major > 4 || (major === 4 && minor >= 1);
}

/** Lab-only tuning: a consumer group in a one-person lab should not wait 3 s to rebalance. */
const LAB_TUNING: Properties = { "group.initial.rebalance.delay.ms": 0 };

export interface BrokerPlacement {
    /** Broker index: node.id / broker.id and the `kafka-<index>` alias. */
    index: number;
    /** docker.hostPorts.kafka; this broker publishes base + index. */
    hostPortBase: number;
}

/** Listeners shared by both modes: INTERNAL for the network, HOST for the published port. */
function clientListeners({ index, hostPortBase }: BrokerPlacement): {
    listeners: string[];
    advertised: string[];
} {
    const hostPort = brokerHostPort(hostPortBase, index);
    return {
        listeners: [`INTERNAL://0.0.0.0:${KAFKA_INTERNAL_PORT}`, `HOST://0.0.0.0:${hostPort}`],
        advertised: [
            `INTERNAL://${kafkaHost(index)}:${KAFKA_INTERNAL_PORT}`,
            `HOST://${LOOPBACK}:${hostPort}`,
        ],
    };
}

/**
 * `server.properties` of a KRaft node that is broker and controller at once. The quorum is static
 * (`controller.quorum.voters`): it needs no `--standalone`/`--initial-controllers` at format time
 * and is what the apache/kafka image supports (images.md §2.2).
 */
export function kraftServerProperties(settings: KafkaSettings, placement: BrokerPlacement): string {
    const { listeners, advertised } = clientListeners(placement);
    const voters = range(settings.brokers.replicas)
        .map((i) => `${i}@${kafkaHost(i)}:${KAFKA_CONTROLLER_PORT}`)
        .join(",");
    return renderProperties({
        ...brokerPolicy(settings),
        ...LAB_TUNING,
        "advertised.listeners": advertised.join(","),
        "controller.listener.names": "CONTROLLER",
        "controller.quorum.voters": voters,
        "inter.broker.listener.name": "INTERNAL",
        listeners: [...listeners, `CONTROLLER://0.0.0.0:${KAFKA_CONTROLLER_PORT}`].join(","),
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,HOST:PLAINTEXT,INTERNAL:PLAINTEXT",
        "log.dirs": KAFKA_LOG_DIR,
        "node.id": placement.index,
        "process.roles": "broker,controller",
    });
}

/** `server.properties` of a ZooKeeper-mode broker (Kafka 3.9, the last line that has the mode). */
export function zookeeperModeServerProperties(
    settings: KafkaSettings,
    placement: BrokerPlacement,
): string {
    const { listeners, advertised } = clientListeners(placement);
    return renderProperties({
        ...brokerPolicy(settings),
        ...LAB_TUNING,
        "advertised.listeners": advertised.join(","),
        "broker.id": placement.index,
        "inter.broker.listener.name": "INTERNAL",
        listeners: listeners.join(","),
        "listener.security.protocol.map": "HOST:PLAINTEXT,INTERNAL:PLAINTEXT",
        "log.dirs": KAFKA_LOG_DIR,
        "zookeeper.connect": zookeeperConnectString(settings.zookeeper.replicas),
        "zookeeper.connection.timeout.ms": 18000,
    });
}

/**
 * `zoo.cfg` for an ensemble of `servers` nodes (the same file on every node; each knows its id
 * from /data/myid). One `server.1` line still runs standalone, so 1..N share one shape.
 */
export function zooCfg(servers: number): string {
    const members: Properties = {};
    for (const i of range(servers)) {
        members[`server.${i + 1}`] =
            `${zookeeperHost(i)}:${ZOOKEEPER_PEER_PORT}:${ZOOKEEPER_ELECTION_PORT};${ZOOKEEPER_CLIENT_PORT}`;
    }
    return renderProperties({
        ...members,
        // `srvr` backs the health check; `ruok` and `mntr` are for people and monitoring.
        "4lw.commands.whitelist": "srvr,ruok,mntr",
        // The AdminServer would claim 8080 and is not needed.
        "admin.enableServer": false,
        "autopurge.purgeInterval": 24,
        "autopurge.snapRetainCount": 3,
        clientPort: ZOOKEEPER_CLIENT_PORT,
        dataDir: "/data",
        dataLogDir: "/datalog",
        initLimit: 5,
        maxClientCnxns: 60,
        // Bind peer ports on every interface, whatever the own alias resolves to.
        quorumListenOnAllIPs: true,
        syncLimit: 2,
        tickTime: 2000,
    });
}

/**
 * The KRaft cluster id: 16 bytes as unpadded base64url (22 characters), derived from the prefix
 * so every `pulumi up` renders the same id; a changed id would make formatted brokers refuse to
 * start. Like Kafka's own generator it never starts with "-", which a CLI would take for a flag.
 */
export function kafkaClusterId(prefix: string): string {
    for (let attempt = 0; ; attempt++) {
        const id = createHash("sha256")
            .update(`tidb-cdc-pipeline/kafka/${prefix}/${attempt}`)
            .digest()
            .subarray(0, 16)
            .toString("base64url");
        if (!id.startsWith("-")) return id;
    }
}

const HEADER =
    "# Rendered by tidb-cdc-pipeline (components/kafka): change the stack config instead.";

/** `key=value` lines sorted by key, so the text (and the container's diff) is stable. */
export function renderProperties(properties: Properties): string {
    const lines = Object.keys(properties)
        .sort()
        .map((key) => `${key}=${String(properties[key])}`);
    return [HEADER, ...lines, ""].join("\n");
}

function sortedByKey(properties: Properties): Properties {
    return Object.fromEntries(
        Object.keys(properties)
            .sort()
            .map((k) => [k, properties[k]!]),
    );
}

function range(n: number): number[] {
    return Array.from({ length: n }, (_, i) => i);
}
