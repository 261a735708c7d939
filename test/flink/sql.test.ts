/** Flink SQL rendering: quoting, the type grammar, DDL (golden), statements, canal-json defaults. */
import { describe, expect, it } from "vitest";
import {
    canalJsonKafkaSourceOptions,
    canonicalType,
    checkExpression,
    type FlinkTableDefinition,
    formatFlinkType,
    isDefinitionError,
    javaRegexLiteral,
    lexSql,
    parseFlinkType,
    parseJobStatement,
    parseSetupStatement,
    quoteIdentifier,
    quoteString,
    renderCreateCatalog,
    renderCreateTable,
    renderDropTable,
    renderValidation,
    statementExcerpt,
} from "../../components/flink/sql";

/** The FlinkSqlDefinitionError a call throws (fails the test if it does not throw one). */
function definitionErrorOf(fn: () => unknown): { property: string; message: string } {
    try {
        fn();
    } catch (error) {
        expect(isDefinitionError(error)).toBe(true);
        return error as { property: string; message: string };
    }
    throw new Error("expected a FlinkSqlDefinitionError");
}

const ORDERS: FlinkTableDefinition = {
    name: "orders_cdc",
    catalog: "default_catalog",
    database: "default_database",
    columns: [
        { name: "id", type: "bigint", nullable: false, comment: "TiDB primary key" },
        { name: "status", type: "varchar" },
        { name: "amount", type: "decimal(10,2)" },
        { name: "updated_at", type: "timestamp(3)" },
        {
            name: "origin_database",
            type: "STRING",
            metadata: { key: "value.database", virtual: true },
        },
        {
            name: "ingested_at",
            type: "TIMESTAMP_LTZ(3)",
            metadata: { key: "value.ingestion-timestamp", virtual: true },
        },
        { name: "amount_cents", expression: "CAST(amount * 100 AS BIGINT)" },
    ],
    primaryKey: ["id"],
    watermark: { column: "updated_at", expression: "`updated_at` - INTERVAL '5' SECOND" },
    comment: "orders from TiCDC",
    options: canalJsonKafkaSourceOptions({
        topic: "tidb.shop.orders",
        bootstrapServers: "kafka:9092",
        groupId: "flink-orders",
        database: "shop",
        table: "orders",
    }),
};

describe("quoting", () => {
    it("backticks identifiers and doubles backticks inside", () => {
        expect(quoteIdentifier("orders")).toBe("`orders`");
        expect(quoteIdentifier("we`ird")).toBe("`we``ird`");
        expect(quoteIdentifier("x`; DROP TABLE y; --")).toBe("`x``; DROP TABLE y; --`");
    });

    it("single-quotes literals and doubles quotes inside", () => {
        expect(quoteString("it's")).toBe("'it''s'");
        expect(quoteString("a'); DROP TABLE t; --")).toBe("'a''); DROP TABLE t; --'");
    });

    it("refuses control characters and NUL, empty identifiers", () => {
        for (const bad of ["a\u0000b", "a\nb", "a\rb", "a\tb", "a\u001bb", "a\u007fb"]) {
            expect(definitionErrorOf(() => quoteIdentifier(bad)).message).toMatch(
                /control character U\+00/,
            );
            expect(definitionErrorOf(() => quoteString(bad, "options.x")).property).toBe(
                "options.x",
            );
        }
        expect(definitionErrorOf(() => quoteIdentifier("")).message).toContain("non-empty");
    });

    it("makes a Java regex that matches only the literal", () => {
        expect(javaRegexLiteral("shop")).toBe("shop");
        expect(javaRegexLiteral("shop.v2(a)|b*")).toBe("shop\\.v2\\(a\\)\\|b\\*");
        // The escaped pattern matches the literal and nothing else (JS regex agrees with Java here).
        const pattern = new RegExp(`^${javaRegexLiteral("a.b+[c]")}$`);
        expect(pattern.test("a.b+[c]")).toBe(true);
        expect(pattern.test("axbb[c]")).toBe(false);
    });
});

