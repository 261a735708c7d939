/**
 * An emulator of TiCDC's Open API v2 (classic TiCDC, tiflow `cdc/api/v2`) with a working Kafka
 * sink: changefeeds follow TiCDC's state rules and, while `normal`, write the rows fed through the
 * test hooks to Kafka as TiCDC-flavoured canal-json (canal.ts).
 *
 * Strict mode (default): every request and response is checked against the swagger spec
 * (swagger.ts); a violation is recorded in `violations` and answered with 500
 * `{"error_code":"EMULATOR:ContractViolation"}` so a client bug cannot go unnoticed.
 *
 * Things real TiCDC accepts that the emulator does not produce (other sink schemes, protocols
 * other than canal-json) are refused with 500 `EMULATOR:Unsupported` and listed in `unsupported`.
 */
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import {
    encodeDdl,
    encodeRowChange,
    encodeWatermark,
    EventRouter,
    partitionFor,
    type CanalOptions,
    shouldSplitUpdate,
} from "./canal";
import {
    applySinkUriParameters,
    defaultReplicaConfig,
    parseProtocol,
    toApiJson,
    toInternal,
    validateAndAdjust,
} from "./config";
import { CdcError, cdcError, E } from "./errors";
import { changefeedFilter, FilterSyntaxError, parseTableFilter, type TableFilter } from "./filter";
import { clone, decodeStruct, deepEqual, GoJsonError, type GoStruct, zeroStruct } from "./gotypes";
import { goJson, isJsonObject, type JsonObject, type JsonValue, parseJson } from "./json";
import {
    type KafkaBackend,
    MemoryKafka,
    partitionsOf,
    RealKafka,
    type RealKafkaOptions,
    type SinkProducer,
    verifySink,
} from "./kafka";
import {
    KAFKA_SCHEMES,
    kafkaClientId,
    type KafkaSinkOptions,
    kafkaSinkOptions,
    maskForError,
    maskSinkUri,
    OTHER_TICDC_SCHEMES,
    parseSinkUri,
    type GoUrl,
} from "./sinkuri";
import { findOperation, validateRequest, validateResponse } from "./swagger";
import {
    type ChangeEvent,
    type DdlType,
    type Row,
    type RowValues,
    type TableDefinition,
    type TableInfo,
    Upstream,
} from "./tables";
import { composeTs, jsonTime, localTime, physicalMs, rfc3339, Tso } from "./tso";

export type FeedState =
    "normal" | "pending" | "failed" | "stopped" | "removed" | "finished" | "warning";

export interface RunningError {
    time: Date;
    addr: string;
    code: string;
    message: string;
}

export interface TicdcEmulatorOptions {
    /** 0 (default) = a random free port. The emulator binds 127.0.0.1 only. */
    port?: number;
    /**
     * `client-user-required = true`: the allowed users and their (TiDB) passwords. Write
     * routes then need HTTP Basic auth (401 `CDC:ErrCredentialNotFound` / `CDC:ErrUnauthorized`).
     */
    auth?: { users: Record<string, string> } | { user: string; password: string };
    /**
     * Kafka: `{ real: {...} }` produces to the brokers named in sink URIs (or `real.brokers`) with
     * kafkajs; `{ memory: MemoryKafka }` (default: a fresh one) keeps topics in memory.
     */
    kafka?: { real: RealKafkaOptions } | { memory: MemoryKafka };
    /** Validate every request and response against the swagger (default true). */
    strict?: boolean;
    /** Differences of new-architecture TiCDC that matter to clients (default "classic"). */
    flavor?: "classic" | "new-arch";
    /**
     * Serve `POST /api/v2/verify_table` (default true). False answers it with gin's plain
     * `404 page not found`, like a TiCDC without the route, so clients fall back to SQL.
     */
    verifyTable?: boolean;
    /** Owner tick: checkpoint/resolved ts advance and watermarks (ms, default 1000; 0 = manual `tick()`). */
    tickMs?: number;
    /** Delay before pause/resume take effect, like TiCDC's asynchronous admin jobs (ms, default 0). */
    adminJobDelayMs?: number;
    /** `version` in /status and `creator_version` (default "v8.5.4"). */
    version?: string;
    /** PD cluster id = `upstream_id` (default a value > 2^53). */
    upstreamId?: bigint;
    /** Wall clock for TSOs (default Date.now). */
    clock?: () => number;
}

export interface Violation {
    direction: "request" | "response";
    method: string;
    path: string;
    status?: number;
    problems: string[];
}

export interface RecordedExchange {
    method: string;
    path: string;
    query: string;
    requestBody?: string;
    status: number;
    responseBody: string;
}

export interface ChangefeedSnapshot {
    namespace: string;
    id: string;
    state: FeedState;
    adminJobType: number;
    sinkUri: string;
    startTs: bigint;
    targetTs: bigint;
    checkpointTs: bigint;
    resolvedTs: bigint;
    error?: RunningError;
    warning?: RunningError;
    /** The effective `replica_config` as GET shows it. */
    config: JsonObject;
    /** Row and DDL messages written to Kafka so far (watermarks not counted). */
    messagesSent: number;
}

interface SinkRuntime {
    uri: GoUrl;
    options: KafkaSinkOptions;
    clientId: string;
    partitionNum: number;
    maxMessageBytes: number;
    router: EventRouter;
    filter: TableFilter;
    eventFilters: EventFilter[];
    canal: CanalOptions;
    splitUpdates: boolean;
    forceReplicate: boolean;
    producer?: SinkProducer;
    partitions: Map<string, number>;
}

interface EventFilter {
    filter: TableFilter;
    ignoreEvents: Set<string>;
    ignoreSql: RegExp[];
}

interface Changefeed {
    namespace: string;
    id: string;
    upstreamId: bigint;
    sinkUri: string;
    createTime: Date;
    startTs: bigint;
    targetTs: bigint;
    adminJobType: number;
    config: GoStruct;
    state: FeedState;
    error?: RunningError;
    warning?: RunningError;
    creatorVersion: string;
    checkpointTs: bigint;
    resolvedTs: bigint;
    lastSyncedTs: bigint;
    lastWatermark: bigint;
    /** Next index of the upstream change log to deliver. */
    cursor: number;
    sink: SinkRuntime;
    /** Bumped by every admin action; a running delivery loop stops when it changes. */
    generation: number;
    pumping?: Promise<void>;
    /** Set by `failChangefeed`: no automatic retry. */
    manualError: boolean;
    messagesSent: number;
}

const ID_PATTERN = /^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$/;
const ADMIN_JOB: Record<FeedState, number> = {
    normal: 0,
    warning: 0,
    finished: 4,
    pending: 1,
    stopped: 1,
    failed: 1,
    removed: 3,
};
const LOG_LEVELS = ["debug", "info", "warn", "error", "dpanic", "panic", "fatal"];

class Unsupported extends CdcError {
    constructor(what: string) {
        super(
            "EMULATOR:Unsupported",
            `[EMULATOR:Unsupported]${what} is not emulated (real TiCDC may accept it)`,
            500,
        );
    }
}

interface Reply {
    status: number;
    body: JsonValue;
    indent?: boolean;
}

function ok(body: JsonValue, indent = false): Reply {
    return { status: 200, body, indent };
}

