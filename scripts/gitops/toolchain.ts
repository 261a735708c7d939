/**
 * The Pulumi toolchain versions CI uses, read from what npm installed (so CI runs the same
 * versions as `npm ci` gives everyone else).
 *
 *   tsx scripts/gitops/toolchain.ts versions
 *       Prints and writes to $GITHUB_OUTPUT `pulumi` (the CLI version for pulumi/actions'
 *       pulumi-version: the version of @pulumi/pulumi).
 *   tsx scripts/gitops/toolchain.ts plugins [--only <name>]…
 *       `pulumi plugin install resource <name> <version>` for each provider package in
 *       package.json's dependencies (@pulumi/kubernetes, @pulumi/docker, @pulumi/command) at the
 *       installed version. scripts/render-manifests.sh disables automatic plugin downloads, so the
 *       manifests job installs the kubernetes plugin this way first.
 *
 * Exit codes: 0 done; 1 an install failed; 2 usage (e.g. --only names no provider package).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
    appendGithubFile,
    ExitCode,
    type Io,
    parseCommandLine,
    runCli,
    runMain,
    UsageError,
} from "./lib/cli";
import { Pulumi } from "./lib/pulumi";

export const USAGE = `Usage:
  tsx scripts/gitops/toolchain.ts versions [--root <dir>]
  tsx scripts/gitops/toolchain.ts plugins [--only <name>]… [--root <dir>]
`;

export const OUTPUTS = ["pulumi"] as const;

const VERSIONS_SPEC = { root: "string", help: "boolean" } as const;
const PLUGINS_SPEC = { only: "list", root: "string", help: "boolean" } as const;

export interface ProviderPlugin {
    name: string;
    version: string;
}

function readJson(file: string): Record<string, unknown> {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
}

/** The resource plugins of the installed @pulumi/* dependencies (their package.json `pulumi`). */
export function providerPlugins(root: string): ProviderPlugin[] {
    const pkg = readJson(path.join(root, "package.json"));
    const deps = Object.keys(pkg.dependencies ?? {});
    const plugins: ProviderPlugin[] = [];
    for (const dep of deps.filter((d) => d.startsWith("@pulumi/")).sort()) {
        const file = path.join(root, "node_modules", dep, "package.json");
        if (!fs.existsSync(file)) throw new Error(`${dep} is not installed: run npm ci first`);
        const meta = readJson(file).pulumi as
            { resource?: boolean; name?: string; version?: string } | undefined;
        if (meta?.resource && meta.name && meta.version) {
            plugins.push({ name: meta.name, version: meta.version });
        }
    }
    return plugins;
}

export function pulumiVersion(root: string): string {
    const file = path.join(root, "node_modules", "@pulumi", "pulumi", "package.json");
    if (!fs.existsSync(file)) throw new Error("@pulumi/pulumi is not installed: run npm ci first");
    return String(readJson(file).version);
}

export function parseArgs(argv: readonly string[]) {
    const [command, ...rest] = argv;
    if (command === undefined || command === "--help" || command === "-h") {
        return { command: "help" as const };
    }
    if (command === "versions") {
        const { options } = parseCommandLine(rest, VERSIONS_SPEC);
        if (options.help) return { command: "help" as const };
        return { command: "versions" as const, root: options.root ?? "." };
    }
    if (command === "plugins") {
        const { options } = parseCommandLine(rest, PLUGINS_SPEC);
        if (options.help) return { command: "help" as const };
        return { command: "plugins" as const, only: options.only ?? [], root: options.root ?? "." };
    }
    throw new UsageError(`unknown command ${JSON.stringify(command)}: versions or plugins`);
}

export async function main(argv: string[], io: Io): Promise<number> {
    return runMain(
        "toolchain",
        USAGE,
        async () => {
            const args = parseArgs(argv);
            if (args.command === "help") {
                io.stdout(USAGE);
                return ExitCode.OK;
            }
            const root = path.resolve(io.cwd, args.root);
            if (args.command === "versions") {
                const version = pulumiVersion(root);
                io.stdout(`pulumi=${version}\n`);
                appendGithubFile(io.env.GITHUB_OUTPUT, { pulumi: version });
                return ExitCode.OK;
            }
            const all = providerPlugins(root);
            const unknown = args.only.filter((name) => !all.some((p) => p.name === name));
            if (unknown.length) {
                throw new UsageError(
                    `no provider package for ${unknown.join(", ")} (have ${all.map((p) => p.name).join(", ")})`,
                );
            }
            const plugins = args.only.length ? all.filter((p) => args.only.includes(p.name)) : all;
            const pulumi = new Pulumi({
                cwd: root,
                env: io.env,
                echo: { stdout: io.stderr, stderr: io.stderr },
            });
            let failed = 0;
            for (const plugin of plugins) {
                io.stdout(`==> pulumi plugin install resource ${plugin.name} ${plugin.version}\n`);
                const result = await pulumi.run(
                    ["plugin", "install", "resource", plugin.name, plugin.version],
                    true,
                );
                if (result.code !== 0) failed++;
            }
            return failed ? ExitCode.FAILURE : ExitCode.OK;
        },
        io,
    );
}

if (require.main === module) runCli(main);
