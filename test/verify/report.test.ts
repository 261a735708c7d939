import { describe, expect, it } from "vitest";
import {
    exitCode,
    formatHuman,
    formatJson,
    formatMs,
    type HopReport,
    redact,
    redactReport,
    verdictOf,
    type VerifyReport,
} from "../../scripts/verify/report";

const okHops: HopReport[] = [
    { hop: "tidb", step: 1, name: "TiDB commit", status: "ok", ms: 12.4, detail: "inserted" },
    { hop: "ticdc", step: 2, name: "TiCDC changefeed", status: "ok", ms: 540, detail: "normal" },
    { hop: "kafka", step: 3, name: "Kafka topic", status: "ok", ms: 364, detail: "partition 1" },
    { hop: "flink", step: 4, name: "Flink SQL", status: "ok", ms: 1120, detail: "returned it" },
];

function report(hops: HopReport[], extra: Partial<VerifyReport> = {}): VerifyReport {
    return {
        ...verdictOf(hops),
        marker: {
            id: "verify-x",
            table: "cdc_verify.marker",
            changefeed: "lab-to-kafka",
            topic: "tidb_cdc_verify_marker",
        },
        hops,
        flinkJobs: [{ id: "ab", name: "lab-orders-to-print", state: "RUNNING" }],
        cleanup: ["Flink job ab cancelled (CANCELED)"],
        warnings: [],
        startedAt: "2026-11-21T21:49:00.000Z",
        durationMs: 4000,
        ...extra,
    };
}

describe("verdict and exit code", () => {
    it("PASS with the time from commit to Flink when every hop is ok", () => {
        const v = verdictOf(okHops);
        expect(v).toEqual({
            ok: true,
            failedHops: [],
            verdict:
                "PASS: the marker reached TiDB, TiCDC, Kafka and Flink; 1.12 s from commit to Flink",
        });
        expect(exitCode(v)).toBe(0);
    });

    it("FAIL at the first failed hop in pipeline order, naming the others", () => {
        const hops: HopReport[] = [
            okHops[0]!,
            { ...okHops[1]!, status: "failed", ms: undefined, detail: "changefeed is stopped" },
            { ...okHops[2]!, status: "failed", ms: undefined, detail: "topic missing" },
            { ...okHops[3]!, status: "skipped", ms: undefined, detail: "not checked" },
        ];
        const v = verdictOf(hops);
        expect(v).toEqual({
            ok: false,
            failedHops: ["ticdc", "kafka"],
            verdict:
                "FAIL at hop 2 (TiCDC changefeed): changefeed is stopped (also failed: hop 3 Kafka topic)",
        });
        expect(exitCode(v)).toBe(1);
        // Skipped is not ok either.
        expect(
            verdictOf([okHops[0]!, { ...okHops[1]!, status: "skipped", detail: "not checked" }]).ok,
        ).toBe(false);
    });

    it("formats durations", () => {
        expect(formatMs(undefined)).toBe("");
        expect(formatMs(12.4)).toBe("12 ms");
        expect(formatMs(1120)).toBe("1.12 s");
        expect(formatMs(61_234)).toBe("61.2 s");
    });
});

describe("human and JSON output", () => {
    it("a small table, hints, information and the verdict", () => {
        const failed = report(
            [
                okHops[0]!,
                {
                    ...okHops[1]!,
                    status: "failed",
                    ms: undefined,
                    detail: 'changefeed "lab-to-kafka" is stopped (paused)',
                    hint: "resume it",
                },
                { ...okHops[2]!, status: "skipped", ms: undefined, detail: "not checked" },
                { ...okHops[3]!, status: "skipped", ms: undefined, detail: "not checked" },
            ],
            { warnings: ["something to know"] },
        );
        expect(formatHuman(failed)).toBe(
            [
                "marker verify-x: cdc_verify.marker → changefeed lab-to-kafka → topic tidb_cdc_verify_marker",
                "",
                "  #  hop               result   time   detail",
                "  1  TiDB commit       ok       12 ms  inserted",
                '  2  TiCDC changefeed  failed          changefeed "lab-to-kafka" is stopped (paused)',
                "  3  Kafka topic       skipped         not checked",
                "  4  Flink SQL         skipped         not checked",
                "  (time: hop 1 is the INSERT's round trip; hops 2–4 count from the commit)",
                "",
                "hint (hop 2, TiCDC changefeed): resume it",
                "Flink jobs on the cluster (information): lab-orders-to-print RUNNING (ab)",
                "cleaned up: Flink job ab cancelled (CANCELED)",
                "warning: something to know",
                "",
                'FAIL at hop 2 (TiCDC changefeed): changefeed "lab-to-kafka" is stopped (paused)',
                "",
            ].join("\n"),
        );
        const ok = formatHuman(report(okHops, { flinkJobs: { error: "refused" }, cleanup: [] }));
        expect(ok).toContain("  3  Kafka topic       ok      +364 ms  partition 1");
        expect(ok).toContain("Flink jobs on the cluster (information): unknown (refused)");
        expect(JSON.parse(formatJson(report(okHops)))).toMatchObject({ ok: true, failedHops: [] });
    });
});

describe("redaction", () => {
    it("replaces every secret everywhere in the report (short values are left: too ambiguous)", () => {
        expect(redact("login pw-12345 failed for pw-12345", ["pw-12345"])).toBe(
            "login *** failed for ***",
        );
        expect(redact("ab", ["ab"])).toBe("ab");
        const leaked = report(okHops, { warnings: ["saw pw-12345"], cleanup: ["x pw-12345"] });
        const clean = redactReport(leaked, ["pw-12345"]);
        expect(JSON.stringify(clean)).not.toContain("pw-12345");
        expect(clean.warnings).toEqual(["saw ***"]);
        expect(clean.hops[1]!.ms).toBe(540);
    });
});
