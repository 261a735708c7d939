/**
 * Table eligibility before a changefeed is created (ticdc-openapi-v2.md §8): TiCDC replicates a
 * table only if it has a primary key, or a unique index whose columns are all NOT NULL (and, on
 * classic TiCDC, none is a virtual generated column; expression indexes never count).
 *
 * Two ways to ask:
 * - `POST /api/v2/verify_table`, the server's own check with the exact filter, where the server
 *   has it (classic ≥ v6.2 and new-arch; the project's emulator too);
 * - else the information_schema SQL below (§8.2), run on the upstream TiDB with mysql2 when a
 *   `tidb` connection is given (one connection per check, closed afterwards), or through an
 *   injected query function (unit tests); the decision is a pure function of the rows.
 *
 * Either way an ineligible table fails with `IneligibleTablesError`, naming every table (and,
 * from SQL, why), before anything is created. With neither (a TiCDC without verify_table and no
 * `tidb` connection) the check is skipped and the result says so in `note` (the Changefeed
 * provider puts it in its `tablesCheck` output); TiCDC's own check at create still applies.
 */
import {
    currentTso,
    type ChangefeedConfigBody,
    type TicdcConnection,
    verifyTables,
} from "./client";

// Exported with `export { … }`, not `export const`: tsc compiles this module's own uses of an
// exported const to `exports.X`, which Pulumi's closure serializer does not capture, so the
// deployed provider would read undefined (test/platform/serialized-providers.test.ts).
/** Schemas TiCDC never replicates (§3.3). */
const SYSTEM_SCHEMAS = [
    "mysql",
    "information_schema",
    "performance_schema",
    "metrics_schema",
    "sys",
    "tidb_cdc",
    "lightning_task_info",
    "workload_schema",
] as const;
export { SYSTEM_SCHEMAS };

export interface IneligibleTable {
    schema: string;
    table: string;
    /** Why, when known (the SQL path knows; verify_table does not say). */
    reason?: string;
}

/** Tables the changefeed would select that TiCDC cannot replicate. */
export interface IneligibleTablesError extends Error {
    name: "IneligibleTablesError";
    changefeedId: string;
    tables: IneligibleTable[];
    source: "verify_table" | "sql";
}

/**
 * A plain Error with fields, not a subclass: the Changefeed provider's closure is serialized,
 * and Pulumi turns classes into functions whose `super(message)` no longer sets `message`.
 */
export function ineligibleTablesError(
    changefeedId: string,
    tables: IneligibleTable[],
    source: "verify_table" | "sql",
): IneligibleTablesError {
    const list = tables
        .map((t) => `${t.schema}.${t.table}${t.reason ? ` (${t.reason})` : ""}`)
        .join(", ");
    const message =
        `changefeed "${changefeedId}" selects ${tables.length} table(s) TiCDC cannot replicate ` +
        `(no primary key and no unique index whose columns are all NOT NULL): ${list}. ` +
        `Add a primary key or a NOT NULL unique index, exclude them from \`tables\` ` +
        `(e.g. "!${tables[0]?.schema ?? "db"}.${tables[0]?.table ?? "t"}"), or set ` +
        `replicaConfigOverrides.force_replicate (checked by ${source}; nothing was created)`;
    return Object.assign(new Error(message), {
        name: "IneligibleTablesError" as const,
        changefeedId,
        tables,
        source,
    });
}

export function isIneligibleTablesError(error: unknown): error is IneligibleTablesError {
    return error instanceof Error && error.name === "IneligibleTablesError";
}

// ---------------------------------------------------------------------------------------------
// TiDB table filter (the syntax of `filter.rules`), enough to scope SQL rows
// ---------------------------------------------------------------------------------------------

interface FilterRule {
    negated: boolean;
    schema: RegExp;
    table: RegExp;
    /** The schema part when it is a plain name (no wildcard). */
    literalSchema?: string;
}

