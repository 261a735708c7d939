import { describe, expect, it } from "vitest";
import {
    KAFKA_CONFIG_PATH,
    kafkaDockerPlan,
    kafkaHeapOptions,
    ZOO_CFG_PATH,
} from "../../components/kafka/docker";
import { kafkaClusterId } from "../../components/kafka/properties";
import type { ContainerSpec } from "../../components/platform";
import { parseProperties, stack, ZK_MODE } from "./helpers";

function plan(kafkaSection: Record<string, unknown> = {}, rest: Record<string, unknown> = {}) {
    const settings = stack(kafkaSection, rest);
    return kafkaDockerPlan("lab", settings.kafka, settings.docker);
}

const byName = (specs: ContainerSpec[], name: string) => {
    const spec = specs.find((s) => s.name === name);
    if (!spec) throw new Error(`no container ${name}: ${specs.map((s) => s.name).join(", ")}`);
    return spec;
};
const upload = (spec: ContainerSpec, path: string) => {
    const found = spec.uploads?.find((u) => u.path === path);
    if (!found || typeof found.content !== "string") throw new Error(`${spec.name}: no ${path}`);
    return found.content;
};

/** Env vars the apache/kafka image never writes into server.properties (images.md §2.3). */
const KAFKA_NON_PROPERTY_ENV = new Set([
    "KAFKA_HEAP_OPTS",
    "KAFKA_OPTS",
    "KAFKA_LOG4J_OPTS",
    "KAFKA_JMX_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_GC_LOG_OPTS",
]);

describe("KRaft lab containers", () => {
    const { containers, volumes } = plan({ brokers: { replicas: 3 } });

    it("runs one container per broker and no ZooKeeper", () => {
        expect(containers.map((c) => c.name)).toEqual([
            "lab-kafka-0",
            "lab-kafka-1",
            "lab-kafka-2",
        ]);
        expect(containers.map((c) => c.hostname)).toEqual(["kafka-0", "kafka-1", "kafka-2"]);
        expect(volumes).toEqual(["kafka-0-data", "kafka-1-data", "kafka-2-data"]);
    });

    it("uses the official image of the resolved version", () => {
        expect(new Set(containers.map((c) => c.image))).toEqual(new Set(["apache/kafka:4.3.1"]));
    });

    it("formats with the cluster id, then execs the broker, on the uploaded file", () => {
        const [first] = containers;
        expect(first!.command).toEqual([
            "bash",
            "-c",
            `/opt/kafka/bin/kafka-storage.sh format -t "$CLUSTER_ID" -c ${KAFKA_CONFIG_PATH} --ignore-formatted && exec /opt/kafka/bin/kafka-server-start.sh ${KAFKA_CONFIG_PATH}`,
        ]);
        expect(first!.entrypoint).toBeUndefined();
        expect(first!.env).toEqual({
            CLUSTER_ID: kafkaClusterId("lab"),
            KAFKA_HEAP_OPTS: "-Xms512m -Xmx1g",
        });
        expect(parseProperties(upload(first!, KAFKA_CONFIG_PATH))["node.id"]).toBe("0");
    });

    it("publishes broker i on 127.0.0.1-bound host port base + i, matching HOST", () => {
        for (const [i, spec] of containers.entries()) {
            expect(spec.ports).toEqual([{ container: 29092 + i, host: 29092 + i }]);
            const props = parseProperties(upload(spec, KAFKA_CONFIG_PATH));
            expect(props["advertised.listeners"]).toContain(`HOST://127.0.0.1:${29092 + i}`);
        }
    });

    it("keeps data on a named volume at the configured log.dirs", () => {
        for (const [i, spec] of containers.entries()) {
            expect(spec.volumes).toEqual([
                { volume: `kafka-${i}-data`, containerPath: "/var/lib/kafka/data" },
            ]);
        }
    });

    it("lets brokers start together (a KRaft quorum cannot form one node at a time)", () => {
        for (const spec of containers) expect(spec.dependsOn).toEqual([]);
    });

    it("checks health with an ApiVersions round trip on the internal listener", () => {
        const check = containers[0]!.healthcheck!;
        expect(check.test[0]).toBe("CMD-SHELL");
        expect(check.test[1]).toMatch(
            /\/opt\/kafka\/bin\/kafka-broker-api-versions\.sh --bootstrap-server 127\.0\.0\.1:9092/,
        );
        expect(check.intervalSeconds).toBeGreaterThanOrEqual(10);
        expect(check.startPeriodSeconds).toBeGreaterThanOrEqual(30);
    });
});

