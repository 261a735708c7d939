/**
 * Posts a comment body on a pull request, or updates the comment posted before with the same
 * marker (the body's first line, e.g. <!-- tidb-cdc-pipeline:preview:dev -->): one comment per
 * stack and kind, edited in place on every run instead of a new one each time.
 *
 *   tsx scripts/gitops/pr-comment.ts --pr <number> --body-file <file> [--author <login>]
 *
 * Environment: GITHUB_TOKEN (pull-requests: write), GITHUB_REPOSITORY (owner/name), GITHUB_API_URL
 * (default https://api.github.com). --author is whose comments are candidates for the update
 * (default github-actions[bot], the identity of GITHUB_TOKEN).
 * Exit codes: 0 created, updated or already up to date; 1 the GitHub API failed; 2 usage (no
 * marker, a body over the limit, a missing variable).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
    ExitCode,
    type Io,
    parseCommandLine,
    required,
    runCli,
    runMain,
    UsageError,
} from "./lib/cli";
import { GITHUB_COMMENT_LIMIT, markerOf } from "./lib/comment";
import { githubClient, upsertComment } from "./lib/github";

export const USAGE = `Usage: tsx scripts/gitops/pr-comment.ts --pr <number> --body-file <file> [--author <login>]
  env: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL (optional)
`;

const SPEC = { pr: "string", "body-file": "string", author: "string", help: "boolean" } as const;

export function parseArgs(argv: readonly string[]) {
    const { options } = parseCommandLine(argv, SPEC);
    if (options.help) return { help: true as const };
    const pr = required(options.pr, "pr");
    if (!/^[1-9]\d*$/.test(pr)) throw new UsageError(`--pr ${JSON.stringify(pr)} is not a number`);
    return {
        help: false as const,
        pr: Number(pr),
        bodyFile: required(options["body-file"], "body-file"),
        author: options.author ?? "github-actions[bot]",
    };
}

export async function main(argv: string[], io: Io): Promise<number> {
    return runMain(
        "pr-comment",
        USAGE,
        async () => {
            const args = parseArgs(argv);
            if (args.help) {
                io.stdout(USAGE);
                return ExitCode.OK;
            }
            const file = path.resolve(io.cwd, args.bodyFile);
            if (!fs.existsSync(file)) throw new UsageError(`no body file ${file}`);
            const body = fs.readFileSync(file, "utf8");
            const marker = markerOf(body);
            if (!marker)
                throw new UsageError(`${file} does not start with a tidb-cdc-pipeline marker`);
            if (body.length > GITHUB_COMMENT_LIMIT) {
                throw new UsageError(
                    `${file} has ${body.length} characters; GitHub takes ${GITHUB_COMMENT_LIMIT}`,
                );
            }
            const token = io.env.GITHUB_TOKEN;
            const repository = io.env.GITHUB_REPOSITORY;
            if (!token) throw new UsageError("GITHUB_TOKEN is not set");
            if (!repository || !/^[^/\s]+\/[^/\s]+$/.test(repository)) {
                throw new UsageError("GITHUB_REPOSITORY (owner/name) is not set");
            }
            const client = githubClient({
                apiUrl: io.env.GITHUB_API_URL || "https://api.github.com",
                repository,
                token,
            });
            const result = await upsertComment(client, args.pr, marker, body, args.author);
            const removed = result.removed.length
                ? `; removed duplicates ${result.removed.join(", ")}`
                : "";
            io.stdout(
                `${marker}: ${result.action} comment ${result.id} on #${args.pr}${removed}\n`,
            );
            return ExitCode.OK;
        },
        io,
    );
}

if (require.main === module) runCli(main);
