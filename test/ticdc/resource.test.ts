/**
 * The Changefeed resource under Pulumi mocks: what is registered, which outputs are declared
 * secret, and that no credential reaches the state or the serialized provider in plain text.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { installMocks, type MockSession, settle, valueOf } from "../support/pulumi-mocks";
import { plainTextPaths, secretValues } from "../support/secrets";

const SASL_PASSWORD = "kafka-pa55&word=x";
const API_PASSWORD = "ticdc-api-s3cret";

let session: MockSession;
let pulumi: typeof import("@pulumi/pulumi");
let ticdc: typeof import("../../components/ticdc");
/** additionalSecretOutputs by resource name (the shared mocks do not record options). */
const secretOutputs = new Map<string, string[]>();

beforeAll(async () => {
    session = installMocks();
    pulumi = await import("@pulumi/pulumi");
    ticdc = await import("../../components/ticdc");
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(req: RegisterRequest, callback: unknown): unknown;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
        secretOutputs.set(req.getName(), req.getAdditionalsecretoutputsList());
        return register(req, callback);
    };
});

interface RegisterRequest {
    getName(): string;
    getAdditionalsecretoutputsList(): string[];
}

function register(name: string, withCredentials: boolean) {
    return new ticdc.Changefeed(name, {
        changefeedId: `${name}-feed`,
        ticdcApiUrl: "http://ticdc:8300",
        basicAuth: withCredentials
            ? { user: "cdc", password: pulumi.secret(API_PASSWORD) }
            : undefined,
        sink: {
            brokers: ["kafka-0:9092"],
            topic: "tidb_default",
            partitionNum: 3,
            sasl: withCredentials
                ? {
                      mechanism: "scram-sha-512",
                      user: "ticdc",
                      password: pulumi.secret(SASL_PASSWORD),
                  }
                : undefined,
        },
        tables: ["app.orders"],
        startTs: "449530440858189826",
    });
}

describe("Changefeed under mocks", () => {
    it("registers a typed dynamic resource whose credentials stay secret", async () => {
        const feed = register("secret", true);
        await settle();
        const recorded = session.named("secret");
        expect(recorded.type).toBe("pulumi-nodejs:dynamic/ticdc:Changefeed");
        for (const needle of [SASL_PASSWORD, API_PASSWORD, encodeURIComponent(SASL_PASSWORD)]) {
            expect(plainTextPaths(recorded.inputs, needle)).toEqual([]);
        }
        const secrets = JSON.stringify(secretValues(recorded.inputs));
        expect(secrets).toContain(SASL_PASSWORD);
        expect(secrets).toContain(API_PASSWORD);
        expect(secretOutputs.get("secret")).toEqual(["basicAuth", "tidb", "sink", "sinkUri"]);
        expect(await valueOf(feed.changefeedId)).toBe("secret-feed");
        expect(await valueOf(feed.startTs)).toBe("449530440858189826");
    });

    it("serializes a provider that captures no secret", async () => {
        register("closure", true);
        await settle();
        const provider = session.named("closure").inputs.__provider;
        expect(typeof provider).toBe("string");
        const text = provider as string;
        expect(text).toContain("exports.handler");
        expect(text).not.toContain(SASL_PASSWORD);
        expect(text).not.toContain(API_PASSWORD);
    });

    it("keeps a sink without credentials readable", async () => {
        register("plain", false);
        await settle();
        expect(secretOutputs.get("plain")).toEqual(["basicAuth", "tidb"]);
        expect(secretValues(session.named("plain").inputs)).toEqual([]);
    });

    it("treats a sink not known yet as possibly secret", async () => {
        new ticdc.Changefeed("opaque", {
            changefeedId: "opaque",
            ticdcApiUrl: "http://ticdc:8300",
            sink: pulumi.output({ brokers: ["kafka-0:9092"], topic: "t" }),
            tables: ["app.*"],
        });
        await settle();
        expect(secretOutputs.get("opaque")).toEqual(["basicAuth", "tidb", "sink", "sinkUri"]);
    });

    it("gets an existing changefeed by id from the connection fields", async () => {
        const existing = ticdc.Changefeed.get("existing", "orders-to-kafka", {
            ticdcApiUrl: "http://ticdc:8300",
            namespace: "team-a",
        });
        expect(await valueOf(existing.id)).toBe("orders-to-kafka");
    });
});
