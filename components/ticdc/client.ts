/**
 * Typed calls to TiCDC's Open API v2 (ticdc-openapi-v2.md §1–§2), over the project's one HTTP
 * client (components/platform/http.ts).
 *
 * Numbers: TSOs are uint64 (≈4.5e17, above 2^53). Answers are parsed with lossless-json: an
 * integer that fits a double exactly becomes a `number`, a larger one a `bigint` (never a
 * rounded double); requests are written with lossless-json too, so a `bigint` goes out as an
 * unquoted JSON integer, which is what Go's uint64 decoding requires. At the Pulumi boundary
 * TSOs are decimal strings (`u64String` / `u64`), since Pulumi values cannot hold a bigint.
 *
 * Errors: TiCDC answers `{error_msg, error_code}`; the code, not the HTTP status, says what
 * happened (§1.4: "already exists" is 500 on classic, 400 on new-arch). `TicdcError` carries
 * both, in a message that names the operation. Secrets given in the connection are scrubbed from
 * every message.
 */
import { isInteger, isSafeNumber, parse, stringify } from "lossless-json";
import { redactUrl, send } from "../platform/http";
import { redactSinkUri } from "./sink";

export type U64 = number | bigint;

/** Where and how to reach TiCDC. */
export interface TicdcConnection {
    /** e.g. `http://127.0.0.1:8300` (no `/api/v2`). */
    apiUrl: string;
    /** Classic TiCDC namespace (`?namespace=`); absent = TiCDC's "default". */
    namespace?: string;
    /** New-architecture keyspace (`?keyspace=`); absent = "default". */
    keyspace?: string;
    basicAuth?: { user: string; password: string };
    /** Per-request timeout; default 30 s. */
    timeoutMs?: number;
    /** Retries of transient answers (server not ready, forwarding, coordinator starting); default 4. */
    retries?: number;
    retryDelayMs?: number;
    /** Values never to show in messages (passwords); basic-auth's password is added by itself. */
    secrets?: string[];
}

export interface RunningError {
    time?: string;
    addr?: string;
    code?: string;
    message?: string;
}

/** `ChangeFeedInfo` (§3.7); `sink_uri` is masked by TiCDC. */
export interface ChangefeedInfo {
    id?: string;
    namespace?: string;
    keyspace?: string;
    upstream_id?: U64;
    sink_uri?: string;
    create_time?: string;
    start_ts?: U64;
    target_ts?: U64;
    admin_job_type?: number;
    config?: Record<string, unknown>;
    state?: string;
    error?: RunningError | null;
    creator_version?: string;
    resolved_ts?: U64;
    checkpoint_ts?: U64;
    checkpoint_time?: string;
}

/** `ChangefeedStatus` (`GET …/status`, not in the classic swagger). */
export interface ChangefeedStatus {
    state?: string;
    checkpoint_ts?: U64;
    resolved_ts?: U64;
    last_error?: RunningError | null;
    last_warning?: RunningError | null;
}

/** `ChangefeedConfig` (§3.1): the create / update / verify body. */
export interface ChangefeedConfigBody {
    changefeed_id?: string;
    namespace?: string;
    start_ts?: bigint;
    target_ts?: bigint;
    sink_uri?: string;
    replica_config?: Record<string, unknown>;
}

export interface TableName {
    database_name: string;
    table_name: string;
    table_id?: U64;
    is_partition?: boolean;
}

/** `Tables`, the answer of `POST /verify_table`. */
export interface VerifyTablesResult {
    ineligible_tables?: TableName[];
    eligible_tables?: TableName[];
    all_tables?: TableName[];
}

// Exported with `export { … }`, not `export const`: tsc compiles this module's own uses of an
// exported const to `exports.X`, which Pulumi's closure serializer does not capture, so the
// deployed provider would read undefined (test/platform/serialized-providers.test.ts).
/** Codes meaning "no such changefeed" (§9). */
const NOT_FOUND_CODES = ["CDC:ErrChangeFeedNotExists"] as const;
export { NOT_FOUND_CODES };
/** Answers worth another try after a pause (§9). */
const TRANSIENT_CODES = [
    "CDC:ErrServerIsNotReady",
    "CDC:ErrRequestForwardErr",
    "CDC:ErrChangeFeedDeletionUnfinished",
] as const;
export { TRANSIENT_CODES };
const TRANSIENT_MESSAGES = /not fully initialized|cluster is unavailable|wait a moment/i;

