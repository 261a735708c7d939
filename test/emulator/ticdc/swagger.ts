/**
 * Contract checks against the real TiCDC Open API v2 swagger 2.0 spec (classic TiCDC, tiflow
 * `docs/swagger/swagger.json`), read from ../shared/ticdc-swagger (relative to the project root,
 * never copied).
 *
 * Every `/api/v2` operation gets an Ajv validator for its body parameter and one per declared
 * response status. Swagger 2.0 schemas are JSON Schema draft-4 subsets; the conversion wraps the
 * spec's `definitions` into one schema document (so `#/definitions/...` refs resolve) and
 * rewrites the few constructs that need it:
 *
 * - **uint64 without precision loss**: bodies are parsed with lossless-json (json.ts) so every
 *   integer literal is a `bigint` and every other number a `number`. `type: integer` becomes the
 *   custom keyword `goInt`, which accepts a `bigint` in the int64 ∪ uint64 range and rejects
 *   `1.5`, `1.0` or `1e3` (Go's decoder rejects those for integer fields too). Ajv never sees a
 *   rounded double, so a TSO of 2^62 + 1 is checked (and kept) exactly.
 * - **spec errata** (`ERRATA`): places where the swag-generated spec contradicts the handlers it
 *   was generated from. Each is narrow, named and explained; everything else is checked as written.
 *
 * Routes the emulator serves that the spec does not describe (`GET .../{id}/status`,
 * `POST /verify_table`, `POST /tso`, `GET .../{id}/meta_info`) are in `EXTRA_OPERATIONS`: their
 * envelopes are NOT in this swagger, so only the parts built from spec definitions are checked
 * (e.g. `replica_config` against `v2.ReplicaConfig`, `last_error` against `v2.RunningError`).
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import * as fs from "node:fs";
import * as path from "node:path";
import { isJsonObject, type JsonObject, type JsonValue, parseJson, toJsonValue } from "./json";

export const SWAGGER_PATH = path.resolve(
    __dirname,
    "../../../../shared/ticdc-swagger/swagger.json",
);

type Schema = { [key: string]: unknown };

interface SwaggerParameter {
    in: "body" | "query" | "path" | "header" | "formData";
    name: string;
    required?: boolean;
    type?: string;
    schema?: Schema;
}

interface SwaggerOperation {
    parameters?: SwaggerParameter[];
    consumes?: string[];
    responses: Record<string, { description?: string; schema?: Schema }>;
}

interface SwaggerDocument {
    swagger: string;
    paths: Record<string, Record<string, SwaggerOperation>>;
    definitions: Record<string, Schema>;
}

/** One operation: `path` is the swagger template, e.g. `/api/v2/changefeeds/{changefeed_id}`. */
export interface Operation {
    method: string;
    path: string;
    /** false for the routes in EXTRA_OPERATIONS (not in the swagger). */
    inSpec: boolean;
    /** Validator of the body parameter; undefined when the operation declares none. */
    body?: { required: boolean; validate: ValidateFunction; schema: Schema; consumes: string[] };
    /** Validators per declared status; `null` means "declared, no schema we can check". */
    responses: Map<number, ValidateFunction | null>;
    pattern: RegExp;
}

/**
 * Where the spec contradicts the code it was generated from (tiflow `cdc/api/v2`). Each entry is
 * applied by `convert` or `responseValidator` below.
 */
export const ERRATA = {
    listEnvelope:
        "GET /changefeeds, /captures and /processors are annotated `{array}`, but the handlers " +
        "return `ListResponse[T]` = {total, items}; the declared array is checked as `items`.",
    jsonDuration:
        "`v2.JSONDuration` is declared `{type: object}` and `sync_point_interval`/" +
        "`sync_point_retention` `{type: string}`, but `JSONDuration.MarshalJSON` writes integer " +
        "nanoseconds and `UnmarshalJSON` accepts a number (ns) or a Go duration string: both forms " +
        "are accepted in both directions.",
    goNil:
        "Go writes nil pointers and slices as `null` when the field has no `omitempty` (e.g. " +
        "`ChangefeedCommonInfo.error`, `EventFilterRule.matcher`, `SinkConfig.content_compatible` " +
        "after an update without it); swagger 2.0 cannot say nullable. Object- and array-typed " +
        "properties, and those two scalar pointers, accept null (Go also accepts null on input).",
    middlewareStatuses:
        "401 (`AuthenticateMiddleware`: CDC:ErrUnauthorized / CDC:ErrCredentialNotFound) and 503 " +
        "(`CheckServerReadyMiddleware`: CDC:ErrServerIsNotReady) are not declared on any operation; " +
        "they are checked against `model.HTTPError`.",
} as const;

