import { describe, expect, it } from "vitest";
import {
    kafkaManifests,
    kubernetesBootstrapServers,
    strimziMetadataVersion,
} from "../../components/kafka/kubernetes";
import { strimziChartValues } from "../../components/kafka/operator";
import { crdErrors } from "../support/crd-schema";
import { kafka, ZK_MODE } from "./helpers";

const manifests = (section: Record<string, unknown> = {}, storageClassName?: string) =>
    kafkaManifests({
        prefix: "cdc",
        namespace: "cdc-pipeline",
        settings: kafka(section),
        storageClassName,
    });

describe("Strimzi custom resources", () => {
    const cases: [string, Record<string, unknown>, string | undefined][] = [
        ["defaults", {}, undefined],
        [
            "three brokers with resources and a storage class",
            {
                brokers: { replicas: 3, storage: "100Gi", resources: { cpu: "2", memory: "8Gi" } },
                messageMaxBytes: 20971520,
            },
            "fast-ssd",
        ],
        ["Kafka 4.2", { version: "4.2.1" }, undefined],
    ];

    it.each(cases)("validate against the Strimzi 1.2 CRDs (%s)", (_, section, storageClass) => {
        const { kafka: kafkaCr, nodePool } = manifests(section, storageClass);
        expect(crdErrors({ ...kafkaCr })).toEqual([]);
        expect(crdErrors({ ...nodePool })).toEqual([]);
    });

    it.each(cases)("match the snapshot (%s)", (_, section, storageClass) => {
        expect(manifests(section, storageClass)).toMatchSnapshot();
    });

    it("ties the pool to the cluster by label, with combined roles and kept claims", () => {
        const { kafka: kafkaCr, nodePool } = manifests({ brokers: { replicas: 3 } }, "fast-ssd");
        expect(nodePool.metadata.labels?.["strimzi.io/cluster"]).toBe(kafkaCr.metadata.name);
        expect(nodePool.spec).toMatchObject({
            replicas: 3,
            roles: ["controller", "broker"],
            storage: {
                type: "jbod",
                volumes: [
                    {
                        id: 0,
                        type: "persistent-claim",
                        size: "20Gi",
                        class: "fast-ssd",
                        kraftMetadata: "shared",
                        deleteClaim: false,
                    },
                ],
            },
        });
    });

    it("waits for the Kafka to be Ready, not for the pool (which has no Ready condition)", () => {
        const { kafka: kafkaCr, nodePool } = manifests();
        expect(kafkaCr.metadata.annotations?.["pulumi.com/waitFor"]).toBe("condition=Ready");
        expect(nodePool.metadata.annotations).toBeUndefined();
    });

    it("carries the TiCDC broker settings and the plain internal listener", () => {
        const spec = manifests({ brokers: { replicas: 3 } }).kafka.spec as {
            kafka: { config: Record<string, unknown>; listeners: unknown[] };
            entityOperator: unknown;
        };
        expect(spec.kafka.config).toMatchObject({
            "auto.create.topics.enable": false,
            "message.max.bytes": 10485760,
            "replica.fetch.max.bytes": 10485760,
            "default.replication.factor": 3,
            "min.insync.replicas": 2,
            "offsets.topic.replication.factor": 3,
        });
        expect(spec.kafka.listeners).toContainEqual({
            name: "plain",
            port: 9092,
            type: "internal",
            tls: false,
        });
        expect(spec.entityOperator).toEqual({ topicOperator: {}, userOperator: {} });
    });

    it("sets no forbidden (Strimzi-managed) config keys", () => {
        const config = (manifests().kafka.spec.kafka as { config: Record<string, unknown> }).config;
        const forbidden =
            /^(listeners|advertised\.|broker\.|listener\.|host\.name|port|inter\.broker\.listener\.name|sasl\.|ssl\.|security\.|password\.|log\.dir|zookeeper\.|node\.id|process\.roles|controller\.|metadata\.log\.dir)/;
        expect(Object.keys(config).filter((key) => forbidden.test(key))).toEqual([]);
    });

    it("needs no kraft/node-pools annotations in Strimzi 1.2", () => {
        const { kafka: kafkaCr } = manifests();
        expect(Object.keys(kafkaCr.metadata.annotations ?? {})).not.toContain("strimzi.io/kraft");
    });

    it("refuses ZooKeeper mode", () => {
        expect(() => manifests(ZK_MODE)).toThrow(/KRaft/);
    });
});

describe("Strimzi versions and endpoints", () => {
    it("pins the metadata version of each supported line", () => {
        expect(strimziMetadataVersion("4.3.1")).toBe("4.3-IV0");
        expect(strimziMetadataVersion("4.2.0")).toBe("4.2-IV1");
        expect(strimziMetadataVersion("4.9.0")).toBeUndefined();
    });

    it("names the bootstrap service of the plain listener", () => {
        expect(kubernetesBootstrapServers("cdc", "cdc-pipeline")).toBe(
            "cdc-kafka-kafka-bootstrap.cdc-pipeline.svc:9092",
        );
    });

    it("makes the operator watch the stack namespace", () => {
        expect(strimziChartValues("cdc-pipeline")).toEqual({ watchNamespaces: ["cdc-pipeline"] });
    });
});
