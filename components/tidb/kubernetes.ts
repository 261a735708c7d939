/**
 * TiDB on Kubernetes through TiDB Operator v2 (core.pingcap.com/v1alpha1): a `Cluster` and one
 * group per component, as plain manifests checked against the operator's CRDs in tests. Pure:
 * the component renders them with the platform's renderCustomResource.
 *
 * Names follow the operator (v2.0.1 sources): for a group named N it creates the services
 * `N-pd` (PD client, also Cluster.status.pd), `N-tidb` (TiDB client, ClusterIP) and headless
 * `N-<component>-peer` services. TiCDC gets only the headless one, which also lists pods that are
 * not ready, so this stack adds a ClusterIP service `<prefix>-ticdc` for the API.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../config";
import { commonLabels, type CustomResourceManifest, waitForAnnotation } from "../platform";
import { pdConfigToml, TIDB_PORTS } from "./common";
import { INIT_SQL_FILE_NAME } from "./init-sql";

export const TIDB_OPERATOR_API_VERSION = "core.pingcap.com/v1alpha1";

/** The CRDs' CEL limit on a Cluster's metadata.name (groups allow 40; they share the name). */
export const MAX_CLUSTER_NAME = 37;

/** The operator's pod labels (api/core/v1alpha1/common_types.go), for selecting TiCDC pods. */
const OPERATOR_LABELS = {
    managedBy: "pingcap.com/managed-by",
    component: "pingcap.com/component",
    cluster: "pingcap.com/cluster",
    group: "pingcap.com/group",
} as const;

/** The operator names the TiDB container `tidb`; overlays match containers by name. */
const TIDB_CONTAINER = "tidb";
const INIT_SQL_VOLUME = "init-sql";
/** Beside the operator's own mounts (/etc/tidb for config, /etc/tidb-bootstrap). */
const INIT_SQL_DIR = "/etc/tidb-init";
const TICDC_DATA_DIR = "/var/lib/ticdc";

type Resources = StackSettings["tidb"]["pd"]["resources"];

export interface TidbManifestArgs {
    /** StackSettings.namePrefix: the Cluster and every group are named after it. */
    prefix: string;
    namespace: string;
    settings: StackSettings["tidb"];
    storageClassName?: string;
    /** A Secret with key INIT_SQL_FILE_NAME that TiDB runs at bootstrap (initSqlSecretArgs). */
    initSqlSecretName?: string;
}

export interface TidbManifests {
    cluster: CustomResourceManifest;
    pd: CustomResourceManifest;
    tikv: CustomResourceManifest;
    tidb: CustomResourceManifest;
    ticdc: CustomResourceManifest;
}

export interface TidbKubernetesEndpoints {
    mysqlHost: string;
    mysqlPort: number;
    ticdcApiUrl: string;
    ticdcInternalUrl: string;
    pdInternalUrl: string;
}

/**
 * The name of the Cluster and of every group: kinds differ, and the operator's objects carry the
 * component in their names (`<name>-tidb`, `<name>-pd-peer`, `<name>-tikv-<hash>`).
 */
export function tidbObjectName(prefix: string): string {
    return prefix;
}

export function initSqlSecretName(prefix: string): string {
    return `${prefix}-tidb-init-sql`;
}

export function ticdcServiceName(prefix: string): string {
    return `${prefix}-ticdc`;
}

export function tidbManifests(args: TidbManifestArgs): TidbManifests {
    const { prefix, namespace, settings, storageClassName } = args;
    const name = tidbObjectName(prefix);
    if (name.length > MAX_CLUSTER_NAME) {
        throw new Error(
            `TiDB cluster name "${name}" is longer than ${MAX_CLUSTER_NAME} characters, the TiDB Operator limit`,
        );
    }
    const version = settings.version;
    const data = (storage: string, mountPath?: string) => ({
        name: "data",
        mounts: [mountPath === undefined ? { type: "data" } : { type: "data", mountPath }],
        storage,
        ...(storageClassName === undefined ? {} : { storageClassName }),
    });
    const group = (kind: string, component: string, replicas: number, spec: object) =>
        groupManifest({ kind, component, prefix, namespace, replicas, templateSpec: spec });

    return {
        // No waitFor here: the Cluster is Ready only once its groups are, and they come after it.
        cluster: {
            apiVersion: TIDB_OPERATOR_API_VERSION,
            kind: "Cluster",
            metadata: { name, namespace, labels: commonLabels(prefix, "tidb-cluster") },
            spec: {},
        },
        pd: group("PDGroup", "pd", settings.pd.replicas, {
            version,
            ...resources(settings.pd.resources),
            config: pdConfigToml(settings.tikv.replicas),
            volumes: [data(settings.pd.storage)],
        }),
        tikv: group("TiKVGroup", "tikv", settings.tikv.replicas, {
            version,
            ...resources(settings.tikv.resources),
            volumes: [data(settings.tikv.storage)],
        }),
        tidb: group("TiDBGroup", "tidb", settings.tidb.replicas, {
            version,
            ...resources(settings.tidb.resources),
            ...(args.initSqlSecretName === undefined
                ? {}
                : { overlay: initSqlOverlay(args.initSqlSecretName) }),
        }),
        // TiCDC has no default data path: the mount and its config name it.
        ticdc: group("TiCDCGroup", "ticdc", settings.ticdc.replicas, {
            version,
            ...resources(settings.ticdc.resources),
            config: `data-dir = "${TICDC_DATA_DIR}"\n`,
            volumes: [data(settings.ticdc.storage, TICDC_DATA_DIR)],
        }),
    };
}

