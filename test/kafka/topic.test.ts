/**
 * KafkaTopic without brokers: input checks, the diff decisions, the config delta, the provider
 * over an in-memory KafkaAdmin, and the resource class under Pulumi mocks (secrets stay secret).
 * The same lifecycle against real brokers: test/integration/kafka-topic.test.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import {
    type ConfigChange,
    type KafkaAdmin,
    kafkaAdminError,
    type TopicDescription,
    type TopicSpec,
} from "../../components/kafka/admin";
import {
    configDelta,
    createKafkaTopicProvider,
    diffTopic,
    partitionShrinkProblem,
    type KafkaTopic,
    type KafkaTopicInputs,
    type KafkaTopicOutputs,
    sameConfigValue,
    validateTopicInputs,
} from "../../components/kafka/topic";
import { installMocks, type MockSession, settle, valueOf } from "../support/pulumi-mocks";
import { plainTextPaths, SECRET_SIG, secretValues } from "../support/secrets";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const PASSWORD = "kafka-pw-'quoted'-7f3a9c";

const base: KafkaTopicInputs = {
    name: "tidb-cdc",
    partitions: 3,
    replicationFactor: 1,
    configs: { "max.message.bytes": "10485760", "cleanup.policy": "delete" },
    allowPartitionShrink: false,
    connection: { bootstrapServers: "127.0.0.1:9092" },
};
const topic = (change: Partial<KafkaTopicInputs> = {}): KafkaTopicInputs => ({
    ...base,
    ...change,
});
const failuresOf = (news: Record<string, unknown>) =>
    validateTopicInputs(news).map((f) => `${f.property}: ${f.reason}`);

describe("check", () => {
    it("accepts a complete topic, and unknown values during preview", () => {
        expect(validateTopicInputs({ ...base })).toEqual([]);
        expect(
            validateTopicInputs({
                ...base,
                name: UNKNOWN,
                partitions: UNKNOWN,
                configs: { "retention.ms": UNKNOWN },
                connection: { bootstrapServers: UNKNOWN },
            }),
        ).toEqual([]);
        expect(validateTopicInputs({ ...base, connection: UNKNOWN })).toEqual([]);
    });

    it.each([
        ["", "name: name is required"],
        [".", 'name: "." is not a legal topic name'],
        ["..", 'name: ".." is not a legal topic name'],
        ["x".repeat(250), "name: the topic name has 250 characters; Kafka allows at most 249"],
        ["cdc events/v1", 'name: topic name "cdc events/v1" contains " /"; Kafka allows only'],
        [42, "name: name is required"],
    ])("rejects the topic name %j", (name, failure) => {
        const failures = failuresOf({ ...base, name });
        expect(failures).toHaveLength(1);
        expect(failures[0]).toContain(failure);
    });

    it("accepts the longest legal name", () => {
        expect(validateTopicInputs({ ...base, name: "a.b_c-D9".padEnd(249, "x") })).toEqual([]);
    });

    it.each([
        [{ partitions: 0 }, "partitions: partitions must be a whole number ≥ 1, got 0"],
        [{ partitions: 1.5 }, "partitions: partitions must be a whole number ≥ 1, got 1.5"],
        [{ partitions: "3" }, 'partitions: partitions must be a whole number ≥ 1, got "3"'],
        [{ replicationFactor: 0 }, "replicationFactor: replicationFactor must be a whole number"],
        [{ replicationFactor: 40000 }, "replicationFactor: replicationFactor 40000 is above"],
        [{ allowPartitionShrink: "yes" }, "allowPartitionShrink: allowPartitionShrink must be"],
        [{ configs: ["retention.ms"] }, "configs: configs must map config names to strings"],
        [{ configs: { " retention.ms": "1" } }, 'configs[" retention.ms"]: config names must'],
        [
            { configs: { "retention.ms": 604800000 } },
            'configs["retention.ms"]: config values are strings as Kafka stores them: write "604800000" instead of 604800000',
        ],
        [{ connection: undefined }, "connection: connection is required"],
        [
            { connection: { bootstrapServers: " , " } },
            "connection.bootstrapServers: bootstrapServers is required",
        ],
        [
            { connection: { bootstrapServers: "kafka:9092,PLAINTEXT://kafka:9093" } },
            'connection.bootstrapServers: every entry must be "host:port" (no scheme, no credentials): "PLAINTEXT://kafka:9093"',
        ],
        [
            { connection: { bootstrapServers: "kafka:9092", ssl: "true" } },
            "connection.ssl: ssl must be true or false",
        ],
        [
            {
                connection: {
                    bootstrapServers: "kafka:9092",
                    sasl: { mechanism: "gssapi", username: "u", password: "p" },
                },
            },
            "connection.sasl.mechanism: mechanism must be one of plain, scram-sha-256, scram-sha-512",
        ],
    ])("rejects %j", (change, failure) => {
        const failures = failuresOf({ ...base, ...change });
        expect(failures).toHaveLength(1);
        expect(failures[0]).toContain(failure);
    });

    it("accepts several brokers, IPv6 and SASL", () => {
        const connection = {
            bootstrapServers: "kafka-0:9092, kafka-1:9092,[::1]:9092",
            ssl: true,
            sasl: { mechanism: "scram-sha-512", username: "cdc", password: PASSWORD },
        };
        expect(validateTopicInputs({ ...base, connection })).toEqual([]);
    });

    it("never echoes credentials mistakenly put in the broker list", () => {
        const failures = failuresOf({
            ...base,
            connection: { bootstrapServers: "SASL_SSL://cdc:hunter2@kafka:9093,cdc:hunter2@k:1" },
        });
        expect(failures).toEqual([
            'connection.bootstrapServers: every entry must be "host:port" (no scheme, no credentials): "SASL_SSL://***@kafka:9093", "***@k:1"',
        ]);
    });

    it("never echoes the password", () => {
        const failures = failuresOf({
            ...base,
            connection: {
                bootstrapServers: "kafka:9092",
                sasl: { mechanism: "plain", username: "", password: 12345 },
            },
        });
        expect(failures).toEqual([
            "connection.sasl.username: sasl.username must be a non-empty string",
            "connection.sasl.password: sasl.password must be a non-empty string",
        ]);
    });

    it("fills in defaults and drops what is not an input (the engine's __provider)", async () => {
        const provider = createKafkaTopicProvider(() => new FakeKafka());
        const news = {
            name: "t",
            partitions: 1,
            replicationFactor: 1,
            connection: { bootstrapServers: "k:1" },
            __provider: "exports.handler = …",
        } as unknown as KafkaTopicInputs;
        expect(await provider.check!(news, news)).toEqual({
            inputs: {
                name: "t",
                partitions: 1,
                replicationFactor: 1,
                configs: {},
                allowPartitionShrink: false,
                connection: { bootstrapServers: "k:1" },
            },
        });
        const bad = { ...news, partitions: 0 };
        expect((await provider.check!(news, bad)).failures).toHaveLength(1);
    });
});

describe("diff", () => {
    it("reports no change for equal inputs (config key order does not matter)", () => {
        const reordered = topic({
            configs: { "cleanup.policy": "delete", "max.message.bytes": "10485760" },
        });
        expect(diffTopic(base, reordered)).toEqual({
            changes: false,
            replaces: [],
            deleteBeforeReplace: true,
        });
    });

    it.each([
        ["name", { name: "tidb-cdc-v2" }],
        ["replicationFactor", { replicationFactor: 3 }],
    ])("replaces the topic when %s changes, deleting first", (property, change) => {
        expect(diffTopic(base, topic(change))).toEqual({
            changes: true,
            replaces: [property],
            deleteBeforeReplace: true,
        });
    });

    it("grows partitions in place", () => {
        expect(diffTopic(base, topic({ partitions: 12 }))).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: true,
        });
    });

    it("refuses to shrink partitions unless allowed, in check (diff never throws: refresh calls it)", () => {
        const [olds, news] = [topic({ partitions: 6 }), topic({ partitions: 3 })];
        expect(partitionShrinkProblem(olds, news)).toBe(
            'Kafka topic "tidb-cdc" on 127.0.0.1:9092 cannot shrink from 6 to 3 partitions in place; set allowPartitionShrink: true to delete and recreate the topic (its data is lost)',
        );
        expect(
            partitionShrinkProblem(olds, { ...news, allowPartitionShrink: true }),
        ).toBeUndefined();
        expect(partitionShrinkProblem({}, news)).toBeUndefined();
        expect(diffTopic(olds, news)).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: true,
        });
    });

    it("replaces the topic to shrink it when allowed", () => {
        const news = topic({ partitions: 3, allowPartitionShrink: true });
        expect(diffTopic(topic({ partitions: 6 }), news)).toEqual({
            changes: true,
            replaces: ["partitions"],
            deleteBeforeReplace: true,
        });
    });

    it.each([
        ["a config value", { configs: { ...base.configs, "cleanup.policy": "compact" } }],
        ["a new config", { configs: { ...base.configs, "retention.ms": "1000" } }],
        ["a removed config", { configs: { "max.message.bytes": "10485760" } }],
        ["allowPartitionShrink", { allowPartitionShrink: true }],
        ["the brokers", { connection: { bootstrapServers: "kafka-0:9092,kafka-1:9092" } }],
        [
            "the credentials",
            {
                connection: {
                    ...base.connection,
                    sasl: { mechanism: "plain" as const, username: "u", password: "p" },
                },
            },
        ],
    ])("updates in place for %s", (_what, change) => {
        expect(diffTopic(base, topic(change))).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: true,
        });
    });

    it("treats unknown values (preview) as changes: an unknown name or replication factor replaces", () => {
        const unknown = <T>() => UNKNOWN as unknown as T;
        expect(diffTopic(base, topic({ name: unknown() })).replaces).toEqual(["name"]);
        expect(diffTopic(base, topic({ replicationFactor: unknown() })).replaces).toEqual([
            "replicationFactor",
        ]);
        expect(diffTopic(base, topic({ partitions: unknown() }))).toMatchObject({
            changes: true,
            replaces: [],
        });
        expect(diffTopic(base, topic({ configs: unknown() })).changes).toBe(true);
    });
});

describe("configDelta", () => {
    it("sets new and changed keys and removes keys no longer managed", () => {
        expect(
            configDelta(
                { "retention.ms": "1000", "cleanup.policy": "delete", "segment.ms": "60000" },
                { "retention.ms": "2000", "cleanup.policy": "delete", "max.message.bytes": "5" },
            ),
        ).toEqual({
            set: { "retention.ms": "2000", "max.message.bytes": "5" },
            remove: ["segment.ms"],
        });
        expect(configDelta({ a: "1" }, { a: "1" })).toEqual({ set: {}, remove: [] });
        expect(configDelta({}, {})).toEqual({ set: {}, remove: [] });
    });
});

describe("sameConfigValue", () => {
    it.each([
        ["+1000", "1000"],
        ["007", "7"],
        ["9223372036854775807", "+9223372036854775807"],
        ["TRUE", "true"],
        ["compact, delete", "compact,delete"],
        [" delete ", "delete"],
        ["0.50", "0.5"],
        ["1", "1.0"],
    ])("treats %j as Kafka's %j", (spelled, canonical) => {
        expect(sameConfigValue(spelled, canonical)).toBe(true);
    });

    it.each([
        ["1000", "1001"],
        ["9223372036854775807", "9223372036854775806"],
        ["delete", "compact"],
        ["compact,delete", "delete,compact"],
        ["true", "1"],
        ["producer", "PRODUCER"],
        ["1000", undefined],
    ])("tells %j from %j", (a, b) => {
        expect(sameConfigValue(a, b)).toBe(false);
    });

    it("keeps equivalent spellings out of the diff", () => {
        const olds = topic({
            configs: { "retention.ms": "1000", "cleanup.policy": "compact,delete" },
        });
        const news = topic({
            configs: { "retention.ms": "+1000", "cleanup.policy": "compact, delete" },
        });
        expect(diffTopic(olds, news).changes).toBe(false);
    });
});

/** An in-memory cluster behind the KafkaAdmin interface, recording the calls. */
class FakeKafka implements KafkaAdmin {
    readonly brokers = "fake-0:9092";
    readonly topics = new Map<
        string,
        { partitions: number; replicationFactor: number; overrides: Record<string, string> }
    >();
    readonly defaults: Record<string, string> = {
        "retention.ms": "604800000",
        "cleanup.policy": "delete",
        "max.message.bytes": "1048588",
    };
    readonly calls: string[] = [];
    unreachable = false;
    /** Topics that report "exists" on create while not listed (a deletion in progress). */
    deleting = new Map<string, number>();

