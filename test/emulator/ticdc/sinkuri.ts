/**
 * Sink URIs as TiCDC reads them: Go `net/url` parsing (the parts TiCDC uses), the Kafka sink
 * options of tiflow `pkg/sink/kafka/options.go` and `pkg/sink/codec/common/config.go` (URI
 * parameters override `replica_config.sink.kafka_config`), and the masking of GET answers
 * (`util.MaskSinkURI`).
 */
import { CdcError, cdcError, E, wrap } from "./errors";
import type { GoStruct } from "./gotypes";

export interface GoUrl {
    /** Lower-cased, as Go's url.Parse does. */
    scheme: string;
    user?: { username: string; password?: string };
    /** Raw `host[:port][,host[:port]...]`. */
    host: string;
    /** Raw (escaped) path and its unescaped form. */
    rawPath: string;
    path: string;
    rawQuery: string;
    forceQuery: boolean;
    fragment: string;
}

/** Go's `url.Error` text, e.g. `parse "x": invalid port ":a" after host`. */
export class UrlError extends Error {
    constructor(
        readonly url: string,
        readonly reason: string,
    ) {
        super(`parse ${JSON.stringify(url)}: ${reason}`);
    }
}

function unescape(s: string, plusIsSpace: boolean): string | undefined {
    const bytes: number[] = [];
    for (let i = 0; i < s.length; i++) {
        const c = s[i] ?? "";
        if (c === "%") {
            const hex = s.slice(i + 1, i + 3);
            if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
            bytes.push(parseInt(hex, 16));
            i += 2;
        } else if (c === "+" && plusIsSpace) bytes.push(0x20);
        else bytes.push(...Buffer.from(c, "utf8"));
    }
    return Buffer.from(bytes).toString("utf8");
}

/** Go `url.Parse` for hierarchical URLs (`scheme://authority/path?query#fragment`). */
export function parseGoUrl(raw: string): GoUrl {
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f]/.test(raw)) {
        throw new UrlError(raw, "net/url: invalid control character in URL");
    }
    let rest = raw;
    let fragment = "";
    const hash = rest.indexOf("#");
    if (hash >= 0) {
        fragment = rest.slice(hash + 1);
        rest = rest.slice(0, hash);
    }
    const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
    if (!schemeMatch && /^[^/?]*:/.test(rest)) {
        throw new UrlError(raw, "missing protocol scheme");
    }
    const scheme = (schemeMatch?.[1] ?? "").toLowerCase();
    rest = schemeMatch ? rest.slice(schemeMatch[0].length) : rest;
    let rawQuery = "";
    let forceQuery = false;
    const q = rest.indexOf("?");
    if (q >= 0) {
        rawQuery = rest.slice(q + 1);
        forceQuery = rawQuery === "";
        rest = rest.slice(0, q);
    }
    let host = "";
    let user: GoUrl["user"];
    if (rest.startsWith("//")) {
        rest = rest.slice(2);
        const slash = rest.indexOf("/");
        let authority = slash >= 0 ? rest.slice(0, slash) : rest;
        rest = slash >= 0 ? rest.slice(slash) : "";
        const at = authority.lastIndexOf("@");
        if (at >= 0) {
            const userinfo = authority.slice(0, at);
            authority = authority.slice(at + 1);
            const colon = userinfo.indexOf(":");
            const username = unescape(colon >= 0 ? userinfo.slice(0, colon) : userinfo, false);
            const password = colon >= 0 ? unescape(userinfo.slice(colon + 1), false) : undefined;
            if (username === undefined || (colon >= 0 && password === undefined)) {
                throw new UrlError(raw, "invalid userinfo");
            }
            user = password === undefined ? { username } : { username, password };
        }
        host = parseHost(raw, authority);
    }
    const path = unescape(rest, false);
    if (path === undefined) {
        const bad = /%(.{0,2})/.exec(rest)?.[0] ?? "%";
        throw new UrlError(raw, `invalid URL escape ${JSON.stringify(bad)}`);
    }
    return { scheme, user, host, rawPath: rest, path, rawQuery, forceQuery, fragment };
}

