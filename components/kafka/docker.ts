/**
 * The Docker lab's Kafka (and, in ZooKeeper mode, its ensemble) as plain ContainerSpecs.
 *
 * Every container gets an uploaded config file and an explicit command (images.md §5.4). The
 * only env vars are ones the images never turn into properties: CLUSTER_ID and KAFKA_HEAP_OPTS
 * for Kafka, ZOO_MY_ID and JVMFLAGS for ZooKeeper; a single property-bearing `KAFKA_*` var would
 * make the image drop its defaults (images.md §2.3).
 */
import type { ContainerSpec, DockerTarget, HealthcheckSpec } from "../platform";
import {
    brokerHostPort,
    KAFKA_INTERNAL_PORT,
    KAFKA_LOG_DIR,
    kafkaClusterId,
    kafkaHost,
    type KafkaSettings,
    kraftServerProperties,
    ZOOKEEPER_CLIENT_PORT,
    zookeeperHost,
    zookeeperModeServerProperties,
    zooCfg,
} from "./properties";

/** Any path readable by the image's user works; this one is outside the image's own config. */
export const KAFKA_CONFIG_PATH = "/etc/kafka/lab/server.properties";
/** The zookeeper image generates this file from env only when it is missing (images.md §1.3). */
export const ZOO_CFG_PATH = "/conf/zoo.cfg";
/** /opt/kafka/bin is not on the image's PATH. */
const KAFKA_BIN = "/opt/kafka/bin";

/** What the Kafka specs need of the Docker target: no network, so they stay plain data. */
export type DockerKafkaTarget = Pick<DockerTarget, "hostPorts" | "images">;

export interface KafkaDockerPlan {
    /** ZooKeeper servers first, then brokers: the order renderContainers needs for dependsOn. */
    containers: ContainerSpec[];
    /** Logical volume names (renderVolumes prefixes them). */
    volumes: string[];
}

export function kafkaImage(settings: KafkaSettings, images: DockerKafkaTarget["images"]): string {
    return images.kafka ?? `apache/kafka:${settings.version}`;
}

export function zookeeperImage(
    settings: KafkaSettings,
    images: DockerKafkaTarget["images"],
): string {
    return images.zookeeper ?? `zookeeper:${settings.zookeeper.version}`;
}

export function kafkaDockerPlan(
    prefix: string,
    settings: KafkaSettings,
    target: DockerKafkaTarget,
): KafkaDockerPlan {
    const zookeeper =
        settings.mode === "zookeeper" ? zookeeperContainers(prefix, settings, target) : [];
    const kafka = kafkaContainers(
        prefix,
        settings,
        target,
        zookeeper.map((spec) => spec.name),
    );
    const containers = [...zookeeper, ...kafka];
    const volumes = containers.flatMap((spec) => (spec.volumes ?? []).map((v) => v.volume));
    return { containers, volumes };
}

export function zookeeperContainers(
    prefix: string,
    settings: KafkaSettings,
    target: DockerKafkaTarget,
): ContainerSpec[] {
    const servers = settings.zookeeper.replicas;
    const config = zooCfg(servers);
    return Array.from({ length: servers }, (_, i) => ({
        name: `${prefix}-zookeeper-${i}`,
        image: zookeeperImage(settings, target.images),
        hostname: zookeeperHost(i),
        // Entrypoint and CMD stay the image's: it chowns the data dirs, writes myid, drops root.
        env: { JVMFLAGS: "-Xmx512m", ZOO_MY_ID: String(i + 1) },
        // One published client port is enough for host tools; the ensemble talks in-network.
        ports:
            i === 0 ? [{ container: ZOOKEEPER_CLIENT_PORT, host: target.hostPorts.zookeeper }] : [],
        // Snapshots and the transaction log both persist: one without the other is corrupt state.
        volumes: [
            { volume: `zookeeper-${i}-data`, containerPath: "/data" },
            { volume: `zookeeper-${i}-datalog`, containerPath: "/datalog" },
        ],
        uploads: [{ path: ZOO_CFG_PATH, content: config }],
        healthcheck: zookeeperHealthcheck(),
    }));
}

/**
 * Shell-only `srvr` probe (images.md §1.5): works in the official image and in look-alikes, needs
 * no whitelist change, and only answers `Mode: …` once the server is serving (in an ensemble:
 * once it has a quorum).
 */
function zookeeperHealthcheck(): HealthcheckSpec {
    return {
        test: [
            "CMD",
            "bash",
            "-c",
            `exec 3<>/dev/tcp/127.0.0.1/${ZOOKEEPER_CLIENT_PORT}; printf srvr >&3; grep -q Mode <&3`,
        ],
        intervalSeconds: 10,
        timeoutSeconds: 5,
        startPeriodSeconds: 20,
        retries: 6,
    };
}

