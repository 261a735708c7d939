/**
 * Validate custom resources against the openAPIV3Schema of the CRDs in ../shared/crds (read from
 * there, never copied). Ajv runs non-strict because the schemas use Kubernetes extensions
 * (x-kubernetes-*, int32/int64 formats) that plain JSON Schema does not know.
 */
import Ajv, { type ValidateFunction } from "ajv";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export const SHARED_DIR = path.resolve(__dirname, "../../../shared");
export const CRD_DIR = path.join(SHARED_DIR, "crds");

interface SchemaNode {
    properties?: Record<string, SchemaNode>;
    items?: SchemaNode;
    additionalProperties?: SchemaNode | boolean;
    "x-kubernetes-preserve-unknown-fields"?: boolean;
}

interface CrdDocument {
    spec: {
        group: string;
        names: { kind: string };
        versions: { name: string; schema: { openAPIV3Schema: SchemaNode } }[];
    };
}

interface CrdValidator {
    validate: ValidateFunction;
    schema: SchemaNode;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
ajv.addFormat("int32", {
    type: "number",
    validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
});
ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
for (const format of [
    "date-time",
    "duration",
    "byte",
    "quantity",
    "uri",
    "hostname",
    "ipv4",
    "ipv6",
]) {
    ajv.addFormat(format, true);
}

const validators = new Map<string, CrdValidator>();
let crdFiles: Map<string, string> | undefined;

/** `group/Kind` → file, found by a cheap text scan so only the CRDs a test uses get parsed. */
function indexCrdFiles(): Map<string, string> {
    if (crdFiles) return crdFiles;
    crdFiles = new Map();
    for (const dir of fs.readdirSync(CRD_DIR)) {
        const full = path.join(CRD_DIR, dir);
        if (!fs.statSync(full).isDirectory()) continue;
        for (const file of fs.readdirSync(full).filter((f) => f.endsWith(".yaml"))) {
            const text = fs.readFileSync(path.join(full, file), "utf8");
            const group = /^ {2}group: (\S+)$/m.exec(text)?.[1];
            const kind = /^ {2}names:\n(?: {4}.*\n)*? {4}kind: (\S+)$/m.exec(text)?.[1];
            if (group && kind) crdFiles.set(`${group}/${kind}`, path.join(full, file));
        }
    }
    return crdFiles;
}

function validatorFor(apiVersion: string, kind: string): CrdValidator {
    const key = `${apiVersion}/${kind}`;
    const cached = validators.get(key);
    if (cached) return cached;
    const [group, version] = apiVersion.split("/");
    const file = indexCrdFiles().get(`${group}/${kind}`);
    if (!file) {
        throw new Error(
            `no CRD in ${CRD_DIR} for ${key}; known: ${[...indexCrdFiles().keys()].join(", ")}`,
        );
    }
    const crd = parse(fs.readFileSync(file, "utf8")) as CrdDocument;
    const served = crd.spec.versions.find((v) => v.name === version);
    if (!served) throw new Error(`${file} does not serve ${key}`);
    const schema = served.schema.openAPIV3Schema;
    const validator = { validate: ajv.compile(schema), schema };
    validators.set(key, validator);
    return validator;
}

/**
 * Errors of a custom resource against its CRD schema; empty when valid. Throws for unknown kinds.
 *
 * Besides schema violations it reports fields the schema does not declare under `spec`: JSON
 * Schema accepts them, but the API server prunes them silently, so a misspelt field would vanish
 * without an error.
 */
export function crdErrors(resource: {
    apiVersion: string;
    kind: string;
    [field: string]: unknown;
}): string[] {
    const { validate, schema } = validatorFor(resource.apiVersion, resource.kind);
    const errors = validate(resource)
        ? []
        : (validate.errors ?? []).map(
              (e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`,
          );
    const specSchema = schema.properties?.spec;
    const pruned = specSchema ? undeclaredFields(specSchema, resource.spec, ".spec") : [];
    return [...errors, ...pruned.map((at) => `${at} is not declared by the CRD (pruned)`)];
}

function undeclaredFields(schema: SchemaNode, value: unknown, at: string): string[] {
    if (value === null || typeof value !== "object") return [];
    if (Array.isArray(value)) {
        const items = schema.items;
        return items
            ? value.flatMap((item, i) => undeclaredFields(items, item, `${at}[${i}]`))
            : [];
    }
    if (schema["x-kubernetes-preserve-unknown-fields"]) return [];
    const entries = Object.entries(value as Record<string, unknown>);
    const extra = schema.additionalProperties;
    if (extra !== undefined && extra !== false) {
        return typeof extra === "object"
            ? entries.flatMap(([k, v]) => undeclaredFields(extra, v, `${at}.${k}`))
            : [];
    }
    return entries.flatMap(([key, v]) => {
        const child = schema.properties?.[key];
        return child ? undeclaredFields(child, v, `${at}.${key}`) : [`${at}.${key}`];
    });
}
