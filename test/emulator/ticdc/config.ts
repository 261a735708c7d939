/**
 * `replica_config` semantics of classic TiCDC (tiflow `cdc/api/v2/model.go`,
 * `pkg/config/replica_config.go`, `pkg/config/sink.go`):
 *
 * - create: the body is decoded OVER `GetDefaultReplicaConfig()` (objects merged field by field,
 *   arrays replaced) — omitted fields keep the defaults;
 * - update: the body's `replica_config` is decoded into a ZERO struct and converted with
 *   `ToInternalReplicaConfig()` (internal defaults overwritten): omitted plain scalars become
 *   false/0 (`check_gc_safe_point` false!, `memory_quota` 0 → 1 GiB by validation), omitted
 *   pointer scalars (`enable_sync_point`, `bdr_mode`...) become nil and vanish from GET, omitted
 *   objects keep the defaults, and a present `sink` is rebuilt only from what was sent;
 * - `ValidateAndAdjust(sinkURI)`: protocol / transaction-atomicity from the URI, terminator and
 *   advance-timeout re-defaulted, large-message-handle defaults, memory quota, integrity levels,
 *   sync-point and stuck-duration minimums.
 */
import { E } from "./errors";
import { clone, decodeStruct, encodeStruct, type GoStruct, str } from "./gotypes";
import type { JsonObject } from "./json";
import type { GoUrl } from "./sinkuri";
import { KAFKA_SCHEMES, parseGoQuery } from "./sinkuri";

const NS_PER_MINUTE = 60_000_000_000n;

/** `GetDefaultReplicaConfig()` (API form), as JSON. */
export const DEFAULT_REPLICA_CONFIG_JSON: JsonObject = {
    memory_quota: 1073741824n,
    case_sensitive: false,
    force_replicate: false,
    ignore_ineligible_table: false,
    check_gc_safe_point: true,
    enable_sync_point: false,
    enable_table_monitor: false,
    bdr_mode: false,
    sync_point_interval: 10n * NS_PER_MINUTE,
    sync_point_retention: 24n * 60n * NS_PER_MINUTE,
    filter: { rules: ["*.*"] },
    mounter: { worker_num: 16n },
    sink: {
        csv: {
            delimiter: ",",
            quote: '"',
            null: "\\N",
            include_commit_ts: false,
            binary_encoding_method: "base64",
            output_old_value: false,
            output_handle_key: false,
        },
        encoder_concurrency: 32n,
        terminator: "\r\n",
        date_separator: "day",
        enable_partition_separator: true,
        enable_kafka_sink_v2: false,
        only_output_updated_columns: false,
        delete_only_output_handle_key_columns: false,
        content_compatible: false,
        advance_timeout: 150n,
        send_bootstrap_interval_in_sec: 120n,
        send_bootstrap_in_msg_count: 10000n,
        send_bootstrap_to_all_partition: true,
        "send-all-bootstrap-at-start": false,
        debezium_disable_schema: false,
        debezium: { output_old_value: true },
        open: { output_old_value: true },
    },
    consistent: {
        level: "none",
        max_log_size: 64n,
        flush_interval: 2000n,
        meta_flush_interval: 200n,
        encoding_worker_num: 16n,
        flush_worker_num: 8n,
        use_file_backend: false,
        memory_usage: { memory_quota_percentage: 50n },
    },
    scheduler: {
        enable_table_across_nodes: false,
        region_threshold: 100000n,
        write_key_threshold: 0n,
    },
    integrity: { integrity_check_level: "none", corruption_handle_level: "warn" },
    changefeed_error_stuck_duration: 30n * NS_PER_MINUTE,
    synced_status: { synced_check_interval: 300n, checkpoint_interval: 15n },
};

export function defaultReplicaConfig(): GoStruct {
    return decodeStruct("ReplicaConfig", undefined, DEFAULT_REPLICA_CONFIG_JSON);
}

