/**
 * `teardown.forgetUnreachable`: its default per service (a lab forgets the dynamic resources of
 * the services it manages; external services and Kubernetes never do), its validation, and the
 * Pipeline handing it to every topic, changefeed and Flink SQL table and job (under mocks).
 */
import { describe, expect, it } from "vitest";
import { ConfigError, parseStackSettings } from "../../components/config";
import { forgetIfUnreachable } from "../../components/pipeline/teardown";
import { installMocks, settle } from "../support/pulumi-mocks";

const EXTERNAL: Record<"tidb" | "kafka" | "flink", Record<string, unknown>> = {
    tidb: { external: { host: "tidb.corp", ticdcApiUrl: "http://ticdc.corp:8300" } },
    kafka: { external: { bootstrapServers: ["kafka.corp:9092"] } },
    flink: {
        external: {
            restUrl: "http://flink.corp:8081",
            sqlGatewayUrl: "http://flink.corp:8083",
            savepointDir: "s3://bucket/savepoints",
        },
    },
};

/** What each service's resources get. */
function perService(raw: Record<string, unknown>) {
    const settings = parseStackSettings(raw, { tidbRootPassword: true });
    return {
        tidb: forgetIfUnreachable(settings, "tidb"),
        kafka: forgetIfUnreachable(settings, "kafka"),
        flink: forgetIfUnreachable(settings, "flink"),
    };
}

function problems(raw: unknown): string {
    try {
        parseStackSettings(raw, { tidbRootPassword: true });
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
    }
    throw new Error("expected the configuration to be rejected");
}

describe("teardown.forgetUnreachable: defaults", () => {
    it("is unset by default", () => {
        expect(parseStackSettings({ target: "docker" }).teardown).toEqual({});
    });

    it("is true for what a lab manages itself", () => {
        expect(perService({ target: "docker" })).toEqual({ tidb: true, kafka: true, flink: true });
    });

    it("is false for external services, also in a lab", () => {
        expect(perService({ target: "docker", kafka: EXTERNAL.kafka })).toEqual({
            tidb: true,
            kafka: false,
            flink: true,
        });
        expect(perService({ target: "docker", ...EXTERNAL })).toEqual({
            tidb: false,
            kafka: false,
            flink: false,
        });
    });

    it("is false on kubernetes, managed or not", () => {
        const none = { tidb: false, kafka: false, flink: false };
        expect(perService({ target: "kubernetes" })).toEqual(none);
        expect(perService({ target: "kubernetes", protectStorage: false })).toEqual(none);
        expect(perService({ target: "kubernetes", ...EXTERNAL })).toEqual(none);
    });

    it("is false for a lab that protects its storage", () => {
        expect(perService({ target: "docker", protectStorage: true })).toEqual({
            tidb: false,
            kafka: false,
            flink: false,
        });
    });

    it("applies to every service when set", () => {
        const all = { tidb: true, kafka: true, flink: true };
        const none = { tidb: false, kafka: false, flink: false };
        const on = { teardown: { forgetUnreachable: true } };
        const off = { teardown: { forgetUnreachable: false } };
        expect(perService({ target: "docker", ...EXTERNAL, ...on })).toEqual(all);
        expect(perService({ target: "docker", ...off })).toEqual(none);
        expect(perService({ target: "kubernetes", protectStorage: false, ...on })).toEqual(all);
        expect(perService({ target: "kubernetes", ...off })).toEqual(none);
    });
});

