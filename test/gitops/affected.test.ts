import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../scripts/gitops/affected-stacks";
import { affectedStacks, classifyPath } from "../../scripts/gitops/lib/affected";
import { readStackFiles, type StackFile } from "../../scripts/gitops/lib/stacks";
import {
    DEV_STACK,
    gitRepo,
    PROD_STACK,
    readGithubFile,
    REPO,
    runMainInProcess,
    runScript,
    tempDir,
} from "./support";

const STACKS: StackFile[] = [
    { name: "dev", target: "docker" },
    { name: "prod", target: "kubernetes" },
];

describe("classifyPath", () => {
    it.each([
        ["Pulumi.dev.yaml", "stack"],
        ["Pulumi.prod.yaml", "stack"],
        ["Pulumi.yaml", "all"],
        ["infra/program.ts", "all"],
        ["components/kafka/topic.ts", "all"],
        ["package.json", "all"],
        ["package-lock.json", "all"],
        ["tsconfig.json", "all"],
        [".github/workflows/preview.yml", "all"],
        [".github/actions/setup/action.yml", "all"],
        ["scripts/gitops/preview.ts", "all"],
        ["scripts/render-manifests.sh", "render"],
        ["scripts/render-manifests.ts", "render"],
        ["scripts/pulumi-toolchain.sh", "render"],
        ["README.md", "none"],
        ["infra/NOTES.md", "none"],
        ["docs/architecture.png", "none"],
        ["test/gitops/ttl.test.ts", "none"],
        ["scripts/lab.sh", "none"],
        ["scripts/verify/main.ts", "none"],
        [".github/CODEOWNERS", "none"],
        ["eslint.config.mjs", "none"],
        ["vitest.config.ts", "none"],
        [".ci/run", "none"],
        ["policy/index.ts", "all"],
        ["Dockerfile", "all"],
    ])("%s → %s", (file, kind) => {
        expect(classifyPath(file).kind).toBe(kind);
    });

    it("names the stack of a stack file, also with ./ and .yml", () => {
        expect(classifyPath("./Pulumi.dev.yaml")).toEqual({ kind: "stack", stack: "dev" });
        expect(classifyPath("Pulumi.staging.yml")).toEqual({ kind: "stack", stack: "staging" });
        expect(classifyPath("infra/Pulumi.dev.yaml").kind).toBe("all");
    });
});

describe("affectedStacks", () => {
    it("a stack file change previews that stack only; prod's also renders its manifests", () => {
        expect(affectedStacks(["Pulumi.dev.yaml"], STACKS)).toMatchObject({
            stacks: ["dev"],
            render: [],
        });
        expect(affectedStacks(["Pulumi.prod.yaml"], STACKS)).toMatchObject({
            stacks: ["prod"],
            render: ["prod"],
        });
    });

    it("a program change previews every stack and renders the Kubernetes ones", () => {
        const result = affectedStacks(["components/flink/sql.ts", "README.md"], STACKS);
        expect(result.stacks).toEqual(["dev", "prod"]);
        expect(result.render).toEqual(["prod"]);
        expect(result.reasons.join("\n")).toContain("components/flink/sql.ts");
    });

    it("documentation and tests only: nothing", () => {
        const result = affectedStacks(["README.md", "test/program/program.test.ts", ""], STACKS);
        expect(result).toMatchObject({ stacks: [], render: [] });
        expect(result.reasons).toEqual([
            "no stack is affected (documentation, tests or tooling only)",
        ]);
        expect(affectedStacks([], STACKS)).toMatchObject({ stacks: [], render: [] });
    });

    it("the render script alone re-renders the manifests without a preview", () => {
        expect(affectedStacks(["scripts/render-manifests.sh"], STACKS)).toMatchObject({
            stacks: [],
            render: ["prod"],
        });
        // …and nothing when no stack runs on Kubernetes.
        expect(affectedStacks(["scripts/render-manifests.sh"], [STACKS[0]!])).toMatchObject({
            stacks: [],
            render: [],
        });
    });

    it("a removed stack file previews nothing, and says so", () => {
        const result = affectedStacks(["Pulumi.old-lab.yaml"], STACKS);
        expect(result.stacks).toEqual([]);
        expect(result.reasons[0]).toBe(
            "old-lab: Pulumi.old-lab.yaml was removed; nothing to preview",
        );
    });

    it("an unclassified path previews everything, to be safe", () => {
        const result = affectedStacks(["bench/run.ts"], STACKS);
        expect(result.stacks).toEqual(["dev", "prod"]);
        expect(result.reasons.join("\n")).toContain("bench/run.ts is not classified");
        expect(affectedStacks(["policy/policies.ts"], STACKS).reasons).toEqual([
            "every stack: the policy pack (policy/policies.ts)",
        ]);
    });

    it("the stacks of this repository are read from its stack files", () => {
        const stacks = readStackFiles(REPO);
        expect(stacks).toContainEqual({ name: "dev", target: "docker" });
        expect(stacks).toContainEqual({ name: "prod", target: "kubernetes" });
    });
});

