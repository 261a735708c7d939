import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseStackSettings, type StackSettingsInput } from "../../components/config";
import {
    CONFIG_PATH,
    dockerFlinkSpecs,
    type DockerFlinkOptions,
    startScript,
} from "../../components/flink/docker";
import type { ContainerSpec } from "../../components/platform";

function options(raw: Omit<StackSettingsInput, "target"> = {}, zookeeperQuorum?: string) {
    const settings = parseStackSettings({ target: "docker", ...raw });
    return {
        prefix: settings.namePrefix,
        settings: settings.flink,
        hostPorts: settings.docker.hostPorts,
        images: settings.docker.images,
        zookeeperQuorum,
    } satisfies DockerFlinkOptions;
}

function byName(specs: ContainerSpec[]): Record<string, ContainerSpec> {
    return Object.fromEntries(specs.map((s) => [s.name, s]));
}

function uploadedConfig(spec: ContainerSpec): Record<string, unknown> {
    const upload = spec.uploads?.find((u) => u.path === CONFIG_PATH);
    expect(upload).toBeDefined();
    return parse(upload!.content as string) as Record<string, unknown>;
}

/** Syntax check of a command line as bash would parse it (nothing is executed). */
function bashSyntax(script: string): Promise<string> {
    return new Promise((resolve) => {
        execFile("bash", ["-n", "-c", script], (error, _stdout, stderr) =>
            resolve(error ? stderr || error.message : ""),
        );
    });
}

