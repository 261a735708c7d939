/**
 * KafkaTopic: a Pulumi dynamic provider for one Kafka topic, through the `KafkaAdmin` interface
 * (kafkajs today). `@pulumi/kafka` is not usable here: its plugin comes from hosts the machines
 * cannot reach, and it broke on Kafka 4 (kafka.md §0.5, §4.1). Lifecycle after Mongey's
 * `kafka_topic` (anchors.md §3.3):
 *
 * - check:  name, partitions, replication factor, configs and connection are validated locally;
 *           a shrink below the previous partitions is refused unless `allowPartitionShrink`.
 * - diff:   name or replicationFactor → replace; partitions grow → update, shrink → replace with
 *           `allowPartitionShrink` (else check refused it); configs → update; connection → update
 *           (state only). Never throws: refresh asks it too.
 * - create: CreateTopics, then wait until the metadata shows the partitions and configs. It
 *           refuses an existing topic. id = topic name.
 * - read:   metadata + DescribeConfigs of the managed config names only (broker defaults never
 *           show as drift); returns `inputs` so `pulumi refresh` carries drift into the inputs.
 *           Without managed configs in the props (an import), the topic's own overrides are
 *           adopted. (Pulumi's `import` option does not reach dynamic providers yet,
 *           pulumi/pulumi#16175; read is ready for when it does.)
 * - update: CreatePartitions when grown; set managed configs and remove the ones no longer
 *           managed (the broker default applies again); other overrides are left alone.
 * - delete: DeleteTopics, then wait until the topic is gone; a topic already gone is fine, an
 *           unreachable cluster is an error (the state is kept), unless `forgetIfUnreachable`:
 *           then the topic is dropped from the state with a warning (components/platform/
 *           unreachable.ts). Authentication and authorization failures are always errors.
 *           `forgetIfUnreachable` is an in-place update that only records it (no broker call).
 *
 * Config values are compared as Kafka means them ("+1000" = "1000"), since brokers store a
 * canonical spelling.
 */
import * as pulumi from "@pulumi/pulumi";
import { waitFor } from "../platform/http";
import {
    type ConfigChange,
    type KafkaAdmin,
    kafkaAdminError,
    type KafkaAdminErrorCode,
    type KafkaConnection,
    type KafkaSaslMechanism,
    kafkajsAdmin,
    parseBootstrapServers,
} from "./admin";
import { UNKNOWN, wireSafe } from "../platform/provider-values";
import { settleUnreachableDelete } from "../platform/unreachable";

export interface KafkaSaslArgs {
    mechanism: pulumi.Input<KafkaSaslMechanism>;
    username: pulumi.Input<string>;
    /** Made secret by KafkaTopic even when passed in plain text. */
    password: pulumi.Input<string>;
}

export interface KafkaConnectionArgs {
    /** Comma-separated `host:port` list, e.g. `KafkaCluster.bootstrapServers`. */
    bootstrapServers: pulumi.Input<string>;
    /** TLS with the system's trusted CAs. */
    ssl?: pulumi.Input<boolean>;
    sasl?: pulumi.Input<KafkaSaslArgs>;
}

export interface KafkaTopicArgs {
    /** The topic name; changing it replaces the topic. */
    name: pulumi.Input<string>;
    /** Grows in place; shrinking needs `allowPartitionShrink`. */
    partitions: pulumi.Input<number>;
    /** Changing it replaces the topic (in place would need a partition reassignment). */
    replicationFactor: pulumi.Input<number>;
    /**
     * Topic-level overrides, e.g. `{ "max.message.bytes": "10485760", "cleanup.policy":
     * "delete", "retention.ms": "604800000" }` for TiCDC (kafka.md §4.3). Only these keys are
     * managed: other overrides on the topic are left alone, and removing a key here removes the
     * override (the broker default applies again).
     */
    configs?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Let a partition decrease delete and recreate the topic, losing its data. Default false. */
    allowPartitionShrink?: pulumi.Input<boolean>;
    /** How to reach the brokers; a change never replaces the topic. */
    connection: pulumi.Input<KafkaConnectionArgs>;
    /**
     * On delete, when the brokers do not answer at all (connection refused, timeout; not an
     * authentication or authorization failure), drop the topic from the state with a warning
     * instead of failing. For clusters that live and die with the stack. Default false.
     */
    forgetIfUnreachable?: pulumi.Input<boolean>;
}

