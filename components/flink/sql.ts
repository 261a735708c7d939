/**
 * Flink SQL as data: typed table definitions rendered to `CREATE TABLE` DDL, a whitelist grammar
 * for column types, safe quoting, and the lexical checks the Flink SQL providers run before they
 * send anything to the SQL Gateway. Pure (no I/O), so everything here is unit-tested.
 *
 * Quoting rules (Flink's defaults: backtick identifiers, single-quoted string literals):
 * - identifiers are always backticked, a backtick inside is doubled;
 * - string literals are single-quoted, a single quote inside is doubled;
 * - control characters (U+0000–U+001F, U+007F) are refused in identifiers, literals and comments,
 *   so nothing can end a line comment or smuggle a NUL into the gateway.
 * Expressions (computed columns, watermarks) are SQL by nature; they are checked lexically to be
 * one expression: balanced parentheses, closed strings, no comments, no `;`, no top-level `,`.
 */

/**
 * A definition the renderer refuses, with the argument that caused it. A plain Error with fields,
 * not a subclass: Pulumi serializes the providers' closures and turns classes into functions
 * whose `super(message)` no longer sets `message`.
 */
export interface FlinkSqlDefinitionError extends Error {
    name: "FlinkSqlDefinitionError";
    property: string;
}

export function definitionError(property: string, message: string): FlinkSqlDefinitionError {
    return Object.assign(new Error(message), {
        name: "FlinkSqlDefinitionError" as const,
        property,
    });
}

export function isDefinitionError(error: unknown): error is FlinkSqlDefinitionError {
    return error instanceof Error && error.name === "FlinkSqlDefinitionError";
}

const MAX_LENGTH = 2147483647;
/** Names Flink gives its built-in in-memory catalog and database. */
export const DEFAULT_CATALOG = "default_catalog";
export const DEFAULT_DATABASE = "default_database";

// ---------------------------------------------------------------------------------------------
// Quoting

function controlCharacter(value: string): string | undefined {
    // eslint-disable-next-line no-control-regex
    const match = /[\u0000-\u001f\u007f]/.exec(value);
    if (!match) return undefined;
    return `U+${match[0].charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()}`;
}

/** `name` as a Flink identifier: backticked, backticks doubled; no empty names, no control characters. */
export function quoteIdentifier(name: string, property = "name"): string {
    if (typeof name !== "string" || name.length === 0) {
        throw definitionError(property, "an identifier must be a non-empty string");
    }
    const control = controlCharacter(name);
    if (control) {
        throw definitionError(
            property,
            `identifier ${JSON.stringify(name)} contains the control character ${control}`,
        );
    }
    return `\`${name.replace(/`/g, "``")}\``;
}

/** `value` as a Flink string literal: single-quoted, quotes doubled; no control characters. */
export function quoteString(value: string, property = "value"): string {
    if (typeof value !== "string") {
        throw definitionError(property, `expected a string, got ${typeof value}`);
    }
    const control = controlCharacter(value);
    if (control) {
        throw definitionError(
            property,
            `string ${JSON.stringify(value)} contains the control character ${control}`,
        );
    }
    return `'${value.replace(/'/g, "''")}'`;
}

/** `a`.`b`.`c` from its parts. */
export function qualifiedIdentifier(parts: readonly string[], property = "name"): string {
    return parts.map((part) => quoteIdentifier(part, property)).join(".");
}

/** A Java regular expression matching exactly `literal` (for canal-json's include filters). */
export function javaRegexLiteral(literal: string): string {
    return literal.replace(/[\\^$.|?*+()[\]{}-]/g, (c) => `\\${c}`);
}

// ---------------------------------------------------------------------------------------------
// Lexer (enough of Flink SQL to find statement boundaries, strings and comments)

export interface SqlToken {
    kind: "word" | "number" | "string" | "quoted" | "symbol";
    /** Upper-cased for words; the unquoted content for strings and quoted identifiers. */
    text: string;
    start: number;
    end: number;
}

export interface LexResult {
    tokens: SqlToken[];
    hasComments: boolean;
}

