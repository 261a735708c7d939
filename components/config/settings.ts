/**
 * parseStackSettings: raw config → fully resolved, validated settings, or one ConfigError that
 * lists every bad field with its value and what is allowed.
 */
import { ZodError } from "zod";
import { replicationPolicy } from "./replication";
import { crossFieldIssues, type SecretPresence, type SettingsIssue } from "./rules";
import {
    KAFKA_DEFAULT_VERSION,
    type MavenArtifact,
    type ParsedStackSettings,
    stackSettingsSchema,
} from "./schema";

/**
 * The Kafka SQL connector release for each Flink minor, as published on Maven Central.
 * Checksums were computed from the jars themselves; `flink.connectors` overrides the table.
 */
export const KAFKA_CONNECTOR_BY_FLINK_MINOR: Readonly<Record<string, MavenArtifact>> = {
    "2.0": {
        groupId: "org.apache.flink",
        artifactId: "flink-sql-connector-kafka",
        version: "4.0.1-2.0",
        sha256: "c7127a6518fba5d6b75eb4692229192e7147ea378e69c7b7cf16d0494057b0c3",
    },
    "2.2": {
        groupId: "org.apache.flink",
        artifactId: "flink-sql-connector-kafka",
        version: "5.0.0-2.2",
        sha256: "5605c691d11a501382c383fecba37a7a552467da5ab7ba904ef5d6f3d62c5616",
    },
};

export function flinkMinor(version: string): string {
    return version.split(".").slice(0, 2).join(".");
}

type Parsed = ParsedStackSettings;

/** Settings with every derived default filled in: what the components consume. */
export interface StackSettings extends Omit<
    Parsed,
    "kafka" | "flink" | "replication" | "protectStorage"
> {
    protectStorage: boolean;
    kafka: Parsed["kafka"] & { version: string };
    flink: Parsed["flink"] & { connectors: MavenArtifact[] };
    replication: Parsed["replication"] & { changefeedId: string; topicReplicationFactor: number };
}

export class ConfigError extends Error {
    constructor(readonly issues: SettingsIssue[]) {
        super(formatIssues(issues));
        this.name = "ConfigError";
    }
}

/** Validate and resolve the raw stack config. Throws ConfigError listing every problem. */
export function parseStackSettings(
    raw: unknown,
    secrets: SecretPresence = { tidbRootPassword: false },
): StackSettings {
    const issues: SettingsIssue[] = [];
    const result = stackSettingsSchema.safeParse(raw);
    if (!result.success) {
        issues.push(...zodIssues(result.error, raw));
    }
    issues.push(...crossFieldIssues(raw, secrets));
    if (!result.success || issues.length > 0) {
        throw new ConfigError(issues);
    }
    return resolveDefaults(result.data);
}

function resolveDefaults(parsed: Parsed): StackSettings {
    const kafkaVersion = parsed.kafka.version ?? KAFKA_DEFAULT_VERSION[parsed.kafka.mode];
    const connectors = parsed.flink.connectors ?? [
        KAFKA_CONNECTOR_BY_FLINK_MINOR[flinkMinor(parsed.flink.version)]!,
    ];
    return {
        ...parsed,
        protectStorage: parsed.protectStorage ?? parsed.target === "kubernetes",
        kafka: { ...parsed.kafka, version: kafkaVersion },
        flink: { ...parsed.flink, connectors },
        replication: {
            ...parsed.replication,
            changefeedId: parsed.replication.changefeedId ?? `${parsed.namePrefix}-to-kafka`,
            topicReplicationFactor:
                parsed.replication.topicReplicationFactor ??
                replicationPolicy(parsed.kafka.external ? 3 : parsed.kafka.brokers.replicas)
                    .replicationFactor,
        },
    };
}

/** Field names whose values are never echoed back in an error. */
const SENSITIVE = /(password|secret|token|credential|sasl|key)$/i;

function zodIssues(error: ZodError, raw: unknown): SettingsIssue[] {
    return error.issues.map((issue) => {
        const path = issue.path.map(String);
        if (issue.code === "unrecognized_keys") {
            return {
                path,
                value: undefined,
                message: `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}: check the spelling against the README's configuration reference`,
            };
        }
        return { path, value: valueAt(raw, path), message: issue.message };
    });
}

export function valueAt(raw: unknown, path: readonly string[]): unknown {
    let cursor: unknown = raw;
    for (const key of path) {
        if (cursor === null || typeof cursor !== "object") return undefined;
        cursor = (cursor as Record<string, unknown>)[key];
    }
    return cursor;
}

export function formatIssues(issues: readonly SettingsIssue[]): string {
    const lines = issues.map((issue) => {
        const field = issue.path.length > 0 ? issue.path.join(".") : "(stack config)";
        const shown =
            issue.value === undefined
                ? "(not set)"
                : SENSITIVE.test(field)
                  ? "[secret]"
                  : JSON.stringify(issue.value);
        return `  - ${field} = ${shown}: ${issue.message}`;
    });
    return `Invalid stack configuration (${issues.length} problem${issues.length === 1 ? "" : "s"}); nothing was created:\n${lines.join("\n")}`;
}