export interface KafkaConnectionInputs {
    bootstrapServers: string;
    ssl?: boolean;
    sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
}

/** The inputs as the provider sees them: resolved, with defaults applied by `check`. */
export interface KafkaTopicInputs {
    name: string;
    partitions: number;
    replicationFactor: number;
    configs: Record<string, string>;
    allowPartitionShrink: boolean;
    connection: KafkaConnectionInputs;
    /** Absent means false (states written before it existed have none). */
    forgetIfUnreachable?: boolean;
}

/** The state: the inputs as applied (create, update) or as found live (read). */
export type KafkaTopicOutputs = KafkaTopicInputs;

/** Kafka's own limit (`Topic.MAX_NAME_LENGTH`) and legal characters. */
const MAX_TOPIC_NAME_LENGTH = 249;
const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;
const SASL_MECHANISMS: readonly string[] = ["plain", "scram-sha-256", "scram-sha-512"];

const isUnknown = (value: unknown): boolean => value === UNKNOWN;
const isRecord = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);

/** Validation failures of the new inputs, each naming the property and the fix. */
export function validateTopicInputs(news: Record<string, unknown>): pulumi.dynamic.CheckFailure[] {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const fail = (property: string, reason: string) => failures.push({ property, reason });

    const name = news.name;
    if (!isUnknown(name)) {
        if (typeof name !== "string" || name === "") {
            fail("name", 'name is required: the Kafka topic name, e.g. "tidb-cdc"');
        } else if (name === "." || name === "..") {
            fail(
                "name",
                `"${name}" is not a legal topic name; use letters, digits, ".", "_" or "-"`,
            );
        } else if (name.length > MAX_TOPIC_NAME_LENGTH) {
            fail(
                "name",
                `the topic name has ${name.length} characters; Kafka allows at most ${MAX_TOPIC_NAME_LENGTH}`,
            );
        } else if (!TOPIC_NAME.test(name)) {
            const illegal = [...new Set(name.replace(/[a-zA-Z0-9._-]/g, ""))].join("");
            fail(
                "name",
                `topic name "${name}" contains ${JSON.stringify(illegal)}; Kafka allows only letters, digits, ".", "_" and "-"`,
            );
        }
    }
    for (const key of ["partitions", "replicationFactor"] as const) {
        const value = news[key];
        if (isUnknown(value)) continue;
        if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
            fail(key, `${key} must be a whole number ≥ 1, got ${JSON.stringify(value)}`);
        } else if (key === "replicationFactor" && value > 32767) {
            fail(key, `replicationFactor ${value} is above Kafka's limit of 32767`);
        }
    }
    const configs = news.configs;
    if (configs !== undefined && !isUnknown(configs)) {
        if (!isRecord(configs)) {
            fail(
                "configs",
                'configs must map config names to strings, e.g. { "retention.ms": "604800000" }',
            );
        } else {
            for (const [key, value] of Object.entries(configs)) {
                const property = `configs[${JSON.stringify(key)}]`;
                if (key.trim() === "" || key !== key.trim()) {
                    fail(property, "config names must be non-empty, without surrounding spaces");
                } else if (typeof value !== "string" && !isUnknown(value)) {
                    fail(
                        property,
                        `config values are strings as Kafka stores them: write ${JSON.stringify(String(value))} instead of ${JSON.stringify(value)}`,
                    );
                }
            }
        }
    }
    const shrink = news.allowPartitionShrink;
    if (shrink !== undefined && typeof shrink !== "boolean" && !isUnknown(shrink)) {
        fail("allowPartitionShrink", "allowPartitionShrink must be true or false");
    }
    const forget = news.forgetIfUnreachable;
    if (forget !== undefined && typeof forget !== "boolean" && !isUnknown(forget)) {
        fail("forgetIfUnreachable", "forgetIfUnreachable must be true or false");
    }
    failures.push(...validateConnection(news.connection));
    return failures;
}

