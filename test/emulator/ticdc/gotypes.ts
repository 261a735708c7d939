/**
 * The Go structs of TiCDC's v2 API (tiflow `cdc/api/v2/model.go`, classic ≤ v8.5 as in the
 * swagger) as data, with Go `encoding/json` semantics for both directions:
 *
 * - decoding merges into an existing value (objects field by field, arrays replaced, `null`
 *   clears pointers/slices and is a no-op for plain scalars), keys match exactly first and then
 *   case-insensitively, unknown keys are ignored, type mismatches fail like Go's
 *   `UnmarshalTypeError`;
 * - encoding writes fields in struct order and honours `omitempty` (nil pointers/slices, false,
 *   0, "" are left out; a pointer to a zero value is not) — so `config` in a GET answer has the
 *   same keys, order and nulls as TiCDC's.
 *
 * Values: bool → boolean, integers → bigint, string → string, pointer → value or undefined (nil),
 * slice → array or undefined (nil), struct → GoStruct, JSONDuration → bigint nanoseconds.
 */
import { isJsonObject, type JsonObject, type JsonValue } from "./json";

export type GoType =
    | { kind: "bool" }
    | { kind: "string" }
    | { kind: "int"; bits: 8 | 16 | 32 | 64; unsigned: boolean; name: string }
    | { kind: "ptr"; elem: GoType }
    | { kind: "slice"; elem: GoType }
    | { kind: "struct"; name: StructName }
    | { kind: "duration" };

export interface GoField {
    json: string;
    type: GoType;
    omitempty: boolean;
}

export type GoValue = boolean | bigint | string | GoStruct | GoValue[] | undefined;
export interface GoStruct {
    [field: string]: GoValue;
}

const B: GoType = { kind: "bool" };
const S: GoType = { kind: "string" };
const INT: GoType = { kind: "int", bits: 64, unsigned: false, name: "int" };
const I16: GoType = { kind: "int", bits: 16, unsigned: false, name: "int16" };
const I32: GoType = { kind: "int", bits: 32, unsigned: false, name: "int32" };
const I64: GoType = { kind: "int", bits: 64, unsigned: false, name: "int64" };
const UINT: GoType = { kind: "int", bits: 64, unsigned: true, name: "uint" };
const U64: GoType = { kind: "int", bits: 64, unsigned: true, name: "uint64" };
const DUR: GoType = { kind: "duration" };
const P = (elem: GoType): GoType => ({ kind: "ptr", elem });
const L = (elem: GoType): GoType => ({ kind: "slice", elem });
const T = (name: StructName): GoType => ({ kind: "struct", name });

/** `f("name", type)` = no omitempty; `o("name", type)` = omitempty. */
const f = (json: string, type: GoType): GoField => ({ json, type, omitempty: false });
const o = (json: string, type: GoType): GoField => ({ json, type, omitempty: true });

const PD_CONFIG = [
    o("pd_addrs", L(S)),
    f("ca_path", S),
    f("cert_path", S),
    f("key_path", S),
    o("cert_allowed_cn", L(S)),
];

export type StructName =
    | "ChangefeedConfig"
    | "ResumeChangefeedConfig"
    | "VerifyTableConfig"
    | "UpstreamConfig"
    | "ReplicaConfig"
    | "FilterConfig"
    | "EventFilterRule"
    | "MounterConfig"
    | "SinkConfig"
    | "CSVConfig"
    | "DispatchRule"
    | "ColumnSelector"
    | "KafkaConfig"
    | "CodecConfig"
    | "LargeMessageHandleConfig"
    | "GlueSchemaRegistryConfig"
    | "PulsarConfig"
    | "PulsarOAuth2"
    | "MySQLConfig"
    | "CloudStorageConfig"
    | "DebeziumConfig"
    | "OpenProtocolConfig"
    | "ConsistentConfig"
    | "ConsistentMemoryUsage"
    | "ChangefeedSchedulerConfig"
    | "IntegrityConfig"
    | "SyncedStatusConfig";

