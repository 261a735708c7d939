/**
 * Which environments a push to main deploys, in order.
 *
 * Each environment's stack carries the commit it was last brought up at (tag
 * tidb-cdc-pipeline:deployed-commit, written after a successful up). An environment is deployed
 * when the files changed since that commit affect its stack (the rules of affected.ts), when it
 * has no such tag, when that commit is not in the history of the pushed one (a force-push), or
 * when forced. Comparing with the last *deployed* commit rather than the previous push means a
 * deploy that was cancelled, superseded or failed is picked up by the next run.
 */
import { affectedStacks } from "./affected";
import type { Environment, StackFile } from "./stacks";

export interface DeployInput {
    environment: Environment;
    stackFileExists: boolean;
    deployedCommit: string | undefined;
    /** Whether deployedCommit is an ancestor of (or equal to) the pushed commit. */
    deployedIsAncestor: boolean;
    /** Files changed from deployedCommit to the pushed commit (when it is an ancestor). */
    changedFiles: readonly string[];
    stackFiles: readonly StackFile[];
    force: boolean;
}

export interface DeployDecision {
    stack: string;
    deploy: boolean;
    reason: string;
}

export function decideDeploy(input: DeployInput): DeployDecision {
    const stack = input.environment.stack;
    const decision = (deploy: boolean, reason: string) => ({ stack, deploy, reason });
    if (!input.stackFileExists) return decision(false, `no Pulumi.${stack}.yaml in this commit`);
    if (input.force) return decision(true, "forced");
    if (!input.deployedCommit)
        return decision(true, "no deployed-commit tag: never deployed by CI");
    if (!input.deployedIsAncestor) {
        return decision(true, `${input.deployedCommit.slice(0, 12)} is not in this history`);
    }
    const affected = affectedStacks(input.changedFiles, input.stackFiles);
    const since = input.deployedCommit.slice(0, 12);
    if (affected.stacks.includes(stack)) {
        return decision(
            true,
            `${input.changedFiles.length} file(s) changed since ${since} affect it`,
        );
    }
    return decision(false, `nothing since ${since} affects it`);
}