describe("injection attempts stay inside their quotes", () => {
    const evilTable = "x`; DROP TABLE y; --";
    const evilValue = "a'); DROP TABLE t; --";
    const ddl = renderCreateTable({
        name: evilTable,
        columns: [{ name: "c`)", type: "INT", comment: "') --" }],
        options: { connector: "kafka", topic: evilValue, "k'ey": "v" },
    });

    it("renders them quoted", () => {
        expect(ddl).toBe(
            [
                "CREATE TABLE `x``; DROP TABLE y; --` (",
                "    `c``)` INT COMMENT ''') --'",
                ")",
                "WITH (",
                "    'connector' = 'kafka',",
                "    'k''ey' = 'v',",
                "    'topic' = 'a''); DROP TABLE t; --'",
                ")",
            ].join("\n"),
        );
    });

    it("leaves exactly one statement with every string and identifier closed", () => {
        const { tokens, hasComments } = lexSql(ddl);
        expect(hasComments).toBe(false);
        expect(tokens.filter((t) => t.kind === "symbol" && t.text === ";")).toEqual([]);
        expect(tokens.find((t) => t.kind === "quoted")?.text).toBe(evilTable);
        expect(tokens.filter((t) => t.kind === "string").map((t) => t.text)).toContain(evilValue);
        expect(parseSetupStatement(ddl)).toBe(ddl);
    });

    it("refuses expressions that would break out of their column", () => {
        for (const [expression, reason] of [
            ["1); DROP TABLE t; --", /comments are not allowed/],
            ["1); DROP TABLE t", /`;` is not allowed|unbalanced `\)`/],
            ["a; DROP TABLE t", /`;` is not allowed/],
            ["a + 1 -- comment", /comments are not allowed/],
            ["a /* x */ + 1", /comments are not allowed/],
            ["a, evil STRING", /top-level `,`/],
            ["(a + 1", /unbalanced `\(`/],
            ["a + 1)", /unbalanced `\)`/],
            ["'open", /unterminated string/],
            ["a\n+ 1", /control character/],
        ] as const) {
            expect(definitionErrorOf(() => checkExpression(expression)).message).toMatch(reason);
        }
        expect(checkExpression(" COALESCE(a, 'x,y') ")).toBe("COALESCE(a, 'x,y')");
    });
});

describe("type grammar", () => {
    it.each([
        ["int", "INT"],
        ["INTEGER", "INT"],
        ["bigint not null", "BIGINT NOT NULL"],
        ["BOOLEAN NULL", "BOOLEAN"],
        ["double precision", "DOUBLE"],
        ["decimal", "DECIMAL(10, 0)"],
        ["DEC(5)", "DECIMAL(5, 0)"],
        ["numeric(7,3)", "DECIMAL(7, 3)"],
        ["varchar", "STRING"],
        ["VARCHAR(2147483647)", "STRING"],
        ["varchar(10)", "VARCHAR(10)"],
        ["char", "CHAR(1)"],
        ["CHARACTER(3)", "CHAR(3)"],
        ["binary", "BINARY(1)"],
        ["varbinary", "BYTES"],
        ["VARBINARY(16)", "VARBINARY(16)"],
        ["time", "TIME(0)"],
        ["timestamp", "TIMESTAMP(6)"],
        ["TIMESTAMP(3) WITHOUT TIME ZONE", "TIMESTAMP(3)"],
        ["timestamp(3) with local time zone", "TIMESTAMP_LTZ(3)"],
        ["TIMESTAMP_LTZ", "TIMESTAMP_LTZ(6)"],
        ["date", "DATE"],
        ["variant", "VARIANT"],
        ["array<int not null>", "ARRAY<INT NOT NULL>"],
        ["MULTISET<STRING>", "MULTISET<STRING>"],
        ["map<string, bigint>", "MAP<STRING, BIGINT>"],
        ["ROW(x INT, y STRING)", "ROW<`x` INT, `y` STRING>"],
        [
            "row<x int 'it''s x', `y z` bytes not null>",
            "ROW<`x` INT 'it''s x', `y z` BYTES NOT NULL>",
        ],
        [
            "ARRAY<ROW<a INT NOT NULL, m MAP<STRING, DECIMAL(5,2)>> NOT NULL>",
            "ARRAY<ROW<`a` INT NOT NULL, `m` MAP<STRING, DECIMAL(5, 2)>> NOT NULL>",
        ],
    ])("%s → %s (the form DESCRIBE prints)", (input, expected) => {
        expect(canonicalType(input)).toBe(expected);
        // Canonical text parses back to itself.
        expect(canonicalType(expected)).toBe(expected);
    });

    it.each([
        ["INTT", /unsupported type INTT/],
        ["INTERVAL DAY", /unsupported type INTERVAL/],
        ["REAL", /unsupported type REAL/],
        ["RAW('java.lang.Object', 'x')", /unsupported type RAW/],
        ["DECIMAL(39, 2)", /precision must be between 1 and 38/],
        ["DECIMAL(5, 6)", /scale \(0\.\.precision\) must be between 0 and 5/],
        ["VARCHAR(0)", /length must be between 1 and 2147483647/],
        ["TIMESTAMP(10)", /precision must be between 0 and 9/],
        ["TIMESTAMP WITH TIME ZONE", /only TIMESTAMP WITH LOCAL TIME ZONE/],
        ["ARRAY<INT", /expected ">"/],
        ["MAP<STRING>", /expected ","/],
        ["ROW<a INT, a STRING>", /duplicate ROW field "a"/],
        ["INT; DROP TABLE t", /unexpected text after the type/],
        ["INT -- x", /comments are not allowed/],
        ["STRING) WITH ('connector'='x'", /unexpected text after the type/],
        ["", /non-empty/],
    ])("refuses %j", (input, reason) => {
        const error = definitionErrorOf(() => parseFlinkType(input, "columns[0].type"));
        expect(error.property).toBe("columns[0].type");
        expect(error.message).toMatch(reason);
    });

    it("names the supported types in its errors", () => {
        expect(definitionErrorOf(() => parseFlinkType("MONEY")).message).toContain(
            "DECIMAL(p, s), CHAR(n), VARCHAR(n), STRING",
        );
    });

    it("formats for comparison with DESCRIBE (no field descriptions, TIME as stored)", () => {
        const type = parseFlinkType("ROW<t TIME(3) 'clock'>");
        expect(formatFlinkType(type)).toBe("ROW<`t` TIME(3) 'clock'>");
        expect(formatFlinkType(type, { withoutDescriptions: true, timeAsStored: true })).toBe(
            "ROW<`t` TIME(0)>",
        );
    });
});

