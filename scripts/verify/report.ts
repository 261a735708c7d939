/**
 * The report of one run (pure): the data the JSON output prints as it is, the verdict, the exit
 * code and the human table.
 *
 * Timings: hop 1 is the INSERT's round trip (the commit is acknowledged when it returns); hops
 * 2–4 count from that moment to when verify saw the marker there, all on verify's own monotonic
 * clock, so clock skew between hosts never enters a number.
 */
import type { HopName } from "./args";

export type HopStatus = "ok" | "failed" | "skipped";

export interface HopReport {
    hop: HopName;
    step: number;
    name: string;
    status: HopStatus;
    /** Hop 1: the INSERT's round trip. Hops 2–4: ms from the commit to the observation. */
    ms?: number;
    detail: string;
    /** What to do about a failure. */
    hint?: string;
}

export interface FlinkJobInfo {
    id: string;
    name: string;
    state: string;
}

export interface VerifyReport {
    ok: boolean;
    /** One line: PASS with the slowest hop's time, or FAIL with the first failed hop and why. */
    verdict: string;
    failedHops: HopName[];
    marker: {
        id: string;
        table: string;
        changefeed?: string;
        topic?: string;
        /** TiDB's commit TSO, a decimal string (uint64). */
        commitTs?: string;
        committedAt?: string;
    };
    hops: HopReport[];
    /** The cluster's other Flink jobs (the stack's own), as information; or why not known. */
    flinkJobs: FlinkJobInfo[] | { error: string };
    /** What verify started and removed again (Flink job, gateway session, consumer group). */
    cleanup: string[];
    warnings: string[];
    startedAt: string;
    durationMs: number;
}

export const HOP_TITLES: Record<HopName, { step: number; name: string }> = {
    tidb: { step: 1, name: "TiDB commit" },
    ticdc: { step: 2, name: "TiCDC changefeed" },
    kafka: { step: 3, name: "Kafka topic" },
    flink: { step: 4, name: "Flink SQL" },
};

export function formatMs(ms: number | undefined): string {
    if (ms === undefined) return "";
    if (ms < 1000) return `${Math.round(ms)} ms`;
    return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** PASS when every hop is ok; else FAIL naming the first failed hop (pipeline order) and why. */
export function verdictOf(hops: readonly HopReport[]): {
    ok: boolean;
    verdict: string;
    failedHops: HopName[];
} {
    const failed = hops.filter((h) => h.status === "failed");
    const notOk = hops.filter((h) => h.status !== "ok");
    if (notOk.length === 0 && hops.length > 0) {
        const slowest = Math.max(...hops.filter((h) => h.step > 1).map((h) => h.ms ?? 0));
        return {
            ok: true,
            failedHops: [],
            verdict: `PASS: the marker reached TiDB, TiCDC, Kafka and Flink; ${formatMs(slowest)} from commit to Flink`,
        };
    }
    const first = failed[0] ?? notOk[0];
    if (!first) return { ok: false, failedHops: [], verdict: "FAIL: nothing was checked" };
    const more =
        failed.length > 1
            ? ` (also failed: ${failed
                  .slice(1)
                  .map((h) => `hop ${h.step} ${h.name}`)
                  .join(", ")})`
            : "";
    return {
        ok: false,
        failedHops: failed.map((h) => h.hop),
        verdict: `FAIL at hop ${first.step} (${first.name}): ${first.detail}${more}`,
    };
}

/** 0 when the marker arrived everywhere, 1 otherwise (2 is the CLI's usage/config error). */
export function exitCode(report: Pick<VerifyReport, "ok">): number {
    return report.ok ? 0 : 1;
}

export function formatJson(report: VerifyReport): string {
    return `${JSON.stringify(report, null, 2)}\n`;
}

function pad(text: string, width: number): string {
    return text.length >= width ? text : text + " ".repeat(width - text.length);
}

/** The human report: a header, a small table of hops, information, warnings and the verdict. */
export function formatHuman(report: VerifyReport): string {
    const lines: string[] = [];
    const m = report.marker;
    const route = [
        m.table,
        m.changefeed ? `changefeed ${m.changefeed}` : undefined,
        m.topic ? `topic ${m.topic}` : undefined,
    ]
        .filter((part) => part !== undefined)
        .join(" → ");
    lines.push(`marker ${m.id}: ${route}`, "");
    const rows = report.hops.map((h) => [
        String(h.step),
        h.name,
        h.status,
        h.ms === undefined ? "" : h.step === 1 ? formatMs(h.ms) : `+${formatMs(h.ms)}`,
        h.detail,
    ]);
    const header = ["#", "hop", "result", "time", "detail"];
    const widths = header.map((title, i) =>
        Math.max(title.length, ...rows.map((row) => row[i]!.length)),
    );
    const render = (row: string[]) =>
        `  ${row.map((cell, i) => (i === row.length - 1 ? cell : pad(cell, widths[i]!))).join("  ")}`.trimEnd();
    lines.push(render(header));
    for (const row of rows) lines.push(render(row));
    lines.push("  (time: hop 1 is the INSERT's round trip; hops 2–4 count from the commit)", "");
    for (const h of report.hops) {
        if (h.hint) lines.push(`hint (hop ${h.step}, ${h.name}): ${h.hint}`);
    }
    if (Array.isArray(report.flinkJobs)) {
        const jobs = report.flinkJobs.map((j) => `${j.name} ${j.state} (${j.id})`);
        lines.push(
            `Flink jobs on the cluster (information): ${jobs.length > 0 ? jobs.join(", ") : "none"}`,
        );
    } else {
        lines.push(`Flink jobs on the cluster (information): unknown (${report.flinkJobs.error})`);
    }
    if (report.cleanup.length > 0) lines.push(`cleaned up: ${report.cleanup.join("; ")}`);
    for (const warning of report.warnings) lines.push(`warning: ${warning}`);
    lines.push("", report.verdict);
    return `${lines.join("\n")}\n`;
}

/**
 * Every secret (≥ 3 characters, as the TiCDC client does) replaced by `***` in a text. Applied
 * to everything verify prints or returns; the password is only ever handed to the MySQL driver.
 */
export function redact(text: string, secrets: readonly string[]): string {
    let result = text;
    for (const secret of secrets) {
        if (secret.length >= 3) result = result.split(secret).join("***");
    }
    return result;
}

/** The report with every string field redacted (deeply). */
export function redactReport<T>(value: T, secrets: readonly string[]): T {
    if (typeof value === "string") return redact(value, secrets) as T;
    if (Array.isArray(value)) return value.map((v: unknown) => redactReport(v, secrets)) as T;
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(
            Object.entries(value).map(([k, v]) => [k, redactReport(v, secrets)]),
        ) as T;
    }
    return value;
}
