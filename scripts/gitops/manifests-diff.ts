/**
 * Renders a Kubernetes stack's manifests for this checkout and for a base commit, and writes the
 * difference as a reviewable diff and a pull-request comment.
 *
 *   tsx scripts/gitops/manifests-diff.ts --stack <name> --base-ref <rev> --out <dir> [--root <dir>]
 *
 * Both sides are rendered by their own scripts/render-manifests.sh (`<script> <stack> <outdir>`):
 * this checkout's into <out>/head, the base's in a temporary `git worktree` of <rev> into
 * <out>/base (sharing node_modules when package-lock.json is the same). A base without the render
 * script or the stack file has nothing to compare: every manifest shows as added. Written:
 *   <out>/manifests.diff   the unified diff (git diff --no-index), whole
 *   <out>/comment.md       the comment (marker <!-- tidb-cdc-pipeline:manifests:<stack> -->)
 * Exit codes: 0 done; 1 a render failed (the comment says which, with the end of its log), or a
 * secret value appeared in the manifests; 2 usage.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
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
import { commentMarker, composeComment, findSecretLeaks, type SecretValue } from "./lib/comment";
import { git, run } from "./lib/exec";
import { compareTrees, manifestsCommentBody, readTree, relabelDiff } from "./lib/manifests";
import { secretsFromEnv } from "./lib/secrets";

export const USAGE = `Usage: tsx scripts/gitops/manifests-diff.ts --stack <name> --base-ref <rev> --out <dir> [--root <dir>]
`;

/** The render script, relative to a checkout; another engineer's, called by this name. */
export const RENDER_SCRIPT = "scripts/render-manifests.sh";

const SPEC = {
    stack: "string",
    "base-ref": "string",
    out: "string",
    root: "string",
    artifact: "string",
    help: "boolean",
} as const;

export function parseArgs(argv: readonly string[]) {
    const { options } = parseCommandLine(argv, SPEC);
    if (options.help) return { help: true as const };
    return {
        help: false as const,
        stack: checkStackName(required(options.stack, "stack")),
        baseRef: required(options["base-ref"], "base-ref"),
        out: required(options.out, "out"),
        root: options.root ?? ".",
        artifact: options.artifact,
    };
}

function tail(text: string, lines = 40): string {
    return text.trimEnd().split("\n").slice(-lines).join("\n");
}

async function render(io: Io, tree: string, stack: string, into: string) {
    io.stderr(`==> bash ${RENDER_SCRIPT} ${stack} ${into}  (in ${tree})\n`);
    return run("bash", [path.join(tree, RENDER_SCRIPT), stack, into], {
        cwd: tree,
        env: io.env,
        echo: { stdout: io.stderr, stderr: io.stderr },
    });
}

function failureBody(stack: string, what: string, log: string): string {
    return composeComment({
        marker: commentMarker("manifests", stack),
        head: `### ❌ Kubernetes manifests of stack \`${stack}\`\n\n**${what}.** The end of its log:`,
        block: { summary: "Render log", text: tail(log), language: "text", open: true },
        footer: "<sub>Updated in place on every push.</sub>",
        truncatedNote: () => "The log was cut to fit; the whole log is in the workflow run.",
    });
}

