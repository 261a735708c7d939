/**
 * Hop 3, the marker in the Kafka topic, with kafkajs (the project's Kafka client):
 *
 * - before the insert: does the topic exist, and each partition's end offset (`probeTopic`);
 * - a consumer started before the insert too, positioned (seek) at those end offsets, so it reads
 *   exactly what arrives after them, however long the group join takes; it is ready once it has
 *   joined its group;
 * - `waitForMarker` resolves when a canal-json INSERT of the marker id arrives.
 *
 * The consumer never commits offsets and never creates a topic (`allowAutoTopicCreation: false`:
 * kafkajs would otherwise ask the broker to create a missing topic). Its group (`cdc-verify-<tag>`)
 * is deleted afterwards, so the cluster keeps no trace of the run.
 *
 * When the topic does not exist yet and TiCDC creates topics (auto-create-topic), the watch waits
 * for it to appear and reads it from the beginning.
 */
import type { Consumer, Kafka } from "kafkajs";
import { toAdminError } from "../../components/kafka/admin";
import type { TableRef } from "./args";
import { matchMarkerMessage, type MarkerMessage } from "./match";
import type { PartitionOffset } from "./sql";
import { sleep, until } from "./wait";

export interface KafkaHit extends MarkerMessage {
    partition: number;
    offset: string;
    /** `performance.now()` when the consumer got it. */
    seenAt: number;
}

export async function kafkaClient(bootstrapServers: string): Promise<Kafka> {
    const { Kafka, logLevel } = await import("kafkajs");
    return new Kafka({
        clientId: "cdc-verify",
        brokers: bootstrapServers.split(",").map((s) => s.trim()),
        connectionTimeout: 3_000,
        requestTimeout: 15_000,
        retry: { retries: 3, initialRetryTime: 250, maxRetryTime: 2_000 },
        // Failures are reported with context by verify; kafkajs's own log would only repeat them.
        logLevel: logLevel.NOTHING,
    });
}

function describe(error: unknown, operation: string, topic: string, brokers: string): Error {
    return new Error(toAdminError(error, { operation, topic, brokers }).message);
}

export interface TopicProbe {
    exists: boolean;
    /** Each partition's end offset (the next offset to be written). */
    endOffsets?: PartitionOffset[];
}

/** Whether the topic exists, and its end offsets. Never creates it. */
export async function probeTopic(
    kafka: Kafka,
    topic: string,
    brokers: string,
): Promise<TopicProbe> {
    const admin = kafka.admin();
    try {
        await admin.connect();
        // The list, not metadata: metadata for a missing topic is a slow retriable error.
        if (!(await admin.listTopics()).includes(topic)) return { exists: false };
        const offsets = await admin.fetchTopicOffsets(topic);
        return {
            exists: true,
            endOffsets: offsets.map((o) => ({ partition: o.partition, offset: o.high })),
        };
    } catch (error) {
        throw describe(error, "read the end offsets of", topic, brokers);
    } finally {
        await admin.disconnect().catch(() => undefined);
    }
}

export interface KafkaWatch {
    /** Resolves with the marker's message; rejects at the deadline or when aborted. */
    waitForMarker(deadline: number, signal: AbortSignal): Promise<KafkaHit>;
    /** Stops the consumer and deletes its group; returns what was cleaned up. */
    close(): Promise<string[]>;
}

export interface WatchOptions {
    kafka: Kafka;
    brokers: string;
    topic: string;
    groupId: string;
    /** End offsets taken before the insert; undefined = the topic is not there yet. */
    start?: readonly PartitionOffset[];
    marker: TableRef;
    id: string;
}

/**
 * Starts the consumer (when the topic exists) and waits until it has joined its group, so the
 * insert that follows is read live.
 */
export async function watchTopic(
    options: WatchOptions,
    readyDeadline: number,
): Promise<KafkaWatch> {
    const { kafka, topic, brokers } = options;
    let consumer: Consumer | undefined;
    let hit: KafkaHit | undefined;
    let crashed: string | undefined;
    let joined = false;

    const start = async (positions: readonly PartitionOffset[] | "beginning") => {
        const c = kafka.consumer({
            groupId: options.groupId,
            allowAutoTopicCreation: false,
            maxWaitTimeInMs: 200,
            retry: { retries: 3, initialRetryTime: 250, maxRetryTime: 2_000 },
        });
        consumer = c;
        c.on(c.events.GROUP_JOIN, () => {
            joined = true;
        });
        c.on(c.events.CRASH, (event) => {
            const error = (event.payload as { error?: unknown }).error;
            crashed = describe(error, "consume", topic, brokers).message;
        });
        try {
            await c.connect();
            await c.subscribe({ topics: [topic], fromBeginning: positions === "beginning" });
            await c.run({
                autoCommit: false,
                eachMessage: ({ partition, message }) => {
                    if (!hit) {
                        const match = matchMarkerMessage(message.value, options.marker, options.id);
                        if (match) {
                            hit = {
                                partition,
                                offset: message.offset,
                                seenAt: performance.now(),
                                ...match,
                            };
                        }
                    }
                    return Promise.resolve();
                },
            });
        } catch (error) {
            throw describe(error, "start a consumer on", topic, brokers);
        }
        if (positions !== "beginning") {
            for (const p of positions) c.seek({ topic, partition: p.partition, offset: p.offset });
        }
    };

    const watch: KafkaWatch = {
        async waitForMarker(deadline, signal) {
            if (!consumer) {
                // The topic was missing at the start and TiCDC creates topics: wait for it.
                let appeared = false;
                while (!signal.aborted && Date.now() < deadline) {
                    if ((await probeTopic(kafka, topic, brokers)).exists) {
                        appeared = true;
                        break;
                    }
                    await sleep(500, signal);
                }
                if (!appeared) {
                    throw new Error(
                        signal.aborted
                            ? "stopped"
                            : `topic ${topic} was not created within the timeout (TiCDC creates it on the first event)`,
                    );
                }
                await start("beginning");
            }
            await until(() => hit !== undefined || crashed !== undefined, deadline, signal, 50);
            if (hit) return hit;
            if (crashed !== undefined) throw new Error(crashed);
            throw new Error(signal.aborted ? "stopped" : "timeout");
        },
        async close() {
            const done: string[] = [];
            if (!consumer) return done;
            await consumer.disconnect().catch(() => undefined);
            const admin = kafka.admin();
            try {
                await admin.connect();
                await admin.deleteGroups([options.groupId]);
                done.push(`Kafka consumer group ${options.groupId} deleted`);
            } catch (error) {
                const type = (error as { groups?: { error?: { type?: string } }[] }).groups?.[0]
                    ?.error?.type;
                // A group without committed offsets may already be gone.
                if (type !== "GROUP_ID_NOT_FOUND") {
                    throw describe(
                        error,
                        `delete consumer group ${options.groupId}`,
                        topic,
                        brokers,
                    );
                }
                done.push(`Kafka consumer group ${options.groupId} gone`);
            } finally {
                await admin.disconnect().catch(() => undefined);
            }
            return done;
        },
    };

    if (options.start) {
        try {
            await start(options.start);
            const ready = await until(() => joined || crashed !== undefined, readyDeadline);
            if (crashed !== undefined) throw new Error(crashed);
            if (!ready) {
                throw new Error(
                    `the consumer did not join its group on ${brokers} within the timeout (is the group coordinator up?)`,
                );
            }
        } catch (error) {
            // The caller gets no watch to close: leave nothing behind here.
            await watch.close().catch(() => undefined);
            throw error;
        }
    }
    return watch;
}