describe("ZooKeeper-mode lab containers", () => {
    const { containers, volumes } = plan(ZK_MODE);
    const zookeeper = containers.filter((c) => c.name.includes("zookeeper"));
    const brokers = containers.filter((c) => c.name.includes("kafka"));

    it("runs the ensemble first, then the brokers", () => {
        expect(containers.map((c) => c.name)).toEqual([
            "lab-zookeeper-0",
            "lab-zookeeper-1",
            "lab-zookeeper-2",
            "lab-kafka-0",
            "lab-kafka-1",
            "lab-kafka-2",
        ]);
        expect(volumes).toEqual([
            "zookeeper-0-data",
            "zookeeper-0-datalog",
            "zookeeper-1-data",
            "zookeeper-1-datalog",
            "zookeeper-2-data",
            "zookeeper-2-datalog",
            "kafka-0-data",
            "kafka-1-data",
            "kafka-2-data",
        ]);
    });

    it("makes every broker wait for every ZooKeeper server", () => {
        for (const broker of brokers) {
            expect(broker.dependsOn).toEqual(zookeeper.map((z) => z.name));
        }
    });

    it("uploads zoo.cfg, sets the id and keeps the image's entrypoint", () => {
        for (const [i, spec] of zookeeper.entries()) {
            expect(spec.image).toBe("zookeeper:3.9.5");
            expect(spec.hostname).toBe(`zookeeper-${i}`);
            expect(spec.env?.ZOO_MY_ID).toBe(String(i + 1));
            expect(spec.entrypoint).toBeUndefined();
            expect(spec.command).toBeUndefined();
            const cfg = parseProperties(upload(spec, ZOO_CFG_PATH));
            expect(cfg[`server.${i + 1}`]).toBe(`zookeeper-${i}:2888:3888;2181`);
        }
    });

    it("publishes ZooKeeper's client port from the first server only", () => {
        expect(zookeeper.map((z) => z.ports)).toEqual([[{ container: 2181, host: 2181 }], [], []]);
    });

    it("probes ZooKeeper with srvr over bash /dev/tcp", () => {
        expect(zookeeper[0]!.healthcheck!.test).toEqual([
            "CMD",
            "bash",
            "-c",
            "exec 3<>/dev/tcp/127.0.0.1/2181; printf srvr >&3; grep -q Mode <&3",
        ]);
    });

    it("starts Kafka 3.9 directly: no format step, no cluster id", () => {
        for (const broker of brokers) {
            expect(broker.image).toBe("apache/kafka:3.9.2");
            expect(broker.command).toEqual([
                "/opt/kafka/bin/kafka-server-start.sh",
                KAFKA_CONFIG_PATH,
            ]);
            expect(broker.env?.CLUSTER_ID).toBeUndefined();
            const props = parseProperties(upload(broker, KAFKA_CONFIG_PATH));
            expect(props["zookeeper.connect"]).toBe(
                "zookeeper-0:2181,zookeeper-1:2181,zookeeper-2:2181",
            );
        }
    });
});

describe("every lab container", () => {
    const all = [...plan({ brokers: { replicas: 2 } }).containers, ...plan(ZK_MODE).containers];

    it("carries no property-bearing KAFKA_* env var", () => {
        for (const spec of all) {
            const offending = Object.keys(spec.env ?? {}).filter(
                (key) => key.startsWith("KAFKA_") && !KAFKA_NON_PROPERTY_ENV.has(key),
            );
            expect(offending, spec.name).toEqual([]);
        }
    });

    it("has a health check so dependants wait for a serving process", () => {
        for (const spec of all) expect(spec.healthcheck, spec.name).toBeDefined();
    });

    it("publishes ports only through PortSpecs (bound to 127.0.0.1 by the renderer)", () => {
        for (const spec of all) {
            for (const port of spec.ports ?? []) expect(port.host).toBeGreaterThanOrEqual(1024);
        }
    });
});

describe("images and ports from settings", () => {
    it("takes image overrides", () => {
        const images = { kafka: "lab/kafka:4.3.1-lookalike", zookeeper: "lab/zookeeper:3.9.5" };
        const { containers } = plan(ZK_MODE, { docker: { images } });
        expect(containers.filter((c) => c.name.includes("kafka"))[0]!.image).toBe(images.kafka);
        expect(containers.filter((c) => c.name.includes("zookeeper"))[0]!.image).toBe(
            images.zookeeper,
        );
    });

    it("takes the host port bases", () => {
        const { containers } = plan(ZK_MODE, {
            docker: { hostPorts: { kafka: 39092, zookeeper: 32181 } },
        });
        expect(byName(containers, "lab-kafka-2").ports).toEqual([
            { container: 39094, host: 39094 },
        ]);
        expect(byName(containers, "lab-zookeeper-0").ports).toEqual([
            { container: 2181, host: 32181 },
        ]);
    });

    it("sizes the broker heap from brokers.resources.memory", () => {
        const { containers } = plan({ brokers: { resources: { memory: "4Gi" } } });
        expect(containers[0]!.env?.KAFKA_HEAP_OPTS).toBe("-Xms512m -Xmx2048m");
        expect(kafkaHeapOptions("256Mi")).toBe("-Xms256m -Xmx256m");
        expect(kafkaHeapOptions("3G")).toBe("-Xms512m -Xmx1430m");
        expect(kafkaHeapOptions(undefined)).toBe("-Xms512m -Xmx1g");
    });
});