    private guard(call: string) {
        this.calls.push(call);
        if (this.unreachable) {
            throw kafkaAdminError(
                `${call} on Kafka ${this.brokers} failed: cannot reach the brokers (Connection error: connect ECONNREFUSED)`,
                "unreachable",
            );
        }
    }

    describeTopic(name: string, configNames?: readonly string[]) {
        this.guard(`describe ${name} ${configNames === undefined ? "*" : configNames.join(",")}`);
        const t = this.topics.get(name);
        if (!t) return Promise.resolve(undefined);
        const configs: Record<string, string> = {};
        for (const key of configNames ?? Object.keys(t.overrides)) {
            const value = t.overrides[key] ?? this.defaults[key];
            if (value !== undefined) configs[key] = value;
        }
        const description: TopicDescription = {
            name,
            partitions: t.partitions,
            replicationFactor: t.replicationFactor,
            configs,
        };
        return Promise.resolve(description);
    }

    createTopic(spec: TopicSpec) {
        this.guard(`create ${spec.name}`);
        const pending = this.deleting.get(spec.name) ?? 0;
        if (this.topics.has(spec.name) || pending > 0) {
            this.deleting.set(spec.name, pending - 1);
            return Promise.reject(kafkaAdminError("exists", "topic-exists"));
        }
        this.topics.set(spec.name, {
            partitions: spec.partitions,
            replicationFactor: spec.replicationFactor,
            overrides: { ...spec.configs },
        });
        return Promise.resolve();
    }

