/** Replication defaults shared by the config rules, the Kafka brokers and the topics. */

export interface ReplicationPolicy {
    replicationFactor: number;
    minInsyncReplicas: number;
}

/**
 * Replication for the stack's topics: three copies when there are enough brokers, and one broker
 * may be down without blocking `acks=all` producers (TiCDC's default, kafka.md §4.3).
 */
export function replicationPolicy(brokers: number): ReplicationPolicy {
    const replicationFactor = Math.min(3, brokers);
    return { replicationFactor, minInsyncReplicas: Math.max(1, replicationFactor - 1) };
}
