/**
 * The guardrails policy pack (policy/) on the project's real program under Pulumi mocks: the
 * committed prod and dev stacks pass every rule; prod variants that each break one rule fail
 * exactly that rule, with a message naming the resource and the fix; the environment (prod-shaped
 * or the Docker lab) is read from the stack's shape or pinned in the policy config.
 *
 * Variants are what a config slip or a code change produces. Some rules cannot be broken through
 * the stack config, because the program derives both sides from one setting or always marks the
 * value secret (TiCDC's max-message-bytes and the topics' max.message.bytes both come from
 * kafka.messageMaxBytes; the root password is read with getSecret; every savepoint directory
 * comes from the Flink cluster's). Those variants change the program instead, with a resource
 * transformation on the Pipeline.
 */
import { describe, expect, it } from "vitest";
import { POLICY_NAMES } from "../../policy/policies";
import { type PolicyPackConfig, type PolicyRun, runPolicies } from "./policy-engine";
import { type ProgramChanges, recordProgram, rewrite, ROOT_PASSWORD } from "./program-runs";

const {
    tidbReplicas,
    kafkaReplication,
    protectedStorage,
    credentials,
    ticdcMessageSize,
    flinkSavepoints,
} = POLICY_NAMES;
const PROD_ONLY = [tidbReplicas, kafkaReplication, protectedStorage, flinkSavepoints];

const TOPIC = "pulumi-nodejs:dynamic/kafka:KafkaTopic";
const CHANGEFEED = "pulumi-nodejs:dynamic/ticdc:Changefeed";
const SQL_JOB = "pulumi-nodejs:dynamic/flink:SqlJob";
const FLINK_DEPLOYMENT = "kubernetes:flink.apache.org/v1beta1:FlinkDeployment";

/** The dev stack's Flink SQL section: a table over a replicated table, a sink and a job. */
const FLINK_SQL = {
    tables: [
        {
            name: "orders",
            from: "app.orders",
            columns: [
                { name: "id", type: "BIGINT", nullable: false },
                { name: "amount", type: "DECIMAL(10, 2)" },
            ],
            primaryKey: ["id"],
        },
        {
            name: "orders_changes",
            columns: [
                { name: "id", type: "BIGINT", nullable: false },
                { name: "amount", type: "DECIMAL(10, 2)" },
            ],
            options: { connector: "print" },
        },
    ],
    jobs: [
        {
            name: "orders-to-print",
            statement: "INSERT INTO orders_changes SELECT id, amount FROM orders",
        },
    ],
};

async function check(
    stack: string,
    changes: ProgramChanges = {},
    config: PolicyPackConfig = {},
): Promise<PolicyRun> {
    return runPolicies(stack, await recordProgram(stack, changes), config);
}

/** The run's violations of one policy, as messages. */
function messagesOf(run: PolicyRun, policy: string): string[] {
    return run.violations.filter((v) => v.policy === policy).map((v) => v.message);
}

/** Asserts that `policy` and nothing else reported anything, and returns its messages. */
function onlyViolated(run: PolicyRun, policy: string): string[] {
    expect(run.failing()).toEqual([policy]);
    expect(run.violations.filter((v) => v.policy !== policy)).toEqual([]);
    return messagesOf(run, policy);
}