/** Waits for a promise, ignoring its outcome. */
async function settle(promise: Promise<unknown> | undefined): Promise<void> {
    await promise?.catch(() => undefined);
}

/** The emulator. Create it with `startTicdcEmulator`. */
export class TicdcEmulator {
    readonly violations: Violation[] = [];
    readonly exchanges: RecordedExchange[] = [];
    /** What clients asked for that the emulator does not emulate. */
    readonly unsupported: string[] = [];
    readonly tso: Tso;
    readonly upstream: Upstream;
    /** The in-memory Kafka, when the emulator runs without real brokers. */
    readonly memoryKafka?: MemoryKafka;
    readonly captureId = randomUUID();
    private readonly kafka: KafkaBackend;
    private readonly changefeeds = new Map<string, Changefeed>();
    private server?: http.Server;
    private timer?: NodeJS.Timeout;
    private ticking?: Promise<void>;
    private gcSafePoint = 0n;
    private healthy = true;
    private ready = true;
    private readonly timers = new Set<NodeJS.Timeout>();
    private readonly strict: boolean;
    private readonly flavor: "classic" | "new-arch";
    private readonly serveVerifyTable: boolean;
    private readonly users?: Record<string, string>;
    private readonly version: string;
    private readonly upstreamId: bigint;
    private address = "127.0.0.1:8300";

    constructor(private readonly options: TicdcEmulatorOptions = {}) {
        this.tso = new Tso(options.clock);
        this.upstream = new Upstream(this.tso);
        this.upstream.onChange(() => {
            for (const cf of this.changefeeds.values()) this.pump(cf);
        });
        if (options.kafka && "real" in options.kafka)
            this.kafka = new RealKafka(options.kafka.real);
        else {
            this.memoryKafka = options.kafka?.memory ?? new MemoryKafka();
            this.kafka = this.memoryKafka;
        }
        this.strict = options.strict ?? true;
        this.flavor = options.flavor ?? "classic";
        this.serveVerifyTable = options.verifyTable ?? true;
        const auth = options.auth;
        if (auth) this.users = "users" in auth ? { ...auth.users } : { [auth.user]: auth.password };
        this.version = options.version ?? "v8.5.4";
        this.upstreamId = options.upstreamId ?? 7420137954380349981n;
    }

    get url(): string {
        return `http://${this.address}`;
    }