describe("affected-stacks.ts", () => {
    function repoWithStacks() {
        const repo = gitRepo();
        const base = repo.commit({
            "Pulumi.yaml": "name: tidb-cdc-pipeline\n",
            "Pulumi.dev.yaml": DEV_STACK,
            "Pulumi.prod.yaml": PROD_STACK,
            "infra/index.ts": "export {};\n",
            "README.md": "# readme\n",
        });
        return { repo, base };
    }

    it("reads the changes from git (base...head) and writes the matrix outputs", () => {
        const { repo, base } = repoWithStacks();
        const head = repo.commit({
            "Pulumi.dev.yaml": `${DEV_STACK}  tidb-cdc-pipeline:namePrefix: x\n`,
        });
        const output = path.join(tempDir(), "output");
        const result = runScript("affected-stacks.ts", ["--base", base, "--head", head], {
            cwd: repo.dir,
            env: { PATH: process.env.PATH ?? "", GITHUB_OUTPUT: output },
        });
        expect(result.code).toBe(0);
        expect(JSON.parse(result.stdout)).toEqual({ stacks: ["dev"], render: [] });
        expect(result.stderr).toContain("dev: Pulumi.dev.yaml changed");
        expect(readGithubFile(output)).toEqual({ stacks: '["dev"]', render: "[]", any: "true" });
    });

    it("sees both sides of a rename (the old path too)", () => {
        const { repo, base } = repoWithStacks();
        repo.git("mv", "README.md", "infra/README.txt");
        repo.git("commit", "-q", "-m", "move");
        const head = repo.git("rev-parse", "HEAD");
        const result = runScript("affected-stacks.ts", ["--base", base, "--head", head], {
            cwd: repo.dir,
        });
        expect(result.code).toBe(0);
        expect(JSON.parse(result.stdout)).toEqual({ stacks: ["dev", "prod"], render: ["prod"] });
    });

    it("documentation only: empty matrices and any=false", () => {
        const { repo, base } = repoWithStacks();
        const head = repo.commit({ "README.md": "# changed\n" });
        const output = path.join(tempDir(), "output");
        const result = runScript("affected-stacks.ts", ["--base", base, "--head", head], {
            cwd: repo.dir,
            env: { PATH: process.env.PATH ?? "", GITHUB_OUTPUT: output },
        });
        expect(result.code).toBe(0);
        expect(readGithubFile(output)).toEqual({ stacks: "[]", render: "[]", any: "false" });
    });

    it("takes a file list instead of git (--files, or - for stdin)", () => {
        const list = path.join(tempDir(), "files.txt");
        fs.writeFileSync(list, "Pulumi.prod.yaml\ntest/x.test.ts\n");
        const fromFile = runScript("affected-stacks.ts", ["--files", list]);
        expect(fromFile.code).toBe(0);
        expect(JSON.parse(fromFile.stdout)).toEqual({ stacks: ["prod"], render: ["prod"] });
        const fromStdin = runScript("affected-stacks.ts", ["--files", "-"], {
            input: "components/x.ts\n",
        });
        expect(JSON.parse(fromStdin.stdout)).toEqual({ stacks: ["dev", "prod"], render: ["prod"] });
    });

    it("exit 1 when git cannot diff, exit 2 on a bad command line", async () => {
        const { repo } = repoWithStacks();
        const bad = runScript("affected-stacks.ts", ["--base", "nosuchref", "--head", "HEAD"], {
            cwd: repo.dir,
        });
        expect(bad.code).toBe(1);
        expect(bad.stderr).toContain("affected-stacks: git diff");
        for (const args of [
            [],
            ["--base", "a"],
            ["--base", "a", "--head", "b", "--files", "x"],
            ["--bogus"],
        ]) {
            const usage = await runMainInProcess(main, args, { cwd: repo.dir });
            expect(usage.code, args.join(" ")).toBe(2);
            expect(usage.stderr).toContain("Usage:");
        }
        expect(runScript("affected-stacks.ts", ["--bogus"], { cwd: repo.dir }).code).toBe(2);
    });
});
