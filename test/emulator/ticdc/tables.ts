/**
 * The emulator's upstream: an in-memory TiDB schema and row store, and the change log TiCDC
 * would pull from TiKV. Each hook call is one transaction with its own commit TSO.
 *
 * Values are kept the way TiCDC's mounter hands them to the canal-json encoder
 * (tiflow `cdc/entry/mounter.go` `formatColVal` + `pkg/sink/codec/canal` `formatValue`):
 * integers, decimals, dates and strings as text, ENUM as its 1-based index, SET as its bit mask,
 * BIT as an integer, BINARY/BLOB as bytes (rendered ISO-8859-1 in canal-json), JSON in TiDB's
 * `BinaryJSON.String()` form (`{"a": 1, "b": [1, 2]}`).
 */
import type { Tso } from "./tso";

/** MySQL type codes TiCDC's encoders switch on (tidb `pkg/parser/mysql` TypeXxx). */
export type MysqlTp =
    | "Tiny"
    | "Short"
    | "Int24"
    | "Long"
    | "Longlong"
    | "Float"
    | "Double"
    | "NewDecimal"
    | "Date"
    | "Datetime"
    | "Timestamp"
    | "Duration"
    | "Year"
    | "String"
    | "Varchar"
    | "TinyBlob"
    | "Blob"
    | "MediumBlob"
    | "LongBlob"
    | "JSON"
    | "Enum"
    | "Set"
    | "Bit";

export interface ColumnDefinition {
    name: string;
    /** A MySQL column type, e.g. `bigint unsigned`, `varchar(64)`, `decimal(10,2)`, `enum('a','b')`. */
    type: string;
    /** Default true, except for primary-key columns (always NOT NULL). */
    nullable?: boolean;
    /** A generated column; virtual ones never make a unique index valid (classic rule). */
    generated?: "virtual" | "stored";
}

export interface UniqueIndexDefinition {
    /** Default: the first column's name (TiDB's default index name). */
    name?: string;
    columns: string[];
}

export interface TableDefinition {
    schema: string;
    table: string;
    columns: ColumnDefinition[];
    primaryKey?: string[];
    uniqueIndexes?: (string[] | UniqueIndexDefinition)[];
    /** The CREATE TABLE statement carried by the DDL event; a plausible one is synthesised. */
    sql?: string;
}

export interface ColumnInfo {
    name: string;
    offset: number;
    tp: MysqlTp;
    /** `types.TypeToStr` name, e.g. `int`, `varchar`, `varbinary`, `text`. */
    typeName: string;
    /** `GetTypeDesc()`, e.g. `int(11) unsigned`, `decimal(10,2)` (content-compatible output). */
    typeDesc: string;
    unsigned: boolean;
    zerofill: boolean;
    binary: boolean;
    nullable: boolean;
    generated?: "virtual" | "stored";
    primaryKey: boolean;
    uniqueKey: boolean;
    handleKey: boolean;
    elements?: string[];
    scale?: number;
    fsp?: number;
}

export interface IndexInfo {
    name: string;
    columns: string[];
    primary: boolean;
    unique: boolean;
}

export interface TableInfo {
    id: number;
    schema: string;
    table: string;
    columns: ColumnInfo[];
    indexes: IndexInfo[];
    /** PK columns if any, else the first unique index whose columns are all NOT NULL (and not virtual). */
    handleKey?: string[];
    /** Has a PK or a valid unique index (`IsEligible(false)`). */
    eligible: boolean;
    createdAt: bigint;
}

/** One column value as TiCDC carries it: canal-json text (or null) and the bytes hashed by dispatchers. */
export interface Cell {
    text: string | null;
    /** `model.ColumnValueString` bytes (raw bytes for binary columns). */
    hash: Buffer;
}

export type Row = Cell[];

export type DdlType =
    "CREATE" | "ALTER" | "ERASE" | "TRUNCATE" | "RENAME" | "CINDEX" | "DINDEX" | "QUERY";

export type ChangeEvent =
    | {
          kind: "dml";
          commitTs: bigint;
          table: TableInfo;
          op: "insert" | "update" | "delete";
          before?: Row;
          after?: Row;
      }
    | {
          kind: "ddl";
          commitTs: bigint;
          schema: string;
          /** "" for schema-level DDL. */
          table: string;
          query: string;
          type: DdlType;
          /** For binlog-filter event types: "create table", "create database", "drop table"... */
          eventType: string;
      };

