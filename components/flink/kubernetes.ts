/**
 * The Kubernetes Flink session cluster as plain manifests: a FlinkDeployment for the Flink
 * Kubernetes Operator (1.15 CRD shape) plus the SQL gateway as a Deployment and Service next to
 * it (the operator has no gateway support). Validated against ../shared/crds in the tests.
 */
import { FLINK_OPERATOR_LINES } from "../config";
import type { CustomResourceManifest, ObjectMeta } from "../platform";
import { commonLabels, waitForAnnotation } from "../platform";
import {
    DATA_DIR,
    STATE_BASE_URI,
    flinkImage,
    type FlinkSettings,
    kubernetesFlinkConfiguration,
    REST_PORT,
    SQL_GATEWAY_PORT,
    stateConfig,
} from "./config";
import { fetchJarsScript, shellQuote } from "./jars";

/** The container name the operator merges pod templates into. */
export const FLINK_MAIN_CONTAINER = "flink-main-container";
const LIB_VOLUME = "flink-lib";
const DATA_VOLUME = "flink-data";
/** Where the init container assembles lib/ (image jars + connectors) before it is mounted. */
const LIB_STAGING_DIR = "/flink-lib";
/** uid/gid of the image's `flink` user; fsGroup makes the data volume writable for it. */
const FLINK_GID = 9999;

/** flinkVersion values of the operator 1.15 CRD that this project's images can be. */
export const OPERATOR_FLINK_VERSIONS = FLINK_OPERATOR_LINES.map(
    (line) => `v${line.replace(".", "_")}`,
);

/** `2.2.1` → `v2_2`; throws for lines the pinned operator CRD does not know. */
export function flinkVersionEnum(version: string): string {
    const [major, minor] = version.split(".");
    const value = `v${major}_${minor}`;
    if (!OPERATOR_FLINK_VERSIONS.includes(value)) {
        throw new Error(
            `Flink ${version} has no flinkVersion in the Flink Kubernetes Operator CRD this project pins (${OPERATOR_FLINK_VERSIONS.join(", ")}); use a Flink 1.20 or 2.0-2.2 version on target "kubernetes"`,
        );
    }
    return value;
}

export function flinkDeploymentName(prefix: string): string {
    return `${prefix}-flink`;
}

export function sqlGatewayServiceName(prefix: string): string {
    return `${prefix}-sql-gateway`;
}

export function stateClaimName(prefix: string): string {
    return `${prefix}-flink-data`;
}

/** The REST service the operator creates for a FlinkDeployment (native and standalone alike). */
export function restServiceHost(prefix: string, namespace: string): string {
    return `${flinkDeploymentName(prefix)}-rest.${namespace}.svc`;
}

export function kubernetesRestUrl(prefix: string, namespace: string): string {
    return `http://${restServiceHost(prefix, namespace)}:${REST_PORT}`;
}

export function kubernetesSqlGatewayUrl(prefix: string, namespace: string): string {
    return `http://${sqlGatewayServiceName(prefix)}.${namespace}.svc:${SQL_GATEWAY_PORT}`;
}

// Plain manifest shapes: exactly the fields produced here, assignable to @pulumi/kubernetes inputs.
export interface VolumeMount {
    name: string;
    mountPath: string;
}
export interface ContainerManifest {
    name: string;
    image?: string;
    command?: string[];
    args?: string[];
    ports?: { name: string; containerPort: number; protocol: string }[];
    volumeMounts?: VolumeMount[];
    readinessProbe?: {
        httpGet: { path: string; port: number };
        initialDelaySeconds: number;
        periodSeconds: number;
        timeoutSeconds: number;
        failureThreshold: number;
    };
}
export interface VolumeManifest {
    name: string;
    emptyDir?: Record<string, never>;
    persistentVolumeClaim?: { claimName: string };
}
export interface PodSpecManifest {
    serviceAccountName?: string;
    securityContext?: { fsGroup: number };
    initContainers?: ContainerManifest[];
    containers: ContainerManifest[];
    volumes?: VolumeManifest[];
}
export interface DeploymentManifest {
    apiVersion: "apps/v1";
    kind: "Deployment";
    metadata: ObjectMeta;
    spec: {
        replicas: number;
        selector: { matchLabels: Record<string, string> };
        template: { metadata: { labels: Record<string, string> }; spec: PodSpecManifest };
    };
}
export interface ServiceManifest {
    apiVersion: "v1";
    kind: "Service";
    metadata: ObjectMeta;
    spec: {
        selector: Record<string, string>;
        ports: { name: string; port: number; targetPort: number; protocol: string }[];
        sessionAffinity: string;
    };
}
export interface PersistentVolumeClaimManifest {
    apiVersion: "v1";
    kind: "PersistentVolumeClaim";
    metadata: ObjectMeta;
    spec: {
        accessModes: string[];
        resources: { requests: { storage: string } };
        storageClassName?: string;
    };
}

