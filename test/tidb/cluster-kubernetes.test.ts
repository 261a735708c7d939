/** TidbCluster on a Kubernetes target under Pulumi mocks: operator install, CRs, outputs. */
import { beforeAll, describe, expect, it } from "vitest";
import type { TidbCluster } from "../../components/tidb";
import { crdErrors } from "../support/crd-schema";
import {
    installMocks,
    type MockSession,
    type RecordedResource,
    settle,
    valueOf,
} from "../support/pulumi-mocks";
import { plainTextPaths, SECRET_SIG, secretValues } from "../support/secrets";
import { kubernetesSettings } from "./helpers";

const PASSWORD = "x'; DROP USER root; -- \\";
const KINDS = ["Cluster", "PDGroup", "TiKVGroup", "TiDBGroup", "TiCDCGroup"];

let session: MockSession;
let prod: TidbCluster;
let byo: TidbCluster;

beforeAll(async () => {
    session = installMocks();
    const pulumi = await import("@pulumi/pulumi");
    const k8s = await import("@pulumi/kubernetes");
    const { TidbCluster } = await import("../../components/tidb");
    const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const namespace = new k8s.core.v1.Namespace("prod-namespace", {
        metadata: { name: "cdc-pipeline" },
    });

    const settings = kubernetesSettings({
        namePrefix: "prod",
        tidb: { pd: { replicas: 3 }, tikv: { replicas: 3 }, tidb: { replicas: 2 } },
        kubernetes: { storageClassName: "fast-ssd" },
    });
    prod = new TidbCluster("prod-tidb", {
        prefix: "prod",
        settings: settings.tidb,
        target: {
            kind: "kubernetes",
            namespace: settings.kubernetes.namespace,
            storageClassName: settings.kubernetes.storageClassName,
            operators: settings.kubernetes.operators,
            dependsOn: [namespace],
            provider,
        },
        protect: true,
        rootPassword: pulumi.secret(PASSWORD),
    });

    // Operator already installed by someone else; no password (the config rules require one,
    // the component itself does not).
    const other = kubernetesSettings({ namePrefix: "byo", kubernetes: { namespace: "data" } });
    byo = new TidbCluster("byo-tidb", {
        prefix: "byo",
        settings: other.tidb,
        target: {
            kind: "kubernetes",
            namespace: "data",
            operators: { ...other.kubernetes.operators, install: false },
            dependsOn: [],
        },
        protect: false,
    });
    await settle();
});

const children = (parent: string) => session.resources.filter((r) => r.parent === parent);
const customResource = (parent: string, kind: string): RecordedResource => {
    const found = children(parent).filter((r) => r.inputs.kind === kind);
    expect(found, `${parent} ${kind}`).toHaveLength(1);
    return found[0]!;
};

