import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseStackSettings, type StackSettingsInput } from "../../components/config";
import {
    connectorInitContainer,
    FLINK_MAIN_CONTAINER,
    flinkDeploymentManifest,
    flinkVersionEnum,
    kubernetesRestUrl,
    kubernetesSqlGatewayUrl,
    sqlGatewayDeploymentManifest,
    sqlGatewayServiceManifest,
    stateClaimManifest,
} from "../../components/flink/kubernetes";
import { flinkOperatorChartArgs, sessionRbacManifests } from "../../components/flink/operator";
import { crdErrors } from "../support/crd-schema";

const KAFKA_1_20 = {
    groupId: "org.apache.flink",
    artifactId: "flink-sql-connector-kafka",
    version: "3.4.0-1.20",
    sha256: "b".repeat(64),
};

function options(raw: Omit<StackSettingsInput, "target"> = {}) {
    const settings = parseStackSettings(
        { target: "kubernetes", ...raw },
        { tidbRootPassword: true },
    );
    return {
        prefix: settings.namePrefix,
        namespace: settings.kubernetes.namespace,
        settings: settings.flink,
        serviceAccount: "flink",
    };
}

function shSyntax(script: string): Promise<string> {
    return new Promise((resolve) => {
        execFile("sh", ["-n", "-c", script], (error, _stdout, stderr) =>
            resolve(error ? stderr || error.message : ""),
        );
    });
}

describe("FlinkDeployment", () => {
    const cases: [string, Omit<StackSettingsInput, "target">][] = [
        ["2.2 defaults", {}],
        [
            "1.20 with explicit connector",
            { flink: { version: "1.20.5", connectors: [KAFKA_1_20] } },
        ],
        [
            "2.2 with Kubernetes HA and standby JobManager",
            {
                flink: {
                    highAvailability: "kubernetes",
                    jobManager: { replicas: 2, memory: "2g", cpu: 2 },
                    taskManager: { replicas: 3, slots: 4, memory: "4g", cpu: 2 },
                },
            },
        ],
    ];

    it.each(cases)("%s validates against the operator CRD", (_name, raw) => {
        expect(crdErrors({ ...flinkDeploymentManifest(options(raw)) })).toEqual([]);
    });

    it("notices invalid and undeclared fields (the checks are not vacuous)", () => {
        const manifest = flinkDeploymentManifest(options());
        expect(crdErrors({ ...manifest, spec: { ...manifest.spec, mode: "session" } })).not.toEqual(
            [],
        );
        const typo = {
            ...manifest.spec,
            taskManager: { ...manifest.spec.taskManager, replica: 1 },
        };
        expect(crdErrors({ ...manifest, spec: typo })).toEqual([
            ".spec.taskManager.replica is not declared by the CRD (pruned)",
        ]);
    });

    it.each(cases)("%s matches its snapshot", (_name, raw) => {
        expect(flinkDeploymentManifest(options(raw))).toMatchSnapshot();
    });

    it("is a standalone session cluster (no spec.job) that pulumi waits on", () => {
        const manifest = flinkDeploymentManifest(options());
        expect(manifest.apiVersion).toBe("flink.apache.org/v1beta1");
        expect(manifest.kind).toBe("FlinkDeployment");
        expect(manifest.metadata).toMatchObject({ name: "cdc-flink", namespace: "cdc-pipeline" });
        expect(manifest.metadata.annotations).toMatchObject({
            "pulumi.com/waitFor": "jsonpath={.status.lifecycleState}=STABLE",
        });
        expect(manifest.spec).not.toHaveProperty("job");
        expect(manifest.spec).toMatchObject({
            image: "flink:2.2.1-java17",
            flinkVersion: "v2_2",
            mode: "standalone",
            serviceAccount: "flink",
            jobManager: { replicas: 1, resource: { memory: "1600m", cpu: 1 } },
            taskManager: { replicas: 1, resource: { memory: "1728m", cpu: 1 } },
        });
    });

    it("mounts the connector-enriched lib/ over /opt/flink/lib in flink-main-container", () => {
        const pod = flinkDeploymentManifest(options()).spec.podTemplate.spec;
        const main = pod.containers.find((c) => c.name === FLINK_MAIN_CONTAINER)!;
        expect(main.volumeMounts).toEqual([
            { name: "flink-lib", mountPath: "/opt/flink/lib" },
            { name: "flink-data", mountPath: "/flink-data" },
        ]);
        expect(pod.volumes).toEqual([
            { name: "flink-lib", emptyDir: {} },
            { name: "flink-data", persistentVolumeClaim: { claimName: "cdc-flink-data" } },
        ]);
        expect(pod.initContainers).toHaveLength(1);
        const init = pod.initContainers![0]!;
        expect(init.image).toBe("flink:2.2.1-java17");
        expect(init.volumeMounts).toEqual([{ name: "flink-lib", mountPath: "/flink-lib" }]);
        expect(pod.securityContext).toEqual({ fsGroup: 9999 });
    });

    it("maps versions to the CRD enum and refuses unknown lines", () => {
        expect(flinkVersionEnum("2.2.1")).toBe("v2_2");
        expect(flinkVersionEnum("1.20.5")).toBe("v1_20");
        expect(flinkVersionEnum("2.0.2")).toBe("v2_0");
        expect(() => flinkVersionEnum("2.3.0")).toThrow(/v2_2/);
    });

    it("puts Kubernetes HA keys in flinkConfiguration", () => {
        const manifest = flinkDeploymentManifest(
            options({ flink: { highAvailability: "kubernetes", jobManager: { replicas: 2 } } }),
        );
        expect(manifest.spec.flinkConfiguration).toMatchObject({
            "high-availability.type": "kubernetes",
            "high-availability.storageDir": "file:///flink-data/ha",
        });
    });
});

