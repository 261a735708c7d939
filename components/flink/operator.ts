/**
 * The Flink Kubernetes Operator: its Helm chart when the stack installs operators, and the
 * service account the session cluster's pods run as (the chart's `flink` account, or our own
 * when the operator is managed elsewhere).
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { KubernetesTarget, ObjectMeta } from "../platform";
import { commonLabels } from "../platform";

export const FLINK_OPERATOR_CHART = "flink-kubernetes-operator";
/** The job service account the chart creates in every watched namespace (values.jobServiceAccount). */
export const CHART_JOB_SERVICE_ACCOUNT = "flink";

export function flinkOperatorRepository(version: string): string {
    return `https://downloads.apache.org/flink/flink-kubernetes-operator-${version}/`;
}

export function operatorNamespaceName(prefix: string): string {
    return `${prefix}-flink-operator`;
}

export interface OperatorChartOptions {
    version: string;
    /** Namespace of the operator itself. */
    namespace: string;
    /** The stack namespace, where the FlinkDeployment lives. */
    watchNamespace: string;
}

/** Helm chart arguments as plain data. */
export function flinkOperatorChartArgs(options: OperatorChartOptions) {
    return {
        chart: FLINK_OPERATOR_CHART,
        name: FLINK_OPERATOR_CHART,
        version: options.version,
        namespace: options.namespace,
        repositoryOpts: { repo: flinkOperatorRepository(options.version) },
        values: {
            // The admission webhook needs cert-manager; the CRD schema already validates our CRs.
            webhook: { create: false },
            // Watching only the stack namespace keeps the operator's RBAC namespaced, and makes
            // the chart create the `flink` service account, role and binding there.
            watchNamespaces: [options.watchNamespace],
        },
    };
}

/** The job rules of the chart (rbac/_helpers.tpl `jobRbacRules`), for self-managed accounts. */
export const SESSION_CLUSTER_RULES = [
    {
        apiGroups: [""],
        resources: ["pods", "configmaps"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
    {
        apiGroups: ["apps"],
        resources: ["deployments", "deployments/finalizers"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
    },
];

export function sessionRbacManifests(prefix: string, namespace: string) {
    const metadata: ObjectMeta = {
        name: `${prefix}-flink`,
        namespace,
        labels: commonLabels(prefix, "flink"),
    };
    return {
        serviceAccount: { apiVersion: "v1" as const, kind: "ServiceAccount" as const, metadata },
        role: {
            apiVersion: "rbac.authorization.k8s.io/v1" as const,
            kind: "Role" as const,
            metadata,
            rules: SESSION_CLUSTER_RULES,
        },
        roleBinding: {
            apiVersion: "rbac.authorization.k8s.io/v1" as const,
            kind: "RoleBinding" as const,
            metadata,
            roleRef: {
                apiGroup: "rbac.authorization.k8s.io",
                kind: "Role",
                name: metadata.name,
            },
            subjects: [{ kind: "ServiceAccount", name: metadata.name, namespace }],
        },
    };
}

export interface SessionClusterAccess {
    /** spec.serviceAccount of the FlinkDeployment. */
    serviceAccount: string;
    /** What the FlinkDeployment must wait for (chart or RBAC objects). */
    dependsOn: pulumi.Resource[];
}

/**
 * Install the operator (target.operators.install) or create the session cluster's RBAC for an
 * operator installed elsewhere. Resources are children of `opts.parent`.
 */
export function deployFlinkOperatorAccess(
    prefix: string,
    target: KubernetesTarget,
    opts: pulumi.CustomResourceOptions,
): SessionClusterAccess {
    if (target.operators.install) {
        const namespaceName = operatorNamespaceName(prefix);
        const namespace = new k8s.core.v1.Namespace(
            namespaceName,
            { metadata: { name: namespaceName, labels: commonLabels(prefix, "flink-operator") } },
            opts,
        );
        const chart = new k8s.helm.v4.Chart(
            namespaceName,
            flinkOperatorChartArgs({
                version: target.operators.flinkOperatorVersion,
                namespace: namespaceName,
                watchNamespace: target.namespace,
            }),
            // The chart writes the role and service account into the stack namespace too.
            { ...opts, dependsOn: [namespace, ...target.dependsOn] },
        );
        return { serviceAccount: CHART_JOB_SERVICE_ACCOUNT, dependsOn: [chart] };
    }
    const manifests = sessionRbacManifests(prefix, target.namespace);
    const rbacOpts = { ...opts, dependsOn: target.dependsOn };
    const serviceAccount = new k8s.core.v1.ServiceAccount(
        `${prefix}-flink`,
        manifests.serviceAccount,
        rbacOpts,
    );
    const role = new k8s.rbac.v1.Role(`${prefix}-flink`, manifests.role, rbacOpts);
    const binding = new k8s.rbac.v1.RoleBinding(`${prefix}-flink`, manifests.roleBinding, {
        ...rbacOpts,
        dependsOn: [...target.dependsOn, serviceAccount, role],
    });
    return {
        serviceAccount: manifests.serviceAccount.metadata.name,
        dependsOn: [serviceAccount, role, binding],
    };
}
