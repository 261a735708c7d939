/** What the Docker and Kubernetes renderings of TiDB share: ports and generated config. */

/** The servers' default ports (TiDB Operator v2 uses the same defaults). */
export const TIDB_PORTS = {
    pdClient: 2379,
    pdPeer: 2380,
    tikv: 20160,
    tikvStatus: 20180,
    mysql: 4000,
    tidbStatus: 10080,
    ticdc: 8300,
} as const;

/**
 * PD's region replica count: at most the number of TiKV stores, so a small cluster is not
 * reported as under-replicated. PD applies it when the cluster is first bootstrapped.
 */
export function pdConfigToml(tikvReplicas: number): string {
    return `[replication]\nmax-replicas = ${Math.min(3, tikvReplicas)}\n`;
}
