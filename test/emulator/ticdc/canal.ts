/**
 * What TiCDC's Kafka sink does with a change: route it to a topic and partition (tiflow
 * `cdc/sink/dmlsink/mq/dispatcher`) and encode it as TiCDC-flavoured canal-json
 * (`pkg/sink/codec/canal/canal_json_row_event_encoder.go`).
 *
 * Partitioning is TiCDC's own, bit for bit: `hash.PositionInertia` = XOR of CRC-32/IEEE sums,
 * one per `Write(a, b)` call over the concatenated bytes; the table dispatcher writes
 * (schema, table); index-value adds (column name, `ColumnValueString(value)`) for every
 * handle-key column in table column order (or the named unique index's columns in index order);
 * partition = sum mod partition count. `ts` is commitTs mod n. The Kafka key is null: canal-json
 * messages carry no key (`common.Message{Key: nil}`).
 */
import { E } from "./errors";
import { FilterSyntaxError, parseTableFilter, type TableFilter } from "./filter";
import type { GoStruct } from "./gotypes";
import { goJson, type JsonObject } from "./json";
import type { Cell, ColumnInfo, DdlType, Row, TableInfo } from "./tables";

const CRC_TABLE = (() => {
    const table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
        let c = n;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        table[n] = c >>> 0;
    }
    return table;
})();

/** CRC-32/IEEE (Go `hash/crc32.ChecksumIEEE`) of the concatenated buffers. */
export function crc32(...parts: Buffer[]): number {
    let c = 0xffffffff;
    for (const part of parts) {
        for (const byte of part) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
    }
    return (c ^ 0xffffffff) >>> 0;
}

/** `hash.PositionInertia`: XOR of one CRC-32 per `Write(...)` group. */
export function positionInertia(groups: Buffer[][]): number {
    return groups.reduce((acc, group) => (acc ^ crc32(...group)) >>> 0, 0);
}

const utf8 = (s: string) => Buffer.from(s, "utf8");

export type PartitionRule = "default" | "table" | "ts" | "index-value" | "columns";

function normalizePartitionRule(rule: string | undefined): PartitionRule {
    switch ((rule ?? "").toLowerCase()) {
        case "ts":
            return "ts";
        case "table":
            return "table";
        case "index-value":
        case "rowid":
            return "index-value";
        case "columns":
            return "columns";
        default:
            // "default", "" and unknown rules (TiCDC logs a warning and uses the default).
            return "default";
    }
}

/** The row whose values a dispatcher hashes: the new image, or the old one for a DELETE. */
function dispatchRow(before: Row | undefined, after: Row | undefined): Row {
    return after ?? before ?? [];
}

/** TiCDC's partition for a row change (see the file comment). */
export function partitionFor(
    rule: PartitionRule,
    table: TableInfo,
    row: { before?: Row; after?: Row; commitTs: bigint },
    partitions: number,
    options: { index?: string; columns?: string[] } = {},
): number {
    if (rule === "ts") return Number(row.commitTs % BigInt(partitions));
    const groups: Buffer[][] = [[utf8(table.schema), utf8(table.table)]];
    const cells = dispatchRow(row.before, row.after);
    if (rule === "index-value") {
        if (options.index) {
            const index = table.indexes.find((i) => i.name === options.index);
            if (!index) {
                throw E.dispatcherFailed(
                    `index not found when dispatch event, table: ${table.table}, index: ${options.index}`,
                );
            }
            for (const name of index.columns) {
                const col = table.columns.find((c) => c.name === name) as ColumnInfo;
                groups.push([utf8(name), (cells[col.offset] as Cell).hash]);
            }
        } else {
            for (const col of table.columns) {
                if (col.handleKey) groups.push([utf8(col.name), (cells[col.offset] as Cell).hash]);
            }
        }
    } else if (rule === "columns") {
        for (const name of options.columns ?? []) {
            const col = table.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
            if (!col)
                throw new Error(
                    `columns dispatcher: no column ${name} in ${table.schema}.${table.table}`,
                );
            groups.push([utf8(col.name), (cells[col.offset] as Cell).hash]);
        }
    }
    return positionInertia(groups) % partitions;
}

