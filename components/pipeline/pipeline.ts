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
        const render = renderMode(settings);
        const common = { prefix: settings.namePrefix, protect: settings.protectStorage };
        const child = { parent: this };
        if (!tidb) {
            this.tidb = new TidbCluster(
                `${name}-tidb`,
                {
                    ...common,
                    target: target(),
                    settings: settings.tidb,
                    // Render mode writes the bootstrap Secret to a file: never the real password.
                    rootPassword:
                        render && args.tidbRootPassword
                            ? pulumi.secret(RENDERED_PASSWORD_PLACEHOLDER)
                            : args.tidbRootPassword,
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
        // Render mode: topics, the changefeed and Flink SQL talk to live services; none is rendered.
        this.replication = render
            ? { topics: [] }
            : createReplication(this, settings, this.endpoints, this.stages, args.tidbRootPassword);
        this.flinkSql = render
            ? { tables: [], jobs: [] }
            : createFlinkSql(this, settings, this.endpoints, this.stages);
        this.registerOutputs({ ...this.endpoints });
    }
}

/** What the TiDB bootstrap Secret holds in render mode (kubernetes.renderYamlToDirectory). */
export const RENDERED_PASSWORD_PLACEHOLDER =
    "RENDERED-PLACEHOLDER: not the tidbRootPassword; pulumi up writes the real one, render mode never does";

/** Whether the stack renders its Kubernetes objects to files instead of applying them. */
export function renderMode(settings: StackSettings): boolean {
    return (
        settings.target === "kubernetes" && settings.kubernetes.renderYamlToDirectory !== undefined
    );
}

/**
 * What render mode leaves out of the rendered manifests, because only a live cluster or service
 * can take it: one line each, for the render script's output.
 */
export function renderModeOmissions(settings: StackSettings): string[] {
    if (!renderMode(settings)) return [];
    const omitted: string[] = [];
    const managed = [
        settings.tidb.external
            ? undefined
            : "TiDB Operator v2 (its CRDs from the release URL and its Helm chart)",
        settings.kafka.external ? undefined : "Strimzi (remote Helm chart)",
        settings.flink.external ? undefined : "the Flink Kubernetes Operator (remote Helm chart)",
    ].filter((line): line is string => line !== undefined);
    if (settings.kubernetes.operators.install && managed.length > 0) {
        omitted.push(
            `operator installs: ${managed.join("; ")}; rendered as with kubernetes.operators.install: false` +
                (settings.flink.external
                    ? ""
                    : `, so the Flink session cluster runs as the stack's own service account ${settings.namePrefix}-flink instead of the chart's "flink"`),
        );
    }
    const { tables, changefeedId } = settings.replication;
    if (tables.length > 0) {
        omitted.push(
            `Kafka topics and the TiCDC changefeed ${changefeedId} (dynamic resources: Kafka admin API, TiCDC Open API)`,
        );
    }
    const sql = settings.flinkSql;
    if (sql.tables.length > 0 || sql.jobs.length > 0) {
        omitted.push(
            `Flink SQL tables and jobs (${sql.tables.length} + ${sql.jobs.length}; dynamic resources: SQL Gateway)`,
        );
    }
    if (!settings.tidb.external) {
        omitted.push(
            "the TiDB root password: the bootstrap Secret holds a marked placeholder instead",
        );
    }
    return omitted;
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
    const { namespace, createNamespace, storageClassName, operators, renderYamlToDirectory } =
        settings.kubernetes;
    // Render mode: one provider for every Kubernetes object, writing YAML instead of applying it.
    // The operator installs (remote Helm charts, CRDs from release URLs) cannot be rendered
    // offline: the stack renders as with operators.install: false (renderModeOmissions).
    const provider =
        renderYamlToDirectory === undefined
            ? undefined
            : new k8s.Provider(`${prefix}-render`, { renderYamlToDirectory }, { parent });
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
                { parent, protect: settings.protectStorage, ...(provider ? { provider } : {}) },
            ),
        );
    }
    if (provider) {
        const rendered = { ...operators, install: false };
        return {
            kind: "kubernetes",
            namespace,
            storageClassName,
            operators: rendered,
            dependsOn,
            provider,
        };
    }
    return { kind: "kubernetes", namespace, storageClassName, operators, dependsOn };
}

/** A cluster the pipeline provisioned itself (exists whenever the service is not external). */
function managed<T>(cluster: T | undefined): T {
    if (cluster === undefined) throw new Error("internal error: managed cluster missing");
    return cluster;
}
