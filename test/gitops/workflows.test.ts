/**
 * The workflows cannot run here (no GitHub), so they are checked as data: each file parses as YAML,
 * every step is well-formed, every script a step runs exists and accepts the arguments the step
 * gives it, every step output a workflow reads is one the script writes, the Pulumi actions get
 * only inputs their v6 (and auth v1) action.yml declares, and the properties the issue asks for
 * hold (dev before prod, prod behind its environment, one concurrency group per stack, …).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import * as affectedCli from "../../scripts/gitops/affected-stacks";
import * as deployCli from "../../scripts/gitops/deploy-plan";
import * as kubeconfigCli from "../../scripts/gitops/kubeconfig";
import * as labTtlCli from "../../scripts/gitops/lab-ttl";
import { ENVIRONMENTS } from "../../scripts/gitops/lib/stacks";
import * as manifestsCli from "../../scripts/gitops/manifests-diff";
import * as prCommentCli from "../../scripts/gitops/pr-comment";
import * as previewCli from "../../scripts/gitops/preview";
import * as toolchainCli from "../../scripts/gitops/toolchain";
import { REPO } from "./support";

interface Step {
    id?: string;
    name?: string;
    uses?: string;
    run?: string;
    shell?: string;
    if?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}
interface Job {
    name?: string;
    needs?: string | string[];
    if?: string;
    "runs-on"?: string;
    environment?: string;
    concurrency?: { group: string; "cancel-in-progress"?: boolean };
    strategy?: { matrix?: Record<string, unknown>; "fail-fast"?: boolean };
    outputs?: Record<string, string>;
    env?: Record<string, string>;
    steps: Step[];
}
interface Workflow {
    name: string;
    on: Record<string, unknown>;
    permissions?: Record<string, string>;
    concurrency?: { group: string; "cancel-in-progress"?: boolean };
    env?: Record<string, string>;
    jobs: Record<string, Job>;
}
interface CompositeAction {
    name: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, { value: string }>;
    runs: { using: string; steps: Step[] };
}

const WORKFLOW_DIR = path.join(REPO, ".github", "workflows");
const ACTIONS_DIR = path.join(REPO, ".github", "actions");

function load<T>(file: string): T {
    const doc = parseDocument(fs.readFileSync(file, "utf8"), {
        uniqueKeys: true,
        prettyErrors: true,
    });
    expect(
        doc.errors.map((e) => e.message),
        file,
    ).toEqual([]);
    expect(
        doc.warnings.map((e) => e.message),
        file,
    ).toEqual([]);
    return doc.toJS() as T;
}

const workflowFiles = fs
    .readdirSync(WORKFLOW_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
const workflows = Object.fromEntries(
    workflowFiles.map((f) => [f, load<Workflow>(path.join(WORKFLOW_DIR, f))]),
);
const actionDirs = fs.existsSync(ACTIONS_DIR) ? fs.readdirSync(ACTIONS_DIR).sort() : [];
const actions = Object.fromEntries(
    actionDirs.map((d) => [d, load<CompositeAction>(path.join(ACTIONS_DIR, d, "action.yml"))]),
);

/** Every step with where it is, workflows and composite actions alike. */
function allSteps(): { where: string; step: Step; job?: Job; workflow?: Workflow }[] {
    const list: { where: string; step: Step; job?: Job; workflow?: Workflow }[] = [];
    for (const [file, wf] of Object.entries(workflows)) {
        for (const [jobId, job] of Object.entries(wf.jobs)) {
            job.steps.forEach((step, i) =>
                list.push({
                    where: `${file} ${jobId} step ${i + 1} (${step.name ?? step.uses ?? ""})`,
                    step,
                    job,
                    workflow: wf,
                }),
            );
        }
    }
    for (const [dir, action] of Object.entries(actions)) {
        action.runs.steps.forEach((step, i) =>
            list.push({ where: `actions/${dir} step ${i + 1}`, step }),
        );
    }
    return list;
}

/** The scripts the workflows may call, with their argument parsers and declared outputs. */
const SCRIPTS: Record<
    string,
    { parseArgs: (argv: readonly string[]) => unknown; outputs: readonly string[] }
