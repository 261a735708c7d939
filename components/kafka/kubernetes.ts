/**
 * The production Kafka as Strimzi 1.2 custom resources (kafka.strimzi.io/v1, KRaft only): one
 * `Kafka` and one `KafkaNodePool` of combined controller+broker nodes, as plain manifests.
 *
 * Strimzi 1.2 needs no `strimzi.io/kraft` or `strimzi.io/node-pools` annotation: KRaft and node
 * pools are the default since 0.48 and the annotations are ignored (0.48.0 release notes), and
 * the 1.2.0 examples carry none.
 */
import { commonLabels, type CustomResourceManifest, waitForAnnotation } from "../platform";
import { brokerPolicy, KAFKA_INTERNAL_PORT, type KafkaSettings } from "./properties";

const API_VERSION = "kafka.strimzi.io/v1";

/**
 * KRaft metadata version per Kafka line, as Strimzi 1.2's kafka-versions.yaml pins them. Pinned
 * explicitly so a `version` bump upgrades the binaries first and the metadata only when this
 * table (and so the program) says so, Strimzi's two-step upgrade.
 */
export const STRIMZI_METADATA_VERSIONS: Readonly<Record<string, string>> = {
    "4.2": "4.2-IV1",
    "4.3": "4.3-IV0",
};

export interface KafkaManifestArgs {
    prefix: string;
    namespace: string;
    settings: KafkaSettings;
    storageClassName?: string;
}

export interface KafkaManifests {
    kafka: CustomResourceManifest;
    nodePool: CustomResourceManifest;
}

/** Name of the `Kafka` resource; Strimzi derives every service name from it. */
export function kafkaClusterName(prefix: string): string {
    return `${prefix}-kafka`;
}

/** Node pools are namespaced objects of their own, so the name carries the prefix too. */
export function kafkaNodePoolName(prefix: string): string {
    return `${prefix}-brokers`;
}

/** The bootstrap Service Strimzi creates for the plain listener. */
export function kubernetesBootstrapServers(prefix: string, namespace: string): string {
    return `${kafkaClusterName(prefix)}-kafka-bootstrap.${namespace}.svc:${KAFKA_INTERNAL_PORT}`;
}

export function strimziMetadataVersion(version: string): string | undefined {
    return STRIMZI_METADATA_VERSIONS[version.split(".").slice(0, 2).join(".")];
}

export function kafkaManifests(args: KafkaManifestArgs): KafkaManifests {
    return { kafka: kafkaManifest(args), nodePool: nodePoolManifest(args) };
}

function kafkaManifest({ prefix, namespace, settings }: KafkaManifestArgs): CustomResourceManifest {
    if (settings.mode !== "kraft") {
        throw new Error("Strimzi runs Kafka in KRaft mode only; kafka.mode must be kraft");
    }
    const metadataVersion = strimziMetadataVersion(settings.version);
    return {
        apiVersion: API_VERSION,
        kind: "Kafka",
        metadata: {
            name: kafkaClusterName(prefix),
            namespace,
            labels: commonLabels(prefix, "kafka"),
            // Ready means every node is rolled and the listeners are up: what dependants need.
            annotations: waitForAnnotation("condition=Ready"),
        },
        spec: {
            kafka: {
                version: settings.version,
                ...(metadataVersion === undefined ? {} : { metadataVersion }),
                listeners: [
                    { name: "plain", port: KAFKA_INTERNAL_PORT, type: "internal", tls: false },
                    { name: "tls", port: 9093, type: "internal", tls: true },
                ],
                config: brokerPolicy(settings),
            },
            entityOperator: { topicOperator: {}, userOperator: {} },
        },
    };
}

function nodePoolManifest({
    prefix,
    namespace,
    settings,
    storageClassName,
}: KafkaManifestArgs): CustomResourceManifest {
    const { cpu, memory } = settings.brokers.resources ?? {};
    const requests = { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) };
    return {
        apiVersion: API_VERSION,
        kind: "KafkaNodePool",
        metadata: {
            name: kafkaNodePoolName(prefix),
            namespace,
            // The label, not a spec field, ties a pool to its Kafka.
            labels: {
                ...commonLabels(prefix, "kafka"),
                "strimzi.io/cluster": kafkaClusterName(prefix),
            },
            // No waitFor: Strimzi reports readiness on the Kafka, not on pools.
        },
        spec: {
            replicas: settings.brokers.replicas,
            // Combined nodes: the controller quorum is the broker set, as in the Docker lab.
            roles: ["controller", "broker"],
            storage: {
                type: "jbod",
                volumes: [
                    {
                        id: 0,
                        type: "persistent-claim",
                        size: settings.brokers.storage,
                        ...(storageClassName ? { class: storageClassName } : {}),
                        kraftMetadata: "shared",
                        // Data outlives the pool: claims are removed by hand, never by a scale-down.
                        deleteClaim: false,
                    },
                ],
            },
            ...(Object.keys(requests).length > 0
                ? {
                      // Memory limit = request: a JVM's heap is sized from it, and so is eviction.
                      resources: { requests, ...(memory ? { limits: { memory } } : {}) },
                  }
                : {}),
        },
    };
}
