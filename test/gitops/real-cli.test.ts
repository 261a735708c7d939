/**
 * The scripts against the real Pulumi CLI (what the fake stands in for elsewhere): stack tags, the
 * TTL run's destroy and removal, the deployed-commit tag, and the secret config that preview.ts
 * reads, on a throwaway local file backend. Needs `pulumi` on PATH (scripts/test.sh puts it there)
 * or in scripts/pulumi-toolchain.sh's cache; skipped, saying so, when there is none.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { TAGS } from "../../scripts/gitops/lib/stacks";
import { REPO, runScript, tempDir } from "./support";

function findPulumi(): string | undefined {
    const onPath = spawnSync("sh", ["-c", "command -v pulumi"], { encoding: "utf8" }).stdout.trim();
    if (onPath) return path.dirname(onPath);
    const version = (
        JSON.parse(
            fs.readFileSync(path.join(REPO, "node_modules/@pulumi/pulumi/package.json"), "utf8"),
        ) as { version: string }
    ).version;
    const cache =
        process.env.PULUMI_TOOLCHAIN_CACHE ??
        path.join(
            process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"),
            "tidb-cdc-pipeline/pulumi",
        );
    const bin = path.join(cache, version, "bin");
    return fs.existsSync(path.join(bin, "pulumi")) ? bin : undefined;
}

const bin = findPulumi();
if (!bin) console.warn("test/gitops/real-cli.test.ts: no Pulumi CLI here; skipped");

function backend() {
    const root = tempDir("gitops-real-");
    const project = path.join(root, "project");
    fs.mkdirSync(project);
    fs.mkdirSync(path.join(root, "state"));
    fs.writeFileSync(
        path.join(project, "Pulumi.yaml"),
        "name: tidb-cdc-pipeline\nruntime: nodejs\n",
    );
    const env = {
        PATH: `${bin}:${process.env.PATH ?? ""}`,
        HOME: process.env.HOME ?? root,
        PULUMI_HOME: path.join(root, "home"),
        PULUMI_BACKEND_URL: `file://${path.join(root, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "gitops-test-passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
    const pulumi = (...args: string[]) => {
        const result = spawnSync("pulumi", [...args, "--non-interactive"], {
            cwd: project,
            env,
            encoding: "utf8",
        });
        if (result.status !== 0) throw new Error(`pulumi ${args.join(" ")}: ${result.stderr}`);
        return result.stdout;
    };
    const script = (name: string, args: string[]) => runScript(name, args, { cwd: project, env });
    return { project, env, pulumi, script };
}

describe.skipIf(!bin)("with the real Pulumi CLI", () => {
    it("lab-ttl: mark, then a run destroys and removes only the expired lab stack", () => {
        const b = backend();
        for (const stack of ["lab-old", "lab-new", "shared"]) b.pulumi("stack", "init", stack);
        expect(
            b.script("lab-ttl.ts", [
                "mark",
                "--stack",
                "lab-old",
                "--ttl",
                "1h",
                "--now",
                "2026-01-01T00:00:00Z",
            ]).code,
        ).toBe(0);
        expect(
            b.script("lab-ttl.ts", [
                "mark",
                "--stack",
                "lab-new",
                "--ttl",
                "8h",
                "--now",
                "2026-01-01T05:00:00Z",
            ]).code,
        ).toBe(0);
        expect(
            JSON.parse(b.pulumi("stack", "tag", "ls", "--json", "--stack", "lab-old")),
        ).toMatchObject({
            [TAGS.lab]: "true",
            [TAGS.ttl]: "1h",
            [TAGS.createdAt]: "2026-01-01T00:00:00Z",
        });

        const dry = b.script("lab-ttl.ts", ["run", "--dry-run", "--now", "2026-01-01T06:00:00Z"]);
        expect(dry.code, dry.stderr).toBe(0);
        expect(dry.stdout).toContain("lab-old: would destroy");
        const names = () =>
            (JSON.parse(b.pulumi("stack", "ls", "--json")) as { name: string }[])
                .map((s) => s.name)
                .sort();
        expect(names()).toEqual(["lab-new", "lab-old", "shared"]);

        const run = b.script("lab-ttl.ts", ["run", "--now", "2026-01-01T06:00:00Z"]);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout).toContain("lab-old: destroyed");
        expect(names()).toEqual(["lab-new", "shared"]);
    });

    it("deploy-plan: record writes the deployed-commit tag plan reads", () => {
        const b = backend();
        b.pulumi("stack", "init", "dev");
        const sha = "0123456789abcdef0123456789abcdef01234567";
        expect(b.script("deploy-plan.ts", ["record", "--stack", "dev", "--commit", sha]).code).toBe(
            0,
        );
        expect(
            JSON.parse(b.pulumi("stack", "tag", "ls", "--json", "--stack", "dev")),
        ).toMatchObject({
            [TAGS.deployedCommit]: sha,
        });
    });

    it("preview: reads the stack's real secret config and keeps it out of what it writes", () => {
        const b = backend();
        b.pulumi("stack", "init", "dev");
        fs.appendFileSync(
            path.join(b.project, "Pulumi.dev.yaml"),
            "config:\n  tidb-cdc-pipeline:target: docker\n",
        );
        b.pulumi(
            "config",
            "set",
            "--secret",
            "--stack",
            "dev",
            "tidbRootPassword",
            "real-secret-value-123",
        );
        b.pulumi(
            "config",
            "set",
            "--secret",
            "--path",
            "--stack",
            "dev",
            "kafka.sasl.password",
            "kafka-secret-456",
        );
        const out = path.join(tempDir(), "out");
        // No program here: the preview itself fails, after the config was read and checked.
        const result = b.script("preview.ts", ["--stack", "dev", "--out", out, "--no-policy-pack"]);
        expect(result.code).toBe(1);
        const body = fs.readFileSync(path.join(out, "comment.md"), "utf8");
        expect(body).toContain("**Preview failed.**");
        expect(body).not.toContain("could not be read");
        for (const file of fs.readdirSync(out)) {
            const text = fs.readFileSync(path.join(out, file), "utf8");
            expect(text).not.toContain("real-secret-value-123");
            expect(text).not.toContain("kafka-secret-456");
        }
    });
});
