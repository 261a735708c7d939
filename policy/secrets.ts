/**
 * Which properties of a resource are Pulumi secrets.
 *
 * The engine sends policies the properties with their secrets marked (the analyzer marshals with
 * KeepSecrets: sdk/go/common/resource/plugin/analyzer_plugin.go, Analyze and AnalyzeStack), but
 * @pulumi/policy unwraps every secret into its plain value before a policy sees it
 * (deserialize.js, deserializeProperty with proxySecrets = false), and neither
 * ResourceValidationArgs nor PolicyResource tells which values were secret. A plain-text
 * password and a secret one look the same there.
 *
 * So this module wraps @pulumi/policy's `deserializeProperties` (which its server calls through
 * the module object for every resource): the properties are deserialized exactly as before, and
 * the paths of the secrets in the wire form are attached to the result under a non-enumerable
 * symbol. Nothing a policy reads changes (Object.keys, JSON.stringify and property reads skip the
 * symbol); `secretPaths` reads it back. Checked against @pulumi/policy 1.21.0: if the module no
 * longer has that function, loading the pack fails with this explanation instead of a credentials
 * policy that silently cannot tell secrets from plain text.
 */
import { createRequire } from "node:module";

/** A property path: object keys and array indices. */
export type PropertyPath = readonly (string | number)[];

/** Pulumi's wire encoding of a secret: `{ [SIG_KEY]: SECRET_SIG, value }` (runtime/rpc.ts). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

const SECRET_PATHS = Symbol.for("tidb-cdc-pipeline/policy/secret-paths");
const PATCHED = Symbol.for("tidb-cdc-pipeline/policy/deserialize-patched");

interface Struct {
    toJavaScript(): unknown;
}
type Deserialize = (struct: Struct, proxySecrets: boolean) => Record<string, unknown>;
interface DeserializeModule {
    deserializeProperties?: Deserialize & { [PATCHED]?: true };
}

/** Paths of the secret values in a value as it travels on the wire (outermost secrets only). */
export function wireSecretPaths(value: unknown, at: PropertyPath = []): PropertyPath[] {
    if (value === null || typeof value !== "object") return [];
    if (Array.isArray(value)) return value.flatMap((item, i) => wireSecretPaths(item, [...at, i]));
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return [at];
    return Object.entries(record).flatMap(([key, inner]) => wireSecretPaths(inner, [...at, key]));
}

/** Installs the wrapper once per process (the pack and the tests share the module). */
function install(): void {
    const load = createRequire(__filename);
    const module = load("@pulumi/policy/deserialize") as DeserializeModule;
    const original = module.deserializeProperties;
    if (typeof original !== "function") {
        throw new Error(
            "@pulumi/policy no longer exports deserializeProperties from @pulumi/policy/deserialize: " +
                "the no-plaintext-credentials policy cannot tell secrets from plain text with this version " +
                "(checked with 1.21.0); see policy/secrets.ts",
        );
    }
    if (original[PATCHED]) return;
    const wrapped: Deserialize & { [PATCHED]?: true } = (struct, proxySecrets) => {
        const props = original(struct, proxySecrets);
        Object.defineProperty(props, SECRET_PATHS, {
            value: Object.freeze(wireSecretPaths(struct.toJavaScript())),
            enumerable: false,
        });
        return props;
    };
    wrapped[PATCHED] = true;
    module.deserializeProperties = wrapped;
}

install();

/**
 * The secret paths of a resource's `props` as a policy receives them, or undefined when the props
 * did not come through the wrapped deserializer.
 */
export function secretPaths(props: Record<string, unknown>): readonly PropertyPath[] | undefined {
    const paths = (props as Record<symbol, unknown>)[SECRET_PATHS];
    return Array.isArray(paths) ? (paths as PropertyPath[]) : undefined;
}

/** Whether `path` is a secret or lies inside one. */
export function isSecretPath(secrets: readonly PropertyPath[], path: PropertyPath): boolean {
    return secrets.some(
        (secret) => secret.length <= path.length && secret.every((key, i) => path[i] === key),
    );
}