const NULLABLE_SCALARS = new Set([
    "v2.SinkConfig.delete_only_output_handle_key_columns",
    "v2.SinkConfig.content_compatible",
]);
const DURATION_PROPERTIES = new Set([
    "v2.ReplicaConfig.sync_point_interval",
    "v2.ReplicaConfig.sync_point_retention",
]);
const LIST_OPERATIONS = new Set([
    "GET /api/v2/changefeeds",
    "GET /api/v2/captures",
    "GET /api/v2/processors",
]);

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

const DURATION_SCHEMA: Schema = { anyOf: [{ goInt: true }, { type: "string" }] };

/** Swagger 2.0 schema node → JSON Schema for our Ajv (see the file comment). */
function convert(node: unknown, owner?: string): unknown {
    if (Array.isArray(node)) return node.map((n) => convert(n));
    if (!isPlainObject(node)) return node;
    if (node.$ref === "#/definitions/v2.JSONDuration") return DURATION_SCHEMA;
    const out: Schema = {};
    for (const [key, value] of Object.entries(node)) {
        if (key === "type" && value === "integer") out.goInt = true;
        else if (key === "type" && value === "number") out.goNumber = true;
        else if (key === "properties" && isPlainObject(value)) {
            const props: Schema = {};
            for (const [name, prop] of Object.entries(value)) {
                const qualified = owner ? `${owner}.${name}` : name;
                let converted = DURATION_PROPERTIES.has(qualified)
                    ? DURATION_SCHEMA
                    : (convert(prop) as Schema);
                if (owner && isGoNullable(prop as Schema, qualified)) {
                    converted = { anyOf: [converted, { type: "null" }] };
                }
                props[name] = converted;
            }
            out.properties = props;
        } else out[key] = convert(value);
    }
    return out;
}

function isGoNullable(prop: Schema, qualified: string): boolean {
    return (
        NULLABLE_SCALARS.has(qualified) ||
        typeof prop.$ref === "string" ||
        prop.type === "array" ||
        (prop.type === "object" && prop.additionalProperties !== undefined)
    );
}

function isPlainObject(value: unknown): value is Schema {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
ajv.addKeyword({
    keyword: "goInt",
    schemaType: "boolean",
    validate: (_schema: boolean, data: unknown) =>
        typeof data === "bigint" && data >= INT64_MIN && data <= UINT64_MAX,
});
ajv.addKeyword({
    keyword: "goNumber",
    schemaType: "boolean",
    validate: (_schema: boolean, data: unknown) =>
        typeof data === "bigint" || (typeof data === "number" && Number.isFinite(data)),
});

let loaded: { operations: Operation[]; definitions: Record<string, Schema> } | undefined;

const ROOT_ID = "ticdc-swagger";

function ref(definition: string): Schema {
    return { $ref: `${ROOT_ID}#/definitions/${definition}` };
}

/** `#/definitions/x` → `ticdc-swagger#/definitions/x` everywhere in a (converted) schema. */
function rebase(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(rebase);
    if (!isPlainObject(node)) return node;
    const out: Schema = {};
    for (const [key, value] of Object.entries(node)) {
        out[key] =
            key === "$ref" && typeof value === "string" && value.startsWith("#/")
                ? `${ROOT_ID}${value}`
                : rebase(value);
    }
    return out;
}

function templateToRegExp(template: string): RegExp {
    const source = template
        .split("/")
        .map((segment) =>
            /^\{[^}]+\}$/.test(segment) ? "([^/]+)" : segment.replace(/[.*+?^$()|[\]\\]/g, "\\$&"),
        )
        .join("/");
    return new RegExp(`^${source}/?$`);
}

