/**
 * The guardrails, one policy per rule. Mandatory by default: a violation fails `pulumi preview`
 * and `pulumi up`. Each message names the resource, what is wrong and the fix.
 *
 * Per-resource rules (validateResource) see one resource's inputs; rules that need other
 * resources (which Kafka a topic lives on, which topics a changefeed writes) or the stack's shape
 * (prod or the Docker lab, environment.ts) are stack rules (validateStack), which see every
 * resource's outputs at the end of a preview or update (for a resource about to be created, its
 * inputs) and its options, `protect` included.
 */
import type {
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { plainTextCredentials } from "./credentials";
import {
    DEV_NOT_APPLICABLE,
    ENVIRONMENT_SCHEMA,
    type EnvironmentConfig,
    kubernetesResourceEnvironment,
    stackEnvironment,
} from "./environment";
import {
    CHANGEFEED,
    customResourceKind,
    describe,
    dig,
    DOCKER_VOLUME,
    FLINK_OPERATOR_GROUP,
    FLINK_SQL_JOB,
    formatPath,
    isCustomResource,
    isRecord,
    KAFKA_DEFAULTS,
    KAFKA_TOPIC,
    NAMESPACE,
    nonEmptyString,
    numeric,
    PERSISTENT_VOLUME_CLAIM,
    STRIMZI_GROUP,
    TICDC_DEFAULT_MAX_MESSAGE_BYTES,
    TIDB_OPERATOR_GROUP,
} from "./resources";
import { secretPaths } from "./secrets";
import { changefeedWritesTopic } from "./topics";

export const POLICY_NAMES = {
    tidbReplicas: "tidb-min-replicas",
    kafkaReplication: "kafka-replication",
    protectedStorage: "protected-storage",
    credentials: "no-plaintext-credentials",
    ticdcMessageSize: "ticdc-max-message-bytes",
    flinkSavepoints: "flink-savepoints",
} as const;

// ---------------------------------------------------------------------------------------------
// prod: ≥ 3 PD and ≥ 3 TiKV
// ---------------------------------------------------------------------------------------------

interface TidbReplicasConfig extends EnvironmentConfig {
    minPdReplicas?: number;
    minTikvReplicas?: number;
}

const TIDB_GROUPS = {
    PDGroup: {
        setting: "tidb.pd.replicas",
        why: "PD is a Raft group: with fewer than 3 members, losing one loses the cluster's placement and timestamp service",
    },
    TiKVGroup: {
        setting: "tidb.tikv.replicas",
        why: "TiKV keeps 3 Raft replicas of every region: with fewer than 3 stores a single failure loses data or availability",
    },
} as const;

export const tidbReplicas: ResourceValidationPolicy = {
    name: POLICY_NAMES.tidbReplicas,
    description:
        "prod TiDB clusters run at least 3 PD and 3 TiKV replicas (TiDB Operator v2 PDGroup / TiKVGroup spec.replicas)",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            ...ENVIRONMENT_SCHEMA,
            minPdReplicas: { type: "integer", minimum: 1, default: 3 },
            minTikvReplicas: { type: "integer", minimum: 1, default: 3 },
        },
    },
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        const kind = customResourceKind(args.type, TIDB_OPERATOR_GROUP);
        if (kind !== "PDGroup" && kind !== "TiKVGroup") return;
        const config = args.getConfig<TidbReplicasConfig>();
        if (kubernetesResourceEnvironment(config.environment) === "dev") {
            args.notApplicable(DEV_NOT_APPLICABLE);
        }
        const min =
            kind === "PDGroup" ? (config.minPdReplicas ?? 3) : (config.minTikvReplicas ?? 3);
        const replicas = numeric(dig(args.props, "spec", "replicas")) ?? 1;
        if (replicas < min) {
            const { setting, why } = TIDB_GROUPS[kind];
            report(
                `${describe(args)} has spec.replicas = ${replicas}; prod needs at least ${min}: ${why}. ` +
                    `Set ${setting} to ${min} or more in the stack config${kind === "PDGroup" ? " (an odd number)" : ""}.`,
            );
        }
    },
};