const HARD_CODED_TOPIC = /^[A-Za-z0-9._-]+$/;
const TOPIC_EXPRESSION = /^[A-Za-z0-9._-]*(\{schema\})?([A-Za-z0-9._-]*\{table\})?[A-Za-z0-9._-]*$/;

/** `topic.Expression.Substitute`. */
export function substituteTopic(expression: string, schema: string, table: string): string {
    const clean = (s: string) => s.replace(/[^a-zA-Z0-9._-]/g, "_");
    const name = expression
        .replace(/\{schema\}/g, clean(schema))
        .replace(/\{table\}/g, clean(table));
    if (name.length > 249) return name.slice(0, 249);
    if (name === ".") return "_";
    if (name === "..") return "__";
    return name;
}

interface RouteRule {
    filter: TableFilter;
    topic?: string;
    partition: PartitionRule;
    index?: string;
    columns?: string[];
}

/** `dispatcher.EventRouter`: the first rule whose matcher matches decides topic and partitioner. */
export class EventRouter {
    private readonly rules: RouteRule[];

    constructor(
        readonly defaultTopic: string,
        dispatchers: GoStruct[] | undefined,
        caseSensitive: boolean,
    ) {
        const configured = (dispatchers ?? []).filter((d): d is GoStruct => d !== undefined);
        const all = [
            ...configured,
            { matcher: ["*.*"], partition: "default", topic: "" } as GoStruct,
        ];
        this.rules = all.map((rule) => {
            const matcher = (rule.matcher as string[] | undefined) ?? [];
            let filter: TableFilter;
            try {
                filter = parseTableFilter(matcher, caseSensitive);
            } catch (error) {
                if (error instanceof FilterSyntaxError) {
                    throw E.filterRuleInvalid(`[${matcher.join(" ")}]: ${error.message}`);
                }
                throw error;
            }
            const topic = (rule.topic as string | undefined) ?? "";
            if (topic !== "" && !HARD_CODED_TOPIC.test(topic) && !TOPIC_EXPRESSION.test(topic)) {
                throw E.topicExpressionInvalid(topic);
            }
            return {
                filter,
                topic: topic === "" ? undefined : topic,
                partition: normalizePartitionRule(rule.partition as string | undefined),
                index: (rule.index as string | undefined) || undefined,
                columns: rule.columns as string[] | undefined,
            };
        });
    }

    rule(schema: string, table: string): RouteRule {
        return this.rules.find((r) => r.filter.match(schema, table)) as RouteRule;
    }

    topicFor(schema: string, table: string): string {
        const rule = this.rule(schema, table);
        if (!rule.topic) return this.defaultTopic;
        return HARD_CODED_TOPIC.test(rule.topic)
            ? rule.topic
            : substituteTopic(rule.topic, schema, table);
    }

    /** `EventRouter.VerifyTables` for one table (index-value `index` must be a unique index...). */
    verify(table: TableInfo): void {
        const rule = this.rule(table.schema, table.table);
        if (rule.partition === "index-value" && rule.index) {
            const index = table.indexes.find((i) => i.name === rule.index);
            if (!index) {
                throw E.dispatcherFailed(
                    `index not found when verify the table, table: ${table.schema}.${table.table}, index: ${rule.index}`,
                );
            }
            if (!index.unique) {
                throw E.dispatcherFailed(
                    `index is not unique when verify the table, table: ${table.schema}.${table.table}, index: ${rule.index}`,
                );
            }
        }
        if (rule.partition === "columns") {
            for (const name of rule.columns ?? []) {
                if (!table.columns.some((c) => c.name.toLowerCase() === name.toLowerCase())) {
                    throw E.dispatcherFailed(
                        `column not found when verify the table, column: ${name}`,
                    );
                }
            }
        }
    }