function compile(schema: Schema): ValidateFunction {
    return ajv.compile(rebase(schema) as Schema);
}

const HTTP_ERROR = ref("model.HTTPError");
let httpError: ValidateFunction | undefined;
function httpErrorValidator(): ValidateFunction {
    load();
    httpError ??= compile(HTTP_ERROR);
    return httpError;
}

/**
 * The emulator's routes that are not in the swagger. Only spec definitions are used: the parts
 * not covered by a definition are left unchecked (`{}`), and a `null` response means "no part of
 * this answer is described by the spec".
 */
function extraOperations(definitions: Record<string, Schema>): Operation[] {
    const prop = (definition: string, name: string): Schema => {
        const props = definitions[definition]?.properties as Record<string, Schema> | undefined;
        const schema = props?.[name];
        if (!schema) throw new Error(`swagger has no ${definition}.${name}`);
        return schema;
    };
    const pdFields = ["pd_addrs", "ca_path", "cert_path", "key_path", "cert_allowed_cn"];
    const changefeedConfig = (name: string) => prop("v2.ChangefeedConfig", name);
    const errors = (): Map<number, ValidateFunction | null> =>
        new Map([
            [400, compile(HTTP_ERROR)],
            [500, compile(HTTP_ERROR)],
        ]);
    const op = (
        method: string,
        template: string,
        body: Schema | undefined,
        ok: Schema | null,
        bodyRequired = true,
    ): Operation => {
        const responses = errors();
        responses.set(200, ok ? compile(ok) : null);
        return {
            method,
            path: template,
            inSpec: false,
            body: body
                ? {
                      required: bodyRequired,
                      validate: compile(body),
                      schema: body,
                      consumes: ["application/json"],
                  }
                : undefined,
            responses,
            pattern: templateToRegExp(template),
        };
    };
    return [
        // ChangefeedStatus{state, resolved_ts, checkpoint_ts, last_error?, last_warning?}: the
        // envelope is not in the spec; its fields have the types of the same-named fields of
        // v2.ChangeFeedInfo and v2.RunningError, which are.
        op("GET", "/api/v2/changefeeds/{changefeed_id}/status", undefined, {
            type: "object",
            properties: {
                state: prop("v2.ChangeFeedInfo", "state"),
                resolved_ts: prop("v2.ChangeFeedInfo", "resolved_ts"),
                checkpoint_ts: prop("v2.ChangeFeedInfo", "checkpoint_ts"),
                last_error: ref("v2.RunningError"),
                last_warning: ref("v2.RunningError"),
            },
        }),
        // Classic keeps this "todo: remove" route: the GET answer without masking.
        op(
            "GET",
            "/api/v2/changefeeds/{changefeed_id}/meta_info",
            undefined,
            ref("v2.ChangeFeedInfo"),
        ),
        // VerifyTableConfig = PDConfig + replica_config + start_ts + sink_uri (same Go types as in
        // v2.ChangefeedConfig); the answer `Tables` is not in the spec.
        op(
            "POST",
            "/api/v2/verify_table",
            {
                type: "object",
                properties: {
                    replica_config: changefeedConfig("replica_config"),
                    start_ts: changefeedConfig("start_ts"),
                    sink_uri: changefeedConfig("sink_uri"),
                    ...Object.fromEntries(pdFields.map((f) => [f, changefeedConfig(f)])),
                },
            },
            null,
        ),
        // UpstreamConfig{id, PDConfig}; the answer `Tso` is not in the spec.
        op(
            "POST",
            "/api/v2/tso",
            {
                type: "object",
                properties: {
                    id: changefeedConfig("start_ts"),
                    ...Object.fromEntries(pdFields.map((f) => [f, changefeedConfig(f)])),
                },
            },
            null,
        ),
    ];
}

