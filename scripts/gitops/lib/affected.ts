/**
 * Which stacks a change affects, from the list of changed files (`git diff --name-only`).
 *
 * | path                                                           | effect                          |
 * | -------------------------------------------------------------- | ------------------------------- |
 * | `Pulumi.<stack>.yaml`                                          | that stack                      |
 * | `Pulumi.yaml`, `infra/`, `components/`, `package.json`,        | every stack                     |
 * | `package-lock.json`, `tsconfig.json`                           |                                 |
 * | `.github/workflows/`, `.github/actions/`, `scripts/gitops/`    | every stack                     |
 * | (how stacks are previewed and deployed)                        |                                 |
 * | `policy/` (the guardrails every preview and up runs)           | every stack                     |
 * | `scripts/render-manifests.*`, `scripts/pulumi-toolchain.sh`    | the manifests of the Kubernetes |
 * |                                                                | stacks only (no preview)        |
 * | docs (`*.md` anywhere, `docs/`), tests (`test/`), other        | nothing                         |
 * | `scripts/`,                                                    |                                 |
 * | lint/format/test config, `.ci/`, the rest of `.github/`        |                                 |
 * | anything else                                                  | every stack (to be safe)        |
 *
 * A stack whose file the change removes is not previewed (there is nothing left to preview).
 * The manifests are rendered for the affected stacks whose target is `kubernetes`.
 */
import type { StackFile } from "./stacks";
import { stackNameOfFile } from "./stacks";

export type PathEffect =
    | { kind: "all"; reason: string }
    | { kind: "stack"; stack: string }
    | { kind: "render"; reason: string }
    | { kind: "none" };

const PROGRAM = [/^infra\//, /^components\//, /^package\.json$/, /^package-lock\.json$/];
const PROGRAM_SETTINGS = [/^Pulumi\.ya?ml$/, /^tsconfig\.json$/];
const MACHINERY = [/^\.github\/workflows\//, /^\.github\/actions\//, /^scripts\/gitops\//];
const POLICY = [/^policy\//];
const RENDERING = [/^scripts\/render-manifests\.[a-z]+$/, /^scripts\/pulumi-toolchain\.sh$/];
const NEUTRAL = [
    /^docs\//,
    /^test\//,
    /^scripts\//,
    /^\.ci\//,
    /^\.github\//,
    /^LICENSE/,
    /^\.gitignore$/,
    /^\.prettierrc(\.json)?$/,
    /^\.prettierignore$/,
    /^eslint\.config\.[cm]?js$/,
    /^vitest\.config\.ts$/,
];

export function classifyPath(file: string): PathEffect {
    const p = file.replace(/^\.\//, "");
    const stack = stackNameOfFile(p);
    if (stack !== undefined) return { kind: "stack", stack };
    if (/\.md$/i.test(p)) return { kind: "none" };
    if (PROGRAM_SETTINGS.some((re) => re.test(p))) return { kind: "all", reason: `${p} changed` };
    if (PROGRAM.some((re) => re.test(p))) return { kind: "all", reason: `the program (${p})` };
    if (MACHINERY.some((re) => re.test(p))) {
        return { kind: "all", reason: `how stacks are previewed and deployed (${p})` };
    }
    if (POLICY.some((re) => re.test(p))) return { kind: "all", reason: `the policy pack (${p})` };
    if (RENDERING.some((re) => re.test(p))) return { kind: "render", reason: `${p} changed` };
    if (NEUTRAL.some((re) => re.test(p))) return { kind: "none" };
    return { kind: "all", reason: `${p} is not classified, so every stack is previewed` };
}

export interface Affected {
    /** Stacks to preview (or deploy), sorted. */
    stacks: string[];
    /** Kubernetes stacks whose manifests to render and diff, sorted. */
    render: string[];
    /** One line per decision, for the log. */
    reasons: string[];
}

export function affectedStacks(changedFiles: readonly string[], stackFiles: readonly StackFile[]) {
    const existing = new Map(stackFiles.map((s) => [s.name, s]));
    const stacks = new Set<string>();
    const render = new Set<string>();
    const reasons: string[] = [];
    const kubernetes = stackFiles.filter((s) => s.target === "kubernetes").map((s) => s.name);
    let all: string | undefined;
    let rendering: string | undefined;

    for (const file of changedFiles) {
        if (file.trim() === "") continue;
        const effect = classifyPath(file.trim());
        switch (effect.kind) {
            case "all":
                all ??= effect.reason;
                break;
            case "render":
                rendering ??= effect.reason;
                break;
            case "stack":
                if (existing.has(effect.stack)) {
                    if (!stacks.has(effect.stack)) reasons.push(`${effect.stack}: ${file} changed`);
                    stacks.add(effect.stack);
                } else {
                    reasons.push(`${effect.stack}: ${file} was removed; nothing to preview`);
                }
                break;
            case "none":
                break;
        }
    }
    if (all !== undefined) {
        for (const s of stackFiles) stacks.add(s.name);
        reasons.push(`every stack: ${all}`);
    }
    for (const name of stacks) if (existing.get(name)?.target === "kubernetes") render.add(name);
    if (rendering !== undefined && kubernetes.length > 0) {
        for (const name of kubernetes) render.add(name);
        reasons.push(`manifests of ${kubernetes.join(", ")}: ${rendering}`);
    }
    if (stacks.size === 0 && render.size === 0) {
        reasons.push("no stack is affected (documentation, tests or tooling only)");
    }
    const sorted = (set: Set<string>) => [...set].sort((a, b) => a.localeCompare(b));
    return { stacks: sorted(stacks), render: sorted(render), reasons } satisfies Affected;
}
