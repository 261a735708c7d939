import { replicationPolicy } from "../../components/config";
import { describe, expect, it } from "vitest";
import {
    brokerPolicy,
    hostBootstrapServers,
    internalBootstrapServers,
    kafkaClusterId,
    kraftServerProperties,
    renderProperties,
    zookeeperConnectString,
    zookeeperModeServerProperties,
    zookeeperQuorum,
    zooCfg,
} from "../../components/kafka/properties";
import { kafka, parseProperties, ZK_MODE } from "./helpers";

const HEADER =
    "# Rendered by tidb-cdc-pipeline (components/kafka): change the stack config instead.";
const golden = (lines: string[]) => [HEADER, ...lines, ""].join("\n");

describe("KRaft server.properties (golden)", () => {
    it("renders a single combined node", () => {
        const text = kraftServerProperties(kafka(), { index: 0, hostPortBase: 29092 });
        expect(text).toBe(
            golden([
                "advertised.listeners=INTERNAL://kafka-0:9092,HOST://127.0.0.1:29092",
                "auto.create.topics.enable=false",
                "controller.listener.names=CONTROLLER",
                "controller.quorum.voters=0@kafka-0:9093",
                "default.replication.factor=1",
                "group.initial.rebalance.delay.ms=0",
                "inter.broker.listener.name=INTERNAL",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,HOST:PLAINTEXT,INTERNAL:PLAINTEXT",
                "listeners=INTERNAL://0.0.0.0:9092,HOST://0.0.0.0:29092,CONTROLLER://0.0.0.0:9093",
                "log.dirs=/var/lib/kafka/data",
                "message.max.bytes=10485760",
                "min.insync.replicas=1",
                "node.id=0",
                "offsets.topic.replication.factor=1",
                "process.roles=broker,controller",
                "replica.fetch.max.bytes=10485760",
                "share.coordinator.state.topic.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.replication.factor=1",
            ]),
        );
    });

    it("renders node 1 of three, voting with all three", () => {
        const settings = kafka({ brokers: { replicas: 3 } });
        const text = kraftServerProperties(settings, { index: 1, hostPortBase: 29092 });
        expect(text).toBe(
            golden([
                "advertised.listeners=INTERNAL://kafka-1:9092,HOST://127.0.0.1:29093",
                "auto.create.topics.enable=false",
                "controller.listener.names=CONTROLLER",
                "controller.quorum.voters=0@kafka-0:9093,1@kafka-1:9093,2@kafka-2:9093",
                "default.replication.factor=3",
                "group.initial.rebalance.delay.ms=0",
                "inter.broker.listener.name=INTERNAL",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,HOST:PLAINTEXT,INTERNAL:PLAINTEXT",
                "listeners=INTERNAL://0.0.0.0:9092,HOST://0.0.0.0:29093,CONTROLLER://0.0.0.0:9093",
                "log.dirs=/var/lib/kafka/data",
                "message.max.bytes=10485760",
                "min.insync.replicas=2",
                "node.id=1",
                "offsets.topic.replication.factor=3",
                "process.roles=broker,controller",
                "replica.fetch.max.bytes=10485760",
                "share.coordinator.state.topic.min.isr=2",
                "share.coordinator.state.topic.replication.factor=3",
                "transaction.state.log.min.isr=2",
                "transaction.state.log.replication.factor=3",
            ]),
        );
    });

    it("gives every node its own id and advertised addresses but the same voters", () => {
        const settings = kafka({ brokers: { replicas: 3 } });
        const nodes = [0, 1, 2].map((index) =>
            parseProperties(kraftServerProperties(settings, { index, hostPortBase: 30000 })),
        );
        expect(nodes.map((n) => n["node.id"])).toEqual(["0", "1", "2"]);
        expect(new Set(nodes.map((n) => n["controller.quorum.voters"])).size).toBe(1);
        expect(nodes.map((n) => n["advertised.listeners"])).toEqual([
            "INTERNAL://kafka-0:9092,HOST://127.0.0.1:30000",
            "INTERNAL://kafka-1:9092,HOST://127.0.0.1:30001",
            "INTERNAL://kafka-2:9092,HOST://127.0.0.1:30002",
        ]);
    });

    it("leaves the share-coordinator keys out before Kafka 4.1", () => {
        const text = kraftServerProperties(kafka({ version: "3.9.2" }), {
            index: 0,
            hostPortBase: 29092,
        });
        expect(text).not.toMatch(/share\./);
    });
});

describe("ZooKeeper-mode server.properties (golden)", () => {
    it("renders broker 2 of three against a three-node ensemble", () => {
        const text = zookeeperModeServerProperties(kafka(ZK_MODE), {
            index: 2,
            hostPortBase: 29092,
        });
        expect(text).toBe(
            golden([
                "advertised.listeners=INTERNAL://kafka-2:9092,HOST://127.0.0.1:29094",
                "auto.create.topics.enable=false",
                "broker.id=2",
                "default.replication.factor=3",
                "group.initial.rebalance.delay.ms=0",
                "inter.broker.listener.name=INTERNAL",
                "listener.security.protocol.map=HOST:PLAINTEXT,INTERNAL:PLAINTEXT",
                "listeners=INTERNAL://0.0.0.0:9092,HOST://0.0.0.0:29094",
                "log.dirs=/var/lib/kafka/data",
                "message.max.bytes=10485760",
                "min.insync.replicas=2",
                "offsets.topic.replication.factor=3",
                "replica.fetch.max.bytes=10485760",
                "transaction.state.log.min.isr=2",
                "transaction.state.log.replication.factor=3",
                "zookeeper.connect=zookeeper-0:2181,zookeeper-1:2181,zookeeper-2:2181",
                "zookeeper.connection.timeout.ms=18000",
            ]),
        );
    });

    it("has no KRaft keys", () => {
        const props = parseProperties(
            zookeeperModeServerProperties(kafka(ZK_MODE), { index: 0, hostPortBase: 29092 }),
        );
        for (const key of ["process.roles", "node.id", "controller.quorum.voters"]) {
            expect(props[key], key).toBeUndefined();
        }
    });
});