/** TiCDC said no (or could not be reached): what was tried, and TiCDC's own code and message. */
export interface TicdcError extends Error {
    name: "TicdcError";
    /** e.g. `create changefeed "orders"`. */
    operation: string;
    /** HTTP status; undefined when TiCDC was not reached. */
    status: number | undefined;
    /** TiCDC's `error_code`, e.g. `CDC:ErrChangeFeedAlreadyExists` ("" when none). */
    errorCode: string;
    /** TiCDC's `error_msg` (scrubbed). */
    errorMsg: string;
    /** TiCDC did not answer at all (down, refused, timed out). */
    unreachable: boolean;
}

/**
 * A plain Error with fields, not a subclass: the Changefeed provider's closure is serialized,
 * and Pulumi turns classes into functions whose `super(message)` no longer sets `message`.
 */
export function ticdcError(
    message: string,
    operation: string,
    status: number | undefined,
    errorCode: string,
    errorMsg: string,
): TicdcError {
    return Object.assign(new Error(message), {
        name: "TicdcError" as const,
        operation,
        status,
        errorCode,
        errorMsg,
        unreachable: status === undefined,
    });
}

export function isTicdcError(err: unknown): err is TicdcError {
    return err instanceof Error && err.name === "TicdcError";
}

/** Whether an error says the changefeed does not exist. */
export function isNotFound(err: unknown): boolean {
    if (!isTicdcError(err)) return false;
    return (
        (NOT_FOUND_CODES as readonly string[]).includes(err.errorCode) ||
        (err.errorCode === "" && /ErrChangeFeedNotExists/.test(err.errorMsg))
    );
}

/** Whether an error is TiCDC's `error_code` (or, with an empty code, its message names it). */
export function hasErrorCode(err: unknown, code: string): boolean {
    return (
        isTicdcError(err) &&
        (err.errorCode === code || (err.errorCode === "" && err.errorMsg.includes(code)))
    );
}

function isTransient(err: TicdcError): boolean {
    if ((TRANSIENT_CODES as readonly string[]).includes(err.errorCode)) return true;
    if (err.status === 503) return true;
    return err.errorCode === "" && err.status === 500 && TRANSIENT_MESSAGES.test(err.errorMsg);
}

// ---------------------------------------------------------------------------------------------
// Lossless JSON and uint64
// ---------------------------------------------------------------------------------------------

/** lossless-json number parser: exact integers stay numbers, larger ones become bigint. */
export function parseTicdcNumber(text: string): number | bigint {
    if (isInteger(text)) return isSafeNumber(text) ? Number(text) : BigInt(text);
    return Number.parseFloat(text);
}

/** Parse a TiCDC answer without losing uint64 precision. */
export function parseTicdcJson(text: string): unknown {
    return parse(text, null, parseTicdcNumber);
}

/** Serialize a request; `bigint` values are written as plain JSON integers. */
export function stringifyTicdcJson(value: unknown): string {
    return stringify(value) ?? "null";
}

const U64_MAX = (1n << 64n) - 1n;

/** A decimal uint64 string as a bigint (throws on anything else). */
export function u64(text: string, what = "timestamp"): bigint {
    if (typeof text !== "string" || !/^[0-9]{1,20}$/.test(text)) {
        throw new Error(`${what} must be a decimal uint64 string, got ${JSON.stringify(text)}`);
    }
    const value = BigInt(text);
    if (value > U64_MAX) throw new Error(`${what} ${text} is larger than 2^64-1`);
    return value;
}

/** A uint64 from TiCDC as a decimal string (undefined when absent). */
export function u64String(value: unknown): string | undefined {
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "number" && Number.isInteger(value)) return BigInt(value).toString();
    if (typeof value === "string" && /^[0-9]+$/.test(value)) return value;
    return undefined;
}

