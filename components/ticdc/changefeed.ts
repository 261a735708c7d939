/**
 * A TiCDC changefeed to Kafka as a Pulumi dynamic resource, over TiCDC's Open API v2
 * (ticdc-openapi-v2.md; lifecycle after cockroach-extra's changefeed, anchors.md §3.1):
 *
 * | Pulumi  | TiCDC                                                                              |
 * |---------|------------------------------------------------------------------------------------|
 * | check   | validate and fill defaults (dispatchers from `tables`, protocol canal-json, …)     |
 * | create  | eligibility (`POST /verify_table`, else SQL on `tidb`) → `POST /changefeeds` → wait `normal` (or pause → wait `stopped`); a failed wait deletes what it made |
 * | read    | `GET /changefeeds/{id}` (+ `/status`); returns the inputs as they are now (drift)  |
 * | diff    | id, namespace/keyspace, startTs → replace (delete first); the rest → update         |
 * | update  | pause → `PUT` (complete replica_config, sink_uri, target_ts) → resume from its own checkpoint → wait `normal`; `paused` alone: pause/resume |
 * | delete  | `DELETE /changefeeds/{id}`; gone counts as deleted; TiCDC not answering at all is an error (the state is kept), or with `forgetIfUnreachable` a warning and the changefeed is dropped from the state (an HTTP error status never is) |
 *
 * A change of `forgetIfUnreachable` alone is an update that only records it (no call to TiCDC).
 *
 * The resource id is the changefeed id; namespace/keyspace and the connection come from the
 * properties (so `read(id, {ticdcApiUrl, …})` imports an existing changefeed).
 *
 * Closure rules (anchors.md §3.4): the provider only references module functions; it keeps no
 * module-level state and captures no secret (credentials arrive as inputs, stored as secrets).
 */
import * as pulumi from "@pulumi/pulumi";
import {
    type ChangefeedConfigBody,
    type ChangefeedInfo,
    createChangefeed,
    deleteChangefeed,
    getChangefeed,
    getChangefeedStatus,
    hasErrorCode,
    isTicdcError,
    pauseChangefeed,
    resumeChangefeed,
    type RunningError,
    type TicdcConnection,
    type TicdcError,
    u64,
    u64String,
    updateChangefeed,
} from "./client";
import { checkTablesEligible, type EligibilityResult, type TidbSqlConnection } from "./eligibility";
import {
    deepEqual,
    dispatchersFromConfig,
    type DispatchRule,
    effectiveDispatchers,
    eventFiltersFromConfig,
    type EventFilterRule,
    isPlainObject,
    type KafkaSinkSettings,
    liveOverrides,
    normaliseEventFilter,
    plainJson,
    reconcileSink,
    replicaConfig,
    replicationProblems,
    resolveSinkSettings,
    type ResolvedKafkaSinkSettings,
    SECRET_PARAMS,
    sinkSettingsProblems,
    sinkUri,
    sinkUriHasCredentials,
    withoutUndefined,
} from "./sink";
import { containsUnknown, wireSafe } from "../platform/provider-values";
import { settleUnreachableDelete } from "../platform/unreachable";

// Exported with `export { … }`, not `export const`: tsc compiles this module's own uses of an
// exported const to `exports.X`, which Pulumi's closure serializer does not capture, so the
// deployed provider would read undefined (test/platform/serialized-providers.test.ts).
/** TiCDC's id rule (also CHANGEFEED_ID in components/config/schema.ts). */
const CHANGEFEED_ID_PATTERN = /^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$/;
export { CHANGEFEED_ID_PATTERN };
const NAMESPACE_PATTERN = CHANGEFEED_ID_PATTERN;
const HTTP_URL = /^https?:\/\/[^\s/]+(\/[^\s]*)?$/;
const DEFAULT_WAIT_SECONDS = 120;
const POLL_MS = 500;

/** TiCDC changefeed states (§4); `""` is TiCDC's uninitialised state. */
export type ChangefeedState =
    "normal" | "pending" | "warning" | "failed" | "stopped" | "finished" | "removed" | "";

/** Replicating (or retrying to): what `paused: false` wants. */
const RUNNING_STATES = ["normal", "warning", "pending", ""];

// ---------------------------------------------------------------------------------------------
// Arguments, inputs, outputs
// ---------------------------------------------------------------------------------------------

type InputsOf<T> = { [K in keyof T]: pulumi.Input<T[K]> };

/** `KafkaSinkSettings` with Pulumi inputs (the password is best a secret). */
export interface KafkaSinkArgs extends Omit<
    InputsOf<KafkaSinkSettings>,
    "brokers" | "tls" | "sasl" | "extraParams"
