/**
 * The Changefeed provider against the TiCDC emulator (test/emulator/ticdc, strict swagger
 * contract checks) producing to the real KRaft Kafka from the integration setup. Provider
 * methods are called the way the Pulumi engine calls them (check → create / read / diff →
 * update / delete). Every test ends by asserting the emulator recorded no contract violation.
 */
import { Kafka, logLevel } from "kafkajs";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import {
    type ChangefeedOutputs,
    changefeedProvider as provider,
    createBody,
    diffChangefeed,
    resolveInputs,
} from "../../components/ticdc/changefeed";
import { stringifyTicdcJson } from "../../components/ticdc/client";
import { startTicdcEmulator, type TicdcEmulator } from "../emulator/ticdc/server";

const services = inject("services");
const bootstrap = services.kafka.bootstrap;
/** A schema (and topic prefix) of this run, so reruns against long-lived Kafka never collide. */
const SCHEMA = `cf${Date.now().toString(36)}`;
const DEFAULT_TOPIC = `${SCHEMA}-default`;
const TABLE_TOPICS = ["orders", "items"].map((t) => `tidb_${SCHEMA}_${t}`);
const UINT64_MAX = "18446744073709551615";

let emulator: TicdcEmulator;
const emulators: TicdcEmulator[] = [];

async function newEmulator(options: Parameters<typeof startTicdcEmulator>[0] = {}) {
    const e = await startTicdcEmulator({ kafka: { real: {} }, tickMs: 250, ...options });
    e.defineTable({
        schema: SCHEMA,
        table: "orders",
        columns: [
            { name: "id", type: "bigint" },
            { name: "note", type: "varchar(64)" },
        ],
        primaryKey: ["id"],
    });
    e.defineTable({
        schema: SCHEMA,
        table: "items",
        columns: [
            { name: "sku", type: "varchar(32)", nullable: false },
            { name: "qty", type: "int" },
        ],
        uniqueIndexes: [{ name: "uk_sku", columns: ["sku"] }],
    });
    e.defineTable({
        schema: SCHEMA,
        table: "nokey",
        columns: [{ name: "v", type: "int" }],
    });
    emulators.push(e);
    return e;
}

beforeAll(async () => {
    const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
        // TiCDC is told auto-create-topic=false: the topics come first (kafka.md §4.3).
        await admin.createTopics({
            waitForLeaders: true,
            topics: [DEFAULT_TOPIC, ...TABLE_TOPICS].map((topic) => ({
                topic,
                numPartitions: 3,
                replicationFactor: 1,
            })),
        });
    } finally {
        await admin.disconnect();
    }
    emulator = await newEmulator();
});

afterEach(() => {
    for (const e of emulators) {
        const violations = e.violations.splice(0);
        const unsupported = e.unsupported.splice(0);
        expect(violations, "TiCDC swagger contract violations").toEqual([]);
        expect(unsupported, "requests the emulator does not emulate").toEqual([]);
    }
});

afterAll(async () => {
    await Promise.all(emulators.map((e) => e.close()));
});

// ---------------------------------------------------------------------------------------------
// The engine's view
// ---------------------------------------------------------------------------------------------

let counter = 0;
const nextId = (what: string) => `${what}-${++counter}`;

function args(id: string, extra: Record<string, unknown> = {}, on = emulator) {
    return {
        changefeedId: id,
        ticdcApiUrl: on.url,
        sink: {
            brokers: [bootstrap],
            topic: DEFAULT_TOPIC,
            partitionNum: 3,
            replicationFactor: 1,
            maxMessageBytes: 1048576,
            kafkaVersion: "2.4.0",
        },
        tables: [`${SCHEMA}.orders`, `${SCHEMA}.items`],
        waitTimeoutSeconds: 20,
        ...extra,
    } as Record<string, unknown>;
}

async function checked(news: Record<string, unknown>, olds: Record<string, unknown> = {}) {
    const result = await provider.check!(olds, news);
    if (result.failures?.length) throw new Error(JSON.stringify(result.failures));
    return result.inputs as Record<string, unknown>;
}

async function up(news: Record<string, unknown>): Promise<ChangefeedOutputs> {
    const created = await provider.create(await checked(news));
    expect(created.id).toBe(news.changefeedId);
    return created.outs as ChangefeedOutputs;
}

