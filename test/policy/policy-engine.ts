/**
 * The policy pack's validators run the way the CLI runs them, on resources recorded under Pulumi
 * mocks (test/support/pulumi-mocks.ts).
 *
 * What the engine does and this file mirrors (@pulumi/policy 1.21.0 server.js, Pulumi 3.248
 * step_generator.go and analyzer_plugin.go):
 * - Analyze is called for every resource (the stack and provider resources included) with its
 *   inputs on the wire (secrets as `{sig, value}` wrappers, internal `__` keys dropped), and
 *   @pulumi/policy deserializes them with `deserializeProperties(struct, false)` wrapped in
 *   `unknownCheckingProxy`; the recorded inputs are that wire form, so the very same functions
 *   run here (with the pack's secret-path wrapper, policy/secrets.ts).
 * - AnalyzeStack is called once with every resource, its options (`protect`), parent and
 *   dependencies; its properties are the outputs, which for a resource about to be created in a
 *   preview are its inputs (the case these tests model).
 * - Policy config: each policy's schema defaults, overridden per policy (the engine's
 *   ReconcilePolicyPackConfig); the enforcement level from the config, else the policy's.
 * - `notApplicable` ends a validation without a violation; an unknown value during preview turns
 *   into an advisory "can't run" diagnostic.
 */
import { createRequire } from "node:module";
import type {
    EnforcementLevel,
    Policy,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { policies } from "../../policy/policies";
import type { RecordedResource } from "../support/pulumi-mocks";

const PROJECT = "tidb-cdc-pipeline";

/**
 * @pulumi/policy's own deserializer and unknown-value proxy, as its server uses them (modules its
 * typings mark internal). The deserializer is looked up at each call: policy/secrets.ts wraps it.
 */
export const policyInternals = (() => {
    const load = createRequire(__filename);
    return {
        deserialize: load("@pulumi/policy/deserialize") as {
            deserializeProperties(
                struct: { toJavaScript(): unknown },
                proxySecrets: boolean,
            ): Record<string, unknown>;
        },
        proxy: load("@pulumi/policy/proxy") as {
            unknownCheckingProxy<T extends object>(props: T): T;
            UnknownValueError: new (...args: never[]) => Error;
        },
    };
})();

export interface Violation {
    policy: string;
    enforcementLevel: EnforcementLevel;
    message: string;
    /** The resource the violation is about (resource policies: always; stack policies: if given). */
    urn?: string;
}

export interface PolicyRun {
    violations: Violation[];
    /** Policy name → the reasons it reported itself not applicable. */
    notApplicable: Map<string, string[]>;
    /** Mandatory violations only: what fails a preview. */
    mandatory(): Violation[];
    /** Names of the policies with a mandatory violation, sorted and unique. */
    failing(): string[];
}

/** Per-policy config as in a `--policy-pack-config` file: `{ "<policy>": { "<key>": value } }`. */
export type PolicyPackConfig = Record<string, Record<string, unknown>>;

class NotApplicable extends Error {
    constructor(readonly reason: string) {
        super(reason);
    }
}

function effectiveConfig(policy: Policy, given: PolicyPackConfig): Record<string, unknown> {
    const config: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
        if (typeof schema === "object" && schema.default !== undefined) {
            config[key] = schema.default;
        }
    }
    return { ...config, ...(given[policy.name] ?? {}) };
}

/** The wire form without internal keys (`__provider` of dynamic resources), as analyzers get it. */
function wireInputs(inputs: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(inputs).filter(([key]) => !key.startsWith("__")));
}

function deserialized(inputs: Record<string, unknown>): Record<string, unknown> {
    const wire = wireInputs(inputs);
    const props = policyInternals.deserialize.deserializeProperties(
        { toJavaScript: () => structuredClone(wire) },
        false,
    );
    return policyInternals.proxy.unknownCheckingProxy(props);
}

interface EngineResource {
    type: string;
    name: string;
    urn: string;
    inputs: Record<string, unknown>;
    protect: boolean;
    parentUrn?: string;
    dependencyUrns: string[];
}

/**
 * The resources as the engine has them: the recorded ones with URNs, plus the stack resource and
 * a default provider per package, which the engine analyzes too.
 */
function engineResources(stack: string, recorded: RecordedResource[]): EngineResource[] {
    const components = new Map(recorded.filter((r) => !r.custom).map((r) => [r.name, r]));
    const qualifiedType = (r: RecordedResource): string => {
        const parent = r.parent === undefined ? undefined : components.get(r.parent);
        return parent ? `${qualifiedType(parent)}$${r.type}` : r.type;
    };
    const urnOf = (r: RecordedResource) =>
        `urn:pulumi:${stack}::${PROJECT}::${qualifiedType(r)}::${r.name}`;
    const byName = new Map(recorded.map((r) => [r.name, urnOf(r)]));
    const stackUrn = `urn:pulumi:${stack}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${stack}`;
    const packages = [
        ...new Set(recorded.filter((r) => r.custom).map((r) => r.type.split(":")[0] ?? "")),
    ];
    return [
        {
            type: "pulumi:pulumi:Stack",
            name: `${PROJECT}-${stack}`,
            urn: stackUrn,
            inputs: {},
            protect: false,
            dependencyUrns: [],
        },
        ...packages.map((pkg) => ({
            type: `pulumi:providers:${pkg}`,
            name: "default",
            urn: `urn:pulumi:${stack}::${PROJECT}::pulumi:providers:${pkg}::default`,
            inputs: {},
            protect: false,
            dependencyUrns: [],
        })),
        ...recorded.map((r) => ({
            type: r.type,
            name: r.name,
            urn: urnOf(r),
            inputs: r.inputs,
            protect: r.protect,
            parentUrn: r.parent === undefined ? stackUrn : (byName.get(r.parent) ?? stackUrn),
            dependencyUrns: r.dependsOn.flatMap((d) => byName.get(d) ?? []),
        })),
    ];
}