function validateConnection(connection: unknown): pulumi.dynamic.CheckFailure[] {
    if (isUnknown(connection)) return [];
    if (!isRecord(connection)) {
        return [
            {
                property: "connection",
                reason: 'connection is required: { bootstrapServers: "host:port,…" } (e.g. KafkaCluster.bootstrapServers)',
            },
        ];
    }
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const servers = connection.bootstrapServers;
    if (!isUnknown(servers)) {
        const list = typeof servers === "string" ? parseBootstrapServers(servers) : [];
        const bad = list.filter(
            (server) => !/^[^\s:/,]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(server),
        );
        if (list.length === 0) {
            failures.push({
                property: "connection.bootstrapServers",
                reason: 'bootstrapServers is required: comma-separated "host:port" entries, e.g. "127.0.0.1:9092"',
            });
        } else if (bad.length > 0) {
            failures.push({
                property: "connection.bootstrapServers",
                // Redacted: a mistaken "user:password@host" must not end up in the output.
                reason: `every entry must be "host:port" (no scheme, no credentials): ${bad.map((b) => JSON.stringify(b.replace(/^(.*\/\/)?[^@]*@/, "$1***@"))).join(", ")}`,
            });
        }
    }
    const ssl = connection.ssl;
    if (ssl !== undefined && typeof ssl !== "boolean" && !isUnknown(ssl)) {
        failures.push({ property: "connection.ssl", reason: "ssl must be true or false" });
    }
    const sasl = connection.sasl;
    if (sasl !== undefined && !isUnknown(sasl)) {
        if (!isRecord(sasl)) {
            failures.push({
                property: "connection.sasl",
                reason: 'sasl must be { mechanism: "plain" | "scram-sha-256" | "scram-sha-512", username, password }',
            });
        } else {
            const mechanism = sasl.mechanism;
            if (!isUnknown(mechanism) && !SASL_MECHANISMS.includes(mechanism as string)) {
                failures.push({
                    property: "connection.sasl.mechanism",
                    reason: `mechanism must be one of ${SASL_MECHANISMS.join(", ")}, got ${JSON.stringify(mechanism)}`,
                });
            }
            for (const key of ["username", "password"] as const) {
                const value = sasl[key];
                // The password is never echoed, not even when it has the wrong type.
                if (!isUnknown(value) && (typeof value !== "string" || value === "")) {
                    failures.push({
                        property: `connection.sasl.${key}`,
                        reason: `sasl.${key} must be a non-empty string`,
                    });
                }
            }
        }
    }
    return failures;
}

/** The inputs with defaults applied (and nothing else, e.g. not the engine's `__provider`). */
export function normalizeTopicInputs(news: Record<string, unknown>): KafkaTopicInputs {
    const inputs = news as Partial<KafkaTopicInputs>;
    return {
        name: inputs.name as string,
        partitions: inputs.partitions as number,
        replicationFactor: inputs.replicationFactor as number,
        configs: inputs.configs ?? {},
        allowPartitionShrink: inputs.allowPartitionShrink ?? false,
        connection: inputs.connection as KafkaConnectionInputs,
        forgetIfUnreachable: inputs.forgetIfUnreachable,
    };
}

/**
 * Whether two spellings of a config value mean the same to Kafka. The brokers store values in a
 * canonical form ("+1000" → "1000", "TRUE" → "true", "compact, delete" → "compact,delete",
 * doubles through Double.toString), so a program's spelling must not read back as drift.
 */