function parseHost(raw: string, host: string): string {
    if (host.startsWith("[")) {
        const close = host.lastIndexOf("]");
        if (close < 0) throw new UrlError(raw, "missing ']' in host");
        const port = host.slice(close + 1);
        if (port !== "" && !/^:[0-9]*$/.test(port)) {
            throw new UrlError(raw, `invalid port ${JSON.stringify(port)} after host`);
        }
        return host;
    }
    const colon = host.lastIndexOf(":");
    if (colon >= 0) {
        const port = host.slice(colon);
        if (!/^:[0-9]*$/.test(port)) {
            throw new UrlError(raw, `invalid port ${JSON.stringify(port)} after host`);
        }
    }
    const bad = /[^A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"%]/.exec(host);
    if (bad) throw new UrlError(raw, `invalid character ${JSON.stringify(bad[0])} in host name`);
    return host;
}

/** Go `url.ParseQuery` (pairs with bad escapes or a `;` are dropped, as `Query()` does). */
export function parseGoQuery(rawQuery: string): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const pair of rawQuery.split("&")) {
        if (pair === "" || pair.includes(";")) continue;
        const eq = pair.indexOf("=");
        const key = unescape(eq >= 0 ? pair.slice(0, eq) : pair, true);
        const value = unescape(eq >= 0 ? pair.slice(eq + 1) : "", true);
        if (key === undefined || value === undefined) continue;
        out.set(key, [...(out.get(key) ?? []), value]);
    }
    return out;
}

/** Go `url.QueryEscape`. */
function queryEscape(s: string): string {
    let out = "";
    for (const byte of Buffer.from(s, "utf8")) {
        const c = String.fromCharCode(byte);
        if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
        else if (c === " ") out += "+";
        else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    }
    return out;
}

/** Go `url.Values.Encode()`: keys sorted, values in order. */
export function encodeGoQuery(values: Map<string, string[]>): string {
    return [...values.keys()]
        .sort()
        .flatMap((k) => (values.get(k) ?? []).map((v) => `${queryEscape(k)}=${queryEscape(v)}`))
        .join("&");
}

/** `url.String()` from the parsed parts (raw components are kept as written). */
export function formatGoUrl(u: GoUrl): string {
    let out = u.scheme ? `${u.scheme}:` : "";
    if (u.scheme || u.host || u.user) {
        out += "//";
        if (u.user) {
            out += u.user.username;
            if (u.user.password !== undefined) out += `:${u.user.password}`;
            out += "@";
        }
        out += u.host;
    }
    out += u.rawPath;
    if (u.rawQuery !== "" || u.forceQuery) out += `?${u.rawQuery}`;
    if (u.fragment !== "") out += `#${u.fragment}`;
    return out;
}

/**
 * `util.MaskSinkURI`: `sasl-password` → `xxxxx` and then the whole query re-encoded in sorted key
 * order (`url.Values.Encode`); a userinfo password → `xxxxx` (`url.Redacted`). Nothing else is
 * masked (not `sasl-gssapi-password`, not `key`...). Unparsable ⇒ "" (TiCDC logs and returns "").
 */
export function maskSinkUri(uri: string): string {
    let u: GoUrl;
    try {
        u = parseGoUrl(uri);
    } catch {
        return "";
    }
    const query = parseGoQuery(u.rawQuery);
    if (query.has("sasl-password")) {
        query.set("sasl-password", ["xxxxx"]);
        u = { ...u, rawQuery: encodeGoQuery(query) };
    }
    if (u.user?.password !== undefined) u = { ...u, user: { ...u.user, password: "xxxxx" } };
    return formatGoUrl(u);
}

const SENSITIVE = [
    "password",
    "passwd",
    "pwd",
    "access",
    "token",
    "secret",
    "key",
    "signature",
    "credential",
    "private",
    "client",
];

