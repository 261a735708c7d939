/**
 * The benchmark's report: the JSON written to a file, and its Markdown rendering (the tables the
 * README's "Benchmark" section holds). Rendering is pure (test/bench/report.test.ts).
 */
import type { CallTally } from "./calls";
import type { EngineMeasurement, SizeResult, StartupCosts } from "./engine";
import type { LatencyResult } from "./latency";
import type { Machine } from "./machine";
import { machineLine } from "./machine";
import { KAFKA_CONNECTION_SETUP } from "./minimums";
import type { OperationCount } from "./providers";
import { growthExponent, linearFit, percentile, ratio, summarize } from "./stats";
import {
    type Column,
    formatBytes,
    formatMs,
    formatNumber,
    formatRatio,
    markdownTable,
} from "./table";

export interface BenchReport {
    /** ISO time the run started. */
    startedAt: string;
    /** Wall time of the whole run. */
    totalMs?: number;
    machine?: Machine;
    options: {
        sizes: number[];
        repeat: number;
        latencyRuns: number;
        flinkSlots: number;
        taskManagerMemory: string;
    };
    services?: { kafka: string; flink: string; flinkSlots: number; ticdc: string };
    startup?: StartupCosts;
    providerOps?: OperationCount[];
    latency?: LatencyResult;
    sizes: SizeResult[];
    /** What went wrong (the run goes on where it can). */
    failures: string[];
    /** Cleanup actions that failed. */
    cleanupFailures: string[];
}

const median = (values: readonly number[]) =>
    values.length === 0 ? undefined : percentile(values, 50);

function okTimes(runs: readonly EngineMeasurement[]): number[] {
    return runs.filter((r) => r.ok).map((r) => r.ms);
}

/** `median (min–max)` of the successful runs. */
function timeCell(runs: readonly EngineMeasurement[]): string {
    const times = okTimes(runs);
    if (times.length === 0) return runs.length === 0 ? "–" : "failed";
    const s = summarize(times);
    return times.length === 1
        ? formatMs(s.median)
        : `${formatMs(s.median)} (${formatMs(s.min)}–${formatMs(s.max)})`;
}

function callsCell(calls: CallTally | undefined): string {
    if (!calls) return "–";
    if (calls.http === 0 && calls.kafkaRequests === 0) return "0";
    const parts: string[] = [];
    if (calls.http > 0) parts.push(`${calls.http} HTTP`);
    if (calls.kafkaRequests > 0) parts.push(`${calls.kafkaRequests} Kafka`);
    return parts.join(" + ");
}

export interface GrowthRow {
    action: string;
    /** Fit of median wall time (ms) against the resources the providers manage. */
    intercept: number;
    slope: number;
    r2: number;
    /** Growth exponent of (time − the empty stack's time) between the two largest sizes. */
    marginalExponent?: number;
}

/** The fit of each action's median time against resource count (needs ≥ 2 sizes). */
export function growth(sizes: readonly SizeResult[]): GrowthRow[] {
    const series: [string, (s: SizeResult) => number | undefined][] = [
        ["preview", (s) => median(okTimes(s.preview))],
        ["no-op up", (s) => median(okTimes(s.noopUp))],
        ["preview --refresh", (s) => median(okTimes(s.refreshPreview))],
        [
            "floor (script)",
            (s) => (s.floor ? median(s.floor.coldMs) : s.shape.tables === 0 ? 0 : undefined),
        ],
        ["create up", (s) => (s.createUp.ok ? s.createUp.ms : undefined)],
        ["destroy", (s) => (s.destroy?.ok ? s.destroy.ms : undefined)],
    ];
    const rows: GrowthRow[] = [];
    for (const [action, value] of series) {
        const points = sizes
            .map((s) => ({ x: s.declared.total, y: value(s) }))
            .filter((p): p is { x: number; y: number } => p.y !== undefined);
        if (new Set(points.map((p) => p.x)).size < 2) continue;
        const fit = linearFit(
            points.map((p) => p.x),
            points.map((p) => p.y),
        );
        const base = points.find((p) => p.x === 0)?.y ?? 0;
        const byX = [...points].sort((a, b) => a.x - b.x);
        const last = byX[byX.length - 1]!;
        const before = byX[byX.length - 2]!;
        rows.push({
            action,
            ...fit,
            marginalExponent: growthExponent(before.x, before.y - base, last.x, last.y - base),
        });
    }
    return rows;
}

function sizeLabel(s: SizeResult): string {
    return String(s.shape.tables);
}

function jobsLabel(s: SizeResult): string {
    return s.shape.jobs === s.shape.tables
        ? String(s.shape.jobs)
        : `${s.shape.jobs} (of ${s.shape.tables})`;
}

