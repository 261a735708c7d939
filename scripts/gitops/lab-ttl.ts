/**
 * Lab stacks with a time-to-live (the rule: scripts/gitops/lib/ttl.ts).
 *
 *   tsx scripts/gitops/lab-ttl.ts run [--dry-run] [--now <iso>]
 *       Lists the project's stacks and their tags, reports each lab stack, then destroys the
 *       expired ones (longest expired first) and removes them from the backend. --dry-run only
 *       reports. Every expired stack is attempted even when an earlier one fails.
 *   tsx scripts/gitops/lab-ttl.ts mark --stack <name> --ttl <8h|3d|ISO instant> [--restart]
 *       Marks a stack as a lab stack: sets tidb-cdc-pipeline:lab=true, the ttl, and created-at
 *       (now, unless it is already set; --restart sets it again, which restarts the clock).
 *
 * Runs `pulumi` (PULUMI_BIN overrides it) in the project directory (--root, default: here).
 * Exit codes: 0 done; 1 a listing, destroy or removal failed (after attempting all); 2 usage;
 * 3 (run) nothing failed but a lab stack has a missing or invalid tag: reported, left alone.
 */
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
} from "./lib/cli";
import { Pulumi } from "./lib/pulumi";
import { PROTECTED_STACKS, TAGS } from "./lib/stacks";
import {
    evaluateLabStack,
    formatDuration,
    formatInstant,
    type LabDecision,
    parseInstant,
    parseTtl,
    teardownOrder,
} from "./lib/ttl";

export const USAGE = `Usage:
  tsx scripts/gitops/lab-ttl.ts run [--dry-run] [--now <iso>] [--root <dir>]
  tsx scripts/gitops/lab-ttl.ts mark --stack <name> --ttl <8h|3d|1d12h|ISO instant> [--restart] [--now <iso>] [--root <dir>]
`;

const RUN_SPEC = { "dry-run": "boolean", now: "string", root: "string", help: "boolean" } as const;
const MARK_SPEC = {
    stack: "string",
    ttl: "string",
    restart: "boolean",
    now: "string",
    root: "string",
    help: "boolean",
} as const;

export type Args =
    | { command: "help" }
    | { command: "run"; dryRun: boolean; now: Date | undefined; root: string | undefined }
    | {
          command: "mark";
          stack: string;
          ttl: string;
          restart: boolean;
          now: Date | undefined;
          root: string | undefined;
      };

function parseNow(text: string | undefined): Date | undefined {
    if (text === undefined) return undefined;
    const now = parseInstant(text);
    if (!now)
        throw new UsageError(
            `--now ${JSON.stringify(text)} is not an ISO 8601 instant with a zone`,
        );
    return now;
}

export function parseArgs(argv: readonly string[]): Args {
    const [command, ...rest] = argv;
    if (command === undefined || command === "--help" || command === "-h")
        return { command: "help" };
    if (command === "run") {
        const { options } = parseCommandLine(rest, RUN_SPEC);
        if (options.help) return { command: "help" };
        return {
            command,
            dryRun: options["dry-run"] ?? false,
            now: parseNow(options.now),
            root: options.root,
        };
    }
    if (command === "mark") {
        const { options } = parseCommandLine(rest, MARK_SPEC);
        if (options.help) return { command: "help" };
        const ttl = required(options.ttl, "ttl");
        const parsed = parseTtl(ttl);
        if ("error" in parsed) throw new UsageError(parsed.error);
        return {
            command,
            stack: checkStackName(required(options.stack, "stack")),
            ttl,
            restart: options.restart ?? false,
            now: parseNow(options.now),
            root: options.root,
        };
    }
    throw new UsageError(`unknown command ${JSON.stringify(command)}: run or mark`);
}

function describe(decision: LabDecision): string {
    switch (decision.kind) {
        case "not-lab":
            return "not a lab stack";
        case "invalid":
            return `INVALID, left alone: ${decision.reason}`;
        case "alive":
            return `${formatDuration(decision.remainingMs)} left (expires ${formatInstant(decision.expiresAt)})`;
        case "busy":
            return `expired ${formatInstant(decision.expiresAt)}, but an update is running: next run`;
        case "expired":
            return `expired ${formatDuration(decision.overdueMs)} ago (${formatInstant(decision.expiresAt)})`;
    }
}

interface Outcome {
    stack: string;
    status: "destroyed" | "would destroy" | "destroy failed" | "remove failed";
    detail?: string;
}

function lastLine(text: string): string {
    return text.trim().split("\n").pop() ?? "";
}