describe("TidbCluster on Kubernetes", () => {
    it("creates the operator install, the CRs, the init SQL Secret and the TiCDC service", () => {
        // Registration order depends on when dependencies resolve: compare as sets.
        const sorted = (rows: string[][]) => rows.sort((a, b) => a[1]!.localeCompare(b[1]!));
        expect(sorted(children("prod-tidb").map((r) => [r.type, r.name]))).toEqual(
            sorted([
                ["kubernetes:core/v1:Namespace", "prod-tidb-operator-namespace"],
                ["kubernetes:yaml/v2:ConfigFile", "prod-tidb-operator-crds"],
                ["kubernetes:helm.sh/v4:Chart", "prod-tidb-operator"],
                ["kubernetes:core/v1:Secret", "prod-tidb-init-sql"],
                ["kubernetes:core.pingcap.com/v1alpha1:Cluster", "cluster-prod"],
                ["kubernetes:core.pingcap.com/v1alpha1:PDGroup", "pdgroup-prod"],
                ["kubernetes:core.pingcap.com/v1alpha1:TiKVGroup", "tikvgroup-prod"],
                ["kubernetes:core.pingcap.com/v1alpha1:TiDBGroup", "tidbgroup-prod"],
                ["kubernetes:core.pingcap.com/v1alpha1:TiCDCGroup", "ticdcgroup-prod"],
                ["kubernetes:core/v1:Service", "prod-ticdc"],
            ]),
        );
        expect(
            children("byo-tidb")
                .map((r) => r.name)
                .sort(),
        ).toEqual(
            [
                "cluster-byo",
                "pdgroup-byo",
                "tikvgroup-byo",
                "tidbgroup-byo",
                "ticdcgroup-byo",
                "byo-ticdc",
            ].sort(),
        );
    });

    it("installs TiDB Operator v2 from its release CRDs and OCI chart into tidb-admin", () => {
        expect(session.named("prod-tidb-operator-namespace").inputs).toMatchObject({
            metadata: { name: "tidb-admin" },
        });
        expect(session.named("prod-tidb-operator-crds").inputs.file).toBe(
            "https://github.com/pingcap/tidb-operator/releases/download/v2.0.1/tidb-operator.crds.yaml",
        );
        const chart = session.named("prod-tidb-operator");
        expect(chart.inputs).toMatchObject({
            chart: "oci://ghcr.io/pingcap/charts/tidb-operator",
            version: "v2.0.1",
            namespace: "tidb-admin",
        });
        expect(chart.dependsOn).toEqual(
            expect.arrayContaining(["prod-tidb-operator-namespace", "prod-tidb-operator-crds"]),
        );
    });

    it("validates every recorded CR against its CRD", () => {
        for (const parent of ["prod-tidb", "byo-tidb"]) {
            for (const kind of KINDS) {
                const manifest = customResource(parent, kind).inputs as {
                    apiVersion: string;
                    kind: string;
                };
                expect(crdErrors(manifest), `${parent} ${kind}`).toEqual([]);
            }
        }
    });

    it("makes every CR wait for the namespace, the CRDs and the operator", () => {
        for (const kind of KINDS) {
            expect(customResource("prod-tidb", kind).dependsOn, kind).toEqual(
                expect.arrayContaining([
                    "prod-namespace",
                    "prod-tidb-operator-crds",
                    "prod-tidb-operator",
                ]),
            );
        }
    });

    it("orders the CRs Cluster → PD → TiKV → TiDB → TiCDC", () => {
        const dependsOn = (kind: string) => customResource("prod-tidb", kind).dependsOn;
        expect(dependsOn("PDGroup")).toContain("cluster-prod");
        expect(dependsOn("TiKVGroup")).toContain("pdgroup-prod");
        expect(dependsOn("TiDBGroup")).toEqual(
            expect.arrayContaining(["tikvgroup-prod", "prod-tidb-init-sql"]),
        );
        expect(dependsOn("TiCDCGroup")).toContain("tidbgroup-prod");
        expect(customResource("byo-tidb", "TiKVGroup").dependsOn).toEqual(["pdgroup-byo"]);
    });

    it("protects the Cluster, PD and TiKV only, and only when asked", () => {
        const protectedKinds = session.resources
            .filter((r) => r.protect)
            .map((r) => `${r.parent}/${r.inputs.kind as string}`);
        expect(protectedKinds.sort()).toEqual(
            ["prod-tidb/Cluster", "prod-tidb/PDGroup", "prod-tidb/TiKVGroup"].sort(),
        );
    });

    it("carries replicas and the storage class into the groups", () => {
        const spec = customResource("prod-tidb", "TiKVGroup").inputs.spec as {
            replicas: number;
            template: { spec: { volumes: { storageClassName?: string }[] } };
        };
        expect(spec.replicas).toBe(3);
        expect(spec.template.spec.volumes[0]!.storageClassName).toBe("fast-ssd");
    });

    it("exports the operator's service addresses", async () => {
        const outputs = async (c: TidbCluster) => ({
            mysqlHost: await valueOf(c.mysqlHost),
            mysqlPort: await valueOf(c.mysqlPort),
            ticdcApiUrl: await valueOf(c.ticdcApiUrl),
            ticdcInternalUrl: await valueOf(c.ticdcInternalUrl),
            pdInternalUrl: await valueOf(c.pdInternalUrl),
        });
        expect(await outputs(prod)).toEqual({
            mysqlHost: "prod-tidb.cdc-pipeline.svc",
            mysqlPort: 4000,
            ticdcApiUrl: "http://prod-ticdc.cdc-pipeline.svc:8300",
            ticdcInternalUrl: "http://prod-ticdc.cdc-pipeline.svc:8300",
            pdInternalUrl: "http://prod-pd.cdc-pipeline.svc:2379",
        });
        expect(await valueOf(byo.mysqlHost)).toBe("byo-tidb.data.svc");
    });

    it("keeps the init SQL in a Secret, secret in state, and the password nowhere in plain text", () => {
        const escaped = PASSWORD.replace(/\\/g, "\\\\").replace(/'/g, "\\'");
        for (const needle of [PASSWORD, escaped, "DROP USER", "IDENTIFIED BY"]) {
            const leaks = session.resources.flatMap((r) =>
                plainTextPaths(r.inputs, needle).map((at) => `${r.name}${at}`),
            );
            expect(leaks, needle).toEqual([]);
        }
        const secret = session.named("prod-tidb-init-sql").inputs;
        expect(secret.kind).toBe("Secret");
        expect(secret.stringData).toHaveProperty(SECRET_SIG);
        expect(secretValues(secret.stringData)).toEqual([
            { "init.sql": `ALTER USER 'root'@'%' IDENTIFIED BY '${escaped}';\n` },
        ]);
        expect(session.resources.filter((r) => r.inputs.kind === "ConfigMap")).toEqual([]);
        const tidb = customResource("prod-tidb", "TiDBGroup").inputs;
        expect(JSON.stringify(tidb)).toContain('"secretName":"prod-tidb-init-sql"');
        expect(JSON.stringify(customResource("byo-tidb", "TiDBGroup").inputs)).not.toContain(
            "init-sql",
        );
    });
});

describe("TidbCluster with an external TiDB", () => {
    it("refuses to be constructed and registers nothing", async () => {
        const { TidbCluster } = await import("../../components/tidb");
        const before = session.resources.length;
        const settings = kubernetesSettings({
            tidb: { external: { host: "tidb.example", ticdcApiUrl: "http://ticdc.example:8300" } },
        });
        expect(
            () =>
                new TidbCluster("ext-tidb", {
                    prefix: "ext",
                    settings: settings.tidb,
                    target: {
                        kind: "kubernetes",
                        namespace: "x",
                        operators: settings.kubernetes.operators,
                        dependsOn: [],
                    },
                    protect: false,
                }),
        ).toThrow(/tidb\.external is set/);
        await settle();
        expect(session.resources.length).toBe(before);
    });
});