    createPartitions(name: string, total: number) {
        this.guard(`createPartitions ${name} ${total}`);
        this.topics.get(name)!.partitions = total;
        return Promise.resolve();
    }

    alterConfigs(name: string, change: ConfigChange) {
        this.guard(`alterConfigs ${name} ${JSON.stringify(change)}`);
        const t = this.topics.get(name)!;
        for (const key of change.remove) delete t.overrides[key];
        Object.assign(t.overrides, change.set);
        return Promise.resolve();
    }

    deleteTopic(name: string) {
        this.guard(`delete ${name}`);
        return Promise.resolve(this.topics.delete(name));
    }

    listTopics() {
        this.guard("list");
        return Promise.resolve([...this.topics.keys()]);
    }
}

describe("provider over a KafkaAdmin", () => {
    const setup = () => {
        const kafka = new FakeKafka();
        const provider = createKafkaTopicProvider(() => kafka, {
            settleTimeoutMs: 200,
            settleIntervalMs: 5,
        });
        return { kafka, provider };
    };

    it("creates the topic, id = name, and returns the inputs as state", async () => {
        const { kafka, provider } = setup();
        const created = await provider.create({ ...base, __provider: "…" } as KafkaTopicInputs);
        expect(created).toEqual({ id: "tidb-cdc", outs: base });
        expect(kafka.topics.get("tidb-cdc")).toEqual({
            partitions: 3,
            replicationFactor: 1,
            overrides: base.configs,
        });
    });

    it("refuses to take over an existing topic", async () => {
        const { kafka, provider } = setup();
        kafka.topics.set("tidb-cdc", { partitions: 1, replicationFactor: 1, overrides: {} });
        await expect(provider.create(base)).rejects.toThrow(
            'Kafka topic "tidb-cdc" on 127.0.0.1:9092 already exists; KafkaTopic creates topics and does not take over existing ones. Delete it or choose another name.',
        );
        expect(kafka.topics.get("tidb-cdc")?.partitions).toBe(1);
    });

    it("retries a create while the old topic's deletion completes (replace)", async () => {
        const { kafka, provider } = setup();
        kafka.deleting.set("tidb-cdc", 2);
        await expect(provider.create(base)).resolves.toMatchObject({ id: "tidb-cdc" });
        expect(kafka.calls.filter((c) => c === "create tidb-cdc")).toHaveLength(3);
    });

    it("reads only the managed configs, live partitions and replicas, and returns them as inputs", async () => {
        const { kafka, provider } = setup();
        await provider.create(base);
        const t = kafka.topics.get("tidb-cdc")!;
        t.partitions = 5;
        t.overrides["cleanup.policy"] = "compact";
        t.overrides["segment.ms"] = "60000";
        delete t.overrides["max.message.bytes"];
        const read = await provider.read!("tidb-cdc", base);
        const live = {
            ...base,
            partitions: 5,
            // The broker default shows once the override is gone: drift on a managed key.
            configs: { "max.message.bytes": "1048588", "cleanup.policy": "compact" },
        };
        expect(read).toEqual({ id: "tidb-cdc", props: live, inputs: live });
    });

    it("reads the program's spelling back where the broker's canonical value means the same", async () => {
        const { kafka, provider } = setup();
        const spelled = topic({ configs: { "retention.ms": "+1000", "cleanup.policy": "delete" } });
        await provider.create(spelled);
        kafka.topics.get("tidb-cdc")!.overrides["retention.ms"] = "1000"; // as Kafka stores it
        expect((await provider.read!("tidb-cdc", spelled)).props?.configs).toEqual(spelled.configs);
        kafka.topics.get("tidb-cdc")!.overrides["retention.ms"] = "2000";
        expect((await provider.read!("tidb-cdc", spelled)).props?.configs).toEqual({
            "retention.ms": "2000",
            "cleanup.policy": "delete",
        });
    });

    it("reads a deleted topic as gone", async () => {
        const { provider } = setup();
        expect(await provider.read!("tidb-cdc", base)).toEqual({});
    });

    it("imports with only the connection: the topic's own overrides become the managed configs", async () => {
        const { kafka, provider } = setup();
        kafka.topics.set("legacy", {
            partitions: 6,
            replicationFactor: 1,
            overrides: { "retention.ms": "1000" },
        });
        const read = await provider.read!("legacy", {
            connection: base.connection,
        } as KafkaTopicOutputs);
        const state = {
            name: "legacy",
            partitions: 6,
            replicationFactor: 1,
            configs: { "retention.ms": "1000" },
            allowPartitionShrink: false,
            connection: base.connection,
        };
        expect(read).toEqual({ id: "legacy", props: state, inputs: state });
    });

    it("needs the connection to read", async () => {
        const { provider } = setup();
        await expect(provider.read!("legacy", {} as KafkaTopicOutputs)).rejects.toThrow(
            'reading Kafka topic "legacy" needs the connection',
        );
    });

    it("grows partitions, sets managed configs and removes unmanaged-now ones, keeping foreign overrides", async () => {
        const { kafka, provider } = setup();
        await provider.create(base);
        kafka.topics.get("tidb-cdc")!.overrides["segment.ms"] = "60000"; // someone else's
        const news = topic({
            partitions: 6,
            configs: { "max.message.bytes": "10485760", "retention.ms": "1000" },
        });
        kafka.calls.length = 0;
        expect(await provider.update!("tidb-cdc", base, news)).toEqual({ outs: news });
        expect(kafka.calls).toContain("createPartitions tidb-cdc 6");
        expect(kafka.calls).toContain(
            `alterConfigs tidb-cdc ${JSON.stringify({ set: news.configs, remove: ["cleanup.policy"] })}`,
        );
        expect(kafka.topics.get("tidb-cdc")).toEqual({
            partitions: 6,
            replicationFactor: 1,
            overrides: {
                "max.message.bytes": "10485760",
                "retention.ms": "1000",
                "segment.ms": "60000",
            },
        });
    });

    it("changes nothing on the brokers when only the connection changed", async () => {
        const { kafka, provider } = setup();
        await provider.create(base);
        kafka.calls.length = 0;
        const news = topic({ connection: { bootstrapServers: "127.0.0.1:9092,127.0.0.2:9092" } });
        await provider.update!("tidb-cdc", base, news);
        expect(kafka.calls.filter((c) => !c.startsWith("describe"))).toEqual([]);
    });

    it("reverts drift on managed configs that a refresh has not recorded", async () => {
        const { kafka, provider } = setup();
        await provider.create(base);
        kafka.topics.get("tidb-cdc")!.overrides["cleanup.policy"] = "compact";
        await provider.update!("tidb-cdc", base, topic({ partitions: 4 }));
        expect(kafka.topics.get("tidb-cdc")?.overrides["cleanup.policy"]).toBe("delete");
    });

    it("fails an update when the topic is gone or has more partitions than requested", async () => {
        const { kafka, provider } = setup();
        await expect(provider.update!("tidb-cdc", base, base)).rejects.toThrow(
            'Kafka topic "tidb-cdc" on 127.0.0.1:9092 no longer exists (deleted outside Pulumi?); run `pulumi refresh`',
        );
        await provider.create(base);
        kafka.topics.get("tidb-cdc")!.partitions = 8;
        await expect(provider.update!("tidb-cdc", base, base)).rejects.toThrow(
            'Kafka topic "tidb-cdc" on 127.0.0.1:9092 has 8 partitions, more than the 3 requested',
        );
    });

    it("deletes idempotently", async () => {
        const { kafka, provider } = setup();
        await provider.create(base);
        await provider.delete!("tidb-cdc", base);
        expect(kafka.topics.has("tidb-cdc")).toBe(false);
        await expect(provider.delete!("tidb-cdc", base)).resolves.toBeUndefined();
    });

    it("keeps the state when the cluster cannot be reached on delete, and says what to do", async () => {
        const { kafka, provider } = setup();
        kafka.unreachable = true;
        const failure = provider.delete!("tidb-cdc", base);
        await expect(failure).rejects.toThrow(/cannot reach the brokers/);
        await expect(failure).rejects.toThrow(
            "The topic was not deleted and stays in the stack. If the Kafka cluster itself is gone, remove the topic from the state with `pulumi state delete <urn>`",
        );
    });
});