// ---------------------------------------------------------------------------------------------
// prod: Kafka replication ≥ 3, min.insync.replicas ≥ 2
// ---------------------------------------------------------------------------------------------

interface KafkaReplicationConfig extends EnvironmentConfig {
    minReplicationFactor?: number;
    minInsyncReplicas?: number;
}

/** A Strimzi `Kafka` of the stack with its broker config. */
interface StrimziKafka {
    resource: PolicyResource;
    name: string;
    config: Record<string, unknown>;
}

function strimziKafkas(resources: PolicyResource[]): StrimziKafka[] {
    return resources
        .filter((r) => isCustomResource(r.type, STRIMZI_GROUP, "Kafka"))
        .map((resource) => {
            const config = dig(resource.props, "spec", "kafka", "config");
            const name = dig(resource.props, "metadata", "name");
            return {
                resource,
                name: typeof name === "string" ? name : resource.name,
                config: isRecord(config) ? config : {},
            };
        });
}

/** The Strimzi Kafka a topic connects to: its bootstrap service is `<name>-kafka-bootstrap`. */
function kafkaOfTopic(topic: PolicyResource, kafkas: StrimziKafka[]): StrimziKafka | undefined {
    const servers = dig(topic.props, "connection", "bootstrapServers");
    if (typeof servers !== "string") return undefined;
    const hosts = servers.split(",").map((s) => s.trim().split(":")[0] ?? "");
    return kafkas.find((k) =>
        hosts.some(
            (h) => h === `${k.name}-kafka-bootstrap` || h.startsWith(`${k.name}-kafka-bootstrap.`),
        ),
    );
}

export const kafkaReplication: StackValidationPolicy = {
    name: POLICY_NAMES.kafkaReplication,
    description:
        "prod Kafka topics are replicated at least 3 times with min.insync.replicas ≥ 2 (KafkaTopic resources and the Strimzi Kafka's broker defaults)",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            ...ENVIRONMENT_SCHEMA,
            minReplicationFactor: { type: "integer", minimum: 1, default: 3 },
            minInsyncReplicas: { type: "integer", minimum: 1, default: 2 },
        },
    },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const config = args.getConfig<KafkaReplicationConfig>();
        if (stackEnvironment(config.environment, args.resources) === "dev") {
            args.notApplicable(DEV_NOT_APPLICABLE);
        }
        const minRf = config.minReplicationFactor ?? 3;
        const minIsr = config.minInsyncReplicas ?? 2;
        const kafkas = strimziKafkas(args.resources);
        for (const kafka of kafkas) {
            const rf =
                numeric(kafka.config["default.replication.factor"]) ??
                KAFKA_DEFAULTS.defaultReplicationFactor;
            const isr =
                numeric(kafka.config["min.insync.replicas"]) ?? KAFKA_DEFAULTS.minInsyncReplicas;
            const problems = [
                rf < minRf ? `default.replication.factor = ${rf} (needs ≥ ${minRf})` : undefined,
                isr < minIsr ? `min.insync.replicas = ${isr} (needs ≥ ${minIsr})` : undefined,
            ].filter((p): p is string => p !== undefined);
            if (problems.length > 0) {
                report(
                    `${describe(kafka.resource)} has broker defaults ${problems.join(" and ")}: topics created without explicit settings would not survive a broker loss. ` +
                        `Run at least ${minRf} brokers (kafka.brokers.replicas ≥ ${minRf} in the stack config sets both).`,
                    kafka.resource.urn,
                );
            }
        }
        for (const topic of args.resources.filter((r) => r.type === KAFKA_TOPIC)) {
            const name = typeof topic.props.name === "string" ? topic.props.name : topic.name;
            const rf = numeric(topic.props.replicationFactor);
            if (rf !== undefined && rf < minRf) {
                report(
                    `KafkaTopic "${name}" (resource ${topic.name}) has replicationFactor = ${rf}; prod topics need at least ${minRf} replicas so that a broker loss loses no data. ` +
                        `Set replication.topicReplicationFactor to ${minRf} or more in the stack config (with at least ${minRf} brokers).`,
                    topic.urn,
                );
            }
            // The topic's own min.insync.replicas wins; else the brokers' (when the stack runs them).
            const own = numeric(dig(topic.props, "configs", "min.insync.replicas"));
            const brokers = kafkaOfTopic(topic, kafkas);
            const isr =
                own ??
                (brokers
                    ? (numeric(brokers.config["min.insync.replicas"]) ??
                      KAFKA_DEFAULTS.minInsyncReplicas)
                    : undefined);
            if (isr !== undefined && isr < minIsr) {
                report(
                    `KafkaTopic "${name}" (resource ${topic.name}) has min.insync.replicas = ${isr}${own === undefined ? " (from its brokers)" : ""}; ` +
                        `prod needs at least ${minIsr}, or an acknowledged write may exist on one broker only. ` +
                        (own === undefined
                            ? `Run at least 3 brokers (kafka.brokers.replicas), which sets it to 2.`
                            : `Set configs["min.insync.replicas"] to "${minIsr}" or more.`),
                    topic.urn,
                );
            }
        }
    },
};

