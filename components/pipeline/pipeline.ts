/**
 * Pipeline: the whole TiDB → TiCDC → Kafka → Flink stack as one component.
 *
 * It builds the platform target (a private Docker network, or a Kubernetes namespace), then each
 * of the three services, managed or external, and records them as the "clusters" stage so the
 * dynamic resources that come after (topics, changefeeds, Flink tables and jobs) are torn down
 * before the services they live on.
 */
import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../config";
import { FlinkSessionCluster } from "../flink";
import { KafkaCluster, zookeeperQuorum } from "../kafka";
import type { Target } from "../platform";
import { TidbCluster } from "../tidb";
import { createFlinkSql, type FlinkSql } from "./flink-sql";
import { createReplication, type Replication } from "./replication";
import { PipelineStages } from "./stages";

export interface PipelineArgs {
    settings: StackSettings;
    /** Secret; required for a managed TiDB on Kubernetes (checked with the config). */
    tidbRootPassword?: pulumi.Output<string>;
}

/** Where clients reach each service. "internal" addresses are the ones the services use among themselves. */
export interface PipelineEndpoints {
    /** `host:port` of TiDB's MySQL protocol (no credentials). */
    tidbMysqlEndpoint: pulumi.Output<string>;
    ticdcApiUrl: pulumi.Output<string>;
    kafkaBootstrapServers: pulumi.Output<string>;
    /** What TiCDC's sink URI and Flink's Kafka tables use. */
    kafkaInternalBootstrapServers: pulumi.Output<string>;
    flinkRestUrl: pulumi.Output<string>;
    flinkSqlGatewayUrl: pulumi.Output<string>;
    /** Where Flink SQL jobs are stopped with a savepoint (undefined: an external Flink without one). */
    flinkSavepointDir?: pulumi.Output<string>;
}

export class Pipeline extends pulumi.ComponentResource {
    public readonly endpoints: PipelineEndpoints;
    /** Resources by teardown stage; later issues add topics, changefeeds, tables and jobs. */
    public readonly stages: PipelineStages;
    public readonly tidb?: TidbCluster;
    public readonly kafka?: KafkaCluster;
    public readonly flink?: FlinkSessionCluster;
    /** Topics and the changefeed (empty when no table is replicated). */
    public readonly replication: Replication;
    /** Flink SQL tables and jobs declared in `flinkSql`. */
    public readonly flinkSql: FlinkSql;

    constructor(name: string, args: PipelineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tidb-cdc-pipeline:index:Pipeline", name, {}, opts);
        const { settings } = args;
        this.stages = new PipelineStages();
        const tidb = settings.tidb.external;
        const kafka = settings.kafka.external;
        const flink = settings.flink.external;
        // A stack whose services are all external owns only its dynamic resources: no network or
        // namespace, so it needs neither a Docker engine nor a cluster.
        const target = lazy(() => createTarget(this, settings));
        const common = { prefix: settings.namePrefix, protect: settings.protectStorage };
        const child = { parent: this };
        if (!tidb) {
            this.tidb = new TidbCluster(
                `${name}-tidb`,
                {
                    ...common,
                    target: target(),
                    settings: settings.tidb,
                    rootPassword: args.tidbRootPassword,
                },
                child,
            );
        }
        if (!kafka) {
            this.kafka = new KafkaCluster(
                `${name}-kafka`,
                { ...common, target: target(), settings: settings.kafka },
                child,
            );
        }
        if (!flink) {
            const zookeeperHa = settings.flink.highAvailability === "zookeeper";
            this.flink = new FlinkSessionCluster(
                `${name}-flink`,
                {
                    ...common,
                    target: target(),
                    settings: settings.flink,
                    zookeeperQuorum: zookeeperHa ? zookeeperQuorum(settings.kafka) : undefined,
                },
                // ZooKeeper HA uses the ensemble of the Kafka cluster: it must outlive Flink.
                { ...child, dependsOn: zookeeperHa && this.kafka ? [this.kafka] : [] },
            );
        }
        for (const cluster of [this.tidb, this.kafka, this.flink]) {
            if (cluster) this.stages.add("clusters", cluster);
        }

        const kafkaServers = kafka && pulumi.output(kafka.bootstrapServers.join(","));
        this.endpoints = {
            tidbMysqlEndpoint: tidb
                ? pulumi.output(`${tidb.host}:${tidb.port}`)
                : pulumi.interpolate`${this.tidb?.mysqlHost}:${this.tidb?.mysqlPort}`,
            ticdcApiUrl: tidb ? pulumi.output(tidb.ticdcApiUrl) : managed(this.tidb).ticdcApiUrl,
            kafkaBootstrapServers: kafkaServers ?? managed(this.kafka).bootstrapServers,
            kafkaInternalBootstrapServers:
                kafkaServers ?? managed(this.kafka).internalBootstrapServers,
            flinkRestUrl: flink ? pulumi.output(flink.restUrl) : managed(this.flink).restUrl,
            flinkSqlGatewayUrl: flink
                ? pulumi.output(flink.sqlGatewayUrl)
                : managed(this.flink).sqlGatewayUrl,
            flinkSavepointDir: flink
                ? flink.savepointDir === undefined
                    ? undefined
                    : pulumi.output(flink.savepointDir)
                : managed(this.flink).savepointDir,
        };
        this.replication = createReplication(
            this,
            settings,
            this.endpoints,
            this.stages,
            args.tidbRootPassword,
        );
        this.flinkSql = createFlinkSql(this, settings, this.endpoints, this.stages);
        this.registerOutputs({ ...this.endpoints });
    }
}

/** Calls `make` once, on first use. */
function lazy<T>(make: () => T): () => T {
    let made: { value: T } | undefined;
    return () => (made ??= { value: make() }).value;
}

function createTarget(parent: pulumi.Resource, settings: StackSettings): Target {
    const prefix = settings.namePrefix;
    if (settings.target === "docker") {
        const network = new docker.Network(
            `${prefix}-net`,
            {
                name: `${prefix}-net`,
                driver: "bridge",
                labels: [{ label: "io.tidb-cdc-pipeline.stack", value: prefix }],
            },
            { parent },
        );
        return {
            kind: "docker",
            network,
            hostPorts: settings.docker.hostPorts,
            images: settings.docker.images,
        };
    }
    const { namespace, createNamespace, storageClassName, operators } = settings.kubernetes;
    const dependsOn: pulumi.Resource[] = [];
    if (createNamespace) {
        dependsOn.push(
            new k8s.core.v1.Namespace(
                `${prefix}-namespace`,
                {
                    metadata: {
                        name: namespace,
                        labels: { "app.kubernetes.io/part-of": "tidb-cdc-pipeline" },
                    },
                },
                // Deleting the namespace deletes every PVC in it: protected with the storage.
                { parent, protect: settings.protectStorage },
            ),
        );
    }
    return { kind: "kubernetes", namespace, storageClassName, operators, dependsOn };
}

/** A cluster the pipeline provisioned itself (exists whenever the service is not external). */
function managed<T>(cluster: T | undefined): T {
    if (cluster === undefined) throw new Error("internal error: managed cluster missing");
    return cluster;
}
