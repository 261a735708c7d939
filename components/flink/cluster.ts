/**
 * FlinkSessionCluster: a Flink session cluster with a SQL gateway, as Docker containers (lab) or a
 * FlinkDeployment plus gateway Deployment (Kubernetes). Thin: the spec functions decide, this
 * class only renders.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../config";
import {
    type ClusterArgs,
    type DockerTarget,
    type KubernetesTarget,
    PUBLISH_ADDRESS,
    renderContainers,
    renderCustomResource,
    renderVolumes,
    resourceList,
    servedBy,
} from "../platform";
import { SAVEPOINT_DIR } from "./config";
import { DOCKER_INTERNAL_REST_URL, dockerFlinkSpecs } from "./docker";
import {
    flinkDeploymentManifest,
    kubernetesRestUrl,
    kubernetesSqlGatewayUrl,
    sqlGatewayDeploymentManifest,
    sqlGatewayServiceManifest,
    stateClaimManifest,
} from "./kubernetes";
import { deployFlinkOperatorAccess } from "./operator";

export interface FlinkSessionClusterArgs extends ClusterArgs<StackSettings["flink"]> {
    /** In-network ZooKeeper quorum (`host:port,…`); required for highAvailability "zookeeper". */
    zookeeperQuorum?: string;
}

/** The endpoints; each resolves once the resources serving it are up. */
export interface FlinkSessionClusterOutputs {
    /** JobManager REST URL for clients (the lab's published port, or the in-cluster service). */
    restUrl: pulumi.Output<string>;
    /** SQL gateway REST URL for clients. */
    sqlGatewayUrl: pulumi.Output<string>;
    /** JobManager REST URL from inside the stack network or cluster. */
    internalRestUrl: pulumi.Output<string>;
    /** Where stop-with-savepoint writes (a path on the cluster's shared state volume). */
    savepointDir: pulumi.Output<string>;
}

export class FlinkSessionCluster
    extends pulumi.ComponentResource
    implements FlinkSessionClusterOutputs
{
    public readonly restUrl: pulumi.Output<string>;
    public readonly sqlGatewayUrl: pulumi.Output<string>;
    public readonly internalRestUrl: pulumi.Output<string>;
    public readonly savepointDir: pulumi.Output<string>;

    constructor(
        name: string,
        args: FlinkSessionClusterArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        if (args.settings.external) {
            throw new Error(
                "flink.external is set: this stack uses an existing Flink and FlinkSessionCluster must not be created (the Pipeline reads flink.external's URLs instead)",
            );
        }
        super("tidb-cdc-pipeline:flink:FlinkSessionCluster", name, {}, opts);
        // Children do not inherit a component's dependsOn; hand it down so that e.g. the
        // ZooKeeper of HA is up before the JobManagers start.
        const after = resourceList(opts?.dependsOn);
        const urls =
            args.target.kind === "docker"
                ? createOnDocker(this, args, args.target, after)
                : createOnKubernetes(this, args, args.target, after);
        this.restUrl = urls.restUrl;
        this.sqlGatewayUrl = urls.sqlGatewayUrl;
        this.internalRestUrl = urls.internalRestUrl;
        this.savepointDir = urls.savepointDir;
        this.registerOutputs({ ...urls });
    }
}

/** JobManager(s), TaskManagers and the SQL gateway as containers sharing a data volume. */
export function createOnDocker(
    parent: pulumi.Resource,
    args: FlinkSessionClusterArgs,
    target: DockerTarget,
    after: pulumi.Resource[],
): FlinkSessionClusterOutputs {
    const specs = dockerFlinkSpecs({
        prefix: args.prefix,
        settings: args.settings,
        hostPorts: target.hostPorts,
        images: target.images,
        zookeeperQuorum: args.zookeeperQuorum,
    });
    const volumes = {
        ...renderVolumes([specs.dataVolume], args.prefix, {
            parent,
            protect: args.protect,
        }),
        // The jar cache is re-downloadable: never protected.
        ...renderVolumes([specs.jarCacheVolume], args.prefix, { parent }),
    };
    const containers = renderContainers(
        specs.containers,
        { network: target.network, volumes },
        { parent, dependsOn: after },
    );
    const jobManager = containers[specs.jobManager.name]!;
    const gateway = containers[specs.sqlGateway.name]!;
    return {
        restUrl: servedBy([jobManager], `http://${PUBLISH_ADDRESS}:${target.hostPorts.flinkRest}`),
        sqlGatewayUrl: servedBy(
            [gateway],
            `http://${PUBLISH_ADDRESS}:${target.hostPorts.sqlGateway}`,
        ),
        internalRestUrl: servedBy([jobManager], DOCKER_INTERNAL_REST_URL),
        savepointDir: servedBy([jobManager], SAVEPOINT_DIR),
    };
}

/** A FlinkDeployment in session mode, its state claim, and the SQL gateway next to it. */
export function createOnKubernetes(
    parent: pulumi.Resource,
    args: FlinkSessionClusterArgs,
    target: KubernetesTarget,
    after: pulumi.Resource[],
): FlinkSessionClusterOutputs {
    const opts: pulumi.CustomResourceOptions = {
        parent,
        ...(target.provider ? { provider: target.provider } : {}),
    };
    const { prefix } = args;
    const namespace = target.namespace;
    const access = deployFlinkOperatorAccess(prefix, target, opts);
    const options = {
        prefix,
        namespace,
        settings: args.settings,
        serviceAccount: access.serviceAccount,
        zookeeperQuorum: args.zookeeperQuorum,
    };

    const claim = stateClaimManifest({
        prefix,
        namespace,
        state: args.settings.state,
        storageClassName: target.storageClassName,
    });
    const stateVolume = new k8s.core.v1.PersistentVolumeClaim(claim.metadata.name, claim, {
        ...opts,
        dependsOn: target.dependsOn,
        protect: args.protect,
    });
    const cluster = renderCustomResource(flinkDeploymentManifest(options), {
        ...opts,
        // Not protected: the cluster owns no storage (the claim does) and must go on teardown.
        dependsOn: [...target.dependsOn, ...after, ...access.dependsOn, stateVolume],
    });

    const deployment = sqlGatewayDeploymentManifest(options);
    const gateway = new k8s.apps.v1.Deployment(deployment.metadata.name, deployment, {
        ...opts,
        // The gateway is only useful once the session cluster is STABLE.
        dependsOn: [...target.dependsOn, cluster],
    });
    const service = sqlGatewayServiceManifest({ prefix, namespace });
    const gatewayService = new k8s.core.v1.Service(service.metadata.name, service, {
        ...opts,
        dependsOn: target.dependsOn,
    });

    const restUrl = servedBy([cluster], kubernetesRestUrl(prefix, namespace));
    return {
        restUrl,
        sqlGatewayUrl: servedBy(
            [gateway, gatewayService],
            kubernetesSqlGatewayUrl(prefix, namespace),
        ),
        internalRestUrl: restUrl,
        savepointDir: servedBy([cluster], SAVEPOINT_DIR),
    };
}
