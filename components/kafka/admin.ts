/**
 * The Kafka admin operations the KafkaTopic provider needs, behind a small interface so the client
 * can be swapped (kafkajs 2.2.4 is unmaintained, kafka.md §3), plus its kafkajs implementation.
 *
 * Every call opens its own connection and closes it: the provider is serialized into another
 * process, so nothing may live at module level. Failures are `KafkaAdminError`s whose message names
 * the operation, the topic and the brokers, and never a credential.
 */
import type {
    Admin,
    ConfigResourceTypes,
    ConfigSource,
    ITopicConfig,
    KafkaConfig,
    SASLOptions,
} from "kafkajs";

export type KafkaSaslMechanism = "plain" | "scram-sha-256" | "scram-sha-512";

export interface KafkaConnection {
    /** `host:port` of at least one broker. */
    brokers: string[];
    clientId?: string;
    /** TLS with the system's trusted CAs. */
    ssl?: boolean;
    sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
    /**
     * Defaults keep an unreachable cluster from stalling a deployment: a refused connection fails
     * after about 2 s (3 retries from 250 ms), a silent host after about 4 × `connectMs`.
     */
    timeouts?: { connectMs?: number; requestMs?: number; retries?: number };
}

export interface TopicSpec {
    name: string;
    partitions: number;
    replicationFactor: number;
    configs: Record<string, string>;
}

export interface TopicDescription {
    name: string;
    partitions: number;
    /** Replicas of partition 0 (all partitions share it unless a reassignment is under way). */
    replicationFactor: number;
    /** See `KafkaAdmin.describeTopic`. */
    configs: Record<string, string>;
}

export interface ConfigChange {
    /** Overrides to set on the topic. */
    set: Record<string, string>;
    /** Overrides to remove, so the broker default applies again. */
    remove: readonly string[];
}

export interface KafkaAdmin {
    /** The brokers, as shown in messages. */
    readonly brokers: string;
    /**
     * The topic, or undefined when it does not exist. `configs` holds the effective values of
     * `configNames` (whatever their source: topic override, broker setting or default); without
     * `configNames` it holds the topic's own overrides only (what an import should adopt).
     */
    describeTopic(
        name: string,
        configNames?: readonly string[],
    ): Promise<TopicDescription | undefined>;
    /** Creates the topic and waits for partition leaders; `code: "topic-exists"` if it exists. */
    createTopic(spec: TopicSpec): Promise<void>;
    /** Grows the topic to `total` partitions (Kafka cannot shrink). */
    createPartitions(name: string, total: number): Promise<void>;
    /** Sets and removes the given overrides; every other override of the topic is kept. */
    alterConfigs(name: string, change: ConfigChange): Promise<void>;
    /** Deletes the topic; false when it did not exist. */
    deleteTopic(name: string): Promise<boolean>;
    listTopics(): Promise<string[]>;
}

export type KafkaAdminErrorCode =
    | "unreachable"
    | "authentication"
    | "authorization"
    | "unknown-topic"
    | "topic-exists"
    | "invalid-partitions"
    | "invalid-replication-factor"
    | "invalid-config"
    | "policy-violation"
    | "other";

/** A failed admin operation; `message` names the operation, the topic and the brokers. */
export interface KafkaAdminError extends Error {
    name: "KafkaAdminError";
    code: KafkaAdminErrorCode;
}

/**
 * A plain Error with fields, not a subclass: the provider's closure is serialized, and Pulumi
 * turns classes into functions whose `super(message)` no longer sets `message`.
 */
export function kafkaAdminError(message: string, code: KafkaAdminErrorCode): KafkaAdminError {
    return Object.assign(new Error(message), { name: "KafkaAdminError" as const, code });
}

export function isKafkaAdminError(error: unknown): error is KafkaAdminError {
    return error instanceof Error && error.name === "KafkaAdminError";
}

/** `["a:1", "b:2"]` from `"a:1, b:2,"`: split on commas, trimmed, empty entries dropped. */
export function parseBootstrapServers(bootstrapServers: string): string[] {
    return bootstrapServers
        .split(",")
        .map((server) => server.trim())
        .filter((server) => server !== "");
}

// kafkajs's enum values, typed but declared here: kafkajs itself is only loaded inside the
// operations, which the provider runs in another process.
/** `ConfigSource.TOPIC_CONFIG`: an override set on the topic itself. */
const TOPIC_CONFIG_SOURCE: ConfigSource = 1;
/** `ConfigResourceTypes.TOPIC`. */
const TOPIC_RESOURCE: ConfigResourceTypes = 2;

