import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { GITHUB_COMMENT_LIMIT } from "../../scripts/gitops/lib/comment";
import { main } from "../../scripts/gitops/preview";
import {
    DEV_STACK,
    fakePulumi,
    readGithubFile,
    runMainInProcess,
    runScript,
    tempDir,
    type Scenario,
} from "./support";

const PASSWORD = "s3cret-Pa55word";

/** A project directory with a dev stack file holding one secure value. */
function project(): string {
    const dir = tempDir("preview-project-");
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: tidb-cdc-pipeline\nruntime: nodejs\n");
    fs.writeFileSync(
        path.join(dir, "Pulumi.dev.yaml"),
        `${DEV_STACK}  tidb-cdc-pipeline:tidbRootPassword:\n    secure: v1:abc:def\n`,
    );
    return dir;
}

const CONFIG = {
    dev: {
        "tidb-cdc-pipeline:target": { value: "docker", secret: false },
        "tidb-cdc-pipeline:tidbRootPassword": { value: PASSWORD, secret: true },
    },
};

const OUTPUT = `Previewing update (dev):
  pulumi:pulumi:Stack: (same)
    + docker:index/container:Container: (create)
        [urn=urn:pulumi:dev::tidb-cdc-pipeline::docker:index/container:Container::lab-tidb]
        envs: [secret]
Resources:
    + 1 to create
    14 unchanged
`;

function preview(scenario: Scenario, args: string[] = [], env: Record<string, string> = {}) {
    const fake = fakePulumi(scenario);
    const cwd = project();
    const out = path.join(tempDir(), "out");
    const outputs = path.join(tempDir(), "github-output");
    const summary = path.join(tempDir(), "summary.md");
    const result = runScript(
        "preview.ts",
        ["--stack", "dev", "--out", out, "--commit", "abcdef1234567890", ...args],
        {
            cwd,
            env: fake.env({
                GITHUB_OUTPUT: outputs,
                GITHUB_STEP_SUMMARY: summary,
                GITHUB_SERVER_URL: "https://github.com",
                GITHUB_REPOSITORY: "acme/pipeline",
                GITHUB_RUN_ID: "42",
                ...env,
            }),
        },
    );
    const read = (file: string) => fs.readFileSync(path.join(out, file), "utf8");
    return { result, fake, read, outputs: readGithubFile(outputs), out, summary };
}

