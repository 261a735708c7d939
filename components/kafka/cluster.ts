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

interface Endpoints {
    bootstrapServers: string;
    internalBootstrapServers: string;
    zookeeperConnect: string | undefined;
}

export class KafkaCluster extends pulumi.ComponentResource {
    /** Client-facing brokers: `127.0.0.1:<port>,…` on docker, the bootstrap Service on kubernetes. */
    public readonly bootstrapServers: pulumi.Output<string>;
    /** Brokers as TiCDC and Flink reach them inside the docker network or the cluster. */
    public readonly internalBootstrapServers: pulumi.Output<string>;
    /** The ZooKeeper ensemble in ZooKeeper mode (in-network), otherwise undefined. */
    public readonly zookeeperConnect: pulumi.Output<string | undefined>;

    constructor(name: string, args: KafkaClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        if (args.settings.external !== undefined) {
            throw new Error(
                "kafka.external is set, so Kafka is not provisioned: use kafka.external.bootstrapServers instead of constructing a KafkaCluster",
            );
        }
        super("tidb-cdc-pipeline:kafka:KafkaCluster", name, {}, opts);

        const target = args.target;
        // Outputs resolve only once the resources exist, so dependants wired to them wait too.
        const [endpoints, readiness] =
            target.kind === "docker"
                ? this.createOnDocker(args, target)
                : this.createOnKubernetes(args, target);
        const ready = pulumi.all(readiness);
        this.bootstrapServers = ready.apply(() => endpoints.bootstrapServers);
        this.internalBootstrapServers = ready.apply(() => endpoints.internalBootstrapServers);
        this.zookeeperConnect = ready.apply(() => endpoints.zookeeperConnect);

        this.registerOutputs({
            bootstrapServers: this.bootstrapServers,
            internalBootstrapServers: this.internalBootstrapServers,
            zookeeperConnect: this.zookeeperConnect,
        });
    }

    private createOnDocker(
        args: KafkaClusterArgs,
        target: DockerTarget,
    ): [Endpoints, pulumi.Output<string>[]] {
        const { prefix, settings } = args;
        const plan = kafkaDockerPlan(prefix, settings, target);
        const volumes = renderVolumes(plan.volumes, prefix, {
            parent: this,
            protect: args.protect,
        });
        const containers = renderContainers(
            plan.containers,
            { network: target.network, volumes },
            { parent: this },
        );
        const endpoints: Endpoints = {
            bootstrapServers: hostBootstrapServers(
                settings.brokers.replicas,
                target.hostPorts.kafka,
            ),
            internalBootstrapServers: internalBootstrapServers(settings.brokers.replicas),
            zookeeperConnect:
                settings.mode === "zookeeper"
                    ? zookeeperConnectString(settings.zookeeper.replicas)
                    : undefined,
        };
        return [endpoints, Object.values(containers).map((c) => c.id)];
    }

    private createOnKubernetes(
        args: KafkaClusterArgs,
        target: KubernetesTarget,
    ): [Endpoints, pulumi.Output<string>[]] {
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
            ? installStrimziOperator(prefix, target, { parent: this, provider })
            : undefined;
        const opts = {
            parent: this,
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
        const endpoints: Endpoints = {
            bootstrapServers: bootstrap,
            internalBootstrapServers: bootstrap,
            zookeeperConnect: undefined,
        };
        return [endpoints, [kafka.id, nodePool.id]];
    }
}