/** One pattern (`ord*`, `` `a.b` ``, `[a-c]x`) as an anchored regex; `literal` when no wildcard. */
function patternRegex(pattern: string, caseSensitive: boolean): { re: RegExp; literal?: string } {
    let source = "";
    let literal = "";
    let wildcard = false;
    for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i] ?? "";
        if (c === "\\" && i + 1 < pattern.length) {
            const next = pattern[++i] ?? "";
            source += escapeRegex(next);
            literal += next;
        } else if (c === "`" || c === '"') {
            const end = pattern.indexOf(c, i + 1);
            const quoted = pattern.slice(i + 1, end < 0 ? undefined : end);
            source += escapeRegex(quoted);
            literal += quoted;
            i = end < 0 ? pattern.length : end;
        } else if (c === "*") {
            source += ".*";
            wildcard = true;
        } else if (c === "?") {
            source += ".";
            wildcard = true;
        } else if (c === "[") {
            const end = pattern.indexOf("]", i + 1);
            if (end < 0) {
                source += "\\[";
                literal += c;
                continue;
            }
            let set = pattern.slice(i + 1, end);
            if (set.startsWith("!")) set = `^${set.slice(1)}`;
            source += `[${set.replace(/\\/g, "\\\\")}]`;
            wildcard = true;
            i = end;
        } else {
            source += escapeRegex(c);
            literal += c;
        }
    }
    return {
        re: new RegExp(`^${source}$`, caseSensitive ? "" : "i"),
        ...(wildcard ? {} : { literal }),
    };
}

