/**
 * Counting the remote calls the providers make: a `fetch` wrapper (every HTTP call of the
 * providers goes through components/platform/http.ts, which uses the global fetch) and kafkajs
 * instrumentation on every admin client (each `admin.network.request` event is one Kafka request,
 * ApiVersions and Metadata of a fresh connection included; kafkajs opens every broker connection
 * with ApiVersions, so those count the connections). Shared by the in-process counter
 * (counting.ts) and the preload of the engine's Node processes (preload.ts), so it imports
 * nothing but types.
 */
import type * as Kafkajs from "kafkajs";

export interface HttpCall {
    kind: "http";
    method: string;
    /** `host:port` of the service. */
    endpoint: string;
    /** The path with ids replaced by placeholders, e.g. `/v1/sessions/:id/statements`. */
    route: string;
    /** 0 when nothing answered. */
    status: number;
    ms: number;
}

export interface KafkaRequest {
    kind: "kafka";
    /** kafkajs' name of the API, e.g. `CreateTopics`, `Metadata`, `ApiVersions`. */
    api: string;
    broker: string;
    clientId: string;
    ms: number;
}

export type RemoteCall = HttpCall | KafkaRequest;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FLINK_ID = /^[0-9a-f]{32}$/i;

/**
 * The route of a URL: session, operation, job and trigger ids (UUIDs, 32-hex Flink ids) become
 * `:id`, the segment after `/changefeeds/` becomes `:changefeed`, the result token `:token`.
 */
export function routeOf(url: string): { endpoint: string; route: string } {
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        return { endpoint: "?", route: url };
    }
    const segments = parsed.pathname.split("/");
    const route = segments
        .map((segment, i) => {
            if (UUID.test(segment) || FLINK_ID.test(segment)) return ":id";
            if (i > 0 && segments[i - 1] === "changefeeds" && segment !== "") return ":changefeed";
            if (i > 0 && segments[i - 1] === "result" && /^\d+$/.test(segment)) return ":token";
            return segment;
        })
        .join("/");
    return { endpoint: parsed.host, route };
}

type Fetch = typeof globalThis.fetch;

/** A fetch that reports every call (also failed ones, with status 0) to `record`. */
export function countingFetch(original: Fetch, record: (call: HttpCall) => void): Fetch {
    const wrapped = async (input: Parameters<Fetch>[0], init?: Parameters<Fetch>[1]) => {
        const url =
            typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
        const method = (
            init?.method ?? (typeof input === "object" && "method" in input ? input.method : "GET")
        ).toUpperCase();
        const started = performance.now();
        const where = routeOf(url);
        try {
            const response = await original(input, init);
            record({
                kind: "http",
                method,
                ...where,
                status: response.status,
                ms: performance.now() - started,
            });
            return response;
        } catch (error) {
            record({ kind: "http", method, ...where, status: 0, ms: performance.now() - started });
            throw error;
        }
    };
    return wrapped;
}

const PATCHED = Symbol.for("tidb-cdc-pipeline.bench.kafkajs-patched");

/**
 * Makes every kafkajs admin client report its requests. Idempotent per module
 * object (the providers load kafkajs lazily, so the preload patches it when it is first loaded).
 */
export function patchKafkajs(kafkajs: typeof Kafkajs, record: (call: KafkaRequest) => void): void {
    const proto = kafkajs.Kafka.prototype as unknown as Record<symbol | string, unknown>;
    if (proto[PATCHED]) return;
    proto[PATCHED] = true;
    // Called with apply(this) below, so its `this` stays the client.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const original = kafkajs.Kafka.prototype.admin;
    kafkajs.Kafka.prototype.admin = function (this: Kafkajs.Kafka, ...args) {
        const admin = original.apply(this, args);
        admin.on(admin.events.REQUEST, (event) => {
            const payload = event.payload;
            record({
                kind: "kafka",
                api: payload.apiName,
                broker: payload.broker,
                clientId: payload.clientId,
                ms: payload.duration,
            });
        });
        return admin;
    };
}

export interface CallTally {
    http: number;
    /** HTTP calls per `METHOD route`. */
    httpByRoute: Record<string, number>;
    /** HTTP calls per service endpoint (`host:port`). */
    httpByEndpoint: Record<string, number>;
    kafkaRequests: number;
    /** Kafka requests per API name. */
    kafkaByApi: Record<string, number>;
    /** Broker connections opened (each starts with ApiVersions). */
    kafkaConnections: number;
}

export function emptyTally(): CallTally {
    return {
        http: 0,
        httpByRoute: {},
        httpByEndpoint: {},
        kafkaRequests: 0,
        kafkaByApi: {},
        kafkaConnections: 0,
    };
}

function bump(map: Record<string, number>, key: string, by = 1): void {
    map[key] = (map[key] ?? 0) + by;
}

/** Adds calls to a tally (returns the same tally). */
export function tally(calls: readonly RemoteCall[], into: CallTally = emptyTally()): CallTally {
    for (const call of calls) {
        switch (call.kind) {
            case "http":
                into.http += 1;
                bump(into.httpByRoute, `${call.method} ${call.route}`);
                bump(into.httpByEndpoint, call.endpoint);
                break;
            case "kafka":
                into.kafkaRequests += 1;
                bump(into.kafkaByApi, call.api);
                if (call.api === "ApiVersions") into.kafkaConnections += 1;
                break;
        }
    }
    return into;
}
