/** The kafkajs KafkaAdmin's pure parts: broker lists and the error messages built from kafkajs errors. */
import * as kafkajs from "kafkajs";
import { describe, expect, it } from "vitest";
import {
    isKafkaAdminError,
    kafkaAdminError,
    parseBootstrapServers,
    protocolType,
    toAdminError,
} from "../../components/kafka/admin";
import { adminConnection } from "../../components/kafka/topic";

const {
    KafkaJSAggregateError,
    KafkaJSConnectionError,
    KafkaJSNumberOfRetriesExceeded,
    KafkaJSProtocolError,
} = kafkajs;
/** Exported by kafkajs but missing from (or mistyped in) its typings. */
const { KafkaJSCreateTopicError, KafkaJSSASLAuthenticationError } = kafkajs as unknown as {
    KafkaJSCreateTopicError: new (cause: Error, topic: string) => Error;
    KafkaJSSASLAuthenticationError: new (message: string) => Error;
};

const context = { operation: "create", topic: "tidb-cdc", brokers: "127.0.0.1:1" };

/** kafkajs builds protocol errors from its error-code table; these are the fields it sets. */
const protocolError = (type: string, message: string) =>
    new KafkaJSProtocolError({ type, message, code: 0, retriable: false } as unknown as Error);

describe("bootstrap servers", () => {
    it("splits, trims and drops empty entries", () => {
        expect(parseBootstrapServers(" kafka-0:9092, kafka-1:9092,,")).toEqual([
            "kafka-0:9092",
            "kafka-1:9092",
        ]);
    });

    it("become the admin connection, with credentials passed through untouched", () => {
        const sasl = { mechanism: "plain" as const, username: "u", password: "p" };
        expect(adminConnection({ bootstrapServers: "a:1,b:2", ssl: true, sasl })).toEqual({
            brokers: ["a:1", "b:2"],
            ssl: true,
            sasl,
            clientId: "pulumi-kafka-topic",
        });
    });
});

describe("errors", () => {
    it("an unreachable cluster names the brokers and the cause", () => {
        const refused = new KafkaJSConnectionError(
            "Connection error: connect ECONNREFUSED 127.0.0.1:1",
        );
        const err = toAdminError(
            new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 3, retryTime: 2000 }),
            context,
        );
        expect(isKafkaAdminError(err)).toBe(true);
        expect(err.code).toBe("unreachable");
        expect(err.message).toBe(
            'create Kafka topic "tidb-cdc" on 127.0.0.1:1 failed: cannot reach the brokers (Connection error: connect ECONNREFUSED 127.0.0.1:1); check that the cluster is running and that bootstrapServers, ssl and sasl are right',
        );
    });

    it("unwraps kafkajs's aggregate of per-topic create errors", () => {
        const aggregate = new KafkaJSAggregateError("Topic creation errors", [
            new KafkaJSCreateTopicError(
                protocolError("INVALID_REPLICATION_FACTOR", "Replication-factor is invalid"),
                "tidb-cdc",
            ),
        ]);
        expect(protocolType(aggregate)).toBe("INVALID_REPLICATION_FACTOR");
        const err = toAdminError(aggregate, context);
        expect(err.code).toBe("invalid-replication-factor");
        expect(err.message).toBe(
            'create Kafka topic "tidb-cdc" on 127.0.0.1:1 failed: invalid replication factor (it cannot exceed the number of live brokers) (INVALID_REPLICATION_FACTOR)',
        );
    });

    it.each([
        ["UNKNOWN_TOPIC_OR_PARTITION", "unknown-topic", "the topic does not exist"],
        ["INVALID_PARTITIONS", "invalid-partitions", "invalid partition count"],
        ["POLICY_VIOLATION", "policy-violation", "create/alter topic policy rejected"],
        ["TOPIC_AUTHORIZATION_FAILED", "authorization", "not authorized"],
        ["TOPIC_DELETION_DISABLED", "policy-violation", "delete.topic.enable=false"],
    ])("maps %s to %s", (type, code, hint) => {
        const err = toAdminError(protocolError(type, "…"), context);
        expect(err.code).toBe(code);
        expect(err.message).toContain(hint);
        expect(err.message).toContain('"tidb-cdc" on 127.0.0.1:1');
    });

    it("reports SASL failures without credentials, and unknown errors with their message", () => {
        const sasl = toAdminError(
            new KafkaJSSASLAuthenticationError("SASL PLAIN authentication failed: bad credentials"),
            { ...context, topic: undefined, operation: "list topics" },
        );
        expect(sasl.code).toBe("authentication");
        expect(sasl.message).toBe(
            "list topics on Kafka 127.0.0.1:1 failed: SASL authentication failed (SASL PLAIN authentication failed: bad credentials)",
        );
        expect(toAdminError(new Error("boom"), context).message).toBe(
            'create Kafka topic "tidb-cdc" on 127.0.0.1:1 failed: boom',
        );
    });

    it("passes KafkaAdminErrors through", () => {
        const original = kafkaAdminError("x", "topic-exists");
        expect(toAdminError(original, context)).toBe(original);
    });
});
