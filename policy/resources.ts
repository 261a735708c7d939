/**
 * The resources the guardrails look at, recognised by type token and read as plain data: the
 * operators' custom resources (TiDB Operator v2, Strimzi, Flink Kubernetes Operator) and the
 * project's dynamic resources. Nothing here imports the project's components: a policy pack runs
 * in its own process, on the properties the engine sends.
 */
import type { PropertyPath } from "./secrets";

/** The dynamic resources of components/ (pulumi-nodejs:dynamic/<module>:<name>). */
export const KAFKA_TOPIC = "pulumi-nodejs:dynamic/kafka:KafkaTopic";
export const CHANGEFEED = "pulumi-nodejs:dynamic/ticdc:Changefeed";
export const FLINK_SQL_JOB = "pulumi-nodejs:dynamic/flink:SqlJob";

export const NAMESPACE = "kubernetes:core/v1:Namespace";
export const PERSISTENT_VOLUME_CLAIM = "kubernetes:core/v1:PersistentVolumeClaim";
export const KUBERNETES_SECRET = "kubernetes:core/v1:Secret";
export const DOCKER_VOLUME = "docker:index/volume:Volume";

export const TIDB_OPERATOR_GROUP = "core.pingcap.com";
export const STRIMZI_GROUP = "kafka.strimzi.io";
export const FLINK_OPERATOR_GROUP = "flink.apache.org";

/** Kafka's own defaults (broker `message.max.bytes` = topic `max.message.bytes`, and so on). */
export const KAFKA_DEFAULTS = {
    maxMessageBytes: 1_048_588,
    defaultReplicationFactor: 1,
    minInsyncReplicas: 1,
} as const;

/** TiCDC's Kafka sink `max-message-bytes` when the changefeed sets none (10 MiB). */
export const TICDC_DEFAULT_MAX_MESSAGE_BYTES = 10_485_760;

export interface TypedResource {
    type: string;
    name: string;
    props: Record<string, unknown>;
}

/**
 * Whether `type` is the custom resource `kind` of API group `group` (any version): a
 * CustomResource's type token is `kubernetes:<group>/<version>:<kind>`.
 */
export function isCustomResource(type: string, group: string, kind: string): boolean {
    return type.startsWith(`kubernetes:${group}/`) && type.endsWith(`:${kind}`);
}

/** The custom resource's kind when it belongs to `group`, else undefined. */
export function customResourceKind(type: string, group: string): string | undefined {
    if (!type.startsWith(`kubernetes:${group}/`)) return undefined;
    return type.slice(type.lastIndexOf(":") + 1);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `value[key1][key2]…`, or undefined as soon as a step is not an object. */
export function dig(value: unknown, ...keys: string[]): unknown {
    let current = value;
    for (const key of keys) {
        if (!isRecord(current)) return undefined;
        current = current[key];
    }
    return current;
}

/** A number written as a number or a decimal string (Kafka configs come as either). */
export function numeric(value: unknown): number | undefined {
    if (typeof value === "number" && Number.isFinite(value)) return value;
    if (typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value)) return Number(value);
    return undefined;
}

export function nonEmptyString(value: unknown): value is string {
    return typeof value === "string" && value.trim() !== "";
}

/** How a message names a resource: its kind, its object name if it has one, and its Pulumi name. */
export function describe(resource: TypedResource): string {
    const kind = resource.type.slice(resource.type.lastIndexOf(":") + 1);
    const objectName = dig(resource.props, "metadata", "name");
    return typeof objectName === "string" && objectName !== resource.name
        ? `${kind} "${objectName}" (resource ${resource.name})`
        : `${kind} "${resource.name}"`;
}

/** `tidb.password`, `sink.extraParams["sasl-password"]`, `spec.env[2].value`. */
export function formatPath(path: PropertyPath): string {
    let out = "";
    for (const key of path) {
        if (typeof key === "number") out += `[${key}]`;
        else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) out += out === "" ? key : `.${key}`;
        else out += `[${JSON.stringify(key)}]`;
    }
    return out;
}