describe("renderCreateTable", () => {
    it("renders a TiCDC canal-json source (golden)", () => {
        expect(renderCreateTable(ORDERS)).toBe(
            [
                "CREATE TABLE `default_catalog`.`default_database`.`orders_cdc` (",
                "    `id` BIGINT NOT NULL COMMENT 'TiDB primary key',",
                "    `status` STRING,",
                "    `amount` DECIMAL(10, 2),",
                "    `updated_at` TIMESTAMP(3),",
                "    `origin_database` STRING METADATA FROM 'value.database' VIRTUAL,",
                "    `ingested_at` TIMESTAMP_LTZ(3) METADATA FROM 'value.ingestion-timestamp' VIRTUAL,",
                "    `amount_cents` AS CAST(amount * 100 AS BIGINT),",
                "    WATERMARK FOR `updated_at` AS `updated_at` - INTERVAL '5' SECOND,",
                "    PRIMARY KEY (`id`) NOT ENFORCED",
                ")",
                "COMMENT 'orders from TiCDC'",
                "WITH (",
                "    'canal-json.database.include' = 'shop',",
                "    'canal-json.ignore-parse-errors' = 'true',",
                "    'canal-json.table.include' = 'orders',",
                "    'connector' = 'kafka',",
                "    'format' = 'canal-json',",
                "    'properties.bootstrap.servers' = 'kafka:9092',",
                "    'properties.group.id' = 'flink-orders',",
                "    'scan.startup.mode' = 'earliest-offset',",
                "    'topic' = 'tidb.shop.orders'",
                ")",
            ].join("\n"),
        );
    });

    it("is the same text whatever the spelling of types or the order of options", () => {
        const respelled: FlinkTableDefinition = {
            ...ORDERS,
            columns: ORDERS.columns.map((column) =>
                column.type
                    ? { ...column, type: canonicalType(column.type).toLowerCase() }
                    : column,
            ),
            options: Object.fromEntries(Object.entries(ORDERS.options).reverse()),
        };
        expect(renderCreateTable(respelled)).toBe(renderCreateTable(ORDERS));
    });

    it("qualifies as far as given", () => {
        const base = { columns: [{ name: "a", type: "INT" }], options: {} };
        expect(renderCreateTable({ ...base, name: "t" })).toBe(
            "CREATE TABLE `t` (\n    `a` INT\n)",
        );
        expect(renderCreateTable({ ...base, name: "t", database: "db" })).toMatch(
            /^CREATE TABLE `db`\.`t`/,
        );
        expect(renderCreateTable({ ...base, name: "t", catalog: "hive", database: "db" })).toMatch(
            /^CREATE TABLE `hive`\.`db`\.`t`/,
        );
        expect(
            definitionErrorOf(() => renderCreateTable({ ...base, name: "t", catalog: "hive" }))
                .property,
        ).toBe("database");
    });

    it.each<[string, Partial<FlinkTableDefinition>, string, RegExp]>([
        ["no columns", { columns: [] }, "columns", /at least one column/],
        [
            "duplicate columns",
            {
                columns: [
                    { name: "a", type: "INT" },
                    { name: "a", type: "INT" },
                ],
            },
            "columns[1]",
            /duplicate column "a"/,
        ],
        ["a column without type", { columns: [{ name: "a" }] }, "columns[0]", /needs a type/],
        [
            "a computed column with a type",
            { columns: [{ name: "a", type: "INT", expression: "1" }] },
            "columns[0]",
            /computed column/,
        ],
        [
            "NOT NULL against nullable",
            { columns: [{ name: "a", type: "INT NOT NULL", nullable: true }] },
            "columns[0]",
            /nullable is true but the type says NOT NULL/,
        ],
        [
            "a key on a missing column",
            { primaryKey: ["nope"] },
            "primaryKey",
            /not a physical column/,
        ],
        [
            "a key on a computed column",
            { columns: [{ name: "a", expression: "1" }], primaryKey: ["a"] },
            "primaryKey",
            /not a physical column/,
        ],
        ["an empty key", { primaryKey: [] }, "primaryKey", /at least one column/],
        [
            "a watermark on a missing column",
            { watermark: { column: "nope", expression: "nope" } },
            "watermark",
            /not a column/,
        ],
        [
            "a bad type",
            { columns: [{ name: "a", type: "VARCHAR(x)" }] },
            "columns[0].type",
            /expected a length/,
        ],
        ["an empty option key", { options: { "": "x" } }, "options", /option key is empty/],
    ])("refuses %s", (_what, change, property, reason) => {
        const definition = {
            name: "t",
            columns: [{ name: "a", type: "INT" }],
            options: {},
            ...change,
        };
        const error = definitionErrorOf(() => renderCreateTable(definition));
        expect(error.property).toBe(property);
        expect(error.message).toMatch(reason);
    });

    it("renders catalogs, drops and validation statements", () => {
        expect(renderCreateCatalog("hive", { type: "hive", "hive-conf-dir": "/etc/hive" })).toBe(
            "CREATE CATALOG IF NOT EXISTS `hive` WITH (\n    'hive-conf-dir' = '/etc/hive',\n    'type' = 'hive'\n)",
        );
        expect(() => renderCreateCatalog("hive", {})).toThrow(/needs at least its 'type'/);
        expect(renderDropTable(["hive", "db", "t`"])).toBe(
            "DROP TABLE IF EXISTS `hive`.`db`.`t```",
        );
        expect(renderValidation(ORDERS, "source")).toBe(
            "EXPLAIN SELECT * FROM `default_catalog`.`default_database`.`orders_cdc`",
        );
        expect(
            renderValidation(
                {
                    name: "out",
                    columns: [
                        { name: "id", type: "BIGINT NOT NULL" },
                        { name: "tags", type: "ARRAY<STRING>" },
                        { name: "ts", type: "TIMESTAMP_LTZ(3)", metadata: { key: "timestamp" } },
                        {
                            name: "part",
                            type: "INT",
                            metadata: { key: "partition", virtual: true },
                        },
                        { name: "c", expression: "id + 1" },
                    ],
                    options: {},
                },
                "sink",
            ),
        ).toBe(
            "EXPLAIN INSERT INTO `out` (`id`, `tags`, `ts`) SELECT CAST(NULL AS BIGINT), CAST(NULL AS ARRAY<STRING>), CAST(NULL AS TIMESTAMP_LTZ(3))",
        );
    });
});

