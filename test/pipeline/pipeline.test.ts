/** The Pipeline component with managed and external services. */
import { describe, expect, it } from "vitest";
import { parseStackSettings, type StackSettingsInput } from "../../components/config";
import type { PipelineEndpoints } from "../../components/pipeline";
import { installMocks, settle, valueOf } from "../support/pulumi-mocks";

async function buildPipeline(
    raw: Omit<StackSettingsInput, "target"> & { target?: "docker" | "kubernetes" },
) {
    const session = installMocks();
    const { Pipeline } = await import("../../components/pipeline");
    const settings = parseStackSettings({ target: "docker", ...raw }, { tidbRootPassword: true });
    const pipeline = new Pipeline("p", { settings });
    const endpoints: Record<string, string> = {};
    for (const key of Object.keys(pipeline.endpoints) as (keyof PipelineEndpoints)[]) {
        const output = pipeline.endpoints[key];
        if (output) endpoints[key] = await valueOf<string>(output);
    }
    await settle();
    return { session, pipeline, endpoints };
}

describe("Pipeline", () => {
    it("provisions nothing for external services and exports their endpoints", async () => {
        const { session, pipeline, endpoints } = await buildPipeline({
            tidb: { external: { host: "tidb.corp", ticdcApiUrl: "https://ticdc.corp:8300" } },
            kafka: { external: { bootstrapServers: ["k1.corp:9092", "k2.corp:9092"] } },
        });
        expect(pipeline.tidb).toBeUndefined();
        expect(pipeline.kafka).toBeUndefined();
        expect(session.resources.map((r) => r.type)).not.toContain(
            "tidb-cdc-pipeline:tidb:TidbCluster",
        );
        expect(session.resources.map((r) => r.type)).not.toContain(
            "tidb-cdc-pipeline:kafka:KafkaCluster",
        );
        expect(session.resources.map((r) => r.type)).toContain(
            "tidb-cdc-pipeline:flink:FlinkSessionCluster",
        );
        expect(endpoints).toMatchObject({
            tidbMysqlEndpoint: "tidb.corp:4000",
            ticdcApiUrl: "https://ticdc.corp:8300",
            kafkaBootstrapServers: "k1.corp:9092,k2.corp:9092",
            kafkaInternalBootstrapServers: "k1.corp:9092,k2.corp:9092",
            flinkRestUrl: "http://127.0.0.1:8081",
        });
        expect(pipeline.stages.of("clusters")).toEqual([pipeline.flink]);
    });

    it.each(["docker", "kubernetes"] as const)(
        "needs no %s platform when every service is external",
        async (target) => {
            const { session } = await buildPipeline({
                target,
                tidb: { external: { host: "tidb.corp", ticdcApiUrl: "https://ticdc.corp:8300" } },
                kafka: { external: { bootstrapServers: ["k1.corp:9092"] } },
                flink: {
                    external: {
                        restUrl: "http://flink.corp:8081",
                        sqlGatewayUrl: "http://flink.corp:8083",
                    },
                },
            });
            expect(session.resources.map((r) => r.type)).toEqual([
                "tidb-cdc-pipeline:index:Pipeline",
            ]);
        },
    );

    it("hands TiCDC and Flink the in-network Kafka address, clients the published one", async () => {
        const { endpoints } = await buildPipeline({ kafka: { brokers: { replicas: 3 } } });
        expect(endpoints.kafkaBootstrapServers).toBe(
            "127.0.0.1:29092,127.0.0.1:29093,127.0.0.1:29094",
        );
        expect(endpoints.kafkaInternalBootstrapServers).toBe(
            "kafka-0:9092,kafka-1:9092,kafka-2:9092",
        );
    });

    it("keeps ZooKeeper (Kafka's ensemble) up while Flink uses it for HA", async () => {
        const { session } = await buildPipeline({
            kafka: { mode: "zookeeper", zookeeper: { replicas: 3 } },
            flink: { highAvailability: "zookeeper", jobManager: { replicas: 2 } },
        });
        // A dependency on a component reaches the engine as one on each of its children.
        const ensemble = ["cdc-zookeeper-0", "cdc-zookeeper-1", "cdc-zookeeper-2"];
        for (const name of ["p-flink", "cdc-jobmanager", "cdc-jobmanager-1"]) {
            expect(session.named(name).dependsOn, name).toEqual(expect.arrayContaining(ensemble));
        }
    });
});
