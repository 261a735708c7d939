/**
 * A deployed stack's endpoints and defaults, read through the Pulumi CLI:
 *
 * - `pulumi stack output --json --stack <name>`: the five endpoint outputs. They are plain
 *   outputs (infra/program.ts), so `--show-secrets` is never used: nothing secret is decrypted.
 * - `pulumi config --json --stack <name>` (without `--show-secrets`): the stack's settings,
 *   through the project's own schema (components/config), for the changefeed id and the TiDB
 *   user; secret keys show only as present.
 * - the TiDB password, when TIDB_PASSWORD is not set and the stack has the secret
 *   `tidbRootPassword`: `pulumi config get tidbRootPassword`, captured from the child's stdout
 *   and handed to the MySQL driver only.
 *
 * Parsing is pure (tested on canned CLI output); running the CLI goes through a `CommandRunner`.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStackSettings } from "../../components/config";
import type { Endpoints } from "./args";

export const PROJECT = "tidb-cdc-pipeline";

export interface StackDefaults {
    changefeedId?: string;
    tidbUser?: string;
    /** The stack has the secret `tidbRootPassword` (its value is not read here). */
    hasTidbPassword: boolean;
    /** `replication.tables`, for hints when the marker table is not replicated. */
    replicatedTables?: string[];
}

const OUTPUT_KEYS: (keyof Endpoints)[] = [
    "tidbMysqlEndpoint",
    "ticdcApiUrl",
    "kafkaBootstrapServers",
    "flinkRestUrl",
    "flinkSqlGatewayUrl",
];

/** The endpoint outputs of `pulumi stack output --json`; others (and secrets) are ignored. */
export function parseStackOutputs(json: string): Endpoints {
    const parsed = JSON.parse(json) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new Error("`pulumi stack output --json` did not print a JSON object");
    }
    const endpoints: Endpoints = {};
    for (const key of OUTPUT_KEYS) {
        const value = (parsed as Record<string, unknown>)[key];
        // A secret output prints as "[secret]" without --show-secrets: not an endpoint.
        if (typeof value === "string" && value !== "" && value !== "[secret]") {
            endpoints[key] = value;
        }
    }
    return endpoints;
}

interface ConfigEntry {
    value?: unknown;
    objectValue?: unknown;
    secret?: boolean;
}

/**
 * `pulumi config --json` → the stack's defaults for verify. The settings go through the
 * project's schema, so the changefeed id is the one the stack deploys (`replication.changefeedId`
 * or `<namePrefix>-to-kafka`); a config the schema refuses (it was deployed by another version)
 * falls back to the raw keys.
 */
export function parseStackConfig(json: string): StackDefaults {
    const parsed = JSON.parse(json) as Record<string, ConfigEntry>;
    const raw: Record<string, unknown> = {};
    let hasTidbPassword = false;
    for (const [fullKey, entry] of Object.entries(parsed)) {
        if (!fullKey.startsWith(`${PROJECT}:`)) continue;
        const key = fullKey.slice(PROJECT.length + 1);
        if (entry.secret) {
            if (key === "tidbRootPassword") hasTidbPassword = true;
            continue;
        }
        raw[key] = entry.objectValue ?? configValue(entry.value);
    }
    try {
        const settings = parseStackSettings(raw, { tidbRootPassword: hasTidbPassword });
        return {
            hasTidbPassword,
            changefeedId:
                settings.replication.tables.length > 0
                    ? settings.replication.changefeedId
                    : undefined,
            tidbUser: settings.tidb.external?.user,
            replicatedTables: settings.replication.tables,
        };
    } catch {
        const replication = raw.replication as { changefeedId?: unknown; tables?: unknown };
        const external = (raw.tidb as { external?: { user?: unknown } } | undefined)?.external;
        return {
            hasTidbPassword,
            changefeedId:
                typeof replication?.changefeedId === "string"
                    ? replication.changefeedId
                    : undefined,
            tidbUser: typeof external?.user === "string" ? external.user : undefined,
            replicatedTables: Array.isArray(replication?.tables)
                ? replication.tables.filter((t): t is string => typeof t === "string")
                : undefined,
        };
    }
}

/** Pulumi hands structured config over as JSON text; plain strings stay strings. */
function configValue(value: unknown): unknown {
    if (typeof value !== "string") return value;
    try {
        return JSON.parse(value) as unknown;
    } catch {
        return value;
    }
}

// ---------------------------------------------------------------------------------------------
// Running the CLI

export type CommandRunner = (file: string, args: string[]) => Promise<string>;

/**
 * The `pulumi` to run: the one on PATH (users install the official CLI), else the one
 * scripts/pulumi-toolchain.sh built into its cache for the version of @pulumi/pulumi.
 */
export function findPulumi(env: NodeJS.ProcessEnv = process.env): string | undefined {
    for (const dir of (env.PATH ?? "").split(path.delimiter)) {
        if (dir === "") continue;
        const candidate = path.join(dir, "pulumi");
        if (fs.existsSync(candidate)) return candidate;
    }
    try {
        const manifest = require.resolve("@pulumi/pulumi/package.json");
        const { version } = JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string };
        const root =
            env.PULUMI_TOOLCHAIN_CACHE ??
            path.join(
                env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"),
                "tidb-cdc-pipeline",
                "pulumi",
            );
        const candidate = path.join(root, version, "bin", "pulumi");
        return fs.existsSync(candidate) ? candidate : undefined;
    } catch {
        return undefined;
    }
}

/** Runs a command, resolving with its stdout; a failure carries its (trimmed) stderr. */
export function execRunner(env: NodeJS.ProcessEnv = process.env): CommandRunner {
    return (file, args) =>
        new Promise((resolve, reject) => {
            execFile(
                file,
                args,
                {
                    env: {
                        ...env,
                        PULUMI_SKIP_UPDATE_CHECK: "true",
                        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
                    },
                    timeout: 60_000,
                    maxBuffer: 16 * 1024 * 1024,
                },
                (error, stdout, stderr) => {
                    if (error) {
                        const detail = String(stderr).trim().split("\n").slice(-3).join(" ");
                        reject(
                            new Error(
                                `${path.basename(file)} ${args.join(" ")} failed: ${detail || error.message}`,
                            ),
                        );
                    } else {
                        resolve(String(stdout));
                    }
                },
            );
        });
}

export interface StackInfo {
    endpoints: Endpoints;
    defaults: StackDefaults;
}

/** The stack's endpoint outputs and config defaults (no secret is read). */
export async function readStack(
    pulumi: string,
    stack: string,
    run: CommandRunner,
): Promise<StackInfo> {
    const outputs = await run(pulumi, [
        "stack",
        "output",
        "--json",
        "--stack",
        stack,
        "--non-interactive",
    ]);
    const config = await run(pulumi, ["config", "--json", "--stack", stack, "--non-interactive"]);
    return { endpoints: parseStackOutputs(outputs), defaults: parseStackConfig(config) };
}

/**
 * The stack's secret `tidbRootPassword` (decrypted by the CLI; needs the stack's passphrase or
 * secrets provider as `pulumi` itself does). The value is returned, never logged; an error
 * message never contains it (the CLI printed nothing on stdout then).
 */
export async function readStackPassword(
    pulumi: string,
    stack: string,
    run: CommandRunner,
): Promise<string> {
    const stdout = await run(pulumi, [
        "config",
        "get",
        "tidbRootPassword",
        "--stack",
        stack,
        "--non-interactive",
    ]);
    return stdout.replace(/\r?\n$/, "");
}
