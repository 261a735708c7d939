/**
 * The project's program under Pulumi mocks, from a committed stack file with optional changes:
 * stack config deep-merged over the file's (what a config slip looks like), and resource
 * transformations on the Pipeline (what a code change looks like, for the rules the config
 * cannot break because the program derives both sides from one setting).
 */
import type * as pulumi from "@pulumi/pulumi";
import { deepMerge } from "../../components/ticdc/sink";
import {
    installMocks,
    type RecordedResource,
    settle,
    stackConfig,
    valueOf,
} from "../support/pulumi-mocks";
import { stackFileConfig } from "../support/stack-files";

/** The root password every run sets (as a secret, as `pulumi config set --secret` does). */
export const ROOT_PASSWORD = "pw-guardrails-7c41e0-never-plain";

export interface ProgramChanges {
    /** Stack config merged over the stack file's (objects deeply, other values replaced). */
    config?: Record<string, unknown>;
    /** Whole stack config instead of the stack file's. */
    replaceConfig?: Record<string, unknown>;
    /** Resource transformations applied to the Pipeline and everything under it. */
    transformations?: pulumi.ResourceTransformation[];
}

/** Runs the program and returns every resource it registered. */
export async function recordProgram(
    stack: string,
    changes: ProgramChanges = {},
): Promise<RecordedResource[]> {
    const session = installMocks(stack);
    const base = changes.replaceConfig ?? stackFileConfig(stack);
    stackConfig(deepMerge(base, { ...(changes.config ?? {}), tidbRootPassword: ROOT_PASSWORD }), [
        "tidbRootPassword",
    ]);
    let endpoints: Record<string, pulumi.Output<unknown> | undefined>;
    if (changes.transformations === undefined) {
        // Exactly what `pulumi up` runs (infra/index.ts).
        const { createStack } = await import("../../infra/program");
        endpoints = createStack().pipeline.endpoints as unknown as typeof endpoints;
    } else {
        // infra/program.ts's createStack, with transformations on the Pipeline.
        const { loadStackConfig } = await import("../../infra/config");
        const { Pipeline } = await import("../../components/pipeline");
        const { settings, tidbRootPassword } = loadStackConfig();
        const pipeline = new Pipeline(
            settings.namePrefix,
            { settings, tidbRootPassword },
            { transformations: changes.transformations },
        );
        endpoints = pipeline.endpoints as unknown as typeof endpoints;
    }
    // Resources declared from outputs (topics, the changefeed, Flink SQL) register later.
    for (const output of Object.values(endpoints)) {
        if (output !== undefined) await valueOf(output);
    }
    let count = -1;
    while (count !== session.resources.length) {
        count = session.resources.length;
        await settle();
    }
    return session.resources;
}

/** A transformation that rewrites the props of the resources of one type and name. */
export function rewrite(
    type: string,
    name: string,
    change: (props: Record<string, unknown>) => Record<string, unknown>,
): pulumi.ResourceTransformation {
    return (args) =>
        args.type === type && args.name === name
            ? { props: change(args.props), opts: args.opts }
            : undefined;
}