export function kafkaContainers(
    prefix: string,
    settings: KafkaSettings,
    target: DockerKafkaTarget,
    zookeeperContainerNames: string[] = [],
): ContainerSpec[] {
    const kraft = settings.mode === "kraft";
    const hostPortBase = target.hostPorts.kafka;
    return Array.from({ length: settings.brokers.replicas }, (_, index) => {
        const placement = { index, hostPortBase };
        const hostPort = brokerHostPort(hostPortBase, index);
        const env: Record<string, string> = {
            KAFKA_HEAP_OPTS: kafkaHeapOptions(settings.brokers.resources?.memory),
        };
        if (kraft) env.CLUSTER_ID = kafkaClusterId(prefix);
        return {
            name: `${prefix}-kafka-${index}`,
            image: kafkaImage(settings, target.images),
            hostname: kafkaHost(index),
            command: kraft ? kraftCommand() : zookeeperModeCommand(),
            env,
            // HOST listens on the same port inside as outside, so one number names the broker.
            ports: [{ container: hostPort, host: hostPort }],
            volumes: [{ volume: `kafka-${index}-data`, containerPath: KAFKA_LOG_DIR }],
            uploads: [
                {
                    path: KAFKA_CONFIG_PATH,
                    content: kraft
                        ? kraftServerProperties(settings, placement)
                        : zookeeperModeServerProperties(settings, placement),
                },
            ],
            healthcheck: kafkaHealthcheck(),
            // Brokers never wait for each other: a KRaft node only turns healthy once a quorum
            // of its peers runs, so ordering them would deadlock.
            dependsOn: zookeeperContainerNames,
        };
    });
}

/**
 * Format the log dir (a no-op once formatted) and replace the shell with the broker, so it is
 * PID 1 and gets Docker's stop signal. The image's own `run` script is bypassed on purpose.
 */
function kraftCommand(): string[] {
    return [
        "bash",
        "-c",
        `${KAFKA_BIN}/kafka-storage.sh format -t "$CLUSTER_ID" -c ${KAFKA_CONFIG_PATH} --ignore-formatted` +
            ` && exec ${KAFKA_BIN}/kafka-server-start.sh ${KAFKA_CONFIG_PATH}`,
    ];
}

/** ZooKeeper mode has no format step; the image's `run` would attempt one and fail (images.md §2.6). */
function zookeeperModeCommand(): string[] {
    return [`${KAFKA_BIN}/kafka-server-start.sh`, KAFKA_CONFIG_PATH];
}

/**
 * An ApiVersions round trip rather than an open-port probe: dependants (TiCDC changefeeds, topic
 * creation) need a broker that serves requests, and the port opens before the broker has joined
 * the quorum. It costs a short JVM per check, hence the small heap and the 15 s interval.
 */
function kafkaHealthcheck(): HealthcheckSpec {
    return {
        test: [
            "CMD-SHELL",
            `KAFKA_HEAP_OPTS=-Xmx128m ${KAFKA_BIN}/kafka-broker-api-versions.sh --bootstrap-server 127.0.0.1:${KAFKA_INTERNAL_PORT} > /dev/null`,
        ],
        intervalSeconds: 15,
        timeoutSeconds: 10,
        startPeriodSeconds: 30,
        retries: 8,
    };
}

const DEFAULT_HEAP_OPTIONS = "-Xms512m -Xmx1g";
const BYTES_PER_UNIT: Record<string, number> = {
    "": 1,
    k: 1e3,
    Ki: 2 ** 10,
    M: 1e6,
    Mi: 2 ** 20,
    G: 1e9,
    Gi: 2 ** 30,
    T: 1e12,
    Ti: 2 ** 40,
};

/**
 * Heap for a broker: half of brokers.resources.memory when given (the page cache wants the
 * rest), at least 256 MiB; otherwise a lab-sized default.
 */
export function kafkaHeapOptions(memory: string | undefined): string {
    if (memory === undefined) return DEFAULT_HEAP_OPTIONS;
    const match = /^([0-9]+(?:\.[0-9]+)?)([a-zA-Z]*)$/.exec(memory);
    const perUnit = match ? BYTES_PER_UNIT[match[2]!] : undefined;
    if (!match || perUnit === undefined) {
        throw new Error(`kafka.brokers.resources.memory "${memory}" is not a memory quantity`);
    }
    const heapMiB = Math.max(256, Math.floor((Number(match[1]) * perUnit) / 2 ** 20 / 2));
    return `-Xms${Math.min(512, heapMiB)}m -Xmx${heapMiB}m`;
}
