/**
 * What every GitOps CLI shares: the exit codes, a small command-line parser, the process I/O behind
 * an interface (so tests can drive `main` in-process with a fixed clock and environment), and the
 * GitHub Actions files ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY, $GITHUB_ENV).
 */
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";

/**
 * Exit codes of every script under scripts/gitops (documented in the README, section GitOps).
 *
 * - 0 `OK`: done. A preview that finds changes is still 0.
 * - 1 `FAILURE`: something failed (a preview, a destroy, an API call); the message says what.
 * - 2 `USAGE`: the command line or the environment is wrong; nothing was done.
 * - 3 `ATTENTION` (lab-ttl run only): nothing failed, but a lab stack has a missing or invalid
 *   time-to-live tag; it was reported and left alone.
 */
export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2, ATTENTION: 3 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export interface Io {
    env: Record<string, string | undefined>;
    cwd: string;
    stdout: (text: string) => void;
    stderr: (text: string) => void;
    now: () => Date;
}

export function processIo(): Io {
    return {
        env: process.env,
        cwd: process.cwd(),
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
        now: () => new Date(),
    };
}

type Kind = "string" | "boolean" | "list";
export type OptionSpec = Record<string, Kind>;
export type OptionValues<S extends OptionSpec> = {
    [K in keyof S]?: S[K] extends "boolean" ? boolean : S[K] extends "list" ? string[] : string;
};

/**
 * Parses `--name value`, `--name=value`, repeated `--name` for lists, and booleans as `--flag` or
 * `--flag=true|false` (an empty value is false, so a workflow can pass `--flag="$INPUT"`).
 * Anything not in the spec is a usage error, as are more positionals than allowed.
 */
export function parseCommandLine<S extends OptionSpec>(
    argv: readonly string[],
    spec: S,
    maxPositionals = 0,
): { options: OptionValues<S>; positionals: string[] } {
    const options: Record<string, string | boolean | string[]> = {};
    const positionals: string[] = [];
    let onlyPositionals = false;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i] as string;
        if (onlyPositionals || !arg.startsWith("--")) {
            if (!onlyPositionals && arg.startsWith("-") && arg !== "-") {
                if (arg === "-h" && spec.help === "boolean") {
                    options.help = true;
                    continue;
                }
                throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
            }
            positionals.push(arg);
            continue;
        }
        if (arg === "--") {
            onlyPositionals = true;
            continue;
        }
        const eq = arg.indexOf("=");
        const name = arg.slice(2, eq === -1 ? undefined : eq);
        const inline = eq === -1 ? undefined : arg.slice(eq + 1);
        const kind = Object.prototype.hasOwnProperty.call(spec, name) ? spec[name] : undefined;
        if (kind === undefined) throw new UsageError(`unknown option "--${name}"`);
        if (kind === "boolean") {
            if (inline === undefined || inline === "true") options[name] = true;
            else if (inline === "false" || inline === "") options[name] = false;
            else
                throw new UsageError(
                    `--${name} takes true or false, not ${JSON.stringify(inline)}`,
                );
            continue;
        }
        let value = inline;
        if (value === undefined) {
            const next = argv[i + 1];
            if (next === undefined || next.startsWith("--")) {
                throw new UsageError(`--${name} needs a value`);
            }
            value = next;
            i++;
        }
        if (kind === "list") {
            const list = (options[name] as string[] | undefined) ?? [];
            list.push(value);
            options[name] = list;
        } else {
            if (options[name] !== undefined) throw new UsageError(`--${name} given twice`);
            options[name] = value;
        }
    }
    if (positionals.length > maxPositionals) {
        throw new UsageError(`unexpected argument ${JSON.stringify(positionals[maxPositionals])}`);
    }
    return { options: options as OptionValues<S>, positionals };
}

export function required<T>(value: T | undefined, name: string): T {
    if (value === undefined || value === "") throw new UsageError(`--${name} is required`);
    return value;
}

/** A stack name as Pulumi allows it (optionally org- or project-qualified). */
export function checkStackName(name: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9._-]+){0,2}$/.test(name)) {
        throw new UsageError(`not a stack name: ${JSON.stringify(name)}`);
    }
    return name;
}

/**
 * Appends `name=value` pairs to a GitHub Actions file ($GITHUB_OUTPUT or $GITHUB_ENV). Values
 * with a newline use the heredoc form with a random delimiter, as GitHub documents.
 */
export function appendGithubFile(file: string | undefined, values: Record<string, string>): void {
    if (!file) return;
    let text = "";
    for (const [name, value] of Object.entries(values)) {
        if (!value.includes("\n")) {
            text += `${name}=${value}\n`;
            continue;
        }
        const delimiter = `EOF_${randomBytes(12).toString("hex")}`;
        text += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
    }
    fs.appendFileSync(file, text);
}

/** The URL of the current workflow run, from the variables GitHub Actions sets. */
export function workflowRunUrl(env: Io["env"]): string | undefined {
    const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID } = env;
    if (!GITHUB_SERVER_URL || !GITHUB_REPOSITORY || !GITHUB_RUN_ID) return undefined;
    return `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`;
}

/** Appends markdown to the job summary when running in GitHub Actions. */
export function appendStepSummary(io: Io, markdown: string): void {
    const file = io.env.GITHUB_STEP_SUMMARY;
    if (file) fs.appendFileSync(file, markdown.endsWith("\n") ? markdown : `${markdown}\n`);
}

/**
 * Runs a CLI's `main` and maps what escapes it to an exit code: a UsageError is 2 (with the usage
 * text), anything else 1. Used by the entry points: `if (require.main === module) runCli(main, …)`.
 */
export async function runMain(
    name: string,
    usage: string,
    body: () => Promise<ExitCode>,
    io: Io,
): Promise<ExitCode> {
    try {
        return await body();
    } catch (error) {
        if (error instanceof UsageError) {
            io.stderr(`${name}: ${error.message}\n\n${usage}`);
            return ExitCode.USAGE;
        }
        io.stderr(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
        return ExitCode.FAILURE;
    }
}

export function runCli(main: (argv: string[], io: Io) => Promise<number>): void {
    void main(process.argv.slice(2), processIo()).then((code) => {
        process.exitCode = code;
    });
}