function escapeRegex(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Split `schema.table` at the first dot outside quotes and escapes. */
function splitRule(rule: string): [string, string] {
    let quote: string | undefined;
    for (let i = 0; i < rule.length; i++) {
        const c = rule[i];
        if (c === "\\") {
            i++;
        } else if (quote) {
            if (c === quote) quote = undefined;
        } else if (c === "`" || c === '"') {
            quote = c;
        } else if (c === ".") {
            return [rule.slice(0, i), rule.slice(i + 1)];
        }
    }
    throw new Error(`table-filter rule "${rule}" must be "schema.table" (wildcards allowed)`);
}

function parseRules(rules: string[], caseSensitive: boolean): FilterRule[] {
    return rules.map((raw) => {
        const trimmed = raw.trim();
        const negated = trimmed.startsWith("!");
        const [schema, table] = splitRule(negated ? trimmed.slice(1) : trimmed);
        const s = patternRegex(schema, caseSensitive);
        return {
            negated,
            schema: s.re,
            table: patternRegex(table, caseSensitive).re,
            ...(s.literal !== undefined ? { literalSchema: s.literal } : {}),
        };
    });
}

/**
 * Whether TiDB's table filter selects `schema.table`: the LAST matching rule decides (a `!` rule
 * excludes), nothing matching excludes, system schemas never match.
 */
export function tableFilterMatches(
    rules: string[],
    schema: string,
    table: string,
    caseSensitive = false,
): boolean {
    if ((SYSTEM_SCHEMAS as readonly string[]).includes(schema.toLowerCase())) return false;
    const parsed = parseRules(rules, caseSensitive);
    for (let i = parsed.length - 1; i >= 0; i--) {
        const rule = parsed[i];
        if (rule && rule.schema.test(schema) && rule.table.test(table)) return !rule.negated;
    }
    return false;
}

/** The schemas the rules can select, when every including rule names its schema literally. */
export function literalSchemas(rules: string[]): string[] | undefined {
    const parsed = parseRules(rules, true);
    const schemas = new Set<string>();
    for (const rule of parsed) {
        if (rule.negated) continue;
        if (rule.literalSchema === undefined) return undefined;
        schemas.add(rule.literalSchema);
    }
    return [...schemas].sort();
}

// ---------------------------------------------------------------------------------------------
// The SQL path: a query, and a pure decision over its rows
// ---------------------------------------------------------------------------------------------

/** How to reach the upstream TiDB's SQL port (MySQL protocol) for the SQL path. */
export interface TidbSqlConnection {
    host: string;
    /** Default 4000. */
    port?: number;
    /** Default "root". */
    user?: string;
    password?: string;
    /** Default 10 000. */
    connectTimeoutMs?: number;
}

/** The SQL path could not run: TiDB unreachable, login refused, the query failed. */
export interface TidbQueryError extends Error {
    name: "TidbQueryError";
    /** `host:port`. */
    address: string;
    /** The driver's error code (`ECONNREFUSED`, `ER_ACCESS_DENIED_ERROR`, …), when it gave one. */
    code?: string;
}

/** A plain Error with fields (closure serialization, see `ineligibleTablesError`). */
export function tidbQueryError(message: string, address: string, code?: string): TidbQueryError {
    return Object.assign(new Error(message), {
        name: "TidbQueryError" as const,
        address,
        ...(code !== undefined ? { code } : {}),
    });
}

export function isTidbQueryError(error: unknown): error is TidbQueryError {
    return error instanceof Error && error.name === "TidbQueryError";
}

/**
 * Run the eligibility query on a MySQL-protocol server with mysql2: one connection, closed
 * afterwards. On TiDB it reads `information_schema.TIDB_INDEXES`; on a server without that table
 * (MySQL, MariaDB: the integration test's stand-in) it reads the standard `STATISTICS` instead
 * (`eligibilityQuery(rules, "mysql")`). Errors name `host:port` and the user, never the password.
 */
export async function queryTidbEligibility(
    tidb: TidbSqlConnection,
    rules: string[],
): Promise<Record<string, unknown>[]> {
    const port = tidb.port ?? 4000;
    const user = tidb.user ?? "root";
    const address = `${tidb.host}:${port}`;
    const scrub = (text: string) => (tidb.password ? text.split(tidb.password).join("***") : text);
    const fail = (what: string, err: unknown): TidbQueryError => {
        const e = err as { code?: unknown; message?: unknown };
        const reason = scrub(typeof e?.message === "string" && e.message ? e.message : String(err));
        const code = typeof e?.code === "string" ? e.code : undefined;
        return tidbQueryError(
            `cannot check table eligibility on TiDB at ${address} (user "${user}"): ${what} failed: ${reason}${code && !reason.includes(code) ? ` (${code})` : ""}`,
            address,
            code,
        );
    };
    // Required here, not at the top of the module: the provider's closure is serialized, and
    // a module captured at the top would be serialized by value.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mysql = require("mysql2/promise") as typeof import("mysql2/promise");
    let connection: import("mysql2/promise").Connection;
    try {
        connection = await mysql.createConnection({
            host: tidb.host,
            port,
            user,
            password: tidb.password ?? "",
            connectTimeout: tidb.connectTimeoutMs ?? 10_000,
            supportBigNumbers: true,
            bigNumberStrings: true,
        });
    } catch (err) {
        throw fail("connecting", err);
    }
    try {
        let dialect: "tidb" | "mysql";
        try {
            const [probe] = await connection.query(
                "SELECT COUNT(*) AS N FROM information_schema.TABLES " +
                    "WHERE TABLE_SCHEMA = 'information_schema' AND TABLE_NAME = 'TIDB_INDEXES'",
            );
            const n = (probe as Record<string, unknown>[])[0]?.N;
            dialect = Number(n) > 0 ? "tidb" : "mysql";
        } catch (err) {
            throw fail("looking for information_schema.TIDB_INDEXES", err);
        }
        const { sql, params } = eligibilityQuery(rules, dialect);
        try {
            const [rows] = await connection.query(sql, params);
            return rows as Record<string, unknown>[];
        } catch (err) {
            throw fail("the information_schema query", err);
        }
    } finally {
        await connection.end().catch(() => connection.destroy());
    }
}

/** A MySQL-protocol query against the upstream TiDB: `?` placeholders, rows as objects. */
export type QueryFunction = (sql: string, params: string[]) => Promise<Record<string, unknown>[]>;

/** Which eligibility rule the server applies (§8.1): they differ on virtual generated columns. */
export type EligibilityRule = "classic" | "new-arch";

/**
 * One row per (base table, unique-index column), or one row with a NULL KEY_NAME for a table
 * without any unique index. TIDB_INDEXES lists a synthetic PRIMARY for clustered integer keys
 * and only public indexes; an expression index has `EXPRESSION` set and `COLUMN_NAME` 'NULL'.
 * Views are not BASE TABLEs (TiCDC ignores them); sequences are skipped by TiCDC too.
 *
 * `dialect: "mysql"` is the same query over the standard `information_schema.STATISTICS` (no
 * `TIDB_INDEXES`, no `EXPRESSION` column on MariaDB), for MySQL-protocol servers that are not
 * TiDB: the integration test's MariaDB. On TiDB always use "tidb" (STATISTICS does not mark
 * expression indexes the way TIDB_INDEXES does).
 */
export function eligibilityQuery(
    rules: string[],
    dialect: "tidb" | "mysql" = "tidb",
): { sql: string; params: string[] } {
    const schemas = literalSchemas(rules);
    const system = SYSTEM_SCHEMAS.map((s) => `'${s}'`).join(", ");
    const scope =
        schemas && schemas.length > 0
            ? `\n  AND t.TABLE_SCHEMA IN (${schemas.map(() => "?").join(", ")})`
            : "";
    const tidb = dialect === "tidb";
    const keyName = tidb ? "i.KEY_NAME" : "i.INDEX_NAME";
    const sql = `SELECT t.TABLE_SCHEMA, t.TABLE_NAME, ${tidb ? "i.KEY_NAME" : "i.INDEX_NAME AS KEY_NAME"}, i.SEQ_IN_INDEX, i.COLUMN_NAME,
       ${tidb ? "i.EXPRESSION" : "NULL AS EXPRESSION"}, c.IS_NULLABLE, c.EXTRA
FROM information_schema.TABLES t
LEFT JOIN information_schema.${tidb ? "TIDB_INDEXES" : "STATISTICS"} i
       ON i.TABLE_SCHEMA = t.TABLE_SCHEMA AND i.TABLE_NAME = t.TABLE_NAME AND i.NON_UNIQUE = 0
LEFT JOIN information_schema.COLUMNS c
       ON c.TABLE_SCHEMA = i.TABLE_SCHEMA AND c.TABLE_NAME = i.TABLE_NAME
      AND c.COLUMN_NAME = i.COLUMN_NAME
WHERE t.TABLE_TYPE = 'BASE TABLE'
  AND t.TABLE_SCHEMA NOT IN (${system})${scope}
ORDER BY t.TABLE_SCHEMA, t.TABLE_NAME, ${keyName}, i.SEQ_IN_INDEX`;
    return { sql, params: schemas && schemas.length > 0 ? schemas : [] };
}

/** A row with upper-case keys (drivers differ in the case they report column names in). */
function field(row: Record<string, unknown>, name: string): unknown {
    if (name in row) return row[name];
    const key = Object.keys(row).find((k) => k.toUpperCase() === name);
    return key === undefined ? undefined : row[key];
}

function text(value: unknown): string | undefined {
    if (value === null || value === undefined) return undefined;
    if (Buffer.isBuffer(value)) return value.toString("utf8");
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
        return value.toString();
    }
    return JSON.stringify(value);
}

