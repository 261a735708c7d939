/**
 * Remote calls per provider operation: each provider's create, read, update and delete run in
 * this process (as test/integration/e2e.test.ts runs them) against the local services, one at a
 * time, with every HTTP call and Kafka request counted (counting.ts). The update of each is the
 * common one: a topic grown by a partition with a new config, a changefeed given one more table,
 * a table's non-definition input, a job's statement changed (stop with savepoint, resubmit).
 */
import type * as pulumi from "@pulumi/pulumi";
import { canalJsonKafkaSourceOptions } from "../../components/flink/sql";
import { jobProvider, type FlinkSqlJobOutputs } from "../../components/flink/sql-job";
import { tableProvider, type FlinkSqlTableOutputs } from "../../components/flink/sql-table";
import { kafkaTopicProvider, type KafkaTopicOutputs } from "../../components/kafka/topic";
import { defaultTopic, tableTopic } from "../../components/pipeline/replication";
import { changefeedProvider } from "../../components/ticdc/changefeed";
import { tally, type CallTally } from "./calls";
import type { Cleanup } from "./cleanup";
import { measure } from "./counting";
import { minimumFor, type Minimum, type Operation, type ProviderName } from "./minimums";
import { COLUMNS } from "./shape";

export interface OperationCount {
    provider: ProviderName;
    op: Operation;
    ms: number;
    calls: CallTally;
    minimum: Minimum;
}

export interface ProviderContext {
    run: string;
    bootstrap: string;
    ticdcApiUrl: string;
    gatewayUrl: string;
    restUrl: string;
    savepointDir: string;
    cleanup: Cleanup;
    log: (line: string) => void;
    defineTables(schema: string, names: string[]): void;
}

type Provider = pulumi.dynamic.ResourceProvider;

async function checked(provider: Provider, news: Record<string, unknown>, olds = {}) {
    const result = await provider.check!(olds, news);
    if (result.failures?.length) {
        throw new Error(`check failed: ${JSON.stringify(result.failures)}`);
    }
    return result.inputs as Record<string, unknown>;
}