/** The physical time of a TSO (its upper 46 bits are Unix milliseconds). */
export function tsoTime(tso: bigint | string): Date {
    return new Date(Number(BigInt(tso) >> 18n));
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

type Method = "GET" | "POST" | "PUT" | "DELETE";

function scrub(conn: TicdcConnection, text: string): string {
    let result = redactSinkUri(text);
    const secrets = [...(conn.secrets ?? []), conn.basicAuth?.password ?? ""];
    for (const secret of secrets) {
        if (secret.length >= 3) result = result.split(secret).join("***");
    }
    return result;
}

function scopeQuery(conn: TicdcConnection): string {
    if (conn.keyspace) return `?keyspace=${encodeURIComponent(conn.keyspace)}`;
    if (conn.namespace) return `?namespace=${encodeURIComponent(conn.namespace)}`;
    return "";
}

export function apiUrl(conn: TicdcConnection, path: string, scoped = true): string {
    const base = conn.apiUrl.replace(/\/+$/, "");
    return `${base}/api/v2/${path}${scoped ? scopeQuery(conn) : ""}`;
}

function changefeedPath(id: string, suffix = ""): string {
    return `changefeeds/${encodeURIComponent(id)}${suffix}`;
}

interface Call {
    method: Method;
    path: string;
    operation: string;
    body?: unknown;
    scoped?: boolean;
    /** Answer statuses that are not errors but "this route does not exist" (returns undefined). */
    missingRouteIsUndefined?: boolean;
}

/** One API call: retries transient answers, maps errors, returns the parsed body. */
async function request(conn: TicdcConnection, call: Call): Promise<unknown> {
    const url = apiUrl(conn, call.path, call.scoped ?? true);
    const retries = conn.retries ?? 4;
    for (let attempt = 0; ; attempt++) {
        try {
            return await requestOnce(conn, call, url);
        } catch (err) {
            if (!isTicdcError(err) || !isTransient(err) || attempt >= retries) throw err;
            const delay = (conn.retryDelayMs ?? 1000) * (attempt + 1);
            await new Promise((resolve) => setTimeout(resolve, delay));
        }
    }
}

async function requestOnce(conn: TicdcConnection, call: Call, url: string): Promise<unknown> {
    let status: number;
    let body: unknown;
    try {
        const response = await send({
            method: call.method,
            url,
            body: call.body,
            basicAuth: conn.basicAuth,
            timeoutMs: conn.timeoutMs ?? 30_000,
            parse: parseTicdcJson,
            stringify: stringifyTicdcJson,
        });
        status = response.status;
        body = response.body;
    } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw ticdcError(
            `TiCDC at ${redactUrl(conn.apiUrl)} could not be reached to ${call.operation}: ${scrub(conn, reason)}`,
            call.operation,
            undefined,
            "",
            scrub(conn, reason),
        );
    }
    if (status >= 200 && status <= 299) return body;
    const envelope = errorEnvelope(body);
    if (call.missingRouteIsUndefined && status === 404 && envelope === undefined) {
        return undefined;
    }
    const code = envelope?.code ?? "";
    const msg = scrub(conn, envelope?.message ?? excerpt(body));
    const where = `HTTP ${status} from ${call.method} ${redactUrl(url)}`;
    const verb = status === 401 ? "did not let us" : code !== "" ? "refused to" : "failed to";
    const detail = code !== "" ? `${code} — ${msg}` : msg || "(empty answer)";
    throw ticdcError(
        `TiCDC ${verb} ${call.operation}: ${detail} (${where})`,
        call.operation,
        status,
        code,
        msg,
    );
}

function errorEnvelope(body: unknown): { code: string; message: string } | undefined {
    if (typeof body !== "object" || body === null) return undefined;
    const b = body as Record<string, unknown>;
    if (typeof b.error_msg !== "string" && typeof b.error_code !== "string") return undefined;
    return {
        code: typeof b.error_code === "string" ? b.error_code : "",
        message: typeof b.error_msg === "string" ? b.error_msg : "",
    };
}

function excerpt(body: unknown): string {
    if (body === undefined) return "";
    const text = typeof body === "string" ? body : stringifyTicdcJson(body);
    return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

function asObject<T>(body: unknown, operation: string): T {
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
        throw ticdcError(
            `TiCDC answered ${operation} with something that is not a JSON object: ${excerpt(body)}`,
            operation,
            200,
            "",
            excerpt(body),
        );
    }
    return body as T;
}

// ---------------------------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------------------------

/** `GET /changefeeds/{id}`; undefined when TiCDC says it does not exist. */
export async function getChangefeed(
    conn: TicdcConnection,
    id: string,
): Promise<ChangefeedInfo | undefined> {
    const operation = `read changefeed "${id}"`;
    try {
        const body = await request(conn, { method: "GET", path: changefeedPath(id), operation });
        return asObject<ChangefeedInfo>(body, operation);
    } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
    }
}

/**
 * `GET /changefeeds/{id}/status` (classic ≥ v7 and new-arch; not in the classic swagger);
 * undefined when the server lacks the route or the changefeed.
 */
export async function getChangefeedStatus(
    conn: TicdcConnection,
    id: string,
): Promise<ChangefeedStatus | undefined> {
    const operation = `read the status of changefeed "${id}"`;
    try {
        const body = await request(conn, {
            method: "GET",
            path: changefeedPath(id, "/status"),
            operation,
            missingRouteIsUndefined: true,
        });
        return body === undefined ? undefined : asObject<ChangefeedStatus>(body, operation);
    } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
    }
}

