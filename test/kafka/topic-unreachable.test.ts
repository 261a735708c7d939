/**
 * KafkaTopic's `forgetIfUnreachable`: a delete whose brokers do not answer at all drops the topic
 * from the state (with a warning) when set, and fails keeping it otherwise; a broker that
 * answers with an authentication or authorization failure is an error either way. The flag is
 * an in-place update that only records it: no broker is called.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
    type KafkaAdmin,
    kafkaAdminError,
    type KafkaAdminErrorCode,
} from "../../components/kafka/admin";
import {
    createKafkaTopicProvider,
    diffTopic,
    type KafkaTopicInputs,
    kafkaTopicProvider,
    validateTopicInputs,
} from "../../components/kafka/topic";

const base: KafkaTopicInputs = {
    name: "tidb_shop_orders",
    partitions: 3,
    replicationFactor: 1,
    configs: { "cleanup.policy": "delete" },
    allowPartitionShrink: false,
    connection: { bootstrapServers: "127.0.0.1:29092" },
};

/** A KafkaAdmin whose every call fails with `code` (or succeeds with an empty cluster), recording calls. */
function failingAdmin(code: KafkaAdminErrorCode | undefined, failAt: "delete" | "list" = "delete") {
    const calls: string[] = [];
    const fail = (operation: string) => {
        calls.push(operation);
        if (code === undefined) return;
        const hint =
            code === "unreachable"
                ? "cannot reach the brokers (Connection error: connect ECONNREFUSED 127.0.0.1:29092); check that the cluster is running"
                : code === "authentication"
                  ? "SASL authentication failed (check the mechanism, username and password)"
                  : "not authorized: the principal needs … Delete on the topic (TOPIC_AUTHORIZATION_FAILED)";
        throw kafkaAdminError(
            `${operation} Kafka topic "${base.name}" on 127.0.0.1:29092 failed: ${hint}`,
            code,
        );
    };
    const admin: KafkaAdmin = {
        brokers: "127.0.0.1:29092",
        describeTopic: (name) => {
            fail(`describe ${name}`);
            return Promise.resolve(undefined);
        },
        createTopic: () => Promise.reject(new Error("not expected")),
        createPartitions: (name) => {
            fail(`add partitions to ${name}`);
            return Promise.resolve();
        },
        alterConfigs: (name) => {
            fail(`alter configs of ${name}`);
            return Promise.resolve();
        },
        deleteTopic: (name) => {
            calls.push(`delete ${name}`);
            if (failAt === "delete") fail("delete");
            return Promise.resolve(true);
        },
        listTopics: () => {
            if (failAt === "list") fail("list topics");
            else calls.push("list topics");
            return Promise.resolve([]);
        },
    };
    const provider = createKafkaTopicProvider(() => admin, {
        settleTimeoutMs: 200,
        settleIntervalMs: 5,
    });
    return { provider, calls };
}

function quietStderr() {
    return vi.spyOn(console, "error").mockImplementation(() => undefined);
}

afterEach(() => {
    vi.restoreAllMocks();
});

