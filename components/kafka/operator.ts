/**
 * The Strimzi cluster operator, installed from its Helm chart into a namespace of its own and
 * watching the stack's namespace. Operators are cluster-wide (CRDs, ClusterRoles), so one install
 * per cluster; stacks sharing a cluster set kubernetes.operators.install: false on all but one.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { commonLabels, type KubernetesTarget } from "../platform";

export const STRIMZI_CHART = "oci://quay.io/strimzi-helm/strimzi-kafka-operator";
export const STRIMZI_NAMESPACE = "strimzi";

/** Chart values: watch the stack namespace (the chart adds RoleBindings there). */
export function strimziChartValues(watchNamespace: string): Record<string, unknown> {
    return { watchNamespaces: [watchNamespace] };
}

export interface StrimziOperatorOptions {
    parent: pulumi.Resource;
    provider?: k8s.Provider;
}

/**
 * Namespace + chart. The chart depends on target.dependsOn because its RoleBindings live in the
 * watched namespace; dependants should depend on the returned chart, which covers the CRDs.
 */
export function installStrimziOperator(
    prefix: string,
    target: KubernetesTarget,
    opts: StrimziOperatorOptions,
): k8s.helm.v4.Chart {
    const resourceOpts = { parent: opts.parent, provider: opts.provider };
    const namespace = new k8s.core.v1.Namespace(
        `${prefix}-strimzi-namespace`,
        { metadata: { name: STRIMZI_NAMESPACE, labels: commonLabels(prefix, "strimzi-operator") } },
        resourceOpts,
    );
    return new k8s.helm.v4.Chart(
        `${prefix}-strimzi`,
        {
            chart: STRIMZI_CHART,
            version: target.operators.strimziVersion,
            name: "strimzi",
            namespace: namespace.metadata.name,
            values: strimziChartValues(target.namespace),
        },
        { ...resourceOpts, dependsOn: [namespace, ...target.dependsOn] },
    );
}
