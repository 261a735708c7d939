/**
 * The fewest remote calls each provider operation needs, by the APIs alone, with the reason.
 * Kafka minimums count requests on an open connection; a connection costs ApiVersions + Metadata
 * (broker and controller discovery) on top, and SASL two more. HTTP minimums assume no polling
 * (a real wait for a state polls at least once more). Pure data (test/bench/minimums.test.ts).
 */

export type Operation = "create" | "read" | "update" | "delete";
export type ProviderName = "KafkaTopic" | "Changefeed" | "SqlTable" | "SqlJob";

export interface Minimum {
    http: number;
    kafka: number;
    reason: string;
}

/** Requests every new Kafka connection costs before the operation's own: ApiVersions, Metadata. */
export const KAFKA_CONNECTION_SETUP = 2;

/**
 * A job's minimum depends on the statements its session replays (`replayed`: the tables'
 * `sessionSql`): each statement is a submit (POST) and one result fetch (GET).
 */
export function minimumFor(provider: ProviderName, op: Operation, replayed = 2): Minimum {
    const statements = 2 * replayed;
    switch (provider) {
        case "KafkaTopic":
            return {
                create: {
                    http: 0,
                    kafka: 1,
                    reason: "CreateTopics sets partitions, replication factor and configs at once; its answer carries the outcome",
                },
                read: {
                    http: 0,
                    kafka: 2,
                    reason: "Metadata (partitions, replicas) + DescribeConfigs of the managed names",
                },
                update: {
                    http: 0,
                    kafka: 2,
                    reason: "CreatePartitions + IncrementalAlterConfigs (kafkajs has only the legacy AlterConfigs, which needs a DescribeConfigs first)",
                },
                delete: { http: 0, kafka: 1, reason: "DeleteTopics" },
            }[op];
        case "Changefeed":
            return {
                create: {
                    http: 1,
                    kafka: 0,
                    reason: "POST /changefeeds answers with the changefeed (one GET more to see it reach normal)",
                },
                read: {
                    http: 1,
                    kafka: 0,
                    reason: "GET /changefeeds/{id} carries config, state and error",
                },
                update: {
                    http: 3,
                    kafka: 0,
                    reason: "pause + PUT + resume: TiCDC refuses to update a running changefeed",
                },
                delete: { http: 1, kafka: 0, reason: "DELETE /changefeeds/{id}" },
            }[op];
        case "SqlTable":
            return {
                create: {
                    http: 6,
                    kafka: 0,
                    reason: "open session, CREATE TABLE and EXPLAIN (submit + result each), close session: the same validation",
                },
                read: {
                    http: 0,
                    kafka: 0,
                    reason: "an in-memory-catalog table has no live state (jobs replay its DDL)",
                },
                update: {
                    http: 0,
                    kafka: 0,
                    reason: "only non-definition inputs change in place (a new definition replaces)",
                },
                delete: {
                    http: 0,
                    kafka: 0,
                    reason: "nothing to drop in the in-memory catalog",
                },
            }[op];
        case "SqlJob":
            return {
                create: {
                    http: statements + 5,
                    kafka: 0,
                    reason: `open session, replay ${replayed} table DDLs and the INSERT (submit + result each), close session, one GET /jobs/{id} for RUNNING`,
                },
                read: { http: 1, kafka: 0, reason: "GET /jobs/{id}" },
                update: {
                    http: statements + 7,
                    kafka: 0,
                    reason: "stop-with-savepoint (POST /stop + one trigger status) and a create from the savepoint",
                },
                delete: {
                    http: 2,
                    kafka: 0,
                    reason: "stop-with-savepoint: POST /stop + one trigger status (a plain cancel: 1)",
                },
            }[op];
    }
}