// ---------------------------------------------------------------------------------------------
// prod: storage is protected
// ---------------------------------------------------------------------------------------------

interface ProtectedStorageConfig extends EnvironmentConfig {
    disposableStorageKinds?: string[];
}

/** Why a resource owns storage, or undefined when it does not. */
function storageOwnership(
    resource: PolicyResource,
    disposable: readonly string[],
): string | undefined {
    const { type, props } = resource;
    if (type === PERSISTENT_VOLUME_CLAIM) return "it is a persistent volume claim";
    if (type === DOCKER_VOLUME) return "it is a Docker volume";
    const tidbKind = customResourceKind(type, TIDB_OPERATOR_GROUP);
    if (tidbKind !== undefined && !disposable.includes(tidbKind)) {
        if (tidbKind === "Cluster")
            return "deleting the TiDB cluster deletes its groups and their volumes";
        const volumes = dig(props, "spec", "template", "spec", "volumes");
        if (Array.isArray(volumes) && volumes.length > 0) return "its pods' volumes hold the data";
    }
    const strimziKind = customResourceKind(type, STRIMZI_GROUP);
    if (strimziKind !== undefined && !disposable.includes(strimziKind)) {
        if (strimziKind === "Kafka")
            return "deleting the Kafka cluster deletes its brokers' log directories";
        if (
            strimziKind === "KafkaNodePool" &&
            hasPersistentStorage(dig(props, "spec", "storage"))
        ) {
            return "its brokers' persistent volume claims hold the topics";
        }
    }
    return undefined;
}

/** Strimzi storage: `persistent-claim`, or `jbod` with at least one persistent-claim volume. */
function hasPersistentStorage(storage: unknown): boolean {
    if (!isRecord(storage)) return false;
    if (storage.type === "persistent-claim") return true;
    return (
        storage.type === "jbod" &&
        Array.isArray(storage.volumes) &&
        storage.volumes.some((v) => isRecord(v) && v.type === "persistent-claim")
    );
}

