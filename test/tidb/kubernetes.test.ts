import { describe, expect, it } from "vitest";
import type { CustomResourceManifest } from "../../components/platform";
import {
    initSqlSecretArgs,
    MAX_CLUSTER_NAME,
    ticdcServiceArgs,
    tidbKubernetesEndpoints,
    tidbManifests,
    type TidbManifests,
    tidbOperatorCrdsUrl,
} from "../../components/tidb";
import { crdErrors } from "../support/crd-schema";
import { kubernetesSettings } from "./helpers";

const GROUPS = ["pd", "tikv", "tidb", "ticdc"] as const;

function manifestsFor(
    raw: Record<string, unknown> = {},
    extra: { storageClassName?: string; initSqlSecretName?: string } = {},
): TidbManifests {
    const settings = kubernetesSettings(raw);
    return tidbManifests({
        prefix: settings.namePrefix,
        namespace: settings.kubernetes.namespace,
        settings: settings.tidb,
        ...extra,
    });
}

function all(m: TidbManifests): CustomResourceManifest[] {
    return [m.cluster, m.pd, m.tikv, m.tidb, m.ticdc];
}

/** The fields of a group's template spec these tests read. */
interface TemplateSpec {
    version?: string;
    config?: string;
    resources?: Record<string, string>;
    volumes?: { name: string }[];
    overlay?: { pod?: { metadata?: { labels?: Record<string, string> } } };
}

function templateSpec(manifest: CustomResourceManifest): TemplateSpec {
    return (manifest.spec as { template: { spec: TemplateSpec } }).template.spec;
}

/** What the CRDs' CEL rules say and a JSON-schema check cannot (see ../shared/crds/README.md). */
function celErrors(manifest: CustomResourceManifest): string[] {
    const errors: string[] = [];
    const limit = manifest.kind === "Cluster" ? 37 : 40;
    if (manifest.metadata.name.length > limit) errors.push(`name longer than ${limit}`);
    if (manifest.kind === "PDGroup" || manifest.kind === "TiKVGroup") {
        const volumes = templateSpec(manifest).volumes ?? [];
        if (!volumes.some((v) => v.name === "data")) errors.push("no volume named data");
    }
    if (manifest.kind !== "Cluster") {
        const overlay = templateSpec(manifest).overlay;
        const labels = Object.keys(overlay?.pod?.metadata?.labels ?? {});
        if (labels.some((l) => l.startsWith("pingcap.com/"))) errors.push("pingcap.com/ label");
    }
    return errors;
}

const THREE = {
    tidb: {
        pd: { replicas: 3, storage: "20Gi", resources: { cpu: "1", memory: "2Gi" } },
        tikv: { replicas: 3, storage: "100Gi", resources: { cpu: "4", memory: "16Gi" } },
        tidb: { replicas: 3, resources: { cpu: "2", memory: "4Gi" } },
        ticdc: { replicas: 3, storage: "50Gi", resources: { memory: "4Gi" } },
    },
};

