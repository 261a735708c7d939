import { describe, expect, it } from "vitest";
import { parseStackSettings } from "../../components/config";
import { replicationTopics } from "../../components/pipeline/replication";
import { parseArgs } from "../../scripts/bench/main";
import { minimumFor } from "../../scripts/bench/minimums";
import {
    jobsThatFit,
    resourceCounts,
    shapeConfig,
    type ShapeEndpoints,
} from "../../scripts/bench/shape";

const endpoints: ShapeEndpoints = {
    kafkaBootstrap: "127.0.0.1:19092",
    ticdcApiUrl: "http://127.0.0.1:8300",
    mariadb: { host: "127.0.0.1", port: 13306 },
    flinkRestUrl: "http://127.0.0.1:28181",
    flinkGatewayUrl: "http://127.0.0.1:28183",
    savepointDir: "file:///tmp/savepoints",
};

describe("the benchmarked pipeline", () => {
    it("is a valid stack config with a topic, two Flink tables and a job per table", () => {
        const config = shapeConfig("bx1n3", "bx1n3", { tables: 3, jobs: 3 }, endpoints);
        const settings = parseStackSettings(config);
        expect(settings.replication.tables).toEqual(["bx1n3.t001", "bx1n3.t002", "bx1n3.t003"]);
        expect(replicationTopics(settings.replication)).toHaveLength(4);
        expect(settings.flinkSql.tables.map((t) => t.name)).toEqual([
            "t001_src",
            "t001_out",
            "t002_src",
            "t002_out",
            "t003_src",
            "t003_out",
        ]);
        expect(settings.flinkSql.jobs.map((j) => j.statement)).toContain(
            "INSERT INTO t002_out SELECT id, note FROM t002_src",
        );
        expect(resourceCounts({ tables: 3, jobs: 3 })).toEqual({
            topics: 4,
            changefeeds: 1,
            flinkTables: 6,
            jobs: 3,
            total: 14,
        });
    });

    it("has no dynamic resources without tables", () => {
        parseStackSettings(shapeConfig("bx1n0", "bx1n0", { tables: 0, jobs: 0 }, endpoints));
        expect(resourceCounts({ tables: 0, jobs: 0 }).total).toBe(0);
        expect(resourceCounts({ tables: 50, jobs: 50 }).total).toBe(202);
    });

    it("runs fewer jobs than tables only when the slots run out", () => {
        expect(jobsThatFit(50, 56)).toBe(50);
        expect(jobsThatFit(50, 4)).toBe(4);
        expect(jobsThatFit(10, 12, 4)).toBe(8);
        expect(() => shapeConfig("p", "s", { tables: 1, jobs: 2 }, endpoints)).toThrow(/one job/);
    });
});

describe("the minimums", () => {
    it("count a job's replayed statements", () => {
        expect(minimumFor("SqlJob", "create", 2).http).toBe(9);
        expect(minimumFor("SqlJob", "create", 4).http).toBe(13);
        expect(minimumFor("SqlJob", "update", 2).http).toBe(11);
        expect(minimumFor("Changefeed", "update").http).toBe(3);
        expect(minimumFor("KafkaTopic", "read").kafka).toBe(2);
        expect(minimumFor("SqlTable", "read")).toMatchObject({ http: 0, kafka: 0 });
    });
});

describe("the command line", () => {
    it("has defaults for one full run", () => {
        const options = parseArgs([], new Date("2026-01-02T03:04:05Z"));
        expect(options).toMatchObject({ sizes: [1, 10, 50], repeat: 3, latencyRuns: 20 });
        expect(options.out).toBe("/tmp/tidb-cdc-bench-2026-01-02T03-04-05-000Z.json");
    });

    it("takes sizes, repetitions, skips and paths", () => {
        expect(
            parseArgs(["--sizes", "2,5", "--repeat", "1", "--skip", "latency", "--out", "/x.json"]),
        ).toMatchObject({ sizes: [2, 5], repeat: 1, skip: ["latency"], out: "/x.json" });
        expect(parseArgs(["--render", "/tmp/r.json"]).render).toBe("/tmp/r.json");
    });

    it("refuses what it does not know", () => {
        expect(() => parseArgs(["--sizes", "0"])).toThrow(/≥ 1/);
        expect(() => parseArgs(["--skip", "everything"])).toThrow(/--skip/);
        expect(() => parseArgs(["--fast"])).toThrow(/unknown argument/);
        expect(() => parseArgs(["--out"])).toThrow(/needs a value/);
    });
});
