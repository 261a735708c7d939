/**
 * TiDB Operator v2 install: its CRDs (the chart no longer ships them) and its Helm chart in
 * `tidb-admin`, as the v2 docs do. The stack's TiDB custom resources depend on both, so they are
 * created after the CRDs and operator exist and deleted before the operator that runs their
 * finalizers.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { commonLabels } from "../platform";

export const TIDB_OPERATOR_NAMESPACE = "tidb-admin";
export const TIDB_OPERATOR_CHART = "oci://ghcr.io/pingcap/charts/tidb-operator";

export function tidbOperatorCrdsUrl(version: string): string {
    return `https://github.com/pingcap/tidb-operator/releases/download/${version}/tidb-operator.crds.yaml`;
}

export interface TidbOperator {
    namespace: k8s.core.v1.Namespace;
    crds: k8s.yaml.v2.ConfigFile;
    chart: k8s.helm.v4.Chart;
}

/**
 * Install the operator (cluster-wide: one per Kubernetes cluster). `opts` carries the parent and
 * the provider. The CRDs are applied server-side (the provider's default), which their size needs.
 */
export function installTidbOperator(
    prefix: string,
    version: string,
    opts: Pick<pulumi.ResourceOptions, "parent" | "provider">,
): TidbOperator {
    const namespace = new k8s.core.v1.Namespace(
        `${prefix}-tidb-operator-namespace`,
        {
            metadata: {
                name: TIDB_OPERATOR_NAMESPACE,
                labels: commonLabels(prefix, "tidb-operator"),
            },
        },
        opts,
    );
    const crds = new k8s.yaml.v2.ConfigFile(
        `${prefix}-tidb-operator-crds`,
        { file: tidbOperatorCrdsUrl(version) },
        opts,
    );
    const chart = new k8s.helm.v4.Chart(
        `${prefix}-tidb-operator`,
        { chart: TIDB_OPERATOR_CHART, version, namespace: TIDB_OPERATOR_NAMESPACE },
        // The operator watches its CRDs from the start.
        { ...opts, dependsOn: [namespace, crds] },
    );
    return { namespace, crds, chart };
}
