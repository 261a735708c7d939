import { describe, expect, it } from "vitest";
import {
    applyTimeout,
    DEFAULT_TIMEOUTS_S,
    isUsageError,
    missingEndpoints,
    parseArgs,
    parseTableRef,
} from "../../scripts/verify/args";

function usage(argv: string[]): string {
    try {
        parseArgs(argv);
    } catch (error) {
        expect(isUsageError(error)).toBe(true);
        return (error as Error).message;
    }
    throw new Error("expected a usage error");
}

describe("parseArgs", () => {
    it("has defaults: the dedicated marker table, per-hop timeouts, human output", () => {
        const options = parseArgs([]);
        expect(options).toEqual({
            endpoints: {},
            markerTable: { schema: "cdc_verify", table: "marker" },
            timeoutsMs: { tidb: 30_000, ticdc: 60_000, kafka: 60_000, flink: 120_000 },
            json: false,
            help: false,
        });
        expect(DEFAULT_TIMEOUTS_S.flink).toBeGreaterThan(DEFAULT_TIMEOUTS_S.kafka);
    });

    it("reads a stack, explicit endpoints (also as --flag=value) and the other options", () => {
        const options = parseArgs([
            "--",
            "--stack",
            "dev",
            "--tidb=127.0.0.1:4000",
            "--ticdc",
            "http://127.0.0.1:8300",
            "--kafka",
            "127.0.0.1:29092, 127.0.0.1:29093",
            "--flink-rest",
            "http://127.0.0.1:8081",
            "--flink-gateway",
            "http://127.0.0.1:8083",
            "--flink-kafka",
            "kafka-0:9092",
            "--tidb-user",
            "verifier",
            "--changefeed",
            "lab-to-kafka",
            "--marker-table",
            "ops.cdc_marker",
            "--topic",
            "tidb_ops_cdc_marker",
            "--json",
        ]);
        expect(options).toMatchObject({
            stack: "dev",
            endpoints: {
                tidbMysqlEndpoint: "127.0.0.1:4000",
                ticdcApiUrl: "http://127.0.0.1:8300",
                kafkaBootstrapServers: "127.0.0.1:29092,127.0.0.1:29093",
                flinkRestUrl: "http://127.0.0.1:8081",
                flinkSqlGatewayUrl: "http://127.0.0.1:8083",
            },
            flinkKafkaBootstrapServers: "kafka-0:9092",
            tidbUser: "verifier",
            changefeed: "lab-to-kafka",
            markerTable: { schema: "ops", table: "cdc_marker" },
            topic: "tidb_ops_cdc_marker",
            json: true,
        });
        expect(parseArgs(["-h"]).help).toBe(true);
    });

    it("sets every hop's timeout, or one hop's, in seconds", () => {
        expect(parseArgs(["--timeout", "90"]).timeoutsMs).toEqual({
            tidb: 90_000,
            ticdc: 90_000,
            kafka: 90_000,
            flink: 90_000,
        });
        expect(
            parseArgs(["--timeout", "20", "--timeout", "flink=240", "--timeout=kafka=2.5"])
                .timeoutsMs,
        ).toEqual({
            tidb: 20_000,
            ticdc: 20_000,
            kafka: 2_500,
            flink: 240_000,
        });
        const timeouts = { tidb: 1, ticdc: 1, kafka: 1, flink: 1 };
        applyTimeout(timeouts, "ticdc=3");
        expect(timeouts).toEqual({ tidb: 1, ticdc: 3000, kafka: 1, flink: 1 });
    });

    it("refuses what it does not understand, saying what is wrong", () => {
        expect(usage(["--nope"])).toBe('unknown argument "--nope"');
        expect(usage(["--stack"])).toBe("--stack needs a value");
        expect(usage(["--stack", "--json"])).toBe("--stack needs a value");
        expect(usage(["--timeout", "0"])).toBe(
            "--timeout must be between 0 and 3600 seconds, got 0",
        );
        expect(usage(["--timeout", "soon"])).toBe(
            '--timeout must be a number of seconds, got "soon"',
        );
        expect(usage(["--timeout", "zk=3"])).toContain(
            'unknown hop "zk" (one of tidb, ticdc, kafka, flink)',
        );
        expect(usage(["--ticdc", "127.0.0.1:8300"])).toBe(
            '--ticdc must be an http(s) URL, got "127.0.0.1:8300"',
        );
        expect(usage(["--kafka", "kafka-0"])).toBe(
            '--kafka must be host:port[,host:port…], got "kafka-0"',
        );
        expect(usage(["--changefeed", "bad_id"])).toBe(
            '--changefeed "bad_id" is not a TiCDC changefeed id',
        );
        expect(usage(["--topic", "a/b"])).toBe('--topic "a/b" is not a Kafka topic name');
        expect(usage(["--marker-table", "marker"])).toContain(
            "--marker-table must be <schema>.<table>",
        );
    });
});

describe("parseTableRef", () => {
    it("takes plain identifiers only (nothing to quote, nothing to inject)", () => {
        expect(parseTableRef("cdc_verify.marker")).toEqual({
            schema: "cdc_verify",
            table: "marker",
        });
        for (const bad of ["a.b.c", "a", "`a`.b", "a.b;drop", "1a.b", `a.${"x".repeat(65)}`]) {
            expect(() => parseTableRef(bad)).toThrow(/must be <schema>.<table>/);
        }
    });
});

describe("missingEndpoints", () => {
    it("lists the outputs still missing", () => {
        expect(missingEndpoints({ ticdcApiUrl: "http://x:1" })).toEqual([
            "tidbMysqlEndpoint",
            "kafkaBootstrapServers",
            "flinkRestUrl",
            "flinkSqlGatewayUrl",
        ]);
    });
});
