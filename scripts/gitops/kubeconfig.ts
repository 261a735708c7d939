/**
 * Gives a job the kubeconfig of a Kubernetes stack, from the KUBECONFIG secret.
 *
 *   tsx scripts/gitops/kubeconfig.ts --stack <name> [--root <dir>]
 *   tsx scripts/gitops/kubeconfig.ts --optional
 *
 * With --optional (no stack: the lab job, whose stacks vary) the kubeconfig is written when the
 * secret is set, and nothing happens when it is not. A stack whose target (Pulumi.<stack>.yaml) is not kubernetes needs none: nothing is done. For a
 * kubernetes stack, KUBECONFIG_CONTENT (the secret: the kubeconfig YAML, or it base64-encoded) is
 * written to $RUNNER_TEMP/kubeconfig-<stack> (mode 0600) and KUBECONFIG=<that file> is appended to
 * $GITHUB_ENV for the later steps.
 * Exit codes: 0 done (or not needed); 1 a kubernetes stack without the secret, or content that is
 * not a kubeconfig; 2 usage.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import {
    appendGithubFile,
    checkStackName,
    ExitCode,
    type Io,
    parseCommandLine,
    required,
    runCli,
    runMain,
    UsageError,
} from "./lib/cli";
import { stackFilePath, targetOfStackFile } from "./lib/stacks";

export const USAGE = `Usage: tsx scripts/gitops/kubeconfig.ts (--stack <name> [--root <dir>] | --optional)
  env: KUBECONFIG_CONTENT (the kubeconfig, YAML or base64), RUNNER_TEMP, GITHUB_ENV
`;

const SPEC = { stack: "string", root: "string", optional: "boolean", help: "boolean" } as const;

export function parseArgs(argv: readonly string[]) {
    const { options } = parseCommandLine(argv, SPEC);
    if (options.help) return { help: true as const };
    if (options.optional) {
        if (options.stack !== undefined) throw new UsageError("--optional takes no --stack");
        return { help: false as const, stack: undefined, root: "." };
    }
    return {
        help: false as const,
        stack: checkStackName(required(options.stack, "stack")),
        root: options.root ?? ".",
    };
}

function isKubeconfig(text: string): boolean {
    try {
        const doc = parse(text) as { clusters?: unknown } | null;
        return doc !== null && typeof doc === "object" && Array.isArray(doc.clusters);
    } catch {
        return false;
    }
}

/** The kubeconfig YAML from the secret's content (YAML as is, or base64 of it). */
export function decodeKubeconfig(content: string): string | undefined {
    if (isKubeconfig(content)) return content;
    const compact = content.replace(/\s+/g, "");
    if (/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
        const decoded = Buffer.from(compact, "base64").toString("utf8");
        if (isKubeconfig(decoded)) return decoded;
    }
    return undefined;
}

export async function main(argv: string[], io: Io): Promise<number> {
    return runMain(
        "kubeconfig",
        USAGE,
        () => {
            const args = parseArgs(argv);
            if (args.help) {
                io.stdout(USAGE);
                return Promise.resolve(ExitCode.OK);
            }
            const content = io.env.KUBECONFIG_CONTENT;
            const label = args.stack ?? "kubeconfig";
            if (args.stack === undefined) {
                if (!content) {
                    io.stdout("no KUBECONFIG secret given: none written\n");
                    return Promise.resolve(ExitCode.OK);
                }
            } else {
                const root = path.resolve(io.cwd, args.root);
                const file = stackFilePath(root, args.stack);
                if (!file) throw new UsageError(`no stack file for ${args.stack} in ${root}`);
                const target = targetOfStackFile(fs.readFileSync(file, "utf8"));
                if (target !== "kubernetes") {
                    io.stdout(`${args.stack}: target ${target ?? "unset"}, no kubeconfig needed\n`);
                    return Promise.resolve(ExitCode.OK);
                }
                if (!content) {
                    io.stderr(
                        `kubeconfig: ${args.stack} runs on Kubernetes and the KUBECONFIG secret is not set\n`,
                    );
                    return Promise.resolve(ExitCode.FAILURE);
                }
            }
            const kubeconfig = decodeKubeconfig(content);
            if (kubeconfig === undefined) {
                io.stderr(
                    "kubeconfig: the KUBECONFIG secret is neither a kubeconfig nor base64 of one\n",
                );
                return Promise.resolve(ExitCode.FAILURE);
            }
            const dir = io.env.RUNNER_TEMP || os.tmpdir();
            const file = path.join(dir, `kubeconfig-${label.replace(/\//g, "_")}`);
            fs.writeFileSync(file, kubeconfig, { mode: 0o600 });
            fs.chmodSync(file, 0o600);
            appendGithubFile(io.env.GITHUB_ENV, { KUBECONFIG: file });
            io.stdout(`${label}: kubeconfig written to ${file}\n`);
            return Promise.resolve(ExitCode.OK);
        },
        io,
    );
}

if (require.main === module) runCli(main);