> = {
    "scripts/gitops/affected-stacks.ts": {
        parseArgs: affectedCli.parseArgs,
        outputs: affectedCli.OUTPUTS,
    },
    "scripts/gitops/deploy-plan.ts": { parseArgs: deployCli.parseArgs, outputs: deployCli.OUTPUTS },
    "scripts/gitops/kubeconfig.ts": { parseArgs: kubeconfigCli.parseArgs, outputs: [] },
    "scripts/gitops/lab-ttl.ts": { parseArgs: labTtlCli.parseArgs, outputs: [] },
    "scripts/gitops/manifests-diff.ts": { parseArgs: manifestsCli.parseArgs, outputs: [] },
    "scripts/gitops/pr-comment.ts": { parseArgs: prCommentCli.parseArgs, outputs: [] },
    "scripts/gitops/preview.ts": { parseArgs: previewCli.parseArgs, outputs: previewCli.OUTPUTS },
    "scripts/gitops/toolchain.ts": {
        parseArgs: toolchainCli.parseArgs,
        outputs: toolchainCli.OUTPUTS,
    },
};

/** A plausible value for an env variable defined by an expression, to run argument parsers on. */
function sampleValue(value: string): string {
    if (!value.includes("${{")) return value;
    if (/\bsha\b/.test(value)) return "0123456789abcdef0123456789abcdef01234567";
    if (/\.number\b/.test(value)) return "7";
    if (/\|\|\s*false\s*}}/.test(value)) return "false";
    if (/matrix\.stack/.test(value)) return value.replace(/\$\{\{[^}]*\}\}/g, "prod");
    return "sample";
}

const GITHUB_DEFAULT_ENV: Record<string, string> = {
    GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
    RUNNER_TEMP: "/home/runner/work/_temp",
    GITHUB_OUTPUT: "/home/runner/work/_temp/out",
    GITHUB_ENV: "/home/runner/work/_temp/env",
};

/** Splits a `run:` line as bash would for these simple commands: quotes, $VAR, ${VAR}. */
function shellWords(line: string, env: Record<string, string>): string[] {
    const words: string[] = [];
    const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S)/g;
    let current: string | undefined;
    let last = -1;
    const expand = (text: string) =>
        text.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => {
            if (!(name in env)) throw new Error(`$${name} is not defined for this step`);
            return env[name] as string;
        });
    for (const match of line.matchAll(re)) {
        const index = match.index;
        if (current !== undefined && index !== last) {
            words.push(current);
            current = undefined;
        }
        const piece =
            match[1] !== undefined
                ? expand(match[1])
                : match[2] !== undefined
                  ? match[2]
                  : expand(match[3] as string);
        current = (current ?? "") + piece;
        last = index + match[0].length;
    }
    if (current !== undefined) words.push(current);
    return words;
}