export type RowValues = Record<string, unknown>;

const TYPE_NAMES: Record<MysqlTp, [string, string]> = {
    // [non-binary, binary charset]
    Tiny: ["tinyint", "tinyint"],
    Short: ["smallint", "smallint"],
    Int24: ["mediumint", "mediumint"],
    Long: ["int", "int"],
    Longlong: ["bigint", "bigint"],
    Float: ["float", "float"],
    Double: ["double", "double"],
    NewDecimal: ["decimal", "decimal"],
    Date: ["date", "date"],
    Datetime: ["datetime", "datetime"],
    Timestamp: ["timestamp", "timestamp"],
    Duration: ["time", "time"],
    Year: ["year", "year"],
    String: ["char", "binary"],
    Varchar: ["varchar", "varbinary"],
    TinyBlob: ["tinytext", "tinyblob"],
    Blob: ["text", "blob"],
    MediumBlob: ["mediumtext", "mediumblob"],
    LongBlob: ["longtext", "longblob"],
    JSON: ["json", "json"],
    Enum: ["enum", "enum"],
    Set: ["set", "set"],
    Bit: ["bit", "bit"],
};

const BASE_TYPES: Record<string, { tp: MysqlTp; binary?: boolean }> = {
    tinyint: { tp: "Tiny" },
    bool: { tp: "Tiny" },
    boolean: { tp: "Tiny" },
    smallint: { tp: "Short" },
    mediumint: { tp: "Int24" },
    int: { tp: "Long" },
    integer: { tp: "Long" },
    bigint: { tp: "Longlong" },
    float: { tp: "Float" },
    double: { tp: "Double" },
    real: { tp: "Double" },
    decimal: { tp: "NewDecimal" },
    numeric: { tp: "NewDecimal" },
    dec: { tp: "NewDecimal" },
    fixed: { tp: "NewDecimal" },
    date: { tp: "Date" },
    datetime: { tp: "Datetime" },
    timestamp: { tp: "Timestamp" },
    time: { tp: "Duration" },
    year: { tp: "Year" },
    char: { tp: "String" },
    varchar: { tp: "Varchar" },
    binary: { tp: "String", binary: true },
    varbinary: { tp: "Varchar", binary: true },
    tinytext: { tp: "TinyBlob" },
    text: { tp: "Blob" },
    mediumtext: { tp: "MediumBlob" },
    longtext: { tp: "LongBlob" },
    tinyblob: { tp: "TinyBlob", binary: true },
    blob: { tp: "Blob", binary: true },
    mediumblob: { tp: "MediumBlob", binary: true },
    longblob: { tp: "LongBlob", binary: true },
    json: { tp: "JSON" },
    enum: { tp: "Enum" },
    set: { tp: "Set" },
    bit: { tp: "Bit" },
};

const DEFAULT_WIDTH: Partial<Record<MysqlTp, [number, number]>> = {
    // [signed, unsigned] display widths TiDB shows in GetTypeDesc()
    Tiny: [4, 3],
    Short: [6, 5],
    Int24: [9, 8],
    Long: [11, 10],
    Longlong: [20, 20],
};

export function parseColumnType(
    type: string,
): Pick<
    ColumnInfo,
    | "tp"
    | "typeName"
    | "typeDesc"
    | "unsigned"
    | "zerofill"
    | "binary"
    | "elements"
    | "scale"
    | "fsp"
