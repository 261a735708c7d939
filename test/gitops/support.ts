/**
 * Test support for the GitOps scripts: running a CLI the way a workflow does (tsx, as a child
 * process, so exit codes are real), a fake `pulumi` on PATH that records its arguments and answers
 * from a scenario file, and throwaway git repositories.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Io } from "../../scripts/gitops/lib/cli";

export const REPO = path.resolve(__dirname, "../..");
const TSX = path.join(REPO, "node_modules", ".bin", "tsx");

export interface Spawned {
    code: number;
    stdout: string;
    stderr: string;
}

export function tempDir(prefix = "gitops-"): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A clean environment: PATH, HOME and what the test adds; nothing from GitHub or Pulumi. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
    const env: Record<string, string> = {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/tmp",
    };
    for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
    return env;
}

/** `node_modules/.bin/tsx scripts/gitops/<script> <args>` as a child process. */
export function runScript(
    script: string,
    args: readonly string[],
    options: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): Spawned {
    const result = spawnSync(TSX, [path.join(REPO, "scripts", "gitops", script), ...args], {
        cwd: options.cwd ?? REPO,
        env: options.env ?? cleanEnv(),
        input: options.input,
        encoding: "utf8",
        timeout: 60_000,
    });
    if (result.error) throw result.error;
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export interface FakeStack {
    name: string;
    tags?: Record<string, string>;
    updateInProgress?: boolean;
}

export interface Scenario {
    stacks?: FakeStack[];
    stackLsFails?: boolean;
    /** Stacks whose `stack tag ls` fails. */
    tagLsFails?: string[];
    destroyFails?: string[];
    rmFails?: string[];
    /** `pulumi config --show-secrets --json` per stack; a stack missing here fails. */
    config?: Record<string, Record<string, unknown>>;
    preview?: { stdout: string; stderr?: string; code?: number };
    pluginFails?: string[];
}

// The fake itself: plain JavaScript run by node, so each call costs a node start, not a tsx one.
const FAKE = String.raw`#!/usr/bin/env node
const fs = require("fs");
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_PULUMI_LOG, JSON.stringify(args) + "\n");
const file = process.env.FAKE_PULUMI_SCENARIO;
const s = JSON.parse(fs.readFileSync(file, "utf8"));
s.stacks = s.stacks || [];
const flag = (name) => { const i = args.indexOf(name); return i === -1 ? undefined : args[i + 1]; };
const stack = flag("--stack");
const find = () => s.stacks.find((x) => x.name === stack);
const save = () => fs.writeFileSync(file, JSON.stringify(s, null, 2));
// Exit codes through process.exitCode, so node flushes the pipes before it exits.
const out = (text) => { process.stdout.write(text); process.exitCode = 0; };
const fail = (text, code) => { process.stderr.write(text); process.exitCode = code || 255; };
function main() {
    const [a, b, c] = args;
    if (!args.includes("--non-interactive")) return fail("fake pulumi: call without --non-interactive\n", 98);
    if (a === "stack" && b === "ls") {
        if (s.stackLsFails) return fail("error: could not reach the backend\n");
        return out(JSON.stringify(s.stacks.map((x) => Object.assign({ name: x.name, current: false, resourceCount: 4 },
            x.updateInProgress ? { updateInProgress: true } : {})), null, 2));
    }
    if (a === "stack" && b === "tag" && c === "ls") {
        if ((s.tagLsFails || []).includes(stack)) return fail("error: tags unavailable\n");
        const st = find();
        if (!st) return fail("error: no stack named '" + stack + "' found\n");
        return out(JSON.stringify(st.tags || {}, null, 2));
    }
    if (a === "stack" && b === "tag" && c === "set") {
        const st = find();
        if (!st) return fail("error: no stack named '" + stack + "' found\n");
        st.tags = Object.assign({}, st.tags, { [args[3]]: args[4] });
        save();
        return out("");
    }
    if (a === "destroy") {
        process.stdout.write("Destroying (" + stack + "):\n");
        if ((s.destroyFails || []).includes(stack)) return fail("error: the docker provider could not delete a container\n");
        return out("Resources:\n    - 4 deleted\n");
    }
    if (a === "stack" && b === "rm") {
        if ((s.rmFails || []).includes(stack)) return fail("error: stack '" + stack + "' still has resources\n");
        s.stacks = s.stacks.filter((x) => x.name !== stack);
        save();
        return out("Stack '" + stack + "' has been removed!\n");
    }
    if (a === "config") {
        const config = (s.config || {})[stack];
        if (!config) return fail("error: incorrect passphrase, please set PULUMI_CONFIG_PASSPHRASE\n");
        return out(JSON.stringify(config, null, 2));
    }
    if (a === "preview") {
        const p = s.preview || { stdout: "" };
        process.stdout.write(p.stdout);
        if (p.stderr) process.stderr.write(p.stderr);
        process.exitCode = p.code || 0;
        return;
    }
    if (a === "plugin" && b === "install") {
        if ((s.pluginFails || []).includes(args[3])) return fail("error: could not download\n");
        return out("[resource plugin " + args[3] + "-" + args[4] + "] installing\n");
    }
    return fail("fake pulumi: unexpected call: " + args.join(" ") + "\n", 99);
}
main();
`;

export interface FakePulumi {
    /** Environment to run a script with: the fake first on PATH, and its files. */
    env(extra?: Record<string, string | undefined>): Record<string, string>;
    /** Every call's arguments, in order. */
    calls(): string[][];
    /** The scenario as the fake left it (tags set, stacks removed). */
    scenario(): Scenario;
}

export function fakePulumi(scenario: Scenario): FakePulumi {
    const dir = tempDir("fake-pulumi-");
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "pulumi"), FAKE, { mode: 0o755 });
    const scenarioFile = path.join(dir, "scenario.json");
    const log = path.join(dir, "calls.jsonl");
    fs.writeFileSync(scenarioFile, JSON.stringify(scenario));
    fs.writeFileSync(log, "");
    return {
        env: (extra = {}) =>
            cleanEnv({
                PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
                FAKE_PULUMI_SCENARIO: scenarioFile,
                FAKE_PULUMI_LOG: log,
                ...extra,
            }),
        calls: () =>
            fs
                .readFileSync(log, "utf8")
                .split("\n")
                .filter(Boolean)
                .map((line) => JSON.parse(line) as string[]),
        scenario: () => JSON.parse(fs.readFileSync(scenarioFile, "utf8")) as Scenario,
    };
}

