/**
 * The secret values a comment must never contain: the stack's secret config (decrypted by
 * `pulumi config --show-secrets --json`) and the credentials in the environment.
 *
 * A structured config value is flagged secret as a whole when any leaf of it is secret, although
 * its other leaves are plain (e.g. `kafka.mode`); the stack file says which leaves are `secure:`,
 * so only those are taken. When the stack file does not say (a secret from elsewhere, e.g. an ESC
 * environment), every string leaf of the value is taken: more caution, never less.
 */
import { parse } from "yaml";
import type { SecretValue } from "./comment";
import type { ConfigEntry } from "./pulumi";

/** Environment variables that hold credentials in the workflows. */
export const SECRET_ENV = [
    "PULUMI_ACCESS_TOKEN",
    "PULUMI_CONFIG_PASSPHRASE",
    "GITHUB_TOKEN",
    "KUBECONFIG_CONTENT",
    "TIDB_ROOT_PASSWORD",
] as const;

type Path = (string | number)[];

function securePaths(node: unknown, at: Path = []): Path[] {
    if (node === null || typeof node !== "object") return [];
    if (!Array.isArray(node) && Object.keys(node).length === 1 && "secure" in node) return [at];
    const entries: [string | number, unknown][] = Array.isArray(node)
        ? node.map((value, i) => [i, value])
        : Object.entries(node);
    return entries.flatMap(([key, value]) => securePaths(value, [...at, key]));
}

function leafAt(value: unknown, path: Path): unknown {
    let node = value;
    for (const key of path) {
        if (node === null || typeof node !== "object") return undefined;
        node = (node as Record<string | number, unknown>)[key];
    }
    return node;
}

function stringLeaves(value: unknown): string[] {
    if (typeof value === "string") return [value];
    if (typeof value === "number" || typeof value === "boolean") return [];
    if (value === null || typeof value !== "object") return [];
    return Object.values(value).flatMap(stringLeaves);
}

export function secretsFromConfig(
    config: Record<string, ConfigEntry>,
    stackFileText: string | undefined,
): SecretValue[] {
    const file = (stackFileText ? parse(stackFileText) : null) as {
        config?: Record<string, unknown>;
    } | null;
    const secrets: SecretValue[] = [];
    for (const [key, entry] of Object.entries(config)) {
        if (!entry.secret) continue;
        if (entry.objectValue === undefined || typeof entry.objectValue !== "object") {
            if (typeof entry.value === "string") secrets.push({ name: key, value: entry.value });
            continue;
        }
        const paths = securePaths(file?.config?.[key]);
        if (paths.length === 0) {
            for (const value of stringLeaves(entry.objectValue)) secrets.push({ name: key, value });
            continue;
        }
        for (const path of paths) {
            const leaf = leafAt(entry.objectValue, path);
            if (leaf === undefined || leaf === null) continue;
            const value = typeof leaf === "string" ? leaf : JSON.stringify(leaf);
            secrets.push({ name: `${key}.${path.join(".")}`, value });
        }
    }
    return secrets;
}

export function secretsFromEnv(env: Record<string, string | undefined>): SecretValue[] {
    return SECRET_ENV.flatMap((name) => {
        const value = env[name];
        return value ? [{ name: `$${name}`, value }] : [];
    });
}
