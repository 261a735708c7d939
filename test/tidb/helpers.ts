/** Helpers for the TiDB tests: settings per target and secret-leak search in recorded inputs. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parseStackSettings, type StackSettings } from "../../components/config";
import { CRD_DIR } from "../support/crd-schema";

/** The signature key Pulumi serializes secrets with (the value sits beside it). */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export function dockerSettings(raw: Record<string, unknown> = {}): StackSettings {
    return parseStackSettings({ target: "docker", ...raw });
}

export function kubernetesSettings(raw: Record<string, unknown> = {}): StackSettings {
    return parseStackSettings({ target: "kubernetes", ...raw }, { tidbRootPassword: true });
}

/** JSON paths where `needle` occurs in plain text, skipping values inside secret wrappers. */
export function plainTextPaths(value: unknown, needle: string, at = "$"): string[] {
    if (typeof value === "string") return value.includes(needle) ? [at] : [];
    if (value === null || typeof value !== "object") return [];
    if (SECRET_SIG in value) return [];
    return Object.entries(value).flatMap(([key, inner]) =>
        plainTextPaths(inner, needle, `${at}.${key}`),
    );
}

/** Every secret wrapper's plain value in a recorded value (to check what was kept secret). */
export function secretValues(value: unknown): unknown[] {
    if (value === null || typeof value !== "object") return [];
    if (SECRET_SIG in value) return [(value as { value?: unknown }).value];
    return Object.values(value).flatMap(secretValues);
}

interface Schema {
    properties?: Record<string, Schema>;
    additionalProperties?: Schema | boolean;
    items?: Schema;
    "x-kubernetes-preserve-unknown-fields"?: boolean;
}

const schemas = new Map<string, Schema>();

/** The openAPIV3Schema of a TiDB Operator v2 kind, read from ../shared/crds. */
function tidbOperatorSchema(kind: string): Schema {
    const cached = schemas.get(kind);
    if (cached) return cached;
    const file = path.join(
        CRD_DIR,
        "tidb-operator",
        `core.pingcap.com_${kind.toLowerCase()}s.yaml`,
    );
    const crd = parse(fs.readFileSync(file, "utf8")) as {
        spec: { versions: { schema: { openAPIV3Schema: Schema } }[] };
    };
    const schema = crd.spec.versions[0]!.schema.openAPIV3Schema;
    schemas.set(kind, schema);
    return schema;
}

/**
 * Fields the API server would silently prune: structural schemas drop unknown fields instead of
 * rejecting them, so a misspelt field passes crdErrors and then does nothing.
 */
export function prunedFields(manifest: { kind: string; spec: unknown }): string[] {
    // Top-level metadata is the API server's ObjectMeta, not described by the CRD.
    const spec = tidbOperatorSchema(manifest.kind).properties?.spec ?? {};
    return unknownFields(manifest.spec, spec, ".spec");
}

function unknownFields(value: unknown, schema: Schema, at: string): string[] {
    if (schema["x-kubernetes-preserve-unknown-fields"]) return [];
    if (Array.isArray(value)) {
        return schema.items
            ? value.flatMap((item, i) => unknownFields(item, schema.items!, `${at}[${i}]`))
            : [];
    }
    if (value === null || typeof value !== "object") return [];
    return Object.entries(value).flatMap(([key, inner]) => {
        const next =
            schema.properties?.[key] ??
            (typeof schema.additionalProperties === "object"
                ? schema.additionalProperties
                : undefined);
        if (next) return unknownFields(inner, next, `${at}.${key}`);
        return schema.additionalProperties === true ? [] : [`${at}.${key}`];
    });
}
