import { describe, expect, it } from "vitest";
import { splitHostPort, tableTopic } from "../../components/pipeline/replication";
import { conventionTopic } from "../../scripts/verify/route";
import {
    createMarkerSchemaSql,
    createMarkerTableSql,
    flinkJobName,
    flinkMarkerQuery,
    flinkMarkerTableDdl,
    insertMarkerSql,
    markerId,
    markerRowValues,
    markerTableProblem,
    mysqlTableName,
    parseLastTxnInfo,
    specificOffsets,
} from "../../scripts/verify/sql";
import { splitEndpoint } from "../../scripts/verify/tidb";

const marker = { schema: "cdc_verify", table: "marker" };

describe("marker id", () => {
    it("is readable, sortable by time and at most 64 characters (the key column)", () => {
        const id = markerId(new Date("2026-11-21T21:49:00.123Z"), "K3x9-Q2aa7");
        expect(id).toBe("verify-20261121t214900z-k3x9q2aa");
        expect(id.length).toBeLessThanOrEqual(64);
    });
});

describe("TiDB statements", () => {
    it("create the dedicated marker table with a primary key (TiCDC replicates only such tables)", () => {
        expect(createMarkerSchemaSql(marker)).toBe("CREATE DATABASE IF NOT EXISTS `cdc_verify`");
        expect(createMarkerTableSql(marker)).toBe(
            [
                "CREATE TABLE IF NOT EXISTS `cdc_verify`.`marker` (",
                "    `id` VARCHAR(64) NOT NULL,",
                "    `written_at` DATETIME(3) NOT NULL,",
                "    `written_by` VARCHAR(255) NOT NULL,",
                "    PRIMARY KEY (`id`)",
                ") COMMENT = 'marker rows of npm run verify (tidb-cdc-pipeline); safe to truncate'",
            ].join("\n"),
        );
        expect(mysqlTableName({ schema: "a`b", table: "c" })).toBe("`a``b`.`c`");
    });

    it("insert one row with placeholders; the values as canal-json shows them", () => {
        const row = {
            id: "verify-x",
            writtenAt: new Date("2026-11-21T21:49:00.123Z"),
            writtenBy: "cdc-verify@host",
        };
        expect(insertMarkerSql(marker, row)).toEqual({
            sql: "INSERT INTO `cdc_verify`.`marker` (`id`, `written_at`, `written_by`) VALUES (?, ?, ?)",
            values: ["verify-x", row.writtenAt, "cdc-verify@host"],
        });
        expect(markerRowValues(row)).toEqual({
            id: "verify-x",
            written_at: "2026-11-21 21:49:00.123",
            written_by: "cdc-verify@host",
        });
    });

    it("read the commit TSO from @@tidb_last_txn_info without rounding it", () => {
        const info =
            '{"txn_scope":"global","start_ts":470626691408986100,"commit_ts":470626691408986113,"for_update_ts":0,"pessimistic":false,"txn_commit_mode":"2pc","async_commit_fallback":false,"one_pc_fallback":false,"error":""}';
        expect(parseLastTxnInfo(info)).toBe(470626691408986113n);
        expect(parseLastTxnInfo(Buffer.from(info))).toBe(470626691408986113n);
        expect(parseLastTxnInfo('{"commit_ts":0}')).toBeUndefined();
        expect(parseLastTxnInfo("")).toBeUndefined();
        expect(parseLastTxnInfo(null)).toBeUndefined();
    });
});

describe("Flink statements", () => {
    it("a TEMPORARY canal-json table over the topic, from the offsets taken before the insert", () => {
        expect(
            flinkMarkerTableDdl({
                name: "cdc_verify_ab12",
                topic: "tidb_cdc_verify_marker",
                bootstrapServers: "kafka-0:9092",
                marker,
                startOffsets: [
                    { partition: 1, offset: "7" },
                    { partition: 0, offset: "42" },
                ],
            }),
        ).toBe(
            [
                "CREATE TEMPORARY TABLE `cdc_verify_ab12` (",
                "    `id` STRING",
                ")",
                "WITH (",
                "    'canal-json.database.include' = 'cdc_verify',",
                "    'canal-json.ignore-parse-errors' = 'true',",
                "    'canal-json.table.include' = 'marker',",
                "    'connector' = 'kafka',",
                "    'format' = 'canal-json',",
                "    'properties.bootstrap.servers' = 'kafka-0:9092',",
                "    'scan.startup.mode' = 'specific-offsets',",
                "    'scan.startup.specific-offsets' = 'partition:0,offset:42;partition:1,offset:7',",
                "    'topic' = 'tidb_cdc_verify_marker'",
                ")",
            ].join("\n"),
        );
        const fromStart = flinkMarkerTableDdl({
            name: "t",
            topic: "x",
            bootstrapServers: "k:1",
            marker,
        });
        expect(fromStart).toContain("'scan.startup.mode' = 'earliest-offset'");
        expect(fromStart).not.toContain("specific-offsets");
    });

    it("a query for the marker only, safely quoted; a recognisable job name", () => {
        expect(flinkMarkerQuery("cdc_verify_ab12", "verify-x'; --")).toBe(
            "SELECT `id` FROM `cdc_verify_ab12` WHERE `id` = 'verify-x''; --'",
        );
        expect(specificOffsets([])).toBe("");
        expect(flinkJobName("ab12")).toBe("cdc-verify-ab12");
    });
});

describe("the project's conventions", () => {
    it("the fallback topic is the pipeline's tableTopic, endpoints split like splitHostPort", () => {
        for (const table of ["test.orders", "shop$1.line-items", "cdc_verify.marker"]) {
            const [schema, name] = table.split(".");
            expect(conventionTopic({ schema: schema!, table: name! })).toBe(tableTopic(table));
        }
        for (const endpoint of ["127.0.0.1:4000", "tidb", "[::1]:4001", "db.example:x"]) {
            expect(splitEndpoint(endpoint)).toEqual(splitHostPort(endpoint));
        }
    });
});

describe("markerTableProblem", () => {
    it("accepts only the marker table's own columns: a business table is refused, not written", () => {
        expect(markerTableProblem(marker, ["id", "written_at", "written_by"])).toBeUndefined();
        expect(markerTableProblem(marker, ["ID", "Written_At", "written_by"])).toBeUndefined();
        expect(
            markerTableProblem({ schema: "test", table: "orders" }, ["id", "customer", "amount"]),
        ).toBe(
            "test.orders exists and is not a verify marker table (columns id, customer, amount; a marker table has id, written_at, written_by): verify never writes other tables; choose a dedicated --marker-table",
        );
        expect(
            markerTableProblem(marker, ["id", "written_at", "written_by", "extra"]),
        ).toBeDefined();
    });
});
