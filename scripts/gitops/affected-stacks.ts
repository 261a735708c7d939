/**
 * Which stacks a pull request affects (the rules: scripts/gitops/lib/affected.ts).
 *
 *   tsx scripts/gitops/affected-stacks.ts --base <rev> --head <rev>   changed files from git
 *   tsx scripts/gitops/affected-stacks.ts --files <file|->             one path a line
 *
 * Prints {"stacks":[…],"render":[…]} on stdout and the reasons on stderr; in GitHub Actions it
 * also writes the outputs `stacks` and `render` (JSON arrays, for a job matrix) and `any`
 * (true/false) to $GITHUB_OUTPUT. Exit codes: 0 done (also when no stack is affected),
 * 1 git failed, 2 usage.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { affectedStacks } from "./lib/affected";
import {
    appendGithubFile,
    ExitCode,
    type Io,
    parseCommandLine,
    runCli,
    runMain,
    UsageError,
} from "./lib/cli";
import { changedFiles } from "./lib/exec";
import { readStackFiles } from "./lib/stacks";

export const USAGE = `Usage: tsx scripts/gitops/affected-stacks.ts (--base <rev> --head <rev> | --files <file|->) [--root <dir>]
`;

/** The step outputs this script writes (checked against the workflows by the tests). */
export const OUTPUTS = ["stacks", "render", "any"] as const;

const SPEC = {
    base: "string",
    head: "string",
    files: "string",
    root: "string",
    help: "boolean",
} as const;

export function parseArgs(argv: readonly string[]) {
    const { options } = parseCommandLine(argv, SPEC);
    if (options.help) return { help: true as const };
    const fromGit = options.base !== undefined || options.head !== undefined;
    if (fromGit && options.files !== undefined) {
        throw new UsageError("give either --base/--head or --files");
    }
    if (fromGit && (!options.base || !options.head)) {
        throw new UsageError("--base and --head go together");
    }
    if (!fromGit && options.files === undefined) {
        throw new UsageError("give --base and --head, or --files");
    }
    return { help: false as const, ...options };
}

export async function main(argv: string[], io: Io): Promise<number> {
    return runMain(
        "affected-stacks",
        USAGE,
        () => {
            const args = parseArgs(argv);
            if (args.help) {
                io.stdout(USAGE);
                return Promise.resolve(ExitCode.OK);
            }
            const root = path.resolve(io.cwd, args.root ?? ".");
            let files: string[];
            if (args.files !== undefined) {
                const text =
                    args.files === "-"
                        ? fs.readFileSync(0, "utf8")
                        : fs.readFileSync(path.resolve(io.cwd, args.files), "utf8");
                files = text.split(/\r?\n/).filter((line) => line.trim() !== "");
            } else {
                files = changedFiles(root, args.base as string, args.head as string);
            }
            const result = affectedStacks(files, readStackFiles(root));
            io.stderr(`${files.length} changed file(s)\n`);
            for (const reason of result.reasons) io.stderr(`  ${reason}\n`);
            io.stdout(`${JSON.stringify({ stacks: result.stacks, render: result.render })}\n`);
            appendGithubFile(io.env.GITHUB_OUTPUT, {
                stacks: JSON.stringify(result.stacks),
                render: JSON.stringify(result.render),
                any: String(result.stacks.length + result.render.length > 0),
            });
            return Promise.resolve(ExitCode.OK);
        },
        io,
    );
}

if (require.main === module) runCli(main);
