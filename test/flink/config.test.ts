import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseStackSettings, type StackSettingsInput } from "../../components/config";
import {
    dockerFlinkConfig,
    flinkImage,
    JDK17_JAVA_OPTS,
    kubernetesFlinkConfiguration,
    renderConfigYaml,
} from "../../components/flink/config";

const KAFKA_1_20 = {
    groupId: "org.apache.flink",
    artifactId: "flink-sql-connector-kafka",
    version: "3.4.0-1.20",
    sha256: "a".repeat(64),
};

function flinkSettings(raw: Omit<StackSettingsInput, "target"> = {}, target = "docker") {
    return parseStackSettings({ target, ...raw }, { tidbRootPassword: true }).flink;
}

function dockerYaml(settings: ReturnType<typeof flinkSettings>, zookeeperQuorum?: string) {
    return renderConfigYaml(
        dockerFlinkConfig({
            settings,
            jobManagerHost: "jobmanager",
            sqlGatewayHost: "sql-gateway",
            prefix: "cdc",
            zookeeperQuorum,
        }),
    );
}

describe("docker config.yaml", () => {
    it("matches the golden file for Flink 2.2 defaults", async () => {
        await expect(dockerYaml(flinkSettings())).toMatchFileSnapshot("golden/config-2.2.1.yaml");
    });

    it("matches the golden file for Flink 1.20 with sized processes", async () => {
        const settings = flinkSettings({
            flink: {
                version: "1.20.5",
                connectors: [KAFKA_1_20],
                jobManager: { memory: "1g" },
                taskManager: { memory: "4g", slots: 8, replicas: 2 },
            },
        });
        await expect(dockerYaml(settings)).toMatchFileSnapshot("golden/config-1.20.5.yaml");
    });

    it("matches the golden file for ZooKeeper HA", async () => {
        const settings = flinkSettings({
            kafka: { mode: "zookeeper", zookeeper: { replicas: 3 } },
            flink: { highAvailability: "zookeeper", jobManager: { replicas: 2 } },
        });
        await expect(
            dockerYaml(settings, "zookeeper-0:2181,zookeeper-1:2181,zookeeper-2:2181"),
        ).toMatchFileSnapshot("golden/config-2.2.1-zookeeper-ha.yaml");
    });

    it("is flat, sorted, standard YAML with the keys the image's own file carried", () => {
        const text = dockerYaml(flinkSettings());
        const keys = text
            .trim()
            .split("\n")
            .map((line) => line.slice(0, line.indexOf(":")));
        expect(keys).toEqual([...keys].sort());
        const parsed = parse(text) as Record<string, unknown>;
        expect(Object.keys(parsed)).toEqual(keys);
        expect(parsed).toMatchObject({
            "env.java.opts.all": JDK17_JAVA_OPTS,
            "jobmanager.rpc.address": "jobmanager",
            "rest.address": "jobmanager",
            "jobmanager.bind-host": "0.0.0.0",
            "taskmanager.bind-host": "0.0.0.0",
            "rest.bind-address": "0.0.0.0",
            "sql-gateway.endpoint.rest.address": "sql-gateway",
            "sql-gateway.endpoint.rest.bind-address": "0.0.0.0",
            "sql-gateway.endpoint.rest.port": 8083,
            "execution.target": "remote",
            "jobmanager.memory.process.size": "1600m",
            "taskmanager.memory.process.size": "1728m",
            "taskmanager.numberOfTaskSlots": 2,
            "execution.checkpointing.dir": "file:///flink-data/checkpoints",
            "execution.checkpointing.savepoint-dir": "file:///flink-data/savepoints",
        });
        // The image's build removes this; a file of ours must not bring it back.
        expect(parsed).not.toHaveProperty("taskmanager.host");
        expect(text).not.toMatch(/high-availability/);
        // The JVM option list stays one line (no YAML folding).
        expect(text.split("\n").filter((l) => l.includes("--add-opens"))).toHaveLength(1);
    });

    it("carries the full JDK 17 opens list", () => {
        for (const flag of [
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
        ]) {
            expect(JDK17_JAVA_OPTS.split(" ")).toContain(flag);
        }
        expect(JDK17_JAVA_OPTS.split(" ")).toHaveLength(20);
    });

    it("adds ZooKeeper HA keys with the prefix as cluster id", () => {
        const settings = flinkSettings({
            kafka: { mode: "zookeeper" },
            flink: { highAvailability: "zookeeper" },
        });
        const config = dockerFlinkConfig({
            settings,
            jobManagerHost: "jm",
            sqlGatewayHost: "gw",
            prefix: "lab",
            zookeeperQuorum: "zookeeper-0:2181",
        });
        expect(config).toMatchObject({
            "high-availability.type": "zookeeper",
            "high-availability.zookeeper.quorum": "zookeeper-0:2181",
            "high-availability.cluster-id": "/lab",
            "high-availability.storageDir": "file:///flink-data/ha",
        });
    });

    it("refuses ZooKeeper HA without a quorum", () => {
        const settings = flinkSettings({
            kafka: { mode: "zookeeper" },
            flink: { highAvailability: "zookeeper" },
        });
        expect(() =>
            dockerFlinkConfig({ settings, jobManagerHost: "j", sqlGatewayHost: "g", prefix: "p" }),
        ).toThrow(/zookeeperQuorum/);
    });
});

describe("kubernetes flinkConfiguration", () => {
    const k8s = (raw: Omit<StackSettingsInput, "target"> = {}) =>
        kubernetesFlinkConfiguration({
            settings: flinkSettings(raw, "kubernetes"),
            stateBaseUri: "file:///flink-data",
            clusterId: "cdc-flink",
        });

    it("is a sorted map of strings without operator-owned keys", () => {
        const config = k8s();
        expect(Object.keys(config)).toEqual(Object.keys(config).sort());
        for (const value of Object.values(config)) expect(typeof value).toBe("string");
        expect(config).toEqual({
            "env.java.opts.all": JDK17_JAVA_OPTS,
            "execution.checkpointing.dir": "file:///flink-data/checkpoints",
            "execution.checkpointing.savepoint-dir": "file:///flink-data/savepoints",
            "parallelism.default": "1",
            "taskmanager.numberOfTaskSlots": "2",
        });
    });

    it("adds Kubernetes HA keys (the operator sets the cluster id)", () => {
        expect(
            k8s({ flink: { highAvailability: "kubernetes", jobManager: { replicas: 2 } } }),
        ).toMatchObject({
            "high-availability.type": "kubernetes",
            "high-availability.storageDir": "file:///flink-data/ha",
        });
        expect(k8s({ flink: { highAvailability: "kubernetes" } })).not.toHaveProperty(
            "high-availability.cluster-id",
        );
    });
});

describe("flinkImage", () => {
    it("uses the java17 tag unless overridden", () => {
        expect(flinkImage("2.2.1")).toBe("flink:2.2.1-java17");
        expect(flinkImage("1.20.5")).toBe("flink:1.20.5-java17");
        expect(flinkImage("2.2.1", "lab/flink:2.2.1-lookalike")).toBe("lab/flink:2.2.1-lookalike");
    });
});