/** `ReplicaConfig.ToInternalReplicaConfig()` (internal config kept in API form). */
export function toInternal(c: GoStruct): GoStruct {
    const res = defaultReplicaConfig();
    for (const f of [
        "memory_quota",
        "case_sensitive",
        "force_replicate",
        "check_gc_safe_point",
        "enable_sync_point",
        "enable_table_monitor",
        "ignore_ineligible_table",
        "bdr_mode",
    ]) {
        res[f] = clone(c[f]);
    }
    for (const f of [
        "sync_point_interval",
        "sync_point_retention",
        "consistent",
        "sink",
        "mounter",
        "scheduler",
        "integrity",
        "changefeed_error_stuck_duration",
        "synced_status",
    ]) {
        if (c[f] !== undefined) res[f] = clone(c[f]);
    }
    const filter = c.filter as GoStruct | undefined;
    if (filter) {
        const efs = filter.event_filters as GoStruct[] | undefined;
        res.filter = {
            rules: clone(filter.rules),
            ignore_txn_start_ts: clone(filter.ignore_txn_start_ts),
            event_filters: efs && efs.length > 0 ? clone(efs) : undefined,
        };
    }
    // SQLMode is not carried over (deprecated).
    res.sql_mode = "";
    return res;
}

/** `ToAPIReplicaConfig()`: what GET shows for an internal config. */
export function toApiJson(internal: GoStruct): JsonObject {
    const c = clone(internal);
    const filter = c.filter as GoStruct | undefined;
    for (const ef of (filter?.event_filters as GoStruct[] | undefined) ?? []) {
        for (const f of ["matcher", "ignore_sql", "ignore_event"]) {
            if ((ef[f] as unknown[] | undefined)?.length === 0) ef[f] = undefined;
        }
    }
    return encodeStruct("ReplicaConfig", c);
}

const PROTOCOLS: Record<string, string> = {
    default: "open-protocol",
    canal: "canal",
    avro: "avro",
    "flat-avro": "avro",
    maxwell: "maxwell",
    "canal-json": "canal-json",
    craft: "craft",
    "open-protocol": "open-protocol",
    csv: "csv",
    debezium: "debezium",
    simple: "simple",
};

/** `config.ParseSinkProtocolFromString` → canonical name, or throws ErrSinkUnknownProtocol. */
export function parseProtocol(protocol: string | undefined): string {
    const p = PROTOCOLS[(protocol ?? "").toLowerCase()];
    if (!p) throw E.unknownProtocol(protocol ?? "");
    return p;
}

/**
 * `SinkConfig.applyParameterBySinkURI`: protocol / transaction-atomicity from the URI; returns
 * the incompatibility (URI value vs config value) if both were set and differ.
 */
export function applySinkUriParameters(
    sink: GoStruct,
    uri: GoUrl,
): { fromUri: string; fromFile: string } | undefined {
    const params = parseGoQuery(uri.rawQuery);
    const fromUri: string[] = [];
    const fromFile: string[] = [];
    const atomicity = params.get("transaction-atomicity")?.[0] ?? "";
    if (atomicity !== "") {
        const current = (sink.transaction_atomicity as string | undefined) ?? "";
        if (current !== "" && current !== atomicity) {
            fromUri.push(`transaction-atomicity=${atomicity}`);
            fromFile.push(`transaction-atomicity=${current}`);
        }
        sink.transaction_atomicity = atomicity;
    }
    const protocol = params.get("protocol")?.[0] ?? "";
    if (protocol !== "") {
        if (sink.protocol !== undefined && sink.protocol !== protocol) {
            fromUri.push(`protocol=${protocol}`);
            fromFile.push(`protocol=${str(sink.protocol)}`);
        }
        sink.protocol = protocol;
    }
    return fromUri.length
        ? { fromUri: fromUri.join(", "), fromFile: fromFile.join(", ") }
        : undefined;
}

