/**
 * The benchmarked pipeline, as stack config: N replicated tables `<schema>.tNNN`, each with its
 * Kafka topic, a canal-json source table over that topic, a `blackhole` sink table, and one
 * streaming INSERT job (parallelism 1, so one task slot each), plus the changefeed and its default
 * topic. Every service is external (the local services), so the stack owns only the dynamic
 * resources. Pure (test/bench/shape.test.ts).
 */

export interface ShapeEndpoints {
    kafkaBootstrap: string;
    ticdcApiUrl: string;
    mariadb: { host: string; port: number };
    flinkRestUrl: string;
    flinkGatewayUrl: string;
    savepointDir: string;
}

export interface Shape {
    /** Replicated tables. */
    tables: number;
    /** Running jobs (≤ tables): fewer when the Flink has fewer free slots. */
    jobs: number;
}

export function tableName(index: number): string {
    return `t${String(index + 1).padStart(3, "0")}`;
}

export const COLUMNS = [
    { name: "id", type: "BIGINT", nullable: false },
    { name: "note", type: "STRING" },
] as const;

/** The stack's `tidb-cdc-pipeline:*` config values (before EngineStack.config). */
export function shapeConfig(
    prefix: string,
    schema: string,
    shape: Shape,
    endpoints: ShapeEndpoints,
): Record<string, unknown> {
    if (shape.jobs > shape.tables) throw new Error("at most one job per table");
    const names = Array.from({ length: shape.tables }, (_, i) => tableName(i));
    return {
        target: "docker",
        namePrefix: prefix,
        tidb: {
            external: {
                host: endpoints.mariadb.host,
                port: endpoints.mariadb.port,
                ticdcApiUrl: endpoints.ticdcApiUrl,
            },
        },
        kafka: { external: { bootstrapServers: [endpoints.kafkaBootstrap] } },
        flink: {
            external: {
                restUrl: endpoints.flinkRestUrl,
                sqlGatewayUrl: endpoints.flinkGatewayUrl,
                savepointDir: endpoints.savepointDir,
            },
        },
        replication: {
            changefeedId: `${prefix}-cdc`,
            tables: names.map((name) => `${schema}.${name}`),
            topicPartitions: 1,
            topicReplicationFactor: 1,
        },
        flinkSql: {
            tables: names.flatMap((name) => [
                {
                    name: `${name}_src`,
                    from: `${schema}.${name}`,
                    columns: COLUMNS.map((c) => ({ ...c })),
                    primaryKey: ["id"],
                },
                {
                    name: `${name}_out`,
                    columns: COLUMNS.map((c) => ({ ...c })),
                    options: { connector: "blackhole" },
                },
            ]),
            jobs: names.slice(0, shape.jobs).map((name) => ({
                name,
                statement: `INSERT INTO ${name}_out SELECT id, note FROM ${name}_src`,
                parallelism: 1,
            })),
        },
    };
}

export interface ResourceCounts {
    topics: number;
    changefeeds: number;
    flinkTables: number;
    jobs: number;
    /** Everything the providers manage (the stack and the Pipeline component not counted). */
    total: number;
}

/** What the stack declares for a shape. */
export function resourceCounts(shape: Shape): ResourceCounts {
    const topics = shape.tables === 0 ? 0 : shape.tables + 1;
    const changefeeds = shape.tables === 0 ? 0 : 1;
    const flinkTables = 2 * shape.tables;
    const jobs = shape.jobs;
    return {
        topics,
        changefeeds,
        flinkTables,
        jobs,
        total: topics + changefeeds + flinkTables + jobs,
    };
}

/**
 * The jobs a Flink with `slots` task slots can run for `tables` tables, keeping `reserve` slots
 * free (for the latency pipeline, or another job of ours): one job per table when they fit.
 */
export function jobsThatFit(tables: number, slots: number, reserve = 0): number {
    return Math.max(0, Math.min(tables, slots - reserve));
}
