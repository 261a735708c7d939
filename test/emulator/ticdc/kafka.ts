/**
 * The emulator's Kafka side. `verifySink` is what `newKafkaDMLSink` checks when a changefeed is
 * created or updated (tiflow `pkg/sink/kafka/options.go` `AdjustOptions`,
 * `cdc/sink/dmlsink/mq/manager/kafka_manager.go`): topic metadata, `min.insync.replicas` vs
 * `replication-factor` when acks=-1, `max.message.bytes`, `partition-num` ≤ the real partition
 * count, and the default topic created only with `auto-create-topic=true` (TiCDC's default!).
 *
 * Two backends:
 * - `RealKafka` (kafkajs): admin calls and one lazily connected producer per changefeed, explicit
 *   partitions, null keys, acks as configured;
 * - `MemoryKafka`: topics and messages in memory, for unit tests without a broker. Same checks,
 *   same messages; `reachable = false` simulates an unreachable cluster.
 *
 * Errors carry sarama-like texts inside TiCDC's wrappers, e.g.
 * `[CDC:ErrKafkaNewProducer]new kafka producer: kafka: client has run out of available brokers to
 * talk to: <cause>`.
 */
import {
    type Admin,
    CompressionTypes,
    ConfigResourceTypes,
    Kafka,
    type KafkaConfig,
    logLevel,
    type Producer,
    type SASLOptions,
} from "kafkajs";
import { CdcError, E } from "./errors";
import type { KafkaSinkOptions } from "./sinkuri";

export interface TopicState {
    partitions: number;
    configs: Record<string, string>;
}

/** An admin session on the cluster a sink URI points at. */
export interface ClusterSession {
    topicState(topic: string): Promise<TopicState | undefined>;
    /** `min.insync.replicas` and `message.max.bytes` of a broker. */
    brokerConfigs(): Promise<Record<string, string>>;
    createTopic(topic: string, partitions: number, replicationFactor: number): Promise<void>;
    close(): Promise<void>;
}

export interface SinkProducer {
    send(topic: string, messages: { partition: number; value: string }[]): Promise<void>;
    close(): Promise<void>;
}

export interface KafkaBackend {
    /** Connects an admin session; an unreachable cluster throws (any error). */
    session(sink: KafkaSinkOptions, clientId: string): Promise<ClusterSession>;
    producer(sink: KafkaSinkOptions, clientId: string): SinkProducer;
}

const MAX_MESSAGE_BYTES_OVERHEAD = 128;