> {
    const m = /^\s*([A-Za-z]+)\s*(\((.*)\))?\s*(.*)$/s.exec(type);
    const base = m?.[1]?.toLowerCase() ?? "";
    const known = BASE_TYPES[base];
    if (!m || !known) throw new Error(`unsupported column type ${JSON.stringify(type)}`);
    const args = m[3];
    const attrs = (m[4] ?? "").toLowerCase();
    const unsigned = /\bunsigned\b/.test(attrs) || /\bzerofill\b/.test(attrs);
    const zerofill = /\bzerofill\b/.test(attrs);
    const binary = known.binary === true || /\bbinary\b/.test(attrs);
    const tp = known.tp;
    const typeName =
        TYPE_NAMES[tp][
            binary &&
            ["String", "Varchar", "TinyBlob", "Blob", "MediumBlob", "LongBlob"].includes(tp)
                ? 1
                : 0
        ];
    let elements: string[] | undefined;
    let scale: number | undefined;
    let fsp: number | undefined;
    let params = args;
    if (tp === "Enum" || tp === "Set") {
        elements = [...(args ?? "").matchAll(/'((?:''|[^'])*)'/g)].map((e) =>
            (e[1] ?? "").replace(/''/g, "'"),
        );
    } else if (tp === "NewDecimal") {
        const [p, s] = (args ?? "10,0").split(",").map((x) => Number(x.trim()));
        scale = s ?? 0;
        params = `${p ?? 10},${scale}`;
    } else if (["Datetime", "Timestamp", "Duration"].includes(tp)) {
        fsp = args ? Number(args) : 0;
    } else if (base === "bool" || base === "boolean") {
        params = "1";
    } else if (params === undefined) {
        const width = DEFAULT_WIDTH[tp];
        if (width) params = String(width[unsigned ? 1 : 0]);
    }
    let typeDesc =
        params !== undefined && elements === undefined ? `${typeName}(${params})` : typeName;
    if (elements)
        typeDesc = `${typeName}(${elements.map((e) => `'${e.replace(/'/g, "''")}'`).join(",")})`;
    if (unsigned) typeDesc += " unsigned";
    if (zerofill) typeDesc += " zerofill";
    return { tp, typeName, typeDesc, unsigned, zerofill, binary, elements, scale, fsp };
}

function quoteIdent(name: string): string {
    return `\`${name.replace(/`/g, "``")}\``;
}

/** A plausible `CREATE TABLE` for the DDL event (TiCDC carries the statement as executed). */
function createTableSql(def: TableDefinition, columns: ColumnInfo[], indexes: IndexInfo[]): string {
    const parts = columns.map(
        (c) =>
            `${quoteIdent(c.name)} ${c.typeDesc}${c.nullable ? "" : " NOT NULL"}${c.generated ? ` GENERATED ALWAYS AS (NULL) ${c.generated.toUpperCase()}` : ""}`,
    );
    for (const index of indexes) {
        const cols = index.columns.map(quoteIdent).join(",");
        parts.push(
            index.primary
                ? `PRIMARY KEY (${cols})`
                : `UNIQUE KEY ${quoteIdent(index.name)} (${cols})`,
        );
    }
    return `CREATE TABLE ${quoteIdent(def.schema)}.${quoteIdent(def.table)} (${parts.join(",")})`;
}

/** Shortest decimal text of a float32 (Go `FormatFloat(v, 'f', -1, 32)`). */
function float32Text(v: number): string {
    const f = Math.fround(v);
    for (let p = 1; p <= 9; p++) {
        const candidate = Number(f.toPrecision(p));
        if (Math.fround(candidate) === f) return plainDecimal(candidate);
    }
    return plainDecimal(f);
}

/** Go 'f' formatting (no exponent) of the shortest repr of a double. */
function plainDecimal(v: number): string {
    const s = String(v);
    const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
    if (!m) return s;
    const sign = m[1] ?? "";
    const digits = (m[2] ?? "") + (m[3] ?? "");
    const exp = Number(m[4]);
    if (exp >= 0) {
        const intLen = exp + 1;
        return (
            sign +
            (digits.length <= intLen
                ? digits + "0".repeat(intLen - digits.length)
                : `${digits.slice(0, intLen)}.${digits.slice(intLen)}`)
        );
    }
    return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
}

/** TiDB's `BinaryJSON.String()`: `", "` and `": "` separators, keys sorted (by length, then bytes). */
function tidbJson(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return `[${value.map(tidbJson).join(", ")}]`;
    if (typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
            a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0,
        );
        return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${tidbJson(v)}`).join(", ")}}`;
    }
    if (typeof value === "bigint") return value.toString();
    return JSON.stringify(value);
}

