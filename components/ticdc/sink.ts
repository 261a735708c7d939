/**
 * Pure pieces of a TiCDC Kafka changefeed (ticdc-openapi-v2.md §3, §6): typed sink settings →
 * sink URI, typed replication settings → the complete `replica_config` body, and the way back from
 * what TiCDC answers (a masked sink URI, the effective config) to settings that can be compared
 * with the desired ones.
 *
 * Nothing here does I/O or touches Pulumi, so every decision is unit-tested as plain data.
 */

// Exported with `export { … }`, not `export const`: tsc compiles this module's own uses of an
// exported const to `exports.X`, which Pulumi's closure serializer does not capture, so the
// deployed provider would read undefined (test/platform/serialized-providers.test.ts).
/** Protocols TiCDC's Kafka sink speaks (`pkg/config/sink_protocol.go`); canal-json for Flink. */
const SINK_PROTOCOLS = [
    "canal-json",
    "open-protocol",
    "avro",
    "maxwell",
    "debezium",
    "simple",
] as const;
export { SINK_PROTOCOLS };
export type SinkProtocol = (typeof SINK_PROTOCOLS)[number];

const SASL_MECHANISMS = ["plain", "scram-sha-256", "scram-sha-512"] as const;
export { SASL_MECHANISMS };
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

const COMPRESSIONS = ["none", "gzip", "snappy", "lz4", "zstd"] as const;
export { COMPRESSIONS };
export type Compression = (typeof COMPRESSIONS)[number];

const PARTITION_DISPATCHERS = ["default", "table", "ts", "index-value", "columns"] as const;
export { PARTITION_DISPATCHERS };

/** The dispatcher topic of the TiDB docs' Kafka + Flink guide (seed 000): one topic per table. */
const DEFAULT_TOPIC_EXPRESSION = "tidb_{schema}_{table}";
export { DEFAULT_TOPIC_EXPRESSION };
/** Per-row-key order, what Flink's keyed upserts need (seed 000). */
const DEFAULT_PARTITION_DISPATCHER = "index-value";
export { DEFAULT_PARTITION_DISPATCHER };

/** TLS towards the brokers; the files are paths on the TiCDC hosts (§6). */
export interface KafkaTlsSettings {
    caPath?: string;
    certPath?: string;
    keyPath?: string;
    insecureSkipVerify?: boolean;
}

/** SASL towards the brokers; `password` is a secret. */
export interface KafkaSaslSettings {
    mechanism: SaslMechanism;
    user: string;
    password: string;
}

/** The Kafka sink of a changefeed, as typed settings rather than a hand-written URI. */
export interface KafkaSinkSettings {
    /** `host:port` of one or more brokers, as TiCDC reaches them. */
    brokers: string[];
    /** The default topic (URI path): schema-level DDL, and tables no dispatcher routes elsewhere. */
    topic: string;
    /** Default `canal-json`. */
    protocol?: SinkProtocol;
    /** Must be ≤ the default topic's real partition count. */
    partitionNum?: number;
    /** Must be ≥ the brokers' `min.insync.replicas` (acks=-1). */
    replicationFactor?: number;
    /** Producer limit; TiCDC clamps it to the topic's `max.message.bytes`. */
    maxMessageBytes?: number;
    /** sarama protocol version, e.g. "2.4.0" (TiCDC's default). */
    kafkaVersion?: string;
    /** Default false: topics are declared by the IaC (kafka.md §4.3). */
    autoCreateTopic?: boolean;
    /** Default false: `_tidb` fields and WATERMARK events, which Flink's canal-json rejects (§7). */
    enableTidbExtension?: boolean;
    requiredAcks?: -1 | 0 | 1;
    compression?: Compression;
    /** Present (even `{}`) ⇒ `enable-tls=true`. */
    tls?: KafkaTlsSettings;
    sasl?: KafkaSaslSettings;
    /** Any other sink-URI parameter (§6), e.g. `{"kafka-client-id": "x"}`; values are encoded. */
    extraParams?: Record<string, string>;
}

/** Settings with defaults filled in: what is stored and compared. */
export interface ResolvedKafkaSinkSettings extends KafkaSinkSettings {
    protocol: SinkProtocol;
    autoCreateTopic: boolean;
    enableTidbExtension: boolean;
}

/** `sink.dispatchers[]` (§3.5), camelCase. */
export interface DispatchRule {
    matcher: string[];
    /** `default`, `table`, `ts`, `index-value` or `columns`. */
    partition?: string;
    /** Topic expression (§6.1); empty ⇒ the default topic. */
    topic?: string;
    /** With `index-value`: a unique index to hash on. */
    index?: string;
    /** With `columns`. */
    columns?: string[];
}