export function sameConfigValue(a: string | undefined, b: string | undefined): boolean {
    if (a === b) return true;
    if (a === undefined || b === undefined) return false;
    const left = a.split(",");
    const right = b.split(",");
    return (
        left.length === right.length &&
        left.every((item, i) => sameScalar(item.trim(), (right[i] ?? "").trim()))
    );
}

const BOOLEAN = /^(true|false)$/i;
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function sameScalar(a: string, b: string): boolean {
    if (a === b) return true;
    if (BOOLEAN.test(a) && BOOLEAN.test(b)) return a.toLowerCase() === b.toLowerCase();
    // BigInt: longs such as retention.bytes may exceed 2^53.
    if (INTEGER.test(a) && INTEGER.test(b)) return BigInt(a) === BigInt(b);
    if (DECIMAL.test(a) && DECIMAL.test(b)) return Number(a) === Number(b);
    return false;
}

/**
 * The config change from `olds` to `news`: keys whose value is new or different, and keys no
 * longer managed. Empty when nothing changed.
 */
export function configDelta(
    olds: Record<string, string>,
    news: Record<string, string>,
): ConfigChange {
    const set: Record<string, string> = {};
    for (const [key, value] of Object.entries(news)) {
        if (!sameConfigValue(olds[key], value)) set[key] = value;
    }
    const remove = Object.keys(olds).filter((key) => !(key in news));
    return { set, remove };
}

export function isEmptyChange(change: ConfigChange): boolean {
    return Object.keys(change.set).length === 0 && change.remove.length === 0;
}

/** Where the topic lives, for messages: `"tidb-cdc" on 127.0.0.1:9092`. */
function where(name: string, connection: KafkaConnectionInputs | undefined): string {
    const servers = connection?.bootstrapServers;
    return typeof servers === "string" && !isUnknown(servers)
        ? `Kafka topic "${name}" on ${parseBootstrapServers(servers).join(",")}`
        : `Kafka topic "${name}"`;
}

/** A stable rendering for equality (key order does not matter). */
function canonical(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
    if (isRecord(value)) {
        const keys = Object.keys(value).sort();
        return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
    }
    return JSON.stringify(value) ?? "undefined";
}

/**
 * Why the new inputs would shrink the topic, or undefined. Kafka cannot remove partitions, so a
 * shrink deletes and recreates the topic (and its data): only with `allowPartitionShrink`.
 * `check` reports it, so a preview fails with this message; `diff` never throws, since `pulumi
 * refresh` also asks it whether a topic grown outside Pulumi has changed.
 */
export function partitionShrinkProblem(
    olds: Partial<KafkaTopicInputs>,
    news: Partial<KafkaTopicInputs>,
): string | undefined {
    if (olds.name === undefined || olds.name !== news.name) return undefined;
    if (typeof olds.partitions !== "number" || typeof news.partitions !== "number")
        return undefined;
    if (news.partitions >= olds.partitions || news.allowPartitionShrink === true) return undefined;
    return `${where(olds.name, olds.connection ?? news.connection)} cannot shrink from ${olds.partitions} to ${news.partitions} partitions in place; set allowPartitionShrink: true to delete and recreate the topic (its data is lost)`;
}