function integerText(column: ColumnInfo, value: unknown): string {
    let n: bigint;
    if (typeof value === "bigint") n = value;
    else if (typeof value === "boolean") n = value ? 1n : 0n;
    else if (typeof value === "number" && Number.isInteger(value)) n = BigInt(value);
    else if (typeof value === "string" && /^-?\d+$/.test(value.trim())) n = BigInt(value.trim());
    else
        throw new Error(
            `column ${column.name} (${column.typeDesc}): not an integer: ${String(value)}`,
        );
    if (column.unsigned && n < 0n)
        throw new Error(`column ${column.name}: out of range value ${n}`);
    return n.toString();
}

function scalarText(value: unknown): string {
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
        return String(value);
    }
    throw new Error(`not a scalar column value: ${JSON.stringify(value)}`);
}

/** A JavaScript value → the cell TiCDC would carry for this column. */
export function toCell(column: ColumnInfo, value: unknown): Cell {
    if (value === null || value === undefined) return { text: null, hash: Buffer.from("null") };
    let text: string;
    let raw: Buffer | undefined;
    switch (column.tp) {
        case "Tiny":
        case "Short":
        case "Int24":
        case "Long":
        case "Longlong":
        case "Year":
            text = integerText(column, value);
            break;
        case "Bit":
            text = Buffer.isBuffer(value)
                ? BigInt(`0x${value.toString("hex") || "0"}`).toString()
                : integerText(column, value);
            break;
        case "Float":
            text = float32Text(Number(value));
            break;
        case "Double":
            text = plainDecimal(Number(value));
            break;
        case "NewDecimal": {
            const s = typeof value === "number" ? plainDecimal(value) : scalarText(value).trim();
            if (!/^-?\d+(\.\d+)?$/.test(s))
                throw new Error(`column ${column.name}: not a decimal: ${s}`);
            const [int, frac = ""] = s.split(".");
            const scale = column.scale ?? 0;
            text = scale > 0 ? `${int}.${frac.padEnd(scale, "0").slice(0, scale)}` : (int ?? "0");
            break;
        }
        case "Date":
        case "Datetime":
        case "Timestamp":
            text = value instanceof Date ? formatDate(value, column) : scalarText(value);
            break;
        case "Enum": {
            if (typeof value === "string") {
                const i = (column.elements ?? []).indexOf(value);
                if (i < 0)
                    throw new Error(
                        `column ${column.name}: ${value} is not one of ${column.elements?.join(",")}`,
                    );
                text = String(i + 1);
            } else text = integerText(column, value);
            break;
        }
        case "Set": {
            if (typeof value === "string") {
                let mask = 0n;
                for (const item of value === "" ? [] : value.split(",")) {
                    const i = (column.elements ?? []).indexOf(item);
                    if (i < 0)
                        throw new Error(
                            `column ${column.name}: ${item} is not one of ${column.elements?.join(",")}`,
                        );
                    mask |= 1n << BigInt(i);
                }
                text = mask.toString();
            } else text = integerText(column, value);
            break;
        }
        case "JSON":
            text = typeof value === "string" ? tidbJson(JSON.parse(value)) : tidbJson(value);
            break;
        default:
            if (column.binary) {
                raw = Buffer.isBuffer(value) ? value : Buffer.from(scalarText(value), "utf8");
                text = raw.toString("latin1");
            } else text = Buffer.isBuffer(value) ? value.toString("utf8") : scalarText(value);
    }
    return { text, hash: raw ?? Buffer.from(text, "utf8") };
}

function formatDate(d: Date, column: ColumnInfo): string {
    const pad = (n: number, w = 2) => String(n).padStart(w, "0");
    const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
    if (column.tp === "Date") return date;
    const fsp = column.fsp ?? 0;
    const frac = fsp > 0 ? `.${pad(d.getUTCMilliseconds(), 3).padEnd(6, "0").slice(0, fsp)}` : "";
    return `${date} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac}`;
}

interface StoredTable {
    info: TableInfo;
    rows: Row[];
}

function key(schema: string, table: string): string {
    return `${schema.toLowerCase()}.${table.toLowerCase()}`;
}

/** Upstream TiDB: tables, rows and the change log. */
export class Upstream {
    private readonly tables = new Map<string, StoredTable>();
    private readonly schemas = new Set<string>();
    private nextTableId = 100;
    /** Every change, in commit order. */
    readonly log: ChangeEvent[] = [];
    private readonly listeners = new Set<() => void>();

    constructor(private readonly tso: Tso) {}

    onChange(listener: () => void): () => void {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
    }