describe("the committed stacks", () => {
    it("prod passes every rule, each of them applicable", async () => {
        const run = await check("prod");
        expect(run.violations).toEqual([]);
        expect([...run.notApplicable.keys()]).toEqual([]);
    });

    it("prod with Flink SQL jobs passes too: every job gets the cluster's savepoint directory", async () => {
        const run = await check("prod", { config: { flinkSql: FLINK_SQL } });
        expect(run.violations).toEqual([]);
    });

    it("dev (the Docker lab) passes: the prod-only rules are not applicable, the others pass", async () => {
        const run = await check("dev");
        expect(run.violations).toEqual([]);
        expect([...run.notApplicable.keys()].sort()).toEqual(
            [kafkaReplication, protectedStorage, flinkSavepoints].sort(),
        );
        for (const reasons of run.notApplicable.values()) {
            expect(reasons.join()).toMatch(/dev stack \(the Docker lab/);
        }
    });
});

describe("prod variants: each breaks one rule, and only that rule fires", () => {
    it(`${tidbReplicas}: one PD`, async () => {
        const run = await check("prod", { config: { tidb: { pd: { replicas: 1 } } } });
        const messages = onlyViolated(run, tidbReplicas);
        expect(messages).toHaveLength(1);
        expect(messages[0]).toMatch(
            /^PDGroup "cdc" \(resource pdgroup-cdc\) has spec.replicas = 1;/,
        );
        expect(messages[0]).toMatch(/prod needs at least 3/);
        expect(messages[0]).toMatch(/Set tidb\.pd\.replicas to 3 or more .*\(an odd number\)/);
        expect(run.mandatory()[0]?.urn).toMatch(/:PDGroup::pdgroup-cdc$/);
    });

    it(`${tidbReplicas}: one TiKV`, async () => {
        const run = await check("prod", { config: { tidb: { tikv: { replicas: 1 } } } });
        const messages = onlyViolated(run, tidbReplicas);
        expect(messages).toEqual([
            expect.stringMatching(
                /^TiKVGroup "cdc" \(resource tikvgroup-cdc\) has spec.replicas = 1; .*Set tidb\.tikv\.replicas to 3 or more/,
            ),
        ]);
    });

    it(`${kafkaReplication}: one broker (broker defaults and every topic)`, async () => {
        const run = await check("prod", { config: { kafka: { brokers: { replicas: 1 } } } });
        const messages = onlyViolated(run, kafkaReplication);
        expect(messages).toContainEqual(
            expect.stringMatching(
                /^Kafka "cdc-kafka" \(resource kafka-cdc-kafka\) has broker defaults default\.replication\.factor = 1 \(needs ≥ 3\) and min\.insync\.replicas = 1 \(needs ≥ 2\).*kafka\.brokers\.replicas ≥ 3/,
            ),
        );
        for (const topic of ["cdc-to-kafka-default", "tidb_app_orders", "tidb_app_customers"]) {
            expect(messages).toContainEqual(
                expect.stringMatching(
                    new RegExp(
                        `^KafkaTopic "${topic}" \\(resource cdc-topic-${topic}\\) has replicationFactor = 1; .*Set replication\\.topicReplicationFactor to 3 or more`,
                    ),
                ),
            );
            expect(messages).toContainEqual(
                expect.stringMatching(
                    new RegExp(
                        `^KafkaTopic "${topic}" .* has min\\.insync\\.replicas = 1 \\(from its brokers\\)`,
                    ),
                ),
            );
        }
        expect(messages).toHaveLength(7);
    });

    it(`${kafkaReplication}: topics replicated twice on three brokers`, async () => {
        const run = await check("prod", { config: { replication: { topicReplicationFactor: 2 } } });
        const messages = onlyViolated(run, kafkaReplication);
        expect(messages).toHaveLength(3);
        for (const message of messages) {
            expect(message).toMatch(
                /^KafkaTopic "[^"]+" \(resource cdc-topic-[^)]+\) has replicationFactor = 2;/,
            );
        }
    });

    it(`${kafkaReplication}: a topic that lowers its own min.insync.replicas`, async () => {
        const run = await check("prod", {
            transformations: [
                rewrite(TOPIC, "cdc-topic-tidb_app_orders", (props) => ({
                    ...props,
                    configs: { ...(props.configs as object), "min.insync.replicas": "1" },
                })),
            ],
        });
        expect(onlyViolated(run, kafkaReplication)).toEqual([
            expect.stringMatching(
                /^KafkaTopic "tidb_app_orders" \(resource cdc-topic-tidb_app_orders\) has min\.insync\.replicas = 1; .*Set configs\["min\.insync\.replicas"\] to "2" or more\.$/,
            ),
        ]);
    });

    it(`${protectedStorage}: protectStorage: false`, async () => {
        const run = await check("prod", { config: { protectStorage: false } });
        const messages = onlyViolated(run, protectedStorage);
        const named = messages.map((m) => /^(\w+ "[^"]+")/.exec(m)?.[1]).sort();
        expect(named).toEqual(
            [
                'Cluster "cdc"',
                'PDGroup "cdc"',
                'TiKVGroup "cdc"',
                'Kafka "cdc-kafka"',
                'KafkaNodePool "cdc-brokers"',
                'PersistentVolumeClaim "cdc-flink-data"',
                'Namespace "cdc-pipeline"',
            ].sort(),
        );
        for (const message of messages) {
            expect(message).toMatch(/not protected/);
            expect(message).toMatch(/Set protectStorage: true in the stack config/);
        }
        expect(messages.find((m) => m.startsWith("Namespace"))).toMatch(
            /holds .* deleting a namespace deletes every volume claim in it/,
        );
    });

    it(`${credentials}: a plain-text TiDB password given to the Changefeed`, async () => {
        const plain = "plain-text-tidb-pw-31337";
        const run = await check("prod", {
            transformations: [
                rewrite(CHANGEFEED, "cdc-changefeed", (props) => ({
                    ...props,
                    tidb: { ...(props.tidb as object), password: plain },
                })),
            ],
        });
        const messages = onlyViolated(run, credentials);
        expect(messages).toEqual([
            expect.stringMatching(
                /^Changefeed "cdc-changefeed" has a plain-text credential at tidb\.password \(a credential-named property "password"\): .*Pass it as a secret: pulumi\.secret/,
            ),
        ]);
        expect(messages.join()).not.toContain(plain);
        expect(run.mandatory()[0]?.urn).toMatch(/ticdc:Changefeed::cdc-changefeed$/);
    });

    it(`${credentials}: a SASL password in the changefeed's extra sink parameters`, async () => {
        const run = await check("prod", {
            transformations: [
                rewrite(CHANGEFEED, "cdc-changefeed", (props) => ({
                    ...props,
                    sink: (props.sink as { apply<U>(f: (s: object) => U): unknown }).apply(
                        (sink) => ({
                            ...sink,
                            extraParams: { "sasl-gssapi-password": "kerberos-pw-4711" },
                        }),
                    ),
                })),
            ],
        });
        expect(onlyViolated(run, credentials)).toEqual([
            expect.stringMatching(
                /^Changefeed "cdc-changefeed" has a plain-text credential at sink\.extraParams\["sasl-gssapi-password"\]/,
            ),
        ]);
    });

    it(`${credentials}: not fooled by KafkaTopic's SASL password, which the resource makes secret`, async () => {
        const run = await check("prod", {
            transformations: [
                rewrite(TOPIC, "cdc-topic-tidb_app_orders", (props) => ({
                    ...props,
                    connection: {
                        ...(props.connection as object),
                        sasl: { mechanism: "plain", username: "cdc", password: "given-plain" },
                    },
                })),
            ],
        });
        expect(run.violations).toEqual([]);
    });

    it(`${ticdcMessageSize}: a topic whose max.message.bytes is below the changefeed's`, async () => {
        const run = await check("prod", {
            transformations: [
                rewrite(TOPIC, "cdc-topic-tidb_app_orders", (props) => ({
                    ...props,
                    configs: { ...(props.configs as object), "max.message.bytes": "1048576" },
                })),
            ],
        });
        expect(onlyViolated(run, ticdcMessageSize)).toEqual([
            expect.stringMatching(
                /^Changefeed "cdc-changefeed" sends messages of up to 10485760 bytes \(sink\.maxMessageBytes\) to KafkaTopic "tidb_app_orders" \(resource cdc-topic-tidb_app_orders\), which accepts at most 1048576 bytes \(its configs\["max\.message\.bytes"\]\).*Raise the topic's configs\["max\.message\.bytes"\] to 10485760 or more/,
            ),
        ]);
    });

    it(`${ticdcMessageSize}: a changefeed that raises its own limit above every topic's`, async () => {
        const run = await check("prod", {
            transformations: [
                rewrite(CHANGEFEED, "cdc-changefeed", (props) => ({
                    ...props,
                    sink: (props.sink as { apply<U>(f: (s: object) => U): unknown }).apply(
                        (sink) => ({ ...sink, maxMessageBytes: 20_971_520 }),
                    ),
                })),
            ],
        });
        const messages = onlyViolated(run, ticdcMessageSize);
        // The default topic and the dispatcher topic of each replicated table.
        expect(messages.map((m) => /to KafkaTopic "([^"]+)"/.exec(m)?.[1]).sort()).toEqual([
            "cdc-to-kafka-default",
            "tidb_app_customers",
            "tidb_app_orders",
        ]);
    });

    it(`${ticdcMessageSize}: a topic without its own limit gets the brokers' message.max.bytes`, async () => {
        const run = await check("prod", {
            transformations: [
                rewrite(TOPIC, "cdc-topic-tidb_app_orders", (props) => ({
                    ...props,
                    configs: { "cleanup.policy": "delete" },
                })),
            ],
        });
        // Strimzi's message.max.bytes is kafka.messageMaxBytes, the changefeed's limit.
        expect(run.violations).toEqual([]);
    });

    it(`${flinkSavepoints}: a FlinkDeployment without a savepoint directory`, async () => {
        const run = await check("prod", {
            transformations: [
                rewrite(FLINK_DEPLOYMENT, "flinkdeployment-cdc-flink", (props) => {
                    const spec = props.spec as { flinkConfiguration: Record<string, string> };
                    const flinkConfiguration = { ...spec.flinkConfiguration };
                    delete flinkConfiguration["execution.checkpointing.savepoint-dir"];
                    return { ...props, spec: { ...spec, flinkConfiguration } };
                }),
            ],
        });
        expect(onlyViolated(run, flinkSavepoints)).toEqual([
            expect.stringMatching(
                /^FlinkDeployment "cdc-flink" \(resource flinkdeployment-cdc-flink\) has no savepoint directory .*Set "execution\.checkpointing\.savepoint-dir"/,
            ),
        ]);
    });

    it(`${flinkSavepoints}: a SQL job without a savepointDir`, async () => {
        const run = await check("prod", {
            config: { flinkSql: FLINK_SQL },
            transformations: [
                rewrite(SQL_JOB, "cdc-sql-job-orders-to-print", (props) => ({
                    ...props,
                    savepointDir: undefined,
                })),
            ],
        });
        expect(onlyViolated(run, flinkSavepoints)).toEqual([
            expect.stringMatching(
                /^SqlJob "cdc-orders-to-print" \(resource cdc-sql-job-orders-to-print\) has no savepointDir: .*lose its state/,
            ),
        ]);
    });
});