function load(): { operations: Operation[]; definitions: Record<string, Schema> } {
    if (loaded) return loaded;
    const doc = JSON.parse(fs.readFileSync(SWAGGER_PATH, "utf8")) as SwaggerDocument;
    if (doc.swagger !== "2.0") throw new Error(`${SWAGGER_PATH}: not a swagger 2.0 document`);
    const definitions: Record<string, Schema> = {};
    for (const [name, schema] of Object.entries(doc.definitions)) {
        definitions[name] = convert(schema, name) as Schema;
    }
    ajv.addSchema({ $id: ROOT_ID, definitions: rebase(definitions) as Schema });

    const operations: Operation[] = [];
    for (const [template, methods] of Object.entries(doc.paths)) {
        if (!template.startsWith("/api/v2/")) continue;
        for (const [lower, spec] of Object.entries(methods)) {
            const method = lower.toUpperCase();
            const key = `${method} ${template}`;
            const bodyParam = spec.parameters?.find((p) => p.in === "body");
            let body: Operation["body"];
            if (bodyParam?.schema) {
                const schema = convert(bodyParam.schema) as Schema;
                body = {
                    required: bodyParam.required === true,
                    validate: compile(schema),
                    schema,
                    consumes: spec.consumes ?? ["application/json"],
                };
            }
            const responses = new Map<number, ValidateFunction | null>();
            for (const [status, response] of Object.entries(spec.responses)) {
                let schema = response.schema ? (convert(response.schema) as Schema) : undefined;
                if (schema && status === "200" && LIST_OPERATIONS.has(key)) {
                    // ERRATA.listEnvelope
                    schema = {
                        type: "object",
                        required: ["total", "items"],
                        properties: { total: { goInt: true }, items: schema },
                    };
                }
                responses.set(Number(status), schema ? compile(schema) : null);
            }
            operations.push({
                method,
                path: template,
                inSpec: true,
                body,
                responses,
                pattern: templateToRegExp(template),
            });
        }
    }
    operations.push(...extraOperations(definitions));
    // Literal segments beat parameters (`/changefeeds/{id}/status` vs `/processors/{a}/{b}`).
    operations.sort((a, b) => literalWeight(b.path) - literalWeight(a.path));
    loaded = { operations, definitions };
    return loaded;
}

function literalWeight(template: string): number {
    return template.split("/").filter((s) => s !== "" && !s.startsWith("{")).length;
}

/** The operation serving `method path` (query string ignored), or undefined. */
export function findOperation(method: string, urlPath: string): Operation | undefined {
    const pathname = urlPath.split("?")[0] ?? "";
    return load().operations.find(
        (op) => op.method === method.toUpperCase() && op.pattern.test(pathname),
    );
}

/** All /api/v2 operations of the swagger plus EXTRA_OPERATIONS (for tests and docs). */
export function operations(): readonly Operation[] {
    return load().operations;
}

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const e of errors ?? []) {
        let message = e.message ?? "is invalid";
        if (e.keyword === "goInt") message = "must be a JSON integer literal (Go int64/uint64)";
        if (e.keyword === "goNumber") message = "must be a JSON number";
        // anyOf branches repeat themselves; the anyOf line itself says enough.
        if (e.keyword === "type" && e.params.type === "null") continue;
        const line = `${e.instancePath || "/"} ${message}`;
        if (!seen.has(line)) {
            seen.add(line);
            out.push(line);
        }
    }
    return out;
}

function toBody(body: unknown): { value?: JsonValue; error?: string } {
    if (typeof body === "string") {
        try {
            return { value: parseJson(body) };
        } catch (error) {
            return { error: `body is not valid JSON: ${(error as Error).message}` };
        }
    }
    if (Buffer.isBuffer(body)) return toBody(body.toString("utf8"));
    return { value: toJsonValue(body) };
}

