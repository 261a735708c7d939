/**
 * JSON as TiCDC (Go `encoding/json` + gin) reads and writes it, without losing uint64 precision.
 *
 * In the emulator every JSON integer is a `bigint` and every other JSON number a `number`:
 * TSOs (≈ 4.6e17) and the PD cluster id (≈ 7e18) exceed 2^53, and Go rejects `1.0` or `1e3` for
 * an integer field, so "is this an integer literal" must survive parsing. `parseJson` uses
 * lossless-json with a number parser that returns `bigint` for integer literals; `toJsonValue`
 * brings values built in JavaScript into the same representation; `goJson` writes them the way
 * Go's `json.Marshal` does (HTML-safe escaping of `<`, `>`, `&`, U+2028/9; gin `IndentedJSON` uses
 * four spaces).
 */
import { isLosslessNumber, parse } from "lossless-json";

export type JsonValue =
    null | boolean | string | bigint | number | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

const INTEGER_LITERAL = /^-?(0|[1-9][0-9]*)$/;

/** Parse JSON text; integer literals become `bigint`, other numbers `number`. Throws SyntaxError. */
export function parseJson(text: string): JsonValue {
    return parse(text, null, (literal: string) =>
        INTEGER_LITERAL.test(literal) ? BigInt(literal) : Number(literal),
    ) as JsonValue;
}

/**
 * A JavaScript value (from a test, or lossless-json's default parser) in the emulator's
 * representation: integral `number`s and `LosslessNumber` integer literals become `bigint`.
 * `undefined` members are dropped, as `JSON.stringify` does.
 */
export function toJsonValue(value: unknown): JsonValue {
    if (value === null || value === undefined) return null;
    if (typeof value === "bigint" || typeof value === "boolean" || typeof value === "string") {
        return value;
    }
    if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : value;
    if (isLosslessNumber(value)) {
        const literal = value.toString();
        return INTEGER_LITERAL.test(literal) ? BigInt(literal) : Number(literal);
    }
    if (Array.isArray(value)) return value.map(toJsonValue);
    if (typeof value === "object") {
        const out: JsonObject = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            if (v !== undefined) out[k] = toJsonValue(v);
        }
        return out;
    }
    throw new TypeError(`not representable as JSON: ${typeof value}`);
}

export function isJsonObject(value: unknown): value is JsonObject {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function goString(s: string): string {
    let out = '"';
    for (const ch of s) {
        const c = ch.codePointAt(0) ?? 0;
        if (ch === '"') out += '\\"';
        else if (ch === "\\") out += "\\\\";
        else if (ch === "\n") out += "\\n";
        else if (ch === "\r") out += "\\r";
        else if (ch === "\t") out += "\\t";
        else if (
            c < 0x20 ||
            ch === "<" ||
            ch === ">" ||
            ch === "&" ||
            c === 0x2028 ||
            c === 0x2029
        ) {
            out += `\\u${c.toString(16).padStart(4, "0")}`;
        } else out += ch;
    }
    return `${out}"`;
}

function goNumber(n: number): string {
    if (!Number.isFinite(n)) throw new TypeError(`json: unsupported value: ${n}`);
    // Go's float64 encoding: shortest repr, exponent form outside [1e-6, 1e21).
    const abs = Math.abs(n);
    if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
        return n
            .toExponential()
            .replace(/e([+-])(\d)$/, (_m, sign: string, d: string) => `e${sign}0${d}`);
    }
    return String(n);
}

/** Serialise like Go's `json.Marshal` (`indent` "" ⇒ compact) or `json.MarshalIndent`. */
export function goJson(value: JsonValue, indent = ""): string {
    const write = (v: JsonValue, depth: number): string => {
        if (v === null) return "null";
        if (typeof v === "boolean") return v ? "true" : "false";
        if (typeof v === "bigint") return v.toString();
        if (typeof v === "number") return goNumber(v);
        if (typeof v === "string") return goString(v);
        const nl = indent ? `\n${indent.repeat(depth + 1)}` : "";
        const end = indent ? `\n${indent.repeat(depth)}` : "";
        if (Array.isArray(v)) {
            if (v.length === 0) return "[]";
            return `[${v.map((item) => nl + write(item, depth + 1)).join(",")}${end}]`;
        }
        const entries = Object.entries(v);
        if (entries.length === 0) return "{}";
        const sep = indent ? ": " : ":";
        return `{${entries.map(([k, item]) => nl + goString(k) + sep + write(item, depth + 1)).join(",")}${end}}`;
    };
    return write(value, 0);
}

/** `JSON.stringify` that writes bigints as plain JSON integers (for messages and logs). */
export function stringifyLossless(value: unknown): string {
    return goJson(toJsonValue(value));
}
