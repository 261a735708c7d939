/**
 * The prod stack (Pulumi.prod.yaml) rendered through the real kubernetes provider
 * (scripts/render-manifests.sh: Pulumi CLI, Automation API inline program, renderYamlToDirectory,
 * no cluster), twice: the two directories must be byte-identical so a pull request can review the
 * manifests as a diff, and every manifest must validate (custom resources against ../shared/crds,
 * core kinds against the Kubernetes OpenAPI schemas of `kubernetes-models`).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RENDERED_PASSWORD_PLACEHOLDER } from "../../components/pipeline/pipeline";
import {
    type KubernetesObject,
    listFiles,
    readManifests,
    type RenderedManifest,
    type RenderRun,
    renderStack,
    validateObject,
} from "../render/manifests";

/** A Secret's or ConfigMap's values as text (`data` decoded from base64, `stringData` as is). */
function decodedData(object: KubernetesObject): Record<string, string> {
    const decoded: Record<string, string> = {};
    for (const [key, value] of Object.entries((object.data ?? {}) as Record<string, string>)) {
        decoded[key] = Buffer.from(value, "base64").toString("utf8");
    }
    return { ...decoded, ...((object.stringData ?? {}) as Record<string, string>) };
}

/** Distinctive, with characters SQL and YAML would have to escape. */
const PASSWORD = "prod-manifests-'pw'-\\9c41e0";

describe("prod stack rendered to Kubernetes manifests", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "prod-manifests-"));
    const first = path.join(tmp, "first");
    const second = path.join(tmp, "second");
    const runs: RenderRun[] = [];
    let manifests: RenderedManifest[];

    beforeAll(async () => {
        // One after the other: two cores, and the first run builds what the second reuses.
        runs.push(await renderStack("prod", first, { TIDB_ROOT_PASSWORD: PASSWORD }));
        runs.push(await renderStack("prod", second, { TIDB_ROOT_PASSWORD: PASSWORD }));
        console.log(`rendered prod in ${runs.map((r) => `${r.seconds.toFixed(1)} s`).join(", ")}`);
        manifests = readManifests(first);
    }, 900_000);

    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("renders byte-identical directories from run to run", () => {
        const files = listFiles(first);
        expect(files.length).toBeGreaterThan(10);
        expect(listFiles(second)).toEqual(files);
        for (const file of files) {
            const a = fs.readFileSync(path.join(first, file));
            const b = fs.readFileSync(path.join(second, file));
            expect(a.equals(b), file).toBe(true);
        }
    });

    it("renders the objects of all three services, each under its own name", () => {
        const have = manifests.map(({ object: o }) => `${o.kind}/${o.metadata.name}`).sort();
        expect(have).toEqual(
            [
                "Namespace/cdc-pipeline",
                // TiDB: the operator's groups, the bootstrap Secret, the TiCDC API service.
                "Cluster/cdc",
                "PDGroup/cdc",
                "TiKVGroup/cdc",
                "TiDBGroup/cdc",
                "TiCDCGroup/cdc",
                "Secret/cdc-tidb-init-sql",
                "Service/cdc-ticdc",
                // Kafka through Strimzi.
                "Kafka/cdc-kafka",
                "KafkaNodePool/cdc-brokers",
                // Flink: the session cluster, its state claim and RBAC, the SQL Gateway.
                "FlinkDeployment/cdc-flink",
                "PersistentVolumeClaim/cdc-flink-data",
                "ServiceAccount/cdc-flink",
                "Role/cdc-flink",
                "RoleBinding/cdc-flink",
                "Deployment/cdc-sql-gateway",
                "Service/cdc-sql-gateway",
            ].sort(),
        );
        // Everything but the namespace itself lives in it.
        for (const { file, object } of manifests) {
            if (object.kind !== "Namespace") {
                expect(object.metadata.namespace, file).toBe("cdc-pipeline");
            }
        }
    });

    it("validates every custom resource against its CRD and every core object against the Kubernetes schema", () => {
        const against = { core: 0, crd: 0 };
        const failures: string[] = [];
        for (const { file, object } of manifests) {
            const result = validateObject(object);
            against[result.against]++;
            failures.push(...result.errors.map((e) => `${file}: ${e}`));
        }
        expect(failures).toEqual([]);
        expect(against).toEqual({ crd: 8, core: 9 });
    });

    it("would catch a broken manifest of either kind", () => {
        const find = (kind: string) =>
            structuredClone(manifests.find(({ object }) => object.kind === kind)!.object);
        const deployment = find("Deployment");
        (deployment.spec as { replicas: unknown }).replicas = "two";
        expect(validateObject(deployment)).toMatchObject({
            against: "core",
            errors: [expect.any(String)],
        });
        const kafka = find("Kafka");
        (kafka.spec as Record<string, unknown>).kafkaa = {};
        expect(validateObject(kafka).errors.join()).toContain(".spec.kafkaa");
    });

    it("never writes the root password, only the marked placeholder", () => {
        for (const dir of [first, second]) {
            for (const file of listFiles(dir)) {
                const text = fs.readFileSync(path.join(dir, file), "utf8");
                expect(text.includes(PASSWORD), file).toBe(false);
                // Secret data is base64: look inside it too.
                for (const { object } of readManifests(dir).filter((m) => m.file === file)) {
                    for (const value of Object.values(decodedData(object))) {
                        expect(value.includes(PASSWORD), file).toBe(false);
                    }
                }
            }
        }
        const secrets = manifests.filter(({ object }) => object.kind === "Secret");
        expect(secrets).toHaveLength(1);
        expect(decodedData(secrets[0]!.object)["init.sql"]).toContain(
            RENDERED_PASSWORD_PLACEHOLDER,
        );
    });

    it("leaves out what needs a live service or a remote chart, and says so", () => {
        const kinds = new Set(manifests.map(({ object }) => object.kind));
        expect(kinds).not.toContain("CustomResourceDefinition");
        expect(kinds).not.toContain("KafkaTopic");
        expect(fs.existsSync(path.join(first, "0-crd"))).toBe(true);
        expect(listFiles(path.join(first, "0-crd"))).toEqual([]);
        const log = runs[0]!.log;
        expect(log).toMatch(/not rendered \(they need a live cluster or service\)/);
        expect(log).toMatch(/operator installs: TiDB Operator v2/);
        expect(log).toMatch(/Kafka topics and the TiCDC changefeed cdc-to-kafka/);
        expect(log).not.toContain(PASSWORD);
    });
});