/** `filter.event_filters[]` (§3.3), camelCase. */
export interface EventFilterRule {
    matcher: string[];
    ignoreEvent?: string[];
    ignoreSql?: string[];
    ignoreInsertValueExpr?: string;
    ignoreUpdateNewValueExpr?: string;
    ignoreUpdateOldValueExpr?: string;
    ignoreDeleteValueExpr?: string;
}

/** What the changefeed replicates and how it routes it. */
export interface ReplicationSettings {
    /** TiDB table-filter rules (`db.tbl`, wildcards, `!` exclusions) = `filter.rules`. */
    tables: string[];
    /** Default: one rule over `tables` with topic "tidb_{schema}_{table}" and "index-value". */
    dispatchers?: DispatchRule[];
    eventFilters?: EventFilterRule[];
    /** Default false (TiCDC's default since v6.x). */
    caseSensitive?: boolean;
    protocol: SinkProtocol;
    /**
     * The rest of `replica_config`, in TiCDC's snake_case JSON, deep-merged over the defaults
     * (objects merged, arrays replaced). Fields owned by the typed settings are refused.
     */
    overrides?: Record<string, unknown>;
}

const BROKER = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$/;
/** Kafka's legal topic names. */
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
/** Topic expressions (§6.1): `[prefix]{schema}[middle]{table}[suffix]` or a plain name. */
const TOPIC_EXPRESSION = /^[A-Za-z0-9._-]*(\{schema\})?([A-Za-z0-9._-]*\{table\})?[A-Za-z0-9._-]*$/;
const KAFKA_VERSION = /^[0-9]+\.[0-9]+\.[0-9]+$/;
const PARAM_NAME = /^[a-z][a-z0-9-]*$/;

/** URI parameters that the typed settings own; `extraParams` must not repeat them. */
const MODELLED_PARAMS = [
    "protocol",
    "partition-num",
    "replication-factor",
    "max-message-bytes",
    "auto-create-topic",
    "kafka-version",
    "enable-tidb-extension",
    "required-acks",
    "compression",
    "enable-tls",
    "ca",
    "cert",
    "key",
    "insecure-skip-verify",
    "sasl-mechanism",
    "sasl-user",
    "sasl-password",
] as const;
export { MODELLED_PARAMS };

/** URI parameters TiCDC masks (or may mask) in GET answers; their values are secrets. */
const SECRET_PARAMS = [
    "sasl-password",
    "sasl-gssapi-password",
    "sasl-oauth-client-secret",
    "password",
] as const;
export { SECRET_PARAMS };

/** What TiCDC shows instead of a secret (`util.MaskSinkURI`). */
const MASK = "xxxxx";
export { MASK };

// ---------------------------------------------------------------------------------------------
// Validation and defaults
// ---------------------------------------------------------------------------------------------

/** A problem with one property, as Pulumi's check failures want it. */
export interface SettingsProblem {
    property: string;
    reason: string;
}

function positiveInt(value: unknown, max: number): boolean {
    return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= max;
}

