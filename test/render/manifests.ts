/**
 * Rendered Kubernetes manifests: run scripts/render-manifests.sh, read what it wrote, and validate
 * each object: custom resources against the CRDs in ../shared/crds (test/support/crd-schema.ts),
 * core kinds against the Kubernetes OpenAPI schemas compiled into the `kubernetes-models` package.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as apps from "kubernetes-models/apps/v1";
import * as batch from "kubernetes-models/batch/v1";
import * as networking from "kubernetes-models/networking.k8s.io/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as rbac from "kubernetes-models/rbac.authorization.k8s.io/v1";
import * as core from "kubernetes-models/v1";
import { parseAllDocuments } from "yaml";
import { crdErrors } from "../support/crd-schema";

export const ROOT = path.resolve(__dirname, "../..");

export interface RenderRun {
    /** Wall time of the whole script (toolchain check, tsc build, pulumi up). */
    seconds: number;
    /** What the script printed (pulumi's output, the list of what was left out). */
    log: string;
}

/** scripts/render-manifests.sh <stack> <outDir>; rejects with the script's output on failure. */
export function renderStack(
    stack: string,
    outDir: string,
    env: Record<string, string> = {},
): Promise<RenderRun> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn("bash", ["scripts/render-manifests.sh", stack, outDir], {
            cwd: ROOT,
            env: { ...process.env, ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let log = "";
        child.stdout.on("data", (chunk: Buffer) => (log += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => {
            if (code === 0) resolve({ seconds: (Date.now() - started) / 1000, log });
            else reject(new Error(`render-manifests.sh exited with ${code}:\n${log}`));
        });
    });
}

/** Every file under `dir`, as paths relative to it, sorted. */
export function listFiles(dir: string): string[] {
    const files: string[] = [];
    const walk = (at: string) => {
        for (const entry of fs.readdirSync(path.join(dir, at), { withFileTypes: true })) {
            const rel = path.join(at, entry.name);
            if (entry.isDirectory()) walk(rel);
            else files.push(rel);
        }
    };
    walk("");
    return files.sort();
}

export interface KubernetesObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; [field: string]: unknown };
    [field: string]: unknown;
}

export interface RenderedManifest {
    /** Path relative to the render directory. */
    file: string;
    object: KubernetesObject;
}

/** The objects of every YAML file under `dir` (one or more documents each). */
export function readManifests(dir: string): RenderedManifest[] {
    return listFiles(dir)
        .filter((file) => file.endsWith(".yaml"))
        .flatMap((file) =>
            parseAllDocuments(fs.readFileSync(path.join(dir, file), "utf8"))
                .map((doc) => {
                    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.join("; ")}`);
                    return doc.toJS() as KubernetesObject | null;
                })
                .filter((object): object is KubernetesObject => object !== null)
                .map((object) => ({ file, object })),
        );
}

interface ModelClass {
    new (data: unknown): { validate(): void };
}

/** The built-in API groups a stack renders; another group's object fails as an unknown CRD. */
const BUILT_IN: Record<string, Record<string, unknown>> = {
    v1: core,
    "apps/v1": apps,
    "batch/v1": batch,
    "networking.k8s.io/v1": networking,
    "policy/v1": policy,
    "rbac.authorization.k8s.io/v1": rbac,
};

/** The kubernetes-models class of a built-in kind, or undefined for custom resources. */
function modelFor(apiVersion: string, kind: string): ModelClass | undefined {
    const model = BUILT_IN[apiVersion]?.[kind];
    return typeof model === "function" ? (model as ModelClass) : undefined;
}

export interface Validation {
    /** "core" (Kubernetes OpenAPI) or "crd" (../shared/crds). */
    against: "core" | "crd";
    errors: string[];
}

/** Validate one object: built-in kinds by their OpenAPI schema, the rest by their CRD. */
export function validateObject(object: KubernetesObject): Validation {
    const model = modelFor(object.apiVersion, object.kind);
    if (model === undefined) return { against: "crd", errors: crdErrors(object) };
    try {
        new model(object).validate();
        return { against: "core", errors: [] };
    } catch (err) {
        return { against: "core", errors: [err instanceof Error ? err.message : String(err)] };
    }
}
