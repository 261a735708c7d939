/**
 * KafkaCluster on a kubernetes Target under Pulumi mocks: the operator install, the Strimzi CRs,
 * their ordering and protection, and the in-cluster endpoints.
 */
import { describe, expect, it } from "vitest";
import { crdErrors } from "../support/crd-schema";
import { installMocks, settle, valueOf } from "../support/pulumi-mocks";
import { stack, ZK_MODE } from "./helpers";

const session = installMocks();
const CUSTOM_RESOURCE = /^kubernetes:kafka\.strimzi\.io\/v1:/;

async function construct(name: string, prefix: string, install: boolean, protect: boolean) {
    const k8s = await import("@pulumi/kubernetes");
    const { KafkaCluster } = await import("../../components/kafka");
    const settings = stack({ brokers: { replicas: 3 } }, { namePrefix: prefix });
    const namespace = new k8s.core.v1.Namespace(`${prefix}-namespace`, {
        metadata: { name: "cdc-pipeline" },
    });
    const provider = new k8s.Provider(`${prefix}-provider`, {});
    const cluster = new KafkaCluster(name, {
        prefix,
        settings: settings.kafka,
        target: {
            kind: "kubernetes",
            namespace: "cdc-pipeline",
            storageClassName: "standard",
            operators: { ...settings.kubernetes.operators, install },
            dependsOn: [namespace],
            provider,
        },
        protect,
    });
    await settle();
    const children = session.resources.filter((r) => r.parent === name);
    return { cluster, children };
}

describe("KafkaCluster on kubernetes with the operator", () => {
    it("installs Strimzi from its chart into its own namespace, watching the stack's", async () => {
        const { children } = await construct("k8s-kafka", "kk", true, true);
        const chart = children.find((r) => r.type === "kubernetes:helm.sh/v4:Chart");
        expect(chart?.name).toBe("kk-strimzi");
        expect(chart?.inputs).toMatchObject({
            chart: "oci://quay.io/strimzi-helm/strimzi-kafka-operator",
            version: "1.2.0",
            namespace: "strimzi",
            values: { watchNamespaces: ["cdc-pipeline"] },
        });
        expect(chart?.dependsOn).toEqual(
            expect.arrayContaining(["kk-strimzi-namespace", "kk-namespace"]),
        );
        expect(chart?.protect).toBe(false);
        const operatorNamespace = session.named("kk-strimzi-namespace");
        expect(operatorNamespace).toMatchObject({ parent: "k8s-kafka", protect: false });
        expect(operatorNamespace.inputs.metadata).toMatchObject({ name: "strimzi" });
    });

    it("declares a Kafka and a KafkaNodePool that pass the CRDs, after the operator", async () => {
        const { cluster, children } = await construct("k8s-kafka-2", "kc", true, true);
        const crs = children.filter((r) => CUSTOM_RESOURCE.test(r.type));
        expect(crs.map((r) => r.inputs.kind).sort()).toEqual(["Kafka", "KafkaNodePool"]);
        for (const cr of crs) {
            expect(crdErrors(cr.inputs as { apiVersion: string; kind: string })).toEqual([]);
            expect(cr.protect, cr.name).toBe(true);
            expect(cr.dependsOn).toEqual(expect.arrayContaining(["kc-strimzi", "kc-namespace"]));
        }
        const kafka = crs.find((r) => r.inputs.kind === "Kafka")!;
        const pool = crs.find((r) => r.inputs.kind === "KafkaNodePool")!;
        expect(kafka.name).toBe("kafka-kc-kafka");
        expect(pool.name).toBe("kafkanodepool-kc-brokers");
        expect(kafka.dependsOn).toContain(pool.name);

        expect(await valueOf(cluster.bootstrapServers)).toBe(
            "kc-kafka-kafka-bootstrap.cdc-pipeline.svc:9092",
        );
        expect(await valueOf(cluster.internalBootstrapServers)).toBe(
            "kc-kafka-kafka-bootstrap.cdc-pipeline.svc:9092",
        );
        expect(await valueOf(cluster.zookeeperConnect)).toBeUndefined();
    });
});

describe("KafkaCluster on kubernetes without the operator", () => {
    it("creates only the CRs, after target.dependsOn, unprotected when asked", async () => {
        const { children } = await construct("k8s-bare", "kb", false, false);
        expect(children.map((r) => r.type).sort()).toEqual([
            "kubernetes:kafka.strimzi.io/v1:Kafka",
            "kubernetes:kafka.strimzi.io/v1:KafkaNodePool",
        ]);
        for (const cr of children) {
            expect(cr.dependsOn).toContain("kb-namespace");
            expect(cr.protect).toBe(false);
        }
    });
});

describe("KafkaCluster on kubernetes in ZooKeeper mode", () => {
    it("fails before creating any child (Strimzi is KRaft-only)", async () => {
        const { KafkaCluster } = await import("../../components/kafka");
        const settings = stack(ZK_MODE);
        expect(
            () =>
                new KafkaCluster("k8s-zk", {
                    prefix: "kz",
                    settings: settings.kafka,
                    target: {
                        kind: "kubernetes",
                        namespace: "cdc-pipeline",
                        operators: settings.kubernetes.operators,
                        dependsOn: [],
                    },
                    protect: false,
                }),
        ).toThrow(/KRaft/);
        await settle();
        expect(session.resources.filter((r) => r.parent === "k8s-zk")).toEqual([]);
    });
});