export type FlinkDeploymentSpec = {
    image: string;
    flinkVersion: string;
    mode: "standalone";
    serviceAccount: string;
    flinkConfiguration: Record<string, string>;
    jobManager: { replicas: number; resource: { memory: string; cpu: number } };
    taskManager: { replicas: number; resource: { memory: string; cpu: number } };
    podTemplate: {
        apiVersion: "v1";
        kind: "Pod";
        metadata: { labels: Record<string, string> };
        spec: PodSpecManifest;
    };
};
export type FlinkDeploymentManifest = CustomResourceManifest & { spec: FlinkDeploymentSpec };

export interface KubernetesFlinkOptions {
    prefix: string;
    namespace: string;
    settings: FlinkSettings;
    /** Service account of the JobManager/TaskManager pods (the operator chart's `flink`). */
    serviceAccount: string;
    /** Image override; default `flink:<version>-java17`. */
    image?: string;
    zookeeperQuorum?: string;
}

/**
 * An init container that builds the classpath in an emptyDir: the image's own lib/ plus the
 * connectors, downloaded and verified. Mounted over /opt/flink/lib, it puts the connectors on the
 * classpath of every process without a custom image.
 */
export function connectorInitContainer(image: string, settings: FlinkSettings): ContainerManifest {
    const script = [
        `cp -R /opt/flink/lib/. ${shellQuote(`${LIB_STAGING_DIR}/`)}`,
        fetchJarsScript({
            repository: settings.mavenRepository,
            artifacts: settings.connectors,
            directory: LIB_STAGING_DIR,
        }),
    ].join(" && ");
    return {
        name: "fetch-connectors",
        image,
        command: ["sh", "-c", script],
        volumeMounts: [{ name: LIB_VOLUME, mountPath: LIB_STAGING_DIR }],
    };
}

const libVolume: VolumeManifest = { name: LIB_VOLUME, emptyDir: {} };
const libMount: VolumeMount = { name: LIB_VOLUME, mountPath: "/opt/flink/lib" };

export function stateBaseUri(): string {
    return STATE_BASE_URI;
}

/**
 * The session cluster. `mode: standalone`: the operator runs a fixed TaskManager Deployment of
 * `taskManager.replicas` pods, so the configured slots exist before any SQL arrives and match the
 * lab. Native mode would ignore the replica count in a session cluster and start TaskManagers
 * per job on demand (cold starts, idle TaskManagers released), and its JobManager would need
 * rights to create pods.
 */
export function flinkDeploymentManifest(options: KubernetesFlinkOptions): FlinkDeploymentManifest {
    const { prefix, settings } = options;
    const name = flinkDeploymentName(prefix);
    const image = options.image ?? flinkImage(settings.version);
    const labels = commonLabels(prefix, "flink");
    return {
        apiVersion: "flink.apache.org/v1beta1",
        kind: "FlinkDeployment",
        metadata: {
            name,
            namespace: options.namespace,
            labels,
            annotations: waitForAnnotation("jsonpath={.status.lifecycleState}=STABLE"),
        },
        // No spec.job: a session cluster; the SQL gateway submits the jobs.
        spec: {
            image,
            flinkVersion: flinkVersionEnum(settings.version),
            mode: "standalone",
            serviceAccount: options.serviceAccount,
            flinkConfiguration: kubernetesFlinkConfiguration({
                settings,
                stateBaseUri: stateBaseUri(),
                zookeeperQuorum: options.zookeeperQuorum,
                clusterId: name,
            }),
            jobManager: {
                replicas: settings.jobManager.replicas,
                resource: { memory: settings.jobManager.memory, cpu: settings.jobManager.cpu },
            },
            taskManager: {
                replicas: settings.taskManager.replicas,
                resource: { memory: settings.taskManager.memory, cpu: settings.taskManager.cpu },
            },
            // Top-level template: JobManager and TaskManager pods both need the connectors.
            podTemplate: {
                apiVersion: "v1",
                kind: "Pod",
                metadata: { labels },
                spec: {
                    securityContext: { fsGroup: FLINK_GID },
                    initContainers: [connectorInitContainer(image, settings)],
                    containers: [
                        {
                            name: FLINK_MAIN_CONTAINER,
                            volumeMounts: [libMount, { name: DATA_VOLUME, mountPath: DATA_DIR }],
                        },
                    ],
                    volumes: [
                        libVolume,
                        {
                            name: DATA_VOLUME,
                            persistentVolumeClaim: { claimName: stateClaimName(prefix) },
                        },
                    ],
                },
            },
        },
    };
}

