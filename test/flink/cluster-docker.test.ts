import type * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parseStackSettings, type StackSettingsInput } from "../../components/config";
import { installMocks, type MockSession, settle, valueOf } from "../support/pulumi-mocks";

const session: MockSession = installMocks();
const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const COMPONENT = "tidb-cdc-pipeline:flink:FlinkSessionCluster";

async function build(
    name: string,
    raw: Omit<StackSettingsInput, "target">,
    protect = false,
    extra: { zookeeperQuorum?: string; dependsOn?: pulumi.Resource[] } = {},
) {
    const docker = await import("@pulumi/docker");
    const { FlinkSessionCluster } = await import("../../components/flink");
    const settings = parseStackSettings({ target: "docker", ...raw });
    const network = new docker.Network(`${name}-net`, { name: `${name}-net` });
    const cluster = new FlinkSessionCluster(
        name,
        {
            prefix: settings.namePrefix,
            settings: settings.flink,
            target: {
                kind: "docker",
                network,
                hostPorts: settings.docker.hostPorts,
                images: settings.docker.images,
            },
            protect,
            zookeeperQuorum: extra.zookeeperQuorum,
        },
        { dependsOn: extra.dependsOn },
    );
    await settle();
    return cluster;
}

const ofComponent = (type: string, parent: string) =>
    session.ofType(type).filter((r) => r.parent === parent);

describe("FlinkSessionCluster on docker", () => {
    let cluster: Awaited<ReturnType<typeof build>>;

    beforeAll(async () => {
        cluster = await build(
            "flink",
            {
                namePrefix: "lab",
                flink: { taskManager: { replicas: 2 } },
                docker: { hostPorts: { flinkRest: 18081, sqlGateway: 18083 } },
            },
            true,
        );
    });

    it("registers the component with its type token", () => {
        expect(session.named("flink").type).toBe(COMPONENT);
    });

    it("creates JobManager, TaskManagers and gateway containers as children", () => {
        const containers = ofComponent(CONTAINER, "flink");
        expect(containers.map((c) => c.name)).toEqual([
            "lab-jobmanager",
            "lab-taskmanager-0",
            "lab-taskmanager-1",
            "lab-sql-gateway",
        ]);
        for (const c of containers) {
            expect(c.inputs).toMatchObject({
                name: c.name,
                user: "0:0",
                restart: "unless-stopped",
            });
        }
    });

    it("wires dependsOn JobManager → TaskManagers → gateway", () => {
        // Dependencies on other containers (the network and volumes are input dependencies).
        const containerNames = ofComponent(CONTAINER, "flink").map((c) => c.name);
        const after = (name: string) =>
            session
                .named(name)
                .dependsOn.filter((d) => containerNames.includes(d))
                .sort();
        expect(after("lab-jobmanager")).toEqual([]);
        expect(after("lab-taskmanager-0")).toEqual(["lab-jobmanager"]);
        expect(after("lab-taskmanager-1")).toEqual(["lab-jobmanager"]);
        expect(after("lab-sql-gateway")).toEqual(["lab-taskmanager-0", "lab-taskmanager-1"]);
        expect(session.named("lab-jobmanager").dependsOn).toEqual(
            expect.arrayContaining(["flink-net", "lab-flink-data", "lab-flink-jars"]),
        );
    });

    it("protects the data volume only", () => {
        const volumes = ofComponent(VOLUME, "flink");
        expect(volumes.map((v) => [v.name, v.protect])).toEqual([
            ["lab-flink-data", true],
            ["lab-flink-jars", false],
        ]);
        for (const c of ofComponent(CONTAINER, "flink")) expect(c.protect).toBe(false);
    });

    it("publishes ports on 127.0.0.1 and uploads config.yaml", () => {
        expect(session.named("lab-jobmanager").inputs.ports).toEqual([
            { internal: 8081, external: 18081, ip: "127.0.0.1" },
        ]);
        expect(session.named("lab-sql-gateway").inputs.ports).toEqual([
            { internal: 8083, external: 18083, ip: "127.0.0.1" },
        ]);
        const uploads = session.named("lab-taskmanager-1").inputs.uploads as {
            file: string;
            content: string;
        }[];
        expect(uploads.map((u) => u.file)).toEqual(["/opt/flink/conf/config.yaml"]);
        expect(uploads[0]!.content).toContain("jobmanager.rpc.address: jobmanager\n");
    });

    it("exposes client-facing and internal URLs", async () => {
        expect(await valueOf(cluster.restUrl)).toBe("http://127.0.0.1:18081");
        expect(await valueOf(cluster.sqlGatewayUrl)).toBe("http://127.0.0.1:18083");
        expect(await valueOf(cluster.savepointDir)).toBe("file:///flink-data/savepoints");
        expect(await valueOf(cluster.internalRestUrl)).toBe("http://jobmanager:8081");
    });

    it("refuses flink.external", async () => {
        const docker = await import("@pulumi/docker");
        const { FlinkSessionCluster } = await import("../../components/flink");
        const settings = parseStackSettings({
            target: "docker",
            flink: {
                external: { restUrl: "http://flink:8081", sqlGatewayUrl: "http://flink:8083" },
            },
        });
        expect(
            () =>
                new FlinkSessionCluster("ext", {
                    prefix: "ext",
                    settings: settings.flink,
                    target: {
                        kind: "docker",
                        network: new docker.Network("ext-net", { name: "ext-net" }),
                        hostPorts: settings.docker.hostPorts,
                        images: settings.docker.images,
                    },
                    protect: false,
                }),
        ).toThrow(/flink\.external is set/);
    });

    it("hands its dependsOn to the containers and the quorum to the config (ZooKeeper HA)", async () => {
        const docker = await import("@pulumi/docker");
        const zookeeper = new docker.Container("ha-zookeeper-0", { image: "zookeeper:3.9.5" });
        await build(
            "ha",
            {
                namePrefix: "ha",
                kafka: { mode: "zookeeper" },
                flink: { highAvailability: "zookeeper", jobManager: { replicas: 2 } },
                docker: { hostPorts: { flinkRest: 28081, sqlGateway: 28083 } },
            },
            false,
            { zookeeperQuorum: "zookeeper-0:2181", dependsOn: [zookeeper] },
        );
        expect(ofComponent(CONTAINER, "ha").map((c) => c.name)).toEqual([
            "ha-jobmanager",
            "ha-jobmanager-1",
            "ha-taskmanager-0",
            "ha-sql-gateway",
        ]);
        for (const c of ofComponent(CONTAINER, "ha")) {
            expect(c.dependsOn).toContain("ha-zookeeper-0");
        }
        const uploads = session.named("ha-jobmanager-1").inputs.uploads as { content: string }[];
        expect(uploads[0]!.content).toContain(
            "high-availability.zookeeper.quorum: zookeeper-0:2181",
        );
        expect(uploads[0]!.content).toContain("jobmanager.rpc.address: jobmanager-1\n");
    });

    it("refuses more than one gateway in the lab", async () => {
        await expect(build("multi", { flink: { sqlGateway: { replicas: 2 } } })).rejects.toThrow(
            /sqlGateway\.replicas = 2/,
        );
    });
});
