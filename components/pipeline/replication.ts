/**
 * The replication layer on top of the clusters: one Kafka topic per replicated table, and the
 * TiCDC changefeed that writes them as canal-json. Each resource depends on the stage that must
 * outlive it (stages.ts), so `pulumi destroy` stops the changefeed before its topics go.
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../config";
import { KafkaTopic } from "../kafka/topic";
import { Changefeed } from "../ticdc/changefeed";
import type { PipelineEndpoints } from "./pipeline";
import type { PipelineStages } from "./stages";
import { forgetIfUnreachable } from "./teardown";

/**
 * TiCDC's topic for a table under the dispatcher expression `tidb_{schema}_{table}` (the TiDB
 * docs' default); characters Kafka does not allow in topic names become `_`, as TiCDC does.
 */
export function tableTopic(table: string): string {
    const [schema, name] = table.split(".");
    return `tidb_${schema}_${name}`.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** Where TiCDC sends events no dispatcher matches (schema-level DDL): it must exist too. */
export function defaultTopic(changefeedId: string): string {
    return `${changefeedId}-default`;
}

/** The topics the stack declares: the default topic, then one per listed table. */
export function replicationTopics(replication: StackSettings["replication"]): string[] {
    const tables = replication.tables.filter((t) => !t.endsWith(".*"));
    return [defaultTopic(replication.changefeedId), ...tables.map(tableTopic)];
}

/** Topic overrides TiCDC relies on (kafka.md §4.3): its message size, and plain deletion. */
export function topicConfigs(settings: StackSettings): Record<string, string> {
    return {
        "cleanup.policy": "delete",
        "max.message.bytes": String(settings.kafka.messageMaxBytes),
    };
}

export interface Replication {
    topics: KafkaTopic[];
    changefeed?: Changefeed;
}

/** `host:port` → its parts (the last colon separates the port; default 4000). */
export function splitHostPort(endpoint: string): { host: string; port: number } {
    const at = endpoint.lastIndexOf(":");
    const port = at < 0 ? NaN : Number(endpoint.slice(at + 1));
    if (at < 0 || !Number.isInteger(port)) return { host: endpoint, port: 4000 };
    return { host: endpoint.slice(0, at).replace(/^\[(.*)\]$/, "$1"), port };
}

export function createReplication(
    parent: pulumi.Resource,
    settings: StackSettings,
    endpoints: PipelineEndpoints,
    stages: PipelineStages,
    /** Secret; TiDB's root password, for the changefeed's SQL eligibility check. */
    tidbRootPassword?: pulumi.Output<string>,
): Replication {
    const { replication, namePrefix: prefix } = settings;
    if (replication.tables.length === 0) return { topics: [] };

    const topics = replicationTopics(replication).map(
        (topic) =>
            new KafkaTopic(
                `${prefix}-topic-${topic}`,
                {
                    name: topic,
                    partitions: replication.topicPartitions,
                    replicationFactor: replication.topicReplicationFactor,
                    configs: topicConfigs(settings),
                    connection: { bootstrapServers: endpoints.kafkaBootstrapServers },
                    forgetIfUnreachable: forgetIfUnreachable(settings, "kafka"),
                },
                { parent, dependsOn: stages.dependenciesOf("topics") },
            ),
    );
    stages.add("topics", ...topics);

    const changefeed = new Changefeed(
        `${prefix}-changefeed`,
        {
            changefeedId: replication.changefeedId,
            ticdcApiUrl: endpoints.ticdcApiUrl,
            sink: endpoints.kafkaInternalBootstrapServers.apply((servers) => ({
                // TiCDC reaches the brokers from inside the stack's network.
                brokers: servers.split(","),
                topic: defaultTopic(replication.changefeedId),
                protocol: replication.protocol,
                partitionNum: replication.topicPartitions,
                replicationFactor: replication.topicReplicationFactor,
                maxMessageBytes: settings.kafka.messageMaxBytes,
                autoCreateTopic: settings.kafka.autoCreateTopics,
            })),
            tables: replication.tables,
            // The eligibility check's SQL path, for a TiCDC without verify_table (classic, as
            // TiDB v8.5 runs it). The password stays a secret output (the Changefeed marks it).
            tidb: {
                host: endpoints.tidbMysqlEndpoint.apply((e) => splitHostPort(e).host),
                port: endpoints.tidbMysqlEndpoint.apply((e) => splitHostPort(e).port),
                user: settings.tidb.external?.user ?? "root",
                ...(tidbRootPassword !== undefined
                    ? { password: pulumi.secret(tidbRootPassword) }
                    : {}),
            },
            // TiCDC runs in the TiDB cluster.
            forgetIfUnreachable: forgetIfUnreachable(settings, "tidb"),
        },
        { parent, dependsOn: stages.dependenciesOf("changefeeds") },
    );
    stages.add("changefeeds", changefeed);
    return { topics, changefeed };
}