export async function countProviderOperations(context: ProviderContext): Promise<OperationCount[]> {
    const { run, bootstrap, cleanup } = context;
    const schema = `${run}ops`;
    const changefeedId = `${run}-ops-cdc`;
    const topics = {
        fallback: defaultTopic(changefeedId),
        orders: tableTopic(`${schema}.orders`),
        items: tableTopic(`${schema}.items`),
    };
    const connection = { bootstrapServers: bootstrap };
    context.defineTables(schema, ["orders", "items"]);
    const counts: OperationCount[] = [];
    const count = async <T>(
        provider: ProviderName,
        op: Operation,
        fn: () => Promise<T>,
        replayed?: number,
    ): Promise<T> => {
        // The topic provider's client id (components/kafka/topic.ts adminConnection).
        const measured = await measure(fn, ["pulumi-kafka-topic"]);
        const calls = tally(measured.calls);
        counts.push({
            provider,
            op,
            ms: measured.ms,
            calls,
            minimum: minimumFor(provider, op, replayed),
        });
        context.log(
            `[bench]   ${provider} ${op}: ${calls.http} HTTP, ${calls.kafkaRequests} Kafka requests ` +
                `(${calls.kafkaConnections} connections), ${measured.ms.toFixed(0)} ms`,
        );
        return measured.value;
    };
    const topicInputs = (name: string, partitions = 1, configs: Record<string, string> = {}) =>
        checked(kafkaTopicProvider, {
            name,
            partitions,
            replicationFactor: 1,
            configs: { "cleanup.policy": "delete", "max.message.bytes": "10485760", ...configs },
            connection,
        });

    // Topics: the measured one, and the two the changefeed needs (not measured).
    const created: string[] = [];
    cleanup.add(`provider-operation topics of ${run}`, async () => {
        for (const name of created) {
            await kafkaTopicProvider.delete!(name, { name, connection } as KafkaTopicOutputs).catch(
                () => undefined,
            );
        }
    });
    const ordersInputs = await topicInputs(topics.orders);
    created.push(topics.orders);
    const topic = await count("KafkaTopic", "create", () =>
        kafkaTopicProvider.create(ordersInputs as never),
    );
    for (const name of [topics.fallback, topics.items]) {
        created.push(name);
        await kafkaTopicProvider.create((await topicInputs(name)) as never);
    }

    // The changefeed.
    const feedInputs = (tables: string[]) =>
        checked(changefeedProvider, {
            changefeedId,
            ticdcApiUrl: context.ticdcApiUrl,
            sink: { brokers: [bootstrap], topic: topics.fallback, partitionNum: 1 },
            tables,
        });
    const firstFeed = await feedInputs([`${schema}.orders`]);
    let feedCreated = false;
    cleanup.add(`changefeed ${changefeedId}`, async () => {
        if (feedCreated) {
            await changefeedProvider.delete!(changefeedId, {
                changefeedId,
                ticdcApiUrl: context.ticdcApiUrl,
            }).catch(() => undefined);
        }
    });
    const feed = await count("Changefeed", "create", () => changefeedProvider.create(firstFeed));
    feedCreated = true;

    // Flink: a canal-json source, a blackhole sink, one job.
    const sourceInputs = {
        gatewayUrl: context.gatewayUrl,
        name: `${run}_src`,
        columns: COLUMNS.map((c) => ({ ...c })),
        primaryKey: ["id"],
        options: canalJsonKafkaSourceOptions({
            topic: topics.orders,
            bootstrapServers: bootstrap,
            groupId: `${run}-ops`,
            database: schema,
            table: "orders",
        }),
    };
    // A first statement warms the gateway's planner up (class loading, JIT): not measured.
    await tableProvider.create({ ...sourceInputs, name: `${run}_warmup` });
    const source = await count("SqlTable", "create", () => tableProvider.create(sourceInputs));
    const sink = await tableProvider.create({
        gatewayUrl: context.gatewayUrl,
        name: `${run}_out`,
        columns: COLUMNS.map((c) => ({ ...c })),
        options: { connector: "blackhole" },
        validateAs: "sink",
    });
    const sourceTable = source.outs as FlinkSqlTableOutputs;
    const sinkTable = sink.outs as FlinkSqlTableOutputs;
    const tables = [...sourceTable.sessionSql, ...sinkTable.sessionSql];
    const jobInputs = {
        name: `${run}-ops-job`,
        gatewayUrl: context.gatewayUrl,
        restUrl: context.restUrl,
        tables,
        statement: `INSERT INTO ${run}_out SELECT id, note FROM ${run}_src`,
        executionConfig: { "parallelism.default": "1" },
        savepointDir: context.savepointDir,
        startTimeoutSeconds: 120,
        stopTimeoutSeconds: 120,
    };
    let job: FlinkSqlJobOutputs | undefined;
    cleanup.add(`Flink job ${jobInputs.name}`, async () => {
        if (job) await jobProvider.delete!(job.name, job).catch(() => undefined);
    });
    job = (await count("SqlJob", "create", () => jobProvider.create(jobInputs), tables.length))
        .outs;

    // Reads, as a refresh makes them.
    const topicState = topic.outs as KafkaTopicOutputs;
    await count("KafkaTopic", "read", () => kafkaTopicProvider.read!(topicState.name, topicState));
    const feedState = feed.outs as Record<string, unknown>;
    await count("Changefeed", "read", () => changefeedProvider.read!(changefeedId, feedState));
    await count("SqlTable", "read", () =>
        tableProvider.read!(sourceTable.qualifiedName, sourceTable),
    );
    await count("SqlJob", "read", () => jobProvider.read!(job!.name, job), tables.length);

    // Updates.
    const grown = await topicInputs(topics.orders, 2, { "retention.ms": "86400000" });
    await count("KafkaTopic", "update", () =>
        kafkaTopicProvider.update!(topicState.name, topicState, grown as never),
    );
    const secondFeed = await feedInputs([`${schema}.orders`, `${schema}.items`]);
    const updatedFeed = await count("Changefeed", "update", () =>
        changefeedProvider.update!(changefeedId, feedState, secondFeed),
    );
    await count("SqlTable", "update", () =>
        tableProvider.update!(sourceTable.qualifiedName, sourceTable, {
            ...sourceInputs,
            validateAs: "ddl",
        }),
    );
    const changedJob = {
        ...jobInputs,
        statement: `INSERT INTO ${run}_out SELECT id, UPPER(note) FROM ${run}_src`,
    };
    job = (
        await count(
            "SqlJob",
            "update",
            () => jobProvider.update!(job!.name, job!, changedJob),
            tables.length,
        )
    ).outs;

    // Deletes, in the pipeline's teardown order.
    await count("SqlJob", "delete", () => jobProvider.delete!(job!.name, job!), tables.length);
    job = undefined;
    await count("SqlTable", "delete", () =>
        tableProvider.delete!(sourceTable.qualifiedName, sourceTable),
    );
    await tableProvider.delete!(sinkTable.qualifiedName, sinkTable);
    await count("Changefeed", "delete", () =>
        changefeedProvider.delete!(changefeedId, (updatedFeed.outs ?? feedState) as never),
    );
    feedCreated = false;
    await count("KafkaTopic", "delete", () =>
        kafkaTopicProvider.delete!(topicState.name, topicState),
    );
    created.splice(created.indexOf(topics.orders), 1);
    return counts;
}
