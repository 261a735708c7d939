/**
 * The statements verify runs, as pure functions: the marker table and row in TiDB (MySQL
 * dialect) and the temporary Flink table and query over the marker's topic (Flink SQL, quoted
 * with the project's own helpers in components/flink/sql.ts).
 *
 * The marker table is dedicated to verify: one row per run, keyed by the run's marker id, so a
 * business table is never written. Its primary key makes it eligible for TiCDC (a table without
 * a PK or NOT NULL unique key is not replicated) and lets `index-value` dispatchers hash it.
 * Rows are kept: each is a record of one check (when, from where), and one small row per run
 * does not need cleaning up; a DELETE would be one more event through the whole pipeline.
 */
import {
    canalJsonKafkaSourceOptions,
    quoteIdentifier,
    quoteString,
    renderCreateTable,
} from "../../components/flink/sql";
import type { TableRef } from "./args";

/** One marker row; `id` is unique per run and is what every hop looks for. */
export interface MarkerRow {
    id: string;
    writtenAt: Date;
    /** Who wrote it (`cdc-verify@<host>`), for someone who finds the table. */
    writtenBy: string;
}

/** `verify-20261121t214900z-k3x9q2`: sortable, readable, and unique enough per run. */
export function markerId(now: Date, random: string): string {
    const stamp = now
        .toISOString()
        .replace(/\.\d{3}Z$/, "z")
        .replace(/[-:]/g, "")
        .toLowerCase();
    return `verify-${stamp}-${random
        .toLowerCase()
        .replace(/[^a-z0-9]/g, "")
        .slice(0, 8)}`;
}

/** A short random tag for names (marker id, consumer group, Flink table, job name). */
export function randomTag(): string {
    return crypto.randomUUID().replace(/-/g, "").slice(0, 8);
}

/** A MySQL identifier in backticks (backticks doubled). */
export function mysqlIdentifier(name: string): string {
    return `\`${name.replace(/`/g, "``")}\``;
}

export function mysqlTableName(ref: TableRef): string {
    return `${mysqlIdentifier(ref.schema)}.${mysqlIdentifier(ref.table)}`;
}

export function createMarkerSchemaSql(ref: TableRef): string {
    return `CREATE DATABASE IF NOT EXISTS ${mysqlIdentifier(ref.schema)}`;
}

/**
 * The marker table. `id` as the primary key (TiCDC's eligibility rule; canal-json lists it in
 * `pkNames`); DATETIME(3) for the client's clock at the insert; the comment says what it is for.
 */
export function createMarkerTableSql(ref: TableRef): string {
    return [
        `CREATE TABLE IF NOT EXISTS ${mysqlTableName(ref)} (`,
        "    `id` VARCHAR(64) NOT NULL,",
        "    `written_at` DATETIME(3) NOT NULL,",
        "    `written_by` VARCHAR(255) NOT NULL,",
        "    PRIMARY KEY (`id`)",
        ") COMMENT = 'marker rows of npm run verify (tidb-cdc-pipeline); safe to truncate'",
    ].join("\n");
}

/** The marker table's columns, in order. */
export const MARKER_COLUMNS = ["id", "written_at", "written_by"] as const;

/**
 * Why an existing table is not a marker table (undefined when it is): verify writes only a
 * table with exactly its three columns, so a business table given by mistake is refused
 * instead of written.
 */
export function markerTableProblem(ref: TableRef, columns: readonly string[]): string | undefined {
    const have = columns.map((c) => c.toLowerCase());
    if (have.length === MARKER_COLUMNS.length && MARKER_COLUMNS.every((c) => have.includes(c))) {
        return undefined;
    }
    return (
        `${ref.schema}.${ref.table} exists and is not a verify marker table ` +
        `(columns ${columns.join(", ") || "none"}; a marker table has ${MARKER_COLUMNS.join(", ")}): ` +
        `verify never writes other tables; choose a dedicated --marker-table`
    );
}