describe("canalJsonKafkaSourceOptions", () => {
    it("defaults to options that survive TiCDC's extra messages", () => {
        expect(canalJsonKafkaSourceOptions({ topic: "t", bootstrapServers: "k:9092" })).toEqual({
            connector: "kafka",
            topic: "t",
            "properties.bootstrap.servers": "k:9092",
            "scan.startup.mode": "earliest-offset",
            format: "canal-json",
            "canal-json.ignore-parse-errors": "true",
        });
    });

    it("adds exact include filters, group id, and lets extra options win", () => {
        const options = canalJsonKafkaSourceOptions({
            topic: "t",
            bootstrapServers: "k:9092",
            groupId: "g",
            startupMode: "group-offsets",
            database: "shop.v2",
            table: "orders",
            ignoreParseErrors: false,
            extra: {
                "properties.auto.offset.reset": "earliest",
                "scan.startup.mode": "latest-offset",
            },
        });
        expect(options["canal-json.database.include"]).toBe("shop\\.v2");
        expect(options["canal-json.table.include"]).toBe("orders");
        expect(options["canal-json.ignore-parse-errors"]).toBe("false");
        expect(options["properties.group.id"]).toBe("g");
        expect(options["scan.startup.mode"]).toBe("latest-offset");
        expect(options["properties.auto.offset.reset"]).toBe("earliest");
    });

    it("requires a group id for group-offsets", () => {
        expect(
            definitionErrorOf(() =>
                canalJsonKafkaSourceOptions({
                    topic: "t",
                    bootstrapServers: "k",
                    startupMode: "group-offsets",
                }),
            ).property,
        ).toBe("groupId");
    });
});