describe("workflow files", () => {
    it("are the three of the issue, plus the shared setup action", () => {
        expect(workflowFiles).toEqual(["deploy.yml", "lab-ttl.yml", "preview.yml"]);
        expect(actionDirs).toEqual(["setup"]);
    });

    it.each(workflowFiles)(
        "%s has a name, triggers, jobs with runners and well-formed steps",
        (file) => {
            const wf = workflows[file] as Workflow;
            expect(typeof wf.name).toBe("string");
            expect(Object.keys(wf.on).length).toBeGreaterThan(0);
            for (const [id, job] of Object.entries(wf.jobs)) {
                expect(job["runs-on"], id).toBeTruthy();
                expect(Array.isArray(job.steps) && job.steps.length > 0, id).toBe(true);
                for (const need of [job.needs ?? []].flat())
                    expect(Object.keys(wf.jobs), id).toContain(need);
                expect(job.steps[0]?.uses, `${id} starts with a checkout`).toBe(
                    "actions/checkout@v4",
                );
            }
        },
    );

    it("every step either uses an action or runs a command; composite run steps name their shell", () => {
        for (const { where, step, job } of allSteps()) {
            expect(
                [step.uses, step.run].filter((x) => x !== undefined),
                where,
            ).toHaveLength(1);
            if (!job && step.run !== undefined) expect(step.shell, where).toBe("bash");
        }
    });

    it("actions are pinned to a major version, and local actions exist", () => {
        const allowed =
            /^(actions\/(checkout|setup-node|upload-artifact)@v4|pulumi\/actions@v6|pulumi\/auth-actions@v1)$/;
        for (const { where, step } of allSteps()) {
            if (!step.uses) continue;
            if (step.uses.startsWith("./")) {
                expect(fs.existsSync(path.join(REPO, step.uses, "action.yml")), where).toBe(true);
            } else {
                expect(step.uses, where).toMatch(allowed);
            }
        }
    });

    it("pulumi/actions and pulumi/auth-actions get only inputs their action.yml declares", () => {
        // pulumi/actions v6.6.1 action.yml, and pulumi/auth-actions v1.
        const pulumiInputs = new Set([
            "always-include-summary",
            "cloud-url",
            "color",
            "command",
            "comment-on-pr",
            "comment-on-pr-number",
            "comment-on-summary",
            "config-map",
            "continue-on-error",
            "debug",
            "diff",
            "edit-pr-comment",
            "exclude",
            "exclude-dependents",
            "exclude-protected",
            "expect-no-changes",
            "github-token",
            "log-flow",
            "log-verbosity",
            "message",
            "parallel",
            "plan",
            "policyPackConfigs",
            "policyPacks",
            "pulumi-version",
            "pulumi-version-file",
            "refresh",
            "remove",
            "replace",
            "secrets-provider",
            "stack-name",
            "suppress-outputs",
            "suppress-progress",
            "target",
            "target-dependents",
            "upsert",
            "work-dir",
        ]);
        const authInputs = new Set([
            "organization",
            "requested-token-type",
            "scope",
            "token-expiration",
            "export-environment-variables",
            "cloud-url",
        ]);
        let used = 0;
        for (const { where, step } of allSteps()) {
            const inputs = Object.keys(step.with ?? {});
            if (step.uses?.startsWith("pulumi/actions@")) {
                used++;
                for (const input of inputs)
                    expect(pulumiInputs.has(input), `${where}: ${input}`).toBe(true);
                const command = step.with?.command as string | undefined;
                if (command !== undefined) {
                    expect(
                        ["up", "update", "refresh", "destroy", "preview", "output"],
                        where,
                    ).toContain(command);
                    expect(step.with?.["stack-name"], where).toBeTruthy();
                }
            }
            if (step.uses?.startsWith("pulumi/auth-actions@")) {
                for (const input of inputs)
                    expect(authInputs.has(input), `${where}: ${input}`).toBe(true);
                expect(step.with?.organization, where).toBeTruthy();
            }
        }
        expect(used).toBeGreaterThan(0);
    });

    it("run steps take GitHub expressions only through env (no ${{ }} inside a script)", () => {
        for (const { where, step } of allSteps()) {
            if (step.run !== undefined) expect(step.run, where).not.toContain("${{");
        }
    });

    it("every command a step runs is an existing file, and node/tsx scripts accept the step's arguments", () => {
        let checked = 0;
        for (const { where, step, job, workflow } of allSteps()) {
            if (step.run === undefined) continue;
            const env = { ...GITHUB_DEFAULT_ENV };
            for (const [k, v] of Object.entries({ ...workflow?.env, ...job?.env, ...step.env }))
                env[k] = sampleValue(String(v));
            for (const line of step.run
                .replace(/\\\n/g, " ")
                .split("\n")
                .filter((l) => l.trim())) {
                const words = shellWords(line, env);
                const [command, ...args] = words;
                if (command === "npm") {
                    expect(args[0], where).toBe("ci");
                    continue;
                }
                // Only the repository's own programs: tsx from node_modules, node or bash on a file.
                expect(["node_modules/.bin/tsx", "node", "bash"], `${where}: ${line}`).toContain(
                    command,
                );
                const [script, ...scriptArgs] = args;
                expect(script, where).toBeDefined();
                expect(
                    fs.existsSync(path.join(REPO, script as string)),
                    `${where}: ${script} exists`,
                ).toBe(true);
                if (command === "node_modules/.bin/tsx") {
                    expect(fs.existsSync(path.join(REPO, command)), "tsx is installed").toBe(true);
                    const cli = SCRIPTS[script as string];
                    expect(cli, `${where}: ${script} is a known CLI`).toBeDefined();
                    expect(() => cli?.parseArgs(scriptArgs), `${where}: ${line}`).not.toThrow();
                    checked++;
                }
            }
        }
        expect(checked).toBeGreaterThanOrEqual(12);
    });

    it("every step output read is one the step's script (or action) writes; job outputs come from existing steps", () => {
        const stepOutputs = (steps: Step[], id: string): readonly string[] | undefined => {
            const step = steps.find((s) => s.id === id);
            if (!step) return undefined;
            if (step.uses?.startsWith("./.github/actions/")) {
                const action = actions[path.basename(step.uses)];
                return Object.keys(action?.outputs ?? {});
            }
            if (step.uses?.startsWith("pulumi/actions@")) return ["output"];
            const script = /node_modules\/\.bin\/tsx (\S+)/.exec(step.run ?? "")?.[1];
            return script ? SCRIPTS[script]?.outputs : [];
        };
        const check = (text: string, steps: Step[], where: string) => {
            for (const [, id, name] of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
                const outputs = stepOutputs(steps, id as string);
                expect(outputs, `${where}: step ${id} exists`).toBeDefined();
                expect(outputs, `${where}: steps.${id}.outputs.${name}`).toContain(name);
            }
        };
        for (const [file, wf] of Object.entries(workflows)) {
            for (const [jobId, job] of Object.entries(wf.jobs)) {
                check(JSON.stringify(job), job.steps, `${file} ${jobId}`);
                for (const [, need, name] of JSON.stringify(job).matchAll(
                    /needs\.([\w-]+)\.outputs\.([\w-]+)/g,
                )) {
                    expect([job.needs ?? []].flat(), `${file} ${jobId} needs ${need}`).toContain(
                        need,
                    );
                    expect(
                        Object.keys(wf.jobs[need as string]?.outputs ?? {}),
                        `${file} ${jobId}: ${need}.${name}`,
                    ).toContain(name);
                }
            }
        }
        for (const [dir, action] of Object.entries(actions))
            check(JSON.stringify(action), action.runs.steps, dir);
    });
});

