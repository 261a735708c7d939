/**
 * The project's stacks as the GitOps scripts see them: the stack files at the repository root,
 * the environments `deploy.yml` brings up (in order), and the stack tags the scripts read and write.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export const PROJECT = "tidb-cdc-pipeline";

/** Stack tags (Pulumi stack tags, `pulumi stack tag ls`), all under the project's namespace. */
export const TAGS = {
    /** `true` marks a disposable lab stack; only such stacks are ever destroyed by the TTL job. */
    lab: `${PROJECT}:lab`,
    /** A duration counted from created-at (`8h`, `3d`, `1d12h`) or an absolute expiry (ISO 8601). */
    ttl: `${PROJECT}:ttl`,
    /** When the lab stack was created (ISO 8601, UTC), set once by `lab-ttl.ts mark`. */
    createdAt: `${PROJECT}:created-at`,
    /** The commit the deploy workflow last brought up on the stack (set after a successful up). */
    deployedCommit: `${PROJECT}:deployed-commit`,
} as const;

export interface Environment {
    /** The Pulumi stack (its config is Pulumi.<stack>.yaml). */
    stack: string;
    /** The GitHub environment the deploy job runs in (required reviewers are set on it). */
    githubEnvironment: string;
    /** Never a lab stack: the TTL job refuses to treat it as one, whatever its tags say. */
    protected: boolean;
}

/** The environments of deploy.yml, in deployment order: dev first, prod after it. */
export const ENVIRONMENTS: readonly Environment[] = [
    { stack: "dev", githubEnvironment: "dev", protected: false },
    { stack: "prod", githubEnvironment: "prod", protected: true },
];

export const PROTECTED_STACKS: readonly string[] = ENVIRONMENTS.filter((e) => e.protected).map(
    (e) => e.stack,
);

export interface StackFile {
    /** The stack name from the file name: Pulumi.<name>.yaml. */
    name: string;
    /** `tidb-cdc-pipeline:target` of the stack file (docker, kubernetes), when it has one. */
    target: string | undefined;
}

/** `Pulumi.dev.yaml` → `dev`; the project file and anything not at the root → undefined. */
export function stackNameOfFile(file: string): string | undefined {
    const match = /^Pulumi\.([^/]+)\.ya?ml$/.exec(file);
    return match ? match[1] : undefined;
}

/** The stack's target from the text of its stack file. */
export function targetOfStackFile(text: string): string | undefined {
    const doc = parse(text) as { config?: Record<string, unknown> } | null;
    const target = doc?.config?.[`${PROJECT}:target`];
    return typeof target === "string" ? target : undefined;
}

/** The stack files at the repository root, sorted by stack name. */
export function readStackFiles(root: string): StackFile[] {
    return fs
        .readdirSync(root)
        .map((file) => ({ file, name: stackNameOfFile(file) }))
        .filter((entry): entry is { file: string; name: string } => entry.name !== undefined)
        .map(({ file, name }) => ({
            name,
            target: targetOfStackFile(fs.readFileSync(path.join(root, file), "utf8")),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
}

export function stackFilePath(root: string, stack: string): string | undefined {
    const base = stack.split("/").pop() as string;
    for (const ext of ["yaml", "yml"]) {
        const file = path.join(root, `Pulumi.${base}.${ext}`);
        if (fs.existsSync(file)) return file;
    }
    return undefined;
}

/** The policy pack directory every preview and up runs with (the guardrails), if the repo has one. */
export const POLICY_PACK = "policy";

export function defaultPolicyPacks(root: string): string[] {
    return fs.existsSync(path.join(root, POLICY_PACK, "PulumiPolicy.yaml")) ? [POLICY_PACK] : [];
}