describe("connector init container", () => {
    it("copies the image's lib/ first, then fetches and verifies the connectors", async () => {
        const init = connectorInitContainer("flink:2.2.1-java17", options().settings);
        expect(init.command!.slice(0, 2)).toEqual(["sh", "-c"]);
        const script = init.command![2]!;
        expect(script.startsWith("cp -R /opt/flink/lib/. '/flink-lib/' && (")).toBe(true);
        expect(script).toContain("sha256sum -c");
        expect(script).toContain(
            "'https://repo1.maven.org/maven2/org/apache/flink/flink-sql-connector-kafka/5.0.0-2.2/flink-sql-connector-kafka-5.0.0-2.2.jar' '/flink-lib'",
        );
        expect(await shSyntax(script)).toBe("");
    });
});

describe("SQL gateway", () => {
    it("runs the gateway script against the session cluster's REST service", () => {
        const deployment = sqlGatewayDeploymentManifest(options());
        expect(deployment.metadata).toMatchObject({
            name: "cdc-sql-gateway",
            namespace: "cdc-pipeline",
        });
        expect(deployment.spec.replicas).toBe(1);
        const pod = deployment.spec.template.spec;
        const container = pod.containers[0]!;
        expect(container.image).toBe("flink:2.2.1-java17");
        expect(container.command).toBeUndefined();
        expect(container.args!.slice(0, 2)).toEqual([
            "/opt/flink/bin/sql-gateway.sh",
            "start-foreground",
        ]);
        expect(container.args).toEqual(
            expect.arrayContaining([
                "-Drest.address=cdc-flink-rest.cdc-pipeline.svc",
                "-Drest.port=8081",
                "-Dexecution.target=remote",
                "-Dsql-gateway.endpoint.rest.address=cdc-sql-gateway.cdc-pipeline.svc",
                "-Dsql-gateway.endpoint.rest.bind-address=0.0.0.0",
                "-Dsql-gateway.endpoint.rest.port=8083",
            ]),
        );
        expect(container.ports).toEqual([{ name: "rest", containerPort: 8083, protocol: "TCP" }]);
        expect(container.readinessProbe!.httpGet).toEqual({ path: "/v1/info", port: 8083 });
        expect(container.volumeMounts).toEqual([
            { name: "flink-lib", mountPath: "/opt/flink/lib" },
        ]);
        expect(pod.initContainers![0]!.name).toBe("fetch-connectors");
        expect(deployment.spec.selector.matchLabels).toEqual(
            Object.fromEntries(
                Object.entries(deployment.spec.template.metadata.labels).filter(([k]) =>
                    Object.keys(deployment.spec.selector.matchLabels).includes(k),
                ),
            ),
        );
    });

    it("has a Service on 8083 selecting the gateway pods, sticky per client", () => {
        const service = sqlGatewayServiceManifest({ prefix: "cdc", namespace: "ns" });
        const deployment = sqlGatewayDeploymentManifest({ ...options(), namespace: "ns" });
        expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
        expect(service.spec.ports).toEqual([
            { name: "rest", port: 8083, targetPort: 8083, protocol: "TCP" },
        ]);
        expect(service.spec.sessionAffinity).toBe("ClientIP");
    });

    it("matches its snapshot", () => {
        expect(sqlGatewayDeploymentManifest(options())).toMatchSnapshot();
    });
});