async function runTeardown(pulumi: Pulumi, io: Io, dryRun: boolean, now: Date) {
    io.stdout(`lab stacks at ${formatInstant(now)}${dryRun ? " (dry run)" : ""}:\n`);
    const stacks = await pulumi.listStacks();
    const decisions: LabDecision[] = [];
    const errors: string[] = [];
    for (const stack of stacks) {
        let tags: Record<string, string>;
        try {
            tags = await pulumi.stackTags(stack.name);
        } catch (error) {
            errors.push(`${stack.name}: ${(error as Error).message}`);
            io.stdout(`  ${stack.name}: tags could not be read\n`);
            continue;
        }
        const decision = evaluateLabStack({ ...stack, tags }, now, {
            protectedStacks: PROTECTED_STACKS,
        });
        decisions.push(decision);
        io.stdout(`  ${stack.name}: ${describe(decision)}\n`);
    }

    const outcomes: Outcome[] = [];
    for (const { stack } of teardownOrder(decisions)) {
        if (dryRun) {
            outcomes.push({ stack, status: "would destroy" });
            continue;
        }
        io.stdout(`\n==> pulumi destroy --stack ${stack}\n`);
        const destroyed = await pulumi.destroy(stack);
        if (destroyed.code !== 0) {
            outcomes.push({ stack, status: "destroy failed", detail: lastLine(destroyed.output) });
            continue;
        }
        io.stdout(`==> pulumi stack rm --stack ${stack}\n`);
        const removed = await pulumi.removeStack(stack);
        if (removed.code !== 0) {
            outcomes.push({ stack, status: "remove failed", detail: lastLine(removed.output) });
            continue;
        }
        outcomes.push({ stack, status: "destroyed" });
    }

    const invalid = decisions.filter((d) => d.kind === "invalid");
    const failed = outcomes.filter((o) => o.status.endsWith("failed"));
    io.stdout("\n");
    for (const o of outcomes) {
        io.stdout(`${o.stack}: ${o.status}${o.detail ? `: ${o.detail}` : ""}\n`);
    }
    for (const error of errors) io.stderr(`lab-ttl: ${error}\n`);
    for (const d of invalid) io.stderr(`lab-ttl: ${d.stack}: ${describe(d)}\n`);
    if (outcomes.length === 0) io.stdout("no lab stack has expired\n");

    const rows = decisions
        .filter((d) => d.kind !== "not-lab")
        .map((d) => {
            const outcome = outcomes.find((o) => o.stack === d.stack);
            return `| \`${d.stack}\` | ${describe(d)} | ${outcome?.status ?? ""} |`;
        });
    appendStepSummary(
        io,
        [
            `### Lab stacks at ${formatInstant(now)}${dryRun ? " (dry run)" : ""}`,
            "",
            rows.length ? "| stack | state | action |\n| --- | --- | --- |" : "No lab stacks.",
            ...rows,
            ...errors.map((e) => `\n**Error:** ${e}`),
            "",
        ].join("\n"),
    );

    if (failed.length > 0 || errors.length > 0) return ExitCode.FAILURE;
    if (invalid.length > 0) return ExitCode.ATTENTION;
    return ExitCode.OK;
}

async function mark(pulumi: Pulumi, io: Io, args: Extract<Args, { command: "mark" }>, now: Date) {
    const short = args.stack.split("/").pop() as string;
    if (PROTECTED_STACKS.includes(short)) {
        throw new UsageError(`${short} is a protected environment and cannot be marked as a lab`);
    }
    const ttl = parseTtl(args.ttl);
    if (!("error" in ttl) && ttl.kind === "absolute" && ttl.at.getTime() <= now.getTime()) {
        throw new UsageError(`ttl ${args.ttl} is already past`);
    }
    const tags = await pulumi.stackTags(args.stack);
    const createdAt =
        args.restart || tags[TAGS.createdAt] === undefined
            ? formatInstant(now)
            : tags[TAGS.createdAt];
    await pulumi.setTag(args.stack, TAGS.lab, "true");
    await pulumi.setTag(args.stack, TAGS.ttl, args.ttl);
    if (createdAt !== tags[TAGS.createdAt]) {
        await pulumi.setTag(args.stack, TAGS.createdAt, createdAt as string);
    }
    const decision = evaluateLabStack(
        {
            name: args.stack,
            tags: {
                ...tags,
                [TAGS.lab]: "true",
                [TAGS.ttl]: args.ttl,
                [TAGS.createdAt]: createdAt as string,
            },
        },
        now,
        { protectedStacks: PROTECTED_STACKS },
    );
    io.stdout(`${args.stack}: lab stack, ${describe(decision)}\n`);
    return ExitCode.OK;
}

export async function main(argv: string[], io: Io): Promise<number> {
    return runMain(
        "lab-ttl",
        USAGE,
        async () => {
            const args = parseArgs(argv);
            if (args.command === "help") {
                io.stdout(USAGE);
                return ExitCode.OK;
            }
            const pulumi = new Pulumi({
                cwd: path.resolve(io.cwd, args.root ?? "."),
                env: io.env,
                echo: { stdout: io.stdout, stderr: io.stderr },
            });
            const now = args.now ?? io.now();
            if (args.command === "mark") return mark(pulumi, io, args, now);
            return runTeardown(pulumi, io, args.dryRun, now);
        },
        io,
    );
}

if (require.main === module) runCli(main);
