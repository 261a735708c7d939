/**
 * Flink configuration as data. The Docker lab uploads one flat-key `config.yaml` (flat dotted keys
 * are valid standard YAML, read the same by Flink 1.20 and 2.x); Kubernetes hands the operator a
 * `flinkConfiguration` map and lets it own addresses, ports and memory. Pure, golden-tested.
 */
import { stringify } from "yaml";
import type { StackSettings } from "../config";

export type FlinkSettings = StackSettings["flink"];

export const JOBMANAGER_RPC_PORT = 6123;
export const REST_PORT = 8081;
export const SQL_GATEWAY_PORT = 8083;
/** Where the lab's shared data volume is mounted (checkpoints, savepoints, HA metadata). */
export const DATA_DIR = "/flink-data";

/**
 * The JDK 17 module flags of the distribution's default config.yaml. An uploaded config.yaml
 * replaces that file, so it must restate them or Flink's reflection (Kryo, netty) fails at runtime.
 */
export const JDK17_JAVA_OPTS = [
    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
    "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.text=ALL-UNNAMED",
    "--add-opens=java.base/java.time=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
].join(" ");

/** The official image for a version; the unsuffixed 1.20 tags are Java 11, hence `-java17`. */
export function flinkImage(version: string, override?: string): string {
    return override ?? `flink:${version}-java17`;
}

export type FlinkConfigValue = string | number | boolean;
export type FlinkConfig = Record<string, FlinkConfigValue>;

/** The state base URI of the managed clusters: the shared data volume (Docker) or claim (Kubernetes). */
export const STATE_BASE_URI = `file://${DATA_DIR}`;

/** Where stop-with-savepoint writes on the managed clusters (the FlinkSqlJob provider uses it). */
export const SAVEPOINT_DIR = `${STATE_BASE_URI}/savepoints`;

/** Checkpoint and savepoint locations under a state base URI such as `file:///flink-data`. */
export function stateConfig(stateBaseUri: string): FlinkConfig {
    return {
        // The 1.20+/2.x names; the state.* names are deprecated fallbacks.
        "execution.checkpointing.dir": `${stateBaseUri}/checkpoints`,
        "execution.checkpointing.savepoint-dir": `${stateBaseUri}/savepoints`,
    };
}

export interface ZooKeeperHa {
    /** `host:port,host:port` as reachable from the Flink processes. */
    quorum: string;
    /** Durable storage shared by every JobManager (job graphs, checkpoint metadata). */
    storageDir: string;
    /** One znode per cluster under /flink, so stacks sharing an ensemble stay apart. */
    clusterId: string;
}

/** ZooKeeper HA settings; the quorum must have been handed to the Flink cluster. */
function zookeeperHaFor(
    quorum: string | undefined,
    storageDir: string,
    clusterId: string,
): FlinkConfig {
    if (!quorum) {
        throw new Error(
            'flink.highAvailability is "zookeeper" but no ZooKeeper quorum was passed to the Flink cluster (zookeeperQuorum)',
        );
    }
    return zookeeperHaConfig({ quorum, storageDir, clusterId });
}

export function zookeeperHaConfig(ha: ZooKeeperHa): FlinkConfig {
    return {
        "high-availability.type": "zookeeper",
        "high-availability.zookeeper.quorum": ha.quorum,
        "high-availability.zookeeper.path.root": "/flink",
        "high-availability.cluster-id": ha.clusterId.startsWith("/")
            ? ha.clusterId
            : `/${ha.clusterId}`,
        "high-availability.storageDir": ha.storageDir,
    };
}

export interface DockerConfigOptions {
    settings: FlinkSettings;
    /** This JobManager's own network alias (standby JobManagers each advertise their own). */
    jobManagerHost: string;
    /** The SQL gateway's network alias: the address it advertises to clients. */
    sqlGatewayHost: string;
    /** Stack name prefix: the ZooKeeper HA cluster id. */
    prefix: string;
    /** In-network ZooKeeper quorum; required when settings.highAvailability is "zookeeper". */
    zookeeperQuorum?: string;
}