describe("URLs and storage", () => {
    it("builds in-cluster URLs", () => {
        expect(kubernetesRestUrl("cdc", "ns")).toBe("http://cdc-flink-rest.ns.svc:8081");
        expect(kubernetesSqlGatewayUrl("cdc", "ns")).toBe("http://cdc-sql-gateway.ns.svc:8083");
    });

    it("claims shared ReadWriteMany state storage by default", () => {
        const state = parseStackSettings({ target: "kubernetes" }, { tidbRootPassword: true }).flink
            .state;
        expect(
            stateClaimManifest({ prefix: "cdc", namespace: "ns", state, storageClassName: "nfs" }),
        ).toMatchObject({
            apiVersion: "v1",
            kind: "PersistentVolumeClaim",
            metadata: { name: "cdc-flink-data", namespace: "ns" },
            spec: {
                accessModes: ["ReadWriteMany"],
                resources: { requests: { storage: "10Gi" } },
                storageClassName: "nfs",
            },
        });
        expect(
            stateClaimManifest({ prefix: "cdc", namespace: "ns", state }).spec,
        ).not.toHaveProperty("storageClassName");
    });

    it("takes size, access mode and class from flink.state", () => {
        const state = {
            storage: "50Gi",
            accessMode: "ReadWriteOnce" as const,
            storageClassName: "fast",
        };
        expect(
            stateClaimManifest({ prefix: "cdc", namespace: "ns", state, storageClassName: "nfs" })
                .spec,
        ).toEqual({
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: "50Gi" } },
            storageClassName: "fast",
        });
    });
});

describe("operator", () => {
    it("installs the chart without the webhook, watching the stack namespace", () => {
        expect(
            flinkOperatorChartArgs({
                version: "1.15.0",
                namespace: "cdc-flink-operator",
                watchNamespace: "cdc-pipeline",
            }),
        ).toEqual({
            chart: "flink-kubernetes-operator",
            name: "flink-kubernetes-operator",
            version: "1.15.0",
            namespace: "cdc-flink-operator",
            repositoryOpts: {
                repo: "https://downloads.apache.org/flink/flink-kubernetes-operator-1.15.0/",
            },
            values: { webhook: { create: false }, watchNamespaces: ["cdc-pipeline"] },
        });
    });

    it("binds its own service account to the chart's job rules when not installing", () => {
        const rbac = sessionRbacManifests("cdc", "ns");
        expect(rbac.serviceAccount.metadata.name).toBe("cdc-flink");
        expect(rbac.roleBinding.roleRef).toEqual({
            apiGroup: "rbac.authorization.k8s.io",
            kind: "Role",
            name: "cdc-flink",
        });
        expect(rbac.roleBinding.subjects).toEqual([
            { kind: "ServiceAccount", name: "cdc-flink", namespace: "ns" },
        ]);
        expect(rbac.role.rules[0]!.resources).toEqual(["pods", "configmaps"]);
    });
});
