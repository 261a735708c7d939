/** Read a committed Pulumi.<stack>.yaml so tests run the program with the real stack config. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "../..");

/** The stack's config with the `<project>:` prefix removed. */
export function stackFileConfig(stack: string): Record<string, unknown> {
    const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
    const doc = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
    return Object.fromEntries(
        Object.entries(doc.config ?? {}).map(([key, value]) => [key.replace(/^[^:]+:/, ""), value]),
    );
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/**
 * Places where `needle` appears in plain text in a recorded value. Values inside Pulumi secret
 * wrappers (serialized with the secret signature) are encrypted in state, so they are skipped.
 */
export function plainTextOccurrences(value: unknown, needle: string, at = "$"): string[] {
    if (typeof value === "string") return value.includes(needle) ? [at] : [];
    if (value === null || typeof value !== "object") return [];
    if (SECRET_SIG in value) return [];
    return Object.entries(value).flatMap(([key, inner]) =>
        plainTextOccurrences(inner, needle, `${at}.${key}`),
    );
}
