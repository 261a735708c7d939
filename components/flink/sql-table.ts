/**
 * FlinkSqlTable: a Flink SQL table definition as a Pulumi dynamic resource, over the SQL
 * Gateway REST API (flink.md §3, design §4.3). Honest about where the table lives:
 *
 * - **In-memory (default, no `catalog`)**: Flink's `default_catalog` is per gateway session and
 *   forgets the table when the session ends (flink.md §4.1). The resource is therefore a
 *   *validated definition*: create opens a scratch session, runs the `CREATE TABLE`, DESCRIBEs
 *   it and (by default) makes Flink build the connector (`EXPLAIN SELECT * FROM …`, which finds
 *   missing connector jars and bad options), then closes the session. Outputs `ddl`,
 *   `sessionSql` (what a job's session replays) and `persistent: false`. read has nothing remote
 *   to compare; delete is a no-op.
 * - **Persistent (`catalog` given)**: a catalog that really stores generic tables (Hive
 *   Metastore; flink.md §4.1). Every session registers it (`CREATE CATALOG IF NOT EXISTS` from
 *   `catalog.options`, or nothing when the gateway already has it, e.g. via a file CatalogStore).
 *   create runs the DDL in it (refusing a table that already exists); read checks it exists
 *   (`SHOW TABLES`) and compares `DESCRIBE` + `SHOW CREATE TABLE` with the definition, returning
 *   the live columns/options as inputs so a refresh shows drift; delete drops it (idempotent).
 *
 * | Pulumi | Gateway                                                                          |
 * |--------|----------------------------------------------------------------------------------|
 * | check  | render the DDL (type grammar, quoting, keys) — nothing is sent                   |
 * | diff   | a different DDL / name / catalog → replace (DDL is immutable, as at Confluent and Aiven); type spelling, option order, `gatewayUrl`, `validateAs`, `forgetIfUnreachable` → in-place update that only records |
 * | create | session → [CREATE CATALOG / DATABASE] → CREATE TABLE → DESCRIBE → EXPLAIN → close  |
 * | read   | in-memory: stored state; persistent: SHOW TABLES, DESCRIBE, SHOW CREATE TABLE    |
 * | delete | in-memory: nothing; persistent: DROP TABLE IF EXISTS; a gateway that does not answer at all is an error (state kept), or with `forgetIfUnreachable` a warning and the table leaves the state |
 *
 * Closure rules (anchors.md §3.4): the provider references module functions only, keeps no
 * module-level state and captures nothing secret; `secretOptions` arrive as (secret) inputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { executeStatement, resultObjects, withSession } from "./gateway";
import {
    columnKind,
    columnType,
    DEFAULT_CATALOG,
    DEFAULT_DATABASE,
    type FlinkColumn,
    definitionError,
    isDefinitionError,
    type FlinkTableDefinition,
    type FlinkWatermark,
    formatFlinkType,
    lexSql,
    parseFlinkType,
    qualifiedIdentifier,
    quoteString,
    renderCreateCatalog,
    renderCreateDatabase,
    renderCreateTable,
    renderDropTable,
    renderValidation,
    tableIdentifierParts,
} from "./sql";
import { containsUnknown, stableJson, wireSafe } from "../platform/provider-values";
import { nothingAnswered, settleUnreachableDelete } from "../platform/unreachable";

/** Pulumi's placeholder for a value not known during preview. */

export interface FlinkCatalog {
    /** The catalog's name in Flink. */
    name: string;
    /**
     * `CREATE CATALOG IF NOT EXISTS <name> WITH (…)` options (e.g. `type: "hive"`,
     * `hive-conf-dir`), run in every session that uses the table. Omit when the gateway already
     * registers the catalog (config or a file CatalogStore).
     */
    options?: Record<string, string>;
}

export type TableValidation = "source" | "sink" | "ddl";

