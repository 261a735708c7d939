/**
 * Runs this project's program through the Pulumi Automation API as an *inline* program:
 *
 *     node <compiled>/scripts/engine/inline.js <request.json> <result.json>
 *
 * Why inline: the engine then talks to this process directly and needs no Node.js language host
 * (`pulumi-language-nodejs`), which the Go module proxy here does not serve; the CLI alone is
 * enough (scripts/pulumi-toolchain.sh). It must run from JavaScript compiled by tsc, not under a
 * bundler or vitest's module transform, because dynamic providers are serialized from the loaded
 * modules (test/platform/serialized-providers.test.ts).
 *
 * The request names the action, the stack, a work directory holding Pulumi.yaml (and the stack's
 * Pulumi.<stack>.yaml, if any) and config to set first. The result file receives the engine's
 * summary, one entry per resource step (op, diffs) and the stack outputs. Engine output goes to
 * stderr. The backend and passphrase come from the environment (PULUMI_BACKEND_URL,
 * PULUMI_CONFIG_PASSPHRASE), as for the CLI.
 */
import { writeFileSync, readFileSync } from "node:fs";
import { type EngineEvent, LocalWorkspace } from "@pulumi/pulumi/automation";
import { createStack } from "../../infra/program";

export type InlineAction = "up" | "preview" | "refresh" | "destroy" | "outputs" | "remove";

export interface InlineRequest {
    action: InlineAction;
    stack: string;
    /** Directory with Pulumi.yaml; the engine starts plugins there, so node_modules must resolve. */
    workDir: string;
    /** Set before the action: `<project>:<key>` → value (objects as JSON strings). */
    config?: Record<string, { value: string; secret?: boolean }>;
    /** Config keys to remove before the action. */
    removeConfig?: string[];
    /** `pulumi up --refresh`. */
    refresh?: boolean;
    /** Fail if the action would change anything (`--expect-no-changes`). */
    expectNoChanges?: boolean;
    /** preview/up: policy pack directories (`--policy-pack`) and their config files. */
    policyPacks?: string[];
    policyPackConfigs?: string[];
}

/** One resource step as the engine reported it. */
export interface InlineStep {
    urn: string;
    type: string;
    name: string;
    op: string;
    /** Top-level property names that differ (refresh: state vs what the provider read). */
    diffs: string[];
}

export interface InlineResult {
    ok: boolean;
    /** The engine's count per operation (create, update, replace, delete, same, …). */
    changes: Record<string, number>;
    steps: InlineStep[];
    outputs: Record<string, unknown>;
    /** The failure, when ok is false: the engine's message (secrets are never in it). */
    error?: string;
}

function nameOf(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    const type = parts[2]?.split("$").pop() ?? "";
    return { type, name: parts[3] ?? "" };
}

/** Top-level keys whose values differ (both sides present). */
function changedKeys(
    before: Record<string, unknown> | undefined,
    after: Record<string, unknown> | undefined,
): string[] {
    if (!before || !after) return [];
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys]
        .filter((key) => key !== "__provider")
        .filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))
        .sort();
}

async function run(request: InlineRequest, steps: InlineStep[]): Promise<InlineResult> {
    const program = () => Promise.resolve(createStack().outputs);
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: request.stack, projectName: "tidb-cdc-pipeline", program },
        { workDir: request.workDir },
    );
    if (request.config) await stack.setAllConfig(request.config);
    if (request.removeConfig?.length) await stack.removeAllConfig(request.removeConfig);

    const onEvent = (event: EngineEvent) => {
        const metadata = event.resOutputsEvent?.metadata ?? event.resOpFailedEvent?.metadata;
        if (!metadata || metadata.type === "pulumi:pulumi:Stack") return;
        steps.push({
            urn: metadata.urn,
            ...nameOf(metadata.urn),
            op: metadata.op,
            // A refresh reports no property diffs of its own: compare what it read with the state.
            diffs: metadata.diffs?.length
                ? metadata.diffs
                : changedKeys(metadata.old?.outputs, metadata.new?.outputs),
        });
    };
    const log = (out: string) => process.stderr.write(out);
    const common = { onOutput: log, onEvent, color: "never" as const };
    const policy = {
        policyPacks: request.policyPacks,
        policyPackConfigs: request.policyPackConfigs,
    };
    let changes: Record<string, number> = {};
    switch (request.action) {
        case "up": {
            const result = await stack.up({
                ...common,
                ...policy,
                refresh: request.refresh,
                expectNoChanges: request.expectNoChanges,
            });
            changes = result.summary.resourceChanges ?? {};
            break;
        }
        case "preview": {
            const result = await stack.preview({
                ...common,
                ...policy,
                refresh: request.refresh,
                expectNoChanges: request.expectNoChanges,
                diff: true,
            });
            changes = result.changeSummary;
            break;
        }
        case "refresh": {
            const result = await stack.refresh({
                ...common,
                expectNoChanges: request.expectNoChanges,
            });
            changes = result.summary.resourceChanges ?? {};
            break;
        }
        case "destroy": {
            const result = await stack.destroy(common);
            changes = result.summary.resourceChanges ?? {};
            break;
        }
        case "remove":
            await stack.workspace.removeStack(request.stack);
            return { ok: true, changes, steps, outputs: {} };
        case "outputs":
            break;
    }
    const outputs: Record<string, unknown> = {};
    for (const [key, output] of Object.entries(await stack.outputs())) {
        outputs[key] = output.secret ? "[secret]" : output.value;
    }
    return { ok: true, changes, steps, outputs };
}

async function main(): Promise<void> {
    const [requestFile, resultFile] = process.argv.slice(2);
    if (!requestFile || !resultFile) {
        console.error("usage: node inline.js <request.json> <result.json>");
        process.exit(2);
    }
    const request = JSON.parse(readFileSync(requestFile, "utf8")) as InlineRequest;
    const steps: InlineStep[] = [];
    let result: InlineResult;
    try {
        result = await run(request, steps);
    } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        result = { ok: false, changes: {}, steps, outputs: {}, error: message };
    }
    writeFileSync(resultFile, JSON.stringify(result, null, 2));
    process.exit(result.ok ? 0 : 1);
}

if (require.main === module) void main();