describe("KafkaTopic under Pulumi mocks", () => {
    let session: MockSession;
    let withSasl: KafkaTopic;
    let plain: KafkaTopic;

    beforeAll(async () => {
        session = installMocks();
        const { KafkaTopic } = await import("../../components/kafka");
        withSasl = new KafkaTopic("cdc-topic", {
            name: "tidb-cdc",
            partitions: 3,
            replicationFactor: 1,
            configs: { "max.message.bytes": "10485760" },
            connection: {
                bootstrapServers: "127.0.0.1:9092",
                sasl: { mechanism: "scram-sha-512", username: "cdc", password: PASSWORD },
            },
        });
        plain = new KafkaTopic("plain-topic", {
            name: pulumi.output("events"),
            partitions: 1,
            replicationFactor: 1,
            connection: { bootstrapServers: pulumi.output("127.0.0.1:9092") },
        });
        await settle();
    });

    it("registers a dynamic resource with its own type token and a serialized provider", () => {
        const recorded = session.named("cdc-topic");
        expect(recorded.type).toBe("pulumi-nodejs:dynamic/kafka:KafkaTopic");
        expect(recorded.custom).toBe(true);
        expect(recorded.inputs.__provider).toEqual(expect.stringContaining("exports.handler"));
        expect(session.named("plain-topic").inputs).toMatchObject({
            name: "events",
            partitions: 1,
            replicationFactor: 1,
            configs: {},
            allowPartitionShrink: false,
            connection: { bootstrapServers: "127.0.0.1:9092" },
        });
    });

    it("keeps the SASL password secret, even when given in plain text", async () => {
        const leaks = session.resources.flatMap((r) =>
            plainTextPaths(r.inputs, PASSWORD).map((at) => `${r.name}${at}`),
        );
        expect(leaks).toEqual([]);
        const connection = session.named("cdc-topic").inputs.connection as object;
        expect(connection).toHaveProperty(SECRET_SIG);
        expect(secretValues(connection)).toEqual([
            {
                bootstrapServers: "127.0.0.1:9092",
                sasl: { mechanism: "scram-sha-512", username: "cdc", password: PASSWORD },
            },
        ]);
        expect(await pulumi.isSecret(withSasl.connection)).toBe(true);
    });

    it("resolves the declared outputs", async () => {
        expect(await valueOf(withSasl.name)).toBe("tidb-cdc");
        expect(await valueOf(withSasl.partitions)).toBe(3);
        expect(await valueOf(withSasl.configs)).toEqual({ "max.message.bytes": "10485760" });
        expect(await valueOf(plain.allowPartitionShrink)).toBe(false);
        expect(await valueOf(plain.connection)).toEqual({ bootstrapServers: "127.0.0.1:9092" });
    });
});
