/**
 * The KafkaTopic provider against real brokers: Kafka 4.3.1 (KRaft) and 3.9.2 (ZooKeeper mode),
 * both with auto.create.topics.enable=false. The provider's methods are called as the engine
 * would; out-of-band changes are made with kafkajs directly, as an operator would.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { type Admin, ConfigResourceTypes, ConfigSource, Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import {
    type KafkaTopicInputs,
    type KafkaTopicOutputs,
    kafkaTopicProvider,
} from "../../components/kafka/topic";

const services = inject("services");
/** Unique per run, so reruns against long-lived local brokers never collide. */
const RUN = `${Date.now().toString(36)}-${process.pid}`;

const provider = kafkaTopicProvider as Required<typeof kafkaTopicProvider>;

describe.each([
    ["KRaft 4.3.1", "kraft", services.kafka.bootstrap],
    ["ZooKeeper-mode 3.9.2", "zk", services["kafka-zk"].bootstrap],
])("KafkaTopic on Kafka %s", (_label, mode, bootstrap) => {
    const connection = { bootstrapServers: bootstrap };
    const topicName = (what: string) => `it-${mode}-${what}-${RUN}`;
    let admin: Admin;

    /** The topic's own overrides, as kafkajs reports them. */
    const overrides = async (name: string): Promise<Record<string, string>> => {
        const { resources } = await admin.describeConfigs({
            includeSynonyms: false,
            resources: [{ type: ConfigResourceTypes.TOPIC, name }],
        });
        const entries = resources[0]?.configEntries ?? [];
        return Object.fromEntries(
            entries
                .filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG)
                .map((e) => [e.configName, e.configValue]),
        );
    };

    /** What `check` makes of the given inputs (defaults filled in), failing on any failure. */
    const checked = async (inputs: Partial<KafkaTopicInputs>): Promise<KafkaTopicInputs> => {
        const result = await provider.check(inputs as KafkaTopicInputs, inputs as KafkaTopicInputs);
        expect(result.failures ?? []).toEqual([]);
        return result.inputs as KafkaTopicInputs;
    };

    beforeAll(async () => {
        admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
        await admin.connect();
    });

    afterAll(async () => {
        // Whatever a failed test left behind.
        const leftovers = (await admin.listTopics()).filter((t) => t.endsWith(RUN));
        if (leftovers.length > 0) await admin.deleteTopics({ topics: leftovers });
        await admin.disconnect();
    });

    describe("lifecycle", () => {
        const name = topicName("life");
        let desired: KafkaTopicInputs;
        let state: KafkaTopicOutputs;

        it("creates the topic with its configs", async () => {
            desired = await checked({
                name,
                partitions: 2,
                replicationFactor: 1,
                configs: {
                    "max.message.bytes": "2097152",
                    "cleanup.policy": "delete",
                    "retention.ms": "3600000",
                },
                connection,
            });
            const created = await provider.create(desired);
            expect(created.id).toBe(name);
            expect(created.outs).toEqual(desired);
            state = created.outs!;
            const { topics } = await admin.fetchTopicMetadata({ topics: [name] });
            expect(topics[0]?.partitions).toHaveLength(2);
            expect(await overrides(name)).toEqual(desired.configs);
        });

        it("reads back exactly the inputs", async () => {
            const read = await provider.read(name, state);
            expect(read).toEqual({ id: name, props: desired, inputs: desired });
        });

        it("reads out-of-band changes to partitions and managed configs, not unmanaged ones", async () => {
            await admin.createPartitions({ topicPartitions: [{ topic: name, count: 4 }] });
            // Legacy AlterConfigs replaces every override: send the whole set, as an operator must.
            await admin.alterConfigs({
                validateOnly: false,
                resources: [
                    {
                        type: ConfigResourceTypes.TOPIC,
                        name,
                        configEntries: [
                            { name: "max.message.bytes", value: "2097152" },
                            { name: "cleanup.policy", value: "delete" },
                            { name: "retention.ms", value: "7200000" },
                            { name: "segment.ms", value: "600000" },
                        ],
                    },
                ],
            });
            const drifted = {
                ...desired,
                partitions: 4,
                configs: { ...desired.configs, "retention.ms": "7200000" },
            };
            // Brokers apply metadata asynchronously: allow them a moment.
            await vi.waitFor(
                async () => {
                    const read = await provider.read(name, state);
                    expect(read).toEqual({ id: name, props: drifted, inputs: drifted });
                },
                { timeout: 10_000, interval: 200 },
            );
            state = drifted; // what `pulumi refresh` records
            // The program, adjusted to the new partition count, now differs in retention.ms only.
            expect(await provider.diff(name, state, { ...desired, partitions: 4 })).toEqual({
                changes: true,
                replaces: [],
                deleteBeforeReplace: true,
            });
        });

        it("refuses a plan that would shrink the refreshed topic back to 2 partitions", async () => {
            expect((await provider.check(state, desired)).failures).toEqual([
                {
                    property: "partitions",
                    reason: `Kafka topic "${name}" on ${bootstrap} cannot shrink from 4 to 2 partitions in place; set allowPartitionShrink: true to delete and recreate the topic (its data is lost)`,
                },
            ]);
        });

        it("updates in place: grows partitions, changes and removes managed configs, keeps unmanaged ones", async () => {
            const news = await checked({
                ...desired,
                partitions: 6,
                // retention.ms changed, cleanup.policy no longer managed (back to the default).
                configs: { "max.message.bytes": "2097152", "retention.ms": "1800000" },
            });
            expect(await provider.diff(name, state, news)).toEqual({
                changes: true,
                replaces: [],
                deleteBeforeReplace: true,
            });
            const updated = await provider.update(name, state, news);
            expect(updated.outs).toEqual(news);
            expect(await overrides(name)).toEqual({
                "max.message.bytes": "2097152",
                "retention.ms": "1800000",
                "segment.ms": "600000",
            });
            const read = await provider.read(name, updated.outs);
            expect(read).toEqual({ id: name, props: news, inputs: news });
            state = news;
            desired = news;
        });

        it("replaces (deletes, then recreates) when allowed to shrink", async () => {
            const news = await checked({ ...desired, partitions: 1, allowPartitionShrink: true });
            const diff = await provider.diff(name, state, news);
            expect(diff).toEqual({
                changes: true,
                replaces: ["partitions"],
                deleteBeforeReplace: true,
            });
            // deleteBeforeReplace: the engine deletes the old topic, then creates the new one.
            await provider.delete(name, state);
            const created = await provider.create(news);
            expect(created.outs).toEqual(news);
            expect(await overrides(name)).toEqual(news.configs); // segment.ms went with the data
            state = news;
        });

        it("deletes the topic, and deleting again is a no-op", async () => {
            await provider.delete(name, state);
            expect(await admin.listTopics()).not.toContain(name);
            await expect(provider.delete(name, state)).resolves.toBeUndefined();
        });

        it("reads a deleted topic as gone (no id)", async () => {
            expect(await provider.read(name, state)).toEqual({});
        });
    });

    it("imports a topic created out of band, adopting its own overrides only", async () => {
        const name = topicName("import");
        await admin.createTopics({
            waitForLeaders: true,
            topics: [
                {
                    topic: name,
                    numPartitions: 3,
                    replicationFactor: 1,
                    configEntries: [
                        { name: "retention.ms", value: "86400000" },
                        { name: "max.message.bytes", value: "5242880" },
                    ],
                },
            ],
        });
        const imported = await vi.waitFor(
            async () => {
                const read = await provider.read(name, { connection } as KafkaTopicOutputs);
                expect(read.id).toBe(name);
                return read;
            },
            { timeout: 10_000, interval: 200 },
        );
        const expected: KafkaTopicOutputs = {
            name,
            partitions: 3,
            replicationFactor: 1,
            // Not the broker-level settings (max.message.bytes 10485760 from message.max.bytes
            // in server.properties, min.insync.replicas set dynamically on the KRaft broker).
            configs: { "retention.ms": "86400000", "max.message.bytes": "5242880" },
            allowPartitionShrink: false,
            connection,
        };
        expect(imported).toEqual({ id: name, props: expected, inputs: expected });
        // A program declaring the same topic then has nothing to change.
        const program = await checked({
            name,
            partitions: 3,
            replicationFactor: 1,
            configs: { "max.message.bytes": "5242880", "retention.ms": "86400000" },
            connection,
        });
        expect((await provider.diff(name, imported.props!, program)).changes).toBe(false);
        await provider.delete(name, imported.props!);
    });

    it("does not report the broker's canonical spelling of a value as drift", async () => {
        const name = topicName("spelling");
        const inputs = await checked({
            name,
            partitions: 1,
            replicationFactor: 1,
            configs: {
                "retention.ms": "+3600000",
                "cleanup.policy": "compact, delete",
                "unclean.leader.election.enable": "FALSE",
                "min.cleanable.dirty.ratio": "0.50",
            },
            connection,
        });
        const created = await provider.create(inputs);
        expect(await overrides(name)).toEqual({
            "retention.ms": "3600000",
            "cleanup.policy": "compact,delete",
            "unclean.leader.election.enable": "false",
            "min.cleanable.dirty.ratio": "0.5",
        });
        const read = await provider.read(name, created.outs);
        expect(read.props).toEqual(inputs);
        expect((await provider.diff(name, read.props!, inputs)).changes).toBe(false);
        await provider.delete(name, inputs);
    });

    describe("errors", () => {
        it("refuses to create a topic that already exists, and leaves it alone", async () => {
            const name = topicName("exists");
            const inputs = await checked({ name, partitions: 1, replicationFactor: 1, connection });
            await provider.create(inputs);
            const again = await checked({ ...inputs, partitions: 5 });
            await expect(provider.create(again)).rejects.toThrow(
                `Kafka topic "${name}" on ${bootstrap} already exists; KafkaTopic creates topics and does not take over existing ones.`,
            );
            const { topics } = await admin.fetchTopicMetadata({ topics: [name] });
            expect(topics[0]?.partitions).toHaveLength(1);
            await provider.delete(name, inputs);
        });

        it("names the config value the broker rejects, on create and on update", async () => {
            const name = topicName("badconfig");
            const bad = await checked({
                name,
                partitions: 1,
                replicationFactor: 1,
                configs: { "retention.ms": "3600000", "max.message.bytes": "ten megabytes" },
                connection,
            });
            await expect(provider.create(bad)).rejects.toThrow(
                `create Kafka topic "${name}" on ${bootstrap} failed: the broker rejected max.message.bytes=ten megabytes: an unknown config name or an invalid value`,
            );
            expect(await admin.listTopics()).not.toContain(name);

            const good = await checked({ ...bad, configs: { "retention.ms": "3600000" } });
            await provider.create(good);
            const unknownKey = await checked({
                ...good,
                configs: { "retention.ms": "3600000", "no.such.config": "1" },
            });
            await expect(provider.update(name, good, unknownKey)).rejects.toThrow(
                `alter configs of Kafka topic "${name}" on ${bootstrap} failed: the broker rejected no.such.config=1`,
            );
            expect(await overrides(name)).toEqual({ "retention.ms": "3600000" });
            await provider.delete(name, good);
        });

        it("explains a replication factor above the broker count", async () => {
            const name = topicName("rf");
            const inputs = await checked({ name, partitions: 1, replicationFactor: 3, connection });
            await expect(provider.create(inputs)).rejects.toThrow(
                `create Kafka topic "${name}" on ${bootstrap} failed: invalid replication factor (it cannot exceed the number of live brokers) (INVALID_REPLICATION_FACTOR)`,
            );
        });

        it("fails fast and clearly when no broker answers, keeping state on delete", async () => {
            const down = await checked({
                name: topicName("down"),
                partitions: 1,
                replicationFactor: 1,
                connection: { bootstrapServers: "127.0.0.1:1" },
            });
            const started = Date.now();
            await expect(provider.create(down)).rejects.toThrow(
                `create Kafka topic "${down.name}" on 127.0.0.1:1 failed: cannot reach the brokers (Connection error: connect ECONNREFUSED 127.0.0.1:1); check that the cluster is running and that bootstrapServers, ssl and sasl are right`,
            );
            expect(Date.now() - started).toBeLessThan(10_000);
            await expect(provider.read(down.name, down)).rejects.toThrow(
                /^describe Kafka topic ".*" on 127\.0\.0\.1:1 failed: cannot reach the brokers/,
            );
            await expect(provider.delete(down.name, down)).rejects.toThrow(
                "The topic was not deleted and stays in the stack. If the Kafka cluster itself is gone, remove the topic from the state with `pulumi state delete <urn>`",
            );
        });
    });

    it("works when serialized and run in a separate Node process, as Pulumi runs it", async () => {
        // What pulumi.dynamic.Resource stores in `__provider`, loaded the way the
        // pulumi-resource-pulumi-nodejs host does it (require the text, call handler()).
        const { text } = await pulumi.runtime.serializeFunction(() => kafkaTopicProvider, {
            allowSecrets: false,
        });
        const dir = await mkdtemp(path.join(tmpdir(), "kafka-topic-provider-"));
        try {
            await writeFile(path.join(dir, "provider.js"), text);
            const name = topicName("serialized");
            const script = `
                const provider = require(${JSON.stringify(path.join(dir, "provider.js"))}).handler();
                (async () => {
                    const inputs = (await provider.check({}, ${JSON.stringify({ name, partitions: 2, replicationFactor: 1, configs: { "retention.ms": "60000" }, connection })})).inputs;
                    const created = await provider.create(inputs);
                    const read = await provider.read(created.id, created.outs);
                    await provider.delete(created.id, created.outs);
                    const gone = await provider.read(created.id, created.outs);
                    console.log(JSON.stringify({ created, read, gone }));
                })().catch((err) => { console.error(err.message); process.exit(1); });`;
            const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], {
                // The host process resolves kafkajs from the program's node_modules.
                env: { ...process.env, NODE_PATH: path.resolve(__dirname, "../../node_modules") },
                timeout: 60_000,
            });
            const state = {
                name,
                partitions: 2,
                replicationFactor: 1,
                configs: { "retention.ms": "60000" },
                allowPartitionShrink: false,
                connection,
            };
            expect(JSON.parse(stdout)).toEqual({
                created: { id: name, outs: state },
                read: { id: name, props: state, inputs: state },
                gone: {},
            });
        } finally {
            await rm(dir, { recursive: true, force: true });
        }
    });
});