/** A `KafkaAdmin` on kafkajs. */
export function kafkajsAdmin(connection: KafkaConnection): KafkaAdmin {
    const brokers = connection.brokers.join(",");
    const timeouts = {
        connectMs: connection.timeouts?.connectMs ?? 3_000,
        requestMs: connection.timeouts?.requestMs ?? 30_000,
        retries: connection.timeouts?.retries ?? 3,
    };

    /** One connection per operation; kafkajs errors become KafkaAdminErrors. */
    async function withAdmin<T>(
        operation: string,
        topic: string | undefined,
        action: (admin: Admin) => Promise<T>,
    ): Promise<T> {
        // Required here, not imported at the top: the provider is serialized and run in another
        // process. `require`, unlike a transpiled `import()`, is left alone by the serializer.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { Kafka, logLevel } = require("kafkajs") as typeof import("kafkajs");
        const config: KafkaConfig = {
            clientId: connection.clientId ?? "pulumi-kafka-topic",
            brokers: connection.brokers,
            ssl: connection.ssl === true,
            connectionTimeout: timeouts.connectMs,
            requestTimeout: timeouts.requestMs,
            retry: { retries: timeouts.retries, initialRetryTime: 250, maxRetryTime: 5_000 },
            // Failures are thrown with context below; kafkajs's own logging would only repeat them.
            logLevel: logLevel.NOTHING,
        };
        if (connection.sasl) config.sasl = saslOptions(connection.sasl);
        const admin = new Kafka(config).admin();
        try {
            await admin.connect();
            return await action(admin);
        } catch (err) {
            throw toAdminError(err, { operation, topic, brokers });
        } finally {
            await admin.disconnect().catch(() => undefined);
        }
    }

    async function topicExists(admin: Admin, name: string): Promise<boolean> {
        // Metadata for a missing topic is a retriable error in kafkajs (slow); the list is not.
        return (await admin.listTopics()).includes(name);
    }

    async function describeConfigEntries(admin: Admin, name: string, configNames?: string[]) {
        const { resources } = await admin.describeConfigs({
            includeSynonyms: false,
            resources: [{ type: TOPIC_RESOURCE, name, configNames }],
        });
        return resources.flatMap((resource) => resource.configEntries);
    }

    /**
     * kafkajs drops the broker's error text ("Invalid value abc for configuration …"), so on
     * INVALID_CONFIG each entry is validated alone (validateOnly) to name the rejected ones.
     */
    async function rejectedEntries(
        entries: Record<string, string>,
        validate: (name: string, value: string) => Promise<unknown>,
    ): Promise<string[]> {
        const rejected: string[] = [];
        for (const [name, value] of Object.entries(entries)) {
            try {
                await validate(name, value);
            } catch {
                rejected.push(`${name}=${value}`);
            }
        }
        return rejected;
    }

    function invalidConfigError(
        operation: string,
        topic: string,
        rejected: string[],
    ): KafkaAdminError {
        const which =
            rejected.length > 0
                ? `rejected ${rejected.join(", ")}`
                : "rejected the configs (no single entry fails alone)";
        return kafkaAdminError(
            `${operation} Kafka topic "${topic}" on ${brokers} failed: the broker ${which}: an unknown config name or an invalid value (see https://kafka.apache.org/documentation/#topicconfigs)`,
            "invalid-config",
        );
    }

    return {
        brokers,

        describeTopic: (name, configNames) =>
            withAdmin("describe", name, async (admin) => {
                if (!(await topicExists(admin, name))) return undefined;
                const { topics } = await admin.fetchTopicMetadata({ topics: [name] });
                const partitions = topics.find((t) => t.name === name)?.partitions ?? [];
                if (partitions.length === 0) return undefined;
                const first = partitions.reduce((a, b) => (b.partitionId < a.partitionId ? b : a));
                const configs: Record<string, string> = {};
                if (configNames === undefined || configNames.length > 0) {
                    const entries = await describeConfigEntries(
                        admin,
                        name,
                        configNames === undefined ? undefined : [...configNames],
                    );
                    for (const entry of entries) {
                        // Null values are sensitive or unset; neither can be compared.
                        if (entry.configValue === null || entry.configValue === undefined) continue;
                        if (
                            configNames !== undefined ||
                            entry.configSource === TOPIC_CONFIG_SOURCE
                        ) {
                            configs[entry.configName] = entry.configValue;
                        }
                    }
                }
                return {
                    name,
                    partitions: partitions.length,
                    replicationFactor: first.replicas.length,
                    configs,
                };
            }),

        createTopic: (spec) =>
            withAdmin("create", spec.name, async (admin) => {
                const topic = (configs: Record<string, string>): ITopicConfig => ({
                    topic: spec.name,
                    numPartitions: spec.partitions,
                    replicationFactor: spec.replicationFactor,
                    configEntries: Object.entries(configs).map(([name, value]) => ({
                        name,
                        value,
                    })),
                });
                let created: boolean;
                try {
                    created = await admin.createTopics({
                        topics: [topic(spec.configs)],
                        waitForLeaders: true,
                        timeout: timeouts.requestMs,
                    });
                } catch (err) {
                    // CreateTopics succeeded, but kafkajs' wait for leaders read the broker's
                    // metadata before it caught up (a fresh KRaft broker, topics created at
                    // once) and does not retry UNKNOWN_TOPIC_OR_PARTITION. The topic exists;
                    // the provider's settle step waits until its partitions show.
                    if (protocolType(err) === "UNKNOWN_TOPIC_OR_PARTITION") return;
                    if (protocolType(err) !== "INVALID_CONFIG") throw err;
                    const rejected = await rejectedEntries(spec.configs, (name, value) =>
                        admin.createTopics({
                            topics: [topic({ [name]: value })],
                            validateOnly: true,
                            waitForLeaders: false,
                        }),
                    );
                    throw invalidConfigError("create", spec.name, rejected);
                }
                // kafkajs resolves false instead of throwing TOPIC_ALREADY_EXISTS.
                if (!created) {
                    throw kafkaAdminError(
                        `create Kafka topic "${spec.name}" on ${brokers} failed: the topic already exists`,
                        "topic-exists",
                    );
                }
            }),

        createPartitions: (name, total) =>
            withAdmin("add partitions to", name, async (admin) => {
                await admin.createPartitions({
                    topicPartitions: [{ topic: name, count: total }],
                    timeout: timeouts.requestMs,
                });
            }),

        alterConfigs: (name, change) =>
            withAdmin("alter configs of", name, async (admin) => {
                // kafkajs has only the legacy AlterConfigs, which replaces all of the topic's
                // overrides: read them, apply the change, send the whole set back. (Not atomic: an
                // override written by someone else in between is lost.)
                const entries = await describeConfigEntries(admin, name);
                const next: Record<string, string> = {};
                for (const entry of entries) {
                    if (entry.configSource !== TOPIC_CONFIG_SOURCE) continue;
                    if (entry.configValue === null || entry.configValue === undefined) {
                        throw kafkaAdminError(
                            `alter configs of Kafka topic "${name}" on ${brokers} failed: its override ${entry.configName} is sensitive and cannot be read back, so a full AlterConfigs would drop it`,
                            "other",
                        );
                    }
                    next[entry.configName] = entry.configValue;
                }
                for (const key of change.remove) delete next[key];
                Object.assign(next, change.set);
                const alter = (configs: Record<string, string>, validateOnly: boolean) =>
                    admin.alterConfigs({
                        validateOnly,
                        resources: [
                            {
                                type: TOPIC_RESOURCE,
                                name,
                                configEntries: Object.entries(configs).map(([key, value]) => ({
                                    name: key,
                                    value,
                                })),
                            },
                        ],
                    });
                try {
                    await alter(next, false);
                } catch (err) {
                    if (protocolType(err) !== "INVALID_CONFIG") throw err;
                    const rejected = await rejectedEntries(change.set, (key, value) =>
                        alter({ [key]: value }, true),
                    );
                    throw invalidConfigError("alter configs of", name, rejected);
                }
            }),

        deleteTopic: (name) =>
            withAdmin("delete", name, async (admin) => {
                // kafkajs retries UNKNOWN_TOPIC_OR_PARTITION on delete for seconds: look first.
                if (!(await topicExists(admin, name))) return false;
                try {
                    await admin.deleteTopics({ topics: [name], timeout: timeouts.requestMs });
                } catch (err) {
                    if (protocolType(err) === "UNKNOWN_TOPIC_OR_PARTITION") return false;
                    throw err;
                }
                return true;
            }),

        listTopics: () => withAdmin("list topics", undefined, (admin) => admin.listTopics()),
    };
}

