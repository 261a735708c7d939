/**
 * The deploy workflow's decisions (the rule: scripts/gitops/lib/deploy.ts).
 *
 *   tsx scripts/gitops/deploy-plan.ts plan --head <sha> [--force[=true|false]] [--root <dir>]
 *       For each environment in order (dev, then prod): read the stack's deployed-commit tag and
 *       decide whether this push deploys it. Prints the decisions; in GitHub Actions writes the
 *       outputs `stacks` (JSON array, in deployment order) and `policy_packs` (the policy packs the
 *       ups run with, one a line: the guardrails in policy/) to $GITHUB_OUTPUT.
 *   tsx scripts/gitops/deploy-plan.ts record --stack <name> --commit <sha> [--root <dir>]
 *       After a successful `pulumi up`: tags the stack with the commit it now runs.
 *
 * Needs the history (a full clone) and `pulumi` with the backend's credentials.
 * Exit codes: 0 done; 1 pulumi or git failed (e.g. a stack that does not exist yet); 2 usage.
 */
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
} from "./lib/cli";
import { decideDeploy, type DeployDecision } from "./lib/deploy";
import { changedFiles, isAncestor } from "./lib/exec";
import { Pulumi } from "./lib/pulumi";
import { defaultPolicyPacks, ENVIRONMENTS, readStackFiles, TAGS } from "./lib/stacks";

export const USAGE = `Usage:
  tsx scripts/gitops/deploy-plan.ts plan --head <sha> [--force[=true|false]] [--root <dir>]
  tsx scripts/gitops/deploy-plan.ts record --stack <name> --commit <sha> [--root <dir>]
`;

export const OUTPUTS = ["stacks", "policy_packs"] as const;

const PLAN_SPEC = { head: "string", force: "boolean", root: "string", help: "boolean" } as const;
const RECORD_SPEC = { stack: "string", commit: "string", root: "string", help: "boolean" } as const;

function checkCommit(sha: string): string {
    if (!/^[0-9a-f]{7,40}$/.test(sha))
        throw new UsageError(`not a commit id: ${JSON.stringify(sha)}`);
    return sha;
}

export function parseArgs(argv: readonly string[]) {
    const [command, ...rest] = argv;
    if (command === undefined || command === "--help" || command === "-h") {
        return { command: "help" as const };
    }
    if (command === "plan") {
        const { options } = parseCommandLine(rest, PLAN_SPEC);
        if (options.help) return { command: "help" as const };
        return {
            command: "plan" as const,
            head: required(options.head, "head"),
            force: options.force ?? false,
            root: options.root ?? ".",
        };
    }
    if (command === "record") {
        const { options } = parseCommandLine(rest, RECORD_SPEC);
        if (options.help) return { command: "help" as const };
        return {
            command: "record" as const,
            stack: checkStackName(required(options.stack, "stack")),
            commit: checkCommit(required(options.commit, "commit")),
            root: options.root ?? ".",
        };
    }
    throw new UsageError(`unknown command ${JSON.stringify(command)}: plan or record`);
}

export async function main(argv: string[], io: Io): Promise<number> {
    return runMain(
        "deploy-plan",
        USAGE,
        async () => {
            const args = parseArgs(argv);
            if (args.command === "help") {
                io.stdout(USAGE);
                return ExitCode.OK;
            }
            const root = path.resolve(io.cwd, args.root);
            const pulumi = new Pulumi({ cwd: root, env: io.env });
            if (args.command === "record") {
                await pulumi.setTag(args.stack, TAGS.deployedCommit, args.commit);
                io.stdout(`${args.stack}: ${TAGS.deployedCommit}=${args.commit}\n`);
                return ExitCode.OK;
            }

            const stackFiles = readStackFiles(root);
            const decisions: DeployDecision[] = [];
            for (const environment of ENVIRONMENTS) {
                const stackFileExists = stackFiles.some((s) => s.name === environment.stack);
                let deployedCommit: string | undefined;
                if (stackFileExists && !args.force) {
                    deployedCommit = (await pulumi.stackTags(environment.stack))[
                        TAGS.deployedCommit
                    ];
                }
                const ancestor =
                    deployedCommit !== undefined && isAncestor(root, deployedCommit, args.head);
                decisions.push(
                    decideDeploy({
                        environment,
                        stackFileExists,
                        deployedCommit,
                        deployedIsAncestor: ancestor,
                        changedFiles: ancestor
                            ? changedFiles(root, deployedCommit as string, args.head)
                            : [],
                        stackFiles,
                        force: args.force,
                    }),
                );
            }
            for (const d of decisions) {
                io.stdout(`${d.stack}: ${d.deploy ? "deploy" : "skip"} (${d.reason})\n`);
            }
            const stacks = decisions.filter((d) => d.deploy).map((d) => d.stack);
            const packs = defaultPolicyPacks(root);
            io.stdout(`policy packs: ${packs.join(", ") || "none"}\n`);
            appendGithubFile(io.env.GITHUB_OUTPUT, {
                stacks: JSON.stringify(stacks),
                policy_packs: packs.join("\n"),
            });
            appendStepSummary(
                io,
                [
                    "### Deploy plan",
                    "",
                    "| stack | deploy | why |",
                    "| --- | --- | --- |",
                    ...decisions.map(
                        (d) => `| \`${d.stack}\` | ${d.deploy ? "yes" : "no"} | ${d.reason} |`,
                    ),
                ].join("\n"),
            );
            return ExitCode.OK;
        },
        io,
    );
}

if (require.main === module) runCli(main);