function describeError(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

async function openSession(
    backend: KafkaBackend,
    sink: KafkaSinkOptions,
    clientId: string,
): Promise<ClusterSession> {
    try {
        return await backend.session(sink, clientId);
    } catch (error) {
        throw E.kafkaNewProducer(
            `kafka: client has run out of available brokers to talk to: ${describeError(error)}`,
        );
    }
}

/** `kafkaTopicManager.createTopic`: the error before `GetTopicManagerAndTryCreateTopic` wraps it. */
async function createTopic(
    session: ClusterSession,
    sink: KafkaSinkOptions,
    topic: string,
    partitions: number,
): Promise<void> {
    if (!sink.autoCreate) {
        throw E.kafkaInvalidConfig(`\`auto-create-topic\` is false, and ${topic} not found`);
    }
    try {
        await session.createTopic(topic, partitions, sink.replicationFactor);
    } catch (error) {
        throw E.kafkaCreateTopic(describeError(error));
    }
}

/**
 * `kafka.AdjustOptions` + `GetTopicManagerAndTryCreateTopic` for the default topic: the effective
 * partition count of the default topic and the producer's max message bytes.
 */
export async function verifySink(
    backend: KafkaBackend,
    sink: KafkaSinkOptions,
    clientId: string,
): Promise<{ partitionNum: number; maxMessageBytes: number }> {
    const session = await openSession(backend, sink, clientId);
    try {
        let state: TopicState | undefined;
        let broker: Record<string, string> = {};
        try {
            state = await session.topicState(sink.topic);
            if (!state || sink.requiredAcks === -1) broker = await session.brokerConfigs();
        } catch (error) {
            if (error instanceof CdcError) throw error;
            throw E.kafkaNewProducer(describeError(error));
        }
        if (sink.requiredAcks === -1) {
            const source = state ? "topic" : "broker";
            const minIsr = Number(
                (state?.configs["min.insync.replicas"] ?? broker["min.insync.replicas"]) || "1",
            );
            if (sink.replicationFactor < minIsr) {
                throw E.kafkaNewProducer(
                    E.kafkaInvalidConfig(
                        "TiCDC Kafka producer's `request.required.acks` defaults to -1, TiCDC cannot deliver " +
                            `messages when the \`replication-factor\` ${sink.replicationFactor} is smaller than ` +
                            `the \`min.insync.replicas\` ${minIsr} of ${source}`,
                    ),
                );
            }
        }
        let maxMessageBytes = sink.maxMessageBytes;
        const limit = Number(
            (state ? state.configs["max.message.bytes"] : undefined) ?? broker["message.max.bytes"],
        );
        if (Number.isFinite(limit) && limit > 0) {
            maxMessageBytes = Math.min(maxMessageBytes, limit - MAX_MESSAGE_BYTES_OVERHEAD);
        }
        if (state) {
            if (sink.partitionNum !== undefined && sink.partitionNum > state.partitions) {
                throw E.kafkaNewProducer(
                    E.kafkaInvalidPartitionNum(
                        `the number of partition (${sink.partitionNum}) specified in sink-uri is more than that of actual topic (${state.partitions})`,
                    ),
                );
            }
            return { partitionNum: sink.partitionNum ?? state.partitions, maxMessageBytes };
        }
        const partitionNum = sink.partitionNum ?? 3;
        try {
            await createTopic(session, sink, sink.topic, partitionNum);
        } catch (error) {
            throw E.kafkaCreateTopic(error as Error);
        }
        return { partitionNum, maxMessageBytes };
    } finally {
        await session.close().catch(() => undefined);
    }
}

/** Partition count of a (dynamic) topic, creating it like TiCDC's topic manager would. */
export async function partitionsOf(
    backend: KafkaBackend,
    sink: KafkaSinkOptions,
    clientId: string,
    topic: string,
    createWith: number,
): Promise<number> {
    const session = await openSession(backend, sink, clientId);
    try {
        const state = await session.topicState(topic);
        if (state) return state.partitions;
        await createTopic(session, sink, topic, createWith);
        return createWith;
    } finally {
        await session.close().catch(() => undefined);
    }
}

/** How the emulator reaches real brokers. */
export interface RealKafkaOptions {
    /**
     * Brokers to use instead of the sink URI's hosts (e.g. when the URI names in-cluster
     * addresses); a function gets the URI's hosts. Default: the URI's hosts.
     */
    brokers?: string[] | ((uriBrokers: string[]) => string[]);
    /** Connection timeout per attempt (ms, default 3000). */
    connectionTimeoutMs?: number;
    /** kafkajs retries (default 2). */
    retries?: number;
    /** Extra kafkajs client settings, merged over what the URI implies. */
    client?: Partial<KafkaConfig>;
}

const COMPRESSION: Record<string, CompressionTypes> = {
    none: CompressionTypes.None,
    gzip: CompressionTypes.GZIP,
};

export class RealKafka implements KafkaBackend {
    constructor(private readonly options: RealKafkaOptions = {}) {}

    private client(sink: KafkaSinkOptions, clientId: string): Kafka {
        const b = this.options.brokers;
        const brokers = typeof b === "function" ? b(sink.brokers) : (b ?? sink.brokers);
        const sasl = sink.sasl
            ? ({
                  mechanism: sink.sasl.mechanism,
                  username: sink.sasl.user,
                  password: sink.sasl.password,
              } as SASLOptions)
            : undefined;
        return new Kafka({
            clientId,
            brokers,
            logLevel: logLevel.NOTHING,
            connectionTimeout: this.options.connectionTimeoutMs ?? 3000,
            retry: { retries: this.options.retries ?? 2, initialRetryTime: 100 },
            ssl: sink.tls || undefined,
            sasl,
            ...this.options.client,
        });
    }

    async session(sink: KafkaSinkOptions, clientId: string): Promise<ClusterSession> {
        const admin: Admin = this.client(sink, clientId).admin();
        await admin.connect();
        return {
            async topicState(topic) {
                const topics = await admin.listTopics();
                if (!topics.includes(topic)) return undefined;
                const meta = await admin.fetchTopicMetadata({ topics: [topic] });
                const described = await admin.describeConfigs({
                    includeSynonyms: false,
                    resources: [
                        {
                            type: ConfigResourceTypes.TOPIC,
                            name: topic,
                            configNames: ["min.insync.replicas", "max.message.bytes"],
                        },
                    ],
                });
                const configs: Record<string, string> = {};
                for (const entry of described.resources[0]?.configEntries ?? []) {
                    configs[entry.configName] = entry.configValue;
                }
                return { partitions: meta.topics[0]?.partitions.length ?? 0, configs };
            },
            async brokerConfigs() {
                const cluster = await admin.describeCluster();
                const node = cluster.brokers[0]?.nodeId ?? cluster.controller ?? 0;
                const described = await admin.describeConfigs({
                    includeSynonyms: false,
                    resources: [
                        {
                            type: ConfigResourceTypes.BROKER,
                            name: String(node),
                            configNames: ["min.insync.replicas", "message.max.bytes"],
                        },
                    ],
                });
                const configs: Record<string, string> = {};
                for (const entry of described.resources[0]?.configEntries ?? []) {
                    configs[entry.configName] = entry.configValue;
                }
                return configs;
            },
            async createTopic(topic, partitions, replicationFactor) {
                await admin.createTopics({
                    waitForLeaders: true,
                    topics: [{ topic, numPartitions: partitions, replicationFactor }],
                });
            },
            close: () => admin.disconnect(),
        };
    }

    producer(sink: KafkaSinkOptions, clientId: string): SinkProducer {
        const kafka = this.client(sink, clientId);
        let producer: Producer | undefined;
        let connecting: Promise<Producer> | undefined;
        const connected = async (): Promise<Producer> => {
            if (producer) return producer;
            connecting ??= (async () => {
                const p = kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
                await p.connect();
                producer = p;
                return p;
            })();
            try {
                return await connecting;
            } catch (error) {
                connecting = undefined;
                throw error;
            }
        };
        return {
            async send(topic, messages) {
                const p = await connected();
                await p.send({
                    topic,
                    acks: sink.requiredAcks,
                    // snappy/lz4/zstd need codecs kafkajs does not ship: sent uncompressed (a deviation).
                    compression: COMPRESSION[sink.compression] ?? CompressionTypes.None,
                    messages: messages.map((m) => ({
                        partition: m.partition,
                        key: null,
                        value: m.value,
                    })),
                });
            },
            async close() {
                const p = producer ?? (await connecting?.catch(() => undefined));
                producer = undefined;
                connecting = undefined;
                await p?.disconnect().catch(() => undefined);
            },
        };
    }
}

export interface MemoryMessage {
    topic: string;
    partition: number;
    offset: number;
    key: null;
    value: string;
    timestamp: number;
}

/** An in-memory "Kafka cluster" for unit tests (no broker needed). */
export class MemoryKafka implements KafkaBackend {
    /** false ⇒ every session/producer call fails like an unreachable cluster. */
    reachable = true;
    readonly brokerConfig: Record<string, string> = {
        "min.insync.replicas": "1",
        "message.max.bytes": "1048588",
    };
    private readonly topics = new Map<
        string,
        { partitions: MemoryMessage[][]; configs: Record<string, string> }
    >();

    createTopic(name: string, partitions: number, configs: Record<string, string> = {}): void {
        if (this.topics.has(name)) throw new Error(`Topic '${name}' already exists.`);
        this.topics.set(name, {
            partitions: Array.from({ length: partitions }, () => []),
            configs,
        });
    }

    deleteTopic(name: string): void {
        this.topics.delete(name);
    }

    hasTopic(name: string): boolean {
        return this.topics.has(name);
    }

    /** Messages of a topic (all partitions, in offset order per partition). */
    messages(topic: string): MemoryMessage[] {
        return (this.topics.get(topic)?.partitions ?? []).flat();
    }

    private check(): void {
        if (!this.reachable)
            throw new Error("dial tcp 127.0.0.1:9092: connect: connection refused");
    }

    session(): Promise<ClusterSession> {
        this.check();
        return Promise.resolve({
            topicState: (topic: string) => {
                this.check();
                const t = this.topics.get(topic);
                return Promise.resolve(
                    t
                        ? {
                              partitions: t.partitions.length,
                              configs: {
                                  "max.message.bytes": this.brokerConfig["message.max.bytes"] ?? "",
                                  ...t.configs,
                              },
                          }
                        : undefined,
                );
            },
            brokerConfigs: () => {
                this.check();
                return Promise.resolve({ ...this.brokerConfig });
            },
            createTopic: (topic: string, partitions: number) => {
                this.check();
                this.createTopic(topic, partitions);
                return Promise.resolve();
            },
            close: () => Promise.resolve(),
        });
    }

    producer(): SinkProducer {
        return {
            send: (topic, messages) => {
                this.check();
                const t = this.topics.get(topic);
                if (!t) {
                    return Promise.reject(
                        new Error("This server does not host this topic-partition"),
                    );
                }
                for (const m of messages) {
                    const partition = t.partitions[m.partition];
                    if (!partition)
                        return Promise.reject(new Error(`no partition ${m.partition} in ${topic}`));
                    partition.push({
                        topic,
                        partition: m.partition,
                        offset: partition.length,
                        key: null,
                        value: m.value,
                        timestamp: Date.now(),
                    });
                }
                return Promise.resolve();
            },
            close: () => Promise.resolve(),
        };
    }
}