function undeclaredFields(schema: unknown, value: JsonValue, at: string): string[] {
    const node = resolve(schema);
    if (!node) return [];
    if (Array.isArray(node.anyOf)) {
        const branch = (node.anyOf as unknown[])
            .map(resolve)
            .find((b) => (Array.isArray(value) ? b?.items : b?.properties));
        return branch ? undeclaredFields(branch, value, at) : [];
    }
    if (Array.isArray(value)) {
        return node.items
            ? value.flatMap((v, i) => undeclaredFields(node.items, v, `${at}/${i}`))
            : [];
    }
    if (!isJsonObject(value) || !isPlainObject(node.properties)) return [];
    const properties = node.properties;
    return Object.entries(value).flatMap(([key, v]) =>
        key in properties ? undeclaredFields(properties[key], v, `${at}/${key}`) : [`${at}/${key}`],
    );
}

function resolve(schema: unknown): Schema | undefined {
    if (!isPlainObject(schema)) return undefined;
    const target = schema.$ref;
    if (typeof target === "string") {
        const name = target.replace(/^.*#\/definitions\//, "");
        return load().definitions[name];
    }
    return schema;
}

export interface RequestCheckOptions {
    /** The Content-Type header; checked against the operation's `consumes` when a body is sent. */
    contentType?: string;
    /**
     * Report body fields the spec does not declare (default true). TiCDC (gin `BindJSON`) ignores
     * them silently, so a misspelt or removed field (e.g. `enable_old_value`) would have no effect.
     */
    undeclaredFields?: boolean;
}

/**
 * Problems of a request against the spec; empty when it conforms. `body` is the raw JSON text,
 * a Buffer, a JavaScript value, or undefined for "no body".
 */
export function validateRequest(
    method: string,
    urlPath: string,
    body: unknown,
    options: RequestCheckOptions = {},
): string[] {
    const op = findOperation(method, urlPath);
    const where = `request ${method.toUpperCase()} ${urlPath.split("?")[0]}`;
    if (!op) return [`${where}: no such operation in the TiCDC v2 swagger`];
    const empty = body === undefined || (typeof body === "string" && body.trim() === "");
    if (!op.body) return [];
    if (empty) return op.body.required ? [`${where}: a JSON body is required`] : [];
    const problems: string[] = [];
    if (options.contentType !== undefined) {
        const type = options.contentType.split(";")[0]?.trim().toLowerCase();
        if (!op.body.consumes.includes(type ?? "")) {
            problems.push(
                `${where}: Content-Type ${JSON.stringify(options.contentType)} is not one of ${op.body.consumes.join(", ")}`,
            );
        }
    }
    const parsed = toBody(body);
    if (parsed.error !== undefined) return [...problems, `${where}: ${parsed.error}`];
    const value = parsed.value as JsonValue;
    if (!op.body.validate(value)) {
        problems.push(...formatErrors(op.body.validate.errors).map((e) => `${where}: body ${e}`));
    }
    if (options.undeclaredFields !== false) {
        for (const field of undeclaredFields(op.body.schema, value, "")) {
            problems.push(
                `${where}: body field ${field} is not declared by the spec (TiCDC ignores it)`,
            );
        }
    }
    return problems;
}

/** Problems of a response against the spec; empty when it conforms. */
export function validateResponse(
    method: string,
    urlPath: string,
    status: number,
    body: unknown,
): string[] {
    const op = findOperation(method, urlPath);
    const where = `response ${status} to ${method.toUpperCase()} ${urlPath.split("?")[0]}`;
    if (!op) return [`${where}: no such operation in the TiCDC v2 swagger`];
    let validate = op.responses.get(status);
    if (validate === undefined) {
        if (status === 401 || status === 503)
            validate = httpErrorValidator(); // ERRATA.middlewareStatuses
        else {
            return [
                `${where}: status ${status} is not declared (declared: ${[...op.responses.keys()].join(", ")})`,
            ];
        }
    }
    if (validate === null) return [];
    const parsed = toBody(body);
    if (parsed.error !== undefined) return [`${where}: ${parsed.error}`];
    if (validate(parsed.value)) return [];
    return formatErrors(validate.errors).map((e) => `${where}: body ${e}`);
}

/** The converted definition (for tests that want to look at what is checked). */
export function definition(name: string): JsonObject | undefined {
    return load().definitions[name] as JsonObject | undefined;
}