/** `util.MaskSensitiveDataInURIForError` (used in error messages). */
export function maskForError(uri: string): string {
    let u: GoUrl;
    try {
        u = parseGoUrl(uri);
    } catch {
        return uri === "" ? "" : "<invalid uri>";
    }
    const query = parseGoQuery(u.rawQuery);
    for (const key of query.keys()) {
        if (SENSITIVE.some((s) => key.toLowerCase().includes(s))) query.set(key, ["xxxxx"]);
    }
    u = { ...u, rawQuery: encodeGoQuery(query) };
    if (u.user?.password !== undefined) u = { ...u, user: { ...u.user, password: "xxxxx" } };
    return formatGoUrl(u);
}

/** Parse for create/update: Go url.Parse errors become `ErrSinkURIInvalid` like TiCDC's. */
export function parseSinkUri(uri: string): GoUrl {
    try {
        return parseGoUrl(uri);
    } catch (error) {
        if (error instanceof UrlError) {
            const masked = maskForError(uri);
            throw wrap(
                "CDC:ErrSinkURIInvalid",
                `sink uri invalid '${masked}'`,
                `parse ${JSON.stringify(masked)}: ${error.reason}`,
            );
        }
        throw error;
    }
}

export function queryParam(u: GoUrl, name: string): string | undefined {
    return parseGoQuery(u.rawQuery).get(name)?.[0];
}

export const KAFKA_SCHEMES = ["kafka", "kafka+ssl"];
/** Schemes real TiCDC accepts that the emulator does not produce to. */
export const OTHER_TICDC_SCHEMES = [
    "mysql",
    "mysql+ssl",
    "tidb",
    "tidb+ssl",
    "blackhole",
    "pulsar",
    "pulsar+ssl",
    "pulsar+http",
    "pulsar+https",
    "file",
    "s3",
    "gcs",
    "gs",
    "azblob",
    "azure",
    "noop",
];

/** Effective Kafka producer / codec settings of a changefeed (URI over kafka_config). */
export interface KafkaSinkOptions {
    brokers: string[];
    topic: string;
    /** Undefined = take the topic's real partition count. */
    partitionNum?: number;
    replicationFactor: number;
    autoCreate: boolean;
    requiredAcks: -1 | 0 | 1;
    maxMessageBytes: number;
    compression: string;
    clientId?: string;
    kafkaVersion: string;
    enableTiDBExtension: boolean;
    onlyOutputUpdatedColumns: boolean;
    contentCompatible: boolean;
    deleteOnlyHandleKeyColumns: boolean;
    tls: boolean;
    sasl?: { mechanism: string; user: string; password: string };
}

function goInt(name: string, value: string, bits: number): number {
    if (!/^[+-]?[0-9]+$/.test(value)) {
        // gin's form binding → strconv error, wrapped in ErrMySQLInvalidConfig (sic) by options.Apply.
        throw wrap(
            "CDC:ErrMySQLInvalidConfig",
            "MySQL config invalid",
            `strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`,
        );
    }
    const n = BigInt(value);
    if (n < -(2n ** BigInt(bits - 1)) || n >= 2n ** BigInt(bits - 1)) {
        throw wrap(
            "CDC:ErrMySQLInvalidConfig",
            "MySQL config invalid",
            `strconv.ParseInt: parsing ${JSON.stringify(value)}: value out of range`,
        );
    }
    void name;
    return Number(n);
}

function goBool(value: string): boolean {
    if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
    if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
    throw wrap(
        "CDC:ErrMySQLInvalidConfig",
        "MySQL config invalid",
        `strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`,
    );
}

/**
 * `kafka.NewOptions().Apply(...)` + codec `Config.Apply(...)` for the parameters the emulator
 * honours. Errors are wrapped like `newKafkaDMLSink` does (`ErrKafkaInvalidConfig`).
 */