describe("preview.ts", () => {
    it("a preview with changes exits 0 and writes the comment, the log and the summary", () => {
        const { result, fake, read, outputs, summary } = preview({
            config: CONFIG,
            preview: { stdout: OUTPUT },
        });
        expect(result.code, result.stderr).toBe(0);
        const previewCall = fake.calls().find((c) => c[0] === "preview");
        expect(previewCall).toEqual([
            "preview",
            "--diff",
            "--color",
            "never",
            "--suppress-progress",
            "--stack",
            "dev",
            "--non-interactive",
        ]);
        expect(fake.calls()[0]).toEqual([
            "config",
            "--show-secrets",
            "--json",
            "--stack",
            "dev",
            "--non-interactive",
        ]);
        const body = read("comment.md");
        expect(body.split("\n")[0]).toBe("<!-- tidb-cdc-pipeline:preview:dev -->");
        expect(body).toContain("**1 change:** 1 to create; 14 unchanged.");
        expect(body).toContain("[workflow run](https://github.com/acme/pipeline/actions/runs/42)");
        expect(body).toContain("commit `abcdef123456`");
        expect(read("preview.log")).toBe(OUTPUT);
        expect(JSON.parse(read("summary.json"))).toEqual({
            stack: "dev",
            ok: true,
            changes: { create: 1, same: 14 },
        });
        expect(outputs).toEqual({ ok: "true", changes: "1" });
        expect(fs.readFileSync(summary, "utf8")).toBe(body);
        expect(result.stdout).toContain("Previewing update (dev):"); // the output reaches the log
    });

    it("--refresh and --policy-pack reach pulumi preview", () => {
        const { result, fake } = preview({ config: CONFIG, preview: { stdout: OUTPUT } }, [
            "--refresh",
            "--policy-pack",
            "policy",
        ]);
        expect(result.code).toBe(0);
        expect(fake.calls().find((c) => c[0] === "preview")).toEqual([
            "preview",
            "--diff",
            "--color",
            "never",
            "--suppress-progress",
            "--stack",
            "dev",
            "--refresh",
            "--policy-pack",
            "policy",
            "--non-interactive",
        ]);
    });

    it("runs the repository's guardrails policy pack by default; --no-policy-pack skips it", () => {
        const fake = fakePulumi({ config: CONFIG, preview: { stdout: OUTPUT } });
        const cwd = project();
        fs.mkdirSync(path.join(cwd, "policy"));
        fs.writeFileSync(path.join(cwd, "policy", "PulumiPolicy.yaml"), "runtime: nodejs\n");
        const args = (extra: string[]) => [
            "--stack",
            "dev",
            "--out",
            path.join(tempDir(), "o"),
            ...extra,
        ];
        expect(runScript("preview.ts", args([]), { cwd, env: fake.env() }).code).toBe(0);
        expect(
            runScript("preview.ts", args(["--no-policy-pack"]), { cwd, env: fake.env() }).code,
        ).toBe(0);
        const previews = fake.calls().filter((c) => c[0] === "preview");
        expect(previews[0]).toContain("--policy-pack");
        expect(previews[0]?.[previews[0].indexOf("--policy-pack") + 1]).toBe("policy");
        expect(previews[1]).not.toContain("--policy-pack");
        const both = runScript("preview.ts", args(["--no-policy-pack", "--policy-pack", "x"]), {
            cwd,
            env: fake.env(),
        });
        expect(both.code).toBe(2);
    });

    it("a failed preview exits 1, and its comment says so with the output", () => {
        const { result, read, outputs } = preview({
            config: CONFIG,
            preview: {
                stdout: "Previewing update (dev):\n",
                stderr: "error: TypeError: boom\n",
                code: 255,
            },
        });
        expect(result.code).toBe(1);
        const body = read("comment.md");
        expect(body).toContain("**Preview failed.**");
        expect(body).toContain("error: TypeError: boom");
        expect(outputs.ok).toBe("false");
    });

    it("a secret value in the output is redacted everywhere and fails the run", () => {
        const leaky = OUTPUT.replace("envs: [secret]", `envs: ["MYSQL_ROOT_PASSWORD=${PASSWORD}"]`);
        const { result, read, out } = preview({ config: CONFIG, preview: { stdout: leaky } });
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(
            "secret value(s) of tidb-cdc-pipeline:tidbRootPassword appeared",
        );
        const body = read("comment.md");
        expect(body).toContain('envs: ["MYSQL_ROOT_PASSWORD=[secret]"]');
        expect(body).toContain("> [!WARNING]");
        for (const file of fs.readdirSync(out)) {
            expect(fs.readFileSync(path.join(out, file), "utf8"), file).not.toContain(PASSWORD);
        }
    });

    it("credentials of the environment are checked too", () => {
        const token = "pul-abcdef0123456789";
        const { result, read } = preview(
            { config: CONFIG, preview: { stdout: `${OUTPUT}debug: token ${token}\n` } },
            [],
            { PULUMI_ACCESS_TOKEN: token },
        );
        expect(result.code).toBe(1);
        expect(read("comment.md")).not.toContain(token);
    });

    it("config that cannot be read (so secrets cannot be checked): no preview, exit 1", () => {
        const { result, fake, read } = preview({ preview: { stdout: OUTPUT } });
        expect(result.code).toBe(1);
        expect(fake.calls().some((c) => c[0] === "preview")).toBe(false);
        const body = read("comment.md");
        expect(body).toContain("**Preview not run:** the stack's configuration could not be read");
        expect(body).toContain("incorrect passphrase");
    });

    it("a huge output still gives a comment within GitHub's limit", () => {
        const line = "    ~ kubernetes:core/v1:ConfigMap: (update)\n";
        const huge = `Previewing update (dev):\n${line.repeat(20_000)}Resources:\n    ~ 20000 to update\n`;
        const { result, read } = preview({ config: CONFIG, preview: { stdout: huge } });
        expect(result.code).toBe(0);
        const body = read("comment.md");
        expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
        expect(body).toContain("characters are left out above");
        expect(read("preview.log")).toBe(huge);
    });

    it("usage errors exit 2 before pulumi runs", async () => {
        const fake = fakePulumi({ config: CONFIG });
        const cwd = project();
        for (const [args, message] of [
            [["--out", "x"], "--stack is required"],
            [["--stack", "dev"], "--out is required"],
            [["--stack", "staging", "--out", "x"], "no stack file for staging"],
            [["--stack", "dev", "--out", "x", "--diff"], 'unknown option "--diff"'],
        ] as const) {
            const result = await runMainInProcess(main, [...args], { cwd, env: fake.env() });
            expect(result.code, args.join(" ")).toBe(2);
            expect(result.stderr).toContain(message);
        }
        expect(runScript("preview.ts", ["--stack", "dev"], { cwd, env: fake.env() }).code).toBe(2);
        expect(fake.calls()).toEqual([]);
    });
});
