/** TidbCluster on a Docker target under Pulumi mocks: the resource graph and the outputs. */
import { beforeAll, describe, expect, it } from "vitest";
import type { TidbCluster } from "../../components/tidb";
import { installMocks, type MockSession, settle, valueOf } from "../support/pulumi-mocks";
import { plainTextPaths, SECRET_SIG, secretValues } from "../support/secrets";
import { dockerSettings } from "./helpers";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const PASSWORD = "pw-'quoted'-\\backslash-7f3a9c";

let session: MockSession;
let single: TidbCluster;
let ha: TidbCluster;

beforeAll(async () => {
    session = installMocks();
    const pulumi = await import("@pulumi/pulumi");
    const docker = await import("@pulumi/docker");
    const { TidbCluster } = await import("../../components/tidb");
    const network = new docker.Network("lab-net", { name: "lab-net" });
    const target = (settings: ReturnType<typeof dockerSettings>) => ({
        kind: "docker" as const,
        network,
        hostPorts: settings.docker.hostPorts,
        images: settings.docker.images,
    });

    const lab = dockerSettings({ namePrefix: "lab" });
    single = new TidbCluster("lab-tidb", {
        prefix: "lab",
        settings: lab.tidb,
        target: target(lab),
        protect: false,
        rootPassword: pulumi.secret(PASSWORD),
    });
    const three = dockerSettings({
        namePrefix: "ha",
        tidb: { pd: { replicas: 3 }, tikv: { replicas: 3 }, tidb: { replicas: 2 } },
        docker: { hostPorts: { pd: 12379, tidb: 14000, ticdc: 18300 } },
    });
    ha = new TidbCluster("ha-tidb", {
        prefix: "ha",
        settings: three.tidb,
        target: target(three),
        protect: true,
    });
    await settle();
});

const childrenOf = (parent: string, type: string) =>
    session.ofType(type).filter((r) => r.parent === parent);
/** Registration order depends on when dependencies resolve: compare names as sets. */
const namesOf = (parent: string, type: string) =>
    childrenOf(parent, type)
        .map((r) => r.name)
        .sort();

