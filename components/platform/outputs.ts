/** Output and option helpers shared by the components. */
import * as pulumi from "@pulumi/pulumi";

/**
 * A known value that carries the resources serving it as dependencies: whatever consumes the
 * output (a changefeed, a topic, a SQL statement) is created only after those resources are up.
 */
export function servedBy<T>(
    resources: readonly pulumi.CustomResource[],
    value: T,
): pulumi.Output<T> {
    return pulumi.all(resources.map((r) => r.id)).apply(() => value);
}

/**
 * `dependsOn` as a plain resource list. Components pass their own dependsOn down to children
 * (Pulumi does not), which needs the resources themselves, not outputs of them.
 */
export function resourceList(value: pulumi.ResourceOptions["dependsOn"]): pulumi.Resource[] {
    if (value === undefined) return [];
    const list: unknown[] = Array.isArray(value) ? value : [value];
    return list.map((item) => {
        if (!pulumi.Resource.isInstance(item)) {
            throw new Error("dependsOn must list resources here, not outputs or promises of them");
        }
        return item;
    });
}