/** Renders the base in a temporary worktree; returns why it could not, if it could not. */
async function renderBase(io: Io, root: string, ref: string, stack: string, into: string) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "manifests-base-"));
    const tree = path.join(tmp, "tree");
    try {
        try {
            git(root, ["worktree", "add", "--detach", tree, ref]);
        } catch (error) {
            return {
                problem: `${ref} is not available here (${(error as Error).message})`,
                fatal: true,
            };
        }
        if (!fs.existsSync(path.join(tree, RENDER_SCRIPT))) {
            return { problem: `it has no ${RENDER_SCRIPT}`, fatal: false };
        }
        if (
            !["yaml", "yml"].some((ext) => fs.existsSync(path.join(tree, `Pulumi.${stack}.${ext}`)))
        ) {
            return { problem: `it has no stack file for ${stack}`, fatal: false };
        }
        const lock = (dir: string) => {
            const file = path.join(dir, "package-lock.json");
            return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
        };
        const modules = path.join(root, "node_modules");
        if (fs.existsSync(modules) && lock(root) !== undefined && lock(root) === lock(tree)) {
            fs.symlinkSync(modules, path.join(tree, "node_modules"), "dir");
        }
        const result = await render(io, tree, stack, into);
        fs.writeFileSync(`${into}.log`, result.output);
        if (result.code !== 0) {
            return {
                problem: `its render failed (exit ${result.code})`,
                fatal: true,
                log: result.output,
            };
        }
        return undefined;
    } finally {
        try {
            git(root, ["worktree", "remove", "--force", tree]);
        } catch {
            // not added, or already gone
        }
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

export async function main(argv: string[], io: Io): Promise<number> {
    return runMain(
        "manifests-diff",
        USAGE,
        async () => {
            const args = parseArgs(argv);
            if (args.help) {
                io.stdout(USAGE);
                return ExitCode.OK;
            }
            const root = path.resolve(io.cwd, args.root);
            const out = path.resolve(io.cwd, args.out);
            if (fs.existsSync(out) && fs.readdirSync(out).length > 0) {
                throw new UsageError(`${out} is not empty`);
            }
            if (!fs.existsSync(path.join(root, RENDER_SCRIPT))) {
                throw new UsageError(`${root} has no ${RENDER_SCRIPT}`);
            }
            fs.mkdirSync(out, { recursive: true });
            const headDir = path.join(out, "head");
            const baseDir = path.join(out, "base");
            const comment = path.join(out, "comment.md");

            const head = await render(io, root, args.stack, headDir);
            fs.writeFileSync(`${headDir}.log`, head.output);
            if (head.code !== 0) {
                fs.writeFileSync(
                    comment,
                    failureBody(args.stack, "Rendering this pull request failed", head.output),
                );
                return ExitCode.FAILURE;
            }
            const base = await renderBase(io, root, args.baseRef, args.stack, baseDir);
            if (base?.fatal) {
                const what = `Rendering the base (${args.baseRef.slice(0, 12)}) failed`;
                fs.writeFileSync(comment, failureBody(args.stack, what, base.log ?? base.problem));
                io.stderr(`manifests-diff: the base could not be rendered: ${base.problem}\n`);
                return ExitCode.FAILURE;
            }
            fs.mkdirSync(baseDir, { recursive: true });

            const raw = git(
                out,
                ["diff", "--no-index", "--no-color", "--no-ext-diff", "--", "base", "head"],
                [0, 1],
            );
            const diff = relabelDiff(raw, "base", "head");
            fs.writeFileSync(path.join(out, "manifests.diff"), diff);
            const body = manifestsCommentBody({
                stack: args.stack,
                comparison: compareTrees(readTree(baseDir), readTree(headDir)),
                diff,
                baseRef: args.baseRef,
                baseProblem: base?.problem,
                artifact: args.artifact,
                runUrl: workflowRunUrl(io.env),
            });
            // A Secret's data is base64: look for both forms of every credential in the environment.
            const secrets: SecretValue[] = secretsFromEnv(io.env).flatMap((s) => [
                s,
                { name: s.name, value: Buffer.from(s.value).toString("base64") },
            ]);
            const leaks = findSecretLeaks(body, secrets);
            if (leaks.length) {
                fs.writeFileSync(
                    comment,
                    composeComment({
                        marker: commentMarker("manifests", args.stack),
                        head: `### ❌ Kubernetes manifests of stack \`${args.stack}\`\n\nThe rendered manifests contain the value of ${leaks.join(", ")}; they are not shown.`,
                        footer: "",
                        truncatedNote: () => "",
                    }),
                );
                // Nothing with the value in it may reach the artifact either.
                for (const entry of fs.readdirSync(out)) {
                    if (entry !== "comment.md") {
                        fs.rmSync(path.join(out, entry), { recursive: true, force: true });
                    }
                }
                io.stderr(
                    `manifests-diff: the manifests contain the value of ${leaks.join(", ")}\n`,
                );
                return ExitCode.FAILURE;
            }
            fs.writeFileSync(comment, body);
            appendStepSummary(io, body);
            io.stderr(`manifests-diff: wrote ${comment} (${body.length} characters)\n`);
            return ExitCode.OK;
        },
        io,
    );
}

if (require.main === module) runCli(main);
