/**
 * Which guardrails apply: prod-only rules (replica counts, replication, protection, savepoints)
 * apply to prod-shaped stacks; the others to every stack.
 *
 * A stack is prod-shaped unless it is the Docker lab, read from what the stack declares:
 * - "auto" (the default): a stack with Docker resources and no Kubernetes resources is the lab
 *   (the project's dev target, disposable by design); every other stack is prod, including one
 *   whose services are all external (no platform resources at all): fail closed.
 * - "prod" / "dev": pinned in the policy config, for the cases the shape gets wrong (a throwaway
 *   stack on a Kubernetes cluster, a lab against external services, or a stack that must meet
 *   prod rules on Docker).
 *
 * Not the stack name: names differ between teams (prod, production, prod-eu, live…) and a
 * misnamed stack would skip every guardrail. Not stack tags either: the file backend has none.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";

export type Environment = "prod" | "dev";
export type EnvironmentSetting = Environment | "auto";

export interface EnvironmentConfig {
    environment?: EnvironmentSetting;
}

/** The `environment` property every environment-dependent policy's config schema carries. */
export const ENVIRONMENT_SCHEMA: PolicyConfigSchema["properties"] = {
    environment: {
        type: "string",
        enum: ["auto", "prod", "dev"],
        default: "auto",
        description:
            'Which rules apply: "auto" (Docker-only stacks are dev, every other stack is prod), "prod" or "dev"',
    },
};

/** Where the stack runs, from its resources' types (providers included). */
export function stackEnvironment(
    setting: EnvironmentSetting | undefined,
    resources: readonly { type: string }[],
): Environment {
    if (setting === "prod" || setting === "dev") return setting;
    const on = (platform: string) =>
        resources.some(
            (r) => r.type.startsWith(`${platform}:`) || r.type === `pulumi:providers:${platform}`,
        );
    return on("docker") && !on("kubernetes") ? "dev" : "prod";
}

/** For a single Kubernetes resource: the Kubernetes target is the prod shape. */
export function kubernetesResourceEnvironment(
    setting: EnvironmentSetting | undefined,
): Environment {
    return setting === "dev" ? "dev" : "prod";
}

export const DEV_NOT_APPLICABLE =
    'a dev stack (the Docker lab, or environment: "dev" in the policy config): prod guardrail';
