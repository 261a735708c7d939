/**
 * The Flink SQL layer of the pipeline: the tables and INSERT jobs declared in `flinkSql`. A table
 * `from` a replicated TiDB table reads that table's topic as canal-json; jobs replay the tables'
 * definitions in their own gateway session (Flink's default catalog forgets them otherwise).
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../config";
import { canalJsonKafkaSourceOptions } from "../flink/sql";
import { FlinkSqlJob } from "../flink/sql-job";
import { FlinkSqlTable } from "../flink/sql-table";
import type { PipelineEndpoints } from "./pipeline";
import { tableTopic } from "./replication";
import type { PipelineStages } from "./stages";
import { forgetIfUnreachable } from "./teardown";

type SqlTableSettings = StackSettings["flinkSql"]["tables"][number];

/**
 * WITH options of a declared table. A source over a replicated table reads its topic from the
 * beginning, as the changefeed fills it, and keeps only that table's canal-json events.
 */
export function tableOptions(
    table: SqlTableSettings,
    prefix: string,
    kafkaBootstrapServers: string,
): Record<string, string> {
    if (table.from === undefined) return table.options;
    const [database, name] = table.from.split(".");
    return canalJsonKafkaSourceOptions({
        topic: tableTopic(table.from),
        bootstrapServers: kafkaBootstrapServers,
        groupId: `${prefix}-${table.name}`,
        database,
        table: name,
        extra: table.options,
    });
}

export interface FlinkSql {
    tables: FlinkSqlTable[];
    jobs: FlinkSqlJob[];
}

export function createFlinkSql(
    parent: pulumi.Resource,
    settings: StackSettings,
    endpoints: PipelineEndpoints,
    stages: PipelineStages,
): FlinkSql {
    const { flinkSql, namePrefix: prefix } = settings;
    const tables = flinkSql.tables.map(
        (table) =>
            new FlinkSqlTable(
                `${prefix}-sql-table-${table.name}`,
                {
                    gatewayUrl: endpoints.flinkSqlGatewayUrl,
                    name: table.name,
                    columns: table.columns,
                    primaryKey: table.primaryKey,
                    // Flink reaches the brokers from inside the stack's network.
                    options: endpoints.kafkaInternalBootstrapServers.apply((servers) =>
                        tableOptions(table, prefix, servers),
                    ),
                    validateAs: table.from === undefined ? "sink" : "source",
                    forgetIfUnreachable: forgetIfUnreachable(settings, "flink"),
                },
                { parent, dependsOn: stages.dependenciesOf("tables") },
            ),
    );
    stages.add("tables", ...tables);

    const jobs = flinkSql.jobs.map(
        (job) =>
            new FlinkSqlJob(
                `${prefix}-sql-job-${job.name}`,
                {
                    name: `${prefix}-${job.name}`,
                    gatewayUrl: endpoints.flinkSqlGatewayUrl,
                    restUrl: endpoints.flinkRestUrl,
                    tables,
                    statement: job.statement,
                    executionConfig:
                        job.parallelism === undefined
                            ? {}
                            : { "parallelism.default": String(job.parallelism) },
                    savepointDir: endpoints.flinkSavepointDir,
                    stopped: job.stopped,
                    forgetIfUnreachable: forgetIfUnreachable(settings, "flink"),
                },
                { parent, dependsOn: stages.dependenciesOf("jobs") },
            ),
    );
    stages.add("jobs", ...jobs);
    return { tables, jobs };
}