    private append(events: ChangeEvent[]): void {
        this.log.push(...events);
        for (const l of this.listeners) l();
    }

    tableInfo(schema: string, table: string): TableInfo | undefined {
        return this.tables.get(key(schema, table))?.info;
    }

    /** Tables existing at `ts` (created at or before it). */
    tablesAt(ts: bigint): TableInfo[] {
        return [...this.tables.values()].map((t) => t.info).filter((t) => t.createdAt <= ts);
    }

    defineTable(def: TableDefinition): { commitTs: bigint; info: TableInfo } {
        if (this.tables.has(key(def.schema, def.table))) {
            throw new Error(`Table '${def.schema}.${def.table}' already exists`);
        }
        if (def.columns.length === 0) throw new Error("a table needs at least one column");
        const pk = def.primaryKey ?? [];
        const uniques = (def.uniqueIndexes ?? []).map((u, i): IndexInfo => {
            const cols = Array.isArray(u) ? u : u.columns;
            const name = (Array.isArray(u) ? undefined : u.name) ?? `${cols[0] ?? `uk${i}`}`;
            return { name, columns: cols, primary: false, unique: true };
        });
        const indexes: IndexInfo[] = [
            ...(pk.length > 0
                ? [{ name: "PRIMARY", columns: pk, primary: true, unique: true }]
                : []),
            ...uniques,
        ];
        const columns: ColumnInfo[] = def.columns.map((c, offset) => ({
            name: c.name,
            offset,
            ...parseColumnType(c.type),
            nullable: pk.includes(c.name) ? false : (c.nullable ?? true),
            generated: c.generated,
            primaryKey: pk.includes(c.name),
            uniqueKey: uniques.some((u) => u.columns.includes(c.name)),
            handleKey: false,
        }));
        for (const index of indexes) {
            for (const col of index.columns) {
                if (!columns.some((c) => c.name === col)) {
                    throw new Error(`Key column '${col}' doesn't exist in table`);
                }
            }
        }
        const byName = (n: string) => columns.find((c) => c.name === n) as ColumnInfo;
        const validUk = uniques.find((u) =>
            u.columns.every((n) => !byName(n).nullable && byName(n).generated !== "virtual"),
        );
        const handleKey = pk.length > 0 ? pk : validUk?.columns;
        for (const n of handleKey ?? []) byName(n).handleKey = true;
        const events: ChangeEvent[] = [];
        if (!this.schemas.has(def.schema.toLowerCase())) {
            this.schemas.add(def.schema.toLowerCase());
            events.push({
                kind: "ddl",
                commitTs: this.tso.next(),
                schema: def.schema,
                table: "",
                query: `CREATE DATABASE ${quoteIdent(def.schema)}`,
                type: "QUERY",
                eventType: "create database",
            });
        }
        const commitTs = this.tso.next();
        const info: TableInfo = {
            id: this.nextTableId++,
            schema: def.schema,
            table: def.table,
            columns,
            indexes,
            handleKey,
            eligible: handleKey !== undefined,
            createdAt: commitTs,
        };
        this.tables.set(key(def.schema, def.table), { info, rows: [] });
        events.push({
            kind: "ddl",
            commitTs,
            schema: def.schema,
            table: def.table,
            query: def.sql ?? createTableSql(def, columns, indexes),
            type: "CREATE",
            eventType: "create table",
        });
        this.append(events);
        return { commitTs, info };
    }

    /** Any other DDL on an existing table (no schema change is modelled), e.g. TRUNCATE. */
    ddl(schema: string, table: string, type: DdlType, query: string, eventType: string): bigint {
        const stored = this.stored(schema, table);
        if (type === "TRUNCATE") stored.rows = [];
        if (type === "ERASE") this.tables.delete(key(schema, table));
        const commitTs = this.tso.next();
        this.append([
            {
                kind: "ddl",
                commitTs,
                schema: stored.info.schema,
                table: stored.info.table,
                query,
                type,
                eventType,
            },
        ]);
        return commitTs;
    }

    private stored(schema: string, table: string): StoredTable {
        const t = this.tables.get(key(schema, table));
        if (!t) throw new Error(`Table '${schema}.${table}' doesn't exist`);
        return t;
    }

