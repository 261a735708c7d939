import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import type { ContainerSpec } from "../../components/platform";
import {
    initSql,
    tidbDockerEndpoints,
    tidbDockerSpecs,
    type TidbDockerArgs,
} from "../../components/tidb";
import { valueOf } from "../support/pulumi-mocks";
import { dockerSettings } from "./helpers";

function specsFor(raw: Record<string, unknown> = {}, extra: Partial<TidbDockerArgs> = {}) {
    const settings = dockerSettings(raw);
    return tidbDockerSpecs({
        prefix: settings.namePrefix,
        settings: settings.tidb,
        hostPorts: settings.docker.hostPorts,
        images: settings.docker.images,
        ...extra,
    });
}

function byName(containers: ContainerSpec[], name: string): ContainerSpec {
    const found = containers.find((c) => c.name === name);
    if (!found) throw new Error(`no container ${name}: ${containers.map((c) => c.name).join()}`);
    return found;
}

const THREE = {
    tidb: {
        pd: { replicas: 3 },
        tikv: { replicas: 3 },
        tidb: { replicas: 2 },
        ticdc: { replicas: 2 },
    },
};

describe("TiDB Docker specs, one replica each", () => {
    const { containers, volumes } = specsFor();

    it("names containers after the prefix, in start order", () => {
        expect(containers.map((c) => c.name)).toEqual([
            "cdc-pd-0",
            "cdc-tikv-0",
            "cdc-tidb-0",
            "cdc-ticdc-0",
        ]);
        expect(containers.map((c) => c.hostname)).toEqual(["pd", "tikv", "tidb", "ticdc"]);
        expect(containers.every((c) => c.aliases === undefined)).toBe(true);
    });

    it("uses the official images at the TiDB version", () => {
        expect(containers.map((c) => c.image)).toEqual([
            "pingcap/pd:v8.5.7",
            "pingcap/tikv:v8.5.7",
            "pingcap/tidb:v8.5.7",
            "pingcap/ticdc:v8.5.7",
        ]);
    });

    it("passes PD its canonical flags", () => {
        expect(byName(containers, "cdc-pd-0").command).toEqual([
            "--name=pd",
            "--data-dir=/data",
            "--client-urls=http://0.0.0.0:2379",
            "--advertise-client-urls=http://pd:2379",
            "--peer-urls=http://0.0.0.0:2380",
            "--advertise-peer-urls=http://pd:2380",
            "--initial-cluster=pd=http://pd:2380",
            "--config=/etc/pd/pd.toml",
        ]);
        expect(byName(containers, "cdc-pd-0").uploads).toEqual([
            { path: "/etc/pd/pd.toml", content: "[replication]\nmax-replicas = 1\n" },
        ]);
    });

    it("passes TiKV PD, its addresses and a data dir on its volume", () => {
        const tikv = byName(containers, "cdc-tikv-0");
        expect(tikv.command).toEqual([
            "--pd=pd:2379",
            "--addr=0.0.0.0:20160",
            "--advertise-addr=tikv:20160",
            "--status-addr=0.0.0.0:20180",
            "--advertise-status-addr=tikv:20180",
            "--data-dir=/data",
        ]);
        expect(tikv.volumes).toEqual([{ volume: "tikv-0-data", containerPath: "/data" }]);
    });

    it("raises TiKV's open-file limit above its 82920 minimum", () => {
        const nofile = byName(containers, "cdc-tikv-0").ulimits?.find((u) => u.name === "nofile");
        expect(nofile?.soft).toBeGreaterThanOrEqual(82920);
        expect(nofile?.hard).toBeGreaterThanOrEqual(nofile?.soft ?? Infinity);
    });

    it("starts TiDB on TiKV through PD", () => {
        expect(byName(containers, "cdc-tidb-0").command).toEqual([
            "--store=tikv",
            "--path=pd:2379",
            "--advertise-address=tidb",
        ]);
    });

    it("runs TiCDC as `/cdc server` (the image has no entrypoint) with a data dir", () => {
        const ticdc = byName(containers, "cdc-ticdc-0");
        expect(ticdc.entrypoint).toBeUndefined();
        expect(ticdc.command).toEqual([
            "/cdc",
            "server",
            "--addr=0.0.0.0:8300",
            "--advertise-addr=ticdc:8300",
            "--pd=http://pd:2379",
            "--data-dir=/data",
        ]);
        expect(ticdc.volumes).toEqual([{ volume: "ticdc-0-data", containerPath: "/data" }]);
    });

    it("declares one data volume per stateful replica, and mounts only those", () => {
        expect(volumes).toEqual(["pd-0-data", "tikv-0-data", "ticdc-0-data"]);
        const mounted = containers.flatMap((c) => (c.volumes ?? []).map((v) => v.volume));
        expect(mounted.sort()).toEqual([...volumes].sort());
    });

    it("checks health with wget against each server's status endpoint", () => {
        expect(containers.map((c) => c.healthcheck?.test)).toEqual([
            ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:2379/pd/api/v1/ping"],
            ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:20180/status"],
            ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:10080/status"],
            ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8300/status"],
        ]);
        for (const c of containers) {
            expect(c.healthcheck!.retries * c.healthcheck!.intervalSeconds).toBeGreaterThan(60);
        }
    });

    it("orders start-up PD → TiKV → TiDB → TiCDC", () => {
        expect(containers.map((c) => c.dependsOn ?? [])).toEqual([
            [],
            ["cdc-pd-0"],
            ["cdc-tikv-0"],
            ["cdc-tidb-0"],
        ]);
    });

    it("publishes PD, TiDB and TiCDC on the configured host ports", () => {
        expect(containers.map((c) => c.ports ?? [])).toEqual([
            [{ container: 2379, host: 2379 }],
            [],
            [{ container: 4000, host: 4000 }],
            [{ container: 8300, host: 8300 }],
        ]);
    });

    it("sets no root password unless one is given", () => {
        const tidb = byName(containers, "cdc-tidb-0");
        expect(tidb.uploads).toBeUndefined();
        expect(tidb.command?.some((f) => f.startsWith("--initialize-sql-file"))).toBe(false);
    });
});

