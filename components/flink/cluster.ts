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
} from "../platform";
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

interface Urls {
    restUrl: pulumi.Output<string>;
    sqlGatewayUrl: pulumi.Output<string>;
    internalRestUrl: pulumi.Output<string>;
}

export class FlinkSessionCluster extends pulumi.ComponentResource {
    /** JobManager REST URL for clients (the lab's published port, or the in-cluster service). */
    public readonly restUrl: pulumi.Output<string>;
    /** SQL gateway REST URL for clients. */
    public readonly sqlGatewayUrl: pulumi.Output<string>;
    /** JobManager REST URL from inside the stack network or cluster. */
    public readonly internalRestUrl: pulumi.Output<string>;

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
        const after = resourcesOf(opts?.dependsOn);
        const urls =
            args.target.kind === "docker"
                ? this.renderDocker(args, args.target, after)
                : this.renderKubernetes(args, args.target, after);
        this.restUrl = urls.restUrl;
        this.sqlGatewayUrl = urls.sqlGatewayUrl;
        this.internalRestUrl = urls.internalRestUrl;
        this.registerOutputs({ ...urls });
    }

    private renderDocker(
        args: FlinkSessionClusterArgs,
        target: DockerTarget,
        after: pulumi.Resource[],
    ): Urls {
        if (args.settings.sqlGateway.replicas > 1) {
            throw new Error(
                `flink.sqlGateway.replicas = ${args.settings.sqlGateway.replicas}: the Docker lab runs one SQL gateway (published on ${PUBLISH_ADDRESS}:${target.hostPorts.sqlGateway}); use 1, or target "kubernetes"`,
            );
        }
        const specs = dockerFlinkSpecs({
            prefix: args.prefix,
            settings: args.settings,
            hostPorts: target.hostPorts,
            images: target.images,
            zookeeperQuorum: args.zookeeperQuorum,
        });
        const volumes = {
            ...renderVolumes([specs.dataVolume], args.prefix, {
                parent: this,
                protect: args.protect,
            }),
            // The jar cache is re-downloadable: never protected.
            ...renderVolumes([specs.jarCacheVolume], args.prefix, { parent: this }),
        };
        const containers = renderContainers(
            specs.containers,
            { network: target.network, volumes },
            { parent: this, dependsOn: after },
        );
        const jobManager = containers[specs.jobManager.name]!;
        const gateway = containers[specs.sqlGateway.name]!;
        // Deriving the URLs from the containers makes their users wait until these are healthy.
        return {
            restUrl: jobManager.id.apply(
                () => `http://${PUBLISH_ADDRESS}:${target.hostPorts.flinkRest}`,
            ),
            sqlGatewayUrl: gateway.id.apply(
                () => `http://${PUBLISH_ADDRESS}:${target.hostPorts.sqlGateway}`,
            ),
            internalRestUrl: jobManager.id.apply(() => DOCKER_INTERNAL_REST_URL),
        };
    }

    private renderKubernetes(
        args: FlinkSessionClusterArgs,
        target: KubernetesTarget,
        after: pulumi.Resource[],
    ): Urls {
        const opts: pulumi.CustomResourceOptions = {
            parent: this,
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

        const restUrl = cluster.id.apply(() => kubernetesRestUrl(prefix, namespace));
        return {
            restUrl,
            sqlGatewayUrl: pulumi
                .all([gateway.id, gatewayService.id])
                .apply(() => kubernetesSqlGatewayUrl(prefix, namespace)),
            internalRestUrl: restUrl,
        };
    }
}

/** A component's dependsOn as plain resources (what the children's options can carry). */
function resourcesOf(value: pulumi.ComponentResourceOptions["dependsOn"]): pulumi.Resource[] {
    if (value === undefined) return [];
    const list: unknown[] = Array.isArray(value) ? value : [value];
    return list.map((item) => {
        if (!pulumi.Resource.isInstance(item)) {
            throw new Error(
                "FlinkSessionCluster: pass dependsOn as resources, not outputs or promises of them",
            );
        }
        return item;
    });
}