function timesTable(sizes: readonly SizeResult[]): string {
    const columns: Column[] = [
        { header: "tables", align: "right" },
        { header: "jobs", align: "right" },
        { header: "resources", align: "right" },
        { header: "preview", align: "right" },
        { header: "no-op up", align: "right" },
        { header: "preview --refresh", align: "right" },
        { header: "floor: script", align: "right" },
        { header: "floor: in-process", align: "right" },
        { header: "create up", align: "right" },
        { header: "destroy", align: "right" },
        { header: "state file", align: "right" },
    ];
    const rows = sizes.map((s) => [
        sizeLabel(s),
        jobsLabel(s),
        `${s.declared.total}${s.engineResources === undefined ? "" : ` (${s.engineResources})`}`,
        timeCell(s.preview),
        timeCell(s.noopUp),
        timeCell(s.refreshPreview),
        s.floor ? formatMs(median(s.floor.coldMs)) : "–",
        s.floor ? formatMs(median(s.floor.warmMs)) : "–",
        s.createUp.ok ? formatMs(s.createUp.ms) : "failed",
        s.destroy ? (s.destroy.ok ? formatMs(s.destroy.ms) : "failed") : "–",
        formatBytes(s.stateBytes),
    ]);
    return markdownTable(columns, rows);
}

function ratioTable(sizes: readonly SizeResult[]): string {
    const columns: Column[] = [
        { header: "tables", align: "right" },
        { header: "preview / floor", align: "right" },
        { header: "no-op up / floor", align: "right" },
        { header: "refresh / floor", align: "right" },
        { header: "calls: preview", align: "right" },
        { header: "no-op up", align: "right" },
        { header: "preview --refresh", align: "right" },
        { header: "floor", align: "right" },
        { header: "create up", align: "right" },
        { header: "destroy", align: "right" },
    ];
    const rows = sizes
        .filter((s) => s.floor)
        .map((s) => {
            const floor = median(s.floor!.coldMs) ?? 0;
            const of = (runs: EngineMeasurement[]) => {
                const m = median(okTimes(runs));
                return m === undefined ? undefined : ratio(m, floor);
            };
            return [
                sizeLabel(s),
                formatRatio(of(s.preview)),
                formatRatio(of(s.noopUp)),
                formatRatio(of(s.refreshPreview)),
                callsCell(s.preview[0]?.calls),
                callsCell(s.noopUp[0]?.calls),
                callsCell(s.refreshPreview[0]?.calls),
                callsCell(s.floor?.calls),
                callsCell(s.createUp.calls),
                callsCell(s.destroy?.calls),
            ];
        });
    return markdownTable(columns, rows);
}

function growthTable(sizes: readonly SizeResult[]): string {
    const columns: Column[] = [
        { header: "action" },
        { header: "fixed cost", align: "right" },
        { header: "per resource", align: "right" },
        { header: "R²", align: "right" },
        { header: "marginal growth exponent", align: "right" },
    ];
    const rows = growth(sizes).map((g) => [
        g.action,
        formatMs(g.intercept),
        formatMs(g.slope),
        formatNumber(g.r2, 3),
        formatNumber(g.marginalExponent, 2),
    ]);
    return markdownTable(columns, rows);
}

function providerTable(ops: readonly OperationCount[]): string {
    const columns: Column[] = [
        { header: "provider" },
        { header: "operation" },
        { header: "HTTP", align: "right" },
        { header: "Kafka requests (connections)", align: "right" },
        { header: "minimum", align: "right" },
        { header: "why that minimum" },
        { header: "time", align: "right" },
    ];
    const rows = ops.map((o) => {
        const kafka =
            o.calls.kafkaRequests === 0 && o.calls.kafkaConnections === 0
                ? "0"
                : `${o.calls.kafkaRequests} (${o.calls.kafkaConnections})`;
        const minimum =
            o.minimum.kafka > 0
                ? `${o.minimum.kafka} Kafka + ${KAFKA_CONNECTION_SETUP} setup`
                : `${o.minimum.http} HTTP`;
        return [
            o.provider,
            o.op,
            String(o.calls.http),
            kafka,
            minimum,
            o.minimum.reason,
            formatMs(o.ms),
        ];
    });
    return markdownTable(columns, rows);
}

function latencyTable(latency: LatencyResult): string {
    const columns: Column[] = [
        { header: "stretch" },
        { header: "p50", align: "right" },
        { header: "p95", align: "right" },
        { header: "min", align: "right" },
        { header: "max", align: "right" },
        { header: "warm-up", align: "right" },
    ];
    const series: [string, (t: LatencyResult["warmup"]) => number | undefined][] = [
        ["insert → sink topic (end to end)", (t) => t.totalMs],
        ["insert → table topic (emulated TiCDC + Kafka)", (t) => t.toKafkaMs],
        ["table topic → sink topic (Flink job)", (t) => t.throughFlinkMs],
    ];
    const rows = series.map(([label, pick]) => {
        const values = latency.runs.map(pick).filter((v): v is number => v !== undefined);
        if (values.length === 0) return [label, "–", "–", "–", "–", formatMs(pick(latency.warmup))];
        const s = summarize(values);
        return [
            label,
            formatMs(s.median),
            formatMs(s.p95),
            formatMs(s.min),
            formatMs(s.max),
            formatMs(pick(latency.warmup)),
        ];
    });
    return markdownTable(columns, rows);
}