export function kafkaSinkOptions(u: GoUrl, sink: GoStruct | undefined): KafkaSinkOptions {
    const kafka = (sink?.kafka_config as GoStruct | undefined) ?? {};
    const codec = (kafka.codec_config as GoStruct | undefined) ?? {};
    const q = parseGoQuery(u.rawQuery);
    const get = (name: string) => q.get(name)?.[0];
    const topic = u.path.replace(/^\/+|\/+$/g, "");
    if (topic === "") throw E.kafkaInvalidConfig("no topic is specified in sink-uri");
    const apply = <V>(fn: () => V): V => {
        try {
            return fn();
        } catch (error) {
            if (error instanceof CdcError)
                throw wrap("CDC:ErrKafkaInvalidConfig", "kafka config invalid", error);
            throw error;
        }
    };
    return apply(() => {
        const num = (param: string, fromConfig: unknown, bits: number): number | undefined => {
            const raw = get(param);
            if (raw !== undefined) return goInt(param, raw, bits);
            return typeof fromConfig === "bigint" ? Number(fromConfig) : undefined;
        };
        const bool = (param: string, fromConfig: unknown): boolean | undefined => {
            const raw = get(param);
            if (raw !== undefined) return goBool(raw);
            return typeof fromConfig === "boolean" ? fromConfig : undefined;
        };
        const str = (param: string, fromConfig: unknown): string | undefined =>
            get(param) ?? (typeof fromConfig === "string" ? fromConfig : undefined);

        const partitionNum = num("partition-num", kafka.partition_num, 32);
        if (partitionNum !== undefined && partitionNum <= 0) {
            throw E.kafkaInvalidPartitionNum(`invalid partition num ${partitionNum}`);
        }
        const acks = str(
            "required-acks",
            typeof kafka.required_acks === "bigint" ? kafka.required_acks.toString() : undefined,
        );
        let requiredAcks: -1 | 0 | 1 = -1;
        if (acks !== undefined) {
            const n = goInt("required-acks", acks, 64);
            if (n !== -1 && n !== 0 && n !== 1) {
                throw cdcError(
                    "CDC:ErrKafkaInvalidRequiredAcks",
                    `invalid required acks ${n}, only support these values: 0(NoResponse),1(WaitForLocal) and -1(WaitForAll)`,
                );
            }
            requiredAcks = n;
        }
        const user = str("sasl-user", kafka.sasl_user);
        const password = str("sasl-password", kafka.sasl_password);
        const mechanism = str("sasl-mechanism", kafka.sasl_mechanism);
        const contentCompatible = bool("content-compatible", sink?.content_compatible) ?? false;
        return {
            brokers: u.host.split(","),
            topic,
            partitionNum,
            replicationFactor: num("replication-factor", kafka.replication_factor, 16) ?? 1,
            autoCreate: bool("auto-create-topic", kafka.auto_create_topic) ?? true,
            requiredAcks,
            maxMessageBytes:
                num("max-message-bytes", kafka.max_message_bytes, 64) ?? 10 * 1024 * 1024,
            compression: str("compression", kafka.compression) ?? "none",
            clientId: str("kafka-client-id", kafka.kafka_client_id),
            kafkaVersion: str("kafka-version", kafka.kafka_version) ?? "2.4.0",
            enableTiDBExtension:
                bool("enable-tidb-extension", codec.enable_tidb_extension) ?? false,
            onlyOutputUpdatedColumns:
                contentCompatible ||
                (bool("only-output-updated-columns", sink?.only_output_updated_columns) ?? false),
            contentCompatible,
            deleteOnlyHandleKeyColumns: sink?.delete_only_output_handle_key_columns === true,
            tls:
                bool("enable-tls", kafka.enable_tls) ??
                [get("ca"), get("cert"), get("key")].some((v) => v !== undefined && v !== ""),
            sasl:
                mechanism !== undefined && user !== undefined
                    ? { mechanism: mechanism.toLowerCase(), user, password: password ?? "" }
                    : undefined,
        };
    });
}

/** `TiCDC_producer_<captureAddr>_<namespace>_<changefeed>` with invalid characters → `_`. */
export function kafkaClientId(
    captureAddr: string,
    namespace: string,
    id: string,
    configured?: string,
): string {
    if (configured) return configured;
    return `TiCDC_producer_${captureAddr}_${namespace}_${id}`.replace(/[^a-zA-Z0-9._-]/g, "_");
}