export const protectedStorage: StackValidationPolicy = {
    name: POLICY_NAMES.protectedStorage,
    description:
        "prod resources that own storage (TiKV/PD groups, the TiDB and Kafka clusters, Kafka node pools, volume claims) and the namespaces holding them are protected from deletion",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            ...ENVIRONMENT_SCHEMA,
            disposableStorageKinds: {
                type: "array",
                items: { type: "string" },
                // TiCDC's data-dir holds only its sorter's spill files; changefeed state lives in PD.
                default: ["TiCDCGroup"],
                description:
                    "custom resource kinds whose volumes hold nothing that must survive (default: TiCDCGroup, whose data-dir is sorter spill space)",
            },
        },
    },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const config = args.getConfig<ProtectedStorageConfig>();
        if (stackEnvironment(config.environment, args.resources) === "dev") {
            args.notApplicable(DEV_NOT_APPLICABLE);
        }
        const disposable = config.disposableStorageKinds ?? ["TiCDCGroup"];
        const fix =
            "Set protectStorage: true in the stack config (the default on kubernetes), or protect: true on the resource.";
        const storageNamespaces = new Map<string, string>();
        for (const resource of args.resources) {
            const why = storageOwnership(resource, disposable);
            if (why === undefined) continue;
            const namespace = dig(resource.props, "metadata", "namespace");
            if (typeof namespace === "string") storageNamespaces.set(namespace, describe(resource));
            if (!resource.opts.protect) {
                report(
                    `${describe(resource)} owns storage (${why}) but is not protected: pulumi destroy, or a change that replaces it, would delete the data. ${fix}`,
                    resource.urn,
                );
            }
        }
        for (const namespace of args.resources.filter((r) => r.type === NAMESPACE)) {
            const name = dig(namespace.props, "metadata", "name");
            const holder = typeof name === "string" ? storageNamespaces.get(name) : undefined;
            if (holder !== undefined && !namespace.opts.protect) {
                report(
                    `Namespace "${String(name)}" (resource ${namespace.name}) holds ${holder} and is not protected: deleting a namespace deletes every volume claim in it. ${fix}`,
                    namespace.urn,
                );
            }
        }
    },
};

// ---------------------------------------------------------------------------------------------
// every stack: no plain-text credentials
// ---------------------------------------------------------------------------------------------

export const noPlaintextCredentials: ResourceValidationPolicy = {
    name: POLICY_NAMES.credentials,
    description:
        "credentials (passwords, secrets, tokens, SASL/JAAS settings, URIs with user:password) in resource inputs are Pulumi secrets, never plain text",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        const secrets = secretPaths(args.props);
        if (secrets === undefined) {
            throw new Error(
                "the resource's properties did not come through policy/secrets.ts, so secrets cannot be told from plain text",
            );
        }
        for (const finding of plainTextCredentials(args.type, args.props, secrets)) {
            report(
                `${describe(args)} has a plain-text credential at ${formatPath(finding.path)} (${finding.reason}): Pulumi would store it unencrypted in the state and show it in previews. ` +
                    "Pass it as a secret: pulumi.secret(…) in code, or `pulumi config set --secret <key>` read with config.requireSecret.",
            );
        }
    },
};

// ---------------------------------------------------------------------------------------------
// every stack: TiCDC max-message-bytes ≤ the topics' max.message.bytes
// ---------------------------------------------------------------------------------------------

export const ticdcMaxMessageBytes: StackValidationPolicy = {
    name: POLICY_NAMES.ticdcMessageSize,
    description:
        "a changefeed's sink max-message-bytes does not exceed max.message.bytes of any topic it writes",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const topics = args.resources.filter((r) => r.type === KAFKA_TOPIC);
        const kafkas = strimziKafkas(args.resources);
        for (const changefeed of args.resources.filter((r) => r.type === CHANGEFEED)) {
            const sink: unknown = changefeed.props.sink;
            const sinkLimit =
                numeric(isRecord(sink) ? sink.maxMessageBytes : undefined) ??
                TICDC_DEFAULT_MAX_MESSAGE_BYTES;
            for (const topic of topics) {
                const name: unknown = topic.props.name;
                if (typeof name !== "string" || !changefeedWritesTopic(changefeed.props, name)) {
                    continue;
                }
                const own = numeric(dig(topic.props, "configs", "max.message.bytes"));
                const brokers = kafkaOfTopic(topic, kafkas);
                const limit =
                    own ??
                    numeric(brokers?.config["message.max.bytes"]) ??
                    KAFKA_DEFAULTS.maxMessageBytes;
                if (sinkLimit > limit) {
                    const source =
                        own !== undefined
                            ? 'its configs["max.message.bytes"]'
                            : brokers
                              ? `the brokers' message.max.bytes`
                              : "Kafka's default";
                    report(
                        `Changefeed "${changefeed.name}" sends messages of up to ${sinkLimit} bytes (sink.maxMessageBytes) to KafkaTopic "${name}" (resource ${topic.name}), ` +
                            `which accepts at most ${limit} bytes (${source}): larger row changes would fail the changefeed. ` +
                            `Raise the topic's configs["max.message.bytes"] to ${sinkLimit} or more, or lower the changefeed's sink.maxMessageBytes (kafka.messageMaxBytes in the stack config sets both).`,
                        changefeed.urn,
                    );
                }
            }
        }
    },
};