function startupTable(startup: StartupCosts): string {
    const columns: Column[] = [{ header: "what" }, { header: "median", align: "right" }];
    const rows: string[][] = [
        ["Node process start (`node -e 0`)", formatMs(median(startup.nodeMs))],
        [
            "Node + loading the program's modules (`require(infra/program)`: the Pulumi, Docker and Kubernetes SDKs)",
            formatMs(median(startup.programLoadMs)),
        ],
        ["Pulumi CLI start (`pulumi version`)", formatMs(median(startup.cliMs))],
        [
            "dynamic-provider plugin start (its launcher runs `node -e` first, then the plugin, until it serves)",
            formatMs(median(startup.providerPluginMs)),
        ],
    ];
    const providers = startup.serialization[0]?.map((p) => p.provider) ?? [];
    for (const provider of providers) {
        const runs = startup.serialization.map((r) => r.find((p) => p.provider === provider));
        const ms = runs.map((p) => p?.ms).filter((v): v is number => v !== undefined);
        const bytes = runs[0]?.bytes;
        rows.push([
            `serializing the ${provider} provider (once per run; every ${provider} carries the ${formatBytes(bytes)} text)`,
            formatMs(median(ms)),
        ]);
    }
    return markdownTable(columns, rows);
}

function phaseTable(sizes: readonly SizeResult[]): string {
    const columns: Column[] = [
        { header: "tables", align: "right" },
        { header: "run" },
        { header: "driver Node up", align: "right" },
        { header: "plugin launched", align: "right" },
        { header: "plugin serving", align: "right" },
        { header: "done", align: "right" },
        { header: "provider text in state", align: "right" },
    ];
    const rows: string[][] = [];
    for (const s of sizes) {
        for (const [label, runs] of [
            ["preview", s.preview],
            ["no-op up", s.noopUp],
        ] as const) {
            const ok = runs.filter((r) => r.ok);
            if (ok.length === 0) continue;
            const at = (pick: (r: EngineMeasurement) => number | undefined) =>
                formatMs(median(ok.map(pick).filter((v): v is number => v !== undefined)));
            rows.push([
                sizeLabel(s),
                label,
                at((r) => r.phases.driverLoaded),
                at((r) => r.phases.launcherStarted),
                at((r) => r.phases.providerLoaded),
                at((r) => r.ms),
                s.providerTextBytes === undefined || s.stateBytes === undefined
                    ? "–"
                    : `${formatBytes(s.providerTextBytes)} of ${formatBytes(s.stateBytes)}`,
            ]);
        }
    }
    return markdownTable(columns, rows);
}

/** The Markdown tables and the lines around them. */
export function renderReport(report: BenchReport): string {
    const out: string[] = [];
    out.push(
        `Run ${report.startedAt}${report.totalMs ? `, ${formatMs(report.totalMs)} in all` : ""}.`,
    );
    if (report.machine) out.push("", `Machine: ${machineLine(report.machine)}.`);
    if (report.services) {
        out.push(
            "",
            `Services: Kafka ${report.services.kafka}, Flink ${report.services.flink} ` +
                `(${report.services.flinkSlots} task slots), TiCDC: ${report.services.ticdc}.`,
        );
    }
    const sized = report.sizes;
    if (sized.length > 0) {
        out.push(
            "",
            `Wall time, median of ${report.options.repeat} runs (min–max). Resources: what the ` +
                "providers manage (in parentheses as the engine counts them: with the stack and the " +
                "Pipeline component).",
            "",
            timesTable(sized),
            "",
            "Ratio to the floor (the floor: a script that reads every object once, in a fresh Node " +
                "process), and remote calls per run (all processes of the run):",
            "",
            ratioTable(sized),
        );
        if (sized.length >= 2) {
            out.push(
                "",
                "Growth: least-squares fit of the median time against resources; the marginal " +
                    "growth exponent compares (time − the empty stack's time) between the two largest " +
                    "sizes (1 = linear).",
                "",
                growthTable(sized),
            );
        }
    }
    if (report.startup) out.push("", "Fixed costs, each alone:", "", startupTable(report.startup));
    if (sized.length > 0) {
        out.push(
            "",
            "Inside the engine runs (median ms after spawning the driver; from the preload's process records):",
            "",
            phaseTable(sized),
        );
    }
    if (report.providerOps?.length) {
        out.push(
            "",
            "Remote calls per provider operation (in-process, counted at fetch and kafkajs):",
            "",
            providerTable(report.providerOps),
        );
    }
    if (report.latency) {
        const l = report.latency;
        out.push(
            "",
            `Marker row latency on the local services (not the Docker lab), ${l.runs.length} runs` +
                `${l.lost > 0 ? `, ${l.lost} lost` : ""}:`,
            "",
            latencyTable(l),
        );
    }
    if (report.failures.length > 0) {
        out.push("", "Failures:", "", ...report.failures.map((f) => `- ${f}`));
    }
    if (report.cleanupFailures.length > 0) {
        out.push("", "Cleanup failures:", "", ...report.cleanupFailures.map((f) => `- ${f}`));
    }
    return out.join("\n");
}