/** The diff decision (a shrink without `allowPartitionShrink` is an update that update refuses). */
export function diffTopic(
    olds: KafkaTopicOutputs,
    news: KafkaTopicInputs,
): pulumi.dynamic.DiffResult {
    const replaces: string[] = [];
    // A rename is a different topic; Kafka has no rename.
    if (news.name !== olds.name) replaces.push("name");
    // Changing it in place needs a partition reassignment (new replica placement, data copy),
    // which is an operation to plan, not a side effect of an update.
    if (news.replicationFactor !== olds.replicationFactor) replaces.push("replicationFactor");
    let partitionsChange = news.partitions !== olds.partitions;
    if (
        news.allowPartitionShrink === true &&
        !isUnknown(news.partitions) &&
        typeof olds.partitions === "number" &&
        news.partitions < olds.partitions
    ) {
        replaces.push("partitions");
        partitionsChange = false;
    }
    const configsChange =
        isUnknown(news.configs) || !isEmptyChange(configDelta(olds.configs ?? {}, news.configs));
    const changes =
        replaces.length > 0 ||
        partitionsChange ||
        configsChange ||
        news.allowPartitionShrink !== (olds.allowPartitionShrink ?? false) ||
        canonical(news.connection) !== canonical(olds.connection) ||
        forgetChanged(olds, news);
    // Same name: the old topic must be gone before the new one can be created.
    return { changes, replaces, deleteBeforeReplace: true };
}

/** Whether `forgetIfUnreachable` changes (absent = false). */
function forgetChanged(olds: Partial<KafkaTopicInputs>, news: Partial<KafkaTopicInputs>): boolean {
    return (news.forgetIfUnreachable ?? false) !== (olds.forgetIfUnreachable ?? false);
}