describe.each([
    ["one replica each", {}, {}],
    ["three replicas with a storage class", THREE, { storageClassName: "fast-ssd" }],
    ["a root password Secret", {}, { initSqlSecretName: "cdc-tidb-init-sql" }],
])("TiDB Operator manifests: %s", (_, raw, extra) => {
    const m = manifestsFor(raw, extra);

    it("validates every resource against the v2.0.1 CRDs", () => {
        for (const manifest of all(m)) {
            expect(crdErrors({ ...manifest }), manifest.kind).toEqual([]);
            expect(celErrors(manifest), manifest.kind).toEqual([]);
        }
    });

    it("names the Cluster and the groups after the prefix, in the stack namespace", () => {
        expect(all(m).map((r) => [r.kind, r.metadata.name, r.metadata.namespace])).toEqual([
            ["Cluster", "cdc", "cdc-pipeline"],
            ["PDGroup", "cdc", "cdc-pipeline"],
            ["TiKVGroup", "cdc", "cdc-pipeline"],
            ["TiDBGroup", "cdc", "cdc-pipeline"],
            ["TiCDCGroup", "cdc", "cdc-pipeline"],
        ]);
        for (const group of GROUPS) {
            expect(m[group].spec.cluster).toEqual({ name: "cdc" });
            expect(m[group].apiVersion).toBe("core.pingcap.com/v1alpha1");
        }
    });

    it("labels everything with the stack's common labels", () => {
        for (const manifest of all(m)) {
            expect(manifest.metadata.labels).toMatchObject({
                "app.kubernetes.io/part-of": "tidb-cdc-pipeline",
                "app.kubernetes.io/instance": "cdc",
                "app.kubernetes.io/managed-by": "pulumi",
            });
        }
        expect(m.tikv.metadata.labels?.["app.kubernetes.io/component"]).toBe("tikv");
    });

    it("waits for Ready on every group, never on the Cluster (it waits for its groups)", () => {
        for (const group of GROUPS) {
            expect(m[group].metadata.annotations?.["pulumi.com/waitFor"]).toBe("condition=Ready");
        }
        expect(m.cluster.metadata.annotations).toBeUndefined();
    });
});

describe("unknown-field check", () => {
    it("catches a misspelt field the CRD schema would let through", () => {
        const m = manifestsFor();
        const spec = templateSpec(m.pd);
        const misspelt = {
            ...m.pd,
            spec: { ...m.pd.spec, template: { spec: { ...spec, storageClass: "x" } } },
        };
        expect(crdErrors({ ...misspelt })).toEqual([
            ".spec.template.spec.storageClass is not declared by the CRD (pruned)",
        ]);
    });
});

describe("TiDB Operator manifests: details", () => {
    const one = manifestsFor();
    const three = manifestsFor(THREE, { storageClassName: "fast-ssd" });
    const withPassword = manifestsFor({}, { initSqlSecretName: "cdc-tidb-init-sql" });

    it("sets replicas and version from the settings", () => {
        expect(GROUPS.map((g) => three[g].spec.replicas)).toEqual([3, 3, 3, 3]);
        expect(GROUPS.map((g) => one[g].spec.replicas)).toEqual([1, 1, 1, 1]);
        for (const g of GROUPS) expect(templateSpec(three[g]).version).toBe("v8.5.7");
    });

    it("gives PD, TiKV and TiCDC a data volume of the configured size and class", () => {
        expect(templateSpec(three.pd).volumes).toEqual([
            {
                name: "data",
                mounts: [{ type: "data" }],
                storage: "20Gi",
                storageClassName: "fast-ssd",
            },
        ]);
        expect(templateSpec(three.tikv).volumes).toEqual([
            {
                name: "data",
                mounts: [{ type: "data" }],
                storage: "100Gi",
                storageClassName: "fast-ssd",
            },
        ]);
        expect(templateSpec(one.tikv).volumes).toEqual([
            { name: "data", mounts: [{ type: "data" }], storage: "50Gi" },
        ]);
        expect(templateSpec(one.tidb).volumes).toBeUndefined();
    });

    it("mounts TiCDC's data volume where its config puts the data dir", () => {
        const spec = templateSpec(three.ticdc);
        expect(spec.volumes).toEqual([
            {
                name: "data",
                mounts: [{ type: "data", mountPath: "/var/lib/ticdc" }],
                storage: "50Gi",
                storageClassName: "fast-ssd",
            },
        ]);
        expect(spec.config).toBe('data-dir = "/var/lib/ticdc"\n');
    });

    it("caps PD's max-replicas at the TiKV count (TOML string config)", () => {
        expect(templateSpec(one.pd).config).toBe("[replication]\nmax-replicas = 1\n");
        expect(templateSpec(three.pd).config).toBe("[replication]\nmax-replicas = 3\n");
    });

    it("passes resources through, and only the ones set", () => {
        expect(templateSpec(three.tikv).resources).toEqual({ cpu: "4", memory: "16Gi" });
        expect(templateSpec(three.ticdc).resources).toEqual({ memory: "4Gi" });
        expect(templateSpec(one.tidb).resources).toBeUndefined();
    });

    it("mounts the init SQL Secret into TiDB and runs it at bootstrap", () => {
        expect(templateSpec(one.tidb).overlay).toBeUndefined();
        expect(templateSpec(withPassword.tidb).overlay).toEqual({
            pod: {
                spec: {
                    volumes: [
                        {
                            name: "init-sql",
                            secret: { secretName: "cdc-tidb-init-sql", defaultMode: 0o400 },
                        },
                    ],
                    containers: [
                        {
                            name: "tidb",
                            args: ["--initialize-sql-file=/etc/tidb-init/init.sql"],
                            volumeMounts: [
                                { name: "init-sql", mountPath: "/etc/tidb-init", readOnly: true },
                            ],
                        },
                    ],
                },
            },
        });
        // Operator v2 owns this key and fails the TiDB config that sets it.
        expect(templateSpec(withPassword.tidb).config ?? "").not.toMatch(/initialize-sql-file/);
    });

    it("refuses a Cluster name over the operator's limit", () => {
        const settings = kubernetesSettings();
        expect(() =>
            tidbManifests({
                prefix: "x".repeat(MAX_CLUSTER_NAME + 1),
                namespace: "ns",
                settings: settings.tidb,
            }),
        ).toThrow(/longer than 37/);
    });

    it("matches the snapshot (one replica, password)", () => {
        expect(withPassword).toMatchSnapshot();
    });

    it("matches the snapshot (three replicas, storage class)", () => {
        expect(three).toMatchSnapshot();
    });
});