/** The INSERT with placeholders, and its values in order. */
export function insertMarkerSql(
    ref: TableRef,
    row: MarkerRow,
): { sql: string; values: (string | Date)[] } {
    return {
        sql: `INSERT INTO ${mysqlTableName(ref)} (\`id\`, \`written_at\`, \`written_by\`) VALUES (?, ?, ?)`,
        values: [row.id, row.writtenAt, row.writtenBy],
    };
}

/** How the marker row looks in canal-json and to the emulator: strings, DATETIME without zone. */
export function markerRowValues(row: MarkerRow): Record<string, string> {
    return {
        id: row.id,
        written_at: row.writtenAt.toISOString().replace("T", " ").replace("Z", ""),
        written_by: row.writtenBy,
    };
}

/**
 * The commit TSO of the session's last transaction from TiDB's `@@tidb_last_txn_info`
 * (`{"start_ts":…,"commit_ts":…,…}`), read as text so the uint64 is not rounded; undefined when
 * absent or 0 (a read-only or failed transaction).
 */
export function parseLastTxnInfo(value: unknown): bigint | undefined {
    const text = Buffer.isBuffer(value) ? value.toString("utf8") : value;
    if (typeof text !== "string") return undefined;
    const match = /"commit_ts"\s*:\s*"?([0-9]{1,20})"?/.exec(text);
    if (!match) return undefined;
    const ts = BigInt(match[1]!);
    return ts > 0n ? ts : undefined;
}

// ---------------------------------------------------------------------------------------------
// Flink

export interface PartitionOffset {
    partition: number;
    offset: string;
}

/** `partition:0,offset:42;partition:1,offset:7` for `scan.startup.specific-offsets`. */
export function specificOffsets(offsets: readonly PartitionOffset[]): string {
    return [...offsets]
        .sort((a, b) => a.partition - b.partition)
        .map((o) => `partition:${o.partition},offset:${o.offset}`)
        .join(";");
}

export interface FlinkMarkerSource {
    /** The temporary table's name (session-scoped). */
    name: string;
    topic: string;
    /** As Flink reaches the brokers. */
    bootstrapServers: string;
    marker: TableRef;
    /**
     * Where to start: each partition's end offset taken before the insert (so the job reads only
     * what comes after), or the beginning when the topic did not exist yet.
     */
    startOffsets?: readonly PartitionOffset[];
}

/**
 * `CREATE TEMPORARY TABLE` over the marker's topic: the project's canal-json source options
 * (include filters on the marker's database and table, parse errors skipped so TiCDC's DDL
 * events do not fail the job), one column. TEMPORARY, so nothing lands in a catalog even when
 * the gateway's default catalog is persistent; it goes away with the session.
 */
export function flinkMarkerTableDdl(source: FlinkMarkerSource): string {
    const startup: Record<string, string> =
        source.startOffsets && source.startOffsets.length > 0
            ? {
                  "scan.startup.mode": "specific-offsets",
                  "scan.startup.specific-offsets": specificOffsets(source.startOffsets),
              }
            : { "scan.startup.mode": "earliest-offset" };
    const ddl = renderCreateTable({
        name: source.name,
        columns: [{ name: "id", type: "STRING" }],
        options: canalJsonKafkaSourceOptions({
            topic: source.topic,
            bootstrapServers: source.bootstrapServers,
            database: source.marker.schema,
            table: source.marker.table,
            ignoreParseErrors: true,
            extra: startup,
        }),
    });
    return ddl.replace(/^CREATE TABLE /, "CREATE TEMPORARY TABLE ");
}

/** The streaming query whose first row is the marker. */
export function flinkMarkerQuery(tableName: string, id: string): string {
    return `SELECT ${quoteIdentifier("id")} FROM ${quoteIdentifier(tableName)} WHERE ${quoteIdentifier("id")} = ${quoteString(id)}`;
}

/** The `pipeline.name` of verify's Flink job: recognisable in the Flink UI, found again by name. */
export const FLINK_JOB_PREFIX = "cdc-verify-";

export function flinkJobName(runTag: string): string {
    return `${FLINK_JOB_PREFIX}${runTag}`;
}