export const STRUCTS: Record<StructName, GoField[]> = {
    ChangefeedConfig: [
        f("namespace", S),
        f("changefeed_id", S),
        f("start_ts", U64),
        f("target_ts", U64),
        f("sink_uri", S),
        f("replica_config", P(T("ReplicaConfig"))),
        ...PD_CONFIG,
    ],
    ResumeChangefeedConfig: [...PD_CONFIG, f("overwrite_checkpoint_ts", U64)],
    VerifyTableConfig: [
        ...PD_CONFIG,
        f("replica_config", P(T("ReplicaConfig"))),
        f("start_ts", U64),
        f("sink_uri", S),
    ],
    UpstreamConfig: [f("id", U64), ...PD_CONFIG],
    ReplicaConfig: [
        f("memory_quota", U64),
        f("case_sensitive", B),
        f("force_replicate", B),
        f("ignore_ineligible_table", B),
        f("check_gc_safe_point", B),
        o("enable_sync_point", P(B)),
        o("enable_table_monitor", P(B)),
        o("bdr_mode", P(B)),
        o("sync_point_interval", P(DUR)),
        o("sync_point_retention", P(DUR)),
        f("filter", P(T("FilterConfig"))),
        f("mounter", P(T("MounterConfig"))),
        f("sink", P(T("SinkConfig"))),
        o("consistent", P(T("ConsistentConfig"))),
        f("scheduler", P(T("ChangefeedSchedulerConfig"))),
        f("integrity", P(T("IntegrityConfig"))),
        o("changefeed_error_stuck_duration", P(DUR)),
        o("synced_status", P(T("SyncedStatusConfig"))),
        o("sql_mode", S),
    ],
    FilterConfig: [
        o("rules", L(S)),
        o("ignore_txn_start_ts", L(U64)),
        o("event_filters", L(T("EventFilterRule"))),
    ],
    EventFilterRule: [
        f("matcher", L(S)),
        f("ignore_event", L(S)),
        f("ignore_sql", L(S)),
        f("ignore_insert_value_expr", S),
        f("ignore_update_new_value_expr", S),
        f("ignore_update_old_value_expr", S),
        f("ignore_delete_value_expr", S),
    ],
    MounterConfig: [f("worker_num", INT)],
    SinkConfig: [
        o("protocol", P(S)),
        o("schema_registry", P(S)),
        o("csv", P(T("CSVConfig"))),
        o("dispatchers", L(P(T("DispatchRule")))),
        o("column_selectors", L(P(T("ColumnSelector")))),
        o("transaction_atomicity", P(S)),
        o("encoder_concurrency", P(INT)),
        o("terminator", P(S)),
        o("date_separator", P(S)),
        o("enable_partition_separator", P(B)),
        o("file_index_width", P(INT)),
        o("enable_kafka_sink_v2", P(B)),
        o("only_output_updated_columns", P(B)),
        f("delete_only_output_handle_key_columns", P(B)),
        f("content_compatible", P(B)),
        o("safe_mode", P(B)),
        o("kafka_config", P(T("KafkaConfig"))),
        o("pulsar_config", P(T("PulsarConfig"))),
        o("mysql_config", P(T("MySQLConfig"))),
        o("cloud_storage_config", P(T("CloudStorageConfig"))),
        o("advance_timeout", P(UINT)),
        o("send_bootstrap_interval_in_sec", P(I64)),
        o("send_bootstrap_in_msg_count", P(I32)),
        o("send_bootstrap_to_all_partition", P(B)),
        o("send-all-bootstrap-at-start", P(B)),
        o("debezium_disable_schema", P(B)),
        o("debezium", P(T("DebeziumConfig"))),
        o("open", P(T("OpenProtocolConfig"))),
    ],
    // `output_field_header` exists in tiflow HEAD but not in the swagger (v8.5-era): left out.
    CSVConfig: [
        f("delimiter", S),
        f("quote", S),
        f("null", S),
        f("include_commit_ts", B),
        f("binary_encoding_method", S),
        f("output_old_value", B),
        f("output_handle_key", B),
    ],
    DispatchRule: [
        o("matcher", L(S)),
        o("partition", S),
        o("index", S),
        o("columns", L(S)),
        o("topic", S),
    ],
    ColumnSelector: [o("matcher", L(S)), o("columns", L(S))],
    KafkaConfig: [
        o("partition_num", P(I32)),
        o("replication_factor", P(I16)),
        o("kafka_version", P(S)),
        o("max_message_bytes", P(INT)),
        o("compression", P(S)),
        o("kafka_client_id", P(S)),
        o("auto_create_topic", P(B)),
        o("dial_timeout", P(S)),
        o("write_timeout", P(S)),
        o("read_timeout", P(S)),
        o("required_acks", P(INT)),
        o("sasl_user", P(S)),
        o("sasl_password", P(S)),
        o("sasl_mechanism", P(S)),
        o("sasl_gssapi_auth_type", P(S)),
        o("sasl_gssapi_keytab_path", P(S)),
        o("sasl_gssapi_kerberos_config_path", P(S)),
        o("sasl_gssapi_service_name", P(S)),
        o("sasl_gssapi_user", P(S)),
        o("sasl_gssapi_password", P(S)),
        o("sasl_gssapi_realm", P(S)),
        o("sasl_gssapi_disable_pafxfast", P(B)),
        o("sasl_oauth_client_id", P(S)),
        o("sasl_oauth_client_secret", P(S)),
        o("sasl_oauth_token_url", P(S)),
        o("sasl_oauth_scopes", L(S)),
        o("sasl_oauth_grant_type", P(S)),
        o("sasl_oauth_audience", P(S)),
        o("enable_tls", P(B)),
        o("ca", P(S)),
        o("cert", P(S)),
        o("key", P(S)),
        o("insecure_skip_verify", P(B)),
        o("codec_config", P(T("CodecConfig"))),
        o("large_message_handle", P(T("LargeMessageHandleConfig"))),
        o("glue_schema_registry_config", P(T("GlueSchemaRegistryConfig"))),
        o("output_raw_change_event", P(B)),
    ],
    CodecConfig: [
        o("enable_tidb_extension", P(B)),
        o("max_batch_size", P(INT)),
        o("avro_enable_watermark", P(B)),
        o("avro_decimal_handling_mode", P(S)),
        o("avro_bigint_unsigned_handling_mode", P(S)),
        o("encoding_format", P(S)),
    ],
    LargeMessageHandleConfig: [
        f("large_message_handle_option", S),
        f("large_message_handle_compression", S),
        f("claim_check_storage_uri", S),
        f("claim_check_raw_value", B),
    ],
    GlueSchemaRegistryConfig: [
        f("registry_name", S),
        f("region", S),
        o("access_key", S),
        o("secret_access_key", S),
        o("token", S),
    ],
    PulsarConfig: [
        o("tls-certificate-path", P(S)),
        o("tls-private-key-path", P(S)),
        o("tls-trust-certs-file-path", P(S)),
        o("pulsar-producer-cache-size", P(I32)),
        o("pulsar-version", P(S)),
        o("compression-type", P(S)),
        o("authentication-token", P(S)),
        o("connection-timeout", P(INT)),
        o("operation-timeout", P(INT)),
        o("batching-max-messages", P(UINT)),
        o("batching-max-publish-delay", P(INT)),
        o("send-timeout", P(INT)),
        o("token-from-file", P(S)),
        o("basic-user-name", P(S)),
        o("basic-password", P(S)),
        o("auth-tls-certificate-path", P(S)),
        o("auth-tls-private-key-path", P(S)),
        o("oauth2", P(T("PulsarOAuth2"))),
        o("output-raw-change-event", P(B)),
    ],
    PulsarOAuth2: [
        o("oauth2-issuer-url", S),
        o("oauth2-audience", S),
        o("oauth2-private-key", S),
        o("oauth2-client-id", S),
        o("oauth2-scope", S),
    ],
    MySQLConfig: [
        o("worker_count", P(INT)),
        o("max_txn_row", P(INT)),
        o("max_multi_update_row_size", P(INT)),
        o("max_multi_update_row_count", P(INT)),
        o("tidb_txn_mode", P(S)),
        o("ssl_ca", P(S)),
        o("ssl_cert", P(S)),
        o("ssl_key", P(S)),
        o("time_zone", P(S)),
        o("write_timeout", P(S)),
        o("read_timeout", P(S)),
        o("timeout", P(S)),
        o("enable_batch_dml", P(B)),
        o("enable_multi_statement", P(B)),
        o("enable_cache_prepared_statement", P(B)),
    ],
    CloudStorageConfig: [
        o("worker_count", P(INT)),
        o("flush_interval", P(S)),
        o("file_size", P(INT)),
        o("output_column_id", P(B)),
        o("file_expiration_days", P(INT)),
        o("file_cleanup_cron_spec", P(S)),
        o("flush_concurrency", P(INT)),
        o("output_raw_change_event", P(B)),
    ],
    DebeziumConfig: [f("output_old_value", B)],
    OpenProtocolConfig: [f("output_old_value", B)],
    ConsistentConfig: [
        o("level", S),
        f("max_log_size", I64),
        f("flush_interval", I64),
        f("meta_flush_interval", I64),
        f("encoding_worker_num", INT),
        f("flush_worker_num", INT),
        o("storage", S),
        f("use_file_backend", B),
        o("compression", S),
        o("flush_concurrency", INT),
        f("memory_usage", P(T("ConsistentMemoryUsage"))),
    ],
    ConsistentMemoryUsage: [f("memory_quota_percentage", U64)],
    ChangefeedSchedulerConfig: [
        f("enable_table_across_nodes", B),
        f("region_threshold", INT),
        f("write_key_threshold", INT),
    ],
    IntegrityConfig: [f("integrity_check_level", S), f("corruption_handle_level", S)],
    SyncedStatusConfig: [f("synced_check_interval", I64), f("checkpoint_interval", I64)],
};

