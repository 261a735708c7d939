/**
 * The Docker lab's Flink session cluster as plain ContainerSpecs: JobManager(s), TaskManagers and
 * the SQL gateway on the official `flink` image, with our own config.yaml and the entrypoint
 * bypassed (images.md §3.9), so nothing rewrites the config and every process starts the same way
 * on 1.20 and 2.x images.
 */
import type { StackSettings } from "../config";
import type { ContainerSpec, HealthcheckSpec } from "../platform";
import {
    DATA_DIR,
    dockerFlinkConfig,
    flinkImage,
    type FlinkSettings,
    REST_PORT,
    renderConfigYaml,
    SQL_GATEWAY_PORT,
} from "./config";
import { copyJarsScript, fetchJarsScript, shellQuote } from "./jars";

/** Logical volume names (the platform renderer creates `<prefix>-<name>`). */
export const FLINK_DATA_VOLUME = "flink-data";
export const FLINK_JARS_VOLUME = "flink-jars";

export const CONFIG_PATH = "/opt/flink/conf/config.yaml";
export const FLINK_LIB_DIR = "/opt/flink/lib";
/** The shared jar cache: each connector is downloaded once per stack, not once per container. */
export const JAR_CACHE_DIR = "/flink-jars";
/** uid/gid of the `flink` user in every official image (1.20 through 2.3). */
export const FLINK_UID = 9999;

export interface DockerFlinkOptions {
    prefix: string;
    settings: FlinkSettings;
    hostPorts: Pick<StackSettings["docker"]["hostPorts"], "flinkRest" | "sqlGateway">;
    images: Pick<StackSettings["docker"]["images"], "flink">;
    /** In-network ZooKeeper quorum (e.g. `zookeeper-0:2181`), for highAvailability "zookeeper". */
    zookeeperQuorum?: string;
}

export interface DockerFlinkSpecs {
    /** In start order: JobManagers, TaskManagers, SQL gateway. */
    containers: ContainerSpec[];
    jobManager: ContainerSpec;
    sqlGateway: ContainerSpec;
    /** Holds checkpoints, savepoints and HA metadata: the one volume worth protecting. */
    dataVolume: string;
    /** Connector download cache; disposable. */
    jarCacheVolume: string;
}

/*
 * Hosts are short aliases on the stack's private network (as `kafka-0`, `zookeeper-0`); container
 * names carry the prefix, so several stacks can share one Docker host.
 */
export function jobManagerHost(index = 0): string {
    return index === 0 ? "jobmanager" : `jobmanager-${index}`;
}

export function taskManagerHost(index: number): string {
    return `taskmanager-${index}`;
}

export const SQL_GATEWAY_HOST = "sql-gateway";

/** REST URL of the JobManager inside the stack network (for other containers). */
export const DOCKER_INTERNAL_REST_URL = `http://${jobManagerHost()}:${REST_PORT}`;

function healthcheck(url: string): HealthcheckSpec {
    return {
        test: ["CMD-SHELL", `curl -sf -o /dev/null ${shellQuote(url)} || exit 1`],
        intervalSeconds: 5,
        timeoutSeconds: 5,
        // The first start downloads the connectors before the JVM even starts.
        startPeriodSeconds: 60,
        retries: 24,
    };
}

/**
 * The container's whole command line (run by `bash -c`).
 *
 * User model: the container starts as root (`user: "0:0"`) and drops to uid 9999 for the JVM.
 * Fresh named volumes are root-owned, so the `flink` user could not create the checkpoint
 * directories nor fill the jar cache; images up to 2.1 start as root and 2.2+ as 9999, so naming
 * the user explicitly also makes both behave alike. Root prepares the volumes and /opt/flink/lib,
 * then `chroot --userspec` (coreutils, present in every image; gosu is gone from 2.2+) runs Flink
 * as 9999, as the official entrypoint does. The jars are chmod 644, so the flink user reads them.
 */
export function startScript(
    options: DockerFlinkOptions,
    launcher: string,
    dataDirs: readonly string[],
): string {
    const { settings } = options;
    const uid = `${FLINK_UID}:${FLINK_UID}`;
    const steps = [
        fetchJarsScript({
            repository: settings.mavenRepository,
            artifacts: settings.connectors,
            directory: JAR_CACHE_DIR,
        }),
        copyJarsScript(settings.connectors, JAR_CACHE_DIR, FLINK_LIB_DIR),
    ];
    if (dataDirs.length > 0) {
        const dirs = dataDirs.map(shellQuote).join(" ");
        steps.push(`mkdir -p ${dirs}`, `chown ${uid} ${dirs}`);
    }
    steps.push(`exec chroot --userspec=${uid} --skip-chdir / ${launcher}`);
    return steps.join(" && ");
}

