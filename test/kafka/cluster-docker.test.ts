/**
 * KafkaCluster on a docker Target under Pulumi mocks: resource kinds, names, parents, ordering,
 * protection and outputs, in KRaft and ZooKeeper mode.
 */
import { describe, expect, it } from "vitest";
import { installMocks, type RecordedResource, settle, valueOf } from "../support/pulumi-mocks";
import { stack, ZK_MODE } from "./helpers";

const session = installMocks();
const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";

async function construct(
    name: string,
    prefix: string,
    kafkaSection: Record<string, unknown>,
    protect = false,
) {
    const docker = await import("@pulumi/docker");
    const { KafkaCluster } = await import("../../components/kafka");
    const settings = stack(kafkaSection, { namePrefix: prefix });
    const network = new docker.Network(`${prefix}-net`, { name: `${prefix}-net` });
    const cluster = new KafkaCluster(name, {
        prefix,
        settings: settings.kafka,
        target: {
            kind: "docker",
            network,
            hostPorts: settings.docker.hostPorts,
            images: settings.docker.images,
        },
        protect,
    });
    await settle();
    const children = session.resources.filter((r) => r.parent === name);
    return { cluster, children };
}

const names = (resources: RecordedResource[]) => resources.map((r) => r.name).sort();

describe("KafkaCluster on docker, KRaft", () => {
    it("creates three brokers with their volumes under the component", async () => {
        const { cluster, children } = await construct("kraft-kafka", "kr", {
            brokers: { replicas: 3 },
        });
        const component = session.named("kraft-kafka");
        expect(component.type).toBe("tidb-cdc-pipeline:kafka:KafkaCluster");
        expect(names(children.filter((r) => r.type === CONTAINER))).toEqual([
            "kr-kafka-0",
            "kr-kafka-1",
            "kr-kafka-2",
        ]);
        expect(names(children.filter((r) => r.type === VOLUME))).toEqual([
            "kr-kafka-0-data",
            "kr-kafka-1-data",
            "kr-kafka-2-data",
        ]);
        expect(children.every((r) => r.type === CONTAINER || r.type === VOLUME)).toBe(true);

        // Brokers must not wait for each other (quorum deadlock); each waits for its volume.
        for (const broker of children.filter((r) => r.type === CONTAINER)) {
            expect(
                broker.dependsOn.filter((d) => d.startsWith("kr-kafka-") && !d.endsWith("-data")),
            ).toEqual([]);
            expect(broker.dependsOn).toContain(`${broker.name}-data`);
            expect(broker.inputs).toMatchObject({ name: broker.name, wait: true });
        }

        expect(await valueOf(cluster.bootstrapServers)).toBe(
            "127.0.0.1:29092,127.0.0.1:29093,127.0.0.1:29094",
        );
        expect(await valueOf(cluster.internalBootstrapServers)).toBe(
            "kafka-0:9092,kafka-1:9092,kafka-2:9092",
        );
        expect(await valueOf(cluster.zookeeperConnect)).toBeUndefined();
    });

    it("publishes on 127.0.0.1 only and passes no property env", async () => {
        const { children } = await construct("kraft-env", "ke", {});
        const [broker] = children.filter((r) => r.type === CONTAINER);
        expect(broker!.inputs.ports).toEqual([
            expect.objectContaining({ internal: 29092, external: 29092, ip: "127.0.0.1" }),
        ]);
        const envs = broker!.inputs.envs as string[];
        expect(envs.map((e) => e.split("=")[0])).toEqual(["CLUSTER_ID", "KAFKA_HEAP_OPTS"]);
    });

    it("protects volumes, and only volumes, when asked", async () => {
        const { children } = await construct("kraft-protected", "kp", {}, true);
        expect(children.filter((r) => r.protect).map((r) => r.type)).toEqual([VOLUME]);
        const { children: unprotected } = await construct("kraft-disposable", "kd", {}, false);
        expect(unprotected.some((r) => r.protect)).toBe(false);
    });
});

describe("KafkaCluster on docker, ZooKeeper mode", () => {
    it("starts ZooKeeper before Kafka and exports the ensemble", async () => {
        const { cluster, children } = await construct("zk-kafka", "zk", ZK_MODE);
        const containers = children.filter((r) => r.type === CONTAINER);
        expect(names(containers)).toEqual([
            "zk-kafka-0",
            "zk-kafka-1",
            "zk-kafka-2",
            "zk-zookeeper-0",
            "zk-zookeeper-1",
            "zk-zookeeper-2",
        ]);
        expect(names(children.filter((r) => r.type === VOLUME))).toHaveLength(9);
        for (const broker of containers.filter((r) => r.name.startsWith("zk-kafka-"))) {
            expect(broker.dependsOn).toEqual(
                expect.arrayContaining(["zk-zookeeper-0", "zk-zookeeper-1", "zk-zookeeper-2"]),
            );
        }
        for (const zookeeper of containers.filter((r) => r.name.startsWith("zk-zookeeper-"))) {
            expect(zookeeper.dependsOn.some((d) => /^zk-(kafka|zookeeper)-\d+$/.test(d))).toBe(
                false,
            );
        }
        expect(await valueOf(cluster.zookeeperConnect)).toBe(
            "zookeeper-0:2181,zookeeper-1:2181,zookeeper-2:2181",
        );
        expect(await valueOf(cluster.internalBootstrapServers)).toBe(
            "kafka-0:9092,kafka-1:9092,kafka-2:9092",
        );
    });
});

describe("KafkaCluster with kafka.external", () => {
    it("refuses to be constructed and registers nothing", async () => {
        const docker = await import("@pulumi/docker");
        const { KafkaCluster } = await import("../../components/kafka");
        const settings = stack({ external: { bootstrapServers: ["broker.example:9092"] } });
        const network = new docker.Network("ext-net", { name: "ext-net" });
        expect(
            () =>
                new KafkaCluster("external-kafka", {
                    prefix: "ext",
                    settings: settings.kafka,
                    target: {
                        kind: "docker",
                        network,
                        hostPorts: settings.docker.hostPorts,
                        images: settings.docker.images,
                    },
                    protect: false,
                }),
        ).toThrow(/kafka\.external is set/);
        await settle();
        expect(session.resources.some((r) => r.name === "external-kafka")).toBe(false);
    });
});
