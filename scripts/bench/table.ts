/**
 * Text rendering of the benchmark's results: Markdown tables laid out exactly as Prettier lays
 * them out (so the README section passes `prettier --check` as printed), and number formats.
 * Pure functions (test/bench/table.test.ts).
 */

export type Align = "left" | "right";

export interface Column {
    header: string;
    align?: Align;
}

/** Display width: one per code point (the tables use no wide characters). */
function width(text: string): number {
    return [...text].length;
}

function pad(text: string, size: number, align: Align): string {
    const fill = " ".repeat(Math.max(0, size - width(text)));
    return align === "right" ? fill + text : text + fill;
}

/** Pipes inside a cell would split it. */
function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/**
 * A Markdown table: every column padded to its widest cell (at least 3, the shortest
 * delimiter), right-aligned columns marked `--:` and padded on the left, as Prettier does.
 */
export function markdownTable(columns: readonly Column[], rows: readonly string[][]): string {
    if (columns.length === 0) throw new Error("a table needs at least one column");
    for (const row of rows) {
        if (row.length !== columns.length) {
            throw new Error(`a row has ${row.length} cells for ${columns.length} columns`);
        }
    }
    const cells = rows.map((row) => row.map(cell));
    const headers = columns.map((c) => cell(c.header));
    const widths = columns.map((_, i) =>
        Math.max(3, width(headers[i]!), ...cells.map((row) => width(row[i]!))),
    );
    const line = (values: string[]) =>
        `| ${values.map((v, i) => pad(v, widths[i]!, columns[i]!.align ?? "left")).join(" | ")} |`;
    const delimiter = `| ${widths
        .map((w, i) => (columns[i]!.align === "right" ? `${"-".repeat(w - 1)}:` : "-".repeat(w)))
        .join(" | ")} |`;
    return [line(headers), delimiter, ...cells.map(line)].join("\n");
}

/** Milliseconds for people: `850 ms`, `12.3 s`, `2 min 05 s`. */
export function formatMs(ms: number | undefined): string {
    if (ms === undefined || !Number.isFinite(ms)) return "–";
    if (ms < 0) return `-${formatMs(-ms)}`;
    if (ms < 10) return `${ms.toFixed(1)} ms`;
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 100_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
    const minutes = Math.floor(ms / 60_000);
    const seconds = Math.round((ms - minutes * 60_000) / 1000);
    if (seconds === 60) return `${minutes + 1} min 00 s`;
    return `${minutes} min ${String(seconds).padStart(2, "0")} s`;
}

/** A ratio: `1.0×`, `37×`, `1234×`. */
export function formatRatio(value: number | undefined): string {
    if (value === undefined || !Number.isFinite(value)) return "–";
    return value < 10 ? `${value.toFixed(1)}×` : `${Math.round(value)}×`;
}

/** A plain number with the given decimals, `–` when missing. */
export function formatNumber(value: number | undefined, decimals = 0): string {
    if (value === undefined || !Number.isFinite(value)) return "–";
    return value.toFixed(decimals);
}

/** Bytes for people: `812 B`, `14.2 KiB`, `3.1 MiB`. */
export function formatBytes(bytes: number | undefined): string {
    if (bytes === undefined || !Number.isFinite(bytes)) return "–";
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
    return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