    /** Topics of the given tables plus the default topic (`GetActiveTopics`). */
    activeTopics(tables: { schema: string; table: string }[]): string[] {
        const topics = new Set<string>();
        for (const t of tables) topics.add(this.topicFor(t.schema, t.table));
        topics.add(this.defaultTopic);
        return [...topics];
    }
}

/** java.sql.Types for a column (`internal.MySQLType2JavaType` + canal's unsigned promotion). */
export function javaSqlType(column: ColumnInfo, cell: Cell | undefined): number {
    const base: Record<string, number> = {
        Tiny: -6,
        Short: 5,
        Int24: 4,
        Long: 4,
        Longlong: -5,
        Float: 7,
        Double: 8,
        NewDecimal: 3,
        Date: 91,
        Datetime: 93,
        Timestamp: 93,
        Duration: 92,
        Year: 12,
        Enum: 4,
        Set: -7,
        Bit: -7,
        JSON: 12,
        String: column.binary ? 2004 : 1,
        Varchar: column.binary ? 2004 : 12,
        TinyBlob: column.binary ? 2004 : 2005,
        Blob: column.binary ? 2004 : 2005,
        MediumBlob: column.binary ? 2004 : 2005,
        LongBlob: column.binary ? 2004 : 2005,
    };
    const type = base[column.tp] ?? 12;
    if (!column.unsigned || cell?.text === null || cell === undefined) return type;
    const n = BigInt(cell.text);
    if (column.tp === "Tiny" && n > 127n) return 5;
    if (column.tp === "Short" && n > 32767n) return 4;
    if (column.tp === "Long" && n > 2147483647n) return -5;
    if (column.tp === "Longlong" && n > 9223372036854775807n) return 3;
    return type;
}

/** `utils.GetMySQLType`: `int unsigned` style, or the full description with content-compatible. */
export function mysqlTypeName(column: ColumnInfo, fullType: boolean): string {
    if (fullType) return column.typeDesc;
    let name = column.typeName;
    if (column.unsigned) name += " unsigned";
    if (column.zerofill) name += " zerofill";
    return name;
}

export interface CanalOptions {
    enableTiDBExtension: boolean;
    onlyOutputUpdatedColumns: boolean;
    contentCompatible: boolean;
    deleteOnlyHandleKeyColumns: boolean;
    /** Build time for `ts` (ms); defaults to Date.now(). */
    now?: () => number;
}

function rawJson(text: string): string {
    return text;
}

function columnsJson(
    table: TableInfo,
    row: Row | undefined,
    onlyHandleKey: boolean,
    skip?: (column: ColumnInfo, cell: Cell) => boolean,
): string {
    if (!row || row.length === 0) return "null";
    const parts: string[] = [];
    for (const column of table.columns) {
        const cell = row[column.offset] as Cell;
        if (skip?.(column, cell)) continue;
        if (onlyHandleKey && !column.handleKey) continue;
        parts.push(`${goJson(column.name)}:${cell.text === null ? "null" : goJson(cell.text)}`);
    }
    return `[{${parts.join(",")}}]`;
}