> {
    brokers: pulumi.Input<pulumi.Input<string>[]>;
    tls?: pulumi.Input<InputsOf<NonNullable<KafkaSinkSettings["tls"]>>>;
    sasl?: pulumi.Input<InputsOf<NonNullable<KafkaSinkSettings["sasl"]>>>;
    extraParams?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface ChangefeedArgs {
    /** TiCDC id: letters and digits in dash-separated groups, ≤ 128 (no `_`, no `.`). */
    changefeedId: pulumi.Input<string>;
    /** TiCDC's API base, e.g. `http://ticdc:8300` (any node; requests are forwarded to the owner). */
    ticdcApiUrl: pulumi.Input<string>;
    /** Classic TiCDC namespace (default "default"). Replaces on change. */
    namespace?: pulumi.Input<string>;
    /** New-architecture keyspace (default "default"). Replaces on change. */
    keyspace?: pulumi.Input<string>;
    /** TiCDC's `client-user-required` basic auth (a TiDB user); the password should be a secret. */
    basicAuth?: pulumi.Input<{ user: pulumi.Input<string>; password: pulumi.Input<string> }>;
    sink: pulumi.Input<KafkaSinkArgs>;
    /** TiDB table-filter rules (`filter.rules`), e.g. `["app.orders", "app.*", "!app.tmp_*"]`. */
    tables: pulumi.Input<pulumi.Input<string>[]>;
    /** Default: `[{matcher: tables, topic: "tidb_{schema}_{table}", partition: "index-value"}]`. */
    dispatchers?: pulumi.Input<pulumi.Input<DispatchRule>[]>;
    eventFilters?: pulumi.Input<pulumi.Input<EventFilterRule>[]>;
    /** Default false. */
    caseSensitive?: pulumi.Input<boolean>;
    /** Decimal TSO to start from (default: now). Replaces on change. */
    startTs?: pulumi.Input<string>;
    /** Decimal TSO to stop at (TiCDC cannot clear it once set). */
    targetTs?: pulumi.Input<string>;
    /** Keep the changefeed stopped (pause) rather than replicating. Default false. */
    paused?: pulumi.Input<boolean>;
    /** The rest of `replica_config` in TiCDC's JSON, deep-merged over the defaults. */
    replicaConfigOverrides?: pulumi.Input<Record<string, unknown>>;
    /** Check table eligibility before create (default true). */
    verifyTables?: pulumi.Input<boolean>;
    /**
     * The upstream TiDB's SQL port, for the eligibility check on a TiCDC without
     * `verify_table` (classic TiCDC as TiDB v8.5 runs it): the information_schema query runs
     * there. Without it (and without verify_table) the check is skipped and `tablesCheck` says
     * so. The whole value is a secret output (it carries the password).
     */
    tidb?: pulumi.Input<TidbConnectionArgs>;
    /** How long to wait for TiCDC to reach a state (default 120 s). */
    waitTimeoutSeconds?: pulumi.Input<number>;
    /**
     * On delete, when TiCDC does not answer at all (connection refused, timeout; not an HTTP
     * error status such as 401 or 500), drop the changefeed from the state with a warning
     * instead of failing. For a TiCDC that lives and dies with the stack. Default false.
     */
    forgetIfUnreachable?: pulumi.Input<boolean>;
}

/** `ChangefeedArgs.tidb`. */
export interface TidbConnectionArgs {
    host: pulumi.Input<string>;
    /** Default 4000. */
    port?: pulumi.Input<number>;
    /** Default "root". */
    user?: pulumi.Input<string>;
    /** Best a secret. */
    password?: pulumi.Input<string>;
}

/** `tidb` after check. */
export interface TidbConnectionInputs {
    host: string;
    port: number;
    user: string;
    password?: string;
}

/** Where a changefeed lives: enough for `Changefeed.get` and for the provider's `read`. */
export type ChangefeedConnectionArgs = Pick<
    ChangefeedArgs,
    "ticdcApiUrl" | "namespace" | "keyspace" | "basicAuth"
>;

/** The inputs after check: plain values, defaults filled. */
export interface ChangefeedInputs {
    changefeedId: string;
    ticdcApiUrl: string;
    namespace?: string;
    keyspace?: string;
    basicAuth?: { user: string; password: string };
    sink: ResolvedKafkaSinkSettings;
    tables: string[];
    dispatchers: DispatchRule[];
    eventFilters?: EventFilterRule[];
    caseSensitive: boolean;
    startTs?: string;
    targetTs?: string;
    paused: boolean;
    replicaConfigOverrides?: Record<string, unknown>;
    verifyTables: boolean;
    tidb?: TidbConnectionInputs;
    waitTimeoutSeconds: number;
    /** Absent means false (states written before it existed have none). */
    forgetIfUnreachable?: boolean;
}

export interface ChangefeedErrorOutput {
    code: string;
    message: string;
    time?: string;
}

export interface ChangefeedOutputs extends ChangefeedInputs {
    /** The URI sent to TiCDC (secret when it carries credentials). */
    sinkUri: string;
    state: ChangefeedState;
    /** Decimal uint64. */
    checkpointTs: string;
    /** TiCDC's rendering, server-local time ("2006-01-02 15:04:05.000"). */
    checkpointTime: string;
    resolvedTs?: string;
    /** TiCDC's error or warning, when failed / warning / pending. */
    error?: ChangefeedErrorOutput;
    creatorVersion?: string;
    createTime?: string;
    /**
     * How table eligibility was last checked: "verify_table", "sql", "not-needed" (forced or
     * ignored by replica_config), "disabled" (verifyTables false), or "skipped: <why>".
     */
    tablesCheck?: string;
}

/** Input properties, in a fixed order (diff and read work over these). */
const INPUT_KEYS = [
    "changefeedId",
    "ticdcApiUrl",
    "namespace",
    "keyspace",
    "basicAuth",
    "sink",
    "tables",
    "dispatchers",
    "eventFilters",
    "caseSensitive",
    "startTs",
    "targetTs",
    "paused",
    "replicaConfigOverrides",
    "verifyTables",
    "tidb",
    "waitTimeoutSeconds",
    "forgetIfUnreachable",
] as const satisfies readonly (keyof ChangefeedInputs)[];
export { INPUT_KEYS };

/** Changes that need a new changefeed (TiCDC cannot change them in place, §5). */
const REPLACE_KEYS = ["changefeedId", "namespace", "keyspace", "startTs"] as const;
export { REPLACE_KEYS };
/** Changes that need `PUT` (pause → update → resume). */
const CONFIG_KEYS = [
    "sink",
    "tables",
    "dispatchers",
    "eventFilters",
    "caseSensitive",
    "targetTs",
    "replicaConfigOverrides",
] as const;
export { CONFIG_KEYS };

// ---------------------------------------------------------------------------------------------
// Pure: validation, defaults, body, outputs, diff, drift
// ---------------------------------------------------------------------------------------------

export interface InputProblem {
    property: string;
    reason: string;
}

function tsProblem(value: unknown, property: string): InputProblem[] {
    if (value === undefined) return [];
    try {
        u64(value as string, property);
        return [];
    } catch (err) {
        return [{ property, reason: (err as Error).message }];
    }
}

function tidbProblems(tidb: unknown): InputProblem[] {
    if (!isPlainObject(tidb)) return [{ property: "tidb", reason: "must be an object" }];
    const problems: InputProblem[] = [];
    if (typeof tidb.host !== "string" || tidb.host === "" || /[\s/:]/.test(tidb.host)) {
        problems.push({ property: "tidb.host", reason: "must be a host name or IPv4 address" });
    }
    const port = tidb.port;
    if (
        port !== undefined &&
        !(typeof port === "number" && Number.isInteger(port) && port > 0 && port < 65536)
    ) {
        problems.push({ property: "tidb.port", reason: "must be a port number (1-65535)" });
    }
    if (tidb.user !== undefined && (typeof tidb.user !== "string" || tidb.user === "")) {
        problems.push({ property: "tidb.user", reason: "must not be empty" });
    }
    if (tidb.password !== undefined && typeof tidb.password !== "string") {
        problems.push({ property: "tidb.password", reason: "must be a string" });
    }
    return problems;
}

/** Problems with raw inputs; values not known yet (preview) are skipped. */
export function inputProblems(raw: Record<string, unknown>): InputProblem[] {
    const known = (key: string) => raw[key] !== undefined && !containsUnknown(raw[key]);
    const problems: InputProblem[] = [];
    const id = raw.changefeedId;
    if (id === undefined) {
        problems.push({ property: "changefeedId", reason: "is required" });
    } else if (known("changefeedId")) {
        if (typeof id !== "string" || !CHANGEFEED_ID_PATTERN.test(id) || id.length > 128) {
            problems.push({
                property: "changefeedId",
                reason: `must be letters and digits in dash-separated groups (no "_" or "."), at most 128 characters, such as "orders-to-kafka"; got ${JSON.stringify(id)}`,
            });
        }
    }
    if (raw.ticdcApiUrl === undefined) {
        problems.push({ property: "ticdcApiUrl", reason: "is required" });
    } else if (
        known("ticdcApiUrl") &&
        (typeof raw.ticdcApiUrl !== "string" || !HTTP_URL.test(raw.ticdcApiUrl))
    ) {
        problems.push({
            property: "ticdcApiUrl",
            reason: 'must be an http(s) URL such as "http://ticdc:8300"',
        });
    }
    for (const key of ["namespace", "keyspace"]) {
        const value = raw[key];
        if (known(key) && (typeof value !== "string" || !NAMESPACE_PATTERN.test(value))) {
            problems.push({
                property: key,
                reason: "must be letters and digits in dash-separated groups",
            });
        }
    }
    if (known("namespace") && known("keyspace")) {
        problems.push({
            property: "keyspace",
            reason: "set namespace (classic TiCDC) or keyspace (new architecture), not both",
        });
    }
    if (known("basicAuth")) {
        const auth = raw.basicAuth as Record<string, unknown>;
        if (!isPlainObject(auth) || typeof auth.user !== "string" || auth.user === "") {
            problems.push({ property: "basicAuth.user", reason: "must not be empty" });
        }
        if (!isPlainObject(auth) || typeof auth.password !== "string") {
            problems.push({ property: "basicAuth.password", reason: "must be a string" });
        }
    }
    if (known("tidb")) problems.push(...tidbProblems(raw.tidb));
    if (raw.sink === undefined) {
        problems.push({ property: "sink", reason: "is required" });
    } else if (known("sink")) {
        problems.push(...sinkSettingsProblems(raw.sink as KafkaSinkSettings));
    }
    const replication = ["tables", "dispatchers", "eventFilters", "replicaConfigOverrides"];
    if (raw.tables !== undefined && replication.every((key) => !containsUnknown(raw[key]))) {
        problems.push(
            ...replicationProblems({
                tables: raw.tables,
                dispatchers: raw.dispatchers as DispatchRule[] | undefined,
                eventFilters: raw.eventFilters as EventFilterRule[] | undefined,
                overrides: raw.replicaConfigOverrides as Record<string, unknown> | undefined,
            }),
        );
    } else if (raw.tables === undefined) {
        problems.push({ property: "tables", reason: "is required" });
    }
    if (known("startTs")) problems.push(...tsProblem(raw.startTs, "startTs"));
    if (known("targetTs")) problems.push(...tsProblem(raw.targetTs, "targetTs"));
    if (known("startTs") && known("targetTs") && problems.length === 0) {
        if (u64(raw.targetTs as string) <= u64(raw.startTs as string)) {
            problems.push({ property: "targetTs", reason: "must be greater than startTs" });
        }
    }
    for (const key of ["paused", "verifyTables", "caseSensitive", "forgetIfUnreachable"]) {
        if (known(key) && typeof raw[key] !== "boolean") {
            problems.push({ property: key, reason: "must be true or false" });
        }
    }
    if (
        known("waitTimeoutSeconds") &&
        !(typeof raw.waitTimeoutSeconds === "number" && raw.waitTimeoutSeconds > 0)
    ) {
        problems.push({ property: "waitTimeoutSeconds", reason: "must be a positive number" });
    }
    if (known("replicaConfigOverrides") && !isPlainObject(raw.replicaConfigOverrides)) {
        problems.push({ property: "replicaConfigOverrides", reason: "must be an object" });
    }
    return problems;
}

/** Raw (known) inputs → validated inputs with defaults. Throws listing every problem. */
export function resolveInputs(raw: Record<string, unknown>): ChangefeedInputs {
    const problems = inputProblems(raw);
    if (problems.length > 0) {
        throw new Error(
            `invalid changefeed arguments: ${problems.map((p) => `${p.property} ${p.reason}`).join("; ")}`,
        );
    }
    const tables = [...(raw.tables as string[])];
    const eventFilters = ((raw.eventFilters as EventFilterRule[] | undefined) ?? []).map(
        normaliseEventFilter,
    );
    const auth = raw.basicAuth as { user: string; password: string } | undefined;
    const tidb = raw.tidb as Partial<TidbConnectionInputs> | undefined;
    return withoutUndefined({
        changefeedId: raw.changefeedId as string,
        ticdcApiUrl: (raw.ticdcApiUrl as string).replace(/\/+$/, ""),
        namespace: raw.namespace as string | undefined,
        keyspace: raw.keyspace as string | undefined,
        basicAuth: auth ? { user: auth.user, password: auth.password } : undefined,
        sink: resolveSinkSettings(raw.sink as KafkaSinkSettings),
        tables,
        dispatchers: effectiveDispatchers({
            tables,
            dispatchers: raw.dispatchers as DispatchRule[] | undefined,
        }),
        eventFilters: eventFilters.length > 0 ? eventFilters : undefined,
        caseSensitive: (raw.caseSensitive as boolean | undefined) ?? false,
        startTs: raw.startTs as string | undefined,
        targetTs: raw.targetTs as string | undefined,
        paused: (raw.paused as boolean | undefined) ?? false,
        replicaConfigOverrides: raw.replicaConfigOverrides as Record<string, unknown> | undefined,
        verifyTables: (raw.verifyTables as boolean | undefined) ?? true,
        tidb: tidb
            ? withoutUndefined({
                  host: tidb.host ?? "",
                  port: tidb.port ?? 4000,
                  user: tidb.user ?? "root",
                  password: tidb.password,
              })
            : undefined,
        waitTimeoutSeconds: (raw.waitTimeoutSeconds as number | undefined) ?? DEFAULT_WAIT_SECONDS,
        forgetIfUnreachable: raw.forgetIfUnreachable as boolean | undefined,
    });
}

/** The SQL connection of the eligibility check (connect timeout 10 s). */
function tidbSqlOf(inputs: ChangefeedInputs): TidbSqlConnection | undefined {
    const t = inputs.tidb;
    if (!t) return undefined;
    return withoutUndefined({
        host: t.host,
        port: t.port,
        user: t.user,
        password: t.password,
        connectTimeoutMs: 10_000,
    });
}

/** `tablesCheck` for a check result. */
function describeCheck(result: EligibilityResult): string {
    return result.method === "skipped"
        ? `skipped: ${result.note ?? "no way to check"}`
        : result.method;
}

/** The inputs with only the cheap defaults, for previews with unknown values. */
function withSimpleDefaults(raw: Record<string, unknown>): Record<string, unknown> {
    return {
        ...raw,
        paused: raw.paused ?? false,
        verifyTables: raw.verifyTables ?? true,
        caseSensitive: raw.caseSensitive ?? false,
        waitTimeoutSeconds: raw.waitTimeoutSeconds ?? DEFAULT_WAIT_SECONDS,
    };
}

/** How to reach TiCDC for these inputs (connection fields only). */
export function connectionOf(props: Partial<ChangefeedInputs>): TicdcConnection {
    if (typeof props.ticdcApiUrl !== "string" || props.ticdcApiUrl === "") {
        throw new Error("ticdcApiUrl is required to reach TiCDC");
    }
    const secrets: string[] = [];
    if (props.sink?.sasl?.password) secrets.push(props.sink.sasl.password);
    for (const key of SECRET_PARAMS) {
        const value = props.sink?.extraParams?.[key];
        if (value) secrets.push(value);
    }
    return withoutUndefined({
        apiUrl: props.ticdcApiUrl,
        namespace: props.namespace,
        keyspace: props.keyspace,
        basicAuth: props.basicAuth,
        secrets,
    });
}

/** `replica_config` with uint64 fields given as decimal strings turned into bigint (wire form). */
function wireReplicaConfig(config: Record<string, unknown>): Record<string, unknown> {
    const result = { ...config };
    if (typeof result.memory_quota === "string") result.memory_quota = u64(result.memory_quota);
    const filter = result.filter;
    if (isPlainObject(filter) && Array.isArray(filter.ignore_txn_start_ts)) {
        result.filter = {
            ...filter,
            ignore_txn_start_ts: filter.ignore_txn_start_ts.map((ts: unknown) =>
                typeof ts === "string" ? u64(ts, "ignore_txn_start_ts") : ts,
            ),
        };
    }
    return result;
}

/** The complete `replica_config` for these inputs. */
export function replicaConfigOf(inputs: ChangefeedInputs): Record<string, unknown> {
    return replicaConfig({
        tables: inputs.tables,
        dispatchers: inputs.dispatchers,
        eventFilters: inputs.eventFilters,
        caseSensitive: inputs.caseSensitive,
        protocol: inputs.sink.protocol,
        overrides: inputs.replicaConfigOverrides,
    });
}

/** The `POST /changefeeds` body (also the basis of verify_table and PUT). */
export function createBody(inputs: ChangefeedInputs): ChangefeedConfigBody {
    return withoutUndefined({
        changefeed_id: inputs.changefeedId,
        namespace: inputs.namespace,
        start_ts: inputs.startTs !== undefined ? u64(inputs.startTs, "startTs") : undefined,
        target_ts: inputs.targetTs !== undefined ? u64(inputs.targetTs, "targetTs") : undefined,
        sink_uri: sinkUri(inputs.sink),
        replica_config: wireReplicaConfig(replicaConfigOf(inputs)),
    });
}

/** The `PUT /changefeeds/{id}` body: start_ts, id and namespace are not updatable (§2.3). */
export function updateBody(inputs: ChangefeedInputs): ChangefeedConfigBody {
    const { sink_uri, replica_config, target_ts } = createBody(inputs);
    return withoutUndefined({ sink_uri, replica_config, target_ts });
}

function errorOutput(error: RunningError | null | undefined): ChangefeedErrorOutput | undefined {
    if (!error || (!error.code && !error.message)) return undefined;
    return withoutUndefined({
        code: error.code ?? "",
        message: error.message ?? "",
        time: error.time,
    });
}

/** Outputs: the inputs plus what TiCDC reports. */
export function outputsOf(
    inputs: ChangefeedInputs,
    info: ChangefeedInfo,
    warning?: RunningError | null,
): ChangefeedOutputs {
    const state = (info.state ?? "") as ChangefeedState;
    const error =
        state === "normal" || state === "stopped" || state === "finished"
            ? undefined
            : (errorOutput(info.error) ?? errorOutput(warning));
    return withoutUndefined({
        ...inputs,
        sinkUri: sinkUri(inputs.sink),
        state,
        checkpointTs: u64String(info.checkpoint_ts) ?? "0",
        checkpointTime: info.checkpoint_time ?? "",
        resolvedTs: u64String(info.resolved_ts),
        error,
        creatorVersion: info.creator_version || undefined,
        createTime: info.create_time || undefined,
    });
}

/**
 * The inputs as TiCDC has them now, for refresh: owned fields from the live config, the sink's
 * non-secret parts from the masked URI with secrets kept from `previous` (never the mask),
 * connection fields and provider options from `previous`. `paused` follows the state (stopped ⇒
 * true, running ⇒ false; failed/finished keep the previous wish, their state shows in outputs).
 */
export function observedInputs(
    id: string,
    info: ChangefeedInfo,
    previous: Partial<ChangefeedInputs>,
): ChangefeedInputs {
    const config = isPlainObject(info.config) ? info.config : {};
    const filter = isPlainObject(config.filter) ? config.filter : {};
    const sinkConfig = isPlainObject(config.sink) ? config.sink : {};
    const rules = Array.isArray(filter.rules)
        ? filter.rules.filter((r): r is string => typeof r === "string")
        : [];
    const eventFilters = eventFiltersFromConfig(filter.event_filters);
    const state = info.state ?? "";
    const paused =
        state === "stopped" ? true : RUNNING_STATES.includes(state) ? false : previous.paused;
    const liveSink = reconcileSink(info.sink_uri ?? "", previous.sink);
    const targetTs = u64String(info.target_ts);
    return withoutUndefined({
        changefeedId: id,
        ticdcApiUrl: previous.ticdcApiUrl ?? "",
        namespace: previous.namespace,
        keyspace: previous.keyspace,
        basicAuth: previous.basicAuth,
        sink: liveSink,
        tables: rules,
        dispatchers: dispatchersFromConfig(sinkConfig.dispatchers),
        eventFilters: eventFilters.length > 0 ? eventFilters : undefined,
        caseSensitive: config.case_sensitive === true,
        // Only what was asked is compared: an omitted startTs means "now" and stays omitted.
        startTs: previous.startTs !== undefined ? u64String(info.start_ts) : undefined,
        targetTs: targetTs !== undefined && targetTs !== "0" ? targetTs : undefined,
        paused: paused ?? false,
        replicaConfigOverrides: liveOverrides(
            previous.replicaConfigOverrides,
            plainJson(config) as Record<string, unknown>,
        ),
        verifyTables: previous.verifyTables ?? true,
        tidb: previous.tidb,
        waitTimeoutSeconds: previous.waitTimeoutSeconds ?? DEFAULT_WAIT_SECONDS,
        forgetIfUnreachable: previous.forgetIfUnreachable,
    });
}

export interface ChangefeedDiff {
    changes: boolean;
    replaces: string[];
    /** Input keys that differ (for messages and tests). */
    changed: string[];
    deleteBeforeReplace: boolean;
}

/**
 * Old outputs vs new inputs. Credentials are compared as they are (the old ones are in the
 * state, encrypted as secrets), so a new password updates; no hash is kept.
 */
export function diffChangefeed(
    olds: Partial<ChangefeedOutputs>,
    news: Record<string, unknown>,
): ChangefeedDiff {
    const next: Record<string, unknown> = containsUnknown(news)
        ? withSimpleDefaults(news)
        : (resolveInputs(news) as unknown as Record<string, unknown>);
    const old = olds as Record<string, unknown>;
    const changed = INPUT_KEYS.filter((key) => {
        // An omitted startTs means "now": not a change of an existing changefeed.
        if (key === "startTs" && next.startTs === undefined) return false;
        // Absent means false (states written before it existed have none).
        if (key === "forgetIfUnreachable") return (old[key] ?? false) !== (next[key] ?? false);
        return !deepEqual(old[key], next[key]);
    }) as string[];
    const replaces = changed.filter((key) => (REPLACE_KEYS as readonly string[]).includes(key));
    // A failed changefeed that should run: an update resumes it.
    if (olds.state === "failed" && next.paused !== true && !changed.includes("paused")) {
        changed.push("state");
    }
    return {
        changes: changed.length > 0,
        replaces,
        changed,
        deleteBeforeReplace: true,
    };
}

// ---------------------------------------------------------------------------------------------
// Effects
// ---------------------------------------------------------------------------------------------

interface WaitOptions {
    /** States that end the wait successfully. */
    accept: string[];
    /** States that end it with an error. */
    fail: string[];
    timeoutMs: number;
    what: string;
}

function describeError(info: ChangefeedInfo | undefined): string {
    const e = info?.error;
    if (!e || (!e.code && !e.message)) return "";
    return ` — ${e.code ?? ""}${e.code && e.message ? ": " : ""}${e.message ?? ""}`;
}

/** Poll GET until the state is one of `accept`; throw with TiCDC's error otherwise. */
async function waitForState(
    conn: TicdcConnection,
    id: string,
    options: WaitOptions,
): Promise<ChangefeedInfo> {
    const deadline = Date.now() + options.timeoutMs;
    let last: ChangefeedInfo | undefined;
    for (;;) {
        last = await getChangefeed(conn, id);
        if (last === undefined) {
            throw new Error(`changefeed "${id}" disappeared while waiting for ${options.what}`);
        }
        const state = last.state ?? "";
        if (options.accept.includes(state)) return last;
        if (options.fail.includes(state)) {
            throw new Error(
                `changefeed "${id}" is ${state} instead of ${options.what}${describeError(last)}`,
            );
        }
        if (Date.now() > deadline) {
            throw new Error(
                `changefeed "${id}" did not reach ${options.what} within ${Math.round(options.timeoutMs / 1000)} s: it is ${state || "(no state)"}${describeError(last)}`,
            );
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
}

function waitRunning(conn: TicdcConnection, inputs: ChangefeedInputs): Promise<ChangefeedInfo> {
    return waitForState(conn, inputs.changefeedId, {
        accept: ["normal", "finished"],
        fail: ["failed", "removed"],
        timeoutMs: inputs.waitTimeoutSeconds * 1000,
        what: "state normal",
    });
}

function waitStopped(
    conn: TicdcConnection,
    inputs: ChangefeedInputs,
    acceptFailed = false,
): Promise<ChangefeedInfo> {
    return waitForState(conn, inputs.changefeedId, {
        accept: acceptFailed ? ["stopped", "failed"] : ["stopped"],
        fail: acceptFailed ? ["removed"] : ["failed", "removed"],
        timeoutMs: inputs.waitTimeoutSeconds * 1000,
        what: acceptFailed ? "state stopped (or failed)" : "state stopped",
    });
}

/** GET (+ status for a warning) → outputs; throws when the changefeed is gone. */
async function currentOutputs(
    conn: TicdcConnection,
    inputs: ChangefeedInputs,
    known?: ChangefeedInfo,
): Promise<ChangefeedOutputs> {
    const info = known ?? (await getChangefeed(conn, inputs.changefeedId));
    if (!info) throw new Error(`changefeed "${inputs.changefeedId}" disappeared`);
    return outputsOf(inputs, info, await statusWarning(conn, inputs.changefeedId, info));
}

/** The last warning from `/status` when GET shows none (best effort: the route is optional). */
async function statusWarning(
    conn: TicdcConnection,
    id: string,
    info: ChangefeedInfo,
): Promise<RunningError | undefined> {
    if (info.error || !["warning", "pending"].includes(info.state ?? "")) return undefined;
    try {
        const status = await getChangefeedStatus(conn, id);
        return status?.last_warning ?? status?.last_error ?? undefined;
    } catch {
        return undefined;
    }
}

function isNoOpUpdate(err: unknown): boolean {
    return (
        hasErrorCode(err, "CDC:ErrChangefeedUpdateRefused") &&
        /same with the old one|do nothing/i.test((err as TicdcError).errorMsg)
    );
}

/** Remove what create made, after it failed; never masks the original error. */
async function compensate(conn: TicdcConnection, id: string): Promise<string> {
    try {
        await deleteChangefeed(conn, id);
        return "it was deleted again, nothing is left behind";
    } catch (err) {
        return `deleting it again failed too (${(err as Error).message}); delete it by hand`;
    }
}

async function createImpl(raw: Record<string, unknown>): Promise<ChangefeedOutputs> {
    const inputs = resolveInputs(raw);
    const conn = connectionOf(inputs);
    const id = inputs.changefeedId;
    const body = createBody(inputs);
    let tablesCheck = "disabled";
    if (inputs.verifyTables) {
        const result = await checkTablesEligible(conn, {
            changefeedId: id,
            config: body,
            tables: inputs.tables,
            caseSensitive: inputs.caseSensitive,
            ...withoutUndefined({ tidb: tidbSqlOf(inputs) }),
        });
        tablesCheck = describeCheck(result);
    }
    const existedBefore = (await getChangefeed(conn, id)) !== undefined;
    try {
        await createChangefeed(conn, body);
    } catch (err) {
        if (hasErrorCode(err, "CDC:ErrChangeFeedAlreadyExists")) {
            throw new Error(
                `${(err as Error).message}. Import it (resource option import: "${id}") or choose another changefeedId.`,
            );
        }
        // An ambiguous failure (no answer, a bare 5xx) may still have created it.
        if (!existedBefore && (await getChangefeed(conn, id).catch(() => undefined))) {
            throw new Error(`${(err as Error).message}; ${await compensate(conn, id)}`);
        }
        throw err;
    }
    let info: ChangefeedInfo;
    try {
        if (inputs.paused) {
            await pauseChangefeed(conn, id);
            info = await waitStopped(conn, inputs);
        } else {
            info = await waitRunning(conn, inputs);
        }
    } catch (err) {
        throw new Error(
            `TiCDC accepted changefeed "${id}" but it did not start: ${(err as Error).message}; ${await compensate(conn, id)}`,
        );
    }
    return { ...(await currentOutputs(conn, inputs, info)), tablesCheck };
}

async function updateImpl(
    id: string,
    olds: Partial<ChangefeedOutputs>,
    raw: Record<string, unknown>,
): Promise<ChangefeedOutputs> {
    const inputs = resolveInputs(raw);
    const { changed } = diffChangefeed(olds, raw);
    if (changed.length === 1 && changed[0] === "forgetIfUnreachable") {
        // Only recorded, without a call to TiCDC (it may be gone: setting it is the way out of a
        // stuck destroy).
        return withoutUndefined({
            ...(olds as ChangefeedOutputs),
            forgetIfUnreachable: inputs.forgetIfUnreachable,
        });
    }
    const conn = connectionOf(inputs);
    const old = olds as Record<string, unknown>;
    const next = inputs as unknown as Record<string, unknown>;
    const configChanged = CONFIG_KEYS.some((key) => !deepEqual(old[key], next[key]));
    let tablesCheck = olds.tablesCheck;
    if (olds.targetTs !== undefined && inputs.targetTs === undefined) {
        throw new Error(
            `changefeed "${id}": TiCDC cannot clear target_ts (${olds.targetTs}) once set; set a later targetTs, or replace the changefeed (a new changefeedId)`,
        );
    }
    let live = await getChangefeed(conn, id);
    if (!live) {
        throw new Error(
            `changefeed "${id}" no longer exists in TiCDC (deleted outside Pulumi?): run \`pulumi refresh\` and \`pulumi up\` creates it again`,
        );
    }
    if (configChanged) {
        const filterChanged = ["tables", "eventFilters", "caseSensitive"].some(
            (key) => !deepEqual(old[key], next[key]),
        );
        const body = updateBody(inputs);
        if (inputs.verifyTables && filterChanged) {
            const result = await checkTablesEligible(conn, {
                changefeedId: id,
                config: { changefeed_id: id, ...body },
                tables: inputs.tables,
                caseSensitive: inputs.caseSensitive,
                ...withoutUndefined({ tidb: tidbSqlOf(inputs) }),
            });
            tablesCheck = describeCheck(result);
        }
        const wasRunning = RUNNING_STATES.includes(live.state ?? "");
        if (live.state !== "stopped" && live.state !== "failed") {
            await pauseChangefeed(conn, id);
            live = await waitStopped(conn, inputs, true);
        }
        try {
            await updateChangefeed(conn, id, body);
        } catch (err) {
            if (!isNoOpUpdate(err)) {
                let note = "";
                if (wasRunning && !inputs.paused) {
                    note = await resumeChangefeed(conn, id).then(
                        () => "; it was resumed with its previous configuration",
                        (e: Error) => `; resuming it failed too (${e.message})`,
                    );
                }
                throw new Error(`${(err as Error).message}${note}`);
            }
        }
        live = (await getChangefeed(conn, id)) ?? live;
    }
    if (inputs.paused) {
        // failed / finished are not running either; pausing them is a no-op (their state shows).
        if (RUNNING_STATES.includes(live.state ?? "")) {
            await pauseChangefeed(conn, id);
            live = await waitStopped(conn, inputs);
        }
    } else if (!RUNNING_STATES.includes(live.state ?? "")) {
        // Resume from the changefeed's own checkpoint (no overwrite_checkpoint_ts).
        await resumeChangefeed(conn, id);
        await waitRunning(conn, inputs).catch((err: Error) => {
            const what = configChanged ? "was updated but did not resume" : "did not resume";
            throw new Error(`changefeed "${id}" ${what}: ${err.message}`);
        });
    }
    const outs = await currentOutputs(conn, inputs);
    return tablesCheck !== undefined ? { ...outs, tablesCheck } : outs;
}

async function readImpl(
    id: string,
    props: Record<string, unknown>,
): Promise<pulumi.dynamic.ReadResult<ChangefeedOutputs>> {
    const previous = props as Partial<ChangefeedOutputs>;
    const conn = connectionOf(previous);
    const info = await getChangefeed(conn, id);
    if (!info) return { id: "", props: {} as ChangefeedOutputs };
    const inputs = observedInputs(id, info, previous);
    const observed = outputsOf(inputs, info, await statusWarning(conn, id, info));
    const outputs =
        previous.tablesCheck !== undefined
            ? { ...observed, tablesCheck: previous.tablesCheck }
            : observed;
    return { id, props: outputs, inputs: inputs as ChangefeedOutputs };
}

async function deleteImpl(id: string, props: Record<string, unknown>): Promise<void> {
    const previous = props as Partial<ChangefeedOutputs>;
    try {
        await deleteAndWait(id, previous);
    } catch (err) {
        if (!(isTicdcError(err) && err.unreachable)) throw err;
        settleUnreachableDelete({
            // Its URL (credentials redacted) is in the error's message.
            resource: `TiCDC changefeed "${id}"`,
            noun: "changefeed",
            service: "TiCDC",
            forget: previous.forgetIfUnreachable,
            error: err,
        });
    }
}

async function deleteAndWait(id: string, previous: Partial<ChangefeedOutputs>): Promise<void> {
    const conn = connectionOf(previous);
    await deleteChangefeed(conn, id);
    const timeoutMs = (previous.waitTimeoutSeconds ?? DEFAULT_WAIT_SECONDS) * 1000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const info = await getChangefeed(conn, id);
        if (!info) return;
        if (Date.now() > deadline) {
            throw new Error(
                `changefeed "${id}" is still there (${info.state ?? "no state"}) ${Math.round(timeoutMs / 1000)} s after DELETE`,
            );
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
}

/** The provider: every method delegates to module functions (see the closure rules above). */
const changefeedProvider: pulumi.dynamic.ResourceProvider = wireSafe({
    check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
        const failures = inputProblems(news);
        if (failures.length > 0) return Promise.resolve({ inputs: news, failures });
        if (containsUnknown(news)) return Promise.resolve({ inputs: withSimpleDefaults(news) });
        return Promise.resolve({ inputs: resolveInputs(news) });
    },
    diff(_id: string, olds: Partial<ChangefeedOutputs>, news: Record<string, unknown>) {
        const { changes, replaces, deleteBeforeReplace } = diffChangefeed(olds, news);
        return Promise.resolve({ changes, replaces, deleteBeforeReplace });
    },
    async create(inputs: Record<string, unknown>) {
        const outs = await createImpl(inputs);
        return { id: outs.changefeedId, outs };
    },
    async read(id: string, props?: Record<string, unknown>) {
        return readImpl(id, props ?? {});
    },
    async update(id: string, olds: Partial<ChangefeedOutputs>, news: Record<string, unknown>) {
        return { outs: await updateImpl(id, olds, news) };
    },
    async delete(id: string, props: Record<string, unknown>) {
        await deleteImpl(id, props);
    },
});
export { changefeedProvider };

/** Whether the sink argument may carry credentials (a structure not known yet counts as yes). */
function sinkMayCarryCredentials(sink: ChangefeedArgs["sink"]): boolean {
    const opaque = (value: unknown) =>
        !isPlainObject(value) || pulumi.Output.isInstance(value) || value instanceof Promise;
    if (opaque(sink)) return true;
    const s = sink as KafkaSinkArgs;
    if (s.sasl !== undefined) return true;
    if (s.extraParams === undefined) return false;
    if (opaque(s.extraParams)) return true;
    return sinkUriHasCredentials({
        brokers: [],
        topic: "",
        extraParams: s.extraParams as Record<string, string>,
    });
}

/**
 * A TiCDC changefeed to Kafka. Outputs: the inputs (defaults filled) plus `state`,
 * `checkpointTs` (decimal string), `checkpointTime`, `error`, `creatorVersion`. `basicAuth`, and
 * `sink` / `sinkUri` when they carry credentials, are secret outputs.
 */
export class Changefeed extends pulumi.dynamic.Resource {
    declare public readonly changefeedId: pulumi.Output<string>;
    declare public readonly ticdcApiUrl: pulumi.Output<string>;
    declare public readonly namespace: pulumi.Output<string | undefined>;
    declare public readonly keyspace: pulumi.Output<string | undefined>;
    declare public readonly basicAuth: pulumi.Output<
        { user: string; password: string } | undefined
    >;
    declare public readonly sink: pulumi.Output<ResolvedKafkaSinkSettings>;
    declare public readonly tables: pulumi.Output<string[]>;
    declare public readonly dispatchers: pulumi.Output<DispatchRule[]>;
    declare public readonly eventFilters: pulumi.Output<EventFilterRule[] | undefined>;
    declare public readonly caseSensitive: pulumi.Output<boolean>;
    declare public readonly startTs: pulumi.Output<string | undefined>;
    declare public readonly targetTs: pulumi.Output<string | undefined>;
    declare public readonly paused: pulumi.Output<boolean>;
    declare public readonly replicaConfigOverrides: pulumi.Output<
        Record<string, unknown> | undefined
    >;
    declare public readonly verifyTables: pulumi.Output<boolean>;
    declare public readonly tidb: pulumi.Output<TidbConnectionInputs | undefined>;
    declare public readonly tablesCheck: pulumi.Output<string | undefined>;
    declare public readonly waitTimeoutSeconds: pulumi.Output<number>;
    declare public readonly forgetIfUnreachable: pulumi.Output<boolean | undefined>;
    declare public readonly sinkUri: pulumi.Output<string>;
    declare public readonly state: pulumi.Output<ChangefeedState>;
    declare public readonly checkpointTs: pulumi.Output<string>;
    declare public readonly checkpointTime: pulumi.Output<string>;
    declare public readonly resolvedTs: pulumi.Output<string | undefined>;
    declare public readonly error: pulumi.Output<ChangefeedErrorOutput | undefined>;
    declare public readonly creatorVersion: pulumi.Output<string | undefined>;
    declare public readonly createTime: pulumi.Output<string | undefined>;

    /**
     * An existing changefeed (made outside this stack) by its id: TiCDC is read with the
     * connection fields alone and every other output comes from TiCDC.
     */
    public static get(
        name: string,
        id: pulumi.Input<string>,
        connection: ChangefeedConnectionArgs,
        opts?: pulumi.CustomResourceOptions,
    ): Changefeed {
        return new Changefeed(name, connection as ChangefeedArgs, { ...opts, id });
    }

    constructor(name: string, args: ChangefeedArgs, opts?: pulumi.CustomResourceOptions) {
        // `tidb` carries the TiDB password (additionalSecretOutputs names top-level properties).
        const secretOutputs = ["basicAuth", "tidb"];
        if (sinkMayCarryCredentials(args.sink)) secretOutputs.push("sink", "sinkUri");
        super(
            changefeedProvider,
            name,
            {
                changefeedId: args.changefeedId,
                ticdcApiUrl: args.ticdcApiUrl,
                namespace: args.namespace,
                keyspace: args.keyspace,
                basicAuth: args.basicAuth,
                sink: args.sink,
                tables: args.tables,
                dispatchers: args.dispatchers,
                eventFilters: args.eventFilters,
                caseSensitive: args.caseSensitive,
                startTs: args.startTs,
                targetTs: args.targetTs,
                paused: args.paused,
                replicaConfigOverrides: args.replicaConfigOverrides,
                verifyTables: args.verifyTables,
                tidb: args.tidb,
                waitTimeoutSeconds: args.waitTimeoutSeconds,
                forgetIfUnreachable: args.forgetIfUnreachable,
                sinkUri: undefined,
                state: undefined,
                checkpointTs: undefined,
                checkpointTime: undefined,
                resolvedTs: undefined,
                error: undefined,
                creatorVersion: undefined,
                createTime: undefined,
                tablesCheck: undefined,
            },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: secretOutputs }),
            "ticdc",
            "Changefeed",
        );
    }
}