function hasCode(err: unknown, code: KafkaAdminErrorCode): boolean {
    return err instanceof Error && (err as { code?: unknown }).code === code;
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Only the state's own fields (not `__provider`). */
function stateOf(inputs: KafkaTopicInputs): KafkaTopicOutputs {
    return {
        name: inputs.name,
        partitions: inputs.partitions,
        replicationFactor: inputs.replicationFactor,
        configs: { ...inputs.configs },
        allowPartitionShrink: inputs.allowPartitionShrink,
        connection: inputs.connection,
        forgetIfUnreachable: inputs.forgetIfUnreachable,
    };
}

export interface KafkaTopicProviderOptions {
    /** How long to wait for metadata to show a created, grown, altered or deleted topic. */
    settleTimeoutMs?: number;
    settleIntervalMs?: number;
}

/** The provider over any KafkaAdmin (tests pass a fake). */
export function createKafkaTopicProvider(
    adminFor: (connection: KafkaConnectionInputs) => KafkaAdmin,
    options: KafkaTopicProviderOptions = {},
): pulumi.dynamic.ResourceProvider<KafkaTopicInputs, KafkaTopicOutputs> {
    const settle = {
        timeoutMs: options.settleTimeoutMs ?? 60_000,
        intervalMs: options.settleIntervalMs ?? 250,
    };

    async function createTopic(admin: KafkaAdmin, inputs: KafkaTopicInputs): Promise<void> {
        const deadline = Date.now() + settle.timeoutMs;
        for (;;) {
            try {
                await admin.createTopic(inputs);
                return;
            } catch (err) {
                if (!hasCode(err, "topic-exists")) throw err;
                // Listed: it really exists. Not listed: a deletion (ours, on replace) is still
                // being completed (ZooKeeper mode), so try again shortly.
                if ((await admin.listTopics()).includes(inputs.name) || Date.now() > deadline) {
                    throw kafkaAdminError(
                        `${where(inputs.name, inputs.connection)} already exists; KafkaTopic creates topics and does not take over existing ones. Delete it or choose another name. Adopting it needs the import resource option (import: "${inputs.name}"), which Pulumi does not support for dynamic providers yet (pulumi/pulumi#16175)`,
                        "topic-exists",
                    );
                }
                await sleep(settle.intervalMs);
            }
        }
    }

    /** Wait until the metadata shows at least `partitions` partitions and the given configs. */
    async function settled(
        admin: KafkaAdmin,
        inputs: KafkaTopicInputs,
        configs: Record<string, string>,
    ): Promise<void> {
        const names = Object.keys(configs);
        await waitFor(
            `${where(inputs.name, inputs.connection)} to show ${inputs.partitions} partitions${names.length > 0 ? ` and configs ${names.join(", ")}` : ""}`,
            async () => {
                const live = await admin.describeTopic(inputs.name, names);
                if (!live || live.partitions < inputs.partitions) return undefined;
                const applied = names.every((key) =>
                    sameConfigValue(live.configs[key], configs[key]),
                );
                return applied ? live : undefined;
            },
            settle,
        );
    }

    return wireSafe({
        check(_olds, news) {
            const raw = news as unknown as Record<string, unknown>;
            const failures = validateTopicInputs(raw);
            const shrink = failures.length > 0 ? undefined : partitionShrinkProblem(_olds, news);
            if (shrink) failures.push({ property: "partitions", reason: shrink });
            return Promise.resolve(
                failures.length > 0
                    ? { inputs: news, failures }
                    : { inputs: normalizeTopicInputs(raw) },
            );
        },

        diff(_id, olds, news) {
            const inputs = normalizeTopicInputs(news as unknown as Record<string, unknown>);
            return Promise.resolve(diffTopic(olds, inputs));
        },

        async create(raw) {
            const inputs = normalizeTopicInputs(raw as unknown as Record<string, unknown>);
            const admin = adminFor(inputs.connection);
            await createTopic(admin, inputs);
            try {
                await settled(admin, inputs, inputs.configs);
            } catch (err) {
                // A failed create must leave nothing behind (the engine will not track it).
                await admin.deleteTopic(inputs.name).catch(() => undefined);
                throw err;
            }
            return { id: inputs.name, outs: stateOf(inputs) };
        },

        async read(id, props) {
            const connection = props?.connection;
            if (!isRecord(connection) || typeof connection.bootstrapServers !== "string") {
                throw new Error(
                    `reading Kafka topic "${id}" needs the connection (bootstrapServers, and ssl/sasl if used) in the resource's properties`,
                );
            }
            const admin = adminFor(connection);
            // Refresh: only the managed keys. Import (no configs known): the topic's overrides.
            const managed = isRecord(props?.configs) ? Object.keys(props.configs) : undefined;
            const live = await admin.describeTopic(id, managed);
            if (!live) return {};
            // The recorded spelling where the broker's canonical value means the same.
            const recorded: Record<string, unknown> = isRecord(props?.configs) ? props.configs : {};
            const configs: Record<string, string> = {};
            for (const [key, value] of Object.entries(live.configs)) {
                const before = recorded[key];
                configs[key] =
                    typeof before === "string" && sameConfigValue(before, value) ? before : value;
            }
            const state: KafkaTopicOutputs = {
                name: live.name,
                partitions: live.partitions,
                replicationFactor: live.replicationFactor,
                configs,
                allowPartitionShrink: props?.allowPartitionShrink ?? false,
                connection,
                forgetIfUnreachable: props?.forgetIfUnreachable,
            };
            return { id: live.name, props: state, inputs: state };
        },

        async update(_id, olds, raw) {
            const news = normalizeTopicInputs(raw as unknown as Record<string, unknown>);
            // Only forgetIfUnreachable changed: record it, without a call to the brokers (they
            // may be gone: setting it is the way out of a stuck destroy).
            const rest = { ...news, forgetIfUnreachable: olds.forgetIfUnreachable };
            if (forgetChanged(olds, news) && !diffTopic(olds, rest).changes) {
                return {
                    outs: { ...stateOf(olds), forgetIfUnreachable: news.forgetIfUnreachable },
                };
            }
            const admin = adminFor(news.connection);
            const names = Object.keys(news.configs);
            const live = await admin.describeTopic(news.name, names);
            if (!live) {
                throw kafkaAdminError(
                    `${where(news.name, news.connection)} no longer exists (deleted outside Pulumi?); run \`pulumi refresh\` to drop it from the state, then \`pulumi up\` creates it again`,
                    "unknown-topic",
                );
            }
            if (live.partitions > news.partitions) {
                throw kafkaAdminError(
                    `${where(news.name, news.connection)} has ${live.partitions} partitions, more than the ${news.partitions} requested (grown outside Pulumi?); Kafka cannot shrink in place: set partitions to ${live.partitions}, or run \`pulumi refresh\` and then lower partitions with allowPartitionShrink: true to recreate the topic (its data is lost)`,
                    "invalid-partitions",
                );
            }
            if (live.partitions < news.partitions) {
                await admin.createPartitions(news.name, news.partitions);
            }
            // Every managed key is set, not only the changed ones: an update also reverts drift
            // on managed keys that a refresh has not recorded yet.
            const change: ConfigChange = {
                set: news.configs,
                remove: configDelta(olds.configs ?? {}, news.configs).remove,
            };
            const drifted = names.some(
                (key) => !sameConfigValue(live.configs[key], news.configs[key]),
            );
            if (drifted || change.remove.length > 0) {
                await admin.alterConfigs(news.name, change);
            }
            await settled(admin, news, news.configs);
            return { outs: stateOf(news) };
        },

        async delete(id, props) {
            const admin = adminFor(props.connection);
            try {
                await admin.deleteTopic(id);
                await waitFor(
                    `${where(id, props.connection)} to disappear from the metadata`,
                    async () => ((await admin.listTopics()).includes(id) ? undefined : true),
                    settle,
                );
            } catch (err) {
                if (!hasCode(err, "unreachable")) throw err;
                settleUnreachableDelete({
                    resource: where(id, props.connection),
                    noun: "topic",
                    service: "the Kafka cluster",
                    forget: props.forgetIfUnreachable,
                    error: err,
                });
            }
        },
    });
}

/** The connection as the admin client takes it. */
export function adminConnection(connection: KafkaConnectionInputs): KafkaConnection {
    return {
        brokers: parseBootstrapServers(connection.bootstrapServers),
        ssl: connection.ssl,
        sasl: connection.sasl,
        clientId: "pulumi-kafka-topic",
    };
}

// `export { … }`, not `export const`, as for every const a module uses itself: the uses stay
// local instead of reading `exports.X`, which Pulumi's closure serializer does not capture.
const kafkaTopicProvider = createKafkaTopicProvider((connection) =>
    kafkajsAdmin(adminConnection(connection)),
);
export { kafkaTopicProvider };

/** A Kafka topic managed through the brokers' admin API (see the module comment). */
export class KafkaTopic extends pulumi.dynamic.Resource {
    // `declare`: with ES2022 class fields, `!` fields would reset what the base constructor set.
    declare public readonly name: pulumi.Output<string>;
    declare public readonly partitions: pulumi.Output<number>;
    declare public readonly replicationFactor: pulumi.Output<number>;
    /** The managed overrides (as read: their live values). */
    declare public readonly configs: pulumi.Output<Record<string, string>>;
    declare public readonly allowPartitionShrink: pulumi.Output<boolean>;
    /** Secret: it carries the SASL credentials. */
    declare public readonly connection: pulumi.Output<KafkaConnectionInputs>;
    declare public readonly forgetIfUnreachable: pulumi.Output<boolean | undefined>;

    constructor(name: string, args: KafkaTopicArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            kafkaTopicProvider,
            name,
            {
                name: args.name,
                partitions: args.partitions,
                replicationFactor: args.replicationFactor,
                configs: args.configs ?? {},
                allowPartitionShrink: args.allowPartitionShrink ?? false,
                connection: secretCredentials(args.connection),
                forgetIfUnreachable: args.forgetIfUnreachable,
            },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connection"] }),
            "kafka",
            "KafkaTopic",
        );
    }
}

/** The connection, as a secret when it carries SASL credentials (the state must not show them). */
function secretCredentials(
    connection: pulumi.Input<KafkaConnectionArgs>,
): pulumi.Output<pulumi.Unwrap<KafkaConnectionArgs>> {
    return pulumi
        .output(connection)
        .apply((resolved) =>
            resolved.sasl === undefined ? pulumi.output(resolved) : pulumi.secret(resolved),
        );
}