function saslOptions(sasl: NonNullable<KafkaConnection["sasl"]>): SASLOptions {
    const { username, password } = sasl;
    switch (sasl.mechanism) {
        case "plain":
            return { mechanism: "plain", username, password };
        case "scram-sha-256":
            return { mechanism: "scram-sha-256", username, password };
        case "scram-sha-512":
            return { mechanism: "scram-sha-512", username, password };
    }
}

/** The first kafkajs protocol error type (`INVALID_CONFIG`, …) along an error's causes, if any. */
export function protocolType(err: unknown): string | undefined {
    for (const e of errorChain(err)) {
        const type = (e as { type?: unknown }).type;
        if (typeof type === "string") return type;
    }
    return undefined;
}

/** The error, its causes and (for aggregates) its first inner error. */
function errorChain(err: unknown): unknown[] {
    const chain: unknown[] = [];
    let current: unknown = err;
    while (current !== undefined && current !== null && chain.length < 10) {
        chain.push(current);
        const e = current as { cause?: unknown; errors?: unknown[] };
        current = e.cause ?? (Array.isArray(e.errors) ? e.errors[0] : undefined);
    }
    return chain;
}

const PROTOCOL_ERRORS: Record<string, { code: KafkaAdminErrorCode; hint: string }> = {
    UNKNOWN_TOPIC_OR_PARTITION: { code: "unknown-topic", hint: "the topic does not exist" },
    TOPIC_ALREADY_EXISTS: { code: "topic-exists", hint: "the topic already exists" },
    INVALID_PARTITIONS: {
        code: "invalid-partitions",
        hint: "invalid partition count (a topic can only grow, and needs at least 1)",
    },
    INVALID_REPLICATION_FACTOR: {
        code: "invalid-replication-factor",
        hint: "invalid replication factor (it cannot exceed the number of live brokers)",
    },
    INVALID_REPLICA_ASSIGNMENT: {
        code: "invalid-replication-factor",
        hint: "invalid replica assignment",
    },
    INVALID_CONFIG: { code: "invalid-config", hint: "the broker rejected a config" },
    POLICY_VIOLATION: {
        code: "policy-violation",
        hint: "the cluster's create/alter topic policy rejected the request (create.topic.policy.class.name / alter.config.policy.class.name)",
    },
    INVALID_TOPIC_EXCEPTION: { code: "other", hint: "the broker rejected the topic name" },
    TOPIC_DELETION_DISABLED: {
        code: "policy-violation",
        hint: "topic deletion is disabled on the brokers (delete.topic.enable=false)",
    },
    TOPIC_AUTHORIZATION_FAILED: {
        code: "authorization",
        hint: "not authorized: the principal needs Create, Alter, AlterConfigs, Describe, DescribeConfigs and Delete on the topic",
    },
    CLUSTER_AUTHORIZATION_FAILED: {
        code: "authorization",
        hint: "not authorized on the cluster (ACLs)",
    },
    SASL_AUTHENTICATION_FAILED: {
        code: "authentication",
        hint: "SASL authentication failed (check the mechanism, username and password)",
    },
    ILLEGAL_SASL_STATE: { code: "authentication", hint: "SASL handshake failed" },
    UNSUPPORTED_SASL_MECHANISM: {
        code: "authentication",
        hint: "the brokers do not offer this SASL mechanism",
    },
    REQUEST_TIMED_OUT: { code: "other", hint: "the broker timed out" },
};

