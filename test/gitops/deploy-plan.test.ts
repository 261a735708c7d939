import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../scripts/gitops/deploy-plan";
import { decideDeploy, type DeployInput } from "../../scripts/gitops/lib/deploy";
import { ENVIRONMENTS, TAGS } from "../../scripts/gitops/lib/stacks";
import {
    DEV_STACK,
    fakePulumi,
    gitRepo,
    PROD_STACK,
    readGithubFile,
    runMainInProcess,
    runScript,
    tempDir,
} from "./support";

describe("ENVIRONMENTS", () => {
    it("dev before prod; prod is the protected one", () => {
        expect(ENVIRONMENTS.map((e) => [e.stack, e.githubEnvironment, e.protected])).toEqual([
            ["dev", "dev", false],
            ["prod", "prod", true],
        ]);
    });
});

describe("decideDeploy", () => {
    const prod = ENVIRONMENTS[1]!;
    const input = (over: Partial<DeployInput>): DeployInput => ({
        environment: prod,
        stackFileExists: true,
        deployedCommit: "a".repeat(40),
        deployedIsAncestor: true,
        changedFiles: [],
        stackFiles: [
            { name: "dev", target: "docker" },
            { name: "prod", target: "kubernetes" },
        ],
        force: false,
        ...over,
    });

    it("deploys what changed since the deployed commit affects", () => {
        expect(decideDeploy(input({ changedFiles: ["Pulumi.prod.yaml"] }))).toEqual({
            stack: "prod",
            deploy: true,
            reason: "1 file(s) changed since aaaaaaaaaaaa affect it",
        });
        expect(decideDeploy(input({ changedFiles: ["components/x.ts"] })).deploy).toBe(true);
    });

    it("skips when nothing since then affects it (docs, tests, another stack)", () => {
        expect(decideDeploy(input({ changedFiles: ["README.md", "Pulumi.dev.yaml"] }))).toEqual({
            stack: "prod",
            deploy: false,
            reason: "nothing since aaaaaaaaaaaa affects it",
        });
        expect(decideDeploy(input({ changedFiles: [] })).deploy).toBe(false);
    });

    it("deploys without a deployed commit, or when that commit is not in the history", () => {
        expect(decideDeploy(input({ deployedCommit: undefined }))).toMatchObject({
            deploy: true,
            reason: "no deployed-commit tag: never deployed by CI",
        });
        expect(decideDeploy(input({ deployedIsAncestor: false }))).toMatchObject({
            deploy: true,
            reason: "aaaaaaaaaaaa is not in this history",
        });
    });

    it("force deploys; a missing stack file never does", () => {
        expect(decideDeploy(input({ force: true })).deploy).toBe(true);
        expect(decideDeploy(input({ force: true, stackFileExists: false }))).toMatchObject({
            deploy: false,
            reason: "no Pulumi.prod.yaml in this commit",
        });
    });
});