export interface FlinkSqlTableArgs {
    /** SQL Gateway REST endpoint, e.g. `http://127.0.0.1:8083`. */
    gatewayUrl: pulumi.Input<string>;
    /** Table name in Flink; defaults to the resource name. */
    name?: pulumi.Input<string>;
    /** Database: default `default_database` in-memory; required with a `catalog`. */
    database?: pulumi.Input<string>;
    /** A persistent catalog to create the table in; omit for the in-memory, job-scoped mode. */
    catalog?: pulumi.Input<FlinkCatalog>;
    columns: pulumi.Input<pulumi.Input<FlinkColumn>[]>;
    primaryKey?: pulumi.Input<pulumi.Input<string>[]>;
    watermark?: pulumi.Input<FlinkWatermark>;
    comment?: pulumi.Input<string>;
    /** The WITH options (see `canalJsonKafkaSourceOptions` for TiCDC topics). */
    options: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** WITH options holding credentials (e.g. `properties.sasl.jaas.config`); `ddl` and `sessionSql` become secret. */
    secretOptions?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * What create checks beyond the DDL: `source` (default; `EXPLAIN SELECT`), `sink`
     * (`EXPLAIN INSERT` of typed NULLs, for sink-only connectors such as `print`), or `ddl`.
     */
    validateAs?: pulumi.Input<TableValidation>;
    /**
     * On delete of a table in a `catalog`, when the SQL Gateway does not answer at all
     * (connection refused, timeout; not an HTTP error status), drop the table from the state
     * with a warning instead of failing. In-memory tables have nothing to delete. Default false.
     */
    forgetIfUnreachable?: pulumi.Input<boolean>;
}

export interface FlinkSqlTableInputs {
    gatewayUrl: string;
    name: string;
    database?: string;
    catalog?: FlinkCatalog;
    columns: FlinkColumn[];
    primaryKey?: string[];
    watermark?: FlinkWatermark;
    comment?: string;
    options: Record<string, string>;
    secretOptions?: Record<string, string>;
    validateAs?: TableValidation;
    /** Absent means false (states written before it existed have none). */
    forgetIfUnreachable?: boolean;
}

export interface FlinkSqlTableOutputs extends FlinkSqlTableInputs {
    /** The `CREATE TABLE` statement, fully qualified. */
    ddl: string;
    /** `catalog.database.table` (unquoted). */
    qualifiedName: string;
    /** True only with a catalog that stores the table; false: the table exists only in sessions that run `ddl`. */
    persistent: boolean;
    /** Statements a job's gateway session runs to see this table (FlinkSqlJob `tables`). */
    sessionSql: string[];
}

/** The definition-bearing inputs: a change to any of them changes the table. */
const DEFINITION_KEYS = [
    "name",
    "database",
    "catalog",
    "columns",
    "primaryKey",
    "watermark",
    "comment",
    "options",
    "secretOptions",
] as const;
const INPUT_KEYS = [...DEFINITION_KEYS, "gatewayUrl", "validateAs", "forgetIfUnreachable"] as const;

/** The table definition the inputs describe (options and secretOptions merged). */
export function tableDefinition(inputs: FlinkSqlTableInputs): FlinkTableDefinition {
    const secret = inputs.secretOptions ?? {};
    for (const key of Object.keys(secret)) {
        if (key in (inputs.options ?? {})) {
            throw definitionError(
                "secretOptions",
                `option '${key}' is in both options and secretOptions`,
            );
        }
    }
    if (inputs.catalog !== undefined && inputs.database === undefined) {
        throw definitionError("database", "a table in a catalog needs its database");
    }
    if (
        inputs.catalog !== undefined &&
        (typeof inputs.catalog.name !== "string" || inputs.catalog.name === "")
    ) {
        throw definitionError("catalog", "a catalog needs a name");
    }
    return {
        name: inputs.name,
        catalog: inputs.catalog?.name ?? DEFAULT_CATALOG,
        database: inputs.database ?? DEFAULT_DATABASE,
        columns: inputs.columns,
        primaryKey: inputs.primaryKey,
        watermark: inputs.watermark,
        comment: inputs.comment,
        options: { ...inputs.options, ...secret },
    };
}