function groupManifest(args: {
    kind: string;
    component: string;
    prefix: string;
    namespace: string;
    replicas: number;
    templateSpec: object;
}): CustomResourceManifest {
    const name = tidbObjectName(args.prefix);
    return {
        apiVersion: TIDB_OPERATOR_API_VERSION,
        kind: args.kind,
        metadata: {
            name,
            namespace: args.namespace,
            labels: commonLabels(args.prefix, args.component),
            // Groups report Ready once every instance is up (tidb-operator PR #6083).
            annotations: waitForAnnotation("condition=Ready"),
        },
        spec: {
            cluster: { name: tidbObjectName(args.prefix) },
            replicas: args.replicas,
            template: { spec: args.templateSpec },
        },
    };
}

function resources(value: Resources): { resources?: { cpu?: string; memory?: string } } {
    if (value?.cpu === undefined && value?.memory === undefined) return {};
    return {
        resources: {
            ...(value.cpu === undefined ? {} : { cpu: value.cpu }),
            ...(value.memory === undefined ? {} : { memory: value.memory }),
        },
    };
}

/**
 * Mounts the init SQL Secret into TiDB pods and passes it on the command line. The TOML key
 * `initialize-sql-file` cannot be used: operator v2 owns it (pkg/configs/tidb/config.go rejects
 * it as ErrFieldIsManagedByOperator, setting it only for Cluster.spec.bootstrapSQL, which must be
 * a ConfigMap, i.e. plain text). The operator runs `/tidb-server --config …` with no args, so
 * the overlay's args are appended to that command.
 */
function initSqlOverlay(secretName: string): object {
    return {
        pod: {
            spec: {
                volumes: [{ name: INIT_SQL_VOLUME, secret: { secretName, defaultMode: 0o400 } }],
                containers: [
                    {
                        name: TIDB_CONTAINER,
                        args: [`--initialize-sql-file=${INIT_SQL_DIR}/${INIT_SQL_FILE_NAME}`],
                        volumeMounts: [
                            { name: INIT_SQL_VOLUME, mountPath: INIT_SQL_DIR, readOnly: true },
                        ],
                    },
                ],
            },
        },
    };
}

/** The Secret TiDB reads at bootstrap; `content` must be a secret Output (initSqlContent). */
export function initSqlSecretArgs(
    prefix: string,
    namespace: string,
    content: pulumi.Input<string>,
): k8s.core.v1.SecretArgs {
    return {
        metadata: {
            name: initSqlSecretName(prefix),
            namespace,
            labels: commonLabels(prefix, "tidb"),
        },
        type: "Opaque",
        stringData: { [INIT_SQL_FILE_NAME]: content },
    };
}

/** A ClusterIP service over the ready TiCDC pods: any capture serves (or forwards) the API. */
export function ticdcServiceArgs(prefix: string, namespace: string): k8s.core.v1.ServiceArgs {
    return {
        metadata: {
            name: ticdcServiceName(prefix),
            namespace,
            labels: commonLabels(prefix, "ticdc"),
        },
        spec: {
            type: "ClusterIP",
            selector: {
                [OPERATOR_LABELS.managedBy]: "tidb-operator",
                [OPERATOR_LABELS.component]: "ticdc",
                [OPERATOR_LABELS.cluster]: tidbObjectName(prefix),
                [OPERATOR_LABELS.group]: tidbObjectName(prefix),
            },
            // The operator names the TiCDC container port "ticdc".
            ports: [{ name: "ticdc", port: TIDB_PORTS.ticdc, targetPort: "ticdc" }],
        },
    };
}

/** In-cluster endpoints (clients outside the cluster port-forward to the same services). */
export function tidbKubernetesEndpoints(
    prefix: string,
    namespace: string,
): TidbKubernetesEndpoints {
    const name = tidbObjectName(prefix);
    const ticdc = `http://${ticdcServiceName(prefix)}.${namespace}.svc:${TIDB_PORTS.ticdc}`;
    return {
        mysqlHost: `${name}-tidb.${namespace}.svc`,
        mysqlPort: TIDB_PORTS.mysql,
        ticdcApiUrl: ticdc,
        ticdcInternalUrl: ticdc,
        pdInternalUrl: `http://${name}-pd.${namespace}.svc:${TIDB_PORTS.pdClient}`,
    };
}