    /** Binds 127.0.0.1 and starts the owner tick. */
    async listen(): Promise<void> {
        const server = http.createServer((req, res) => void this.handle(req, res));
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(this.options.port ?? 0, "127.0.0.1", () => resolve());
        });
        this.server = server;
        const { port } = server.address() as AddressInfo;
        this.address = `127.0.0.1:${port}`;
        const tickMs = this.options.tickMs ?? 1000;
        if (tickMs > 0) {
            this.timer = setInterval(() => void this.tick().catch(() => undefined), tickMs);
            this.timer.unref();
        }
    }

    get port(): number {
        return Number(this.address.split(":")[1]);
    }

    /** Stops the server, the tick and every producer. */
    async close(): Promise<void> {
        if (this.timer) clearInterval(this.timer);
        for (const t of this.timers) clearTimeout(t);
        this.timers.clear();
        for (const cf of this.changefeeds.values()) cf.generation++;
        await Promise.all([...this.changefeeds.values()].map((cf) => settle(cf.pumping)));
        await settle(this.ticking);
        await Promise.all(
            [...this.changefeeds.values()].map((cf) => settle(cf.sink.producer?.close())),
        );
        const server = this.server;
        this.server = undefined;
        if (server) {
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        }
    }

    // -----------------------------------------------------------------------------------------
    // Test hooks (in-process)
    // -----------------------------------------------------------------------------------------

    /** CREATE TABLE (and CREATE DATABASE for a new schema) upstream; returns the commit TSO. */
    defineTable(def: TableDefinition): bigint {
        return this.upstream.defineTable(def).commitTs;
    }

    /** INSERT one or more rows in one transaction; returns the commit TSO. */
    insertRow(schema: string, table: string, row: RowValues | RowValues[]): bigint {
        return this.upstream.insert(schema, table, Array.isArray(row) ? row : [row]);
    }

    /** UPDATE the rows matching `where` (column = value); returns the commit TSO, or undefined if nothing changed. */
    updateRow(schema: string, table: string, where: RowValues, set: RowValues): bigint | undefined {
        return this.upstream.update(schema, table, where, set).commitTs;
    }

    /** DELETE the rows matching `where`; returns the commit TSO, or undefined if nothing matched. */
    deleteRow(schema: string, table: string, where: RowValues): bigint | undefined {
        return this.upstream.delete(schema, table, where).commitTs;
    }

    /** Another DDL on an existing table, e.g. `{ type: "TRUNCATE", query: "TRUNCATE TABLE t", eventType: "truncate table" }`. */
    executeDdl(
        schema: string,
        table: string,
        ddl: { type: DdlType; query: string; eventType: string },
    ): bigint {
        return this.upstream.ddl(schema, table, ddl.type, ddl.query, ddl.eventType);
    }

    /**
     * Put a changefeed in `failed` (default), `warning` or `pending` with an error, as the owner
     * does when the processor reports one. `failed`/`pending` stop replication; `warning` also
     * stops delivering until `recoverChangefeed`.
     */
    failChangefeed(
        id: string,
        error: { code?: string; message: string } | string,
        options: { state?: "failed" | "warning" | "pending"; namespace?: string } = {},
    ): void {
        const cf = this.mustGet(id, options.namespace);
        const e = typeof error === "string" ? { message: error } : error;
        const running: RunningError = {
            time: new Date(this.clockNow()),
            addr: this.address,
            code: e.code ?? "CDC:ErrProcessorUnknown",
            message: e.message,
        };
        const state = options.state ?? "failed";
        cf.generation++;
        cf.manualError = true;
        if (state === "warning") cf.warning = running;
        else cf.error = running;
        this.setState(cf, state);
    }

    /** A `warning`/`pending` changefeed recovers (back to `normal`, delivery resumes). */
    recoverChangefeed(id: string, namespace?: string): void {
        const cf = this.mustGet(id, namespace);
        if (cf.state !== "warning" && cf.state !== "pending") return;
        cf.manualError = false;
        cf.warning = undefined;
        cf.generation++;
        this.setState(cf, "normal");
        this.pump(cf);
    }

    changefeedState(id: string, namespace = "default"): ChangefeedSnapshot | undefined {
        const cf = this.changefeeds.get(`${namespace}/${id}`);
        if (!cf) return undefined;
        return {
            namespace: cf.namespace,
            id: cf.id,
            state: cf.state,
            adminJobType: cf.adminJobType,
            sinkUri: cf.sinkUri,
            startTs: cf.startTs,
            targetTs: cf.targetTs,
            checkpointTs: cf.checkpointTs,
            resolvedTs: cf.resolvedTs,
            error: cf.error,
            warning: cf.warning,
            config: toApiJson(cf.config),
            messagesSent: cf.messagesSent,
        };
    }

    /** The current TSO (a fresh one). */
    currentTso(): bigint {
        return this.tso.next();
    }

    /** PD's GC safepoint: start/overwrite ts at or below it are refused (`CDC:ErrStartTsBeforeGC`). */
    setGcSafePoint(ts: bigint): void {
        this.gcSafePoint = ts;
    }

    /** false ⇒ `GET /health` answers 500 `CDC:ErrClusterIsUnhealthy`. */
    setHealthy(healthy: boolean): void {
        this.healthy = healthy;
    }

    /** false ⇒ every /api/v2 route answers 503 `CDC:ErrServerIsNotReady` (node starting). */
    setReady(ready: boolean): void {
        this.ready = ready;
    }

    /** One owner tick: checkpoints and resolved ts advance, watermarks are sent, warnings retried. */
    async tick(): Promise<void> {
        while (this.ticking) await this.ticking;
        this.ticking = this.doTick().finally(() => {
            this.ticking = undefined;
        });
        await this.ticking;
    }

    /**
     * Resolves once every `normal` changefeed has delivered the whole change log to Kafka (then
     * runs a tick so checkpoints catch up). Rejects after `timeoutMs` (default 30 s).
     */
    async flush(timeoutMs = 30_000): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const busy = [...this.changefeeds.values()].filter(
                (cf) =>
                    cf.state === "normal" &&
                    (cf.pumping !== undefined || cf.cursor < this.upstream.log.length),
            );
            if (busy.length === 0) break;
            if (Date.now() > deadline) {
                throw new Error(
                    `flush: changefeeds still delivering: ${busy.map((cf) => cf.id).join(", ")}`,
                );
            }
            for (const cf of busy) if (!cf.pumping) this.pump(cf);
            await Promise.race([
                Promise.all(busy.map((cf) => settle(cf.pumping))),
                new Promise((r) => setTimeout(r, 50)),
            ]);
        }
        await this.tick();
    }

    // -----------------------------------------------------------------------------------------
    // Replication
    // -----------------------------------------------------------------------------------------

    private clockNow(): number {
        return (this.options.clock ?? Date.now)();
    }

    private key(namespace: string, id: string): string {
        return `${namespace}/${id}`;
    }

    private mustGet(id: string, namespace = "default"): Changefeed {
        const cf = this.changefeeds.get(this.key(namespace, id));
        if (!cf) throw new Error(`no changefeed ${namespace}/${id}`);
        return cf;
    }

    /**
     * A failed Kafka write puts a changefeed that is still running (and not restarted since the
     * write began) into `warning`, as TiCDC's sink errors do.
     */
    private sendFailed(cf: Changefeed, generation: number, error: unknown): void {
        if (cf.generation !== generation || cf.state !== "normal") return;
        const e = error instanceof CdcError ? error : E.kafkaSendMessage(error as Error);
        cf.warning = {
            time: new Date(this.clockNow()),
            addr: this.address,
            code: e.code,
            message: e.message,
        };
        this.setState(cf, "warning");
    }

    private setState(cf: Changefeed, state: FeedState): void {
        cf.state = state;
        cf.adminJobType = ADMIN_JOB[state];
    }

    private firstIndexAfter(ts: bigint): number {
        const log = this.upstream.log;
        let i = 0;
        while (i < log.length && (log[i] as ChangeEvent).commitTs <= ts) i++;
        return i;
    }

    private replicatedTables(cf: Changefeed, ts: bigint): TableInfo[] {
        return this.upstream
            .tablesAt(ts)
            .filter(
                (t) =>
                    cf.sink.filter.match(t.schema, t.table) &&
                    (t.eligible || cf.sink.forceReplicate),
            );
    }

    private ignoredByEventFilter(sink: SinkRuntime, event: ChangeEvent): boolean {
        for (const rule of sink.eventFilters) {
            const matches =
                event.kind === "ddl" && event.table === ""
                    ? rule.filter.matchSchema(event.schema)
                    : event.kind === "ddl"
                      ? rule.filter.match(event.schema, event.table)
                      : rule.filter.match(event.table.schema, event.table.table);
            if (!matches) continue;
            if (event.kind === "dml") {
                if (
                    rule.ignoreEvents.has("all dml") ||
                    rule.ignoreEvents.has("all") ||
                    rule.ignoreEvents.has(event.op)
                ) {
                    return true;
                }
            } else {
                if (
                    rule.ignoreEvents.has("all ddl") ||
                    rule.ignoreEvents.has("all") ||
                    rule.ignoreEvents.has(event.eventType)
                ) {
                    return true;
                }
                if (rule.ignoreSql.some((re) => re.test(event.query))) return true;
            }
        }
        return false;
    }

    private async partitionsOf(cf: Changefeed, topic: string): Promise<number> {
        if (topic === cf.sink.options.topic) return cf.sink.partitionNum;
        const cached = cf.sink.partitions.get(topic);
        if (cached !== undefined) return cached;
        const n = await partitionsOf(
            this.kafka,
            cf.sink.options,
            cf.sink.clientId,
            topic,
            cf.sink.partitionNum,
        );
        cf.sink.partitions.set(topic, n);
        return n;
    }

    private producer(cf: Changefeed): SinkProducer {
        cf.sink.producer ??= this.kafka.producer(cf.sink.options, cf.sink.clientId);
        return cf.sink.producer;
    }

    private async send(
        cf: Changefeed,
        topic: string,
        messages: { partition: number; value: string }[],
    ): Promise<void> {
        try {
            await this.producer(cf).send(topic, messages);
        } catch (error) {
            throw E.kafkaSendMessage(error as Error);
        }
    }

    /** Messages for one change (none if the changefeed does not replicate it). */
    private async deliver(cf: Changefeed, event: ChangeEvent): Promise<void> {
        const sink = cf.sink;
        if (event.kind === "ddl") {
            const selected =
                event.table === ""
                    ? sink.filter.matchSchema(event.schema)
                    : sink.filter.match(event.schema, event.table);
            if (!selected || this.ignoredByEventFilter(sink, event)) return;
            const topic =
                event.table === ""
                    ? sink.options.topic
                    : sink.router.topicFor(event.schema, event.table);
            await this.partitionsOf(cf, topic); // creates a missing dynamic topic, like GetPartitionNum
            await this.send(cf, topic, [{ partition: 0, value: encodeDdl(event, sink.canal) }]);
            cf.messagesSent++;
            return;
        }
        const table = event.table;
        if (!sink.filter.match(table.schema, table.table)) return;
        if (!table.eligible && !sink.forceReplicate) return; // ineligible tables are skipped silently
        if (this.ignoredByEventFilter(sink, event)) return;
        const changes: { op: "insert" | "update" | "delete"; before?: Row; after?: Row }[] =
            event.op === "update" &&
            sink.splitUpdates &&
            event.before &&
            event.after &&
            shouldSplitUpdate(table, event.before, event.after)
                ? [
                      { op: "delete", before: event.before },
                      { op: "insert", after: event.after },
                  ]
                : [{ op: event.op, before: event.before, after: event.after }];
        const rule = sink.router.rule(table.schema, table.table);
        const topic = sink.router.topicFor(table.schema, table.table);
        const partitions = await this.partitionsOf(cf, topic);
        const messages = changes.map((change) => ({
            partition: partitionFor(
                rule.partition,
                table,
                { ...change, commitTs: event.commitTs },
                partitions,
                {
                    index: rule.index,
                    columns: rule.columns,
                },
            ),
            value: encodeRowChange(table, { ...change, commitTs: event.commitTs }, sink.canal),
        }));
        for (const m of messages) {
            if (Buffer.byteLength(m.value) > sink.maxMessageBytes) {
                throw cdcError(
                    "CDC:ErrMessageTooLarge",
                    `message is too large: table ${table.table}, length ${Buffer.byteLength(m.value)}, max-message-bytes ${sink.maxMessageBytes}`,
                );
            }
        }
        await this.send(cf, topic, messages);
        cf.messagesSent += messages.length;
    }

    /** Delivers the change log from the cursor while the changefeed stays `normal`. */
    private pump(cf: Changefeed): void {
        if (cf.pumping || cf.state !== "normal") return;
        const generation = cf.generation;
        cf.pumping = (async () => {
            await Promise.resolve(); // run after `cf.pumping` is assigned
            const log = this.upstream.log;
            try {
                while (
                    cf.state === "normal" &&
                    cf.generation === generation &&
                    cf.cursor < log.length
                ) {
                    const index = cf.cursor;
                    const event = log[index] as ChangeEvent;
                    if (event.commitTs <= cf.checkpointTs) {
                        cf.cursor++;
                        continue;
                    }
                    if (cf.targetTs > 0n && event.commitTs > cf.targetTs) {
                        this.finish(cf);
                        break;
                    }
                    await this.deliver(cf, event);
                    if (cf.generation !== generation) break;
                    cf.cursor = index + 1;
                    const next = log[index + 1];
                    if (!next || next.commitTs !== event.commitTs) {
                        cf.checkpointTs = event.commitTs;
                        if (cf.resolvedTs < event.commitTs) cf.resolvedTs = event.commitTs;
                    }
                    if (event.kind === "dml") cf.lastSyncedTs = event.commitTs;
                }
            } catch (error) {
                this.sendFailed(cf, generation, error);
            } finally {
                cf.pumping = undefined;
            }
            if (cf.state === "normal" && cf.generation === generation && cf.cursor < log.length)
                this.pump(cf);
        })();
    }

    private finish(cf: Changefeed): void {
        cf.checkpointTs = cf.targetTs;
        if (cf.resolvedTs < cf.targetTs) cf.resolvedTs = cf.targetTs;
        cf.generation++;
        this.setState(cf, "finished");
    }

    private async doTick(): Promise<void> {
        for (const cf of [...this.changefeeds.values()]) {
            if (cf.state === "warning" && !cf.manualError) {
                // TiCDC retries a failing sink with backoff; here: once per tick.
                cf.generation++;
                this.setState(cf, "normal");
                this.pump(cf);
                continue;
            }
            if (cf.state !== "normal") continue;
            const resolved = this.tso.next();
            cf.resolvedTs = resolved;
            if (!cf.pumping && cf.cursor >= this.upstream.log.length) {
                if (cf.targetTs > 0n && resolved >= cf.targetTs) {
                    this.finish(cf);
                    continue;
                }
                cf.checkpointTs = resolved;
                if (cf.warning && !cf.manualError) cf.warning = undefined;
            }
            if (cf.sink.canal.enableTiDBExtension && cf.checkpointTs > cf.lastWatermark) {
                const ts = cf.checkpointTs;
                const generation = cf.generation;
                try {
                    const tables = this.replicatedTables(cf, ts);
                    for (const topic of cf.sink.router.activeTopics(tables)) {
                        const n = await this.partitionsOf(cf, topic);
                        const value = encodeWatermark(ts, cf.sink.canal);
                        await this.send(
                            cf,
                            topic,
                            Array.from({ length: n }, (_, partition) => ({ partition, value })),
                        );
                    }
                    cf.lastWatermark = ts;
                } catch (error) {
                    this.sendFailed(cf, generation, error);
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Changefeed validation (verifyCreateChangefeedConfig / verifyUpdateChangefeedConfig)
    // -----------------------------------------------------------------------------------------

    private unsupportedError(what: string): Unsupported {
        this.unsupported.push(what);
        return new Unsupported(what);
    }

    /** `getVerifiedTables`: filter, eligibility at `ts`, and for MQ sinks the dispatchers. */
    private verifiedTables(
        config: GoStruct,
        ts: bigint,
        uri: GoUrl | undefined,
    ): {
        ineligible: TableInfo[];
        eligible: TableInfo[];
        router?: EventRouter;
        filter: TableFilter;
    } {
        const filterConfig = config.filter as GoStruct | undefined;
        const caseSensitive = config.case_sensitive === true;
        const filter = changefeedFilter(filterConfig?.rules as string[] | undefined, caseSensitive);
        const tables = this.upstream.tablesAt(ts).filter((t) => filter.match(t.schema, t.table));
        const ineligible = tables.filter((t) => !t.eligible);
        const eligible = tables.filter((t) => t.eligible);
        let router: EventRouter | undefined;
        if (uri && KAFKA_SCHEMES.includes(uri.scheme)) {
            const sink = config.sink as GoStruct | undefined;
            const topic = uri.path.replace(/^\/+|\/+$/g, "");
            router = new EventRouter(
                topic,
                sink?.dispatchers as GoStruct[] | undefined,
                caseSensitive,
            );
            for (const t of tables) router.verify(t);
        }
        return { ineligible, eligible, router, filter };
    }

    private eventFilters(config: GoStruct): EventFilter[] {
        const filterConfig = config.filter as GoStruct | undefined;
        const rules = (filterConfig?.event_filters as GoStruct[] | undefined) ?? [];
        return rules.map((rule) => {
            const matcher = (rule.matcher as string[] | undefined) ?? [];
            let filter: TableFilter;
            try {
                filter = parseTableFilter(matcher, config.case_sensitive === true);
            } catch (error) {
                if (error instanceof FilterSyntaxError)
                    throw E.filterRuleInvalid(`[${matcher.join(" ")}]: ${error.message}`);
                throw error;
            }
            const ignoreSql = ((rule.ignore_sql as string[] | undefined) ?? []).map((s) => {
                try {
                    return new RegExp(s);
                } catch (error) {
                    throw E.filterRuleInvalid(`${s}: ${(error as Error).message}`);
                }
            });
            for (const expr of [
                "ignore_insert_value_expr",
                "ignore_update_new_value_expr",
                "ignore_update_old_value_expr",
                "ignore_delete_value_expr",
            ]) {
                if (rule[expr]) throw this.unsupportedError(`filter.event_filters[].${expr}`);
            }
            return {
                filter,
                ignoreEvents: new Set(
                    ((rule.ignore_event as string[] | undefined) ?? []).map((e) => e.toLowerCase()),
                ),
                ignoreSql,
            };
        });
    }

    /**
     * `validator.Validate`: opens the sink (Kafka checks) and builds the runtime pieces. Throws
     * TiCDC's errors for Kafka problems and `EMULATOR:Unsupported` for what is not emulated.
     */
    private async openSink(
        namespace: string,
        id: string,
        sinkUri: string,
        config: GoStruct,
    ): Promise<SinkRuntime> {
        if (sinkUri === "") throw E.sinkUriInvalidStack("sink uri is empty");
        const uri = parseSinkUri(sinkUri);
        if (
            config.enable_sync_point === true &&
            !["mysql", "mysql+ssl", "tidb", "tidb+ssl"].includes(uri.scheme)
        ) {
            throw E.sinkUriInvalidStack(
                `sink uri scheme is not supported with syncpoint enabled sink uri: ${maskForError(sinkUri)}`,
            );
        }
        if (
            config.bdr_mode === true &&
            !["mysql", "mysql+ssl", "tidb", "tidb+ssl"].includes(uri.scheme)
        ) {
            throw E.sinkUriInvalidStack(
                `sink uri scheme is not supported in BDR mode, sink uri: ${maskSinkUri(sinkUri)}`,
            );
        }
        if (!KAFKA_SCHEMES.includes(uri.scheme)) {
            if (OTHER_TICDC_SCHEMES.includes(uri.scheme))
                throw this.unsupportedError(`sink scheme ${uri.scheme}://`);
            throw E.sinkUriInvalid(`the sink scheme (${uri.scheme}) is not supported`);
        }
        const sink = config.sink as GoStruct | undefined;
        const options = kafkaSinkOptions(uri, sink);
        let protocol: string;
        try {
            protocol = parseProtocol(sink?.protocol as string | undefined);
        } catch (error) {
            throw new CdcError(
                "CDC:ErrKafkaInvalidConfig",
                `[CDC:ErrKafkaInvalidConfig]kafka config invalid: ${(error as Error).message}`,
            );
        }
        const clientId = kafkaClientId(this.address, namespace, id, options.clientId);
        if (protocol !== "canal-json")
            throw this.unsupportedError(`protocol ${protocol} (only canal-json is produced)`);
        const { partitionNum, maxMessageBytes } = await verifySink(this.kafka, options, clientId);
        const caseSensitive = config.case_sensitive === true;
        const filterConfig = config.filter as GoStruct | undefined;
        const kafkaConfig = sink?.kafka_config as GoStruct | undefined;
        return {
            uri,
            options,
            clientId,
            partitionNum,
            maxMessageBytes,
            router: new EventRouter(
                options.topic,
                sink?.dispatchers as GoStruct[] | undefined,
                caseSensitive,
            ),
            filter: changefeedFilter(filterConfig?.rules as string[] | undefined, caseSensitive),
            eventFilters: this.eventFilters(config),
            canal: {
                enableTiDBExtension: options.enableTiDBExtension,
                onlyOutputUpdatedColumns: options.onlyOutputUpdatedColumns,
                contentCompatible: options.contentCompatible,
                deleteOnlyHandleKeyColumns: options.deleteOnlyHandleKeyColumns,
            },
            splitUpdates: kafkaConfig?.output_raw_change_event !== true,
            forceReplicate: config.force_replicate === true,
            partitions: new Map(),
        };
    }

    // -----------------------------------------------------------------------------------------
    // HTTP
    // -----------------------------------------------------------------------------------------

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const raw = Buffer.concat(chunks);
        const bodyText = raw.length > 0 ? raw.toString("utf8") : undefined;
        const url = new URL(req.url ?? "/", "http://emulator");
        const method = (req.method ?? "GET").toUpperCase();
        const path = url.pathname;
        let reply: Reply | { status: number; text: string; contentType: string };
        const op = findOperation(method, path);
        const requestProblems = this.strict
            ? validateRequest(method, path, bodyText, { contentType: req.headers["content-type"] })
            : [];
        if (requestProblems.length > 0) {
            this.violations.push({ direction: "request", method, path, problems: requestProblems });
            reply = this.contractViolation("request", requestProblems);
        } else if (!op && !path.startsWith("/api/v2/")) {
            reply = { status: 404, text: "404 page not found", contentType: "text/plain" };
        } else {
            try {
                reply = await this.route(method, path, url.searchParams, bodyText, req);
            } catch (error) {
                if (error instanceof CdcError) {
                    reply = {
                        status: error.httpStatus(this.flavor),
                        body: error.body(),
                        indent: true,
                    };
                } else {
                    reply = {
                        status: 500,
                        body: {
                            error_msg: `emulator bug: ${(error as Error).stack ?? String(error)}`,
                            error_code: "EMULATOR:Bug",
                        },
                        indent: true,
                    };
                }
            }
        }
        let status: number;
        let text: string;
        let contentType = "application/json; charset=utf-8";
        if ("text" in reply) {
            ({ status, text, contentType } = reply);
        } else {
            status = reply.status;
            text = goJson(reply.body, reply.indent ? "    " : "");
            const isViolation =
                isJsonObject(reply.body) && reply.body.error_code === "EMULATOR:ContractViolation";
            if (this.strict && !isViolation && op) {
                const problems = validateResponse(method, path, status, text);
                if (problems.length > 0) {
                    this.violations.push({ direction: "response", method, path, status, problems });
                    const v = this.contractViolation("response", problems);
                    status = v.status;
                    text = goJson(v.body, "    ");
                }
            }
        }
        this.exchanges.push({
            method,
            path,
            query: url.search,
            requestBody: bodyText,
            status,
            responseBody: text,
        });
        res.writeHead(status, {
            "Content-Type": contentType,
            "Content-Length": Buffer.byteLength(text),
        });
        res.end(text);
    }

    private contractViolation(direction: "request" | "response", problems: string[]): Reply {
        return {
            status: 500,
            body: {
                error_msg: `emulator contract violation (${direction} does not match the TiCDC swagger): ${problems.join("; ")}`,
                error_code: "EMULATOR:ContractViolation",
            },
            indent: true,
        };
    }

    private requiresAuth(method: string, path: string): boolean {
        if (path.startsWith("/api/v2/unsafe/")) return true;
        if (method === "POST" && path === "/api/v2/changefeeds") return true;
        const m = /^\/api\/v2\/changefeeds\/[^/]+(\/[a-z_]+)?$/.exec(path);
        if (!m) return false;
        const sub = m[1] ?? "";
        if (sub === "" && (method === "PUT" || method === "DELETE")) return true;
        if ((sub === "/pause" || sub === "/resume") && method === "POST") return true;
        if (
            this.flavor === "new-arch" &&
            (sub === "/status" || sub === "/synced") &&
            method === "GET"
        )
            return true;
        return false;
    }

    private authenticate(req: http.IncomingMessage): void {
        if (!this.users) return;
        const header = req.headers.authorization ?? "";
        const m = /^Basic\s+(.+)$/i.exec(header);
        if (!m) throw E.credentialNotFound();
        const decoded = Buffer.from(m[1] ?? "", "base64").toString("utf8");
        const colon = decoded.indexOf(":");
        if (colon < 0) throw E.credentialNotFound();
        const user = decoded.slice(0, colon);
        const password = decoded.slice(colon + 1);
        if (!(user in this.users)) {
            throw E.unauthorized(
                user,
                user === "" ? "Empty username is not allowed." : "The user is not allowed.",
            );
        }
        if (this.users[user] !== password) {
            throw E.unauthorized(
                user,
                `Error 1045 (28000): Access denied for user '${user}'@'127.0.0.1' (using password: ${password === "" ? "NO" : "YES"})`,
            );
        }
    }

    /** gin `BindJSON` into a fresh or pre-filled struct; errors are `ErrAPIInvalidParam` (400). */
    private bind(
        structName:
            "ChangefeedConfig" | "ResumeChangefeedConfig" | "VerifyTableConfig" | "UpstreamConfig",
        body: string | undefined,
        into?: GoStruct,
    ): GoStruct {
        if (body === undefined || body.trim() === "") throw E.apiInvalidParamWrap("EOF");
        let json: JsonValue;
        try {
            json = parseJson(body);
        } catch (error) {
            throw E.apiInvalidParamWrap((error as Error).message);
        }
        if (json === null) return into ?? zeroStruct(structName);
        if (!isJsonObject(json)) {
            throw E.apiInvalidParamWrap(
                `json: cannot unmarshal ${Array.isArray(json) ? "array" : typeof json} into Go value of type v2.${structName}`,
            );
        }
        try {
            return decodeStruct(structName, into, json);
        } catch (error) {
            if (error instanceof GoJsonError) throw E.apiInvalidParamWrap(error.message);
            throw error;
        }
    }

    private namespaceOf(query: URLSearchParams): string {
        return query.get("namespace") || "default";
    }

    private checkId(id: string): void {
        if (!ID_PATTERN.test(id) || id.length > 128)
            throw E.apiInvalidParam(`invalid changefeed_id: ${id}`);
    }

    private lookup(namespace: string, id: string): Changefeed {
        const cf = this.changefeeds.get(this.key(namespace, id));
        if (!cf) throw E.notExists(`${namespace}/${id}`);
        return cf;
    }

    private async route(
        method: string,
        path: string,
        query: URLSearchParams,
        body: string | undefined,
        req: http.IncomingMessage,
    ): Promise<Reply | { status: number; text: string; contentType: string }> {
        if (!this.ready) throw E.serverNotReady();
        if (this.requiresAuth(method, path)) this.authenticate(req);
        const seg = path.replace(/\/+$/, "").split("/").slice(3).map(decodeURIComponent);
        const [root, id, sub, extra] = seg;
        const ns = this.namespaceOf(query);
        if (root === "health" && method === "GET" && !id) {
            if (!this.healthy) throw E.clusterUnhealthy();
            return ok({});
        }
        if (root === "status" && method === "GET" && !id) return ok(this.serverStatus(), true);
        if (root === "captures" && method === "GET" && !id) {
            return ok({
                total: 1n,
                items: [
                    {
                        id: this.captureId,
                        is_owner: true,
                        address: this.address,
                        cluster_id: "default",
                    },
                ],
            });
        }
        if (root === "log" && method === "POST" && !id) {
            const level = this.logLevel(body);
            if (!LOG_LEVELS.includes(level)) {
                throw E.apiInvalidParam(`fail to change log level: ${level}`);
            }
            return ok({});
        }
        if (root === "owner" && id === "resign" && method === "POST") return ok({});
        if (root === "tso" && method === "POST" && !id) {
            this.bind("UpstreamConfig", body);
            const ts = this.tso.next();
            return ok(
                { timestamp: BigInt(physicalMs(ts)), logic_time: ts & ((1n << 18n) - 1n) },
                true,
            );
        }
        if (root === "processors" && method === "GET") return this.processors(id, sub);
        if (root === "verify_table" && method === "POST" && !id && this.serveVerifyTable) {
            return this.verifyTable(body);
        }
        if (root === "changefeeds") {
            if (!id) {
                if (method === "POST") return this.create(body);
                if (method === "GET") return this.list(ns, query.get("state") ?? "");
            } else if (!extra) {
                if (!sub) {
                    if (method === "GET") return this.get(ns, id, true);
                    if (method === "PUT") return this.update(ns, id, body);
                    if (method === "DELETE") return this.remove(ns, id);
                } else if (sub === "pause" && method === "POST") return this.pause(ns, id);
                else if (sub === "resume" && method === "POST") return this.resume(ns, id, body);
                else if (sub === "status" && method === "GET") return this.status(ns, id);
                else if (sub === "synced" && method === "GET") return this.synced(ns, id);
                else if (sub === "meta_info" && method === "GET") return this.get(ns, id, false);
            }
        }
        if (root === "unsafe" || (root === "captures" && sub === "drain")) {
            throw this.unsupportedError(`${method} ${path}`);
        }
        return { status: 404, text: "404 page not found", contentType: "text/plain" };
    }

    private logLevel(body: string | undefined): string {
        if (body === undefined || body.trim() === "") throw E.apiInvalidParamWrap("EOF");
        let json: JsonValue;
        try {
            json = parseJson(body);
        } catch (error) {
            throw E.apiInvalidParamWrap((error as Error).message);
        }
        return isJsonObject(json) && typeof json.log_level === "string" ? json.log_level : "";
    }

    private serverStatus(): JsonObject {
        return {
            version: this.version,
            git_hash: "0000000000000000000000000000000000000000",
            id: this.captureId,
            cluster_id: "default",
            pid: BigInt(process.pid),
            is_owner: true,
            liveness: 0n,
        };
    }

    private processors(cfId: string | undefined, captureId: string | undefined): Reply {
        const running = [...this.changefeeds.values()].filter((cf) =>
            ["normal", "warning"].includes(cf.state),
        );
        if (!cfId) {
            return ok({
                total: BigInt(running.length),
                items: running.map((cf) => ({
                    namespace: cf.namespace,
                    changefeed_id: cf.id,
                    capture_id: this.captureId,
                })),
            });
        }
        const cf = running.find((c) => c.id === cfId);
        if (!cf) throw E.notExists(cfId);
        if (captureId !== this.captureId)
            throw cdcError("CDC:ErrCaptureNotExist", `capture not exists, ${captureId ?? ""}`);
        return ok({
            table_ids: this.replicatedTables(cf, cf.checkpointTs).map((t) => BigInt(t.id)),
        });
    }

    private runningErrorJson(e: RunningError, withTime: boolean): JsonObject {
        return {
            ...(withTime ? { time: rfc3339(e.time) } : {}),
            addr: e.addr,
            code: e.code,
            message: e.message,
        };
    }

    /** `toAPIModel`. */
    private info(cf: Changefeed, mask: boolean, taskStatus: boolean): JsonObject {
        const showError = !["normal", "stopped", "finished", "removed"].includes(cf.state);
        const out: JsonObject = {};
        if (cf.upstreamId !== 0n) out.upstream_id = cf.upstreamId;
        if (cf.namespace !== "") out.namespace = cf.namespace;
        if (cf.id !== "") out.id = cf.id;
        const uri = mask ? maskSinkUri(cf.sinkUri) : cf.sinkUri;
        if (uri !== "") out.sink_uri = uri;
        out.create_time = rfc3339(cf.createTime);
        if (cf.startTs !== 0n) out.start_ts = cf.startTs;
        if (cf.targetTs !== 0n) out.target_ts = cf.targetTs;
        if (cf.adminJobType !== 0) out.admin_job_type = BigInt(cf.adminJobType);
        out.config = toApiJson(cf.config);
        out.state = cf.state;
        if (cf.error && showError) out.error = this.runningErrorJson(cf.error, false);
        out.creator_version = cf.creatorVersion;
        out.resolved_ts = cf.resolvedTs;
        out.checkpoint_ts = cf.checkpointTs;
        out.checkpoint_time = jsonTime(cf.checkpointTs);
        if (taskStatus && cf.state === "normal") {
            const tables = this.replicatedTables(cf, cf.checkpointTs).map((t) => BigInt(t.id));
            out.task_status = [
                { capture_id: this.captureId, ...(tables.length ? { table_ids: tables } : {}) },
            ];
        }
        return out;
    }

    private get(ns: string, id: string, mask: boolean): Reply {
        this.checkId(id);
        return ok(this.info(this.lookup(ns, id), mask, true));
    }

    private list(ns: string, state: string): Reply {
        const items = [...this.changefeeds.values()]
            .filter((cf) => cf.namespace === ns)
            .filter((cf) =>
                state === "all"
                    ? true
                    : state === ""
                      ? ["normal", "stopped", "failed", "warning", "pending"].includes(cf.state)
                      : cf.state === state,
            )
            .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
            .map((cf): JsonObject => {
                const shown = cf.state === "pending" ? "warning" : cf.state;
                const err = cf.error ?? cf.warning;
                const showError = !["normal", "stopped", "finished", "removed"].includes(cf.state);
                return {
                    upstream_id: cf.upstreamId,
                    namespace: cf.namespace,
                    id: cf.id,
                    state: shown,
                    checkpoint_tso: cf.checkpointTs,
                    checkpoint_time: jsonTime(cf.checkpointTs),
                    error: err && showError ? this.runningErrorJson(err, true) : null,
                };
            });
        return ok({ total: BigInt(items.length), items });
    }

    private status(ns: string, id: string): Reply {
        this.checkId(id);
        const cf = this.lookup(ns, id);
        const checkpointMs = physicalMs(cf.checkpointTs);
        const out: JsonObject = {};
        out.state = cf.state;
        out.resolved_ts = cf.resolvedTs;
        out.checkpoint_ts = cf.checkpointTs;
        if (cf.error && checkpointMs < cf.error.time.getTime())
            out.last_error = this.runningErrorJson(cf.error, true);
        if (cf.warning && checkpointMs < cf.warning.time.getTime()) {
            out.last_warning = this.runningErrorJson(cf.warning, true);
        }
        return ok(out);
    }

    private synced(ns: string, id: string): Reply {
        this.checkId(id);
        const cf = this.lookup(ns, id);
        const now = this.clockNow();
        const checkpointMs = physicalMs(cf.checkpointTs);
        const resolvedMs = physicalMs(cf.resolvedTs);
        const lastSyncedMs = physicalMs(cf.lastSyncedTs || cf.startTs);
        const syncedCheck =
            Number(
                ((cf.config.synced_status as GoStruct | undefined)?.synced_check_interval as
                    bigint | undefined) ?? 300n,
            ) * 1000;
        const checkpointInterval =
            Number(
                ((cf.config.synced_status as GoStruct | undefined)?.checkpoint_interval as
                    bigint | undefined) ?? 15n,
            ) * 1000;
        let synced = false;
        let info = "The data syncing is not finished, please wait";
        if (now - lastSyncedMs > syncedCheck && now - checkpointMs < checkpointInterval) {
            synced = true;
            info = "Data syncing is finished";
        } else if (
            now - lastSyncedMs > syncedCheck &&
            resolvedMs - checkpointMs < checkpointInterval
        ) {
            info =
                "Please check whether PD is online and TiKV Regions are all available. If PD is offline or some TiKV regions are not available, it means that the data syncing process is complete. To check whether TiKV regions are all available, you can view 'TiKV-Details' > 'Resolved-Ts' > 'Max Leader Resolved TS gap' on Grafana. If the gap is large, such as a few minutes, it means that some regions in TiKV are unavailable. Otherwise, if the gap is small and PD is online, it means the data syncing is incomplete, so please wait";
        }
        return ok({
            synced,
            sink_checkpoint_ts: localTime(new Date(checkpointMs)),
            puller_resolved_ts: localTime(new Date(resolvedMs)),
            last_synced_ts: localTime(new Date(lastSyncedMs)),
            now_ts: localTime(new Date(Math.floor(now / 1000) * 1000)),
            info,
        });
    }

    private verifyTable(body: string | undefined): Reply {
        const cfg = this.bind("VerifyTableConfig", body, {
            ...zeroStruct("VerifyTableConfig"),
            replica_config: defaultReplicaConfig(),
        });
        const sinkUri = cfg.sink_uri as string;
        const uri = parseSinkUri(sinkUri);
        const replica = toInternal(
            (cfg.replica_config as GoStruct | undefined) ?? zeroStruct("ReplicaConfig"),
        );
        const { ineligible, eligible } = this.verifiedTables(replica, cfg.start_ts as bigint, uri);
        const names = (tables: TableInfo[]) =>
            tables.map((t) => ({
                database_name: t.schema,
                table_name: t.table,
                table_id: BigInt(t.id),
                is_partition: false,
            }));
        const out: JsonObject = {};
        if (ineligible.length) out.ineligible_tables = names(ineligible);
        if (eligible.length) out.eligible_tables = names(eligible);
        return ok(out);
    }

    private async create(body: string | undefined): Promise<Reply> {
        const cfg = this.bind("ChangefeedConfig", body, {
            ...zeroStruct("ChangefeedConfig"),
            replica_config: defaultReplicaConfig(),
        });
        const sinkUri = cfg.sink_uri as string;
        if (sinkUri === "") {
            throw E.sinkUriInvalid(
                "sink_uri is empty, cannot create a changefeed without sink_uri",
            );
        }
        let id = cfg.changefeed_id as string;
        if (id === "") id = randomUUID();
        if (!ID_PATTERN.test(id) || id.length > 128)
            throw E.apiInvalidParam(`invalid changefeed_id: ${id}`);
        const namespace = (cfg.namespace as string) || "default";
        if (!ID_PATTERN.test(namespace) || namespace.length > 128) {
            throw E.apiInvalidParam(`invalid namespace: ${namespace}`);
        }
        if (this.changefeeds.has(this.key(namespace, id))) throw E.alreadyExists(id);
        const current = this.tso.next();
        let startTs = cfg.start_ts as bigint;
        if (startTs === 0n) startTs = current;
        else if (startTs > current) {
            throw E.apiInvalidParam(
                `invalid start-ts ${startTs}, larger than current tso ${current}`,
            );
        }
        if (startTs <= this.gcSafePoint) throw E.startTsBeforeGc(startTs, this.gcSafePoint);
        const targetTs = cfg.target_ts as bigint;
        if (targetTs > 0n && targetTs <= startTs) throw E.targetTsBeforeStartTs(targetTs, startTs);
        const config = toInternal(
            (cfg.replica_config as GoStruct | undefined) ?? zeroStruct("ReplicaConfig"),
        );
        const uri = parseSinkUri(sinkUri);
        validateAndAdjust(config, uri);
        const { ineligible } = this.verifiedTables(config, startTs, uri);
        if (
            config.force_replicate !== true &&
            config.ignore_ineligible_table !== true &&
            ineligible.length > 0
        ) {
            throw E.tableIneligible(ineligible.map((t) => `${t.schema}.${t.table}`));
        }
        const sink = await this.openSink(namespace, id, sinkUri, config);
        if (this.changefeeds.has(this.key(namespace, id))) throw E.alreadyExists(id);
        const cf: Changefeed = {
            namespace,
            id,
            upstreamId: this.upstreamId,
            sinkUri,
            createTime: new Date(this.clockNow()),
            startTs,
            targetTs,
            adminJobType: 0,
            config,
            state: "normal",
            creatorVersion: this.version,
            checkpointTs: startTs,
            resolvedTs: startTs,
            lastSyncedTs: 0n,
            lastWatermark: 0n,
            cursor: this.firstIndexAfter(startTs),
            sink,
            generation: 0,
            manualError: false,
            messagesSent: 0,
        };
        this.changefeeds.set(this.key(namespace, id), cf);
        const reply = ok(this.info(cf, true, false));
        this.pump(cf);
        return reply;
    }

    private async update(ns: string, id: string, body: string | undefined): Promise<Reply> {
        this.checkId(id);
        const old = this.lookup(ns, id);
        if (old.state !== "stopped" && old.state !== "failed") {
            throw E.updateRefused("can only update changefeed config when it is stopped or failed");
        }
        const cfg = this.bind("ChangefeedConfig", body);
        if (this.flavor === "new-arch" && cfg.start_ts !== 0n)
            throw E.apiInvalidParam("start_ts can not be updated");
        let targetTs = old.targetTs;
        if (cfg.target_ts !== 0n) {
            if ((cfg.target_ts as bigint) <= old.startTs) {
                throw cdcError(
                    "CDC:ErrChangefeedUpdateRefused",
                    `can not update target_ts:${cfg.target_ts as bigint} less than start_ts:${old.startTs}`,
                );
            }
            targetTs = cfg.target_ts as bigint;
        }
        const configUpdated = cfg.replica_config !== undefined;
        const sinkUriUpdated = cfg.sink_uri !== "";
        const newConfig = configUpdated
            ? toInternal(cfg.replica_config as GoStruct)
            : clone(old.config);
        const newSinkUri = sinkUriUpdated ? (cfg.sink_uri as string) : old.sinkUri;
        let sink = old.sink;
        if (configUpdated || sinkUriUpdated) {
            const refused = (error: unknown): never => {
                if (error instanceof Unsupported) throw error;
                if (error instanceof CdcError) throw E.updateRefusedByCause(error);
                throw error;
            };
            let uri: GoUrl;
            try {
                uri = parseSinkUri(newSinkUri);
                this.checkSinkCompatibility(
                    newConfig.sink as GoStruct | undefined,
                    old.config.sink as GoStruct | undefined,
                    uri,
                );
                validateAndAdjust(newConfig, uri);
            } catch (error) {
                return refused(error);
            }
            let ineligible: TableInfo[];
            try {
                ({ ineligible } = this.verifiedTables(newConfig, old.checkpointTs, uri));
            } catch (error) {
                return refused(error);
            }
            if (
                newConfig.force_replicate !== true &&
                newConfig.ignore_ineligible_table !== true &&
                ineligible.length > 0
            ) {
                throw E.tableIneligible(ineligible.map((t) => `${t.schema}.${t.table}`));
            }
            try {
                sink = await this.openSink(ns, id, newSinkUri, newConfig);
            } catch (error) {
                return refused(error);
            }
        }
        if (
            this.flavor === "classic" &&
            targetTs === old.targetTs &&
            newSinkUri === old.sinkUri &&
            deepEqual(newConfig, old.config)
        ) {
            throw E.updateRefused("changefeed config is the same with the old one, do nothing");
        }
        const cf = this.lookup(ns, id);
        if (cf.state !== "stopped" && cf.state !== "failed") {
            throw E.updateRefused("can only update changefeed config when it is stopped or failed");
        }
        if (sink !== cf.sink) await cf.sink.producer?.close();
        cf.targetTs = targetTs;
        cf.sinkUri = newSinkUri;
        cf.config = newConfig;
        cf.sink = sink;
        return ok(this.info(cf, true, false));
    }

    /** `SinkConfig.CheckCompatibilityWithSinkURI` (pointer comparison ⇒ "changed" unless both unset). */
    private checkSinkCompatibility(
        newSink: GoStruct | undefined,
        oldSink: GoStruct | undefined,
        uri: GoUrl,
    ): void {
        if (!newSink || !oldSink) return;
        const cfgParamsChanged =
            newSink.protocol !== undefined ||
            oldSink.protocol !== undefined ||
            newSink.transaction_atomicity !== undefined ||
            oldSink.transaction_atomicity !== undefined;
        const uriParamsChanged = applySinkUriParameters(clone(oldSink), uri) !== undefined;
        if (!uriParamsChanged && !cfgParamsChanged) return;
        const incompatible = applySinkUriParameters(newSink, uri);
        if (uriParamsChanged && incompatible) return;
        if (incompatible)
            throw E.incompatibleSinkConfig(incompatible.fromUri, incompatible.fromFile);
    }

    private adminJob(apply: () => void): void {
        const delay = this.options.adminJobDelayMs ?? 0;
        if (delay <= 0) {
            apply();
            return;
        }
        const t = setTimeout(() => {
            this.timers.delete(t);
            apply();
        }, delay);
        this.timers.add(t);
    }

    private pause(ns: string, id: string): Reply {
        this.checkId(id);
        const cf = this.lookup(ns, id);
        this.adminJob(() => {
            if (!["normal", "warning", "pending"].includes(cf.state)) return;
            cf.generation++;
            this.setState(cf, "stopped");
        });
        return ok({});
    }

    private resume(ns: string, id: string, body: string | undefined): Reply {
        this.checkId(id);
        const cf = this.lookup(ns, id);
        const cfg = this.bind("ResumeChangefeedConfig", body);
        const overwrite = cfg.overwrite_checkpoint_ts as bigint;
        if (overwrite !== 0n) {
            const current = this.tso.next();
            if (overwrite > current) {
                throw E.apiInvalidParam(
                    `invalid checkpoint-ts ${overwrite}, larger than current tso ${current}`,
                );
            }
            if (overwrite <= this.gcSafePoint) throw E.startTsBeforeGc(overwrite, this.gcSafePoint);
        }
        if (this.flavor === "new-arch" && !["stopped", "failed", "finished"].includes(cf.state)) {
            throw E.updateRefused(
                `can only resume changefeed when it is stopped, failed, or finished, but current state is ${cf.state}`,
            );
        }
        this.adminJob(() => {
            if (!["stopped", "failed", "finished"].includes(cf.state)) return; // classic: a silent no-op
            cf.generation++;
            cf.manualError = false;
            cf.error = undefined;
            if (overwrite !== 0n) {
                cf.startTs = overwrite;
                cf.checkpointTs = overwrite;
                cf.resolvedTs = overwrite;
            }
            cf.cursor = this.firstIndexAfter(cf.checkpointTs);
            cf.lastWatermark = 0n;
            this.setState(cf, "normal");
            this.pump(cf);
        });
        return ok({});
    }

    private async remove(ns: string, id: string): Promise<Reply> {
        this.checkId(id);
        const cf = this.changefeeds.get(this.key(ns, id));
        if (!cf) return ok({});
        cf.generation++;
        this.setState(cf, "removed");
        this.changefeeds.delete(this.key(ns, id));
        await cf.pumping?.catch(() => undefined);
        await cf.sink.producer?.close();
        return ok({});
    }
}

/** Starts an emulator on 127.0.0.1 (random port by default). */
export async function startTicdcEmulator(
    options: TicdcEmulatorOptions = {},
): Promise<TicdcEmulator> {
    const emulator = new TicdcEmulator(options);
    await emulator.listen();
    return emulator;
}

export { composeTs, physicalMs, MemoryKafka };