export interface RenderedTable {
    ddl: string;
    qualifiedName: string;
    persistent: boolean;
    /** Statements the provider's own session runs before the DDL. */
    setup: string[];
    sessionSql: string[];
    definition: FlinkTableDefinition;
}

/** Everything create needs, computed without I/O; throws FlinkSqlDefinitionError on bad input. */
export function renderTable(inputs: FlinkSqlTableInputs): RenderedTable {
    const definition = tableDefinition(inputs);
    const ddl = renderCreateTable(definition);
    const parts = tableIdentifierParts(definition);
    const persistent = inputs.catalog !== undefined;
    let setup: string[];
    if (persistent) {
        const options = inputs.catalog?.options;
        setup = options ? [renderCreateCatalog(inputs.catalog!.name, options)] : [];
    } else {
        setup =
            definition.database !== DEFAULT_DATABASE
                ? [renderCreateDatabase(DEFAULT_CATALOG, definition.database!)]
                : [];
    }
    return {
        ddl,
        qualifiedName: parts.join("."),
        persistent,
        setup,
        sessionSql: persistent ? setup : [...setup, ddl],
        definition,
    };
}

/** Problems with raw inputs, as Pulumi check failures (values unknown in a preview are skipped). */
export function tableInputProblems(
    raw: Record<string, unknown>,
): { property: string; reason: string }[] {
    const problems: { property: string; reason: string }[] = [];
    if (!containsUnknown(raw.gatewayUrl) && typeof raw.gatewayUrl !== "string") {
        problems.push({ property: "gatewayUrl", reason: "the SQL Gateway URL is required" });
    }
    if (
        raw.validateAs !== undefined &&
        !containsUnknown(raw.validateAs) &&
        !["source", "sink", "ddl"].includes(raw.validateAs as string)
    ) {
        problems.push({ property: "validateAs", reason: 'expected "source", "sink" or "ddl"' });
    }
    const forget = raw.forgetIfUnreachable;
    if (forget !== undefined && !containsUnknown(forget) && typeof forget !== "boolean") {
        problems.push({ property: "forgetIfUnreachable", reason: "expected true or false" });
    }
    if (DEFINITION_KEYS.some((key) => containsUnknown(raw[key]))) return problems;
    try {
        const inputs = raw as unknown as FlinkSqlTableInputs;
        const rendered = renderTable(inputs);
        if ((inputs.validateAs ?? "source") === "sink")
            renderValidation(rendered.definition, "sink");
    } catch (error) {
        if (isDefinitionError(error)) {
            problems.push({ property: error.property, reason: error.message });
        } else {
            problems.push({
                property: "columns",
                reason: error instanceof Error ? error.message : String(error),
            });
        }
    }
    return problems;
}

function outputsOf(inputs: FlinkSqlTableInputs, rendered: RenderedTable): FlinkSqlTableOutputs {
    return {
        ...inputs,
        ddl: rendered.ddl,
        qualifiedName: rendered.qualifiedName,
        persistent: rendered.persistent,
        sessionSql: rendered.sessionSql,
    };
}

export interface TableDiff {
    changes: boolean;
    replaces: string[];
    deleteBeforeReplace: boolean;
}

/**
 * Replace when the rendered DDL, the qualified name or the catalog differ (a table's definition
 * is immutable); an in-place update when only non-definition inputs or the spelling of the same
 * definition changed (type case, option order), which the update merely records.
 */