function runLines(job: Job): string[] {
    return job.steps.flatMap((s) => (s.run ? [s.run] : []));
}

describe("preview.yml", () => {
    const wf = workflows["preview.yml"] as Workflow;

    it("runs on pull requests and may write comments", () => {
        expect(Object.keys(wf.on)).toEqual(["pull_request"]);
        expect(wf.permissions).toMatchObject({ contents: "read", "pull-requests": "write" });
    });

    it("previews each affected stack in a matrix, cancelling superseded runs per stack", () => {
        const job = wf.jobs.preview as Job;
        expect(job.needs).toBe("affected");
        expect(job.strategy?.matrix?.stack).toBe("${{ fromJSON(needs.affected.outputs.stacks) }}");
        expect(job.if).toBe("needs.affected.outputs.stacks != '[]'");
        expect(job.concurrency).toEqual({
            group: "preview-${{ github.event.pull_request.number }}-${{ matrix.stack }}",
            "cancel-in-progress": true,
        });
        expect(job.env).toHaveProperty("PULUMI_ACCESS_TOKEN");
        expect(job.env).toHaveProperty("PULUMI_CONFIG_PASSPHRASE");
    });

    it("posts the comment the preview wrote, also when the preview failed", () => {
        const job = wf.jobs.preview as Job;
        const previewStep = job.steps.find((s) => s.run?.includes("preview.ts")) as Step;
        const commentStep = job.steps.find((s) => s.run?.includes("pr-comment.ts")) as Step;
        const out = /--out "([^"]+)"/.exec(previewStep.run as string)?.[1];
        expect(commentStep.run).toContain(`--body-file "${out}/comment.md"`);
        expect(commentStep.if).toContain("!cancelled()");
        expect(commentStep.if).toContain(`steps.${previewStep.id}.outcome != 'skipped'`);
    });

    it("renders the affected Kubernetes stacks' manifests against the base and comments them", () => {
        const job = wf.jobs.manifests as Job;
        expect(job.strategy?.matrix?.stack).toBe("${{ fromJSON(needs.affected.outputs.render) }}");
        expect(job.steps[0]?.with).toEqual({ "fetch-depth": 0 }); // the base commit must be there
        const lines = runLines(job).join("\n");
        expect(lines).toContain("toolchain.ts plugins --only kubernetes");
        expect(lines).toContain('manifests-diff.ts --stack "$STACK" --base-ref "$BASE_SHA"');
        expect(lines).toContain('--body-file "$RUNNER_TEMP/manifests/comment.md"');
        expect(fs.existsSync(path.join(REPO, manifestsCli.RENDER_SCRIPT))).toBe(true);
    });

    it("decides the stacks from the pull request's changes, with its history", () => {
        const job = wf.jobs.affected as Job;
        expect(job.steps[0]?.with).toEqual({ "fetch-depth": 0 });
        expect(job.steps.find((s) => s.id === "affected")?.env).toEqual({
            BASE_SHA: "${{ github.event.pull_request.base.sha }}",
            HEAD_SHA: "${{ github.sha }}",
        });
    });
});