/** Go's `*json.UnmarshalTypeError` (and friends), message formatted like Go's. */
export class GoJsonError extends Error {}

function goTypeName(type: GoType): string {
    switch (type.kind) {
        case "bool":
            return "bool";
        case "string":
            return "string";
        case "int":
            return type.name;
        case "ptr":
            return goTypeName(type.elem);
        case "slice":
            return `[]${goTypeName(type.elem)}`;
        case "struct":
            return `v2.${type.name}`;
        case "duration":
            return "v2.JSONDuration";
    }
}

function jsonKind(value: JsonValue): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "array";
    if (typeof value === "bigint" || typeof value === "number") return `number ${String(value)}`;
    if (typeof value === "object") return "object";
    return typeof value;
}

export function zeroValue(type: GoType): GoValue {
    switch (type.kind) {
        case "bool":
            return false;
        case "string":
            return "";
        case "int":
        case "duration":
            return 0n;
        case "ptr":
        case "slice":
            return undefined;
        case "struct":
            return zeroStruct(type.name);
    }
}

export function zeroStruct(name: StructName): GoStruct {
    const out: GoStruct = {};
    for (const field of STRUCTS[name]) out[field.json] = zeroValue(field.type);
    return out;
}

function findField(fields: GoField[], key: string): GoField | undefined {
    return (
        fields.find((field) => field.json === key) ??
        fields.find((field) => field.json.toLowerCase() === key.toLowerCase())
    );
}

