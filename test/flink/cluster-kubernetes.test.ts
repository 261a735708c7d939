import { beforeAll, describe, expect, it } from "vitest";
import { parseStackSettings, type StackSettingsInput } from "../../components/config";
import { installMocks, type MockSession, settle, valueOf } from "../support/pulumi-mocks";

const session: MockSession = installMocks();
const FLINK_DEPLOYMENT = "kubernetes:flink.apache.org/v1beta1:FlinkDeployment";
const CHART = "kubernetes:helm.sh/v4:Chart";

async function build(
    name: string,
    raw: Omit<StackSettingsInput, "target">,
    install: boolean,
    protect = true,
) {
    const k8s = await import("@pulumi/kubernetes");
    const { FlinkSessionCluster } = await import("../../components/flink");
    const settings = parseStackSettings(
        { target: "kubernetes", ...raw },
        { tidbRootPassword: true },
    );
    const provider = new k8s.Provider(`${name}-provider`, {});
    const namespace = new k8s.core.v1.Namespace(
        `${name}-ns`,
        { metadata: { name: settings.kubernetes.namespace } },
        { provider },
    );
    const cluster = new FlinkSessionCluster(name, {
        prefix: settings.namePrefix,
        settings: settings.flink,
        target: {
            kind: "kubernetes",
            namespace: settings.kubernetes.namespace,
            operators: { ...settings.kubernetes.operators, install },
            dependsOn: [namespace],
            provider,
        },
        protect,
    });
    await settle();
    return cluster;
}

const childrenOf = (parent: string) => session.resources.filter((r) => r.parent === parent);
/** `[type, name]` of the children, sorted (registration order depends on async dependencies). */
const kindsOf = (parent: string) =>
    childrenOf(parent)
        .map((r) => [r.type, r.name])
        .sort((a, b) => a.join().localeCompare(b.join()));

/** Names repeat across kinds (a Deployment and its Service): look up by both. */
function one(type: string, name: string) {
    const found = session.ofType(type).filter((r) => r.name === name);
    expect(found).toHaveLength(1);
    return found[0]!;
}

describe("FlinkSessionCluster on kubernetes, installing the operator", () => {
    let cluster: Awaited<ReturnType<typeof build>>;

    beforeAll(async () => {
        cluster = await build("flink", { namePrefix: "prod" }, true);
    });

    it("creates operator namespace and chart, claim, FlinkDeployment, gateway Deployment and Service", () => {
        expect(kindsOf("flink")).toEqual([
            ["kubernetes:apps/v1:Deployment", "prod-sql-gateway"],
            ["kubernetes:core/v1:Namespace", "prod-flink-operator"],
            ["kubernetes:core/v1:PersistentVolumeClaim", "prod-flink-data"],
            ["kubernetes:core/v1:Service", "prod-sql-gateway"],
            [FLINK_DEPLOYMENT, "flinkdeployment-prod-flink"],
            [CHART, "prod-flink-operator"],
        ]);
    });

    it("installs the chart after the stack namespace, without the webhook", () => {
        const chart = one(CHART, "prod-flink-operator");
        expect(chart.dependsOn).toEqual(
            expect.arrayContaining(["prod-flink-operator", "flink-ns"]),
        );
        expect(chart.inputs).toMatchObject({
            chart: "flink-kubernetes-operator",
            version: "1.15.0",
            namespace: "prod-flink-operator",
            repositoryOpts: {
                repo: "https://downloads.apache.org/flink/flink-kubernetes-operator-1.15.0/",
            },
            values: { webhook: { create: false }, watchNamespaces: ["cdc-pipeline"] },
        });
    });

    it("orders chart → FlinkDeployment → gateway, and uses the chart's service account", () => {
        const deployment = session.named("flinkdeployment-prod-flink");
        expect(deployment.dependsOn).toEqual(
            expect.arrayContaining(["flink-ns", "prod-flink-operator", "prod-flink-data"]),
        );
        expect(deployment.inputs).toMatchObject({
            apiVersion: "flink.apache.org/v1beta1",
            kind: "FlinkDeployment",
            spec: { serviceAccount: "flink", mode: "standalone", flinkVersion: "v2_2" },
        });
        expect(deployment.protect).toBe(false);
        const gateway = one("kubernetes:apps/v1:Deployment", "prod-sql-gateway");
        expect(gateway.dependsOn).toEqual(
            expect.arrayContaining(["flink-ns", "flinkdeployment-prod-flink"]),
        );
    });

    it("protects the state claim only", () => {
        const protectedNames = childrenOf("flink")
            .filter((r) => r.protect)
            .map((r) => r.name);
        expect(protectedNames).toEqual(["prod-flink-data"]);
    });

    it("exposes in-cluster URLs", async () => {
        expect(await valueOf(cluster.restUrl)).toBe("http://prod-flink-rest.cdc-pipeline.svc:8081");
        expect(await valueOf(cluster.internalRestUrl)).toBe(
            "http://prod-flink-rest.cdc-pipeline.svc:8081",
        );
        expect(await valueOf(cluster.sqlGatewayUrl)).toBe(
            "http://prod-sql-gateway.cdc-pipeline.svc:8083",
        );
    });
});

describe("FlinkSessionCluster on kubernetes, operator managed elsewhere", () => {
    beforeAll(async () => {
        await build("other", { namePrefix: "ext" }, false, false);
    });

    it("creates its own service account and RBAC instead of the chart", () => {
        expect(kindsOf("other")).toEqual([
            ["kubernetes:apps/v1:Deployment", "ext-sql-gateway"],
            ["kubernetes:core/v1:PersistentVolumeClaim", "ext-flink-data"],
            ["kubernetes:core/v1:Service", "ext-sql-gateway"],
            ["kubernetes:core/v1:ServiceAccount", "ext-flink"],
            [FLINK_DEPLOYMENT, "flinkdeployment-ext-flink"],
            ["kubernetes:rbac.authorization.k8s.io/v1:Role", "ext-flink"],
            ["kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "ext-flink"],
        ]);
        const deployment = session.named("flinkdeployment-ext-flink");
        expect(deployment.inputs).toMatchObject({ spec: { serviceAccount: "ext-flink" } });
        expect(deployment.dependsOn).toEqual(
            expect.arrayContaining(["ext-flink", "ext-flink-data", "other-ns"]),
        );
        expect(childrenOf("other").some((r) => r.protect)).toBe(false);
    });
});