describe("deploy.yml", () => {
    const wf = workflows["deploy.yml"] as Workflow;

    it("runs on pushes to main (and by hand)", () => {
        expect(wf.on).toMatchObject({ push: { branches: ["main"] } });
        expect(wf.on).toHaveProperty("workflow_dispatch");
        expect(wf.env).toHaveProperty("PULUMI_ACCESS_TOKEN");
    });

    it("one job per environment, in the order of ENVIRONMENTS, each waiting for the one before", () => {
        const order = ENVIRONMENTS.map((e) => e.stack);
        expect(order).toEqual(["dev", "prod"]);
        order.forEach((stack, i) => {
            const job = wf.jobs[stack] as Job;
            expect(job, stack).toBeDefined();
            const needs = [job.needs ?? []].flat();
            expect(needs).toContain("plan");
            if (i > 0) {
                expect(needs).toContain(order[i - 1]);
                // A skipped earlier environment does not block; a failed one does.
                expect(job.if).toContain(
                    `needs.${order[i - 1]}.result == 'success' || needs.${order[i - 1]}.result == 'skipped'`,
                );
            }
            expect(job.if).toContain(`contains(fromJSON(needs.plan.outputs.stacks), '${stack}')`);
        });
    });

    it("one concurrency group per stack, never cancelling an up in progress", () => {
        for (const env of ENVIRONMENTS) {
            expect((wf.jobs[env.stack] as Job).concurrency).toEqual({
                group: `pulumi-stack-${env.stack}`,
                "cancel-in-progress": false,
            });
        }
    });

    it("prod runs in its GitHub environment (required reviewers are set there)", () => {
        for (const env of ENVIRONMENTS)
            expect((wf.jobs[env.stack] as Job).environment).toBe(env.githubEnvironment);
        expect((wf.jobs.prod as Job).environment).toBe("prod");
    });

    it("each job runs pulumi up on its own stack with the policy packs, then records the commit", () => {
        for (const env of ENVIRONMENTS) {
            const steps = (wf.jobs[env.stack] as Job).steps;
            const up = steps.findIndex(
                (s) => s.uses === "pulumi/actions@v6" && s.with?.command === "up",
            );
            expect(up, env.stack).toBeGreaterThan(-1);
            expect(steps[up]?.with).toMatchObject({
                "stack-name": env.stack,
                policyPacks: "${{ needs.plan.outputs.policy_packs }}",
            });
            expect(steps[up]?.with, "stacks are created by hand, never by CI").not.toHaveProperty(
                "upsert",
            );
            const record = steps.findIndex((s) => s.run?.includes("deploy-plan.ts record"));
            expect(record, env.stack).toBeGreaterThan(up);
            expect(steps[record]?.run).toContain(`--stack ${env.stack} --commit "$GITHUB_SHA"`);
            expect(steps[record]?.if, "only after a successful up").toBeUndefined();
        }
    });

    it("plans with the whole history (the last deployed commit must be reachable)", () => {
        expect((wf.jobs.plan as Job).steps[0]?.with).toEqual({ "fetch-depth": 0 });
    });
});

describe("lab-ttl.yml", () => {
    const wf = workflows["lab-ttl.yml"] as Workflow;

    it("runs on a schedule and by hand, never two at once", () => {
        expect(wf.on).toHaveProperty("schedule");
        expect((wf.on.schedule as { cron: string }[])[0]?.cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
        expect(wf.on).toHaveProperty("workflow_dispatch");
        expect(wf.concurrency).toEqual({ group: "lab-ttl", "cancel-in-progress": false });
    });

    it("runs the TTL runner, dry-run only when asked", () => {
        const job = wf.jobs.teardown as Job;
        const step = job.steps.find((s) => s.run?.includes("lab-ttl.ts")) as Step;
        expect(step.run).toBe(
            'node_modules/.bin/tsx scripts/gitops/lab-ttl.ts run --dry-run="$DRY_RUN"',
        );
        expect(step.env?.DRY_RUN).toBe("${{ inputs.dry-run || false }}");
        expect(labTtlCli.parseArgs(["run", "--dry-run=false"])).toMatchObject({ dryRun: false });
        expect(job.env).toHaveProperty("PULUMI_BACKEND_URL");
    });
});
