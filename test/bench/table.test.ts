import * as path from "node:path";
import * as prettier from "prettier";
import { describe, expect, it } from "vitest";
import {
    formatBytes,
    formatMs,
    formatNumber,
    formatRatio,
    markdownTable,
} from "../../scripts/bench/table";

const ROOT = path.resolve(__dirname, "../..");

describe("markdownTable", () => {
    const table = markdownTable(
        [
            { header: "tables", align: "right" },
            { header: "run" },
            { header: "p50", align: "right" },
        ],
        [
            ["1", "preview", "5.28 s"],
            ["50", "no-op up", "25.2 s"],
        ],
    );

    it("pads every column to its widest cell, right-aligned columns on the left", () => {
        expect(table.split("\n")).toEqual([
            "| tables | run      |    p50 |",
            "| -----: | -------- | -----: |",
            "|      1 | preview  | 5.28 s |",
            "|     50 | no-op up | 25.2 s |",
        ]);
    });

    it("is laid out as Prettier lays out Markdown tables", async () => {
        const wide = markdownTable(
            [{ header: "a" }, { header: "ratio", align: "right" }, { header: "why" }],
            [
                ["x", "26×", "pause + PUT + resume: TiCDC refuses a running changefeed"],
                ["yy", "1.0×", "GET /jobs/{id} | overview"],
            ],
        );
        const options = (await prettier.resolveConfig(path.join(ROOT, "README.md"))) ?? {};
        const formatted = await prettier.format(wide, { ...options, parser: "markdown" });
        expect(formatted.trimEnd()).toBe(wide);
    });

    it("escapes pipes and refuses ragged rows", () => {
        expect(markdownTable([{ header: "x" }], [["a|b"]])).toContain("a\\|b");
        expect(() => markdownTable([{ header: "x" }], [["a", "b"]])).toThrow(/2 cells/);
        expect(() => markdownTable([], [])).toThrow(/one column/);
    });
});

describe("number formats", () => {
    it("writes milliseconds for people", () => {
        expect(formatMs(4.25)).toBe("4.3 ms");
        expect(formatMs(850)).toBe("850 ms");
        expect(formatMs(5281)).toBe("5.28 s");
        expect(formatMs(25_240)).toBe("25.2 s");
        expect(formatMs(125_000)).toBe("2 min 05 s");
        expect(formatMs(179_700)).toBe("3 min 00 s");
        expect(formatMs(undefined)).toBe("–");
    });

    it("writes ratios, numbers and bytes", () => {
        expect(formatRatio(1.04)).toBe("1.0×");
        expect(formatRatio(26.4)).toBe("26×");
        expect(formatRatio(undefined)).toBe("–");
        expect(formatNumber(0.98765, 3)).toBe("0.988");
        expect(formatNumber(undefined)).toBe("–");
        expect(formatBytes(812)).toBe("812 B");
        expect(formatBytes(2867)).toBe("2.8 KiB");
        expect(formatBytes(3.25 * 1024 * 1024)).toBe("3.3 MiB");
    });
});