describe("deploy-plan.ts", () => {
    function setup() {
        const repo = gitRepo();
        const first = repo.commit({
            "Pulumi.yaml": "name: tidb-cdc-pipeline\n",
            "Pulumi.dev.yaml": DEV_STACK,
            "Pulumi.prod.yaml": PROD_STACK,
            "infra/index.ts": "export {};\n",
        });
        return { repo, first };
    }

    function plan(root: string, fake: ReturnType<typeof fakePulumi>, args: string[]) {
        const output = path.join(tempDir(), "output");
        const result = runScript("deploy-plan.ts", ["plan", ...args], {
            cwd: root,
            env: fake.env({ GITHUB_OUTPUT: output }),
        });
        return { result, outputs: readGithubFile(output) };
    }

    it("first deploy (no tags): both, in order", () => {
        const { repo } = setup();
        const fake = fakePulumi({ stacks: [{ name: "dev" }, { name: "prod" }] });
        const { result, outputs } = plan(repo.dir, fake, ["--head", "HEAD"]);
        expect(result.code, result.stderr).toBe(0);
        expect(outputs.stacks).toBe('["dev","prod"]');
        expect(outputs.policy_packs).toBe("");
        expect(result.stdout).toBe(
            "dev: deploy (no deployed-commit tag: never deployed by CI)\nprod: deploy (no deployed-commit tag: never deployed by CI)\npolicy packs: none\n",
        );
    });

    it("names the guardrails policy pack for the ups when the repository has one", () => {
        const { repo } = setup();
        repo.commit({ "policy/PulumiPolicy.yaml": "runtime: nodejs\n" });
        const fake = fakePulumi({ stacks: [{ name: "dev" }, { name: "prod" }] });
        expect(plan(repo.dir, fake, ["--head", "HEAD"]).outputs.policy_packs).toBe("policy");
    });

    it("only the stacks changed since their deployed commit; a cancelled deploy is caught up", () => {
        const { repo, first } = setup();
        const devChange = repo.commit({
            "Pulumi.dev.yaml": `${DEV_STACK}  tidb-cdc-pipeline:namePrefix: x\n`,
        });
        repo.commit({ "README.md": "docs\n" });
        // prod still runs `first`; dev already runs devChange.
        const fake = fakePulumi({
            stacks: [
                { name: "dev", tags: { [TAGS.deployedCommit]: devChange } },
                { name: "prod", tags: { [TAGS.deployedCommit]: first } },
            ],
        });
        expect(plan(repo.dir, fake, ["--head", "HEAD"]).outputs.stacks).toBe("[]");
        const prodChange = repo.commit({
            "Pulumi.prod.yaml": `${PROD_STACK}  tidb-cdc-pipeline:namePrefix: y\n`,
        });
        const { result, outputs } = plan(repo.dir, fake, ["--head", prodChange]);
        expect(outputs.stacks).toBe('["prod"]');
        expect(result.stdout).toContain(
            `dev: skip (nothing since ${devChange.slice(0, 12)} affects it)`,
        );
        expect(result.stdout).toContain(
            `prod: deploy (3 file(s) changed since ${first.slice(0, 12)} affect it)`,
        );
    });

    it("a deployed commit not in the history (force-push) deploys; --force deploys everything", () => {
        const { repo } = setup();
        const fake = fakePulumi({
            stacks: [
                { name: "dev", tags: { [TAGS.deployedCommit]: "f".repeat(40) } },
                { name: "prod", tags: { [TAGS.deployedCommit]: repo.git("rev-parse", "HEAD") } },
            ],
        });
        expect(plan(repo.dir, fake, ["--head", "HEAD"]).outputs.stacks).toBe('["dev"]');
        expect(plan(repo.dir, fake, ["--head", "HEAD", "--force=true"]).outputs.stacks).toBe(
            '["dev","prod"]',
        );
        expect(plan(repo.dir, fake, ["--head", "HEAD", "--force=false"]).outputs.stacks).toBe(
            '["dev"]',
        );
    });

    it("a stack missing in the backend fails the plan (exit 1)", () => {
        const { repo } = setup();
        const fake = fakePulumi({ stacks: [{ name: "dev" }] });
        const { result } = plan(repo.dir, fake, ["--head", "HEAD"]);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain("no stack named 'prod' found");
    });

    it("record tags the stack with the commit it now runs", () => {
        const fake = fakePulumi({ stacks: [{ name: "prod" }] });
        const sha = "0123456789abcdef0123456789abcdef01234567";
        const result = runScript("deploy-plan.ts", ["record", "--stack", "prod", "--commit", sha], {
            env: fake.env(),
        });
        expect(result.code, result.stderr).toBe(0);
        expect(fake.scenario().stacks?.[0]?.tags).toEqual({ [TAGS.deployedCommit]: sha });
    });

    it("usage errors exit 2", async () => {
        const fake = fakePulumi({});
        for (const args of [
            ["deploy"],
            ["plan"],
            ["record", "--stack", "prod"],
            ["record", "--stack", "prod", "--commit", "main"],
        ]) {
            const result = await runMainInProcess(main, args, { env: fake.env() });
            expect(result.code, args.join(" ")).toBe(2);
        }
        expect(runScript("deploy-plan.ts", ["deploy"], { env: fake.env() }).code).toBe(2);
        expect(fake.calls()).toEqual([]);
    });
});