/** Problems with sink settings (empty when valid). `at` prefixes the property paths. */
export function sinkSettingsProblems(sink: KafkaSinkSettings, at = "sink"): SettingsProblem[] {
    const problems: SettingsProblem[] = [];
    const bad = (property: string, reason: string) =>
        problems.push({ property: `${at}.${property}`, reason });
    if (!Array.isArray(sink.brokers) || sink.brokers.length === 0) {
        bad("brokers", "must list at least one broker");
    } else {
        sink.brokers.forEach((b, i) => {
            if (typeof b !== "string" || !BROKER.test(b)) {
                bad(`brokers[${i}]`, `must be "host:port", got ${JSON.stringify(b)}`);
            }
        });
    }
    if (typeof sink.topic !== "string" || !TOPIC.test(sink.topic)) {
        bad("topic", "must be a Kafka topic name ([A-Za-z0-9._-], at most 249 characters)");
    }
    if (sink.protocol !== undefined && !SINK_PROTOCOLS.includes(sink.protocol)) {
        bad("protocol", `must be one of ${SINK_PROTOCOLS.join(", ")}`);
    }
    if (sink.partitionNum !== undefined && !positiveInt(sink.partitionNum, 100_000)) {
        bad("partitionNum", "must be a whole number ≥ 1");
    }
    if (sink.replicationFactor !== undefined && !positiveInt(sink.replicationFactor, 32_767)) {
        bad("replicationFactor", "must be a whole number ≥ 1");
    }
    if (sink.maxMessageBytes !== undefined && !positiveInt(sink.maxMessageBytes, 104_857_600)) {
        bad("maxMessageBytes", "must be a whole number between 1 and 104857600 (TiCDC's ceiling)");
    }
    if (sink.kafkaVersion !== undefined && !KAFKA_VERSION.test(sink.kafkaVersion)) {
        bad("kafkaVersion", 'must be a version such as "2.4.0"');
    }
    if (sink.requiredAcks !== undefined && ![-1, 0, 1].includes(sink.requiredAcks)) {
        bad("requiredAcks", "must be -1, 0 or 1");
    }
    if (sink.compression !== undefined && !COMPRESSIONS.includes(sink.compression)) {
        bad("compression", `must be one of ${COMPRESSIONS.join(", ")}`);
    }
    if (sink.tls) {
        const files = [sink.tls.caPath, sink.tls.certPath, sink.tls.keyPath];
        const given = files.filter((f) => f !== undefined && f !== "").length;
        if (given !== 0 && given !== 3) {
            bad("tls", "caPath, certPath and keyPath go together (TiCDC needs all three)");
        }
    }
    if (sink.sasl) {
        if (!SASL_MECHANISMS.includes(sink.sasl.mechanism)) {
            bad("sasl.mechanism", `must be one of ${SASL_MECHANISMS.join(", ")}`);
        }
        if (typeof sink.sasl.user !== "string" || sink.sasl.user === "") {
            bad("sasl.user", "must not be empty");
        }
        if (typeof sink.sasl.password !== "string" || sink.sasl.password === "") {
            bad("sasl.password", "must not be empty");
        }
    }
    for (const key of Object.keys(sink.extraParams ?? {})) {
        if (!PARAM_NAME.test(key)) {
            bad(`extraParams.${key}`, "must be a sink-URI parameter name such as kafka-client-id");
        } else if ((MODELLED_PARAMS as readonly string[]).includes(key)) {
            bad(`extraParams.${key}`, "is a typed sink setting; set it there instead");
        }
    }
    return problems;
}

/** Sink settings with defaults, after validation (throws listing every problem). */
export function resolveSinkSettings(sink: KafkaSinkSettings): ResolvedKafkaSinkSettings {
    const problems = sinkSettingsProblems(sink);
    if (problems.length > 0) {
        throw new Error(
            `invalid Kafka sink settings: ${problems.map((p) => `${p.property} ${p.reason}`).join("; ")}`,
        );
    }
    return withoutUndefined({
        ...sink,
        brokers: [...sink.brokers],
        protocol: sink.protocol ?? "canal-json",
        autoCreateTopic: sink.autoCreateTopic ?? false,
        enableTidbExtension: sink.enableTidbExtension ?? false,
    });
}

// ---------------------------------------------------------------------------------------------
// Sink URI
// ---------------------------------------------------------------------------------------------

/** `[key, value]` pairs of the URI query, in a fixed order (modelled first, then extras sorted). */
export function sinkUriParams(sink: ResolvedKafkaSinkSettings): [string, string][] {
    const params: [string, string][] = [["protocol", sink.protocol]];
    const add = (key: string, value: string | number | boolean | undefined) => {
        if (value !== undefined && value !== "") params.push([key, String(value)]);
    };
    add("partition-num", sink.partitionNum);
    add("replication-factor", sink.replicationFactor);
    add("max-message-bytes", sink.maxMessageBytes);
    add("auto-create-topic", sink.autoCreateTopic);
    add("kafka-version", sink.kafkaVersion);
    add("enable-tidb-extension", sink.enableTidbExtension);
    add("required-acks", sink.requiredAcks);
    add("compression", sink.compression);
    if (sink.tls) {
        add("enable-tls", true);
        add("ca", sink.tls.caPath);
        add("cert", sink.tls.certPath);
        add("key", sink.tls.keyPath);
        if (sink.tls.insecureSkipVerify) add("insecure-skip-verify", true);
    }
    if (sink.sasl) {
        add("sasl-mechanism", sink.sasl.mechanism);
        add("sasl-user", sink.sasl.user);
        add("sasl-password", sink.sasl.password);
    }
    for (const key of Object.keys(sink.extraParams ?? {}).sort()) {
        add(key, sink.extraParams?.[key]);
    }
    return params;
}

/**
 * The sink URI TiCDC gets: `kafka://b1,b2/<topic>?protocol=…&…`. Every value is
 * percent-encoded (RFC 3986 unreserved characters only stay as they are), so a credential can
 * never end a parameter or add one. A secret when `sinkUriHasCredentials`.
 */
export function sinkUri(sink: ResolvedKafkaSinkSettings): string {
    const query = sinkUriParams(sink)
        .map(([key, value]) => `${key}=${encodeQueryValue(value)}`)
        .join("&");
    return `kafka://${sink.brokers.join(",")}/${sink.topic}?${query}`;
}