export function diffTable(
    olds: Partial<FlinkSqlTableOutputs>,
    news: Record<string, unknown>,
): TableDiff {
    const changed = INPUT_KEYS.filter((key) =>
        key === "forgetIfUnreachable"
            ? // Absent means false (states written before it existed have none).
              (olds[key] ?? false) !== (news[key] ?? false)
            : containsUnknown(news[key]) || stableJson(olds[key]) !== stableJson(news[key]),
    );
    if (changed.length === 0) return { changes: false, replaces: [], deleteBeforeReplace: false };
    const definitionChanged = changed.filter((key) =>
        (DEFINITION_KEYS as readonly string[]).includes(key),
    );
    if (definitionChanged.length === 0)
        return { changes: true, replaces: [], deleteBeforeReplace: false };
    let replace = true;
    let sameName = false;
    if (!definitionChanged.some((key) => containsUnknown(news[key]))) {
        try {
            const next = renderTable(news as unknown as FlinkSqlTableInputs);
            const oldDdl = olds.ddl ?? renderTable(olds as FlinkSqlTableInputs).ddl;
            sameName = next.qualifiedName === olds.qualifiedName;
            replace =
                next.ddl !== oldDdl ||
                !sameName ||
                stableJson(olds.catalog) !== stableJson(news.catalog);
        } catch {
            replace = true; // check reports the problem
        }
    }
    if (!replace) return { changes: true, replaces: [], deleteBeforeReplace: false };
    // Two tables with one name cannot coexist in a persistent catalog: drop the old one first.
    const persistent = olds.persistent === true || news.catalog !== undefined;
    return {
        changes: true,
        replaces: definitionChanged,
        deleteBeforeReplace: persistent && sameName,
    };
}

// ---------------------------------------------------------------------------------------------
// Live state of a table in a persistent catalog

export interface DescribeRow {
    name: string;
    type: string;
    null: boolean;
    key?: string | null;
    extras?: string | null;
    watermark?: string | null;
}

export interface LiveTable {
    columns: DescribeRow[];
    options: Record<string, string>;
}

/** The WITH options of a `SHOW CREATE TABLE` text. */
export function parseShowCreateTableOptions(ddl: string): Record<string, string> {
    const { tokens } = lexSql(ddl, "ddl");
    const options: Record<string, string> = {};
    let start = -1;
    for (let i = tokens.length - 2; i >= 0; i--) {
        if (
            tokens[i]!.kind === "word" &&
            tokens[i]!.text === "WITH" &&
            tokens[i + 1]!.text === "("
        ) {
            start = i + 2;
            break;
        }
    }
    if (start < 0) return options;
    for (let i = start; i + 2 < tokens.length; i += 4) {
        const key = tokens[i]!;
        const eq = tokens[i + 1]!;
        const value = tokens[i + 2]!;
        if (key.kind !== "string" || eq.text !== "=" || value.kind !== "string") break;
        options[key.text] = value.text;
        if (tokens[i + 3]?.text !== ",") break;
    }
    return options;
}

function comparableType(text: string): string {
    const cleaned = text.replace(/\s*\*(ROWTIME|PROCTIME)\*\s*$/, "").trim();
    try {
        const type = parseFlinkType(cleaned);
        return formatFlinkType(
            { ...type, nullable: true },
            { withoutDescriptions: true, timeAsStored: true },
        );
    } catch {
        return cleaned;
    }
}

function metadataExtras(column: FlinkColumn): string {
    const from =
        column.metadata?.key !== undefined ? ` FROM ${quoteString(column.metadata.key)}` : "";
    return `METADATA${from}${column.metadata?.virtual ? " VIRTUAL" : ""}`;
}

export interface TableDrift {
    /** Human-readable differences; empty when the live table matches. */
    differences: string[];
    /** The inputs rewritten to describe the live table (what `read` returns as inputs). */
    live: FlinkSqlTableInputs;
}

/**
 * Compares a definition with a live table (`DESCRIBE` rows, `SHOW CREATE TABLE` options). Types
 * are compared in Flink's summary form (so `VARCHAR` = `STRING`), computed-column and watermark
 * expressions only by presence (Flink re-prints them), options of `secretOptions` not at all
 * (catalogs may mask them).
 */