// ---------------------------------------------------------------------------------------------
// prod: Flink jobs keep their state across changes
// ---------------------------------------------------------------------------------------------

const SAVEPOINT_DIR_KEYS = ["execution.checkpointing.savepoint-dir", "state.savepoints.dir"];
const STATEFUL_UPGRADE_MODES = ["savepoint", "last-state"];

export const flinkSavepoints: StackValidationPolicy = {
    name: POLICY_NAMES.flinkSavepoints,
    description:
        "prod Flink keeps job state across changes: the FlinkDeployment has a savepoint directory (and a stateful upgradeMode for a job), every SQL job a savepointDir",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...ENVIRONMENT_SCHEMA } },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const config = args.getConfig<EnvironmentConfig>();
        if (stackEnvironment(config.environment, args.resources) === "dev") {
            args.notApplicable(DEV_NOT_APPLICABLE);
        }
        for (const deployment of args.resources.filter((r) =>
            isCustomResource(r.type, FLINK_OPERATOR_GROUP, "FlinkDeployment"),
        )) {
            const flinkConfiguration = dig(deployment.props, "spec", "flinkConfiguration");
            const conf = isRecord(flinkConfiguration) ? flinkConfiguration : {};
            if (!SAVEPOINT_DIR_KEYS.some((key) => nonEmptyString(conf[key]))) {
                report(
                    `${describe(deployment)} has no savepoint directory (spec.flinkConfiguration ${SAVEPOINT_DIR_KEYS.map((k) => `"${k}"`).join(" or ")}): ` +
                        "jobs cannot be stopped with a savepoint, so every update restarts them without their state. " +
                        'Set "execution.checkpointing.savepoint-dir" (Flink 2.x) to a durable location.',
                    deployment.urn,
                );
            }
            const job = dig(deployment.props, "spec", "job");
            if (isRecord(job)) {
                const mode = typeof job.upgradeMode === "string" ? job.upgradeMode : "stateless";
                if (!STATEFUL_UPGRADE_MODES.includes(mode)) {
                    report(
                        `${describe(deployment)} upgrades its job with spec.job.upgradeMode = "${mode}", which drops the job's state. Set it to "savepoint" (or "last-state").`,
                        deployment.urn,
                    );
                }
            }
        }
        for (const job of args.resources.filter((r) => r.type === FLINK_SQL_JOB)) {
            if (!nonEmptyString(job.props.savepointDir)) {
                const name = typeof job.props.name === "string" ? job.props.name : job.name;
                report(
                    `SqlJob "${name}" (resource ${job.name}) has no savepointDir: an update or stop would cancel the job and lose its state. ` +
                        "Give it the Flink cluster's savepoint directory (flink.external.savepointDir for an external Flink).",
                    job.urn,
                );
            }
        }
    },
};

/** Every guardrail, in the order the README lists them. */
export const policies = [
    tidbReplicas,
    kafkaReplication,
    protectedStorage,
    noPlaintextCredentials,
    ticdcMaxMessageBytes,
    flinkSavepoints,
];
