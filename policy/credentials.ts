/**
 * Plain-text credentials in resource properties: values that are credentials by their name
 * (`password`, `sasl-password`, `s3.secret-key`, `properties.sasl.jaas.config`, an environment
 * variable `DB_PASSWORD`), by their content (a URI with `user:password@`, a sink URI's
 * `sasl-password=`, a JAAS `password="…"`, SQL's `IDENTIFIED BY '…'`), or by where they sit (a
 * Kubernetes Secret's `data` / `stringData`), and that are not Pulumi secrets. Pure: the caller
 * says which paths are secret (secrets.ts).
 */
import { dig, isRecord, KUBERNETES_SECRET } from "./resources";
import { isSecretPath, type PropertyPath } from "./secrets";

export interface CredentialFinding {
    path: PropertyPath;
    /** What made the value a credential; never the value itself. */
    reason: string;
}

/** Words a key is split into: camelCase, snake_case, kebab-case and dotted keys alike. */
export function keyTokens(key: string): string[] {
    return key
        .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter((t) => t !== "");
}

const CREDENTIAL_NOUNS = new Set([
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "credential",
    "credentials",
    "apikey",
    "authorization",
]);
/** `<qualifier> key` pairs that name a secret key (an access key id is no secret). */
const SECRET_KEY_QUALIFIERS = new Set(["secret", "private", "api", "encryption", "signing"]);

/**
 * Whether a key names a credential: its last word is a credential noun (`secretName`,
 * `passwordFile` and `tokenUrl` end in something else), `secret key` / `private key` / `api key`,
 * or a JAAS config.
 */
export function isCredentialKey(key: string): boolean {
    const words = keyTokens(key);
    const last = words[words.length - 1];
    const before = words[words.length - 2];
    if (last === undefined) return false;
    if (CREDENTIAL_NOUNS.has(last)) return true;
    if (last === "key" && before !== undefined && SECRET_KEY_QUALIFIERS.has(before)) return true;
    return last === "config" && before === "jaas";
}

/**
 * Object-valued keys that point at a credential kept elsewhere (`valueFrom.secretKeyRef`,
 * `envFrom[].secretRef`, Strimzi's `passwordSecret: { secretName, password: <key> }`): what is
 * inside names the credential, it is not the credential.
 */
function isReferenceKey(key: string): boolean {
    const last = keyTokens(key).pop();
    return last === "ref" || last === "from" || last === "secret";
}

const CONTENT_PATTERNS: readonly { pattern: RegExp; reason: string }[] = [
    {
        pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]+:[^\s/?#@]+@/i,
        reason: "a URI carrying user:password@",
    },
    {
        pattern:
            /[?&;](sasl[-_]password|sasl[-_]gssapi[-_]password|sasl[-_]oauth[-_]client[-_]secret|password|passwd|access[-_]token|token|secret)=[^&\s]+/i,
        reason: "a URI query parameter carrying a credential",
    },
    { pattern: /\bpassword\s*=\s*(["'])[^"']+\1/i, reason: 'a password="…" setting (JAAS)' },
    {
        pattern: /(["'])[\w.-]*(password|secret|token)\1\s*=\s*(["'])[^"']+\3/i,
        reason: "a quoted 'password' = '…' option (Flink SQL WITH, properties)",
    },
    { pattern: /\bIDENTIFIED\s+BY\s+'[^']+'/i, reason: "a SQL IDENTIFIED BY '…' password" },
];

/** `NAME=value` as Docker passes environment variables. */
const ENV_ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_.-]*)=(.+)$/s;

/** Every plain-text credential in `props` (the paths in `secrets` and below them are secret). */
export function plainTextCredentials(
    type: string,
    props: Record<string, unknown>,
    secrets: readonly PropertyPath[],
): CredentialFinding[] {
    const findings: CredentialFinding[] = [];
    const report = (path: PropertyPath, reason: string) => {
        if (!isSecretPath(secrets, path)) findings.push({ path, reason });
    };

    const visit = (value: unknown, path: PropertyPath, key: string | undefined): void => {
        if (isSecretPath(secrets, path)) return;
        if (typeof value === "string") {
            if (value.trim() === "") return;
            if (key !== undefined && isCredentialKey(key)) {
                report(path, `a credential-named property "${key}"`);
                return;
            }
            const assignment = ENV_ASSIGNMENT.exec(value);
            if (assignment?.[1] !== undefined && isCredentialKey(assignment[1])) {
                report(path, `the environment variable ${assignment[1]}`);
                return;
            }
            const match = CONTENT_PATTERNS.find(({ pattern }) => pattern.test(value));
            if (match) report(path, match.reason);
            return;
        }
        if (Array.isArray(value)) {
            value.forEach((item, i) => visit(item, [...path, i], key));
            return;
        }
        if (!isRecord(value)) return;
        // Kubernetes env entries: { name: "DB_PASSWORD", value: "…" }.
        const envName = value.name;
        const envEntry =
            typeof envName === "string" &&
            typeof value.value === "string" &&
            isCredentialKey(envName);
        if (envEntry && String(value.value).trim() !== "") {
            report([...path, "value"], `the environment variable ${String(envName)}`);
        }
        for (const [childKey, child] of Object.entries(value)) {
            if (path.length === 0 && childKey.startsWith("__")) continue;
            if (envEntry && childKey === "value") continue;
            if (isRecord(child) && isReferenceKey(childKey)) continue;
            visit(child, [...path, childKey], childKey);
        }
    };
    visit(props, [], undefined);

    // A Kubernetes Secret holds credentials by definition: its data must be a Pulumi secret too.
    if (type === KUBERNETES_SECRET) {
        for (const field of ["data", "stringData"]) {
            const data = dig(props, field);
            if (!isRecord(data)) continue;
            for (const key of Object.keys(data)) {
                const path = [field, key];
                if (!findings.some((f) => samePath(f.path, path))) {
                    report(path, "a Kubernetes Secret's data");
                }
            }
        }
    }
    return findings;
}

function samePath(a: PropertyPath, b: PropertyPath): boolean {
    return a.length === b.length && a.every((key, i) => b[i] === key);
}