export function tableDrift(inputs: FlinkSqlTableInputs, live: LiveTable): TableDrift {
    const differences: string[] = [];
    const liveByName = new Map(live.columns.map((row) => [row.name, row]));
    const primaryKey = new Set(inputs.primaryKey ?? []);
    const columns: FlinkColumn[] = [];
    inputs.columns.forEach((column, index) => {
        const row = liveByName.get(column.name);
        if (!row) {
            differences.push(`column ${column.name} is missing`);
            return;
        }
        const kind = columnKind(column, `columns[${index}]`);
        const extras = row.extras ?? "";
        const liveKind = extras.startsWith("AS ")
            ? "computed"
            : extras.startsWith("METADATA")
              ? "metadata"
              : "physical";
        if (kind !== liveKind) {
            differences.push(`column ${column.name} is ${liveKind}, not ${kind}`);
            columns.push(
                liveKind === "computed"
                    ? { name: row.name, expression: extras.slice(3) }
                    : { name: row.name, type: row.type },
            );
            return;
        }
        if (kind === "computed") {
            columns.push(column);
            return;
        }
        const expected = columnType(column, `columns[${index}]`);
        const expectedType = formatFlinkType(
            { ...expected, nullable: true },
            { withoutDescriptions: true, timeAsStored: true },
        );
        const liveType = comparableType(row.type);
        const expectedNullable = expected.nullable && !primaryKey.has(column.name);
        const next: FlinkColumn = { ...column };
        if (liveType !== expectedType) {
            differences.push(`column ${column.name} has type ${liveType}, not ${expectedType}`);
            next.type = liveType;
        }
        if (row.null !== expectedNullable && !primaryKey.has(column.name)) {
            differences.push(`column ${column.name} is ${row.null ? "nullable" : "NOT NULL"}`);
            next.nullable = row.null;
            if (next.type !== undefined) next.type = next.type.replace(/\s+NOT NULL$/i, "");
        }
        if (kind === "metadata" && extras.replace(/\s+/g, " ") !== metadataExtras(column)) {
            differences.push(`column ${column.name} is ${extras}, not ${metadataExtras(column)}`);
        }
        columns.push(next);
    });
    const declared = new Set(inputs.columns.map((column) => column.name));
    for (const row of live.columns) {
        if (!declared.has(row.name)) {
            differences.push(`column ${row.name} is not in the definition`);
            columns.push({ name: row.name, type: comparableType(row.type), nullable: row.null });
        }
    }
    const liveOrder = live.columns.map((row) => row.name).filter((name) => declared.has(name));
    const declaredOrder = inputs.columns
        .map((column) => column.name)
        .filter((name) => liveByName.has(name));
    if (liveOrder.join("\u0000") !== declaredOrder.join("\u0000")) {
        differences.push(
            `columns are in the order ${live.columns.map((row) => row.name).join(", ")}`,
        );
    }
    const livePk = live.columns
        .map((row) => /^PRI\((.*)\)$/.exec(row.key ?? "")?.[1])
        .find((key) => key !== undefined);
    const livePrimaryKey = livePk ? livePk.split(",").map((name) => name.trim()) : undefined;
    if (stableJson(livePrimaryKey ?? null) !== stableJson(inputs.primaryKey ?? null)) {
        differences.push(`primary key is ${livePrimaryKey ? livePrimaryKey.join(", ") : "absent"}`);
    }
    const liveWatermark = live.columns.find((row) => row.watermark);
    let watermark = inputs.watermark;
    if ((liveWatermark?.name ?? null) !== (inputs.watermark?.column ?? null)) {
        differences.push(`watermark is ${liveWatermark ? `on ${liveWatermark.name}` : "absent"}`);
        watermark = liveWatermark
            ? { column: liveWatermark.name, expression: liveWatermark.watermark! }
            : undefined;
    }
    const secretKeys = new Set(Object.keys(inputs.secretOptions ?? {}));
    const options: Record<string, string> = {};
    for (const [key, value] of Object.entries(live.options)) {
        if (!secretKeys.has(key)) options[key] = value;
    }
    for (const key of new Set([...Object.keys(inputs.options), ...Object.keys(options)])) {
        if (inputs.options[key] !== options[key]) {
            differences.push(
                options[key] === undefined
                    ? `option '${key}' is missing`
                    : inputs.options[key] === undefined
                      ? `option '${key}' = '${options[key]}' is not in the definition`
                      : `option '${key}' is '${options[key]}', not '${inputs.options[key]}'`,
            );
        }
    }
    return {
        differences,
        live:
            differences.length === 0
                ? inputs
                : { ...inputs, columns, primaryKey: livePrimaryKey, watermark, options },
    };
}

