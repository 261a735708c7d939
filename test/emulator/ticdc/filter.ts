/**
 * TiDB table-filter rules (pingcap/tidb `pkg/util/table-filter`), as `filter.rules` and every
 * `matcher` in TiCDC use them:
 *
 * - a rule is `[!]schema-pattern.table-pattern`; blank lines and `#` comments are skipped;
 * - a pattern is a literal, a wildcard (`*`, `?`, `[a-z]`, `[!a-z]`, `\` escapes), a quoted
 *   identifier (`` `a.b` `` or `"a.b"`, doubled quote escapes) or a `/regexp/`;
 * - the LAST rule that matches decides (a `!` rule excludes); no matching rule ⇒ not matched;
 * - `case_sensitive: false` (TiCDC's default) lower-cases patterns and names.
 *
 * `@file` imports are not supported (TiCDC's API has no files to import from).
 */
import { E } from "./errors";

type Matcher = ((name: string) => boolean) & { matchesAll?: boolean };

interface Rule {
    schema: Matcher;
    table: Matcher;
    positive: boolean;
}

export interface TableFilter {
    match(schema: string, table: string): boolean;
    /** Schema-level events (CREATE/DROP DATABASE): `tableFilter.MatchSchema`. */
    matchSchema(schema: string): boolean;
}

export class FilterSyntaxError extends Error {}

const REGEXP = /^\/(?:\\.|[^/])+\//;
const DOUBLE_QUOTED = /^"(?:""|[^"])+"/;
const BACKQUOTED = /^`(?:``|[^`])+`/;
const RANGE = /^\[!?(?:\\[^0-9a-zA-Z]|[^\\\]])+\]/;

function isAlnum(c: string): boolean {
    return /^[0-9A-Za-z]$/.test(c);
}

function literal(name: string, caseSensitive: boolean): Matcher {
    const want = caseSensitive ? name : name.toLowerCase();
    return (n) => (caseSensitive ? n : n.toLowerCase()) === want;
}

function regexp(source: string, dotAll: boolean, caseSensitive: boolean, where: string): Matcher {
    let re: RegExp;
    try {
        re = new RegExp(source, `${dotAll ? "s" : ""}${caseSensitive ? "" : "i"}`);
    } catch (error) {
        throw new FilterSyntaxError(`${where}: invalid pattern: ${(error as Error).message}`);
    }
    return (n) => re.test(n);
}

function parsePattern(line: string, caseSensitive: boolean, where: string): [Matcher, string] {
    if (line.length === 0) throw new FilterSyntaxError(`${where}: syntax error: missing pattern`);
    const first = line[0];
    if (first === "/") {
        const m = REGEXP.exec(line);
        if (!m) throw new FilterSyntaxError(`${where}: syntax error: incomplete regexp`);
        return [regexp(m[0].slice(1, -1), false, caseSensitive, where), line.slice(m[0].length)];
    }
    if (first === '"' || first === "`") {
        const m = (first === '"' ? DOUBLE_QUOTED : BACKQUOTED).exec(line);
        if (!m) throw new FilterSyntaxError(`${where}: syntax error: incomplete quoted identifier`);
        const name = m[0]
            .slice(1, -1)
            .split(first + first)
            .join(first);
        return [literal(name, caseSensitive), line.slice(m[0].length)];
    }
    let lit = "";
    let pattern = "^";
    let isLiteral = true;
    let i = 0;
    loop: while (i < line.length) {
        const c = line[i] ?? "";
        switch (c) {
            case "\\": {
                if (i === line.length - 1) {
                    throw new FilterSyntaxError(
                        `${where}: syntax error: cannot place \\ at end of line`,
                    );
                }
                const esc = line[i + 1] ?? "";
                if (isAlnum(esc)) {
                    throw new FilterSyntaxError(
                        `${where}: cannot escape a letter or number (\\${esc}), it is reserved for future extension`,
                    );
                }
                lit += esc;
                pattern += esc.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
                i += 2;
                break;
            }
            case ".":
                break loop;
            case "*":
                isLiteral = false;
                pattern += ".*";
                i++;
                break;
            case "?":
                isLiteral = false;
                pattern += ".";
                i++;
                break;
            case "[": {
                isLiteral = false;
                const m = RANGE.exec(line.slice(i));
                if (!m)
                    throw new FilterSyntaxError(
                        `${where}: syntax error: failed to parse character class`,
                    );
                const body = m[0];
                if (body[1] === "!") pattern += `[^${body.slice(2)}`;
                else if (body[1] === "^") pattern += `[\\^${body.slice(2)}`;
                else pattern += body;
                i += body.length;
                break;
            }
            default:
                if (!(c === "$" || c === "_" || isAlnum(c) || c.charCodeAt(0) >= 0x80)) {
                    throw new FilterSyntaxError(`${where}: unexpected special character '${c}'`);
                }
                lit += c;
                pattern += c === "$" ? "\\$" : c;
                i++;
        }
    }
    const rest = line.slice(i);
    if (isLiteral) return [literal(lit, caseSensitive), rest];
    const m = regexp(`${pattern}$`, true, caseSensitive, where);
    if (pattern === "^.*") m.matchesAll = true;
    return [m, rest];
}