describe("delete when the brokers do not answer", () => {
    it("forgets the topic with forgetIfUnreachable, and says so on stderr", async () => {
        const stderr = quietStderr();
        const { provider } = failingAdmin("unreachable");
        await expect(
            provider.delete!(base.name, { ...base, forgetIfUnreachable: true }),
        ).resolves.toBeUndefined();
        expect(stderr).toHaveBeenCalledTimes(1);
        const message = String(stderr.mock.calls[0]?.[0]);
        expect(message).toMatch(
            /^warning: Kafka topic "tidb_shop_orders" on 127\.0\.0\.1:29092 was NOT deleted but removed from the stack's state \(forgetIfUnreachable: true\): the Kafka cluster did not answer: delete Kafka topic .*ECONNREFUSED/,
        );
    });

    it("forgets it when the brokers stop answering while the deletion settles", async () => {
        quietStderr();
        const { provider, calls } = failingAdmin("unreachable", "list");
        await expect(
            provider.delete!(base.name, { ...base, forgetIfUnreachable: true }),
        ).resolves.toBeUndefined();
        expect(calls).toEqual([`delete ${base.name}`, "list topics"]);
    });

    it.each([
        ["absent", undefined],
        ["false", false],
    ])(
        "fails and keeps the topic with forgetIfUnreachable %s, naming the ways out",
        async (_label, forget) => {
            const stderr = quietStderr();
            const { provider } = failingAdmin("unreachable");
            const inputs = forget === undefined ? base : { ...base, forgetIfUnreachable: forget };
            const error = await provider.delete!(base.name, inputs).then(
                () => undefined,
                (e: unknown) => e as Error & { code?: string },
            );
            expect(error?.name).toBe("KafkaAdminError");
            expect(error?.code).toBe("unreachable");
            expect(error?.message).toMatch(
                /^delete Kafka topic "tidb_shop_orders" on 127\.0\.0\.1:29092 failed: cannot reach the brokers .*\. The topic was not deleted and stays in the stack\. If the Kafka cluster itself is gone, remove the topic from the state with `pulumi state delete <urn>`/,
            );
            expect(error?.message).toContain(
                "set forgetIfUnreachable: true on the resource (the Pipeline's config: `pulumi config set --path teardown.forgetUnreachable true`), run `pulumi up`",
            );
            expect(stderr).not.toHaveBeenCalled();
        },
    );

    it.each(["authentication", "authorization"] as const)(
        "never forgets on an %s failure: the brokers answered",
        async (code) => {
            const stderr = quietStderr();
            const { provider } = failingAdmin(code);
            await expect(
                provider.delete!(base.name, { ...base, forgetIfUnreachable: true }),
            ).rejects.toMatchObject({ name: "KafkaAdminError", code });
            expect(stderr).not.toHaveBeenCalled();
        },
    );

    it("classifies a real refused connection (kafkajs) as unreachable and forgets the topic", async () => {
        const stderr = quietStderr();
        const nowhere = { ...base, connection: { bootstrapServers: "127.0.0.1:1" } };
        await expect(kafkaTopicProvider.delete!(base.name, nowhere)).rejects.toThrow(
            /cannot reach the brokers .*ECONNREFUSED 127\.0\.0\.1:1.*The topic was not deleted and stays in the stack/,
        );
        await expect(
            kafkaTopicProvider.delete!(base.name, { ...nowhere, forgetIfUnreachable: true }),
        ).resolves.toBeUndefined();
        expect(String(stderr.mock.calls[0]?.[0])).toContain(
            'Kafka topic "tidb_shop_orders" on 127.0.0.1:1 was NOT deleted',
        );
    }, 20_000);
});

describe("the flag as an input", () => {
    it("is checked as a boolean", () => {
        expect(validateTopicInputs({ ...base, forgetIfUnreachable: true })).toEqual([]);
        expect(validateTopicInputs({ ...base, forgetIfUnreachable: "yes" })).toEqual([
            {
                property: "forgetIfUnreachable",
                reason: "forgetIfUnreachable must be true or false",
            },
        ]);
    });

    it("diffs as an in-place update; absent and false are the same", () => {
        expect(diffTopic(base, { ...base, forgetIfUnreachable: true })).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: true,
        });
        expect(diffTopic({ ...base, forgetIfUnreachable: true }, base).changes).toBe(true);
        expect(diffTopic(base, { ...base, forgetIfUnreachable: false }).changes).toBe(false);
        expect(diffTopic({ ...base, forgetIfUnreachable: false }, base).changes).toBe(false);
    });

    it("is recorded by update without calling the brokers (they may be gone)", async () => {
        const { provider, calls } = failingAdmin("unreachable");
        const updated = await provider.update!(base.name, base, {
            ...base,
            forgetIfUnreachable: true,
        });
        expect(updated).toEqual({ outs: { ...base, forgetIfUnreachable: true } });
        const back = await provider.update!(
            base.name,
            { ...base, forgetIfUnreachable: true },
            { ...base, forgetIfUnreachable: false },
        );
        expect(back).toEqual({ outs: { ...base, forgetIfUnreachable: false } });
        expect(calls).toEqual([]);
    });

    it("does not skip the brokers when something else changes too", async () => {
        const { provider, calls } = failingAdmin(undefined);
        await expect(
            provider.update!(base.name, base, {
                ...base,
                partitions: 6,
                forgetIfUnreachable: true,
            }),
        ).rejects.toThrow(/no longer exists/);
        expect(calls).toEqual([`describe ${base.name}`]);
    });

    it("is kept by read (refresh shows no drift)", async () => {
        const admin: KafkaAdmin = {
            brokers: "127.0.0.1:29092",
            describeTopic: (name) =>
                Promise.resolve({
                    name,
                    partitions: base.partitions,
                    replicationFactor: base.replicationFactor,
                    configs: base.configs,
                }),
            createTopic: () => Promise.resolve(),
            createPartitions: () => Promise.resolve(),
            alterConfigs: () => Promise.resolve(),
            deleteTopic: () => Promise.resolve(true),
            listTopics: () => Promise.resolve([base.name]),
        };
        const provider = createKafkaTopicProvider(() => admin);
        const state = { ...base, forgetIfUnreachable: true };
        const read = await provider.read!(base.name, state);
        expect(read.props).toEqual(state);
        expect(read.inputs).toEqual(state);
        expect((await provider.read!(base.name, base)).props).toEqual(base);
    });
});