const GO_DURATION_UNITS: Record<string, bigint> = {
    ns: 1n,
    us: 1000n,
    µs: 1000n,
    μs: 1000n,
    ms: 1_000_000n,
    s: 1_000_000_000n,
    m: 60_000_000_000n,
    h: 3_600_000_000_000n,
};

/** Go's `time.ParseDuration` → nanoseconds. */
export function parseGoDuration(text: string): bigint {
    const bad = () => new GoJsonError(`time: invalid duration "${text}"`);
    let s = text;
    let sign = 1n;
    if (s.startsWith("-") || s.startsWith("+")) {
        if (s.startsWith("-")) sign = -1n;
        s = s.slice(1);
    }
    if (s === "0") return 0n;
    if (s === "") throw bad();
    let total = 0n;
    const part = /^([0-9]*)(?:\.([0-9]*))?(ns|us|µs|μs|ms|s|m|h)/;
    while (s !== "") {
        const m = part.exec(s);
        if (!m || ((m[1] ?? "") === "" && (m[2] ?? "") === "")) throw bad();
        const unit = GO_DURATION_UNITS[m[3] ?? ""] ?? 1n;
        const whole = BigInt(m[1] || "0") * unit;
        const fraction = m[2] ?? "";
        const frac =
            fraction === "" ? 0n : (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length);
        total += whole + frac;
        s = s.slice(m[0].length);
    }
    return sign * total;
}

/**
 * Decode `json` into `current` (a value of `type`) with Go's semantics; returns the new value.
 * `where` is the Go error path (e.g. "ChangefeedConfig.replica_config").
 */