/** A KafkaAdminError for a kafkajs error, with the operation, topic and brokers in the message. */
export function toAdminError(
    err: unknown,
    context: { operation: string; topic: string | undefined; brokers: string },
): KafkaAdminError {
    if (isKafkaAdminError(err)) return err;
    const what =
        context.topic === undefined
            ? `${context.operation} on Kafka ${context.brokers}`
            : `${context.operation} Kafka topic "${context.topic}" on ${context.brokers}`;
    const chain = errorChain(err);
    const messages = chain
        .map((e) => (e instanceof Error ? e.message : String(e)))
        .filter((m, i, all) => m !== "" && all.indexOf(m) === i);
    const detail = messages.at(-1) ?? "unknown error";
    const type = protocolType(err);
    const known = type === undefined ? undefined : PROTOCOL_ERRORS[type];
    if (known) {
        return kafkaAdminError(`${what} failed: ${known.hint} (${type})`, known.code);
    }
    const names = chain.map((e) => (e instanceof Error ? e.name : ""));
    if (names.includes("KafkaJSSASLAuthenticationError")) {
        return kafkaAdminError(
            `${what} failed: SASL authentication failed (${detail})`,
            "authentication",
        );
    }
    if (
        names.some((n) =>
            [
                "KafkaJSConnectionError",
                "KafkaJSConnectionClosedError",
                "KafkaJSRequestTimeoutError",
                "KafkaJSBrokerNotFound",
            ].includes(n),
        )
    ) {
        return kafkaAdminError(
            `${what} failed: cannot reach the brokers (${detail}); check that the cluster is running and that bootstrapServers, ssl and sasl are right`,
            "unreachable",
        );
    }
    return kafkaAdminError(`${what} failed: ${detail}`, "other");
}
