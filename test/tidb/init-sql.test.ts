import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { initSql, initSqlContent, sqlStringLiteral } from "../../components/tidb";
import { valueOf } from "../support/pulumi-mocks";

const PREFIX = "ALTER USER 'root'@'%' IDENTIFIED BY ";

/**
 * Read one MySQL single-quoted literal the way TiDB's lexer does with the default sql_mode
 * (backslash escapes on, `''` is a quote), returning its value and what follows it.
 */
function readLiteral(sql: string): { value: string; rest: string } {
    const unescape: Record<string, string> = { "0": "\0", n: "\n", r: "\r", Z: "\x1a", t: "\t" };
    if (sql[0] !== "'") throw new Error(`not a literal: ${sql}`);
    let value = "";
    for (let i = 1; i < sql.length; i++) {
        const c = sql[i]!;
        if (c === "\\") {
            const next = sql[++i]!;
            value += unescape[next] ?? next;
        } else if (c === "'" && sql[i + 1] === "'") {
            value += "'";
            i++;
        } else if (c === "'") {
            return { value, rest: sql.slice(i + 1) };
        } else {
            value += c;
        }
    }
    throw new Error(`unterminated literal: ${sql}`);
}

const TRICKY = [
    "s3cret",
    "it's",
    "x'; DROP USER root; --",
    "x\\'; DROP USER root; --",
    "ends with backslash\\",
    "\\",
    "'",
    "''",
    "\\'",
    '"double" quotes',
    "multi\nline\r\nvalue",
    "nul\0byte",
    "ctrl-z\x1a",
    "/* comment */ -- # ;",
    "ünïcødé 密码 🔑",
    "pw-'quoted'-\\backslash-7f3a9c",
];

describe("initSql", () => {
    it("sets root's password in one ALTER USER statement", () => {
        expect(initSql("s3cret")).toBe(`${PREFIX}'s3cret';\n`);
    });

    it("escapes backslashes and single quotes", () => {
        expect(sqlStringLiteral("it's")).toBe("'it\\'s'");
        expect(sqlStringLiteral("a\\b")).toBe("'a\\\\b'");
        expect(sqlStringLiteral("\\'")).toBe("'\\\\\\''");
    });

    it("keeps an injection attempt inside the literal", () => {
        const sql = initSql("x'; DROP USER root; --");
        expect(sql).toBe(`${PREFIX}'x\\'; DROP USER root; --';\n`);
        const { value, rest } = readLiteral(sql.slice(PREFIX.length));
        expect(value).toBe("x'; DROP USER root; --");
        expect(rest).toBe(";\n");
    });

    it.each(TRICKY)("round-trips %j as exactly one literal", (password) => {
        const sql = initSql(password);
        expect(sql.startsWith(PREFIX)).toBe(true);
        const { value, rest } = readLiteral(sql.slice(PREFIX.length));
        expect(value).toBe(password);
        expect(rest).toBe(";\n");
    });

    it("refuses an empty password", () => {
        expect(() => initSql("")).toThrow(/must not be empty/);
    });

    it("stays secret as an Output, even from a plain one", async () => {
        const content = initSqlContent(pulumi.output("s3cret"));
        expect(await pulumi.isSecret(content)).toBe(true);
        expect(await valueOf(content)).toBe(initSql("s3cret"));
    });
});