/** A DML message exactly as `newJSONMessageForDML` writes it (field order included). */
export function encodeRowChange(
    table: TableInfo,
    change: { op: "insert" | "update" | "delete"; before?: Row; after?: Row; commitTs: bigint },
    options: CanalOptions,
): string {
    const isDelete = change.op === "delete";
    const onlyHandleKey = isDelete && options.deleteOnlyHandleKeyColumns;
    const columns = isDelete ? change.before : change.after;
    const pkNames = table.columns.filter((c) => c.primaryKey).map((c) => c.name);
    const sqlType: string[] = [];
    const mysqlType: string[] = [];
    for (const column of table.columns) {
        if (onlyHandleKey && !column.handleKey) continue;
        const cell = columns?.[column.offset];
        sqlType.push(`${goJson(column.name)}:${javaSqlType(column, cell)}`);
        mysqlType.push(
            `${goJson(column.name)}:${goJson(mysqlTypeName(column, options.contentCompatible))}`,
        );
    }
    const type = isDelete ? "DELETE" : change.op === "insert" ? "INSERT" : "UPDATE";
    let old = "null";
    let data: string;
    if (isDelete) data = columnsJson(table, change.before, onlyHandleKey);
    else if (change.op === "insert") data = columnsJson(table, change.after, onlyHandleKey);
    else {
        const after = change.after ?? [];
        old = columnsJson(table, change.before, onlyHandleKey, (column, cell) =>
            options.onlyOutputUpdatedColumns ? after[column.offset]?.text === cell.text : false,
        );
        data = columnsJson(table, change.after, onlyHandleKey);
    }
    const now = options.now ?? Date.now;
    let out =
        `{"id":0,"database":${goJson(table.schema)},"table":${goJson(table.table)},` +
        `"pkNames":[${pkNames.map((n) => goJson(n)).join(",")}],"isDdl":false,"type":${goJson(type)},` +
        `"es":${change.commitTs >> 18n},"ts":${now()},"sql":"",` +
        `"sqlType":${sqlType.length ? `{${sqlType.join(",")}}` : "null"},` +
        `"mysqlType":{${mysqlType.join(",")}},"old":${rawJson(old)},"data":${rawJson(data)}`;
    if (options.enableTiDBExtension) out += `,"_tidb":{"commitTs":${change.commitTs}}`;
    return `${out}}`;
}

function jsonMessage(fields: {
    database: string;
    table: string;
    isDdl: boolean;
    type: string;
    commitTs: bigint;
    sql: string;
    now: number;
    tidb?: JsonObject;
}): string {
    const message: JsonObject = {
        id: 0n,
        database: fields.database,
        table: fields.table,
        pkNames: null,
        isDdl: fields.isDdl,
        type: fields.type,
        es: fields.commitTs >> 18n,
        ts: BigInt(fields.now),
        sql: fields.sql,
        sqlType: null,
        mysqlType: null,
        data: null,
        old: null,
    };
    if (fields.tidb) message._tidb = fields.tidb;
    return goJson(message);
}

/** A DDL message (`newJSONMessageForDDL` + `json.Marshal`: note `data` before `old` here). */
export function encodeDdl(
    ddl: { schema: string; table: string; query: string; type: DdlType; commitTs: bigint },
    options: CanalOptions,
): string {
    return jsonMessage({
        database: ddl.schema,
        table: ddl.table,
        isDdl: true,
        type: ddl.type,
        commitTs: ddl.commitTs,
        sql: ddl.query,
        now: (options.now ?? Date.now)(),
        tidb: options.enableTiDBExtension ? { commitTs: ddl.commitTs } : undefined,
    });
}

/** The checkpoint event (only with enable-tidb-extension), broadcast to every partition. */
export function encodeWatermark(ts: bigint, options: CanalOptions): string {
    return jsonMessage({
        database: "",
        table: "",
        isDdl: false,
        type: "TIDB_WATERMARK",
        commitTs: ts,
        sql: "",
        now: (options.now ?? Date.now)(),
        tidb: { watermarkTs: ts },
    });
}

/** `model.ShouldSplitUpdateEvent`: a unique/handle-key column changed (both values non-null). */
export function shouldSplitUpdate(table: TableInfo, before: Row, after: Row): boolean {
    return table.columns.some((c) => {
        if (!(c.uniqueKey || c.handleKey)) return false;
        const b = before[c.offset];
        const a = after[c.offset];
        return !!a && !!b && Buffer.compare(a.hash, b.hash) !== 0;
    });
}
