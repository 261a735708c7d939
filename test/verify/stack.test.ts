import { describe, expect, it } from "vitest";
import {
    parseStackConfig,
    parseStackOutputs,
    readStack,
    readStackPassword,
} from "../../scripts/verify/stack";

const OUTPUTS = JSON.stringify({
    target: "docker",
    tidbMysqlEndpoint: "127.0.0.1:4000",
    ticdcApiUrl: "http://127.0.0.1:8300",
    kafkaBootstrapServers: "127.0.0.1:29092",
    flinkRestUrl: "http://127.0.0.1:8081",
    flinkSqlGatewayUrl: "[secret]",
});

/** `pulumi config --json` (no --show-secrets) as the CLI prints it. */
const CONFIG = JSON.stringify({
    "tidb-cdc-pipeline:namePrefix": { value: "lab", secret: false },
    "tidb-cdc-pipeline:replication": {
        value: '{"tables":["test.orders"]}',
        objectValue: { tables: ["test.orders"] },
        secret: false,
    },
    "tidb-cdc-pipeline:target": { value: "docker", secret: false },
    "tidb-cdc-pipeline:tidbRootPassword": { secret: true },
    "aws:region": { value: "eu-west-1", secret: false },
});

describe("parseStackOutputs", () => {
    it("takes the endpoint outputs; a secret output is not an endpoint", () => {
        expect(parseStackOutputs(OUTPUTS)).toEqual({
            tidbMysqlEndpoint: "127.0.0.1:4000",
            ticdcApiUrl: "http://127.0.0.1:8300",
            kafkaBootstrapServers: "127.0.0.1:29092",
            flinkRestUrl: "http://127.0.0.1:8081",
        });
        expect(() => parseStackOutputs("[]")).toThrow(/not print a JSON object/);
    });
});

describe("parseStackConfig", () => {
    it("derives the stack's changefeed id through the project's schema; secrets only as present", () => {
        expect(parseStackConfig(CONFIG)).toEqual({
            hasTidbPassword: true,
            changefeedId: "lab-to-kafka",
            tidbUser: undefined,
            replicatedTables: ["test.orders"],
        });
    });

    it("reads an explicit changefeed id and an external TiDB's user", () => {
        const config = JSON.stringify({
            "tidb-cdc-pipeline:target": { value: "docker" },
            "tidb-cdc-pipeline:tidb": {
                value: JSON.stringify({
                    external: { host: "db", user: "cdc_admin", ticdcApiUrl: "http://cdc:8300" },
                }),
            },
            "tidb-cdc-pipeline:replication": {
                value: JSON.stringify({ tables: ["app.*"], changefeedId: "app-feed" }),
            },
        });
        expect(parseStackConfig(config)).toMatchObject({
            hasTidbPassword: false,
            changefeedId: "app-feed",
            tidbUser: "cdc_admin",
        });
    });

    it("no replicated table, no changefeed; a config the schema refuses falls back to raw keys", () => {
        expect(
            parseStackConfig(JSON.stringify({ "tidb-cdc-pipeline:target": { value: "docker" } }))
                .changefeedId,
        ).toBeUndefined();
        const odd = JSON.stringify({
            "tidb-cdc-pipeline:target": { value: "docker" },
            "tidb-cdc-pipeline:someFutureKey": { value: "1" },
            "tidb-cdc-pipeline:replication": { value: '{"tables":["a.b"],"changefeedId":"x-y"}' },
        });
        expect(parseStackConfig(odd)).toMatchObject({
            changefeedId: "x-y",
            replicatedTables: ["a.b"],
        });
    });
});

describe("reading a stack through the CLI", () => {
    it("asks for outputs and config without --show-secrets; the password only on its own call", async () => {
        const calls: string[][] = [];
        const run = (file: string, args: string[]) => {
            calls.push([file, ...args]);
            if (args[0] === "stack") return Promise.resolve(OUTPUTS);
            if (args[1] === "get") return Promise.resolve("s3cret-pw\n");
            return Promise.resolve(CONFIG);
        };
        const info = await readStack("/bin/pulumi", "dev", run);
        expect(info.endpoints.ticdcApiUrl).toBe("http://127.0.0.1:8300");
        expect(info.defaults.changefeedId).toBe("lab-to-kafka");
        expect(calls).toEqual([
            ["/bin/pulumi", "stack", "output", "--json", "--stack", "dev", "--non-interactive"],
            ["/bin/pulumi", "config", "--json", "--stack", "dev", "--non-interactive"],
        ]);
        expect(calls.flat()).not.toContain("--show-secrets");
        expect(await readStackPassword("/bin/pulumi", "dev", run)).toBe("s3cret-pw");
    });
});
