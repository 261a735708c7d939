/** Running other programs: git, pulumi, the render script. No shell is involved anywhere. */
import { spawn, spawnSync } from "node:child_process";

export interface CommandResult {
    code: number;
    stdout: string;
    stderr: string;
    /** stdout and stderr interleaved in the order they arrived (what a terminal would show). */
    output: string;
}

export interface RunOptions {
    cwd: string;
    env: Record<string, string | undefined>;
    /** Copy the output to these as it arrives (e.g. the job log), besides capturing it. */
    echo?: { stdout: (text: string) => void; stderr: (text: string) => void };
    input?: string;
}

/** Runs a program and captures its output; a program that cannot start is exit code 127. */
export function run(command: string, args: readonly string[], opts: RunOptions) {
    return new Promise<CommandResult>((resolve) => {
        const child = spawn(command, args, {
            cwd: opts.cwd,
            env: opts.env,
            stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        let output = "";
        child.stdout?.setEncoding("utf8");
        child.stderr?.setEncoding("utf8");
        child.stdout?.on("data", (chunk: string) => {
            stdout += chunk;
            output += chunk;
            opts.echo?.stdout(chunk);
        });
        child.stderr?.on("data", (chunk: string) => {
            stderr += chunk;
            output += chunk;
            opts.echo?.stderr(chunk);
        });
        if (opts.input !== undefined) child.stdin?.end(opts.input);
        let started = true;
        child.on("error", (error) => {
            started = false;
            const text = `${command}: ${error.message}\n`;
            resolve({ code: 127, stdout, stderr: stderr + text, output: output + text });
        });
        child.on("close", (code, signal) => {
            if (!started) return;
            resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, output });
        });
    });
}

/** git, synchronously; throws with git's message when it fails (exit codes in `ok` are allowed). */
export function git(cwd: string, args: readonly string[], ok: readonly number[] = [0]): string {
    const result = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 1 << 30 });
    if (result.error) throw new Error(`git ${args[0]}: ${result.error.message}`);
    if (!ok.includes(result.status ?? -1)) {
        throw new Error(`git ${args.join(" ")} failed: ${result.stderr.trim() || result.status}`);
    }
    return result.stdout;
}

/** Files changed between the merge base of `base` and `head`, and `head` (`git diff base...head`). */
export function changedFiles(cwd: string, base: string, head: string): string[] {
    // -z: names exactly as they are (no quoting); --no-renames: a rename is a delete and an add.
    const out = git(cwd, ["diff", "--name-only", "--no-renames", "-z", `${base}...${head}`, "--"]);
    return out.split("\0").filter((name) => name !== "");
}

/** Whether `commit` is known and an ancestor of (or equal to) `head`. */
export function isAncestor(cwd: string, commit: string, head: string): boolean {
    const result = spawnSync("git", ["merge-base", "--is-ancestor", commit, head], {
        cwd,
        encoding: "utf8",
    });
    return result.status === 0;
}
