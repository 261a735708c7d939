/** The real services the integration suite runs against answer as expected. */
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, inject, it } from "vitest";

describe("real services", () => {
    const services = inject("services");

    it.each([
        ["KRaft 4.3", services.kafka.bootstrap],
        ["ZooKeeper-mode 3.9", services["kafka-zk"].bootstrap],
    ])("Kafka %s answers admin requests", async (_name, bootstrap) => {
        const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
        await admin.connect();
        try {
            const cluster = await admin.describeCluster();
            expect(cluster.brokers.length).toBeGreaterThanOrEqual(1);
        } finally {
            await admin.disconnect();
        }
    });

    it("Flink has a TaskManager with free slots and a SQL Gateway", async () => {
        const overview = (await (await fetch(`${services.flink.restUrl}/overview`)).json()) as {
            taskmanagers: number;
            "slots-available": number;
        };
        expect(overview.taskmanagers).toBeGreaterThanOrEqual(1);
        expect(overview["slots-available"]).toBeGreaterThan(0);
        const info = (await (await fetch(`${services.flink.gatewayUrl}/v1/info`)).json()) as {
            productName: string;
        };
        expect(info.productName).toBe("Apache Flink");
    });
});