export function decode(type: GoType, current: GoValue, json: JsonValue, where: string): GoValue {
    const mismatch = () =>
        new GoJsonError(
            `json: cannot unmarshal ${jsonKind(json).split(" ")[0]} into Go struct field ${where} of type ${goTypeName(type)}`,
        );
    if (json === null) {
        // null: nil for pointers/slices, no-op for everything else.
        return type.kind === "ptr" || type.kind === "slice" ? undefined : current;
    }
    switch (type.kind) {
        case "bool":
            if (typeof json !== "boolean") throw mismatch();
            return json;
        case "string":
            if (typeof json !== "string") throw mismatch();
            return json;
        case "int": {
            if (typeof json !== "bigint") {
                if (typeof json === "number") {
                    throw new GoJsonError(
                        `json: cannot unmarshal number ${json} into Go struct field ${where} of type ${type.name}`,
                    );
                }
                throw mismatch();
            }
            const min = type.unsigned ? 0n : -(2n ** BigInt(type.bits - 1));
            const max = type.unsigned
                ? 2n ** BigInt(type.bits) - 1n
                : 2n ** BigInt(type.bits - 1) - 1n;
            if (json < min || json > max) {
                throw new GoJsonError(
                    `json: cannot unmarshal number ${json} into Go struct field ${where} of type ${type.name}`,
                );
            }
            return json;
        }
        case "duration":
            if (typeof json === "bigint") return json;
            if (typeof json === "number") return BigInt(Math.trunc(json));
            if (typeof json === "string") return parseGoDuration(json);
            throw new GoJsonError("invalid duration");
        case "ptr":
            return decode(type.elem, current ?? zeroValue(type.elem), json, where);
        case "slice":
            if (!Array.isArray(json)) throw mismatch();
            return json.map((item) => decode(type.elem, zeroValue(type.elem), item, where));
        case "struct": {
            if (!isJsonObject(json)) throw mismatch();
            return decodeStruct(type.name, current as GoStruct | undefined, json, where);
        }
    }
}

/** Decode a JSON object into a struct (merging into `current` when given). */
export function decodeStruct(
    name: StructName,
    current: GoStruct | undefined,
    json: JsonObject,
    where: string = name,
): GoStruct {
    const fields = STRUCTS[name];
    const out: GoStruct = { ...(current ?? zeroStruct(name)) };
    for (const [key, value] of Object.entries(json)) {
        const field = findField(fields, key);
        if (!field) continue;
        out[field.json] = decode(field.type, out[field.json], value, `${where}.${field.json}`);
    }
    return out;
}

function isEmpty(type: GoType, value: GoValue): boolean {
    if (value === undefined) return true;
    switch (type.kind) {
        case "bool":
            return value === false;
        case "string":
            return value === "";
        case "int":
        case "duration":
            return value === 0n;
        case "slice":
            return (value as GoValue[]).length === 0;
        default:
            return false;
    }
}

export function encode(type: GoType, value: GoValue): JsonValue {
    if (value === undefined) return null;
    switch (type.kind) {
        case "bool":
        case "string":
        case "int":
        case "duration":
            return value as JsonValue;
        case "ptr":
            return encode(type.elem, value);
        case "slice":
            return (value as GoValue[]).map((item) => encode(type.elem, item));
        case "struct":
            return encodeStruct(type.name, value as GoStruct);
    }
}

export function encodeStruct(name: StructName, value: GoStruct): JsonObject {
    const out: JsonObject = {};
    for (const field of STRUCTS[name]) {
        const v = value[field.json];
        if (field.omitempty && isEmpty(field.type, v)) continue;
        out[field.json] = encode(field.type, v);
    }
    return out;
}

/** The string in a decoded Go string field ("" for nil or anything else). */
export function str(value: GoValue): string {
    return typeof value === "string" ? value : "";
}

/** Deep copy of a Go value (structs and slices are fresh). */
export function clone<V extends GoValue>(value: V): V {
    if (Array.isArray(value)) return value.map((v) => clone(v)) as V;
    if (typeof value === "object") {
        const out: GoStruct = {};
        for (const [k, v] of Object.entries(value)) out[k] = clone(v);
        return out as V;
    }
    return value;
}

/** Go `reflect.DeepEqual`-like comparison of two decoded values (nil ≠ empty slice). */
export function deepEqual(a: GoValue, b: GoValue): boolean {
    if (a === b) return true;
    if (Array.isArray(a) && Array.isArray(b)) {
        return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
    }
    if (typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
        const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
        return [...keys].every((k) => deepEqual(a[k], b[k]));
    }
    return false;
}