/**
 * Shared state for checkpoints, savepoints and HA metadata. ReadWriteMany: the JobManager and
 * every TaskManager write to it, from any node.
 */
export function stateClaimManifest(options: {
    prefix: string;
    namespace: string;
    state: FlinkSettings["state"];
    /** The stack's storage class, used when flink.state names none. */
    storageClassName?: string;
}): PersistentVolumeClaimManifest {
    const storageClassName = options.state.storageClassName ?? options.storageClassName;
    return {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: {
            name: stateClaimName(options.prefix),
            namespace: options.namespace,
            labels: commonLabels(options.prefix, "flink"),
        },
        spec: {
            accessModes: [options.state.accessMode],
            resources: { requests: { storage: options.state.storage } },
            ...(storageClassName ? { storageClassName } : {}),
        },
    };
}

function gatewaySelector(prefix: string): Record<string, string> {
    const labels = commonLabels(prefix, "sql-gateway");
    return {
        "app.kubernetes.io/part-of": labels["app.kubernetes.io/part-of"]!,
        "app.kubernetes.io/instance": labels["app.kubernetes.io/instance"]!,
        "app.kubernetes.io/component": labels["app.kubernetes.io/component"]!,
    };
}

/** `-Dkey=value` arguments of the gateway: where it listens and which cluster it submits to. */
export function sqlGatewayArgs(prefix: string, namespace: string): string[] {
    const properties: Record<string, string> = {
        "sql-gateway.endpoint.rest.address": `${sqlGatewayServiceName(prefix)}.${namespace}.svc`,
        "sql-gateway.endpoint.rest.bind-address": "0.0.0.0",
        "sql-gateway.endpoint.rest.port": String(SQL_GATEWAY_PORT),
        "rest.address": restServiceHost(prefix, namespace),
        "rest.port": String(REST_PORT),
        "execution.target": "remote",
        // Savepoints taken through the gateway (STOP JOB ... WITH SAVEPOINT) land on the shared volume.
        ...stateConfig(stateBaseUri()),
    };
    return [
        "/opt/flink/bin/sql-gateway.sh",
        "start-foreground",
        ...Object.keys(properties)
            .sort()
            .map((key) => `-D${key}=${properties[key]}`),
    ];
}

/**
 * The SQL gateway: same image and connector pattern as the cluster. The image entrypoint passes
 * unknown commands through (`exec "$@"`), so args name the gateway script directly.
 */
export function sqlGatewayDeploymentManifest(options: KubernetesFlinkOptions): DeploymentManifest {
    const { prefix, settings, namespace } = options;
    const image = options.image ?? flinkImage(settings.version);
    const labels = commonLabels(prefix, "sql-gateway");
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: sqlGatewayServiceName(prefix), namespace, labels },
        spec: {
            replicas: settings.sqlGateway.replicas,
            selector: { matchLabels: gatewaySelector(prefix) },
            template: {
                metadata: { labels },
                spec: {
                    initContainers: [connectorInitContainer(image, settings)],
                    containers: [
                        {
                            name: "sql-gateway",
                            image,
                            args: sqlGatewayArgs(prefix, namespace),
                            ports: [
                                { name: "rest", containerPort: SQL_GATEWAY_PORT, protocol: "TCP" },
                            ],
                            readinessProbe: {
                                httpGet: { path: "/v1/info", port: SQL_GATEWAY_PORT },
                                initialDelaySeconds: 10,
                                periodSeconds: 5,
                                timeoutSeconds: 5,
                                failureThreshold: 6,
                            },
                            volumeMounts: [libMount],
                        },
                    ],
                    volumes: [libVolume],
                },
            },
        },
    };
}

export function sqlGatewayServiceManifest(options: {
    prefix: string;
    namespace: string;
}): ServiceManifest {
    const { prefix, namespace } = options;
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
            name: sqlGatewayServiceName(prefix),
            namespace,
            labels: commonLabels(prefix, "sql-gateway"),
        },
        spec: {
            selector: gatewaySelector(prefix),
            ports: [
                {
                    name: "rest",
                    port: SQL_GATEWAY_PORT,
                    targetPort: SQL_GATEWAY_PORT,
                    protocol: "TCP",
                },
            ],
            // Gateway sessions live in one replica's memory: keep each client on its replica.
            sessionAffinity: "ClientIP",
        },
    };
}
