/**
 * Render mode (kubernetes.renderYamlToDirectory): the config rules, and the prod program under
 * mocks: one render provider for every Kubernetes object, nothing that needs a live service, no
 * operator install, explicit names, and a placeholder instead of the root password.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, parseStackSettings } from "../../components/config";
import {
    RENDERED_PASSWORD_PLACEHOLDER,
    renderMode,
    renderModeOmissions,
} from "../../components/pipeline/pipeline";
import {
    installMocks,
    type MockSession,
    type RecordedResource,
    settle,
    stackConfig,
} from "../support/pulumi-mocks";
import { stackFileConfig } from "../support/stack-files";

const PASSWORD = "render-mode-pw-4b1e77";
const OUT = "/tmp/rendered-prod";

function problems(raw: unknown): string {
    try {
        parseStackSettings(raw, { tidbRootPassword: true });
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
    }
    throw new Error("expected the configuration to be rejected");
}

const EXTERNAL = {
    tidb: { external: { host: "tidb", ticdcApiUrl: "http://ticdc:8300" } },
    kafka: { external: { bootstrapServers: ["kafka:9092"] } },
    flink: { external: { restUrl: "http://jm:8081", sqlGatewayUrl: "http://gw:8083" } },
};

describe("kubernetes.renderYamlToDirectory: configuration", () => {
    it("is off by default and on with a directory on target kubernetes", () => {
        const off = parseStackSettings({ target: "kubernetes" }, { tidbRootPassword: true });
        expect(renderMode(off)).toBe(false);
        expect(renderModeOmissions(off)).toEqual([]);
        const on = parseStackSettings(
            { target: "kubernetes", kubernetes: { renderYamlToDirectory: OUT } },
            { tidbRootPassword: true },
        );
        expect(on.kubernetes.renderYamlToDirectory).toBe(OUT);
        expect(renderMode(on)).toBe(true);
    });

    it("names the field and the fix on target docker", () => {
        expect(
            problems({ target: "docker", kubernetes: { renderYamlToDirectory: OUT } }),
        ).toContain(
            `kubernetes.renderYamlToDirectory = "${OUT}": renders Kubernetes manifests, so it needs target "kubernetes"; remove it, or set target: kubernetes`,
        );
    });

    it("rejects an empty path and a stack with nothing to render", () => {
        expect(
            problems({ target: "kubernetes", kubernetes: { renderYamlToDirectory: "" } }),
        ).toContain('kubernetes.renderYamlToDirectory = "": must be a directory path');
        expect(
            problems({
                target: "kubernetes",
                ...EXTERNAL,
                kubernetes: { renderYamlToDirectory: OUT },
            }),
        ).toMatch(/renderYamlToDirectory = .*all external, so there is no Kubernetes object/);
    });

    it("lists what a render of the prod stack leaves out", () => {
        const settings = parseStackSettings(
            {
                ...stackFileConfig("prod"),
                kubernetes: { namespace: "cdc-pipeline", renderYamlToDirectory: OUT },
            },
            { tidbRootPassword: true },
        );
        const omitted = renderModeOmissions(settings).join("\n");
        expect(omitted).toMatch(/operator installs: TiDB Operator v2 .*Strimzi .*Flink/);
        expect(omitted).toContain("service account cdc-flink");
        expect(omitted).toContain("the TiCDC changefeed cdc-to-kafka");
        expect(omitted).toContain("placeholder");
    });
});

interface ProviderRecord {
    name: string;
    type: string;
    provider: string;
}

describe("kubernetes.renderYamlToDirectory: the prod program", () => {
    let session: MockSession;
    const providers: ProviderRecord[] = [];
    const kubernetes = () =>
        session.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
    const objects = kubernetes;

    beforeAll(async () => {
        session = installMocks("prod");
        // The shared recorder does not keep the provider reference; this one does.
        const monitor = pulumi.runtime.getMonitor() as unknown as {
            registerResource(req: ProviderRequest, callback: unknown): unknown;
        };
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req, callback) => {
            providers.push({
                name: req.getName(),
                type: req.getType(),
                provider: req.getProvider(),
            });
            return register(req, callback);
        };
        const prod = stackFileConfig("prod");
        stackConfig(
            {
                ...prod,
                kubernetes: { ...(prod.kubernetes as object), renderYamlToDirectory: OUT },
                flinkSql: {
                    tables: [
                        {
                            name: "orders",
                            from: "app.orders",
                            columns: [{ name: "id", type: "BIGINT" }],
                        },
                    ],
                },
                tidbRootPassword: PASSWORD,
            },
            ["tidbRootPassword"],
        );
        const { createStack } = await import("../../infra/program");
        createStack();
        await settle();
    });

    it("declares one render provider writing to the configured directory", () => {
        const render = session.ofType("pulumi:providers:kubernetes");
        expect(render.map((r) => r.name)).toEqual(["cdc-render"]);
        expect(render[0]!.inputs.renderYamlToDirectory).toBe(OUT);
    });

    it("sends every Kubernetes object through it", () => {
        const unrendered = providers
            .filter(
                (p) => p.type.startsWith("kubernetes:") && !p.provider.includes("::cdc-render::"),
            )
            .map((p) => `${p.type} ${p.name}`);
        expect(unrendered).toEqual([]);
        expect(objects().length).toBeGreaterThan(10);
    });

    it("declares nothing that needs a live service or a remote chart", () => {
        const types = new Set(session.resources.map((r) => r.type));
        for (const type of types) {
            expect(type).not.toMatch(/^pulumi-nodejs:dynamic|kubernetes:helm|kubernetes:yaml/);
        }
        const namespaces = session
            .ofType("kubernetes:core/v1:Namespace")
            .map((r) => (r.inputs.metadata as { name: string }).name);
        expect(namespaces).toEqual(["cdc-pipeline"]);
    });

    it("names every object explicitly, so renders are stable", () => {
        const unnamed = objects()
            .filter((r: RecordedResource) => {
                const metadata = r.inputs.metadata as { name?: unknown } | undefined;
                return typeof metadata?.name !== "string" || metadata.name === "";
            })
            .map((r) => r.name);
        expect(unnamed).toEqual([]);
    });

    it("writes a marked placeholder, never the password, into the bootstrap Secret", () => {
        const all = JSON.stringify(session.resources.map((r) => r.inputs));
        expect(all).not.toContain(PASSWORD);
        const secrets = session.ofType("kubernetes:core/v1:Secret");
        expect(secrets).toHaveLength(1);
        expect(JSON.stringify(secrets[0]!.inputs)).toContain(RENDERED_PASSWORD_PLACEHOLDER);
    });

    it("renders the Flink session cluster's own service account in place of the chart's", () => {
        const accounts = session
            .ofType("kubernetes:core/v1:ServiceAccount")
            .map((r) => (r.inputs.metadata as { name: string }).name);
        expect(accounts).toEqual(["cdc-flink"]);
    });
});

interface ProviderRequest {
    getName(): string;
    getType(): string;
    getProvider(): string;
}