/** Reads a $GITHUB_OUTPUT-style file into name → value (single-line and heredoc forms). */
export function readGithubFile(file: string): Record<string, string> {
    const values: Record<string, string> = {};
    if (!fs.existsSync(file)) return values;
    const lines = fs.readFileSync(file, "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i] as string;
        const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
        if (heredoc) {
            const end = lines.indexOf(heredoc[2] as string, i + 1);
            values[heredoc[1] as string] = lines.slice(i + 1, end).join("\n");
            i = end;
        } else if (line.includes("=")) {
            values[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
        }
    }
    return values;
}

/** A git repository with a scripted history; returns a helper to commit and to read SHAs. */
export function gitRepo() {
    const dir = tempDir("gitops-repo-");
    const git = (...args: string[]) => {
        const result = spawnSync(
            "git",
            ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args],
            { cwd: dir, encoding: "utf8" },
        );
        if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
        return result.stdout.trim();
    };
    git("init", "-q", "-b", "main");
    return {
        dir,
        git,
        write(files: Record<string, string | null>) {
            for (const [file, content] of Object.entries(files)) {
                const target = path.join(dir, file);
                if (content === null) {
                    fs.rmSync(target, { force: true });
                    continue;
                }
                fs.mkdirSync(path.dirname(target), { recursive: true });
                fs.writeFileSync(target, content);
            }
        },
        commit(files: Record<string, string | null>, message = "change"): string {
            this.write(files);
            git("add", "-A");
            git("commit", "-q", "--allow-empty", "-m", message);
            return git("rev-parse", "HEAD");
        },
    };
}

export const DEV_STACK = "config:\n  tidb-cdc-pipeline:target: docker\n";
export const PROD_STACK = "config:\n  tidb-cdc-pipeline:target: kubernetes\n";

/**
 * Runs a CLI's `main` in this process (fast, for the many usage cases); the exit code is what the
 * entry point would exit with. Spawned runs (runScript) cover the entry points themselves.
 */
export async function runMainInProcess(
    main: (argv: string[], io: Io) => Promise<number>,
    argv: string[],
    options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Spawned> {
    let stdout = "";
    let stderr = "";
    const code = await main(argv, {
        cwd: options.cwd ?? REPO,
        env: options.env ?? cleanEnv(),
        stdout: (text) => (stdout += text),
        stderr: (text) => (stderr += text),
        now: () => new Date(),
    });
    return { code, stdout, stderr };
}
