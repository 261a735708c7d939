/**
 * KafkaCluster: the pipeline's Kafka on the stack's target. Thin on purpose: the specs are
 * computed by the pure functions of docker.ts / kubernetes.ts and only rendered here.
 */
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
import { kafkaDockerPlan } from "./docker";
import { kafkaManifests, kubernetesBootstrapServers } from "./kubernetes";
import { installStrimziOperator } from "./operator";
import {
    hostBootstrapServers,
    internalBootstrapServers,
    zookeeperConnectString,
} from "./properties";

export type KafkaClusterArgs = ClusterArgs<StackSettings["kafka"]>;

/** The endpoints; each resolves once the resources serving it exist. */
export interface KafkaClusterOutputs {
    /** Client-facing brokers: `127.0.0.1:<port>,…` on docker, the bootstrap Service on kubernetes. */
    bootstrapServers: pulumi.Output<string>;
    /** Brokers as TiCDC and Flink reach them inside the docker network or the cluster. */
    internalBootstrapServers: pulumi.Output<string>;
    /** The ZooKeeper ensemble in ZooKeeper mode (in-network), otherwise undefined. */
    zookeeperConnect: pulumi.Output<string | undefined>;
}

export class KafkaCluster extends pulumi.ComponentResource implements KafkaClusterOutputs {
    public readonly bootstrapServers: pulumi.Output<string>;
    public readonly internalBootstrapServers: pulumi.Output<string>;
    public readonly zookeeperConnect: pulumi.Output<string | undefined>;

    constructor(name: string, args: KafkaClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        if (args.settings.external !== undefined) {
            throw new Error(
                "kafka.external is set, so Kafka is not provisioned: use kafka.external.bootstrapServers instead of constructing a KafkaCluster",
            );
        }
        super("tidb-cdc-pipeline:kafka:KafkaCluster", name, {}, opts);
        const outputs =
            args.target.kind === "docker"
                ? createOnDocker(this, args, args.target)
                : createOnKubernetes(this, args, args.target);
        this.bootstrapServers = outputs.bootstrapServers;
        this.internalBootstrapServers = outputs.internalBootstrapServers;
        this.zookeeperConnect = outputs.zookeeperConnect;
        this.registerOutputs({ ...outputs });
    }
}

/** ZooKeeper (in ZooKeeper mode) and brokers as containers; data volumes are the stateful part. */
export function createOnDocker(
    parent: pulumi.Resource,
    args: KafkaClusterArgs,
    target: DockerTarget,
): KafkaClusterOutputs {
    const { prefix, settings } = args;
    const plan = kafkaDockerPlan(prefix, settings, target);
    const volumes = renderVolumes(plan.volumes, prefix, { parent, protect: args.protect });
    const containers = Object.values(
        renderContainers(plan.containers, { network: target.network, volumes }, { parent }),
    );
    const brokers = settings.brokers.replicas;
    return {
        bootstrapServers: servedBy(
            containers,
            hostBootstrapServers(brokers, target.hostPorts.kafka),
        ),
        internalBootstrapServers: servedBy(containers, internalBootstrapServers(brokers)),
        zookeeperConnect: servedBy(
            containers,
            settings.mode === "zookeeper"
                ? zookeeperConnectString(settings.zookeeper.replicas)
                : undefined,
        ),
    };
}

/** Strimzi: a KafkaNodePool (KRaft, combined roles) and the Kafka that uses it. */
export function createOnKubernetes(
    parent: pulumi.Resource,
    args: KafkaClusterArgs,
    target: KubernetesTarget,
): KafkaClusterOutputs {
    const { prefix, settings } = args;
    // Manifests first: a setting Strimzi cannot run fails before any child is registered.
    const manifests = kafkaManifests({
        prefix,
        namespace: target.namespace,
        settings,
        storageClassName: target.storageClassName,
    });
    const provider = target.provider;
    const operator = target.operators.install
        ? installStrimziOperator(prefix, target, { parent, provider })
        : undefined;
    const opts = {
        parent,
        provider,
        protect: args.protect,
        dependsOn: [...target.dependsOn, ...(operator ? [operator] : [])],
    };
    const nodePool = renderCustomResource(manifests.nodePool, opts);
    // The pool first: the Kafka waits for Ready, which needs the pool's nodes.
    const kafka = renderCustomResource(manifests.kafka, {
        ...opts,
        dependsOn: [...opts.dependsOn, nodePool],
    });
    const bootstrap = kubernetesBootstrapServers(prefix, target.namespace);
    return {
        bootstrapServers: servedBy([kafka, nodePool], bootstrap),
        internalBootstrapServers: servedBy([kafka, nodePool], bootstrap),
        zookeeperConnect: servedBy([kafka], undefined),
    };
}
