/**
 * The dev (Docker) and prod (Kubernetes) programs, constructed under Pulumi mocks with the
 * committed stack files: the resource graph, teardown order, protection and outputs.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { crdErrors } from "../support/crd-schema";
import {
    installMocks,
    type MockSession,
    settle,
    stackConfig,
    valueOf,
} from "../support/pulumi-mocks";
import { plainTextPaths } from "../support/secrets";
import { stackFileConfig } from "../support/stack-files";

const PASSWORD = "pw-'quoted'-\\backslash-7f3a9c";

async function runProgram(stack: string, withPassword: boolean) {
    const session = installMocks(stack);
    stackConfig(
        { ...stackFileConfig(stack), ...(withPassword ? { tidbRootPassword: PASSWORD } : {}) },
        withPassword ? ["tidbRootPassword"] : [],
    );
    const { createStack } = await import("../../infra/program");
    const stackOutputs = createStack().outputs;
    await settle();
    const outputs = {
        tidbMysqlEndpoint: await valueOf(stackOutputs.tidbMysqlEndpoint),
        ticdcApiUrl: await valueOf(stackOutputs.ticdcApiUrl),
        kafkaBootstrapServers: await valueOf(stackOutputs.kafkaBootstrapServers),
        flinkRestUrl: await valueOf(stackOutputs.flinkRestUrl),
        flinkSqlGatewayUrl: await valueOf(stackOutputs.flinkSqlGatewayUrl),
    };
    await settle();
    return { session, outputs };
}

const CONTAINER = "docker:index/container:Container";

describe("dev stack (Docker lab)", () => {
    let session: MockSession;
    let outputs: Record<string, unknown>;
    beforeAll(async () => {
        ({ session, outputs } = await runProgram("dev", true));
    });

    it("declares one private network and every service as a container", () => {
        expect(session.ofType("docker:index/network:Network").map((r) => r.name)).toEqual([
            "lab-net",
        ]);
        const names = session
            .ofType(CONTAINER)
            .map((r) => r.name)
            .sort();
        for (const role of [
            "pd",
            "tikv",
            "tidb",
            "ticdc",
            "kafka",
            "jobmanager",
            "taskmanager",
            "sql-gateway",
        ]) {
            expect(
                names.some((n) => n.startsWith(`lab-${role}`)),
                `a ${role} container`,
            ).toBe(true);
        }
        expect(
            names.some((n) => n.includes("zookeeper")),
            "no ZooKeeper in KRaft mode",
        ).toBe(false);
    });

    it("replicates test.orders: its topic and the default topic, then the changefeed", () => {
        const dynamic = session.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic"));
        expect(dynamic.map((r) => `${r.type} ${r.name}`)).toEqual(
            expect.arrayContaining([
                "pulumi-nodejs:dynamic/kafka:KafkaTopic lab-topic-lab-to-kafka-default",
                "pulumi-nodejs:dynamic/kafka:KafkaTopic lab-topic-tidb_test_orders",
                "pulumi-nodejs:dynamic/ticdc:Changefeed lab-changefeed",
            ]),
        );
        const topic = session.named("lab-topic-tidb_test_orders");
        expect(topic.inputs).toMatchObject({
            name: "tidb_test_orders",
            partitions: 3,
            replicationFactor: 1,
        });
        // Teardown order: the changefeed goes before its topics, the topics before the brokers.
        expect(topic.dependsOn).toContain("lab-kafka-0");
        expect(session.named("lab-changefeed").dependsOn).toEqual(
            expect.arrayContaining([
                "lab-topic-tidb_test_orders",
                "lab-topic-lab-to-kafka-default",
            ]),
        );
    });

    it("declares the Flink SQL tables after the changefeed, and the job after its tables", () => {
        const source = session.named("lab-sql-table-orders");
        const sink = session.named("lab-sql-table-orders_changes");
        const job = session.named("lab-sql-job-orders-to-print");
        expect(source.type).toBe("pulumi-nodejs:dynamic/flink:SqlTable");
        expect(source.inputs.options).toMatchObject({
            connector: "kafka",
            topic: "tidb_test_orders",
            "properties.bootstrap.servers": "kafka-0:9092",
            format: "canal-json",
        });
        expect(sink.inputs.options).toEqual({ connector: "print" });
        expect(source.dependsOn).toContain("lab-changefeed");
        expect(job.type).toBe("pulumi-nodejs:dynamic/flink:SqlJob");
        expect(job.dependsOn).toEqual(
            expect.arrayContaining(["lab-sql-table-orders", "lab-sql-table-orders_changes"]),
        );
        expect(job.inputs).toMatchObject({
            name: "lab-orders-to-print",
            savepointDir: "file:///flink-data/savepoints",
            gatewayUrl: "http://127.0.0.1:8083",
        });
    });

    it("publishes ports on 127.0.0.1 only", () => {
        for (const container of session.ofType(CONTAINER)) {
            for (const port of (container.inputs.ports ?? []) as { ip?: string }[]) {
                expect(port.ip, container.name).toBe("127.0.0.1");
            }
        }
    });

    it("is disposable: nothing protected", () => {
        expect(session.resources.filter((r) => r.protect).map((r) => r.name)).toEqual([]);
    });

    it("parents every resource under the Pipeline component", () => {
        const top = session.resources.filter(
            (r) => r.parent === undefined || r.parent === "tidb-cdc-pipeline-dev",
        );
        expect(top.map((r) => r.type)).toEqual(["tidb-cdc-pipeline:index:Pipeline"]);
    });

    it("exports client endpoints on the host", () => {
        expect(outputs).toEqual({
            tidbMysqlEndpoint: "127.0.0.1:4000",
            ticdcApiUrl: "http://127.0.0.1:8300",
            kafkaBootstrapServers: "127.0.0.1:29092",
            flinkRestUrl: "http://127.0.0.1:8081",
            flinkSqlGatewayUrl: "http://127.0.0.1:8083",
        });
    });

    it("keeps the root password secret in every resource input", () => {
        const leaks = session.resources.flatMap((r) =>
            plainTextPaths(r.inputs, PASSWORD).map((at) => `${r.name}${at.slice(1)}`),
        );
        expect(leaks).toEqual([]);
    });
});

describe("prod stack (Kubernetes operators)", () => {
    let session: MockSession;
    let outputs: Record<string, unknown>;
    beforeAll(async () => {
        ({ session, outputs } = await runProgram("prod", true));
    });

    const customResources = () =>
        session.resources.filter(
            (r) =>
                r.type.startsWith("kubernetes:") &&
                typeof r.inputs.apiVersion === "string" &&
                /\.(pingcap\.com|strimzi\.io|apache\.org)\//.test(r.inputs.apiVersion),
        );

    it("declares the operator resources of all three services", () => {
        const kinds = customResources()
            .map((r) => r.inputs.kind)
            .sort();
        expect(kinds).toEqual(
            [
                "Cluster",
                "FlinkDeployment",
                "Kafka",
                "KafkaNodePool",
                "PDGroup",
                "TiCDCGroup",
                "TiDBGroup",
                "TiKVGroup",
            ].sort(),
        );
    });

    it("validates every custom resource against its CRD", () => {
        for (const resource of customResources()) {
            const manifest = resource.inputs as { apiVersion: string; kind: string };
            expect(crdErrors(manifest), `${manifest.kind} ${resource.name}`).toEqual([]);
        }
    });

    it("protects the stateful resources and the namespace", () => {
        const protectedKinds = session.resources
            .filter((r) => r.protect)
            .map((r) => (r.inputs.kind as string | undefined) ?? r.type);
        for (const kind of [
            "Cluster",
            "PDGroup",
            "TiKVGroup",
            "Kafka",
            "KafkaNodePool",
            "Namespace",
        ]) {
            expect(protectedKinds, kind).toContain(kind);
        }
    });

    it("makes every custom resource wait for the namespace and its operator", () => {
        for (const resource of customResources()) {
            expect(resource.dependsOn.length, `${resource.name} dependsOn`).toBeGreaterThan(0);
        }
    });

    it("exports in-cluster endpoints", () => {
        expect(outputs.tidbMysqlEndpoint).toMatch(/\.cdc-pipeline\.svc:4000$/);
        expect(outputs.kafkaBootstrapServers).toMatch(/-kafka-bootstrap\.cdc-pipeline\.svc:9092$/);
        expect(outputs.flinkRestUrl).toMatch(/^http:\/\/.+\.cdc-pipeline\.svc:8081$/);
        expect(outputs.flinkSqlGatewayUrl).toMatch(/^http:\/\/.+\.cdc-pipeline\.svc:8083$/);
        expect(outputs.ticdcApiUrl).toMatch(/^http:\/\/.+\.cdc-pipeline\.svc:8300$/);
    });

    it("keeps the root password out of plain text everywhere", () => {
        const leaks = session.resources.flatMap((r) =>
            plainTextPaths(r.inputs, PASSWORD).map((at) => `${r.name}${at.slice(1)}`),
        );
        expect(leaks).toEqual([]);
    });
});

describe("bad configuration", () => {
    it("fails before any resource is registered", async () => {
        const session = installMocks("broken");
        stackConfig(
            { target: "kubernetes", kafka: { mode: "zookeeper" }, tidbRootPassword: PASSWORD },
            ["tidbRootPassword"],
        );
        const { createStack } = await import("../../infra/program");
        expect(() => createStack()).toThrow(/kafka\.mode = "zookeeper"/);
        await settle();
        expect(session.resources).toEqual([]);
    });

    it("reports a misspelt config key like any other bad field", async () => {
        installMocks("typo");
        stackConfig({ target: "docker", namePrefx: "lab", kafka: { brokers: { replicas: "3" } } });
        const { createStack } = await import("../../infra/program");
        expect(() => createStack()).toThrow(/unknown field\(s\) "namePrefx"/);
        expect(() => createStack()).toThrow(/kafka\.brokers\.replicas = "3"/);
    });

    it("names the missing secret on a prod stack without revealing anything", async () => {
        installMocks("prod");
        stackConfig(stackFileConfig("prod"));
        const { createStack } = await import("../../infra/program");
        expect(() => createStack()).toThrow(
            /tidbRootPassword = \(not set\): .*pulumi config set --secret tidbRootPassword/,
        );
    });
});
