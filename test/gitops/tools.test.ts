import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { appendGithubFile, parseCommandLine, UsageError } from "../../scripts/gitops/lib/cli";
import { decodeKubeconfig } from "../../scripts/gitops/kubeconfig";
import { providerPlugins, pulumiVersion } from "../../scripts/gitops/toolchain";
import {
    cleanEnv,
    DEV_STACK,
    fakePulumi,
    PROD_STACK,
    readGithubFile,
    REPO,
    runScript,
    tempDir,
} from "./support";

describe("parseCommandLine", () => {
    const spec = { stack: "string", pack: "list", dry: "boolean" } as const;

    it("--opt value, --opt=value, repeated lists, booleans with an optional value", () => {
        expect(
            parseCommandLine(["--stack", "dev", "--pack=a", "--pack", "b", "--dry"], spec).options,
        ).toEqual({
            stack: "dev",
            pack: ["a", "b"],
            dry: true,
        });
        expect(parseCommandLine(["--dry=false"], spec).options.dry).toBe(false);
        expect(parseCommandLine(["--dry="], spec).options.dry).toBe(false);
        expect(parseCommandLine(["--", "--stack"], spec, 1).positionals).toEqual(["--stack"]);
    });

    it.each([
        [["--nope"], 'unknown option "--nope"'],
        [["-x"], 'unknown option "-x"'],
        [["--stack"], "--stack needs a value"],
        [["--stack", "--dry"], "--stack needs a value"],
        [["--stack", "a", "--stack", "b"], "--stack given twice"],
        [["--dry=yes"], "--dry takes true or false"],
        [["extra"], 'unexpected argument "extra"'],
    ])("%j is a usage error: %s", (argv, message) => {
        expect(() => parseCommandLine(argv, spec)).toThrow(UsageError);
        expect(() => parseCommandLine(argv, spec)).toThrow(message);
    });
});

describe("appendGithubFile", () => {
    it("name=value lines, and the heredoc form for multi-line values", () => {
        const file = path.join(tempDir(), "out");
        appendGithubFile(file, { a: "1", b: '["x"]' });
        appendGithubFile(file, { text: "line 1\nline 2" });
        appendGithubFile(undefined, { ignored: "no file: nothing happens" });
        expect(readGithubFile(file)).toEqual({ a: "1", b: '["x"]', text: "line 1\nline 2" });
        expect(fs.readFileSync(file, "utf8")).toMatch(
            /^a=1\nb=\["x"\]\ntext<<EOF_[0-9a-f]{24}\nline 1\nline 2\nEOF_[0-9a-f]{24}\n$/,
        );
    });
});

describe("toolchain.ts", () => {
    it("reads the versions npm installed", () => {
        const installed = (name: string) =>
            (
                JSON.parse(
                    fs.readFileSync(path.join(REPO, "node_modules", name, "package.json"), "utf8"),
                ) as { version: string }
            ).version;
        expect(pulumiVersion(REPO)).toBe(installed("@pulumi/pulumi"));
        expect(providerPlugins(REPO)).toEqual([
            { name: "command", version: installed("@pulumi/command") },
            { name: "docker", version: installed("@pulumi/docker") },
            { name: "kubernetes", version: installed("@pulumi/kubernetes") },
        ]);
    });

    it("versions: prints and writes the pulumi output", () => {
        const output = path.join(tempDir(), "output");
        const result = runScript("toolchain.ts", ["versions"], {
            env: cleanEnv({ GITHUB_OUTPUT: output }),
        });
        expect(result.code).toBe(0);
        expect(readGithubFile(output)).toEqual({ pulumi: pulumiVersion(REPO) });
    });

    it("plugins --only kubernetes installs that plugin at the installed version", () => {
        const fake = fakePulumi({});
        const result = runScript("toolchain.ts", ["plugins", "--only", "kubernetes"], {
            env: fake.env(),
        });
        expect(result.code, result.stderr).toBe(0);
        const version = providerPlugins(REPO).find((p) => p.name === "kubernetes")?.version;
        expect(fake.calls()).toEqual([
            ["plugin", "install", "resource", "kubernetes", version as string, "--non-interactive"],
        ]);
    });

    it("plugins: all of them; a failed install is exit 1, an unknown name exit 2", () => {
        const fake = fakePulumi({ pluginFails: ["docker"] });
        const all = runScript("toolchain.ts", ["plugins"], { env: fake.env() });
        expect(all.code).toBe(1);
        expect(fake.calls().map((c) => c[3])).toEqual(["command", "docker", "kubernetes"]);
        const unknown = runScript("toolchain.ts", ["plugins", "--only", "aws"], {
            env: fake.env(),
        });
        expect(unknown.code).toBe(2);
        expect(unknown.stderr).toContain(
            "no provider package for aws (have command, docker, kubernetes)",
        );
    });
});