function options(resource: EngineResource): PolicyResourceOptions {
    return {
        protect: resource.protect,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(resource.parentUrn === undefined ? {} : { parent: resource.parentUrn }),
    };
}

const isResourcePolicy = (p: Policy): p is ResourceValidationPolicy =>
    (p as ResourceValidationPolicy).validateResource !== undefined;
const isStackPolicy = (p: Policy): p is StackValidationPolicy =>
    (p as StackValidationPolicy).validateStack !== undefined;

/** Runs every policy of the pack over the recorded resources of one program run. */
export async function runPolicies(
    stack: string,
    recorded: RecordedResource[],
    config: PolicyPackConfig = {},
): Promise<PolicyRun> {
    const resources = engineResources(stack, recorded);
    const violations: Violation[] = [];
    const notApplicable = new Map<string, string[]>();
    const stackTags: ReadonlyMap<string, string> = new Map();
    const throwNotApplicable = (reason?: string): never => {
        throw new NotApplicable(reason ?? "");
    };

    for (const policy of policies) {
        const policyConfig = effectiveConfig(policy, config);
        const level =
            (policyConfig.enforcementLevel as EnforcementLevel | undefined) ??
            policy.enforcementLevel ??
            "advisory";
        if (level === "disabled") continue;
        const settings = Object.fromEntries(
            Object.entries(policyConfig).filter(([key]) => key !== "enforcementLevel"),
        );
        const guarded = async (run: () => Promise<void> | void) => {
            try {
                await run();
            } catch (err) {
                if (err instanceof NotApplicable) {
                    notApplicable.set(policy.name, [
                        ...(notApplicable.get(policy.name) ?? []),
                        err.reason,
                    ]);
                } else if (err instanceof policyInternals.proxy.UnknownValueError) {
                    violations.push({
                        policy: policy.name,
                        enforcementLevel: "advisory",
                        message: `can't run policy '${policy.name}' during preview: ${err.message}`,
                    });
                } else {
                    throw err;
                }
            }
        };

        if (isResourcePolicy(policy) && policy.validateResource) {
            const validations = Array.isArray(policy.validateResource)
                ? policy.validateResource
                : [policy.validateResource];
            for (const resource of resources) {
                for (const validate of validations) {
                    const props = deserialized(resource.inputs);
                    const args: ResourceValidationArgs = {
                        type: resource.type,
                        props,
                        urn: resource.urn,
                        name: resource.name,
                        opts: options(resource),
                        stackTags,
                        isType: () => false,
                        asType: () => undefined,
                        getConfig: <T extends object>() => settings as T,
                        notApplicable: throwNotApplicable,
                    };
                    await guarded(() =>
                        validate(args, (message) =>
                            violations.push({
                                policy: policy.name,
                                enforcementLevel: level,
                                message,
                                urn: resource.urn,
                            }),
                        ),
                    );
                }
            }
        }

        if (isStackPolicy(policy)) {
            const byUrn = new Map<string, PolicyResource>();
            const policyResources = resources.map((resource) => {
                const policyResource: PolicyResource = {
                    type: resource.type,
                    props: deserialized(resource.inputs),
                    urn: resource.urn,
                    name: resource.name,
                    opts: options(resource),
                    dependencies: [],
                    propertyDependencies: {},
                    isType: () => false,
                    asType: () => undefined,
                };
                byUrn.set(resource.urn, policyResource);
                return policyResource;
            });
            resources.forEach((resource, i) => {
                const policyResource = policyResources[i]!;
                const parent =
                    resource.parentUrn === undefined ? undefined : byUrn.get(resource.parentUrn);
                if (parent) policyResource.parent = parent;
                policyResource.dependencies = resource.dependencyUrns.flatMap(
                    (urn) => byUrn.get(urn) ?? [],
                );
            });
            const args: StackValidationArgs = {
                resources: policyResources,
                stackTags,
                getConfig: <T extends object>() => settings as T,
                notApplicable: throwNotApplicable,
            };
            await guarded(() =>
                policy.validateStack(args, (message, urn) =>
                    violations.push({
                        policy: policy.name,
                        enforcementLevel: level,
                        message,
                        ...(urn === undefined ? {} : { urn }),
                    }),
                ),
            );
        }
    }

    const mandatory = () => violations.filter((v) => v.enforcementLevel === "mandatory");
    return {
        violations,
        notApplicable,
        mandatory,
        failing: () => [...new Set(mandatory().map((v) => v.policy))].sort(),
    };
}