/** `ReplicaConfig.ValidateAndAdjust(sinkURI)` for Kafka sinks (mutates `cfg`). */
export function validateAndAdjust(cfg: GoStruct, uri: GoUrl): void {
    const sink = cfg.sink as GoStruct | undefined;
    if (sink) {
        applySinkUriParameters(sink, uri); // incompatibility only warns here (create keeps the URI's)
        const atomicity = (sink.transaction_atomicity as string | undefined) ?? "";
        if (atomicity !== "" && atomicity !== "none") {
            throw E.sinkUriInvalid(
                `${atomicity} level atomicity is not supported by ${uri.scheme} scheme`,
            );
        }
        if (KAFKA_SCHEMES.includes(uri.scheme)) parseProtocol(sink.protocol as string | undefined);
        const protocol = PROTOCOLS[str(sink.protocol).toLowerCase()] ?? "";
        const kafka = sink.kafka_config as GoStruct | undefined;
        const lmh = kafka?.large_message_handle as GoStruct | undefined;
        if (lmh) {
            if (lmh.large_message_handle_option === "") lmh.large_message_handle_option = "none";
            if (lmh.large_message_handle_compression === "")
                lmh.large_message_handle_compression = "none";
            const compression = str(lmh.large_message_handle_compression);
            if (!["none", "lz4", "snappy"].includes(compression)) {
                throw E.invalidReplicaConfig(
                    `large message handle compression is not supported, got ${compression}`,
                );
            }
            const option = str(lmh.large_message_handle_option);
            const ext = parseGoQuery(uri.rawQuery).get("enable-tidb-extension")?.[0];
            if (option !== "none") {
                if (
                    protocol === "canal-json" &&
                    !(ext !== undefined && /^(1|t|T|TRUE|true|True)$/.test(ext))
                ) {
                    throw E.invalidReplicaConfig(
                        `large message handle is set to ${option}, protocol is ${protocol}, but enable-tidb-extension is false`,
                    );
                }
                if (!["canal-json", "open-protocol", "simple"].includes(protocol)) {
                    throw E.invalidReplicaConfig(
                        `large message handle is set to ${option}, protocol is ${protocol}, it's not supported`,
                    );
                }
                if (option === "claim-check" && lmh.claim_check_storage_uri === "") {
                    throw E.invalidReplicaConfig(
                        "large message handle is set to claim-check, but the claim-check-storage-uri is empty",
                    );
                }
            }
        }
        const encoder = sink.encoder_concurrency as bigint | undefined;
        if (encoder !== undefined && encoder < 0n) {
            throw E.sinkInvalidConfig(
                `encoder-concurrency should greater than 0, but got ${encoder}`,
            );
        }
        if (sink.terminator === undefined) sink.terminator = "\r\n";
        if (sink.advance_timeout === undefined || sink.advance_timeout === 0n)
            sink.advance_timeout = 150n;
    }
    if (cfg.enable_sync_point === true) {
        const interval = cfg.sync_point_interval as bigint | undefined;
        if (interval !== undefined && interval < 30_000_000_000n) {
            throw E.invalidReplicaConfig(
                `The SyncPointInterval:${goDuration(interval)} must be larger than 30s`,
            );
        }
        const retention = cfg.sync_point_retention as bigint | undefined;
        if (retention !== undefined && retention < 60n * NS_PER_MINUTE) {
            throw E.invalidReplicaConfig(
                `The SyncPointRetention:${goDuration(retention)} must be larger than 1h0m0s`,
            );
        }
    }
    if (cfg.memory_quota === 0n) cfg.memory_quota = 1073741824n;
    if (cfg.scheduler === undefined) {
        cfg.scheduler = clone(defaultReplicaConfig().scheduler);
    }
    const integrity = cfg.integrity as GoStruct | undefined;
    if (integrity) {
        if (
            !["none", "correctness"].includes(str(integrity.integrity_check_level)) ||
            !["warn", "error"].includes(str(integrity.corruption_handle_level))
        ) {
            throw E.invalidReplicaConfig("%!s(MISSING)");
        }
    }
    const stuck = cfg.changefeed_error_stuck_duration as bigint | undefined;
    if (stuck !== undefined && stuck < 30n * NS_PER_MINUTE) {
        throw E.invalidReplicaConfig(
            `The ChangefeedErrorStuckDuration:${(Number(stuck) / 1e9).toFixed(6)} must be larger than 1800.000000 Seconds`,
        );
    }
}

/** Go `time.Duration.String()` for whole seconds and above (enough for messages). */
export function goDuration(ns: bigint): string {
    if (ns === 0n) return "0s";
    let rest = ns < 0n ? -ns : ns;
    const h = rest / 3_600_000_000_000n;
    rest %= 3_600_000_000_000n;
    const m = rest / 60_000_000_000n;
    rest %= 60_000_000_000n;
    const s = Number(rest) / 1e9;
    const out = h > 0n ? `${h}h${m}m${s}s` : m > 0n ? `${m}m${s}s` : `${s}s`;
    return (ns < 0n ? "-" : "") + out;
}