/** The three (or more) containers of the lab session cluster, in dependency order. */
export function dockerFlinkSpecs(options: DockerFlinkOptions): DockerFlinkSpecs {
    const { prefix, settings } = options;
    const image = flinkImage(settings.version, options.images.flink);
    const primary = `${prefix}-${jobManagerHost()}`;
    const configFor = (host: string) =>
        renderConfigYaml(
            dockerFlinkConfig({
                settings,
                jobManagerHost: host,
                sqlGatewayHost: SQL_GATEWAY_HOST,
                prefix,
                zookeeperQuorum: options.zookeeperQuorum,
            }),
        );
    const dataMount = { volume: FLINK_DATA_VOLUME, containerPath: DATA_DIR };
    const jarMount = { volume: FLINK_JARS_VOLUME, containerPath: JAR_CACHE_DIR };
    const dataDirs = [
        DATA_DIR,
        `${DATA_DIR}/checkpoints`,
        `${DATA_DIR}/savepoints`,
        ...(settings.highAvailability === "zookeeper" ? [`${DATA_DIR}/ha`] : []),
    ];
    const common = { image, user: "0:0" };

    const jobManagers: ContainerSpec[] = [];
    for (let i = 0; i < settings.jobManager.replicas; i++) {
        const hostname = jobManagerHost(i);
        jobManagers.push({
            ...common,
            name: `${prefix}-${hostname}`,
            hostname,
            // Standby JobManagers advertise their own address; each gets its own config.
            uploads: [{ path: CONFIG_PATH, content: configFor(hostname) }],
            entrypoint: [
                "bash",
                "-c",
                startScript(options, "/opt/flink/bin/jobmanager.sh start-foreground", dataDirs),
            ],
            volumes: [dataMount, jarMount],
            ports: i === 0 ? [{ container: REST_PORT, host: options.hostPorts.flinkRest }] : [],
            healthcheck: healthcheck(`http://127.0.0.1:${REST_PORT}/overview`),
            dependsOn: i === 0 ? [] : [primary],
        });
    }

    const sharedConfig = configFor(jobManagerHost());
    const taskManagers: ContainerSpec[] = [];
    for (let i = 0; i < settings.taskManager.replicas; i++) {
        const hostname = taskManagerHost(i);
        // A fixed resource id lets the health check ask the JobManager whether this one registered.
        const launcher = `/opt/flink/bin/taskmanager.sh start-foreground ${shellQuote(`-Dtaskmanager.resource-id=${hostname}`)}`;
        taskManagers.push({
            ...common,
            name: `${prefix}-${hostname}`,
            hostname,
            uploads: [{ path: CONFIG_PATH, content: sharedConfig }],
            entrypoint: ["bash", "-c", startScript(options, launcher, dataDirs)],
            volumes: [dataMount, jarMount],
            healthcheck: healthcheck(
                `http://${jobManagerHost()}:${REST_PORT}/taskmanagers/${hostname}`,
            ),
            dependsOn: jobManagers.map((jm) => jm.name),
        });
    }

    const sqlGateway: ContainerSpec = {
        ...common,
        name: `${prefix}-${SQL_GATEWAY_HOST}`,
        hostname: SQL_GATEWAY_HOST,
        uploads: [{ path: CONFIG_PATH, content: sharedConfig }],
        // No sql-gateway command in the image entrypoint (images.md §3.4); the script is the way.
        entrypoint: [
            "bash",
            "-c",
            startScript(options, "/opt/flink/bin/sql-gateway.sh start-foreground", []),
        ],
        volumes: [jarMount],
        ports: [{ container: SQL_GATEWAY_PORT, host: options.hostPorts.sqlGateway }],
        healthcheck: healthcheck(`http://127.0.0.1:${SQL_GATEWAY_PORT}/v1/info`),
        dependsOn: taskManagers.map((tm) => tm.name),
    };

    return {
        containers: [...jobManagers, ...taskManagers, sqlGateway],
        jobManager: jobManagers[0]!,
        sqlGateway,
        dataVolume: FLINK_DATA_VOLUME,
        jarCacheVolume: FLINK_JARS_VOLUME,
    };
}