describe("TiDB Docker specs, several replicas", () => {
    const { containers, volumes } = specsFor({
        ...THREE,
        docker: { hostPorts: { pd: 12379, tidb: 14000, ticdc: 18300 } },
    });

    it("numbers host names and gives each role one shared alias", () => {
        const pds = containers.filter((c) => c.name.startsWith("cdc-pd-"));
        expect(pds.map((c) => c.hostname)).toEqual(["pd-0", "pd-1", "pd-2"]);
        expect(pds.map((c) => c.aliases)).toEqual([["pd"], ["pd"], ["pd"]]);
        expect(byName(containers, "cdc-ticdc-1").aliases).toEqual(["ticdc"]);
    });

    it("lists every PD member in each PD's initial cluster", () => {
        const initial =
            "--initial-cluster=pd-0=http://pd-0:2380,pd-1=http://pd-1:2380,pd-2=http://pd-2:2380";
        for (const i of [0, 1, 2]) {
            const command = byName(containers, `cdc-pd-${i}`).command!;
            expect(command).toContain(initial);
            expect(command).toContain(`--name=pd-${i}`);
            expect(command).toContain(`--advertise-peer-urls=http://pd-${i}:2380`);
        }
        expect(byName(containers, "cdc-pd-0").uploads?.[0]?.content).toBe(
            "[replication]\nmax-replicas = 3\n",
        );
    });

    it("lets PD members start together (no PD waits for another)", () => {
        for (const i of [0, 1, 2]) {
            expect(byName(containers, `cdc-pd-${i}`).dependsOn).toBeUndefined();
        }
    });

    it("gives TiKV, TiDB and TiCDC every PD member", () => {
        expect(byName(containers, "cdc-tikv-2").command).toContain(
            "--pd=pd-0:2379,pd-1:2379,pd-2:2379",
        );
        expect(byName(containers, "cdc-tidb-1").command).toContain(
            "--path=pd-0:2379,pd-1:2379,pd-2:2379",
        );
        expect(byName(containers, "cdc-ticdc-1").command).toContain(
            "--pd=http://pd-0:2379,http://pd-1:2379,http://pd-2:2379",
        );
    });

    it("makes each role wait for every replica of the previous one", () => {
        expect(byName(containers, "cdc-tikv-1").dependsOn).toEqual([
            "cdc-pd-0",
            "cdc-pd-1",
            "cdc-pd-2",
        ]);
        expect(byName(containers, "cdc-tidb-1").dependsOn).toEqual([
            "cdc-tikv-0",
            "cdc-tikv-1",
            "cdc-tikv-2",
        ]);
        expect(byName(containers, "cdc-ticdc-1").dependsOn).toEqual(["cdc-tidb-0", "cdc-tidb-1"]);
        // renderContainers needs dependencies first.
        const seen = new Set<string>();
        for (const c of containers) {
            for (const d of c.dependsOn ?? [])
                expect(seen.has(d), `${c.name} after ${d}`).toBe(true);
            seen.add(c.name);
        }
    });

    it("publishes host ports on the first replica of a role only", () => {
        const published = containers.filter((c) => c.ports !== undefined);
        expect(published.map((c) => [c.name, c.ports])).toEqual([
            ["cdc-pd-0", [{ container: 2379, host: 12379 }]],
            ["cdc-tidb-0", [{ container: 4000, host: 14000 }]],
            ["cdc-ticdc-0", [{ container: 8300, host: 18300 }]],
        ]);
    });

    it("gives each stateful replica its own volume", () => {
        expect(volumes).toEqual([
            "pd-0-data",
            "pd-1-data",
            "pd-2-data",
            "tikv-0-data",
            "tikv-1-data",
            "tikv-2-data",
            "ticdc-0-data",
            "ticdc-1-data",
        ]);
    });
});