/** DESCRIBE + SHOW CREATE TABLE of a table, in an open session. */
export async function inspectTable(
    gatewayUrl: string,
    session: string,
    parts: string[],
): Promise<LiveTable> {
    const name = qualifiedIdentifier(parts);
    const describe = resultObjects(await executeStatement(gatewayUrl, session, `DESCRIBE ${name}`));
    const show = await executeStatement(gatewayUrl, session, `SHOW CREATE TABLE ${name}`);
    const first = show.rows[0]?.[0];
    const ddl = typeof first === "string" ? first : "";
    return {
        columns: describe.map((row) => ({
            name: String(row.name),
            type: String(row.type),
            null: row.null === true,
            key: (row.key as string | null | undefined) ?? null,
            extras: (row.extras as string | null | undefined) ?? null,
            watermark: (row.watermark as string | null | undefined) ?? null,
        })),
        options: parseShowCreateTableOptions(ddl),
    };
}

/** Whether the table exists: `SHOW TABLES FROM catalog.database` (a missing database means no). */
export async function tableExists(
    gatewayUrl: string,
    session: string,
    parts: string[],
): Promise<boolean> {
    const [catalog, database, table] = parts;
    try {
        const result = await executeStatement(
            gatewayUrl,
            session,
            `SHOW TABLES FROM ${qualifiedIdentifier([catalog!, database!])}`,
        );
        return result.rows.some((row) => row[0] === table);
    } catch (error) {
        if (
            error instanceof Error &&
            /Database \S.* (?:doesn't|does not) exist/.test(error.message)
        ) {
            return false;
        }
        throw error;
    }
}

// ---------------------------------------------------------------------------------------------
// Provider

function sessionName(inputs: FlinkSqlTableInputs): string {
    return `pulumi-table-${inputs.name}`;
}

function prefixed(prefix: string, error: unknown): Error {
    const message = error instanceof Error ? error.message : String(error);
    return new Error(`${prefix}: ${message}`);
}

async function createTable(inputs: FlinkSqlTableInputs): Promise<FlinkSqlTableOutputs> {
    const rendered = renderTable(inputs);
    const validateAs = inputs.validateAs ?? "source";
    const parts = tableIdentifierParts(rendered.definition);
    await withSession(inputs.gatewayUrl, { name: sessionName(inputs) }, async (session) => {
        for (const statement of rendered.setup)
            await executeStatement(inputs.gatewayUrl, session, statement);
        if (rendered.persistent && (await tableExists(inputs.gatewayUrl, session, parts))) {
            throw new Error(
                `table ${rendered.qualifiedName} already exists in catalog ${parts[0]}; import it or drop it first`,
            );
        }
        try {
            await executeStatement(inputs.gatewayUrl, session, rendered.ddl);
        } catch (error) {
            throw prefixed(
                `Flink refused the definition of table ${rendered.qualifiedName}`,
                error,
            );
        }
        try {
            const described = resultObjects(
                await executeStatement(
                    inputs.gatewayUrl,
                    session,
                    `DESCRIBE ${qualifiedIdentifier(parts)}`,
                ),
            ).map((row) => String(row.name));
            const expected = inputs.columns.map((column) => column.name);
            if (described.join("\u0000") !== expected.join("\u0000")) {
                throw new Error(
                    `DESCRIBE shows the columns ${described.join(", ")}, expected ${expected.join(", ")}`,
                );
            }
            if (validateAs !== "ddl") {
                try {
                    await executeStatement(
                        inputs.gatewayUrl,
                        session,
                        renderValidation(rendered.definition, validateAs),
                    );
                } catch (error) {
                    throw prefixed(
                        `table ${rendered.qualifiedName} does not work as a ${validateAs}`,
                        error,
                    );
                }
            }
        } catch (error) {
            // Transactional create: a persistent table that failed validation is dropped again.
            if (rendered.persistent) {
                try {
                    await executeStatement(inputs.gatewayUrl, session, renderDropTable(parts));
                } catch {
                    // The error below is the one to report.
                }
            }
            throw error;
        }
    });
    return outputsOf(inputs, rendered);
}

async function readTable(
    id: string,
    props: FlinkSqlTableOutputs,
): Promise<pulumi.dynamic.ReadResult<FlinkSqlTableOutputs>> {
    if (!props.persistent || props.catalog === undefined) {
        // Nothing lives server-side: the stored definition is the resource.
        return { id, props };
    }
    const rendered = renderTable(props);
    const parts = tableIdentifierParts(rendered.definition);
    return withSession(props.gatewayUrl, { name: sessionName(props) }, async (session) => {
        for (const statement of rendered.setup)
            await executeStatement(props.gatewayUrl, session, statement);
        if (!(await tableExists(props.gatewayUrl, session, parts))) return {};
        const drift = tableDrift(props, await inspectTable(props.gatewayUrl, session, parts));
        if (drift.differences.length === 0) return { id, props };
        const live = pickInputs(drift.live);
        let liveDdl = rendered.ddl;
        try {
            liveDdl = renderTable(live).ddl;
        } catch {
            // A live shape outside our grammar: keep the recorded DDL, the inputs still differ.
        }
        return {
            id,
            props: { ...props, ...live, ddl: liveDdl },
            // The SDK types ReadResult.inputs as the outputs; the engine takes them as inputs.
            inputs: live as FlinkSqlTableOutputs,
        };
    });
}

function pickInputs(inputs: FlinkSqlTableInputs): FlinkSqlTableInputs {
    const picked: Record<string, unknown> = {};
    for (const key of INPUT_KEYS) {
        if (inputs[key] !== undefined) picked[key] = inputs[key];
    }
    return picked as unknown as FlinkSqlTableInputs;
}

async function deleteTable(props: FlinkSqlTableOutputs): Promise<void> {
    if (!props.persistent || props.catalog === undefined) return;
    const rendered = renderTable(props);
    try {
        await withSession(props.gatewayUrl, { name: sessionName(props) }, async (session) => {
            for (const statement of rendered.setup)
                await executeStatement(props.gatewayUrl, session, statement);
            await executeStatement(
                props.gatewayUrl,
                session,
                renderDropTable(tableIdentifierParts(rendered.definition)),
            );
        });
    } catch (error) {
        if (!nothingAnswered(error)) throw error;
        settleUnreachableDelete({
            resource: `Flink SQL table ${rendered.qualifiedName} (SQL Gateway ${props.gatewayUrl})`,
            noun: "table",
            service: "the SQL Gateway",
            forget: props.forgetIfUnreachable,
            error,
            context: `delete Flink SQL table ${rendered.qualifiedName}`,
        });
    }
}

// `export { … }`, not `export const`, as for every const a module uses itself: the uses stay
// local instead of reading `exports.X`, which Pulumi's closure serializer does not capture.
const tableProvider: pulumi.dynamic.ResourceProvider<FlinkSqlTableInputs, FlinkSqlTableOutputs> =
    wireSafe({
        // check and diff see raw inputs: possibly invalid, possibly unknown during a preview.
        check(_olds: FlinkSqlTableInputs, news: FlinkSqlTableInputs) {
            const raw = news as unknown as Record<string, unknown>;
            return Promise.resolve({ inputs: news, failures: tableInputProblems(raw) });
        },
        diff(_id: string, olds: FlinkSqlTableOutputs, news: FlinkSqlTableInputs) {
            return Promise.resolve(diffTable(olds, news as unknown as Record<string, unknown>));
        },
        async create(inputs: FlinkSqlTableInputs) {
            const outs = await createTable(inputs);
            return { id: outs.qualifiedName, outs };
        },
        async read(id: string, props?: FlinkSqlTableOutputs) {
            if (!props) return { id };
            return readTable(id, props);
        },
        update(_id: string, _olds: FlinkSqlTableOutputs, news: FlinkSqlTableInputs) {
            // Only non-definition inputs or the spelling of the same definition changed (see diff).
            return Promise.resolve({ outs: outputsOf(news, renderTable(news)) });
        },
        async delete(_id: string, props: FlinkSqlTableOutputs) {
            await deleteTable(props);
        },
    });
export { tableProvider };

/**
 * A Flink SQL table definition, validated by the SQL Gateway. Outputs: the inputs plus `ddl`,
 * `qualifiedName`, `persistent` and `sessionSql`. Pass the table (or its `sessionSql`) to a
 * FlinkSqlJob's `tables`.
 */
export class FlinkSqlTable extends pulumi.dynamic.Resource {
    declare public readonly gatewayUrl: pulumi.Output<string>;
    declare public readonly name: pulumi.Output<string>;
    declare public readonly database: pulumi.Output<string | undefined>;
    declare public readonly catalog: pulumi.Output<FlinkCatalog | undefined>;
    declare public readonly columns: pulumi.Output<FlinkColumn[]>;
    declare public readonly primaryKey: pulumi.Output<string[] | undefined>;
    declare public readonly watermark: pulumi.Output<FlinkWatermark | undefined>;
    declare public readonly comment: pulumi.Output<string | undefined>;
    declare public readonly options: pulumi.Output<Record<string, string>>;
    declare public readonly secretOptions: pulumi.Output<Record<string, string> | undefined>;
    declare public readonly validateAs: pulumi.Output<TableValidation | undefined>;
    declare public readonly forgetIfUnreachable: pulumi.Output<boolean | undefined>;
    declare public readonly ddl: pulumi.Output<string>;
    declare public readonly qualifiedName: pulumi.Output<string>;
    declare public readonly persistent: pulumi.Output<boolean>;
    declare public readonly sessionSql: pulumi.Output<string[]>;

    constructor(name: string, args: FlinkSqlTableArgs, opts?: pulumi.CustomResourceOptions) {
        const secretOutputs =
            args.secretOptions !== undefined ? ["ddl", "sessionSql", "secretOptions"] : [];
        super(
            tableProvider,
            name,
            {
                gatewayUrl: args.gatewayUrl,
                name: args.name ?? name,
                database: args.database,
                catalog: args.catalog,
                columns: args.columns,
                primaryKey: args.primaryKey,
                watermark: args.watermark,
                comment: args.comment,
                options: args.options,
                secretOptions: args.secretOptions,
                validateAs: args.validateAs,
                forgetIfUnreachable: args.forgetIfUnreachable,
                ddl: undefined,
                qualifiedName: undefined,
                persistent: undefined,
                sessionSql: undefined,
            },
            secretOutputs.length > 0
                ? pulumi.mergeOptions(opts, { additionalSecretOutputs: secretOutputs })
                : opts,
            "flink",
            "SqlTable",
        );
    }
}
