/** Table eligibility: the table filter, the SQL path's decision over rows, and the check. */
import { describe, expect, it } from "vitest";
import {
    checkTablesEligible,
    eligibilityQuery,
    ineligibleFromRows,
    isIneligibleTablesError,
    literalSchemas,
    tableFilterMatches,
} from "../../components/ticdc/eligibility";

describe("TiDB table filter", () => {
    it.each([
        [["app.*"], "app", "orders", true],
        [["app.*"], "other", "orders", false],
        [["app.*", "!app.tmp_*"], "app", "tmp_x", false],
        [["!app.tmp_*", "app.*"], "app", "tmp_x", true],
        [["*.*"], "mysql", "user", false],
        [["a?p.ord[a-z]rs"], "app", "orders", true],
        [["app.ord[!a-z]rs"], "app", "orders", false],
        [["App.Orders"], "app", "orders", true],
        [["`my.db`.t"], "my.db", "t", true],
    ])("%j selects %s.%s: %s", (rules, schema, table, expected) => {
        expect(tableFilterMatches(rules, schema, table)).toBe(expected);
    });

    it("is case-sensitive on request", () => {
        expect(tableFilterMatches(["App.Orders"], "app", "orders", true)).toBe(false);
    });

    it("scopes the SQL to literal schemas only when it can", () => {
        expect(literalSchemas(["app.*", "shop.orders", "!app.tmp"])).toEqual(["app", "shop"]);
        expect(literalSchemas(["app*.orders"])).toBeUndefined();
        const { sql, params } = eligibilityQuery(["app.*", "shop.orders"]);
        expect(params).toEqual(["app", "shop"]);
        expect(sql).toContain("AND t.TABLE_SCHEMA IN (?, ?)");
        expect(sql).toContain("information_schema.TIDB_INDEXES");
        expect(eligibilityQuery(["*.*"]).params).toEqual([]);
    });
});

/** Rows as `eligibilityQuery` returns them. */
function row(
    table: string,
    key: string | null,
    column: string | null,
    extra: { nullable?: string | null; expression?: string; generated?: boolean } = {},
) {
    return {
        TABLE_SCHEMA: "app",
        TABLE_NAME: table,
        KEY_NAME: key,
        SEQ_IN_INDEX: 1,
        COLUMN_NAME: column,
        EXPRESSION: extra.expression ?? null,
        IS_NULLABLE: extra.nullable === undefined ? (key ? "NO" : null) : extra.nullable,
        EXTRA: extra.generated ? "VIRTUAL GENERATED" : "",
    };
}

describe("eligibility from information_schema rows", () => {
    const rows = [
        row("with_pk", "PRIMARY", "id"),
        row("clustered_int", "PRIMARY", "NULL", { nullable: null }),
        row("no_index", null, null),
        row("nullable_uk", "uk_email", "email", { nullable: "YES" }),
        row("not_null_uk", "uk_code", "code"),
        { ...row("two_col_uk", "uk_ab", "a"), SEQ_IN_INDEX: 1 },
        { ...row("two_col_uk", "uk_ab", "b", { nullable: "YES" }), SEQ_IN_INDEX: 2 },
        row("expr_uk", "uk_lower", "NULL", { expression: "lower(`name`)", nullable: null }),
        row("virtual_uk", "uk_v", "v", { generated: true }),
        row("mixed", "uk_bad", "x", { nullable: "YES" }),
        row("mixed", "uk_good", "y"),
        { ...row("other_schema", null, null), TABLE_SCHEMA: "shop" },
    ];

    it("names every ineligible table with the reason", () => {
        expect(ineligibleFromRows(rows, ["app.*"])).toEqual([
            {
                schema: "app",
                table: "expr_uk",
                reason: "no primary key; unusable unique indexes: uk_lower: expression index",
            },
            { schema: "app", table: "no_index", reason: "no primary key and no unique index" },
            {
                schema: "app",
                table: "nullable_uk",
                reason: "no primary key; unusable unique indexes: uk_email: nullable column email",
            },
            {
                schema: "app",
                table: "two_col_uk",
                reason: "no primary key; unusable unique indexes: uk_ab: nullable column b",
            },
            {
                schema: "app",
                table: "virtual_uk",
                reason: "no primary key; unusable unique indexes: uk_v: virtual generated column v",
            },
        ]);
    });

    it("applies the new-architecture rule for virtual generated columns", () => {
        const tables = ineligibleFromRows(rows, ["app.*"], { rule: "new-arch" }).map(
            (t) => t.table,
        );
        expect(tables).not.toContain("virtual_uk");
        expect(tables).toContain("expr_uk");
    });

    it("only judges the tables the filter selects, whatever case the driver reports", () => {
        const lower = rows.map((r) =>
            Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v])),
        );
        expect(ineligibleFromRows(lower, ["app.no_index", "shop.*"]).map((t) => t.table)).toEqual([
            "no_index",
            "other_schema",
        ]);
        expect(ineligibleFromRows(rows, ["app.*", "!app.n*", "!app.[etv]*"])).toEqual([]);
    });
});

describe("checkTablesEligible", () => {
    const config = { changefeed_id: "cf", sink_uri: "kafka://k:1/t?protocol=canal-json" };

    it("is not needed when TiCDC is told to force or ignore", async () => {
        const result = await checkTablesEligible(
            { apiUrl: "http://127.0.0.1:1" },
            {
                changefeedId: "cf",
                config: { ...config, replica_config: { force_replicate: true } },
                tables: ["app.*"],
            },
        );
        expect(result.method).toBe("not-needed");
    });

    it("falls back to SQL through the injected query when verify_table is missing", async () => {
        // A server without /tso and /verify_table: gin's plain 404.
        const http = await import("node:http");
        const server = http.createServer((_req, res) => {
            res.writeHead(404, { "content-type": "text/plain" });
            res.end("404 page not found");
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const { port } = server.address() as { port: number };
        const queries: [string, string[]][] = [];
        try {
            const err = await checkTablesEligible(
                { apiUrl: `http://127.0.0.1:${port}` },
                {
                    changefeedId: "cf",
                    config,
                    tables: ["app.*"],
                    query: (sql, params) => {
                        queries.push([sql, params]);
                        return Promise.resolve([
                            row("ok", "PRIMARY", "id"),
                            row("bad", null, null),
                        ]);
                    },
                },
            ).catch((e: unknown) => e);
            expect(isIneligibleTablesError(err)).toBe(true);
            expect((err as Error).message).toMatch(
                /^changefeed "cf" selects 1 table\(s\) TiCDC cannot replicate .*: app\.bad \(no primary key and no unique index\)\. .*checked by sql; nothing was created/,
            );
            expect(queries[0]?.[1]).toEqual(["app"]);
            const skipped = await checkTablesEligible(
                { apiUrl: `http://127.0.0.1:${port}` },
                { changefeedId: "cf", config, tables: ["app.*"] },
            );
            expect(skipped.method).toBe("skipped");
        } finally {
            await new Promise<void>((r) => server.close(() => r()));
        }
    });
});