function parseRule(raw: string, caseSensitive: boolean, where: string): Rule | undefined {
    let line = raw.replace(/^[ \t]+|[ \t]+$/g, "");
    if (line === "" || line.startsWith("#")) return undefined;
    let positive = true;
    if (line.startsWith("!")) {
        positive = false;
        line = line.slice(1);
    } else if (line.startsWith("@")) {
        throw new FilterSyntaxError(
            `${where}: importing filter files is not supported by the emulator`,
        );
    }
    const [schema, afterSchema] = parsePattern(line, caseSensitive, where);
    if (afterSchema.length === 0) throw new FilterSyntaxError(`${where}: wrong table pattern`);
    if (!afterSchema.startsWith(".")) {
        throw new FilterSyntaxError(
            `${where}: syntax error: missing '.' between schema and table patterns`,
        );
    }
    const [table, rest] = parsePattern(afterSchema.slice(1), caseSensitive, where);
    if (rest.length !== 0) {
        throw new FilterSyntaxError(`${where}: syntax error: stray characters after table pattern`);
    }
    return { schema, table, positive };
}

/** `filter.Parse(rules)` (+ `CaseInsensitive` unless `caseSensitive`). Throws FilterSyntaxError. */
export function parseTableFilter(rules: readonly string[], caseSensitive = false): TableFilter {
    const parsed = rules.flatMap((rule, i) => {
        const r = parseRule(rule, caseSensitive, `at <cmdline>:${i + 1}`);
        return r ? [r] : [];
    });
    return {
        match(schema, table) {
            for (let i = parsed.length - 1; i >= 0; i--) {
                const rule = parsed[i] as Rule;
                if (rule.schema(schema) && rule.table(table)) return rule.positive;
            }
            return false;
        },
        matchSchema(schema) {
            for (let i = parsed.length - 1; i >= 0; i--) {
                const rule = parsed[i] as Rule;
                if (rule.schema(schema) && (rule.positive || rule.table.matchesAll === true))
                    return rule.positive;
            }
            return false;
        },
    };
}

/** Schemas TiCDC never replicates (`filter.IsSysSchema` + TiCDC's own). */
export const SYSTEM_SCHEMAS = [
    "mysql",
    "information_schema",
    "performance_schema",
    "metrics_schema",
    "sys",
    "tidb_cdc",
    "lightning_task_info",
    "workload_schema",
];

/**
 * The changefeed's table filter: `filter.rules` (empty ⇒ `*.*`) minus system schemas. Syntax
 * errors become `CDC:ErrFilterRuleInvalid` as in `filter.NewFilter`.
 */
export function changefeedFilter(
    rules: readonly string[] | undefined,
    caseSensitive: boolean,
): TableFilter {
    const effective = rules && rules.length > 0 ? rules : ["*.*"];
    let f: TableFilter;
    try {
        f = parseTableFilter(effective, caseSensitive);
    } catch (error) {
        if (error instanceof FilterSyntaxError) {
            throw E.filterRuleInvalid(`[${effective.join(" ")}]: ${error.message}`);
        }
        throw error;
    }
    const system = (schema: string) => SYSTEM_SCHEMAS.includes(schema.toLowerCase());
    return {
        match: (schema, table) => !system(schema) && f.match(schema, table),
        matchSchema: (schema) => !system(schema) && f.matchSchema(schema),
    };
}