describe("teardown.forgetUnreachable: validation", () => {
    it("must be a boolean, and says what it does", () => {
        expect(problems({ target: "docker", teardown: { forgetUnreachable: "yes" } })).toContain(
            '  - teardown.forgetUnreachable = "yes": must be true or false: true drops topics, changefeeds and Flink SQL tables and jobs from the state when their service does not answer on delete (pulumi config set --path teardown.forgetUnreachable true)',
        );
    });

    it("refuses unknown keys under teardown", () => {
        expect(problems({ target: "docker", teardown: { forget: true } })).toContain(
            '  - teardown = (not set): unknown field(s) "forget"',
        );
    });

    it("is refused where storage is protected, naming the way out", () => {
        const message = problems({ target: "kubernetes", teardown: { forgetUnreachable: true } });
        expect(message).toContain(
            "  - teardown.forgetUnreachable = true: would drop topics, changefeeds and Flink SQL jobs from the state whenever their service does not answer on delete, but this stack protects its storage (protectStorage, the default on kubernetes)",
        );
        expect(message).toContain("pulumi state delete <urn>");
        expect(message).toContain("set protectStorage: false for a disposable stack");
        expect(
            problems({
                target: "docker",
                protectStorage: true,
                teardown: { forgetUnreachable: true },
            }),
        ).toContain("but this stack protects its storage (protectStorage)");
    });

    it("accepts false anywhere, and true where storage is disposable", () => {
        for (const raw of [
            { target: "kubernetes", teardown: { forgetUnreachable: false } },
            { target: "kubernetes", protectStorage: false, teardown: { forgetUnreachable: true } },
            { target: "docker", teardown: { forgetUnreachable: true } },
        ]) {
            expect(() => parseStackSettings(raw, { tidbRootPassword: true })).not.toThrow();
        }
    });
});

const DYNAMIC = {
    topic: "pulumi-nodejs:dynamic/kafka:KafkaTopic",
    changefeed: "pulumi-nodejs:dynamic/ticdc:Changefeed",
    table: "pulumi-nodejs:dynamic/flink:SqlTable",
    job: "pulumi-nodejs:dynamic/flink:SqlJob",
};

const SQL = {
    replication: { tables: ["shop.orders"] },
    flinkSql: {
        tables: [
            { name: "orders", from: "shop.orders", columns: [{ name: "id", type: "BIGINT" }] },
            {
                name: "sink",
                columns: [{ name: "id", type: "BIGINT" }],
                options: { connector: "print" },
            },
        ],
        jobs: [{ name: "copy", statement: "INSERT INTO sink SELECT id FROM orders" }],
    },
};

/** The `forgetIfUnreachable` input of each dynamic resource the Pipeline declares. */
async function wiring(raw: Record<string, unknown>) {
    const session = installMocks();
    const { Pipeline } = await import("../../components/pipeline");
    const settings = parseStackSettings(
        { target: "docker", ...SQL, ...raw },
        { tidbRootPassword: true },
    );
    new Pipeline("p", { settings });
    await settle();
    const flags = (type: string) =>
        session.ofType(type).map((resource) => resource.inputs.forgetIfUnreachable);
    return {
        topics: flags(DYNAMIC.topic),
        changefeed: flags(DYNAMIC.changefeed),
        tables: flags(DYNAMIC.table),
        jobs: flags(DYNAMIC.job),
    };
}

describe("the Pipeline's dynamic resources", () => {
    it("forget what a lab's own services held", async () => {
        expect(await wiring({})).toEqual({
            topics: [true, true],
            changefeed: [true],
            tables: [true, true],
            jobs: [true],
        });
    });

    it("keep what an external service holds, per service", async () => {
        expect(await wiring({ kafka: EXTERNAL.kafka, flink: EXTERNAL.flink })).toEqual({
            topics: [false, false],
            changefeed: [true],
            tables: [false, false],
            jobs: [false],
        });
    });

    it("follow the key when it is set", async () => {
        expect(await wiring({ ...EXTERNAL, teardown: { forgetUnreachable: true } })).toEqual({
            topics: [true, true],
            changefeed: [true],
            tables: [true, true],
            jobs: [true],
        });
    });

    it("keep everything on kubernetes", async () => {
        expect(await wiring({ target: "kubernetes", ...EXTERNAL })).toEqual({
            topics: [false, false],
            changefeed: [false],
            tables: [false, false],
            jobs: [false],
        });
    });
});