describe("TidbCluster on Docker", () => {
    it("registers the component under its type token", () => {
        expect(session.named("lab-tidb").type).toBe("tidb-cdc-pipeline:tidb:TidbCluster");
        expect(session.named("lab-tidb").parent).toBeUndefined();
    });

    it("creates one container per replica and a volume per stateful replica, all children", () => {
        expect(namesOf("lab-tidb", CONTAINER)).toEqual(
            ["lab-pd-0", "lab-tikv-0", "lab-tidb-0", "lab-ticdc-0"].sort(),
        );
        expect(namesOf("lab-tidb", VOLUME)).toEqual(
            ["lab-pd-0-data", "lab-tikv-0-data", "lab-ticdc-0-data"].sort(),
        );
        expect(childrenOf("ha-tidb", CONTAINER)).toHaveLength(3 + 3 + 2 + 1);
        expect(childrenOf("ha-tidb", VOLUME)).toHaveLength(3 + 3 + 1);
        const others = session.resources.filter(
            (r) => !["lab-net", "lab-tidb", "ha-tidb"].includes(r.name),
        );
        expect(others.every((r) => r.parent === "lab-tidb" || r.parent === "ha-tidb")).toBe(true);
    });

    it("wires containers PD → TiKV → TiDB → TiCDC", () => {
        expect(session.named("lab-tikv-0").dependsOn).toContain("lab-pd-0");
        expect(session.named("lab-tidb-0").dependsOn).toContain("lab-tikv-0");
        expect(session.named("lab-ticdc-0").dependsOn).toContain("lab-tidb-0");
        expect(session.named("ha-tikv-2").dependsOn).toEqual(
            expect.arrayContaining(["ha-pd-0", "ha-pd-1", "ha-pd-2"]),
        );
        for (const name of ["ha-pd-0", "ha-pd-1", "ha-pd-2"]) {
            expect(session.named(name).dependsOn.filter((d) => d.startsWith("ha-"))).toEqual([
                `${name}-data`,
            ]);
        }
    });

    it("protects the data volumes only, and only when asked", () => {
        const protectedNames = session.resources.filter((r) => r.protect).map((r) => r.name);
        expect(protectedNames.sort()).toEqual(namesOf("ha-tidb", VOLUME));
    });

    it("joins the stack network under the role aliases and publishes on 127.0.0.1 only", () => {
        const tidb = session.named("lab-tidb-0").inputs;
        expect(tidb.networksAdvanced).toEqual([{ name: "lab-net", aliases: ["tidb"] }]);
        expect(tidb.ports).toEqual([{ internal: 4000, external: 4000, ip: "127.0.0.1" }]);
        for (const container of session.ofType(CONTAINER)) {
            for (const port of (container.inputs.ports ?? []) as { ip?: string }[]) {
                expect(port.ip, container.name).toBe("127.0.0.1");
            }
        }
        expect(session.named("ha-tidb-0").inputs.ports).toEqual([
            { internal: 4000, external: 14000, ip: "127.0.0.1" },
        ]);
        expect(session.named("ha-tidb-1").inputs.ports).toEqual([]);
    });

    it("waits for health checks and raises TiKV's file limit", () => {
        const tikv = session.named("lab-tikv-0").inputs;
        expect(tikv.wait).toBe(true);
        expect(tikv.ulimits).toEqual([{ name: "nofile", soft: 1048576, hard: 1048576 }]);
        expect(tikv.volumes).toEqual([{ volumeName: "lab-tikv-0-data", containerPath: "/data" }]);
    });

    it("exports client endpoints on the host and internal ones on the network", async () => {
        const outputs = async (c: TidbCluster) => ({
            mysqlHost: await valueOf(c.mysqlHost),
            mysqlPort: await valueOf(c.mysqlPort),
            ticdcApiUrl: await valueOf(c.ticdcApiUrl),
            ticdcInternalUrl: await valueOf(c.ticdcInternalUrl),
            pdInternalUrl: await valueOf(c.pdInternalUrl),
        });
        expect(await outputs(single)).toEqual({
            mysqlHost: "127.0.0.1",
            mysqlPort: 4000,
            ticdcApiUrl: "http://127.0.0.1:8300",
            ticdcInternalUrl: "http://ticdc:8300",
            pdInternalUrl: "http://pd:2379",
        });
        expect(await outputs(ha)).toMatchObject({
            mysqlPort: 14000,
            ticdcApiUrl: "http://127.0.0.1:18300",
        });
    });

    it("uploads the init SQL as a secret and never records the password in plain text", () => {
        const escaped = PASSWORD.replace(/\\/g, "\\\\").replace(/'/g, "\\'");
        for (const needle of [PASSWORD, escaped, "IDENTIFIED BY"]) {
            const leaks = session.resources.flatMap((r) =>
                plainTextPaths(r.inputs, needle).map((at) => `${r.name}${at}`),
            );
            expect(leaks, needle).toEqual([]);
        }
        const uploads = session.named("lab-tidb-0").inputs.uploads as {
            file: string;
            content: object;
        }[];
        expect(uploads).toHaveLength(1);
        expect(uploads[0]!.file).toBe("/etc/tidb/init.sql");
        expect(uploads[0]!.content).toHaveProperty(SECRET_SIG);
        expect(secretValues(uploads[0])).toEqual([
            `ALTER USER 'root'@'%' IDENTIFIED BY '${escaped}';\n`,
        ]);
        expect(session.named("lab-tidb-0").inputs.command).toContain(
            "--initialize-sql-file=/etc/tidb/init.sql",
        );
        expect(session.named("ha-tidb-0").inputs.uploads).toEqual([]);
    });
});