describe("kubeconfig.ts", () => {
    const KUBECONFIG =
        "apiVersion: v1\nkind: Config\nclusters:\n  - name: prod\n    cluster:\n      server: https://k8s.example:6443\nusers: []\ncontexts: []\n";

    function project() {
        const dir = tempDir();
        fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), DEV_STACK);
        fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), PROD_STACK);
        return dir;
    }

    function run(args: string[], content: string | undefined) {
        const cwd = project();
        const temp = tempDir();
        const githubEnv = path.join(temp, "env");
        const result = runScript("kubeconfig.ts", args, {
            cwd,
            env: cleanEnv({
                KUBECONFIG_CONTENT: content,
                RUNNER_TEMP: temp,
                GITHUB_ENV: githubEnv,
            }),
        });
        return { result, env: readGithubFile(githubEnv), temp };
    }

    it("decodes YAML as is, or base64 of it; anything else is not a kubeconfig", () => {
        expect(decodeKubeconfig(KUBECONFIG)).toBe(KUBECONFIG);
        expect(decodeKubeconfig(Buffer.from(KUBECONFIG).toString("base64"))).toBe(KUBECONFIG);
        expect(decodeKubeconfig("bm90IGEga3ViZWNvbmZpZw==")).toBeUndefined();
        expect(decodeKubeconfig("{{{")).toBeUndefined();
    });

    it("a Docker stack needs none", () => {
        const { result, env } = run(["--stack", "dev"], undefined);
        expect(result.code).toBe(0);
        expect(result.stdout).toBe("dev: target docker, no kubeconfig needed\n");
        expect(env).toEqual({});
    });

    it("a Kubernetes stack gets the file (0600) and KUBECONFIG for the next steps", () => {
        const { result, env, temp } = run(
            ["--stack", "prod"],
            Buffer.from(KUBECONFIG).toString("base64"),
        );
        expect(result.code, result.stderr).toBe(0);
        const file = path.join(temp, "kubeconfig-prod");
        expect(env).toEqual({ KUBECONFIG: file });
        expect(fs.readFileSync(file, "utf8")).toBe(KUBECONFIG);
        expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    });

    it("a Kubernetes stack without the secret, or with garbage in it: exit 1", () => {
        expect(run(["--stack", "prod"], undefined).result.stderr).toContain(
            "the KUBECONFIG secret is not set",
        );
        expect(run(["--stack", "prod"], undefined).result.code).toBe(1);
        expect(run(["--stack", "prod"], "hello").result.code).toBe(1);
    });

    it("--optional writes it when given and does nothing otherwise", () => {
        expect(run(["--optional"], undefined)).toMatchObject({ result: { code: 0 }, env: {} });
        expect(run(["--optional"], KUBECONFIG).env.KUBECONFIG).toMatch(/kubeconfig-kubeconfig$/);
    });

    it("usage errors exit 2", () => {
        expect(run([], KUBECONFIG).result.code).toBe(2);
        expect(run(["--stack", "staging"], KUBECONFIG).result.code).toBe(2);
        expect(run(["--optional", "--stack", "prod"], KUBECONFIG).result.code).toBe(2);
    });
});