describe("job statements", () => {
    it.each([
        ["INSERT INTO out SELECT * FROM src", "insert", "INSERT INTO out SELECT * FROM src"],
        ["  insert overwrite out select 1;  ", "insert", "insert overwrite out select 1"],
        [
            "-- the job\nINSERT INTO out SELECT ';' FROM src;;",
            "insert",
            "INSERT INTO out SELECT ';' FROM src",
        ],
        [
            "EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; INSERT INTO b SELECT 2; END;",
            "statement-set",
            "EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1; INSERT INTO b SELECT 2; END",
        ],
    ])("accepts %j", (sql, kind, normalized) => {
        expect(parseJobStatement(sql)).toEqual({ kind, sql: normalized });
    });

    it.each([
        ["", /empty/],
        ["SELECT * FROM src", /not SELECT \*/],
        ["CREATE TABLE t (a INT)", /not CREATE TABLE/],
        ["INSERT INTO a SELECT 1; DROP TABLE a", /one INSERT per job/],
        ["INSERT a SELECT 1", /INSERT INTO or INSERT OVERWRITE/],
        ["EXECUTE STATEMENT SET BEGIN INSERT INTO a SELECT 1;", /must end with END/],
        [
            "EXECUTE STATEMENT SET BEGIN DROP TABLE a; END",
            /may only hold INSERTs, found DROP TABLE a/,
        ],
        ["EXECUTE STATEMENT SET BEGIN END", /has no INSERT/],
        ["INSERT INTO a SELECT 'open", /unterminated string/],
        ["INSERT INTO a SELECT 1\u0000", /control character U\+0000/],
    ])("refuses %j", (sql, reason) => {
        expect(definitionErrorOf(() => parseJobStatement(sql)).message).toMatch(reason);
    });

    it("accepts CREATE and USE statements to replay, one each", () => {
        expect(parseSetupStatement("CREATE TEMPORARY VIEW v AS SELECT 1;")).toBe(
            "CREATE TEMPORARY VIEW v AS SELECT 1",
        );
        expect(parseSetupStatement("USE CATALOG hive")).toBe("USE CATALOG hive");
        expect(definitionErrorOf(() => parseSetupStatement("DROP TABLE t")).message).toMatch(
            /only CREATE … and USE …/,
        );
        expect(
            definitionErrorOf(() => parseSetupStatement("CREATE TABLE a (x INT); DROP TABLE b"))
                .message,
        ).toMatch(/one statement per entry/);
        expect(definitionErrorOf(() => parseSetupStatement("SET 'a' = 'b'")).message).toMatch(
            /not SET <string>/,
        );
    });

    it("shortens statements for messages", () => {
        expect(statementExcerpt("INSERT INTO\n   a  SELECT 1")).toBe("INSERT INTO a SELECT 1");
        expect(statementExcerpt("x".repeat(200))).toBe(`${"x".repeat(120)}…`);
    });
});
