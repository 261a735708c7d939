import { describe, expect, it } from "vitest";
import { emptyTally, routeOf, tally } from "../../scripts/bench/calls";
import type { EngineMeasurement, SizeResult } from "../../scripts/bench/engine";
import { type BenchReport, growth, renderReport } from "../../scripts/bench/report";
import { resourceCounts } from "../../scripts/bench/shape";

function measurement(action: EngineMeasurement["action"], ms: number): EngineMeasurement {
    return { action, ms, ok: true, changes: {}, calls: emptyTally(), phases: { processes: {} } };
}

/** A size whose runs take `fixed + perResource · resources` (± 1 % on the extra runs). */
function size(tables: number, fixed: number, perResource: number): SizeResult {
    const shape = { tables, jobs: tables };
    const declared = resourceCounts(shape);
    const t = fixed + perResource * declared.total;
    const runs = (action: EngineMeasurement["action"]) =>
        [t * 0.99, t, t * 1.01].map((ms) => measurement(action, ms));
    return {
        shape,
        declared,
        createUp: measurement("up-create", 3 * t),
        preview: runs("preview"),
        noopUp: runs("up-noop"),
        refreshPreview: runs("preview-refresh"),
        floor:
            tables === 0
                ? undefined
                : {
                      coldMs: [500, 510, 520],
                      warmMs: [30, 31, 32],
                      calls: tally([
                          {
                              kind: "http",
                              method: "GET",
                              endpoint: "x",
                              route: "/jobs/overview",
                              status: 200,
                              ms: 1,
                          },
                      ]),
                      ok: true,
                      differences: [],
                  },
        destroy: measurement("destroy", t),
        leftovers: [],
    };
}

const sizes = [size(0, 5000, 100), size(1, 5000, 100), size(10, 5000, 100), size(50, 5000, 100)];

describe("growth", () => {
    it("recovers the fixed and per-resource cost, and calls linear growth linear", () => {
        const preview = growth(sizes).find((g) => g.action === "preview")!;
        expect(preview.intercept).toBeCloseTo(5000, 0);
        expect(preview.slope).toBeCloseTo(100, 5);
        expect(preview.r2).toBeCloseTo(1, 5);
        expect(preview.marginalExponent).toBeCloseTo(1, 5);
    });

    it("skips an action without two sizes", () => {
        expect(growth([sizes[1]!])).toEqual([]);
    });
});

describe("renderReport", () => {
    const report: BenchReport = {
        startedAt: "2026-01-02T03:04:05.000Z",
        totalMs: 600_000,
        options: {
            sizes: [1, 10, 50],
            repeat: 3,
            latencyRuns: 20,
            flinkSlots: 56,
            taskManagerMemory: "3g",
        },
        sizes,
        latency: {
            setupMs: 5000,
            warmup: { totalMs: 900, toKafkaMs: 40, throughFlinkMs: 860 },
            runs: Array.from({ length: 20 }, (_, i) => ({
                totalMs: 40 + i,
                toKafkaMs: 20,
                throughFlinkMs: 20 + i,
            })),
            lost: 0,
        },
        failures: ["engine, 50 tables: boom"],
        cleanupFailures: [],
    };
    const text = renderReport(report);

    it("has the time table with every size, the ratio to the floor and the fit", () => {
        expect(text).toContain("| tables | jobs | resources |");
        // 50 tables: 5000 + 100 · 202 = 25.2 s; floor 510 ms → 49×.
        expect(text).toMatch(/\|\s+50 \|\s+50 \|\s+202 \|\s+25\.2 s \(24\.9 s–25\.5 s\)/);
        expect(text).toMatch(/\|\s+50 \|\s+49× \|/);
        expect(text).toMatch(/\| preview\s+\|\s+5\.00 s \|\s+100 ms \| 1\.000 \|\s+1\.00 \|/);
    });

    it("has the latency percentiles and lists failures", () => {
        // 40..59 ms: p50 49.5, p95 58.05
        expect(text).toMatch(/insert → sink topic \(end to end\)\s+\|\s+50 ms \|\s+58 ms \|/);
        expect(text).toContain("- engine, 50 tables: boom");
    });
});

describe("routeOf", () => {
    it("replaces ids so calls group by route", () => {
        expect(
            routeOf(
                "http://127.0.0.1:28183/v2/sessions/1b6f7a4e-7a8e-4a86-9d5e-1f2e3d4c5b6a/operations/2c6f7a4e-7a8e-4a86-9d5e-1f2e3d4c5b6a/result/3?rowFormat=JSON",
            ),
        ).toEqual({
            endpoint: "127.0.0.1:28183",
            route: "/v2/sessions/:id/operations/:id/result/:token",
        });
        expect(routeOf("http://h:1/jobs/0123456789abcdef0123456789abcdef").route).toBe("/jobs/:id");
        expect(routeOf("http://h:1/api/v2/changefeeds/orders-cdc").route).toBe(
            "/api/v2/changefeeds/:changefeed",
        );
    });

    it("counts Kafka connections by their ApiVersions", () => {
        const t = tally([
            { kind: "kafka", api: "ApiVersions", broker: "b", clientId: "c", ms: 1 },
            { kind: "kafka", api: "Metadata", broker: "b", clientId: "c", ms: 1 },
            { kind: "kafka", api: "CreateTopics", broker: "b", clientId: "c", ms: 1 },
        ]);
        expect(t).toMatchObject({ kafkaRequests: 3, kafkaConnections: 1 });
        expect(t.kafkaByApi).toEqual({ ApiVersions: 1, Metadata: 1, CreateTopics: 1 });
    });
});