describe("zoo.cfg (golden)", () => {
    it("renders a three-server ensemble", () => {
        expect(zooCfg(3)).toBe(
            golden([
                "4lw.commands.whitelist=srvr,ruok,mntr",
                "admin.enableServer=false",
                "autopurge.purgeInterval=24",
                "autopurge.snapRetainCount=3",
                "clientPort=2181",
                "dataDir=/data",
                "dataLogDir=/datalog",
                "initLimit=5",
                "maxClientCnxns=60",
                "quorumListenOnAllIPs=true",
                "server.1=zookeeper-0:2888:3888;2181",
                "server.2=zookeeper-1:2888:3888;2181",
                "server.3=zookeeper-2:2888:3888;2181",
                "syncLimit=2",
                "tickTime=2000",
            ]),
        );
    });

    it("keeps the same shape for one server", () => {
        const servers = Object.keys(parseProperties(zooCfg(1))).filter((k) =>
            k.startsWith("server."),
        );
        expect(servers).toEqual(["server.1"]);
    });
});

describe("what TiCDC needs of the brokers", () => {
    it("derives replication from the broker count", () => {
        expect([1, 2, 3, 5].map(replicationPolicy)).toEqual([
            { replicationFactor: 1, minInsyncReplicas: 1 },
            { replicationFactor: 2, minInsyncReplicas: 1 },
            { replicationFactor: 3, minInsyncReplicas: 2 },
            { replicationFactor: 3, minInsyncReplicas: 2 },
        ]);
    });

    it("follows messageMaxBytes and autoCreateTopics", () => {
        const policy = brokerPolicy(kafka({ messageMaxBytes: 20971520, autoCreateTopics: true }));
        expect(policy).toMatchObject({
            "message.max.bytes": 20971520,
            "auto.create.topics.enable": true,
        });
        expect(policy["replica.fetch.max.bytes"]).toBeGreaterThanOrEqual(20971520);
    });

    it("never asks for more replicas than there are brokers", () => {
        for (const replicas of [1, 2, 3, 4, 7]) {
            const policy = brokerPolicy(kafka({ brokers: { replicas } }));
            for (const key of Object.keys(policy).filter((k) => /replication\.factor$/.test(k))) {
                expect(policy[key], key).toBeLessThanOrEqual(replicas);
            }
            for (const key of Object.keys(policy).filter((k) => /(min\.isr|min\.insync)/.test(k))) {
                expect(policy[key], key).toBeLessThanOrEqual(
                    policy["default.replication.factor"] as number,
                );
            }
        }
    });

    it("disables topic auto-creation by default", () => {
        expect(brokerPolicy(kafka())["auto.create.topics.enable"]).toBe(false);
    });
});

describe("addresses", () => {
    it("lists brokers in the network and on the host", () => {
        expect(internalBootstrapServers(3)).toBe("kafka-0:9092,kafka-1:9092,kafka-2:9092");
        expect(hostBootstrapServers(2, 29092)).toBe("127.0.0.1:29092,127.0.0.1:29093");
        expect(zookeeperConnectString(3)).toBe(
            "zookeeper-0:2181,zookeeper-1:2181,zookeeper-2:2181",
        );
    });

    it("gives the ensemble to Flink HA in ZooKeeper mode only", () => {
        expect(zookeeperQuorum(kafka(ZK_MODE))).toBe(zookeeperConnectString(3));
        expect(() => zookeeperQuorum(kafka())).toThrow(/zookeeper/);
    });
});

describe("KRaft cluster id", () => {
    it("is 22 base64url characters, stable per prefix and distinct across prefixes", () => {
        const id = kafkaClusterId("cdc");
        expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
        expect(kafkaClusterId("cdc")).toBe(id);
        expect(kafkaClusterId("lab")).not.toBe(id);
        // Pinned: a change here would make existing brokers refuse their data.
        expect(id).toBe("VbmDth52_SFMzc61NqNOOA");
    });

    it("never starts with a dash, across many prefixes", () => {
        for (let i = 0; i < 500; i++) expect(kafkaClusterId(`p${i}`)[0]).not.toBe("-");
    });

    it("decodes to 16 bytes", () => {
        expect(Buffer.from(kafkaClusterId("x"), "base64url")).toHaveLength(16);
    });
});

describe("renderProperties", () => {
    it("sorts keys whatever the insertion order", () => {
        expect(renderProperties({ b: 1, a: true, c: "x" })).toBe(golden(["a=true", "b=1", "c=x"]));
    });
});