export function lexSql(sql: string, property = "statement"): LexResult {
    const tokens: SqlToken[] = [];
    let hasComments = false;
    let i = 0;
    const fail = (message: string): never => {
        throw definitionError(property, message);
    };
    while (i < sql.length) {
        const c = sql[i]!;
        if (/\s/.test(c)) {
            i++;
        } else if (c === "-" && sql[i + 1] === "-") {
            hasComments = true;
            const end = sql.indexOf("\n", i);
            i = end === -1 ? sql.length : end + 1;
        } else if (c === "/" && sql[i + 1] === "*") {
            hasComments = true;
            const end = sql.indexOf("*/", i + 2);
            if (end === -1) fail(`unterminated /* comment at offset ${i}`);
            i = end + 2;
        } else if (c === "'" || c === "`" || c === '"') {
            const start = i;
            let text = "";
            i++;
            for (;;) {
                if (i >= sql.length) {
                    fail(
                        `unterminated ${c === "'" ? "string" : "quoted identifier"} at offset ${start}`,
                    );
                }
                if (sql[i] === c) {
                    if (sql[i + 1] === c) {
                        text += c;
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                text += sql[i];
                i++;
            }
            tokens.push({ kind: c === "'" ? "string" : "quoted", text, start, end: i });
        } else if (/[A-Za-z_$]/.test(c)) {
            const start = i;
            while (i < sql.length && /[A-Za-z0-9_$]/.test(sql[i]!)) i++;
            tokens.push({ kind: "word", text: sql.slice(start, i).toUpperCase(), start, end: i });
        } else if (/[0-9]/.test(c)) {
            const start = i;
            while (i < sql.length && /[0-9.]/.test(sql[i]!)) i++;
            tokens.push({ kind: "number", text: sql.slice(start, i), start, end: i });
        } else {
            tokens.push({ kind: "symbol", text: c, start: i, end: i + 1 });
            i++;
        }
    }
    return { tokens, hasComments };
}

function refuseControlCharacters(sql: string, property: string, allowWhitespace: boolean): void {
    const stripped = allowWhitespace ? sql.replace(/[\t\n\r]/g, " ") : sql;
    const control = controlCharacter(stripped);
    if (control) {
        throw definitionError(property, `contains the control character ${control}`);
    }
}

/**
 * Checks that `expression` is one SQL expression that cannot break out of its place in a DDL:
 * no control characters, comments or `;`, balanced parentheses, no top-level comma.
 */
export function checkExpression(expression: string, property = "expression"): string {
    if (typeof expression !== "string" || expression.trim().length === 0) {
        throw definitionError(property, "an expression must be a non-empty string");
    }
    refuseControlCharacters(expression, property, false);
    const { tokens, hasComments } = lexSql(expression, property);
    if (hasComments) throw definitionError(property, "comments are not allowed here");
    let depth = 0;
    for (const token of tokens) {
        if (token.kind !== "symbol") continue;
        if (token.text === ";") throw definitionError(property, "`;` is not allowed");
        if (token.text === "(") depth++;
        if (token.text === ")") {
            depth--;
            if (depth < 0) throw definitionError(property, "unbalanced `)`");
        }
        if (token.text === "," && depth === 0) {
            throw definitionError(
                property,
                "a top-level `,` would start another column; use one expression",
            );
        }
    }
    if (depth !== 0) throw definitionError(property, "unbalanced `(`");
    return expression.trim();
}

// ---------------------------------------------------------------------------------------------
// Types: a whitelist grammar, parsed to an AST and printed back in Flink's own summary form
// (the form `DESCRIBE` shows), so spelling differences never look like changes.

export type FlinkType =
    | { kind: "simple"; name: SimpleTypeName; nullable: boolean }
    | { kind: "CHAR" | "VARCHAR" | "BINARY" | "VARBINARY"; length: number; nullable: boolean }
    | { kind: "DECIMAL"; precision: number; scale: number; nullable: boolean }
    | { kind: "TIME" | "TIMESTAMP" | "TIMESTAMP_LTZ"; precision: number; nullable: boolean }
    | { kind: "ARRAY" | "MULTISET"; element: FlinkType; nullable: boolean }
    | { kind: "MAP"; key: FlinkType; value: FlinkType; nullable: boolean }
    | { kind: "ROW"; fields: RowField[]; nullable: boolean };

export interface RowField {
    name: string;
    type: FlinkType;
    description?: string;
}

type SimpleTypeName =
    "BOOLEAN" | "TINYINT" | "SMALLINT" | "INT" | "BIGINT" | "FLOAT" | "DOUBLE" | "DATE" | "VARIANT";

const SIMPLE_TYPES: Record<string, SimpleTypeName> = {
    BOOLEAN: "BOOLEAN",
    TINYINT: "TINYINT",
    SMALLINT: "SMALLINT",
    INT: "INT",
    INTEGER: "INT",
    BIGINT: "BIGINT",
    FLOAT: "FLOAT",
    DOUBLE: "DOUBLE",
    DATE: "DATE",
    VARIANT: "VARIANT",
};

const SUPPORTED_TYPES =
    "BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL(p, s), CHAR(n), VARCHAR(n), " +
    "STRING, BINARY(n), VARBINARY(n), BYTES, DATE, TIME(p), TIMESTAMP(p), TIMESTAMP_LTZ(p), " +
    "VARIANT, ARRAY<t>, MULTISET<t>, MAP<k, v>, ROW<name t, ...>, each optionally NOT NULL";

/**
 * A recursive-descent parser over the tokens of one type. Closures, not a class: Pulumi's
 * closure serializer rewrites classes and drops their field initializers.
 */
function parseTypeTokens(source: string, tokens: SqlToken[], property: string): FlinkType {
    let pos = 0;
    function fail(message: string): never {
        const token = tokens[pos];
        const where = token ? ` at ${JSON.stringify(source.slice(token.start))}` : " at the end";
        throw definitionError(
            property,
            `invalid Flink SQL type ${JSON.stringify(source)}: ${message}${where} (supported: ${SUPPORTED_TYPES})`,
        );
    }
    function peek(offset = 0): SqlToken | undefined {
        return tokens[pos + offset];
    }
    function isWord(text: string, offset = 0): boolean {
        const token = peek(offset);
        return token?.kind === "word" && token.text === text;
    }
    function isSymbol(text: string): boolean {
        const token = peek();
        return token?.kind === "symbol" && token.text === text;
    }
    function expectSymbol(text: string): void {
        if (!isSymbol(text)) fail(`expected "${text}"`);
        pos++;
    }
    function expectWord(text: string): void {
        if (!isWord(text)) fail(`expected ${text}`);
        pos++;
    }
    function integer(min: number, max: number, what: string): number {
        const token = peek();
        if (token?.kind !== "number" || !/^[0-9]+$/.test(token.text))
            return fail(`expected ${what}`);
        const value = Number(token.text);
        if (!Number.isSafeInteger(value) || value < min || value > max) {
            fail(`${what} must be between ${min} and ${max}`);
        }
        pos++;
        return value;
    }
    /** `( n )` when present. */
    function optionalArgument(min: number, max: number, what: string): number | undefined {
        if (!isSymbol("(")) return undefined;
        pos++;
        const value = integer(min, max, what);
        expectSymbol(")");
        return value;
    }
    function withoutTimeZone(): void {
        if (isWord("WITHOUT")) {
            pos++;
            expectWord("TIME");
            expectWord("ZONE");
        }
    }

    function rowFields(): RowField[] {
        const close = isSymbol("(") ? ")" : ">";
        if (!isSymbol("(") && !isSymbol("<")) fail('expected "<" or "("');
        pos++;
        const fields: RowField[] = [];
        for (;;) {
            const nameToken = peek();
            if (nameToken?.kind !== "word" && nameToken?.kind !== "quoted") {
                return fail("expected a field name");
            }
            const name =
                nameToken.kind === "word"
                    ? source.slice(nameToken.start, nameToken.end)
                    : nameToken.text;
            pos++;
            const field: RowField = { name, type: type() };
            const description = peek();
            if (description?.kind === "string") {
                field.description = description.text;
                pos++;
            }
            if (fields.some((f) => f.name === name)) fail(`duplicate ROW field "${name}"`);
            fields.push(field);
            if (!isSymbol(",")) break;
            pos++;
        }
        expectSymbol(close);
        return fields;
    }

    function base(): FlinkType {
        const token = peek();
        if (token?.kind !== "word") return fail("expected a type name");
        pos++;
        const name = token.text;
        const nullable = true;
        const simple = SIMPLE_TYPES[name];
        if (simple) {
            if (simple === "DOUBLE" && isWord("PRECISION")) pos++;
            return { kind: "simple", name: simple, nullable };
        }
        switch (name) {
            case "STRING":
                return { kind: "VARCHAR", length: MAX_LENGTH, nullable };
            case "BYTES":
                return { kind: "VARBINARY", length: MAX_LENGTH, nullable };
            case "CHAR":
            case "CHARACTER":
                return {
                    kind: "CHAR",
                    length: optionalArgument(1, MAX_LENGTH, "a length") ?? 1,
                    nullable,
                };
            case "VARCHAR":
                // Flink reads a bare VARCHAR as VARCHAR(2147483647), i.e. STRING.
                return {
                    kind: "VARCHAR",
                    length: optionalArgument(1, MAX_LENGTH, "a length") ?? MAX_LENGTH,
                    nullable,
                };
            case "BINARY":
                return {
                    kind: "BINARY",
                    length: optionalArgument(1, MAX_LENGTH, "a length") ?? 1,
                    nullable,
                };
            case "VARBINARY":
                // Like VARCHAR: a bare VARBINARY is BYTES.
                return {
                    kind: "VARBINARY",
                    length: optionalArgument(1, MAX_LENGTH, "a length") ?? MAX_LENGTH,
                    nullable,
                };
            case "DECIMAL":
            case "DEC":
            case "NUMERIC": {
                let precision = 10;
                let scale = 0;
                if (isSymbol("(")) {
                    pos++;
                    precision = integer(1, 38, "a precision");
                    if (isSymbol(",")) {
                        pos++;
                        scale = integer(0, precision, "a scale (0..precision)");
                    }
                    expectSymbol(")");
                }
                return { kind: "DECIMAL", precision, scale, nullable };
            }
            case "TIME": {
                const precision = optionalArgument(0, 9, "a precision") ?? 0;
                withoutTimeZone();
                return { kind: "TIME", precision, nullable };
            }
            case "TIMESTAMP": {
                const precision = optionalArgument(0, 9, "a precision") ?? 6;
                if (isWord("WITH")) {
                    pos++;
                    if (!isWord("LOCAL")) fail("only TIMESTAMP WITH LOCAL TIME ZONE is supported");
                    pos++;
                    expectWord("TIME");
                    expectWord("ZONE");
                    return { kind: "TIMESTAMP_LTZ", precision, nullable };
                }
                withoutTimeZone();
                return { kind: "TIMESTAMP", precision, nullable };
            }
            case "TIMESTAMP_LTZ":
                return {
                    kind: "TIMESTAMP_LTZ",
                    precision: optionalArgument(0, 9, "a precision") ?? 6,
                    nullable,
                };
            case "ARRAY":
            case "MULTISET": {
                expectSymbol("<");
                const element = type();
                expectSymbol(">");
                return { kind: name, element, nullable };
            }
            case "MAP": {
                expectSymbol("<");
                const key = type();
                expectSymbol(",");
                const value = type();
                expectSymbol(">");
                return { kind: "MAP", key, value, nullable };
            }
            case "ROW":
                return { kind: "ROW", fields: rowFields(), nullable };
            default:
                pos--; // point at the name
                return fail(`unsupported type ${name}`);
        }
    }

    function type(): FlinkType {
        const parsed = base();
        if (isWord("NOT") && isWord("NULL", 1)) {
            pos += 2;
            return { ...parsed, nullable: false };
        }
        if (isWord("NULL")) pos++;
        return parsed;
    }

    const result = type();
    if (pos < tokens.length) fail("unexpected text after the type");
    return result;
}

/** Parses a column type against the whitelist grammar; throws a FlinkSqlDefinitionError naming the problem. */
export function parseFlinkType(text: string, property = "type"): FlinkType {
    if (typeof text !== "string" || text.trim().length === 0) {
        throw definitionError(property, "a type must be a non-empty string");
    }
    refuseControlCharacters(text, property, false);
    const { tokens, hasComments } = lexSql(text, property);
    if (hasComments) throw definitionError(property, "comments are not allowed in a type");
    return parseTypeTokens(text, tokens, property);
}

export interface FormatTypeOptions {
    /** Drop ROW field descriptions (DESCRIBE does not show them). */
    withoutDescriptions?: boolean;
    /** Print TIME(p) as TIME(0): Flink only stores TIME(0) (DESCRIBE of a TIME(3) column says TIME(0)). */
    timeAsStored?: boolean;
}

/** The type in Flink's summary form: STRING, BYTES, DECIMAL(10, 2), ROW<`a` INT>, ... */
export function formatFlinkType(type: FlinkType, options: FormatTypeOptions = {}): string {
    const suffix = type.nullable ? "" : " NOT NULL";
    const inner = (t: FlinkType) => formatFlinkType(t, options);
    switch (type.kind) {
        case "simple":
            return type.name + suffix;
        case "VARCHAR":
            return (type.length === MAX_LENGTH ? "STRING" : `VARCHAR(${type.length})`) + suffix;
        case "VARBINARY":
            return (type.length === MAX_LENGTH ? "BYTES" : `VARBINARY(${type.length})`) + suffix;
        case "CHAR":
        case "BINARY":
            return `${type.kind}(${type.length})${suffix}`;
        case "DECIMAL":
            return `DECIMAL(${type.precision}, ${type.scale})${suffix}`;
        case "TIME":
            return `TIME(${options.timeAsStored ? 0 : type.precision})${suffix}`;
        case "TIMESTAMP":
        case "TIMESTAMP_LTZ":
            return `${type.kind}(${type.precision})${suffix}`;
        case "ARRAY":
        case "MULTISET":
            return `${type.kind}<${inner(type.element)}>${suffix}`;
        case "MAP":
            return `MAP<${inner(type.key)}, ${inner(type.value)}>${suffix}`;
        case "ROW": {
            const fields = type.fields.map((field) => {
                const description =
                    field.description !== undefined && !options.withoutDescriptions
                        ? ` ${quoteString(field.description, "type")}`
                        : "";
                return `${quoteIdentifier(field.name, "type")} ${inner(field.type)}${description}`;
            });
            return `ROW<${fields.join(", ")}>${suffix}`;
        }
    }
}

/** Parse and print in canonical form: `decimal(10,2)` → `DECIMAL(10, 2)`, `VARCHAR` → `STRING`. */
export function canonicalType(text: string, property = "type"): string {
    return formatFlinkType(parseFlinkType(text, property));
}

// ---------------------------------------------------------------------------------------------
// Table definitions

export interface FlinkColumn {
    name: string;
    /** Flink SQL type (whitelist grammar); required except for computed columns. */
    type?: string;
    /** Default true. `false` adds NOT NULL (as does a type ending in NOT NULL). */
    nullable?: boolean;
    /** A metadata column: `METADATA [FROM 'key'] [VIRTUAL]`, e.g. `{ key: "value.database", virtual: true }`. */
    metadata?: { key?: string; virtual?: boolean };
    /** A computed column: `name AS expression`. */
    expression?: string;
    comment?: string;
}

export interface FlinkWatermark {
    column: string;
    /** e.g. "`ts` - INTERVAL '5' SECOND" */
    expression: string;
}

export interface FlinkTableDefinition {
    name: string;
    /** With `database`; omitted means the session's current catalog. */
    catalog?: string;
    database?: string;
    columns: FlinkColumn[];
    primaryKey?: string[];
    watermark?: FlinkWatermark;
    comment?: string;
    /** The WITH options; rendered sorted by key. */
    options: Record<string, string>;
}

/** The kind of a column, after checking it names exactly one. */
export type ColumnKind = "physical" | "metadata" | "computed";

export function columnKind(column: FlinkColumn, property: string): ColumnKind {
    if (column.expression !== undefined) {
        if (column.type !== undefined || column.metadata !== undefined) {
            throw definitionError(
                property,
                `column "${column.name}": a computed column has an expression and no type or metadata`,
            );
        }
        return "computed";
    }
    if (column.type === undefined) {
        throw definitionError(property, `column "${column.name}" needs a type`);
    }
    return column.metadata !== undefined ? "metadata" : "physical";
}

/** The column's parsed type with `nullable: false` folded in (NOT NULL in the type or the flag). */
export function columnType(column: FlinkColumn, property: string): FlinkType {
    const type = parseFlinkType(column.type ?? "", `${property}.type`);
    if (column.nullable === true && !type.nullable) {
        throw definitionError(
            property,
            `column "${column.name}": nullable is true but the type says NOT NULL`,
        );
    }
    return column.nullable === false ? { ...type, nullable: false } : type;
}

function renderColumn(column: FlinkColumn, index: number): string {
    const property = `columns[${index}]`;
    const name = quoteIdentifier(column.name, `${property}.name`);
    const comment =
        column.comment !== undefined
            ? ` COMMENT ${quoteString(column.comment, `${property}.comment`)}`
            : "";
    const kind = columnKind(column, property);
    if (kind === "computed") {
        return `${name} AS ${checkExpression(column.expression ?? "", `${property}.expression`)}${comment}`;
    }
    const type = formatFlinkType(columnType(column, property));
    if (kind === "metadata") {
        const from =
            column.metadata?.key !== undefined
                ? ` FROM ${quoteString(column.metadata.key, `${property}.metadata.key`)}`
                : "";
        const isVirtual = column.metadata?.virtual ? " VIRTUAL" : "";
        return `${name} ${type} METADATA${from}${isVirtual}${comment}`;
    }
    return `${name} ${type}${comment}`;
}

/** Catalog, database and table as they appear in the DDL (omitted parts stay omitted). */
export function tableIdentifierParts(definition: FlinkTableDefinition): string[] {
    if (definition.catalog !== undefined && definition.database === undefined) {
        throw definitionError("database", "a catalog needs a database as well");
    }
    return [definition.catalog, definition.database, definition.name].filter(
        (part): part is string => part !== undefined,
    );
}

function checkDefinition(definition: FlinkTableDefinition): void {
    if (!Array.isArray(definition.columns) || definition.columns.length === 0) {
        throw definitionError("columns", "a table needs at least one column");
    }
    const kinds = new Map<string, ColumnKind>();
    definition.columns.forEach((column, index) => {
        const property = `columns[${index}]`;
        if (kinds.has(column.name)) {
            throw definitionError(property, `duplicate column "${column.name}"`);
        }
        kinds.set(column.name, columnKind(column, property));
    });
    if (definition.primaryKey !== undefined) {
        if (definition.primaryKey.length === 0) {
            throw definitionError("primaryKey", "a primary key needs at least one column");
        }
        const seen = new Set<string>();
        for (const name of definition.primaryKey) {
            if (kinds.get(name) !== "physical") {
                throw definitionError(
                    "primaryKey",
                    `primary key column "${name}" is not a physical column of the table`,
                );
            }
            if (seen.has(name)) {
                throw definitionError("primaryKey", `"${name}" is listed twice`);
            }
            seen.add(name);
        }
    }
    if (definition.watermark !== undefined && !kinds.has(definition.watermark.column)) {
        throw definitionError(
            "watermark",
            `watermark column "${definition.watermark.column}" is not a column of the table`,
        );
    }
    if (definition.options === null || typeof definition.options !== "object") {
        throw definitionError("options", "options must be a map of strings");
    }
}

/** `'k' = 'v'` lines, sorted by key, for a WITH clause. */
export function renderOptions(options: Record<string, string>, property = "options"): string[] {
    return Object.keys(options)
        .sort()
        .map((key) => {
            if (key.length === 0) throw definitionError(property, "an option key is empty");
            return `${quoteString(key, property)} = ${quoteString(options[key]!, `${property}.${key}`)}`;
        });
}

/**
 * `CREATE TABLE` for a definition. Deterministic: the same definition (however its types are
 * spelled, whatever the order of its options) renders the same text.
 */
export function renderCreateTable(definition: FlinkTableDefinition): string {
    checkDefinition(definition);
    const lines = definition.columns.map(renderColumn);
    if (definition.watermark !== undefined) {
        lines.push(
            `WATERMARK FOR ${quoteIdentifier(definition.watermark.column, "watermark.column")} AS ${checkExpression(
                definition.watermark.expression,
                "watermark.expression",
            )}`,
        );
    }
    if (definition.primaryKey !== undefined) {
        const key = definition.primaryKey
            .map((name) => quoteIdentifier(name, "primaryKey"))
            .join(", ");
        lines.push(`PRIMARY KEY (${key}) NOT ENFORCED`);
    }
    const name = qualifiedIdentifier(tableIdentifierParts(definition));
    const comment =
        definition.comment !== undefined
            ? `COMMENT ${quoteString(definition.comment, "comment")}\n`
            : "";
    const options = renderOptions(definition.options);
    const withClause = options.length > 0 ? `WITH (\n    ${options.join(",\n    ")}\n)` : "";
    return `CREATE TABLE ${name} (\n    ${lines.join(",\n    ")}\n)\n${comment}${withClause}`.trimEnd();
}

/** `CREATE CATALOG IF NOT EXISTS` with options (e.g. `type` = `hive`, `hive-conf-dir`). */
export function renderCreateCatalog(name: string, options: Record<string, string>): string {
    const lines = renderOptions(options, "catalog.options");
    if (lines.length === 0) {
        throw definitionError("catalog.options", "a catalog needs at least its 'type'");
    }
    return `CREATE CATALOG IF NOT EXISTS ${quoteIdentifier(name, "catalog.name")} WITH (\n    ${lines.join(",\n    ")}\n)`;
}

export function renderCreateDatabase(catalog: string, database: string): string {
    return `CREATE DATABASE IF NOT EXISTS ${qualifiedIdentifier([catalog, database], "database")}`;
}

export function renderDropTable(parts: readonly string[]): string {
    return `DROP TABLE IF EXISTS ${qualifiedIdentifier(parts)}`;
}

/** The columns a sink check writes: physical and persisted (non-virtual) metadata columns. */
export function writableColumns(definition: FlinkTableDefinition): FlinkColumn[] {
    return definition.columns.filter((column, index) => {
        const kind = columnKind(column, `columns[${index}]`);
        return kind === "physical" || (kind === "metadata" && !column.metadata?.virtual);
    });
}

/**
 * The statement that makes Flink build the connector for a table without running anything:
 * `EXPLAIN SELECT` for a source (finds missing connector jars, unknown or missing options, a
 * format that cannot read), `EXPLAIN INSERT` of typed NULLs for a sink.
 */
export function renderValidation(definition: FlinkTableDefinition, as: "source" | "sink"): string {
    const name = qualifiedIdentifier(tableIdentifierParts(definition));
    if (as === "source") return `EXPLAIN SELECT * FROM ${name}`;
    const columns = writableColumns(definition);
    if (columns.length === 0) {
        throw definitionError("columns", "the table has no writable columns to check as a sink");
    }
    const names = columns.map((column) => quoteIdentifier(column.name)).join(", ");
    const values = columns
        .map((column, index) => {
            const type = { ...columnType(column, `columns[${index}]`), nullable: true };
            return `CAST(NULL AS ${formatFlinkType(type)})`;
        })
        .join(", ");
    return `EXPLAIN INSERT INTO ${name} (${names}) SELECT ${values}`;
}

// ---------------------------------------------------------------------------------------------
// Kafka + canal-json defaults for TiCDC topics

export interface CanalJsonKafkaSourceOptions {
    topic: string;
    bootstrapServers: string;
    /** `properties.group.id`; required by Kafka for `group-offsets`. */
    groupId?: string;
    /** Default `earliest-offset` (a job restored from a savepoint resumes at its saved offsets). */
    startupMode?: "earliest-offset" | "latest-offset" | "group-offsets" | "timestamp";
    /** The upstream TiDB database: becomes `canal-json.database.include` (exact match). */
    database?: string;
    /** The upstream table: becomes `canal-json.table.include` (exact match). */
    table?: string;
    /**
     * Default true: skip messages Flink cannot read instead of failing the job. TiCDC sends DDL
     * events (ALTER, TRUNCATE, ...) to the same topic and, with the TiDB extension on,
     * TIDB_WATERMARK events; Flink's canal-json only knows INSERT/UPDATE/DELETE/CREATE.
     */
    ignoreParseErrors?: boolean;
    /** More options, applied last (they win). */
    extra?: Record<string, string>;
}

/**
 * WITH options for a Kafka table reading a TiCDC canal-json topic that survive TiCDC's extra
 * messages: the include filters drop TIDB_WATERMARK events (empty database/table) before their
 * type is checked, `ignore-parse-errors` skips DDL events on the table itself.
 */
export function canalJsonKafkaSourceOptions(
    source: CanalJsonKafkaSourceOptions,
): Record<string, string> {
    const options: Record<string, string> = {
        connector: "kafka",
        topic: source.topic,
        "properties.bootstrap.servers": source.bootstrapServers,
        "scan.startup.mode": source.startupMode ?? "earliest-offset",
        format: "canal-json",
        "canal-json.ignore-parse-errors": String(source.ignoreParseErrors ?? true),
    };
    if (source.groupId !== undefined) options["properties.group.id"] = source.groupId;
    if (source.startupMode === "group-offsets" && source.groupId === undefined) {
        throw definitionError("groupId", "scan.startup.mode group-offsets needs a groupId");
    }
    if (source.database !== undefined) {
        options["canal-json.database.include"] = javaRegexLiteral(source.database);
    }
    if (source.table !== undefined) {
        options["canal-json.table.include"] = javaRegexLiteral(source.table);
    }
    return { ...options, ...source.extra };
}

// ---------------------------------------------------------------------------------------------
// Statements a job runs

export interface JobStatement {
    kind: "insert" | "statement-set";
    /** The statement from its first token to its last (leading comments and trailing `;` dropped). */
    sql: string;
}

/** The first tokens as written (strings and quoted names elided), for messages. */
function firstWords(sql: string, tokens: SqlToken[], count: number): string {
    return tokens
        .slice(0, count)
        .map((t) =>
            t.kind === "word" || t.kind === "symbol" ? sql.slice(t.start, t.end) : `<${t.kind}>`,
        )
        .join(" ");
}

function withoutTrailingSemicolons(
    sql: string,
    tokens: SqlToken[],
): { sql: string; tokens: SqlToken[] } {
    let end = tokens.length;
    while (end > 0 && tokens[end - 1]!.kind === "symbol" && tokens[end - 1]!.text === ";") end--;
    const kept = tokens.slice(0, end);
    const last = kept[kept.length - 1];
    return { sql: last ? sql.slice(kept[0]!.start, last.end) : "", tokens: kept };
}

/**
 * The one statement a FlinkSqlJob runs: `INSERT INTO|OVERWRITE …` or
 * `EXECUTE STATEMENT SET BEGIN INSERT …; INSERT …; END`. Anything else (a SELECT, DDL, two
 * statements) is refused, so a job is always exactly one detached Flink job.
 */
export function parseJobStatement(sql: string, property = "statement"): JobStatement {
    if (typeof sql !== "string") throw definitionError(property, "must be a string");
    refuseControlCharacters(sql, property, true);
    const { sql: text, tokens } = withoutTrailingSemicolons(sql, lexSql(sql, property).tokens);
    const isWord = (i: number, word: string) =>
        tokens[i]?.kind === "word" && tokens[i]?.text === word;
    if (tokens.length === 0) throw definitionError(property, "the statement is empty");
    const semicolons = tokens.filter((t) => t.kind === "symbol" && t.text === ";");
    if (isWord(0, "INSERT")) {
        if (!isWord(1, "INTO") && !isWord(1, "OVERWRITE")) {
            throw definitionError(property, "expected INSERT INTO or INSERT OVERWRITE");
        }
        if (semicolons.length > 0) {
            throw definitionError(
                property,
                "one INSERT per job; wrap several in EXECUTE STATEMENT SET BEGIN … END",
            );
        }
        return { kind: "insert", sql: text };
    }
    if (isWord(0, "EXECUTE") && isWord(1, "STATEMENT") && isWord(2, "SET") && isWord(3, "BEGIN")) {
        if (!isWord(tokens.length - 1, "END")) {
            throw definitionError(property, "a statement set must end with END");
        }
        const body = tokens.slice(4, tokens.length - 1);
        const groups: SqlToken[][] = [[]];
        for (const token of body) {
            if (token.kind === "symbol" && token.text === ";") groups.push([]);
            else groups[groups.length - 1]!.push(token);
        }
        const inserts = groups.filter((group) => group.length > 0);
        if (inserts.length === 0) {
            throw definitionError(property, "the statement set has no INSERT");
        }
        for (const group of inserts) {
            if (!(group[0]?.kind === "word" && group[0].text === "INSERT")) {
                throw definitionError(
                    property,
                    `a statement set may only hold INSERTs, found ${firstWords(sql, group, 3)}`,
                );
            }
        }
        return { kind: "statement-set", sql: text };
    }
    throw definitionError(
        property,
        `a job runs one INSERT or EXECUTE STATEMENT SET, not ${firstWords(sql, tokens, 3)}`,
    );
}

/**
 * A statement replayed in the job's gateway session before the INSERT: `CREATE …` (table,
 * temporary table, view, function, catalog, database) or `USE …`. One statement each.
 */
export function parseSetupStatement(sql: string, property = "tables"): string {
    if (typeof sql !== "string") throw definitionError(property, "must be a string");
    refuseControlCharacters(sql, property, true);
    const { sql: text, tokens } = withoutTrailingSemicolons(sql, lexSql(sql, property).tokens);
    if (tokens.length === 0) throw definitionError(property, "the statement is empty");
    if (tokens.some((t) => t.kind === "symbol" && t.text === ";")) {
        throw definitionError(property, "one statement per entry");
    }
    const first = tokens[0]!;
    if (first.kind !== "word" || (first.text !== "CREATE" && first.text !== "USE")) {
        throw definitionError(
            property,
            `only CREATE … and USE … statements are replayed before a job, not ${firstWords(sql, tokens, 3)}`,
        );
    }
    return text;
}

/** A short, single-line excerpt of a statement for error messages. */
export function statementExcerpt(sql: string, max = 120): string {
    const flat = sql.replace(/\s+/g, " ").trim();
    return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
