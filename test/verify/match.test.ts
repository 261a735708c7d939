import { describe, expect, it } from "vitest";
import { matchMarkerMessage, matchMarkerRow } from "../../scripts/verify/match";

const marker = { schema: "cdc_verify", table: "marker" };
const id = "verify-20261121t214900z-k3x9q2aa";

/** A TiCDC canal-json INSERT (ticdc-openapi-v2.md §7). */
function insert(overrides: Record<string, unknown> = {}, row: Record<string, unknown> = { id }) {
    return JSON.stringify({
        id: 0,
        database: "cdc_verify",
        table: "marker",
        pkNames: ["id"],
        isDdl: false,
        type: "INSERT",
        es: 1795297751732,
        ts: 1795297751790,
        sql: "",
        sqlType: { id: 12, written_at: 93, written_by: 12 },
        mysqlType: { id: "varchar", written_at: "datetime", written_by: "varchar" },
        old: null,
        data: [{ written_at: "2026-11-21 21:49:11.700", written_by: "cdc-verify@h", ...row }],
        ...overrides,
    });
}

describe("matchMarkerMessage", () => {
    it("finds the marker's INSERT and its commit time", () => {
        expect(matchMarkerMessage(insert(), marker, id)).toEqual({
            commitMs: 1795297751732,
            builtMs: 1795297751790,
        });
        expect(matchMarkerMessage(Buffer.from(insert()), marker, id)).toBeDefined();
        // Names compare case-insensitively, like TiCDC's default filter.
        expect(matchMarkerMessage(insert({ database: "CDC_VERIFY" }), marker, id)).toBeDefined();
    });

    it("ignores everything else in the topic", () => {
        const others = [
            null,
            "",
            "not json " + id,
            insert({}, { id: "verify-other-run" }),
            insert({ type: "UPDATE" }),
            insert({ type: "DELETE" }),
            insert({
                isDdl: true,
                type: "CREATE",
                sql: `CREATE TABLE marker -- ${id}`,
                data: null,
            }),
            insert({ table: "orders" }),
            insert({ database: "app" }),
            JSON.stringify({ type: "TIDB_WATERMARK", database: "", table: "", data: null, id }),
        ];
        for (const value of others) expect(matchMarkerMessage(value, marker, id)).toBeUndefined();
    });
});

describe("matchMarkerRow", () => {
    it("matches the gateway's JSON row of the marker", () => {
        expect(matchMarkerRow({ kind: "INSERT", fields: [id] }, id)).toBe(true);
        expect(matchMarkerRow({ kind: "DELETE", fields: [id] }, id)).toBe(false);
        expect(matchMarkerRow({ kind: "INSERT", fields: ["other"] }, id)).toBe(false);
        expect(matchMarkerRow(null, id)).toBe(false);
    });
});