describe("the environment", () => {
    const pin = (environment: string): PolicyPackConfig =>
        Object.fromEntries(PROD_ONLY.map((policy) => [policy, { environment }]));

    it("a prod-shaped stack pinned to dev skips the prod rules (and only those)", async () => {
        const run = await check(
            "prod",
            { config: { protectStorage: false, tidb: { pd: { replicas: 1 } } } },
            pin("dev"),
        );
        expect(run.violations).toEqual([]);
        expect([...run.notApplicable.keys()].sort()).toEqual([...PROD_ONLY].sort());
    });

    it("the Docker lab pinned to prod fails the prod rules it breaks", async () => {
        const run = await check("dev", {}, pin("prod"));
        expect(run.failing()).toEqual([kafkaReplication, protectedStorage].sort());
        expect(messagesOf(run, protectedStorage)).toContainEqual(
            expect.stringMatching(
                /^Volume "lab-tikv-0-data" owns storage \(it is a Docker volume\)/,
            ),
        );
    });

    it("a stack of external services only (no Docker, no Kubernetes) is prod-shaped", async () => {
        const run = await check("external", {
            replaceConfig: {
                target: "docker",
                namePrefix: "ext",
                tidb: {
                    external: { host: "tidb.example", ticdcApiUrl: "http://ticdc.example:8300" },
                },
                kafka: { external: { bootstrapServers: ["kafka.example:9092"] } },
                flink: {
                    external: {
                        restUrl: "http://flink.example:8081",
                        sqlGatewayUrl: "http://flink.example:8083",
                    },
                },
                replication: { tables: ["app.orders"], topicReplicationFactor: 1 },
            },
        });
        const messages = onlyViolated(run, kafkaReplication);
        expect(messages).toHaveLength(2);
        // The brokers' min.insync.replicas is not visible for an external Kafka: not judged.
        expect(messages.join("\n")).not.toMatch(/min\.insync\.replicas/);
    });

    it("keeps the root password out of every message", async () => {
        const run = await check("prod", { config: { protectStorage: false } });
        expect(JSON.stringify(run.violations)).not.toContain(ROOT_PASSWORD);
    });
});