/**
 * The tables the rules select that TiCDC would refuse, with the reason, from the rows of
 * `eligibilityQuery` (pure: this is what the unit tests pin).
 */
export function ineligibleFromRows(
    rows: Record<string, unknown>[],
    rules: string[],
    options: { caseSensitive?: boolean; rule?: EligibilityRule } = {},
): IneligibleTable[] {
    const tables = new Map<
        string,
        { schema: string; table: string; indexes: Map<string, string[]> }
    >();
    for (const row of rows) {
        const schema = text(field(row, "TABLE_SCHEMA"));
        const table = text(field(row, "TABLE_NAME"));
        if (schema === undefined || table === undefined) continue;
        if (!tableFilterMatches(rules, schema, table, options.caseSensitive ?? false)) continue;
        const key = `${schema}\u0000${table}`;
        let entry = tables.get(key);
        if (!entry) {
            entry = { schema, table, indexes: new Map() };
            tables.set(key, entry);
        }
        const keyName = text(field(row, "KEY_NAME"));
        if (keyName === undefined) continue;
        const problems = entry.indexes.get(keyName) ?? [];
        entry.indexes.set(keyName, problems);
        if (keyName.toUpperCase() === "PRIMARY") continue;
        const column = text(field(row, "COLUMN_NAME"));
        const expression = text(field(row, "EXPRESSION"));
        const nullable = text(field(row, "IS_NULLABLE"));
        const extra = text(field(row, "EXTRA")) ?? "";
        if (expression !== undefined && expression !== "") {
            problems.push("expression index");
        } else if (nullable === undefined) {
            problems.push(`column ${column ?? "?"} not found`);
        } else if (nullable.toUpperCase() === "YES") {
            problems.push(`nullable column ${column ?? "?"}`);
        } else if ((options.rule ?? "classic") === "classic" && /VIRTUAL GENERATED/i.test(extra)) {
            problems.push(`virtual generated column ${column ?? "?"}`);
        }
    }
    const result: IneligibleTable[] = [];
    for (const { schema, table, indexes } of tables.values()) {
        if (indexes.size === 0) {
            result.push({ schema, table, reason: "no primary key and no unique index" });
            continue;
        }
        if ([...indexes.values()].some((problems) => problems.length === 0)) continue;
        const why = [...indexes.entries()]
            .map(([name, problems]) => `${name}: ${[...new Set(problems)].join(", ")}`)
            .join("; ");
        result.push({ schema, table, reason: `no primary key; unusable unique indexes: ${why}` });
    }
    return result.sort((a, b) => `${a.schema}.${a.table}`.localeCompare(`${b.schema}.${b.table}`));
}