describe("dockerFlinkSpecs", () => {
    it("names JobManager, TaskManagers and gateway from the prefix, in start order", () => {
        const specs = dockerFlinkSpecs(
            options({ namePrefix: "lab", flink: { taskManager: { replicas: 2 } } }),
        );
        expect(specs.containers.map((c) => c.name)).toEqual([
            "lab-jobmanager",
            "lab-taskmanager-0",
            "lab-taskmanager-1",
            "lab-sql-gateway",
        ]);
        expect(specs.containers.map((c) => c.hostname)).toEqual([
            "jobmanager",
            "taskmanager-0",
            "taskmanager-1",
            "sql-gateway",
        ]);
        expect(specs.jobManager.name).toBe("lab-jobmanager");
        expect(specs.sqlGateway.name).toBe("lab-sql-gateway");
        expect(specs.dataVolume).toBe("flink-data");
        expect(specs.jarCacheVolume).toBe("flink-jars");
    });

    it("orders dependencies JobManager → TaskManagers → gateway", () => {
        const c = byName(
            dockerFlinkSpecs(options({ flink: { taskManager: { replicas: 2 } } })).containers,
        );
        expect(c["cdc-jobmanager"]!.dependsOn).toEqual([]);
        expect(c["cdc-taskmanager-0"]!.dependsOn).toEqual(["cdc-jobmanager"]);
        expect(c["cdc-taskmanager-1"]!.dependsOn).toEqual(["cdc-jobmanager"]);
        expect(c["cdc-sql-gateway"]!.dependsOn).toEqual(["cdc-taskmanager-0", "cdc-taskmanager-1"]);
    });

    it("uses the java17 image of the version, or the override", () => {
        expect(dockerFlinkSpecs(options()).jobManager.image).toBe("flink:2.2.1-java17");
        const custom = dockerFlinkSpecs(
            options({ docker: { images: { flink: "lab/flink:2.2.1-lookalike" } } }),
        );
        for (const c of custom.containers) expect(c.image).toBe("lab/flink:2.2.1-lookalike");
    });

    it("publishes REST and gateway on the configured host ports only", () => {
        const c = byName(
            dockerFlinkSpecs(
                options({ docker: { hostPorts: { flinkRest: 18081, sqlGateway: 18083 } } }),
            ).containers,
        );
        expect(c["cdc-jobmanager"]!.ports).toEqual([{ container: 8081, host: 18081 }]);
        expect(c["cdc-sql-gateway"]!.ports).toEqual([{ container: 8083, host: 18083 }]);
        expect(c["cdc-taskmanager-0"]!.ports ?? []).toEqual([]);
    });

    it("uploads config.yaml pointing every process at the JobManager and gateway aliases", () => {
        const specs = dockerFlinkSpecs(options());
        for (const spec of specs.containers) {
            expect(spec.uploads).toHaveLength(1);
            expect(uploadedConfig(spec)).toMatchObject({
                "jobmanager.rpc.address": "jobmanager",
                "rest.address": "jobmanager",
                "sql-gateway.endpoint.rest.address": "sql-gateway",
            });
        }
    });

    it("bypasses the entrypoint: fetch, copy, then exec the role's script as uid 9999", () => {
        const c = byName(dockerFlinkSpecs(options()).containers);
        const launchers = {
            "cdc-jobmanager": "/opt/flink/bin/jobmanager.sh start-foreground",
            "cdc-taskmanager-0":
                "/opt/flink/bin/taskmanager.sh start-foreground '-Dtaskmanager.resource-id=taskmanager-0'",
            "cdc-sql-gateway": "/opt/flink/bin/sql-gateway.sh start-foreground",
        };
        for (const [name, launcher] of Object.entries(launchers)) {
            const spec = c[name]!;
            expect(spec.command).toBeUndefined();
            expect(spec.entrypoint).toHaveLength(3);
            expect(spec.entrypoint!.slice(0, 2)).toEqual(["bash", "-c"]);
            const script = spec.entrypoint![2]!;
            expect(script).toContain(
                "https://repo1.maven.org/maven2/org/apache/flink/flink-sql-connector-kafka/5.0.0-2.2/flink-sql-connector-kafka-5.0.0-2.2.jar",
            );
            expect(script).toContain(
                "5605c691d11a501382c383fecba37a7a552467da5ab7ba904ef5d6f3d62c5616",
            );
            expect(script).toContain(
                "cp -f '/flink-jars/flink-sql-connector-kafka-5.0.0-2.2.jar' '/opt/flink/lib/'",
            );
            expect(
                script.endsWith(`exec chroot --userspec=9999:9999 --skip-chdir / ${launcher}`),
            ).toBe(true);
            // The fetch must run before the copy, the copy before the JVM.
            expect(script.indexOf("fetch_jar")).toBeLessThan(script.indexOf("cp -f"));
        }
    });

    it("produces command lines bash accepts", async () => {
        for (const spec of dockerFlinkSpecs(options()).containers) {
            expect(await bashSyntax(spec.entrypoint![2]!)).toBe("");
        }
    });

    it("starts as root to prepare root-owned volumes, and hands them to uid 9999", () => {
        const specs = dockerFlinkSpecs(options());
        for (const spec of specs.containers) expect(spec.user).toBe("0:0");
        const jm = specs.jobManager.entrypoint![2]!;
        expect(jm).toContain(
            "mkdir -p '/flink-data' '/flink-data/checkpoints' '/flink-data/savepoints'",
        );
        expect(jm).toContain(
            "chown 9999:9999 '/flink-data' '/flink-data/checkpoints' '/flink-data/savepoints'",
        );
        // The gateway has no data volume, so nothing to chown.
        expect(specs.sqlGateway.entrypoint![2]).not.toContain("chown");
    });

    it("mounts the data volume on JobManager and TaskManagers, the jar cache on all", () => {
        const c = byName(dockerFlinkSpecs(options()).containers);
        const data = { volume: "flink-data", containerPath: "/flink-data" };
        const jars = { volume: "flink-jars", containerPath: "/flink-jars" };
        expect(c["cdc-jobmanager"]!.volumes).toEqual([data, jars]);
        expect(c["cdc-taskmanager-0"]!.volumes).toEqual([data, jars]);
        expect(c["cdc-sql-gateway"]!.volumes).toEqual([jars]);
    });

    it("health-checks with curl: JobManager /overview, TaskManager registration, gateway /v1/info", () => {
        const c = byName(dockerFlinkSpecs(options()).containers);
        const test = (name: string) => c[name]!.healthcheck!.test;
        expect(test("cdc-jobmanager")).toEqual([
            "CMD-SHELL",
            "curl -sf -o /dev/null 'http://127.0.0.1:8081/overview' || exit 1",
        ]);
        expect(test("cdc-taskmanager-0")).toEqual([
            "CMD-SHELL",
            "curl -sf -o /dev/null 'http://jobmanager:8081/taskmanagers/taskmanager-0' || exit 1",
        ]);
        expect(test("cdc-sql-gateway")).toEqual([
            "CMD-SHELL",
            "curl -sf -o /dev/null 'http://127.0.0.1:8083/v1/info' || exit 1",
        ]);
    });

    it("runs standby JobManagers with ZooKeeper HA, each advertising itself", () => {
        const specs = dockerFlinkSpecs(
            options(
                {
                    kafka: { mode: "zookeeper" },
                    flink: { highAvailability: "zookeeper", jobManager: { replicas: 2 } },
                },
                "zookeeper-0:2181",
            ),
        );
        const c = byName(specs.containers);
        expect(Object.keys(c)).toEqual([
            "cdc-jobmanager",
            "cdc-jobmanager-1",
            "cdc-taskmanager-0",
            "cdc-sql-gateway",
        ]);
        expect(c["cdc-jobmanager-1"]!.dependsOn).toEqual(["cdc-jobmanager"]);
        expect(c["cdc-jobmanager-1"]!.ports).toEqual([]);
        expect(c["cdc-taskmanager-0"]!.dependsOn).toEqual(["cdc-jobmanager", "cdc-jobmanager-1"]);
        expect(uploadedConfig(c["cdc-jobmanager-1"]!)).toMatchObject({
            "jobmanager.rpc.address": "jobmanager-1",
            "rest.address": "jobmanager-1",
            "high-availability.type": "zookeeper",
            "high-availability.zookeeper.quorum": "zookeeper-0:2181",
            "high-availability.storageDir": "file:///flink-data/ha",
        });
        expect(specs.jobManager.entrypoint![2]).toContain("'/flink-data/ha'");
    });

    it("refuses ZooKeeper HA without a quorum", () => {
        expect(() =>
            dockerFlinkSpecs(
                options({ kafka: { mode: "zookeeper" }, flink: { highAvailability: "zookeeper" } }),
            ),
        ).toThrow(/ZooKeeper quorum/);
    });

    it("chains every connector, with a custom Maven mirror", () => {
        const script = startScript(
            options({
                flink: {
                    mavenRepository: "https://mirror.example/maven2/",
                    connectors: [
                        {
                            groupId: "org.apache.flink",
                            artifactId: "flink-sql-connector-kafka",
                            version: "5.0.0-2.2",
                            sha256: "1".repeat(64),
                        },
                        {
                            groupId: "org.apache.flink",
                            artifactId: "flink-json",
                            version: "2.2.1",
                            sha256: "2".repeat(64),
                        },
                    ],
                },
            }),
            "true",
            [],
        );
        expect(script).toContain(
            "'https://mirror.example/maven2/org/apache/flink/flink-json/2.2.1/flink-json-2.2.1.jar'",
        );
        expect(script).toContain(
            "cp -f '/flink-jars/flink-sql-connector-kafka-5.0.0-2.2.jar' '/flink-jars/flink-json-2.2.1.jar' '/opt/flink/lib/'",
        );
    });
});