/** `ChangefeedCommonInfo` (§3.7): one entry of `GET /changefeeds`. */
export interface ChangefeedSummary {
    id?: string;
    namespace?: string;
    keyspace?: string;
    state?: string;
    checkpoint_tso?: U64;
    checkpoint_time?: string;
    error?: RunningError | null;
}

/** `GET /changefeeds`: the changefeeds of the connection's namespace / keyspace. */
export async function listChangefeeds(conn: TicdcConnection): Promise<ChangefeedSummary[]> {
    const operation = "list changefeeds";
    const body = await request(conn, { method: "GET", path: "changefeeds", operation });
    const items = asObject<{ items?: unknown }>(body, operation).items;
    return Array.isArray(items) ? (items as ChangefeedSummary[]) : [];
}

/** `POST /changefeeds`. */
export async function createChangefeed(
    conn: TicdcConnection,
    config: ChangefeedConfigBody,
): Promise<ChangefeedInfo> {
    const operation = `create changefeed "${config.changefeed_id ?? ""}"`;
    const body = await request(conn, {
        method: "POST",
        path: "changefeeds",
        operation,
        body: config,
    });
    return asObject<ChangefeedInfo>(body, operation);
}

/** `PUT /changefeeds/{id}` (the changefeed must be stopped or failed). */
export async function updateChangefeed(
    conn: TicdcConnection,
    id: string,
    config: ChangefeedConfigBody,
): Promise<ChangefeedInfo> {
    const operation = `update changefeed "${id}"`;
    const body = await request(conn, {
        method: "PUT",
        path: changefeedPath(id),
        operation,
        body: config,
    });
    return asObject<ChangefeedInfo>(body, operation);
}

/** `POST /changefeeds/{id}/pause` (no body). */
export async function pauseChangefeed(conn: TicdcConnection, id: string): Promise<void> {
    await request(conn, {
        method: "POST",
        path: changefeedPath(id, "/pause"),
        operation: `pause changefeed "${id}"`,
    });
}

/**
 * `POST /changefeeds/{id}/resume` with `{}` (classic rejects an empty body): resumes from the
 * changefeed's own checkpoint. `overwriteCheckpointTs` moves it, skipping or replaying data.
 */
export async function resumeChangefeed(
    conn: TicdcConnection,
    id: string,
    overwriteCheckpointTs?: bigint,
): Promise<void> {
    await request(conn, {
        method: "POST",
        path: changefeedPath(id, "/resume"),
        operation: `resume changefeed "${id}"`,
        body:
            overwriteCheckpointTs === undefined
                ? {}
                : { overwrite_checkpoint_ts: overwriteCheckpointTs },
    });
}

/** `DELETE /changefeeds/{id}`; a changefeed that does not exist counts as deleted. */
export async function deleteChangefeed(conn: TicdcConnection, id: string): Promise<void> {
    try {
        await request(conn, {
            method: "DELETE",
            path: changefeedPath(id),
            operation: `delete changefeed "${id}"`,
        });
    } catch (err) {
        if (!isNotFound(err) && !(isTicdcError(err) && err.status === 404)) throw err;
    }
}

/** `POST /tso`: the current TSO, or undefined when the server has no such route. */
export async function currentTso(conn: TicdcConnection): Promise<bigint | undefined> {
    const operation = "read the current TSO";
    const body = await request(conn, {
        method: "POST",
        path: "tso",
        operation,
        body: {},
        scoped: false,
        missingRouteIsUndefined: true,
    });
    if (body === undefined) return undefined;
    const tso = asObject<{ timestamp?: U64; logic_time?: U64 }>(body, operation);
    if (tso.timestamp === undefined) return undefined;
    return (BigInt(tso.timestamp) << 18n) + BigInt(tso.logic_time ?? 0);
}

/**
 * `POST /verify_table`: which tables the filter selects and whether TiCDC can replicate them;
 * undefined when the server has no such route.
 */
export async function verifyTables(
    changefeedId: string,
    conn: TicdcConnection,
    config: Pick<ChangefeedConfigBody, "sink_uri" | "start_ts" | "replica_config">,
): Promise<VerifyTablesResult | undefined> {
    const operation = `verify the tables of changefeed "${changefeedId}"`;
    const body = await request(conn, {
        method: "POST",
        path: "verify_table",
        operation,
        body: config,
        scoped: false,
        missingRouteIsUndefined: true,
    });
    return body === undefined ? undefined : asObject<VerifyTablesResult>(body, operation);
}
