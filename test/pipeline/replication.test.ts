import { describe, expect, it } from "vitest";
import { parseStackSettings } from "../../components/config";
import {
    defaultTopic,
    replicationTopics,
    tableTopic,
    topicConfigs,
} from "../../components/pipeline/replication";

describe("replication topics", () => {
    it("names a table's topic as TiCDC's tidb_{schema}_{table} dispatcher does", () => {
        expect(tableTopic("test.orders")).toBe("tidb_test_orders");
        expect(tableTopic("shop$1.line_items")).toBe("tidb_shop_1_line_items");
    });

    it("declares the default topic and one per listed table, none for wildcards", () => {
        const settings = parseStackSettings({
            target: "docker",
            kafka: { autoCreateTopics: true },
            replication: {
                changefeedId: "orders",
                tables: ["shop.orders", "shop.items", "audit.*"],
            },
        });
        expect(defaultTopic("orders")).toBe("orders-default");
        expect(replicationTopics(settings.replication)).toEqual([
            "orders-default",
            "tidb_shop_orders",
            "tidb_shop_items",
        ]);
    });

    it("sizes topics for TiCDC's messages and keeps them a log", () => {
        const settings = parseStackSettings({
            target: "docker",
            kafka: { messageMaxBytes: 2097152 },
        });
        expect(topicConfigs(settings)).toEqual({
            "cleanup.policy": "delete",
            "max.message.bytes": "2097152",
        });
    });
});

describe("Flink SQL tables of the pipeline", () => {
    it("reads a replicated table's topic as canal-json, keeping only that table's events", async () => {
        const { tableOptions } = await import("../../components/pipeline/flink-sql");
        const settings = parseStackSettings({
            target: "docker",
            replication: { tables: ["shop.orders"] },
            flinkSql: {
                tables: [
                    {
                        name: "orders",
                        from: "shop.orders",
                        columns: [{ name: "id", type: "BIGINT" }],
                        options: { "scan.startup.mode": "latest-offset" },
                    },
                ],
            },
        });
        const table = settings.flinkSql.tables[0]!;
        expect(tableOptions(table, "lab", "kafka-0:9092")).toMatchObject({
            connector: "kafka",
            topic: "tidb_shop_orders",
            "properties.bootstrap.servers": "kafka-0:9092",
            "properties.group.id": "lab-orders",
            format: "canal-json",
            "canal-json.ignore-parse-errors": "true",
            // The user's options win over the defaults.
            "scan.startup.mode": "latest-offset",
        });
        expect(tableOptions(table, "lab", "kafka-0:9092")["canal-json.table.include"]).toMatch(
            /orders/,
        );
    });
});
