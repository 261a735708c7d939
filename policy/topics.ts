/**
 * Which Kafka topics a TiCDC changefeed writes: its default topic (`sink.topic`), and the topics
 * its dispatchers' topic expressions give for the tables it replicates (TiCDC's
 * `[prefix]{schema}[middle]{table}[suffix]` expressions; without dispatchers, the Changefeed
 * resource's default `tidb_{schema}_{table}` over its `tables`). Characters Kafka does not allow
 * in topic names become `_`, as TiCDC does.
 */
import { isRecord } from "./resources";

/** The Changefeed resource's default dispatcher topic (components/ticdc/sink.ts). */
export const DEFAULT_TOPIC_EXPRESSION = "tidb_{schema}_{table}";

interface DispatchRule {
    matcher: string[];
    topic?: string;
}

const ILLEGAL_TOPIC_CHARS = /[^A-Za-z0-9._\-*?[\]!]/g;

/** A table-filter glob part (`app`, `order_*`, `t?`) as a regular expression over topic names. */
function globPattern(glob: string): string {
    return glob
        .replace(ILLEGAL_TOPIC_CHARS, "_")
        .split("")
        .map((c) => (c === "*" ? ".*" : c === "?" ? "." : /[.\-[\]!]/.test(c) ? `\\${c}` : c))
        .join("");
}

function escapeLiteral(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
}

/** The topics (as a regular expression) that `expression` gives for the tables `matcher` names. */
function expressionPattern(expression: string, matcher: string, caseSensitive: boolean): RegExp {
    const [schema = "", table = "*"] = matcher.split(".");
    const source = expression
        .split(/(\{schema\}|\{table\})/)
        .map((part) =>
            part === "{schema}"
                ? globPattern(schema)
                : part === "{table}"
                  ? globPattern(table)
                  : escapeLiteral(part),
        )
        .join("");
    return new RegExp(`^${source}$`, caseSensitive ? "" : "i");
}

function dispatchRules(changefeed: Record<string, unknown>): DispatchRule[] {
    const rules = changefeed.dispatchers;
    if (Array.isArray(rules) && rules.length > 0) {
        return rules.filter(isRecord).map((rule) => ({
            matcher: Array.isArray(rule.matcher)
                ? rule.matcher.filter((m): m is string => typeof m === "string")
                : [],
            topic: typeof rule.topic === "string" ? rule.topic : undefined,
        }));
    }
    const tables = Array.isArray(changefeed.tables)
        ? changefeed.tables.filter((t): t is string => typeof t === "string")
        : [];
    return [{ matcher: tables, topic: DEFAULT_TOPIC_EXPRESSION }];
}

/** Whether the changefeed (its properties) writes to the topic named `topic`. */
export function changefeedWritesTopic(changefeed: Record<string, unknown>, topic: string): boolean {
    const sink = isRecord(changefeed.sink) ? changefeed.sink : {};
    if (sink.topic === topic) return true;
    const caseSensitive = changefeed.caseSensitive === true;
    return dispatchRules(changefeed).some((rule) => {
        // An empty topic expression routes to the default topic (checked above).
        if (rule.topic === undefined || rule.topic === "") return false;
        return rule.matcher
            .filter((m) => !m.startsWith("!"))
            .some((m) => expressionPattern(rule.topic ?? "", m, caseSensitive).test(topic));
    });
}