/** The lab's config: the same keys for JobManager, TaskManagers and the SQL gateway. */
export function dockerFlinkConfig(options: DockerConfigOptions): FlinkConfig {
    const { settings } = options;
    const config: FlinkConfig = {
        "env.java.opts.all": JDK17_JAVA_OPTS,
        "jobmanager.rpc.address": options.jobManagerHost,
        "jobmanager.rpc.port": JOBMANAGER_RPC_PORT,
        // The image patches these to 0.0.0.0 in its own file; ours replaces it, so say it again.
        "jobmanager.bind-host": "0.0.0.0",
        "taskmanager.bind-host": "0.0.0.0",
        "rest.address": options.jobManagerHost,
        "rest.bind-address": "0.0.0.0",
        "rest.port": REST_PORT,
        "jobmanager.memory.process.size": settings.jobManager.memory,
        "taskmanager.memory.process.size": settings.taskManager.memory,
        "taskmanager.numberOfTaskSlots": settings.taskManager.slots,
        // SQL jobs set their own parallelism per statement; 1 always fits in the slots.
        "parallelism.default": 1,
        ...stateConfig(`file://${DATA_DIR}`),
        "sql-gateway.endpoint.rest.address": options.sqlGatewayHost,
        "sql-gateway.endpoint.rest.bind-address": "0.0.0.0",
        "sql-gateway.endpoint.rest.port": SQL_GATEWAY_PORT,
        // The gateway submits to the session cluster at rest.address:rest.port.
        "execution.target": "remote",
    };
    if (settings.highAvailability === "zookeeper") {
        Object.assign(
            config,
            zookeeperHaFor(options.zookeeperQuorum, `file://${DATA_DIR}/ha`, options.prefix),
        );
    } else if (settings.highAvailability === "kubernetes") {
        throw new Error('flink.highAvailability "kubernetes" needs target "kubernetes"');
    }
    return config;
}

/** Render a flat config as `config.yaml`: one `key: value` line per key, sorted, no folding. */
export function renderConfigYaml(config: FlinkConfig): string {
    const sorted = Object.fromEntries(
        Object.keys(config)
            .sort()
            .map((key) => [key, config[key]]),
    );
    // lineWidth 0: the JVM options line must stay one line; the library quotes what YAML needs.
    return stringify(sorted, { lineWidth: 0 });
}

export interface KubernetesConfigOptions {
    settings: FlinkSettings;
    /** State base URI every JobManager and TaskManager pod can reach (the shared data volume). */
    stateBaseUri: string;
    /** Needed only for highAvailability "zookeeper"; cluster id then comes from `clusterId`. */
    zookeeperQuorum?: string;
    clusterId: string;
}

/**
 * `spec.flinkConfiguration` of the FlinkDeployment (string values, sorted). Addresses, ports,
 * memory sizes and the HA cluster id are the operator's: it derives them from the spec.
 */
export function kubernetesFlinkConfiguration(
    options: KubernetesConfigOptions,
): Record<string, string> {
    const { settings } = options;
    const config: FlinkConfig = {
        // The operator adds these for 1.19+ by default; stating them keeps pods working under
        // an operator whose default configuration was replaced.
        "env.java.opts.all": JDK17_JAVA_OPTS,
        "taskmanager.numberOfTaskSlots": settings.taskManager.slots,
        "parallelism.default": 1,
        ...stateConfig(options.stateBaseUri),
    };
    if (settings.highAvailability === "kubernetes") {
        Object.assign(config, {
            "high-availability.type": "kubernetes",
            "high-availability.storageDir": `${options.stateBaseUri}/ha`,
        });
    } else if (settings.highAvailability === "zookeeper") {
        Object.assign(
            config,
            zookeeperHaFor(
                options.zookeeperQuorum,
                `${options.stateBaseUri}/ha`,
                options.clusterId,
            ),
        );
    }
    return Object.fromEntries(
        Object.keys(config)
            .sort()
            .map((key) => [key, String(config[key])]),
    );
}
