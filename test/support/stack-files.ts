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