// ---------------------------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------------------------

export interface EligibilityCheck {
    changefeedId: string;
    /** The create body as it will be sent (sink URI, replica_config, start_ts). */
    config: ChangefeedConfigBody;
    /** `filter.rules` (to scope SQL rows). */
    tables: string[];
    caseSensitive?: boolean;
    /** Fallback when the server has no verify_table (takes precedence over `tidb`). */
    query?: QueryFunction;
    /** Fallback when the server has no verify_table: run the SQL there with mysql2. */
    tidb?: TidbSqlConnection;
    rule?: EligibilityRule;
}

export interface EligibilityResult {
    /** How it was checked; `skipped` when neither way was available (TiCDC checks at create). */
    method: "verify_table" | "sql" | "skipped" | "not-needed";
    /** `schema.table` of the eligible tables, when the method says. */
    eligible?: string[];
    /** Why it was skipped (`method: "skipped"`), for the caller to surface. */
    note?: string;
}

/**
 * Throw `IneligibleTablesError` when a selected table cannot be replicated. Not needed when the
 * config forces (`force_replicate`) or skips (`ignore_ineligible_table`) such tables.
 */
export async function checkTablesEligible(
    conn: TicdcConnection,
    check: EligibilityCheck,
): Promise<EligibilityResult> {
    const rc = check.config.replica_config ?? {};
    if (rc.force_replicate === true || rc.ignore_ineligible_table === true) {
        return { method: "not-needed" };
    }
    // verify_table reads the schema at start_ts: a real, current one (§2.7).
    const startTs = check.config.start_ts ?? (await currentTso(conn));
    // VerifyTableConfig has no id or namespace (the server's strict decoding would not care).
    const answer = await verifyTables(check.changefeedId, conn, {
        sink_uri: check.config.sink_uri,
        replica_config: check.config.replica_config,
        ...(startTs !== undefined ? { start_ts: startTs } : {}),
    });
    if (answer !== undefined) {
        const ineligible = (answer.ineligible_tables ?? []).map((t) => ({
            schema: t.database_name,
            table: t.table_name,
        }));
        if (ineligible.length > 0) {
            throw ineligibleTablesError(check.changefeedId, ineligible, "verify_table");
        }
        return {
            method: "verify_table",
            eligible: (answer.eligible_tables ?? []).map(
                (t) => `${t.database_name}.${t.table_name}`,
            ),
        };
    }
    let rows: Record<string, unknown>[];
    if (check.query) {
        const { sql, params } = eligibilityQuery(check.tables);
        rows = await check.query(sql, params);
    } else if (check.tidb) {
        rows = await queryTidbEligibility(check.tidb, check.tables);
    } else {
        return {
            method: "skipped",
            note:
                "table eligibility was not checked before create: this TiCDC has no " +
                "POST /api/v2/verify_table and no `tidb` connection was given for the " +
                "information_schema check (TiCDC still refuses ineligible tables at create)",
        };
    }
    const ineligible = ineligibleFromRows(rows, check.tables, {
        caseSensitive: check.caseSensitive ?? false,
        rule: check.rule ?? "classic",
    });
    if (ineligible.length > 0) {
        throw ineligibleTablesError(check.changefeedId, ineligible, "sql");
    }
    return { method: "sql" };
}
