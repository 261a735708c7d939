/**
 * Starts the real services once for the integration project: Kafka 4.3 (KRaft), Kafka 3.9 with
 * ZooKeeper, a Flink 2.2 session cluster with its SQL Gateway, and MariaDB (the MySQL-protocol
 * stand-in for TiDB's SQL port) (scripts/services). Tests read
 * the endpoints with `inject("services")`. On CI the services are stopped afterwards; locally
 * they keep running so the next run starts in a second.
 */
import type { TestProject } from "vitest/node";
import { ensureServices, type ServiceEndpoints, stopServices } from "../harness/services";

declare module "vitest" {
    export interface ProvidedContext {
        services: Pick<ServiceEndpoints, "kafka" | "kafka-zk" | "flink" | "mariadb">;
    }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
    const started = Date.now();
    const services = await ensureServices(["kafka", "kafka-zk", "flink", "mariadb"]);
    console.log(`integration services ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    project.provide("services", services);
    return async () => {
        if (process.env.CI)
            await stopServices(["flink", "kafka", "kafka-zk", "zookeeper", "mariadb"]);
    };
}