async function refresh(id: string, props: Record<string, unknown>) {
    return provider.read!(id, props);
}

/** `pulumi up` against existing state: diff, then update when needed. */
async function upExisting(olds: ChangefeedOutputs, news: Record<string, unknown>) {
    const inputs = await checked(news, olds as unknown as Record<string, unknown>);
    const diff = await provider.diff!(olds.changefeedId, olds, inputs);
    if (diff.replaces?.length) throw new Error(`unexpected replace: ${diff.replaces.join(", ")}`);
    if (!diff.changes) return { diff, outs: olds };
    const updated = await provider.update!(olds.changefeedId, olds, inputs);
    return { diff, outs: updated.outs as ChangefeedOutputs };
}

/** Out-of-band calls, like an operator with `cdc cli` or curl. */
async function ticdc(method: string, path: string, body?: unknown, on = emulator) {
    const response = await fetch(`${on.url}/api/v2/${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : stringifyTicdcJson(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text;
}

function posts(on: TicdcEmulator, path: string) {
    return on.exchanges.filter((x) => x.method === "POST" && x.path === `/api/v2/${path}`);
}

// ---------------------------------------------------------------------------------------------

describe("changefeed lifecycle", () => {
    it("create → read → drift (pause, sink, delete) → update → delete twice → import", async () => {
        const id = nextId("life");
        const startTs = emulator.currentTso().toString();
        expect(BigInt(startTs)).toBeGreaterThan(2n ** 53n);

        const created = await up(args(id, { startTs }));
        expect(created).toMatchObject({ state: "normal", startTs, paused: false });
        expect(BigInt(created.checkpointTs)).toBeGreaterThanOrEqual(BigInt(startTs));
        expect(posts(emulator, "verify_table")).not.toHaveLength(0);
        const live = emulator.changefeedState(id)!;
        expect(live.startTs).toBe(BigInt(startTs));
        expect(live.config.filter).toMatchObject({ rules: args(id).tables });
        expect((live.config.sink as { dispatchers: unknown[] }).dispatchers).toEqual([
            expect.objectContaining({
                matcher: args(id).tables,
                topic: "tidb_{schema}_{table}",
                partition: "index-value",
            }),
        ]);

        // Read right after create: no drift.
        let read = await refresh(id, created as unknown as Record<string, unknown>);
        expect(read.id).toBe(id);
        expect((await provider.diff!(id, read.props, args(id, { startTs }))).changes).toBe(false);

        // Paused out of band → refresh shows paused/stopped → up resumes it.
        await ticdc("POST", `changefeeds/${id}/pause`);
        read = await refresh(id, read.props as Record<string, unknown>);
        expect(read.props).toMatchObject({ state: "stopped", paused: true });
        expect(read.inputs).toMatchObject({ paused: true });
        let result = await upExisting(read.props as ChangefeedOutputs, args(id, { startTs }));
        expect(result.outs).toMatchObject({ state: "normal", paused: false });
        expect(emulator.changefeedState(id)!.startTs).toBe(BigInt(startTs));

        // Sink changed out of band (pause, PUT a new URI, resume) → drift → up restores it.
        await ticdc("POST", `changefeeds/${id}/pause`);
        await ticdc("PUT", `changefeeds/${id}`, {
            sink_uri: result.outs.sinkUri.replace("partition-num=3", "partition-num=1"),
        });
        await ticdc("POST", `changefeeds/${id}/resume`, {});
        read = await refresh(id, result.outs as unknown as Record<string, unknown>);
        expect(read.inputs).toMatchObject({ sink: { partitionNum: 1 } });
        result = await upExisting(read.props as ChangefeedOutputs, args(id, { startTs }));
        expect(result.diff).toMatchObject({ changes: true, replaces: [] });
        expect(emulator.changefeedState(id)!.sinkUri).toContain("partition-num=3");
        expect(result.outs.state).toBe("normal");

        // A config update through Pulumi: pause → PUT (complete config) → resume.
        const checkpointBefore = emulator.changefeedState(id)!.checkpointTs;
        result = await upExisting(
            result.outs,
            args(id, {
                startTs,
                eventFilters: [{ matcher: [`${SCHEMA}.*`], ignoreEvent: ["all ddl"] }],
            }),
        );
        expect(result.outs.state).toBe("normal");
        const afterUpdate = emulator.changefeedState(id)!;
        expect(afterUpdate.config).toMatchObject({
            check_gc_safe_point: true,
            filter: { event_filters: [expect.objectContaining({ ignore_event: ["all ddl"] })] },
        });
        // Resumed from its own checkpoint, not from a new one.
        expect(afterUpdate.checkpointTs).toBeGreaterThanOrEqual(checkpointBefore);
        expect(afterUpdate.startTs).toBe(BigInt(startTs));
        read = await refresh(id, result.outs as unknown as Record<string, unknown>);
        expect(
            (
                await provider.diff!(
                    id,
                    read.props,
                    args(id, {
                        startTs,
                        eventFilters: [{ matcher: [`${SCHEMA}.*`], ignoreEvent: ["all ddl"] }],
                    }),
                )
            ).changes,
        ).toBe(false);

        // Deleted out of band → refresh drops it.
        await ticdc("DELETE", `changefeeds/${id}`);
        const gone = await refresh(id, read.props as Record<string, unknown>);
        expect(gone.id).toBe("");

        // Delete is idempotent (twice, and on a changefeed that is already gone).
        await provider.delete!(id, read.props);
        await provider.delete!(id, read.props);
        expect(emulator.changefeedState(id)).toBeUndefined();
    });

    it("imports a changefeed made outside Pulumi from the connection fields alone", async () => {
        const id = nextId("import");
        const inputs = resolveInputs(args(id));
        await ticdc("POST", "changefeeds", createBody(inputs));
        const imported = await refresh(id, { ticdcApiUrl: emulator.url });
        expect(imported.id).toBe(id);
        expect(imported.props).toMatchObject({
            changefeedId: id,
            state: "normal",
            tables: inputs.tables,
            dispatchers: inputs.dispatchers,
            sink: inputs.sink,
        });
        // Only the provider's own option differs (TiCDC does not know it): an API-free update.
        const diff = diffChangefeed(imported.props as ChangefeedOutputs, await checked(args(id)));
        expect(diff).toMatchObject({ replaces: [], changed: ["waitTimeoutSeconds"] });
        const after = await upExisting(imported.props as ChangefeedOutputs, args(id));
        expect(after.outs).toMatchObject({ waitTimeoutSeconds: 20, state: "normal" });
        await provider.delete!(id, imported.props);
    });

    it("toggles paused: create stopped, resume, pause again (no PUT)", async () => {
        const id = nextId("paused");
        const created = await up(args(id, { paused: true }));
        expect(created).toMatchObject({ state: "stopped", paused: true });
        const puts = () => emulator.exchanges.filter((x) => x.method === "PUT").length;
        const before = puts();
        let result = await upExisting(created, args(id, { paused: false }));
        expect(result.diff.changes).toBe(true);
        expect(result.outs).toMatchObject({ state: "normal", paused: false });
        result = await upExisting(result.outs, args(id, { paused: true }));
        expect(result.outs).toMatchObject({ state: "stopped", paused: true });
        expect(puts()).toBe(before);
        // A config change while paused stays paused.
        result = await upExisting(
            result.outs,
            args(id, { paused: true, tables: [`${SCHEMA}.orders`] }),
        );
        expect(result.outs).toMatchObject({ state: "stopped", tables: [`${SCHEMA}.orders`] });
        expect(puts()).toBe(before + 1);
        await provider.delete!(id, result.outs);
    });

    it("keeps start_ts and target_ts above 2^53 exact through create, read and update", async () => {
        const id = nextId("bigts");
        const startTs = emulator.currentTso().toString();
        const created = await up(args(id, { startTs, targetTs: UINT64_MAX }));
        expect(created).toMatchObject({ startTs, targetTs: UINT64_MAX });
        const sent = posts(emulator, "changefeeds").at(-1)!.requestBody!;
        expect(sent).toContain(`"start_ts":${startTs}`);
        expect(sent).toContain(`"target_ts":${UINT64_MAX}`);
        expect(emulator.changefeedState(id)).toMatchObject({
            startTs: BigInt(startTs),
            targetTs: BigInt(UINT64_MAX),
        });
        const read = await refresh(id, created as unknown as Record<string, unknown>);
        expect(read.inputs).toMatchObject({ startTs, targetTs: UINT64_MAX });
        const target = (BigInt(UINT64_MAX) - 1n).toString();
        const { outs } = await upExisting(
            read.props as ChangefeedOutputs,
            args(id, { startTs, targetTs: target }),
        );
        expect(outs).toMatchObject({ startTs, targetTs: target, state: "normal" });
        expect(emulator.changefeedState(id)).toMatchObject({
            startTs: BigInt(startTs),
            targetTs: BigInt(target),
        });
        await expect(upExisting(outs, args(id, { startTs }))).rejects.toThrow(
            /cannot clear target_ts/,
        );
        await provider.delete!(id, outs);
    });
});

describe("TiCDC variants", () => {
    it("waits for asynchronous pause/resume (classic admin jobs) around an update", async () => {
        const slow = await newEmulator({ adminJobDelayMs: 700 });
        const id = nextId("async");
        const created = await up(args(id, {}, slow));
        const { outs } = await upExisting(
            created,
            args(id, { tables: [`${SCHEMA}.orders`] }, slow),
        );
        expect(outs).toMatchObject({ state: "normal", tables: [`${SCHEMA}.orders`] });
        const putStatuses = slow.exchanges.filter((x) => x.method === "PUT").map((x) => x.status);
        expect(putStatuses).toEqual([200]);
        await provider.delete!(id, outs);
    });

    it("new architecture: resume refused while running is never asked, delete of nothing is fine", async () => {
        const next = await newEmulator({ flavor: "new-arch" });
        const id = nextId("newarch");
        const created = await up(args(id, { startTs: next.currentTso().toString() }, next));
        let result = await upExisting(created, args(id, { paused: true }, next));
        expect(result.outs.state).toBe("stopped");
        result = await upExisting(
            result.outs,
            args(id, { paused: false, tables: [`${SCHEMA}.items`] }, next),
        );
        expect(result.outs).toMatchObject({ state: "normal", tables: [`${SCHEMA}.items`] });
        await provider.delete!(id, result.outs);
        await provider.delete!(id, result.outs);
    });

    it("namespace: every call is scoped, the changefeed lives there", async () => {
        const id = nextId("ns");
        const outs = await up(args(id, { namespace: "team-a" }));
        expect(emulator.changefeedState(id, "team-a")?.state).toBe("normal");
        expect(emulator.changefeedState(id)).toBeUndefined();
        const read = await refresh(id, { ticdcApiUrl: emulator.url, namespace: "team-a" });
        expect(read.props).toMatchObject({ changefeedId: id, namespace: "team-a" });
        expect((await refresh(id, { ticdcApiUrl: emulator.url })).id).toBe("");
        const diff = diffChangefeed(outs, await checked(args(id, { namespace: "team-b" })));
        expect(diff).toMatchObject({ replaces: ["namespace"], deleteBeforeReplace: true });
        await provider.delete!(id, outs);
        expect(emulator.changefeedState(id, "team-a")).toBeUndefined();
    });
});

describe("failures", () => {
    it("TiCDC down: a clear error", async () => {
        const down = args(nextId("down"), { ticdcApiUrl: "http://127.0.0.1:1" });
        await expect(provider.create(await checked(down))).rejects.toThrow(
            /^TiCDC at http:\/\/127\.0\.0\.1:1\/ could not be reached to (verify the tables of|read the current TSO|read changefeed)/,
        );
    });

    it("duplicate id: TiCDC's code, and the existing changefeed is left alone", async () => {
        const id = nextId("dup");
        await up(args(id));
        await expect(provider.create(await checked(args(id)))).rejects.toThrow(
            new RegExp(
                `^TiCDC refused to create changefeed "${id}": CDC:ErrChangeFeedAlreadyExists — .*\\(HTTP 500 from POST .*Import it`,
            ),
        );
        expect(emulator.changefeedState(id)?.state).toBe("normal");
        await provider.delete!(id, { ticdcApiUrl: emulator.url });
    });

    it("missing topic (auto-create off): TiCDC's Kafka error, nothing created", async () => {
        const id = nextId("notopic");
        const news = args(id);
        (news.sink as Record<string, unknown>).topic = `${SCHEMA}-missing`;
        await expect(provider.create(await checked(news))).rejects.toThrow(
            /TiCDC refused to create changefeed ".*": CDC:ErrKafka\w+ — .*auto-create-topic` is false/,
        );
        expect(emulator.changefeedState(id)).toBeUndefined();
    });

    it("a failed update (missing topic) resumes the old configuration and says so", async () => {
        const id = nextId("badupdate");
        const created = await up(args(id));
        const news = args(id);
        (news.sink as Record<string, unknown>).topic = `${SCHEMA}-missing`;
        await expect(upExisting(created, news)).rejects.toThrow(
            /TiCDC refused to update changefeed ".*": CDC:ErrChangefeedUpdateRefused — .*; it was resumed with its previous configuration/,
        );
        const state = emulator.changefeedState(id)!;
        expect(state.sinkUri).toContain(`/${DEFAULT_TOPIC}?`);
        await new Promise((r) => setTimeout(r, 300));
        expect(emulator.changefeedState(id)!.state).toBe("normal");
        await provider.delete!(id, created);
    });

    it("5xx: retried while the server is not ready, reported when it stays so", async () => {
        const id = nextId("notready");
        emulator.setReady(false);
        setTimeout(() => emulator.setReady(true), 1500);
        const outs = await up(args(id));
        expect(outs.state).toBe("normal");
        await provider.delete!(id, outs);

        emulator.setReady(false);
        try {
            await expect(provider.read!(id, { ticdcApiUrl: emulator.url })).rejects.toThrow(
                /TiCDC refused to read changefeed ".*": CDC:ErrServerIsNotReady — .*HTTP 503/,
            );
        } finally {
            emulator.setReady(true);
        }
    });

    it("ineligible table: the error names it, nothing is created", async () => {
        const id = nextId("inelig");
        const before = posts(emulator, "changefeeds").length;
        const err = (await provider
            .create(await checked(args(id, { tables: [`${SCHEMA}.*`] })))
            .catch((e: unknown) => e)) as Error;
        expect(err.message).toMatch(
            new RegExp(
                `^changefeed "${id}" selects 1 table\\(s\\) TiCDC cannot replicate .*: ${SCHEMA}\\.nokey\\..*checked by verify_table; nothing was created`,
            ),
        );
        expect(posts(emulator, "changefeeds")).toHaveLength(before);
        expect(emulator.changefeedState(id)).toBeUndefined();
        // Without the pre-check TiCDC refuses by itself, with its code.
        await expect(
            provider.create(
                await checked(args(id, { tables: [`${SCHEMA}.*`], verifyTables: false })),
            ),
        ).rejects.toThrow(/CDC:ErrTableIneligible/);
        expect(emulator.changefeedState(id)).toBeUndefined();
    });

    it("a failed wait reports TiCDC's error and removes the changefeed", async () => {
        const slow = await newEmulator({ adminJobDelayMs: 1500 });
        const id = nextId("failwait");
        const creating = provider
            .create(await checked(args(id, { paused: true }, slow)))
            .then(() => new Error("create succeeded"))
            .catch((e: unknown) => e as Error);
        for (let i = 0; i < 100 && !slow.changefeedState(id); i++) {
            await new Promise((r) => setTimeout(r, 20));
        }
        slow.failChangefeed(id, {
            code: "CDC:ErrSnapshotLostByGC",
            message: "[CDC:ErrSnapshotLostByGC]fail to create or maintain changefeed",
        });
        expect((await creating).message).toMatch(
            new RegExp(
                `^TiCDC accepted changefeed "${id}" but it did not start: changefeed "${id}" is failed instead of state stopped — CDC:ErrSnapshotLostByGC: .*; it was deleted again, nothing is left behind$`,
            ),
        );
        expect(slow.changefeedState(id)).toBeUndefined();
    });

    it("basic auth: accepted with the right password, a clear 401 otherwise, never echoed", async () => {
        const secured = await newEmulator({ auth: { user: "cdc", password: "s3cr3t-pw" } });
        const id = nextId("auth");
        const outs = await up(
            args(id, { basicAuth: { user: "cdc", password: "s3cr3t-pw" } }, secured),
        );
        expect(outs.state).toBe("normal");
        const err = (await provider.delete!(id, {
            ...outs,
            basicAuth: { user: "cdc", password: "wrong-pw-123" },
        }).catch((e: unknown) => e)) as Error;
        expect(err.message).toMatch(
            /TiCDC did not let us delete changefeed ".*": CDC:ErrUnauthorized/,
        );
        expect(err.message).not.toContain("wrong-pw-123");
        await provider.delete!(id, outs);
        expect(secured.changefeedState(id)).toBeUndefined();
    });
});
