/**
 * TidbCluster: PD, TiKV, TiDB and TiCDC as one component, as containers on the lab's Docker
 * network or as TiDB Operator v2 resources on Kubernetes. The class only branches on the target;
 * the spec functions in docker.ts and kubernetes.ts decide what is created.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../config";
import {
    type ClusterArgs,
    type DockerTarget,
    type KubernetesTarget,
    renderContainers,
    renderCustomResource,
    renderVolumes,
    servedBy,
} from "../platform";
import { containerName, type TidbRole, tidbDockerEndpoints, tidbDockerSpecs } from "./docker";
import { initSqlContent } from "./init-sql";
import {
    initSqlSecretArgs,
    initSqlSecretName,
    ticdcServiceArgs,
    ticdcServiceName,
    tidbKubernetesEndpoints,
    tidbManifests,
} from "./kubernetes";
import { installTidbOperator } from "./operator";

export const TIDB_CLUSTER_TYPE = "tidb-cdc-pipeline:tidb:TidbCluster";

export type TidbClusterArgs = ClusterArgs<StackSettings["tidb"]> & {
    /** Secret root password, set once when TiDB bootstraps; required on Kubernetes by the config rules. */
    rootPassword?: pulumi.Output<string>;
};

/** The endpoints; each resolves once the resources serving it are created (and ready). */
export interface TidbClusterOutputs {
    /** MySQL protocol host for clients: 127.0.0.1 on Docker, the TiDB service on Kubernetes. */
    mysqlHost: pulumi.Output<string>;
    mysqlPort: pulumi.Output<number>;
    /** TiCDC OpenAPI base URL for clients (the Pulumi program, the changefeed provider). */
    ticdcApiUrl: pulumi.Output<string>;
    /** TiCDC OpenAPI base URL inside the Docker network or the Kubernetes cluster. */
    ticdcInternalUrl: pulumi.Output<string>;
    /** PD client URL inside the Docker network or the Kubernetes cluster. */
    pdInternalUrl: pulumi.Output<string>;
}

export class TidbCluster extends pulumi.ComponentResource implements TidbClusterOutputs {
    public readonly mysqlHost: pulumi.Output<string>;
    public readonly mysqlPort: pulumi.Output<number>;
    public readonly ticdcApiUrl: pulumi.Output<string>;
    public readonly ticdcInternalUrl: pulumi.Output<string>;
    public readonly pdInternalUrl: pulumi.Output<string>;

    constructor(name: string, args: TidbClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before registering anything, so a wrong call leaves no half-built component.
        if (args.settings.external !== undefined) {
            throw new Error(
                `TidbCluster ${name}: tidb.external is set, so TiDB is not provisioned here; use the external endpoints instead of constructing a TidbCluster`,
            );
        }
        super(TIDB_CLUSTER_TYPE, name, {}, opts);
        const outputs =
            args.target.kind === "docker"
                ? createOnDocker(this, args, args.target)
                : createOnKubernetes(this, args, args.target);
        this.mysqlHost = outputs.mysqlHost;
        this.mysqlPort = outputs.mysqlPort;
        this.ticdcApiUrl = outputs.ticdcApiUrl;
        this.ticdcInternalUrl = outputs.ticdcInternalUrl;
        this.pdInternalUrl = outputs.pdInternalUrl;
        this.registerOutputs({ ...outputs });
    }
}

/** Containers on the stack network; data volumes are the protected, stateful part. */
export function createOnDocker(
    parent: pulumi.Resource,
    args: TidbClusterArgs,
    target: DockerTarget,
): TidbClusterOutputs {
    const { prefix, settings } = args;
    const specs = tidbDockerSpecs({
        prefix,
        settings,
        hostPorts: target.hostPorts,
        images: target.images,
        rootPassword: args.rootPassword,
    });
    const volumes = renderVolumes(specs.volumes, prefix, { parent, protect: args.protect });
    const containers = renderContainers(
        specs.containers,
        { network: target.network, volumes },
        { parent },
    );
    const replicas: Record<TidbRole, number> = {
        pd: settings.pd.replicas,
        tikv: settings.tikv.replicas,
        tidb: settings.tidb.replicas,
        ticdc: settings.ticdc.replicas,
    };
    const role = (r: TidbRole) =>
        Array.from({ length: replicas[r] }, (_, i) => containers[containerName(prefix, r, i)]!);
    const endpoints = tidbDockerEndpoints(target.hostPorts);
    return {
        mysqlHost: servedBy(role("tidb"), endpoints.mysqlHost),
        mysqlPort: servedBy(role("tidb"), endpoints.mysqlPort),
        ticdcApiUrl: servedBy(role("ticdc"), endpoints.ticdcApiUrl),
        ticdcInternalUrl: servedBy(role("ticdc"), endpoints.ticdcInternalUrl),
        pdInternalUrl: servedBy(role("pd"), endpoints.pdInternalUrl),
    };
}

/**
 * Operator resources in dependency order Cluster → PD → TiKV → TiDB → TiCDC: each group waits
 * for the previous one to be Ready, and `pulumi destroy` removes them in reverse.
 */
export function createOnKubernetes(
    parent: pulumi.Resource,
    args: TidbClusterArgs,
    target: KubernetesTarget,
): TidbClusterOutputs {
    const { prefix, settings, protect } = args;
    const namespace = target.namespace;
    const opts = {
        parent,
        ...(target.provider === undefined ? {} : { provider: target.provider }),
    };
    const operator = target.operators.install
        ? installTidbOperator(prefix, target.operators.tidbOperatorVersion, opts)
        : undefined;
    const base = [...target.dependsOn, ...(operator ? [operator.crds, operator.chart] : [])];

    const secret =
        args.rootPassword &&
        new k8s.core.v1.Secret(
            initSqlSecretName(prefix),
            initSqlSecretArgs(prefix, namespace, initSqlContent(args.rootPassword)),
            { ...opts, dependsOn: target.dependsOn },
        );
    const manifests = tidbManifests({
        prefix,
        namespace,
        settings,
        storageClassName: target.storageClassName,
        initSqlSecretName: secret ? initSqlSecretName(prefix) : undefined,
    });
    const cluster = renderCustomResource(manifests.cluster, { ...opts, protect, dependsOn: base });
    const pd = renderCustomResource(manifests.pd, {
        ...opts,
        protect,
        dependsOn: [...base, cluster],
    });
    const tikv = renderCustomResource(manifests.tikv, {
        ...opts,
        protect,
        dependsOn: [...base, pd],
    });
    const tidb = renderCustomResource(manifests.tidb, {
        ...opts,
        dependsOn: [...base, tikv, ...(secret ? [secret] : [])],
    });
    const ticdc = renderCustomResource(manifests.ticdc, { ...opts, dependsOn: [...base, tidb] });
    const ticdcService = new k8s.core.v1.Service(
        ticdcServiceName(prefix),
        ticdcServiceArgs(prefix, namespace),
        { ...opts, dependsOn: target.dependsOn },
    );

    const endpoints = tidbKubernetesEndpoints(prefix, namespace);
    return {
        mysqlHost: servedBy([tidb], endpoints.mysqlHost),
        mysqlPort: servedBy([tidb], endpoints.mysqlPort),
        ticdcApiUrl: servedBy([ticdc, ticdcService], endpoints.ticdcApiUrl),
        ticdcInternalUrl: servedBy([ticdc, ticdcService], endpoints.ticdcInternalUrl),
        pdInternalUrl: servedBy([pd], endpoints.pdInternalUrl),
    };
}
