/**
 * Previews one stack and writes its pull-request comment.
 *
 *   tsx scripts/gitops/preview.ts --stack <name> --out <dir> [--commit <sha>] [--refresh]
 *                                 [--policy-pack <dir>…|--no-policy-pack] [--root <dir>]
 *
 * Runs `pulumi preview --diff` in the project directory, with the guardrails policy pack (policy/)
 * when the repository has one (--policy-pack names others instead, --no-policy-pack none), and
 * writes into <dir>:
 *   comment.md    the comment body (marker <!-- tidb-cdc-pipeline:preview:<stack> -->, counts by
 *                 operation, the output cut to GitHub's limit), for pr-comment.ts;
 *   preview.log   the whole output (redacted), for the artifact;
 *   summary.json  {stack, ok, changes}.
 * Before anything is written, the output is searched for the stack's secret config values and the
 * credentials in the environment; any found is replaced by [secret] and fails the run.
 *
 * Exit codes: 0 the preview ran (with or without changes); 1 it failed, or a secret value
 * appeared in its output; 2 usage. The comment is written in every case but usage.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
    appendGithubFile,
    appendStepSummary,
    checkStackName,
    ExitCode,
    type Io,
    parseCommandLine,
    required,
    runCli,
    runMain,
    UsageError,
    workflowRunUrl,
} from "./lib/cli";
import { findSecretLeaks, redactSecrets, type SecretValue, stripAnsi } from "./lib/comment";
import { parseChangeSummary, type PreviewReport, previewCommentBody } from "./lib/preview";
import { Pulumi } from "./lib/pulumi";
import { secretsFromConfig, secretsFromEnv } from "./lib/secrets";
import { defaultPolicyPacks, stackFilePath } from "./lib/stacks";

export const USAGE = `Usage: tsx scripts/gitops/preview.ts --stack <name> --out <dir> [--commit <sha>] [--refresh] [--policy-pack <dir>…|--no-policy-pack] [--root <dir>]
`;

export const OUTPUTS = ["ok", "changes"] as const;

const SPEC = {
    stack: "string",
    out: "string",
    commit: "string",
    refresh: "boolean",
    "policy-pack": "list",
    "no-policy-pack": "boolean",
    root: "string",
    help: "boolean",
} as const;

export function parseArgs(argv: readonly string[]) {
    const { options } = parseCommandLine(argv, SPEC);
    if (options.help) return { help: true as const };
    if (options["no-policy-pack"] && options["policy-pack"]) {
        throw new UsageError("--policy-pack and --no-policy-pack exclude each other");
    }
    return {
        help: false as const,
        noPolicyPack: options["no-policy-pack"] ?? false,
        stack: checkStackName(required(options.stack, "stack")),
        out: required(options.out, "out"),
        commit: options.commit || undefined,
        refresh: options.refresh ?? false,
        policyPacks: options["policy-pack"] ?? [],
        root: options.root ?? ".",
    };
}

export async function main(argv: string[], io: Io): Promise<number> {
    return runMain(
        "preview",
        USAGE,
        async () => {
            const args = parseArgs(argv);
            if (args.help) {
                io.stdout(USAGE);
                return ExitCode.OK;
            }
            const root = path.resolve(io.cwd, args.root);
            const stackFile = stackFilePath(root, args.stack);
            if (!stackFile) throw new UsageError(`no stack file for ${args.stack} in ${root}`);
            const out = path.resolve(io.cwd, args.out);
            fs.mkdirSync(out, { recursive: true });
            const pulumi = new Pulumi({
                cwd: root,
                env: io.env,
                echo: { stdout: io.stdout, stderr: io.stderr },
            });
            const base = { stack: args.stack, commit: args.commit, runUrl: workflowRunUrl(io.env) };

            let secrets: SecretValue[];
            try {
                const config = await pulumi.configWithSecrets(args.stack);
                secrets = [
                    ...secretsFromConfig(config, fs.readFileSync(stackFile, "utf8")),
                    ...secretsFromEnv(io.env),
                ];
            } catch (error) {
                // Without the secret values the output cannot be checked: it is not posted.
                const reason = `the stack's configuration could not be read, so its secrets could not be checked (${(error as Error).message.split("\n")[0]})`;
                return write(
                    io,
                    out,
                    { ...base, ok: false, changes: undefined, output: "", notRun: reason },
                    [],
                );
            }

            const packs = args.noPolicyPack
                ? []
                : args.policyPacks.length
                  ? args.policyPacks
                  : defaultPolicyPacks(root);
            const extra = [
                ...(args.refresh ? ["--refresh"] : []),
                ...packs.flatMap((pack) => ["--policy-pack", pack]),
            ];
            io.stderr(`==> pulumi preview --diff --stack ${args.stack}\n`);
            const result = await pulumi.preview(args.stack, extra);
            const raw = stripAnsi(result.output);
            const redacted = findSecretLeaks(raw, secrets);
            const output = redacted.length ? redactSecrets(raw, secrets) : raw;
            const report: PreviewReport = {
                ...base,
                ok: result.code === 0,
                changes: parseChangeSummary(output),
                output,
                redacted,
            };
            return write(io, out, report, secrets);
        },
        io,
    );
}

function write(io: Io, out: string, report: PreviewReport, secrets: SecretValue[]): ExitCode {
    const body = previewCommentBody(report);
    // The last line of defence: nothing with a secret value in it leaves this process.
    const leaks = findSecretLeaks(body, secrets);
    if (leaks.length) throw new Error(`refusing to write a comment containing ${leaks.join(", ")}`);
    fs.writeFileSync(path.join(out, "comment.md"), body);
    fs.writeFileSync(path.join(out, "preview.log"), report.output);
    const summary = { stack: report.stack, ok: report.ok, changes: report.changes ?? null };
    fs.writeFileSync(path.join(out, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
    const total = Object.entries(report.changes ?? {})
        .filter(([op]) => op !== "same")
        .reduce((sum, [, n]) => sum + n, 0);
    appendGithubFile(io.env.GITHUB_OUTPUT, { ok: String(report.ok), changes: String(total) });
    appendStepSummary(io, body);
    const failed = !report.ok || (report.redacted?.length ?? 0) > 0;
    if (report.redacted?.length) {
        io.stderr(
            `preview: secret value(s) of ${report.redacted.join(", ")} appeared in the output (redacted)\n`,
        );
    }
    io.stderr(`preview: wrote ${path.join(out, "comment.md")} (${body.length} characters)\n`);
    return failed ? ExitCode.FAILURE : ExitCode.OK;
}

if (require.main === module) runCli(main);
