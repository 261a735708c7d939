/**
 * The marker writer: the seam between verify and the upstream database. The production one
 * talks MySQL to TiDB with mysql2 (one connection for the run); tests wrap it to mirror the row
 * into the TiCDC emulator, which does not read a real database.
 *
 * The commit time is TiDB's own commit TSO (`@@tidb_last_txn_info` of the session, right after
 * the autocommit INSERT), the number TiCDC's checkpoint is compared with. A server that is not
 * TiDB has no such variable: the writer then returns no TSO and hop 2 compares wall-clock times.
 *
 * The password is given to mysql2 and nowhere else; error messages name host, port and user,
 * and are scrubbed of the password anyway (drivers do not echo it, but a proxy might).
 */
import type { Connection } from "mysql2/promise";
import type { TableRef } from "./args";
import {
    createMarkerSchemaSql,
    createMarkerTableSql,
    insertMarkerSql,
    type MarkerRow,
    markerTableProblem,
    parseLastTxnInfo,
} from "./sql";

export interface MarkerWriter {
    /** e.g. `TiDB 127.0.0.1:4000 as root`. */
    readonly description: string;
    /** Connects (and checks the login); no write. */
    connect(): Promise<void>;
    /** Creates the marker's database and table when missing; true when it created the table. */
    ensureTable(table: TableRef): Promise<boolean>;
    /** Inserts the row (autocommit) and returns the commit TSO when the server tells it. */
    write(table: TableRef, row: MarkerRow): Promise<{ commitTs?: bigint }>;
    close(): Promise<void>;
}

export interface MysqlTarget {
    host: string;
    port: number;
    user: string;
    password: string;
    connectTimeoutMs?: number;
}

/**
 * `host:port` → parts (brackets around IPv6 removed; default port 4000), as the pipeline's
 * `splitHostPort` (components/pipeline/replication.ts) does — not imported from there because
 * that module loads the Pulumi SDK (seconds of start-up for the CLI); test/verify/sql.test.ts
 * checks that the two agree.
 */
export function splitEndpoint(endpoint: string): { host: string; port: number } {
    const at = endpoint.lastIndexOf(":");
    const port = at < 0 ? NaN : Number(endpoint.slice(at + 1));
    if (at < 0 || !Number.isInteger(port)) return { host: endpoint, port: 4000 };
    return { host: endpoint.slice(0, at).replace(/^\[(.*)\]$/, "$1"), port };
}

export function mysqlMarkerWriter(target: MysqlTarget): MarkerWriter {
    const address = `${target.host}:${target.port}`;
    const description = `${address} as ${target.user}`;
    let connection: Connection | undefined;
    const scrub = (text: string) =>
        target.password.length > 0 ? text.split(target.password).join("***") : text;
    const fail = (what: string, error: unknown): Error => {
        const e = error as { code?: unknown; message?: unknown };
        const reason = typeof e?.message === "string" && e.message ? e.message : String(error);
        const code = typeof e?.code === "string" && !reason.includes(e.code) ? ` (${e.code})` : "";
        return new Error(scrub(`${what} on ${description} failed: ${reason}${code}`));
    };
    const conn = (): Connection => {
        if (!connection) throw new Error(`not connected to ${description}`);
        return connection;
    };

    return {
        description,
        async connect() {
            const mysql = await import("mysql2/promise");
            try {
                connection = await mysql.createConnection({
                    host: target.host,
                    port: target.port,
                    user: target.user,
                    password: target.password,
                    connectTimeout: target.connectTimeoutMs ?? 10_000,
                    // DATETIME values in UTC; uint64 values as text.
                    timezone: "Z",
                    supportBigNumbers: true,
                    bigNumberStrings: true,
                });
            } catch (error) {
                throw fail("connecting", error);
            }
        },
        async ensureTable(table) {
            const c = conn();
            let columns: string[];
            try {
                const [rows] = await c.query(
                    "SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS " +
                        "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
                    [table.schema, table.table],
                );
                columns = (rows as { name?: unknown }[]).map((r) => String(r.name));
            } catch (error) {
                throw fail(`looking for the marker table ${table.schema}.${table.table}`, error);
            }
            if (columns.length > 0) {
                const problem = markerTableProblem(table, columns);
                if (problem) throw new Error(problem);
                return false;
            }
            try {
                await c.query(createMarkerSchemaSql(table));
                await c.query(createMarkerTableSql(table));
                return true;
            } catch (error) {
                throw fail(`creating the marker table ${table.schema}.${table.table}`, error);
            }
        },
        async write(table, row) {
            const c = conn();
            const { sql, values } = insertMarkerSql(table, row);
            try {
                await c.execute(sql, values);
            } catch (error) {
                throw fail(`inserting the marker into ${table.schema}.${table.table}`, error);
            }
            try {
                const [rows] = await c.query("SELECT @@tidb_last_txn_info AS info");
                return { commitTs: parseLastTxnInfo((rows as { info?: unknown }[])[0]?.info) };
            } catch {
                // Not TiDB (no such variable): no commit TSO.
                return {};
            }
        },
        async close() {
            const c = connection;
            connection = undefined;
            await c?.end().catch(() => c.destroy());
        },
    };
}
