/**
 * Recognising the marker in the topic (pure). TiCDC writes one canal-json message per row
 * change (ticdc-openapi-v2.md §7): `{"database","table","isDdl","type","es","data":[{…}],…}`,
 * values as strings. The marker is an INSERT of the marker table whose `data` holds the run's id;
 * everything else in the topic (other rows, DDL events, TIDB_WATERMARK, other runs' markers,
 * messages that are not JSON at all) is ignored.
 */
import type { TableRef } from "./args";

export interface MarkerMessage {
    /** TiCDC's `es`: the commit's physical time in ms (when present). */
    commitMs?: number;
    /** TiCDC's `ts`: when the message was built, ms (when present). */
    builtMs?: number;
}

export function matchMarkerMessage(
    value: Buffer | string | null | undefined,
    marker: TableRef,
    id: string,
): MarkerMessage | undefined {
    if (value === null || value === undefined) return undefined;
    const text = typeof value === "string" ? value : value.toString("utf8");
    // Cheap pre-check: most messages of a busy topic are not ours.
    if (!text.includes(id)) return undefined;
    let message: unknown;
    try {
        message = JSON.parse(text);
    } catch {
        return undefined;
    }
    if (typeof message !== "object" || message === null) return undefined;
    const m = message as Record<string, unknown>;
    if (m.isDdl === true || m.type !== "INSERT") return undefined;
    // TiCDC keeps the names' case; MySQL compares schema and table names case-insensitively on
    // most setups (and TiCDC's filter is case-insensitive by default), so compare the same way.
    const same = (a: unknown, b: string) =>
        typeof a === "string" && a.toLowerCase() === b.toLowerCase();
    if (!same(m.database, marker.schema) || !same(m.table, marker.table)) return undefined;
    const rows = Array.isArray(m.data) ? (m.data as unknown[]) : [];
    const found = rows.some(
        (row) => typeof row === "object" && row !== null && (row as { id?: unknown }).id === id,
    );
    if (!found) return undefined;
    return {
        ...(typeof m.es === "number" ? { commitMs: m.es } : {}),
        ...(typeof m.ts === "number" ? { builtMs: m.ts } : {}),
    };
}

/** A Flink result row (`rowFormat=JSON`): `{kind: "INSERT", fields: [id]}`. */
export function matchMarkerRow(row: unknown, id: string): boolean {
    if (typeof row !== "object" || row === null) return false;
    const r = row as { kind?: unknown; fields?: unknown };
    if (r.kind !== undefined && r.kind !== "INSERT" && r.kind !== "UPDATE_AFTER") return false;
    return Array.isArray(r.fields) && r.fields[0] === id;
}