/** Whether the sink URI carries a secret (and must be kept secret). */
export function sinkUriHasCredentials(sink: KafkaSinkSettings): boolean {
    if (sink.sasl) return true;
    return Object.keys(sink.extraParams ?? {}).some((k) =>
        (SECRET_PARAMS as readonly string[]).includes(k),
    );
}

/** encodeURIComponent plus the sub-delims it leaves alone (`!'()*`). */
function encodeQueryValue(value: string): string {
    return encodeURIComponent(value).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
}

/** A sink URI split into its parts (works on TiCDC's masked, re-encoded answers too). */
export interface ParsedSinkUri {
    scheme: string;
    brokers: string[];
    topic: string;
    /** Decoded query parameters (last one wins, as Go's `Query().Get` takes the first: rare). */
    params: Record<string, string>;
    /** userinfo in the authority (TiCDC masks its password): not modelled, kept for drift. */
    userinfo?: string;
}

/** Parse a Kafka sink URI as Go's net/url would (`+` in the query is a space). */
export function parseSinkUri(uri: string): ParsedSinkUri {
    const match =
        /^([a-z][a-z0-9+.-]*):\/\/(?:([^@/?#]*)@)?([^/?#]*)\/?([^?#]*)(?:\?([^#]*))?/i.exec(uri);
    if (!match) throw new Error(`not a sink URI: ${redactSinkUri(uri)}`);
    const [, scheme = "", userinfo, hosts = "", path = "", query = ""] = match;
    const params: Record<string, string> = {};
    for (const part of query.split("&")) {
        if (part === "") continue;
        const eq = part.indexOf("=");
        const key = decodeQueryPart(eq < 0 ? part : part.slice(0, eq));
        const value = eq < 0 ? "" : decodeQueryPart(part.slice(eq + 1));
        if (!(key in params)) params[key] = value;
    }
    return {
        scheme: scheme.toLowerCase(),
        brokers: hosts.split(",").filter((h) => h !== ""),
        topic: decodeURIComponent(path),
        params,
        ...(userinfo !== undefined ? { userinfo } : {}),
    };
}

function decodeQueryPart(text: string): string {
    try {
        return decodeURIComponent(text.replace(/\+/g, " "));
    } catch {
        return text;
    }
}

/** The URI with every secret parameter and any userinfo password replaced by the mask. */
export function redactSinkUri(uri: string): string {
    return uri
        .replace(/\/\/([^@/?#:]*):[^@/?#]*@/, `//$1:${MASK}@`)
        .replace(
            new RegExp(`([?&](?:${SECRET_PARAMS.join("|")})=)[^&#]*`, "g"),
            (_m, key: string) => `${key}${MASK}`,
        );
}

/** Sink settings as far as a (masked) URI shows them; secrets are reported, not read. */
export interface ObservedSink {
    settings: Omit<ResolvedKafkaSinkSettings, "sasl"> & {
        sasl?: { mechanism: SaslMechanism; user: string; password?: string };
    };
    /** Secret parameters TiCDC showed masked (their real value is unknown). */
    maskedParams: string[];
}

function parseBoolean(text: string | undefined): boolean | undefined {
    if (text === undefined) return undefined;
    return /^(1|t|true)$/i.test(text);
}

function parseNumber(text: string | undefined): number | undefined {
    if (text === undefined || text === "") return undefined;
    const n = Number(text);
    return Number.isFinite(n) ? n : undefined;
}

/** What a sink URI from TiCDC says, in the typed settings' terms. */
export function observeSinkUri(uri: string): ObservedSink {
    const parsed = parseSinkUri(uri);
    const p = { ...parsed.params };
    const take = (key: string): string | undefined => {
        const value = p[key];
        delete p[key];
        return value;
    };
    const maskedParams = Object.entries(p)
        .filter(([k, v]) => (SECRET_PARAMS as readonly string[]).includes(k) && v === MASK)
        .map(([k]) => k);
    const protocol = take("protocol") ?? "";
    const settings: ObservedSink["settings"] = {
        brokers: parsed.brokers,
        topic: parsed.topic,
        protocol: protocol as SinkProtocol,
        autoCreateTopic: parseBoolean(take("auto-create-topic")) ?? true,
        enableTidbExtension: parseBoolean(take("enable-tidb-extension")) ?? false,
    };
    const partitionNum = parseNumber(take("partition-num"));
    if (partitionNum !== undefined) settings.partitionNum = partitionNum;
    const replicationFactor = parseNumber(take("replication-factor"));
    if (replicationFactor !== undefined) settings.replicationFactor = replicationFactor;
    const maxMessageBytes = parseNumber(take("max-message-bytes"));
    if (maxMessageBytes !== undefined) settings.maxMessageBytes = maxMessageBytes;
    const kafkaVersion = take("kafka-version");
    if (kafkaVersion !== undefined) settings.kafkaVersion = kafkaVersion;
    const acks = parseNumber(take("required-acks"));
    if (acks !== undefined) settings.requiredAcks = acks as -1 | 0 | 1;
    const compression = take("compression");
    if (compression !== undefined) settings.compression = compression as Compression;
    const enableTls = parseBoolean(take("enable-tls"));
    const tls: KafkaTlsSettings = {};
    const ca = take("ca");
    const cert = take("cert");
    const key = take("key");
    const insecure = parseBoolean(take("insecure-skip-verify"));
    if (ca !== undefined) tls.caPath = ca;
    if (cert !== undefined) tls.certPath = cert;
    if (key !== undefined) tls.keyPath = key;
    if (insecure) tls.insecureSkipVerify = true;
    if (enableTls === true || Object.keys(tls).length > 0) settings.tls = tls;
    const mechanism = take("sasl-mechanism");
    const user = take("sasl-user");
    const password = take("sasl-password");
    if (mechanism !== undefined || user !== undefined || password !== undefined) {
        settings.sasl = {
            mechanism: (mechanism ?? "") as SaslMechanism,
            user: user ?? "",
            ...(password !== undefined && password !== MASK ? { password } : {}),
        };
    }
    if (parsed.scheme !== "kafka") p["(scheme)"] = parsed.scheme;
    if (parsed.userinfo !== undefined) p["(userinfo)"] = parsed.userinfo;
    if (Object.keys(p).length > 0) settings.extraParams = sortKeys(p);
    return { settings, maskedParams };
}

/**
 * The sink as it is now, for Pulumi's refresh: the non-secret parts from TiCDC's (masked) URI,
 * the secrets from the desired settings while TiCDC shows them masked or equal. A masked value is
 * never put in place of a real one; a secret that is gone (or differs, when not masked) shows as
 * drift. Without desired settings (import), a masked password stays unknown (absent), so the next
 * update re-sends the configured one.
 */
export function reconcileSink(
    liveUri: string,
    desired: ResolvedKafkaSinkSettings | undefined,
): ResolvedKafkaSinkSettings {
    const observed = observeSinkUri(liveUri);
    const live = observed.settings;
    const result = { ...live } as ResolvedKafkaSinkSettings;
    if (live.sasl) {
        const sasl = { ...live.sasl };
        if (sasl.password === undefined && desired?.sasl !== undefined) {
            sasl.password = desired.sasl.password;
        }
        result.sasl = sasl as KafkaSaslSettings;
    }
    if (live.extraParams) {
        const extra = { ...live.extraParams };
        for (const key of observed.maskedParams) {
            const wanted = desired?.extraParams?.[key];
            if (wanted !== undefined) extra[key] = wanted;
            else delete extra[key];
        }
        if (Object.keys(extra).length > 0) result.extraParams = extra;
        else delete result.extraParams;
    }
    return withoutUndefined(result);
}

/** The sink settings without secrets: safe to show, log or compare with a masked URI. */
export function publicSinkSettings(
    sink: KafkaSinkSettings,
): Omit<KafkaSinkSettings, "sasl"> & { sasl?: Omit<KafkaSaslSettings, "password"> } {
    const { sasl, extraParams, ...rest } = sink;
    const result: ReturnType<typeof publicSinkSettings> = { ...rest };
    if (sasl) result.sasl = { mechanism: sasl.mechanism, user: sasl.user };
    if (extraParams) {
        result.extraParams = Object.fromEntries(
            Object.entries(extraParams).filter(
                ([k]) => !(SECRET_PARAMS as readonly string[]).includes(k),
            ),
        );
    }
    return result;
}

// ---------------------------------------------------------------------------------------------
// replica_config
// ---------------------------------------------------------------------------------------------

/** The default dispatchers of the TiDB docs' Kafka + Flink guide, scoped to `tables`. */
export function defaultDispatchers(tables: string[]): DispatchRule[] {
    return [
        {
            matcher: [...tables],
            topic: DEFAULT_TOPIC_EXPRESSION,
            partition: DEFAULT_PARTITION_DISPATCHER,
        },
    ];
}

/** `replica_config` paths the typed settings own (refused in `overrides`). */
const OWNED_CONFIG_PATHS = [
    "case_sensitive",
    "filter.rules",
    "filter.event_filters",
    "sink.protocol",
    "sink.dispatchers",
] as const;
export { OWNED_CONFIG_PATHS };

/** Problems with the replication settings (empty when valid). */
export function replicationProblems(settings: {
    tables?: unknown;
    dispatchers?: DispatchRule[];
    eventFilters?: EventFilterRule[];
    overrides?: Record<string, unknown>;
}): SettingsProblem[] {
    const problems: SettingsProblem[] = [];
    const { tables } = settings;
    if (!Array.isArray(tables) || tables.length === 0) {
        problems.push({
            property: "tables",
            reason: 'must list at least one table-filter rule such as "app.orders" or "app.*"',
        });
    } else {
        tables.forEach((rule, i) => {
            if (typeof rule !== "string" || rule.trim() === "") {
                problems.push({ property: `tables[${i}]`, reason: "must be a non-empty rule" });
            }
        });
    }
    (settings.dispatchers ?? []).forEach((rule, i) => {
        if (!Array.isArray(rule.matcher) || rule.matcher.length === 0) {
            problems.push({
                property: `dispatchers[${i}].matcher`,
                reason: "must list at least one table-filter rule",
            });
        }
        if (rule.topic !== undefined && !TOPIC_EXPRESSION.test(rule.topic)) {
            problems.push({
                property: `dispatchers[${i}].topic`,
                reason: 'must be a topic name or an expression such as "tidb_{schema}_{table}"',
            });
        }
        if (
            rule.partition !== undefined &&
            !(PARTITION_DISPATCHERS as readonly string[]).includes(rule.partition.toLowerCase())
        ) {
            problems.push({
                property: `dispatchers[${i}].partition`,
                reason: `must be one of ${PARTITION_DISPATCHERS.join(", ")}`,
            });
        }
    });
    (settings.eventFilters ?? []).forEach((rule, i) => {
        if (!Array.isArray(rule.matcher) || rule.matcher.length === 0) {
            problems.push({
                property: `eventFilters[${i}].matcher`,
                reason: "must list at least one table-filter rule",
            });
        }
    });
    for (const path of OWNED_CONFIG_PATHS) {
        if (getPath(settings.overrides, path.split(".")) !== undefined) {
            problems.push({
                property: `replicaConfigOverrides.${path}`,
                reason: "is set by a typed argument (tables, dispatchers, eventFilters, caseSensitive, sink.protocol)",
            });
        }
    }
    return problems;
}

/**
 * TiCDC's defaults for everything the typed settings do not own (classic tiflow
 * `defaultReplicaConfig`, ticdc-openapi-v2.md §3.2). Sent in full on create and update because
 * an update replaces the whole config: omitted scalars become zero (e.g. `check_gc_safe_point`
 * false) and omitted objects revert to defaults. Durations are left to the server (they are
 * pointers, defaulted when absent) unless overridden.
 */
export function defaultReplicaConfigBase(): Record<string, unknown> {
    return {
        memory_quota: 1073741824,
        case_sensitive: false,
        force_replicate: false,
        ignore_ineligible_table: false,
        check_gc_safe_point: true,
        enable_sync_point: false,
        enable_table_monitor: false,
        bdr_mode: false,
        filter: { rules: ["*.*"] },
        mounter: { worker_num: 16 },
        sink: {
            encoder_concurrency: 32,
            terminator: "\r\n",
            transaction_atomicity: "none",
            enable_kafka_sink_v2: false,
            only_output_updated_columns: false,
            delete_only_output_handle_key_columns: false,
            content_compatible: false,
            advance_timeout: 150,
        },
        consistent: {
            level: "none",
            max_log_size: 64,
            flush_interval: 2000,
            meta_flush_interval: 200,
            encoding_worker_num: 16,
            flush_worker_num: 8,
            storage: "",
            use_file_backend: false,
            compression: "",
            flush_concurrency: 1,
            memory_usage: { memory_quota_percentage: 50 },
        },
        scheduler: {
            enable_table_across_nodes: false,
            region_threshold: 100000,
            write_key_threshold: 0,
        },
        integrity: { integrity_check_level: "none", corruption_handle_level: "warn" },
        synced_status: { synced_check_interval: 300, checkpoint_interval: 15 },
    };
}

/** A dispatcher rule in TiCDC's JSON (empty fields left out). */
export function dispatchRuleJson(rule: DispatchRule): Record<string, unknown> {
    return withoutUndefined({
        matcher: [...rule.matcher],
        partition: rule.partition,
        topic: rule.topic,
        index: rule.index,
        columns: rule.columns ? [...rule.columns] : undefined,
    });
}

/** An event filter rule in TiCDC's JSON (empty fields left out). */
export function eventFilterJson(rule: EventFilterRule): Record<string, unknown> {
    return withoutUndefined({
        matcher: [...rule.matcher],
        ignore_event: rule.ignoreEvent ? [...rule.ignoreEvent] : undefined,
        ignore_sql: rule.ignoreSql ? [...rule.ignoreSql] : undefined,
        ignore_insert_value_expr: rule.ignoreInsertValueExpr,
        ignore_update_new_value_expr: rule.ignoreUpdateNewValueExpr,
        ignore_update_old_value_expr: rule.ignoreUpdateOldValueExpr,
        ignore_delete_value_expr: rule.ignoreDeleteValueExpr,
    });
}

/**
 * The COMPLETE `replica_config` for create and update: TiCDC's defaults, the typed settings,
 * then `overrides` deep-merged (objects merged, arrays replaced). Throws on invalid settings.
 */
export function replicaConfig(settings: ReplicationSettings): Record<string, unknown> {
    const problems = replicationProblems(settings);
    if (problems.length > 0) {
        throw new Error(
            `invalid replication settings: ${problems.map((p) => `${p.property} ${p.reason}`).join("; ")}`,
        );
    }
    const config = defaultReplicaConfigBase();
    const dispatchers = settings.dispatchers ?? defaultDispatchers(settings.tables);
    const typed = {
        case_sensitive: settings.caseSensitive ?? false,
        filter: {
            rules: [...settings.tables],
            ...(settings.eventFilters && settings.eventFilters.length > 0
                ? { event_filters: settings.eventFilters.map(eventFilterJson) }
                : {}),
        },
        sink: { protocol: settings.protocol, dispatchers: dispatchers.map(dispatchRuleJson) },
    };
    return deepMerge(deepMerge(config, typed), settings.overrides ?? {});
}

/** The desired dispatchers (default included), normalised for comparison. */
export function effectiveDispatchers(settings: {
    tables: string[];
    dispatchers?: DispatchRule[];
}): DispatchRule[] {
    return (settings.dispatchers ?? defaultDispatchers(settings.tables)).map(normaliseDispatcher);
}

/** A dispatcher rule without empty fields, partition lower-cased (TiCDC is case-insensitive). */
export function normaliseDispatcher(rule: DispatchRule): DispatchRule {
    return withoutUndefined({
        matcher: [...rule.matcher],
        partition: rule.partition ? rule.partition.toLowerCase() : undefined,
        topic: rule.topic ? rule.topic : undefined,
        index: rule.index ? rule.index : undefined,
        columns: rule.columns && rule.columns.length > 0 ? [...rule.columns] : undefined,
    });
}

/** Dispatchers as TiCDC reports them in `config.sink.dispatchers`, in the typed form. */
export function dispatchersFromConfig(value: unknown): DispatchRule[] {
    if (!Array.isArray(value)) return [];
    return value.map((raw: Record<string, unknown>) =>
        normaliseDispatcher({
            matcher: stringArray(raw.matcher),
            partition: stringOrUndefined(raw.partition),
            topic: stringOrUndefined(raw.topic),
            index: stringOrUndefined(raw.index),
            columns: Array.isArray(raw.columns) ? stringArray(raw.columns) : undefined,
        }),
    );
}

/** An event filter rule without empty fields. */
export function normaliseEventFilter(rule: EventFilterRule): EventFilterRule {
    const list = (v?: string[]) => (v && v.length > 0 ? [...v] : undefined);
    const text = (v?: string) => (v ? v : undefined);
    return withoutUndefined({
        matcher: [...rule.matcher],
        ignoreEvent: list(rule.ignoreEvent),
        ignoreSql: list(rule.ignoreSql),
        ignoreInsertValueExpr: text(rule.ignoreInsertValueExpr),
        ignoreUpdateNewValueExpr: text(rule.ignoreUpdateNewValueExpr),
        ignoreUpdateOldValueExpr: text(rule.ignoreUpdateOldValueExpr),
        ignoreDeleteValueExpr: text(rule.ignoreDeleteValueExpr),
    });
}

/** Event filters as TiCDC reports them in `config.filter.event_filters`. */
export function eventFiltersFromConfig(value: unknown): EventFilterRule[] {
    if (!Array.isArray(value)) return [];
    return value.map((raw: Record<string, unknown>) =>
        normaliseEventFilter({
            matcher: stringArray(raw.matcher),
            ignoreEvent: stringArray(raw.ignore_event),
            ignoreSql: stringArray(raw.ignore_sql),
            ignoreInsertValueExpr: stringOrUndefined(raw.ignore_insert_value_expr),
            ignoreUpdateNewValueExpr: stringOrUndefined(raw.ignore_update_new_value_expr),
            ignoreUpdateOldValueExpr: stringOrUndefined(raw.ignore_update_old_value_expr),
            ignoreDeleteValueExpr: stringOrUndefined(raw.ignore_delete_value_expr),
        }),
    );
}

// An array, not a Set: Pulumi's closure serializer captures a Set as a plain object whose
// methods then throw ("incompatible receiver") in the provider.
const DURATION_KEYS = [
    "sync_point_interval",
    "sync_point_retention",
    "changefeed_error_stuck_duration",
];

/**
 * The live values at the paths `desired` sets, for drift of `replicaConfigOverrides`. A live
 * value equal to the desired one in another spelling (a Go duration vs TiCDC's nanoseconds, a
 * decimal string vs a number) keeps the desired spelling, so equal stays equal.
 */
export function liveOverrides(
    desired: Record<string, unknown> | undefined,
    liveConfig: Record<string, unknown>,
): Record<string, unknown> | undefined {
    if (desired === undefined) return undefined;
    const result: Record<string, unknown> = {};
    for (const [key, want] of Object.entries(desired)) {
        const have = liveConfig[key];
        if (isPlainObject(want) && isPlainObject(have)) {
            result[key] = liveOverrides(want, have);
        } else if (have === undefined || have === null) {
            // TiCDC left it out (omitempty): it is not what was asked unless nothing was asked.
            if (want === undefined || want === null) result[key] = want;
        } else if (sameScalar(key, want, have)) {
            result[key] = want;
        } else {
            result[key] = plainJson(have);
        }
    }
    return result;
}

function sameScalar(key: string, want: unknown, have: unknown): boolean {
    if (deepEqual(plainJson(want), plainJson(have))) return true;
    if (DURATION_KEYS.includes(key)) {
        const a = durationNanos(want);
        return a !== undefined && a === durationNanos(have);
    }
    if ((typeof have === "bigint" || typeof have === "number") && typeof want === "string") {
        return /^[0-9]+$/.test(want) && BigInt(want) === BigInt(have);
    }
    return false;
}

/** A Go duration ("1h30m", "10m", "500ms") or nanoseconds as a number, in nanoseconds. */
export function durationNanos(value: unknown): bigint | undefined {
    if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
    if (typeof value === "bigint") return value;
    if (typeof value !== "string") return undefined;
    if (/^[0-9]+$/.test(value)) return BigInt(value);
    const units: Record<string, number> = {
        ns: 1,
        us: 1e3,
        µs: 1e3,
        ms: 1e6,
        s: 1e9,
        m: 60e9,
        h: 3600e9,
    };
    const re = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/gy;
    let total = 0;
    let matched = 0;
    for (let m = re.exec(value); m; m = re.exec(value)) {
        total += Number(m[1]) * (units[m[2] ?? ""] ?? 0);
        matched = re.lastIndex;
    }
    return matched === value.length && matched > 0 ? BigInt(Math.round(total)) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Small JSON helpers (shared by the other ticdc modules)
// ---------------------------------------------------------------------------------------------

export function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Objects merged key by key, arrays and scalars replaced; inputs untouched. */
export function deepMerge(
    base: Record<string, unknown>,
    over: Record<string, unknown>,
): Record<string, unknown> {
    const result: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(over)) {
        if (value === undefined) continue;
        const current = result[key];
        result[key] =
            isPlainObject(current) && isPlainObject(value)
                ? deepMerge(current, value)
                : clone(value);
    }
    return result;
}

function clone(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(clone);
    if (isPlainObject(value)) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)]));
    }
    return value;
}

export function getPath(value: unknown, path: string[]): unknown {
    let current = value;
    for (const key of path) {
        if (!isPlainObject(current)) return undefined;
        current = current[key];
    }
    return current;
}

/** Structural equality over JSON-like values (bigint and number compare by value). */
export function deepEqual(a: unknown, b: unknown): boolean {
    if (a === b) return true;
    const numeric = (v: unknown): v is number | bigint =>
        typeof v === "number" || typeof v === "bigint";
    if (numeric(a) && numeric(b)) {
        const whole = (v: number | bigint) => typeof v === "bigint" || Number.isInteger(v);
        return whole(a) && whole(b) ? BigInt(a) === BigInt(b) : Number(a) === Number(b);
    }
    if (Array.isArray(a) || Array.isArray(b)) {
        if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
        return a.every((item, i) => deepEqual(item, b[i]));
    }
    if (isPlainObject(a) && isPlainObject(b)) {
        const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
        for (const key of keys) {
            if (!deepEqual(a[key], b[key])) return false;
        }
        return true;
    }
    return false;
}

/** A copy with bigint turned into numbers when safe, decimal strings otherwise (for Pulumi). */
export function plainJson(value: unknown): unknown {
    if (typeof value === "bigint") {
        return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
            ? Number(value)
            : value.toString();
    }
    if (Array.isArray(value)) return value.map(plainJson);
    if (isPlainObject(value)) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainJson(v)]));
    }
    return value;
}

/** A shallow copy without `undefined` members (Pulumi and deepEqual see no difference then). */
export function withoutUndefined<T extends object>(value: T): T {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function sortKeys(record: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

function stringArray(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function stringOrUndefined(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" ? value : undefined;
}