    private toRow(info: TableInfo, values: RowValues, base?: Row): Row {
        for (const name of Object.keys(values)) {
            if (!info.columns.some((c) => c.name === name)) {
                throw new Error(`Unknown column '${name}' in '${info.schema}.${info.table}'`);
            }
        }
        return info.columns.map((c, i) => {
            if (Object.prototype.hasOwnProperty.call(values, c.name)) {
                const cell = toCell(c, values[c.name]);
                if (cell.text === null && !c.nullable)
                    throw new Error(`Column '${c.name}' cannot be null`);
                return cell;
            }
            if (base) return base[i] as Cell;
            if (!c.nullable) throw new Error(`Field '${c.name}' doesn't have a default value`);
            return toCell(c, null);
        });
    }

    private checkUnique(stored: StoredTable, row: Row, except?: Row): void {
        for (const index of stored.info.indexes) {
            const offsets = index.columns.map((n) =>
                stored.info.columns.findIndex((c) => c.name === n),
            );
            const values = offsets.map((o) => row[o]?.text ?? null);
            if (values.some((v) => v === null)) continue;
            const clash = stored.rows.find(
                (other) =>
                    other !== except && offsets.every((o, i) => other[o]?.text === values[i]),
            );
            if (clash) {
                throw new Error(
                    `Duplicate entry '${values.join("-")}' for key '${stored.info.table}.${index.name}'`,
                );
            }
        }
    }

    private matching(stored: StoredTable, where: RowValues): Row[] {
        const probe = Object.entries(where).map(([name, value]) => {
            const offset = stored.info.columns.findIndex((c) => c.name === name);
            const column = stored.info.columns[offset];
            if (!column) throw new Error(`Unknown column '${name}' in 'where clause'`);
            return { offset, text: toCell(column, value).text };
        });
        return stored.rows.filter((row) => probe.every((p) => row[p.offset]?.text === p.text));
    }

    insert(schema: string, table: string, rows: RowValues[]): bigint {
        const stored = this.stored(schema, table);
        const built = rows.map((values) => this.toRow(stored.info, values));
        const added: Row[] = [];
        for (const row of built) {
            this.checkUnique({ ...stored, rows: [...stored.rows, ...added] }, row);
            added.push(row);
        }
        stored.rows.push(...added);
        const commitTs = this.tso.next();
        this.append(
            added.map((after) => ({
                kind: "dml",
                commitTs,
                table: stored.info,
                op: "insert",
                after,
            })),
        );
        return commitTs;
    }

    update(
        schema: string,
        table: string,
        where: RowValues,
        set: RowValues,
    ): { commitTs?: bigint; rows: number } {
        const stored = this.stored(schema, table);
        const targets = this.matching(stored, where);
        const changes = targets.map((before) => ({
            before,
            after: this.toRow(stored.info, set, before),
        }));
        for (const { before, after } of changes) this.checkUnique(stored, after, before);
        const effective = changes.filter(({ before, after }) =>
            before.some((c, i) => c.text !== after[i]?.text),
        );
        if (effective.length === 0) return { rows: 0 };
        for (const { before, after } of effective) stored.rows[stored.rows.indexOf(before)] = after;
        const commitTs = this.tso.next();
        this.append(
            effective.map(({ before, after }) => ({
                kind: "dml",
                commitTs,
                table: stored.info,
                op: "update",
                before,
                after,
            })),
        );
        return { commitTs, rows: effective.length };
    }

    delete(schema: string, table: string, where: RowValues): { commitTs?: bigint; rows: number } {
        const stored = this.stored(schema, table);
        const targets = this.matching(stored, where);
        if (targets.length === 0) return { rows: 0 };
        stored.rows = stored.rows.filter((r) => !targets.includes(r));
        const commitTs = this.tso.next();
        this.append(
            targets.map((before) => ({
                kind: "dml",
                commitTs,
                table: stored.info,
                op: "delete",
                before,
            })),
        );
        return { commitTs, rows: targets.length };
    }

    /** Current rows of a table, as canal-json texts. */
    rows(schema: string, table: string): Record<string, string | null>[] {
        const stored = this.stored(schema, table);
        return stored.rows.map((row) =>
            Object.fromEntries(stored.info.columns.map((c, i) => [c.name, row[i]?.text ?? null])),
        );
    }
}