describe("TiDB Kubernetes companions", () => {
    it("keeps the init SQL in a Secret's stringData", () => {
        const secret = initSqlSecretArgs("cdc", "cdc-pipeline", "SQL");
        expect(secret).toMatchObject({
            metadata: {
                name: "cdc-tidb-init-sql",
                namespace: "cdc-pipeline",
                labels: { "app.kubernetes.io/instance": "cdc" },
            },
            type: "Opaque",
        });
        expect(secret.stringData).toEqual({ "init.sql": "SQL" });
        expect(secret.data).toBeUndefined();
    });

    it("selects the operator's TiCDC pods of this group for the API service", () => {
        const service = ticdcServiceArgs("cdc", "cdc-pipeline");
        expect(service.metadata).toMatchObject({ name: "cdc-ticdc", namespace: "cdc-pipeline" });
        expect(service.spec).toEqual({
            type: "ClusterIP",
            selector: {
                "pingcap.com/managed-by": "tidb-operator",
                "pingcap.com/component": "ticdc",
                "pingcap.com/cluster": "cdc",
                "pingcap.com/group": "cdc",
            },
            ports: [{ name: "ticdc", port: 8300, targetPort: "ticdc" }],
        });
    });

    it("reports the operator's service names as endpoints", () => {
        expect(tidbKubernetesEndpoints("cdc", "cdc-pipeline")).toEqual({
            mysqlHost: "cdc-tidb.cdc-pipeline.svc",
            mysqlPort: 4000,
            ticdcApiUrl: "http://cdc-ticdc.cdc-pipeline.svc:8300",
            ticdcInternalUrl: "http://cdc-ticdc.cdc-pipeline.svc:8300",
            pdInternalUrl: "http://cdc-pd.cdc-pipeline.svc:2379",
        });
    });

    it("downloads the CRDs of the pinned operator release", () => {
        expect(tidbOperatorCrdsUrl("v2.0.1")).toBe(
            "https://github.com/pingcap/tidb-operator/releases/download/v2.0.1/tidb-operator.crds.yaml",
        );
    });
});