describe("TiDB Docker specs, options", () => {
    it("takes image overrides from docker.images", () => {
        const { containers } = specsFor({
            docker: { images: { tidb: "registry.local/tidb:dev", ticdc: "ticdc-look-alike:1" } },
        });
        expect(containers.map((c) => c.image)).toEqual([
            "pingcap/pd:v8.5.7",
            "pingcap/tikv:v8.5.7",
            "registry.local/tidb:dev",
            "ticdc-look-alike:1",
        ]);
    });

    it("follows tidb.version", () => {
        const { containers } = specsFor({ tidb: { version: "v8.5.2" } });
        expect(containers[0]!.image).toBe("pingcap/pd:v8.5.2");
    });

    it("bootstraps every TiDB with the root password from a secret init file", async () => {
        const { containers } = specsFor(THREE, { rootPassword: pulumi.secret("s3cret") });
        for (const name of ["cdc-tidb-0", "cdc-tidb-1"]) {
            const tidb = byName(containers, name);
            expect(tidb.command).toContain("--initialize-sql-file=/etc/tidb/init.sql");
            expect(tidb.uploads).toHaveLength(1);
            const upload = tidb.uploads![0]!;
            expect(upload.path).toBe("/etc/tidb/init.sql");
            const content = pulumi.output(upload.content);
            expect(await pulumi.isSecret(content)).toBe(true);
            expect(await valueOf(content)).toBe(initSql("s3cret"));
        }
    });

    it("reports client endpoints on 127.0.0.1 and internal ones on the network aliases", () => {
        const settings = dockerSettings({ docker: { hostPorts: { tidb: 14000, ticdc: 18300 } } });
        expect(tidbDockerEndpoints(settings.docker.hostPorts)).toEqual({
            mysqlHost: "127.0.0.1",
            mysqlPort: 14000,
            ticdcApiUrl: "http://127.0.0.1:18300",
            ticdcInternalUrl: "http://ticdc:8300",
            pdInternalUrl: "http://pd:2379",
        });
    });
});
