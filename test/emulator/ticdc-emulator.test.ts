/**
 * The TiCDC Open API v2 emulator without a broker (MemoryKafka): the swagger checks are real
 * (and provably not vacuous), the state machine, exact uint64 round trips, masking, basic auth,
 * table filters, partition hashing and the canal-json it produces.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { crc32, encodeRowChange, EventRouter, partitionFor, positionInertia } from "./ticdc/canal";
import { callApi, obj } from "./ticdc/client";
import { parseTableFilter } from "./ticdc/filter";
import { decodeStruct } from "./ticdc/gotypes";
import { goJson, type JsonValue, parseJson } from "./ticdc/json";
import { maskSinkUri } from "./ticdc/sinkuri";
import { operations, validateRequest, validateResponse } from "./ticdc/swagger";
import {
    MemoryKafka,
    startTicdcEmulator,
    type TicdcEmulator,
    type TicdcEmulatorOptions,
} from "./ticdc/server";
import { Upstream } from "./ticdc/tables";
import { composeTs, Tso } from "./ticdc/tso";

const running: TicdcEmulator[] = [];

// Asymmetric matchers, typed as `unknown` (vitest types them `any`).
const ANY_STRING: unknown = expect.any(String);
const containing = (text: string): unknown => expect.stringContaining(text);
const matching = (re: RegExp): unknown => expect.stringMatching(re);

afterEach(async () => {
    for (const emu of running.splice(0)) {
        // Every emulator must end its test without having seen a contract violation, unless the
        // test provoked them on purpose (and emptied the list).
        expect(emu.violations).toEqual([]);
        await emu.close();
    }
});

async function emulator(options: TicdcEmulatorOptions = {}): Promise<TicdcEmulator> {
    const emu = await startTicdcEmulator({ tickMs: 0, ...options });
    running.push(emu);
    return emu;
}

const ORDERS = {
    schema: "shop",
    table: "orders",
    columns: [
        { name: "id", type: "bigint" },
        { name: "status", type: "varchar(16)" },
        { name: "amount", type: "decimal(10,2)" },
    ],
    primaryKey: ["id"],
};

function sinkUri(topic: string, params = "protocol=canal-json"): string {
    return `kafka://127.0.0.1:9092/${topic}?${params}`;
}

async function withChangefeed(
    options: TicdcEmulatorOptions = {},
    body: Record<string, unknown> = {},
): Promise<{ emu: TicdcEmulator; kafka: MemoryKafka }> {
    const kafka = new MemoryKafka();
    kafka.createTopic("orders", 3);
    const emu = await emulator({ kafka: { memory: kafka }, ...options });
    emu.defineTable(ORDERS);
    const created = await callApi(emu.url, "POST", "/api/v2/changefeeds", {
        changefeed_id: "cf-1",
        sink_uri: sinkUri("orders"),
        ...body,
    });
    expect(created.status, created.text).toBe(200);
    return { emu, kafka };
}

// -------------------------------------------------------------------------------------------------

describe("swagger validation", () => {
    it("covers every /api/v2 operation of the spec, with body and per-status response schemas", () => {
        const inSpec = operations().filter((op) => op.inSpec);
        expect(inSpec.map((op) => `${op.method} ${op.path}`).sort()).toContain(
            "PUT /api/v2/changefeeds/{changefeed_id}",
        );
        expect(inSpec.length).toBe(15);
        const create = inSpec.find(
            (op) => op.method === "POST" && op.path === "/api/v2/changefeeds",
        );
        expect(create?.body?.required).toBe(true);
        expect([...(create?.responses.keys() ?? [])].sort()).toEqual([200, 400, 500]);
    });

    it("accepts a conforming create request, including a uint64 start_ts above 2^53", () => {
        const body = `{"changefeed_id":"cf-1","sink_uri":"kafka://k:9092/t?protocol=canal-json","start_ts":18446744073709551615,"replica_config":{"filter":{"rules":["shop.*"]},"sync_point_interval":"10m","changefeed_error_stuck_duration":1800000000000}}`;
        expect(
            validateRequest("POST", "/api/v2/changefeeds", body, {
                contentType: "application/json",
            }),
        ).toEqual([]);
    });

    it("catches bad requests (types, integer literals, ranges, unknown fields, missing bodies)", () => {
        const check = (body: string | undefined, path = "/api/v2/changefeeds", method = "POST") =>
            validateRequest(method, path, body, { contentType: "application/json" }).join("\n");
        expect(check(`{"sink_uri":"k","start_ts":"470625292534415360"}`)).toMatch(
            /\/start_ts must be a JSON integer/,
        );
        expect(check(`{"start_ts":1.0}`)).toMatch(/\/start_ts must be a JSON integer/);
        expect(check(`{"start_ts":18446744073709551616}`)).toMatch(
            /\/start_ts must be a JSON integer/,
        );
        expect(check(`{"replica_config":{"memory_quota":"1GiB"}}`)).toMatch(
            /\/replica_config\/memory_quota/,
        );
        expect(check(`{"replica_config":{"filter":{"rules":"*.*"}}}`)).toMatch(
            /\/replica_config\/filter\/rules must be array/,
        );
        expect(check(`{"replica_config":{"enable_old_value":true}}`)).toMatch(
            /body field \/replica_config\/enable_old_value is not declared/,
        );
        expect(
            check(
                `{"replica_config":{"sink":{"dispatchers":[{"matcher":["*.*"],"partitioner":"ts"}]}}}`,
            ),
        ).toMatch(/body field \/replica_config\/sink\/dispatchers\/0\/partitioner is not declared/);
        expect(check(`{"sink_uri":`)).toMatch(/not valid JSON/);
        expect(check(undefined, "/api/v2/changefeeds/cf-1/resume")).toMatch(
            /a JSON body is required/,
        );
        expect(
            validateRequest("POST", "/api/v2/changefeeds", "{}", {
                contentType: "text/plain",
            }).join(),
        ).toMatch(/Content-Type/);
        expect(check("{}", "/api/v2/nope")).toMatch(/no such operation/);
    });

    it("catches bad responses (types, undeclared statuses, the list envelope)", () => {
        const info = {
            id: "cf-1",
            state: "normal",
            checkpoint_ts: 470625292534415360n,
            config: { memory_quota: 1n },
        };
        expect(validateResponse("GET", "/api/v2/changefeeds/cf-1", 200, goJson(info))).toEqual([]);
        expect(
            validateResponse(
                "GET",
                "/api/v2/changefeeds/cf-1",
                200,
                goJson({ ...info, checkpoint_ts: "x" }),
            ).join(),
        ).toMatch(/\/checkpoint_ts must be a JSON integer/);
        expect(
            validateResponse(
                "GET",
                "/api/v2/changefeeds/cf-1",
                200,
                goJson({ ...info, config: { filter: { rules: [1n] } } }),
            ).join(),
        ).toMatch(/\/config\/filter\/rules\/0 must be string/);
        expect(validateResponse("GET", "/api/v2/changefeeds", 404, "{}").join()).toMatch(
            /status 404 is not declared/,
        );
        // TiCDC answers {total, items} although the annotation says "array" (ERRATA.listEnvelope).
        expect(validateResponse("GET", "/api/v2/changefeeds", 200, "[]").join()).toMatch(
            /must be object/,
        );
        expect(
            validateResponse("GET", "/api/v2/changefeeds", 200, `{"total":0,"items":[]}`),
        ).toEqual([]);
        expect(
            validateResponse(
                "GET",
                "/api/v2/changefeeds",
                200,
                `{"total":1,"items":[{"state":7}]}`,
            ).join(),
        ).toMatch(/\/items\/0\/state must be string/);
        // Middleware statuses are checked against model.HTTPError (ERRATA.middlewareStatuses).
        expect(
            validateResponse(
                "POST",
                "/api/v2/changefeeds",
                401,
                `{"error_msg":"x","error_code":"CDC:ErrUnauthorized"}`,
            ),
        ).toEqual([]);
        expect(
            validateResponse("POST", "/api/v2/changefeeds", 401, `{"error_msg":5}`).join(),
        ).toMatch(/error_msg/);
    });

    it("checks every typed field: breaking any field of a real GET answer is caught", async () => {
        const { emu } = await withChangefeed();
        const answer = obj(await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1"));
        expect(validateResponse("GET", "/api/v2/changefeeds/cf-1", 200, goJson(answer))).toEqual(
            [],
        );
        const broken: string[] = [];
        const walk = (value: JsonValue, set: (v: JsonValue) => void, at: string) => {
            if (typeof value === "object" && value !== null && !Array.isArray(value)) {
                for (const [k, v] of Object.entries(value))
                    walk(v, (nv) => (value[k] = nv), `${at}/${k}`);
                return;
            }
            if (Array.isArray(value)) return;
            set(typeof value === "boolean" ? "wrong type" : true);
            if (
                validateResponse("GET", "/api/v2/changefeeds/cf-1", 200, goJson(answer)).length ===
                0
            ) {
                broken.push(at);
            }
            set(value);
        };
        walk(answer, () => undefined, "");
        expect(broken).toEqual([]);
    });

    it("answers a request that violates the spec with 500 EMULATOR:ContractViolation and records it", async () => {
        const emu = await emulator();
        const res = await callApi(emu.url, "POST", "/api/v2/changefeeds", undefined, {
            raw: `{"changefeed_id":"cf-1","start_ts":"12"}`,
        });
        expect(res.status).toBe(500);
        expect(obj(res).error_code).toBe("EMULATOR:ContractViolation");
        expect(emu.violations).toHaveLength(1);
        expect(emu.violations[0]?.problems.join()).toMatch(/start_ts/);
        emu.violations.length = 0;
    });

    it("answers a response that would violate the spec with 500 and records it", async () => {
        const { emu } = await withChangefeed();
        const spy = vi
            .spyOn(emu as unknown as { info: () => unknown }, "info")
            .mockReturnValue({ id: "cf-1", checkpoint_ts: "not a number" });
        const res = await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1");
        spy.mockRestore();
        expect(res.status).toBe(500);
        expect(obj(res).error_code).toBe("EMULATOR:ContractViolation");
        expect(emu.violations[0]).toMatchObject({ direction: "response", status: 200 });
        emu.violations.length = 0;
    });
});

// -------------------------------------------------------------------------------------------------

describe("changefeed state machine", () => {
    it("create → pause → update → resume → delete, with TiCDC's refusals", async () => {
        const { emu } = await withChangefeed();
        const get = async () => obj(await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1"));
        expect(await get()).toMatchObject({ state: "normal", id: "cf-1", namespace: "default" });

        // Update while normal is refused.
        const refused = await callApi(emu.url, "PUT", "/api/v2/changefeeds/cf-1", { target_ts: 0 });
        expect(refused.status).toBe(400);
        expect(obj(refused)).toEqual({
            error_msg:
                "[CDC:ErrChangefeedUpdateRefused]changefeed update error: can only update changefeed config when it is stopped or failed",
            error_code: "CDC:ErrChangefeedUpdateRefused",
        });

        // Resume while normal: classic TiCDC accepts and does nothing.
        const before = (await get()).checkpoint_ts;
        expect((await callApi(emu.url, "POST", "/api/v2/changefeeds/cf-1/resume", {})).status).toBe(
            200,
        );
        expect(await get()).toMatchObject({ state: "normal", checkpoint_ts: before });

        // Pause: stopped, checkpoint frozen, admin_job_type 1.
        await emu.tick();
        expect((await callApi(emu.url, "POST", "/api/v2/changefeeds/cf-1/pause")).status).toBe(200);
        const paused = await get();
        expect(paused).toMatchObject({ state: "stopped", admin_job_type: 1n });
        emu.insertRow("shop", "orders", { id: 1, status: "new", amount: "1" });
        await emu.tick();
        expect((await get()).checkpoint_ts).toBe(paused.checkpoint_ts);
        expect(paused).not.toHaveProperty("task_status");

        // Update while stopped: accepted; a no-op update is refused (classic).
        const updated = await callApi(emu.url, "PUT", "/api/v2/changefeeds/cf-1", {
            sink_uri: sinkUri("orders", "protocol=canal-json&enable-tidb-extension=true"),
        });
        expect(updated.status, updated.text).toBe(200);
        expect(obj(updated).state).toBe("stopped");
        const noop = await callApi(emu.url, "PUT", "/api/v2/changefeeds/cf-1", {
            sink_uri: sinkUri("orders", "protocol=canal-json&enable-tidb-extension=true"),
        });
        expect(obj(noop).error_msg).toMatch(
            /changefeed config is the same with the old one, do nothing/,
        );

        // Resume: normal again; the row inserted while paused is delivered (checkpoint was frozen).
        expect((await callApi(emu.url, "POST", "/api/v2/changefeeds/cf-1/resume", {})).status).toBe(
            200,
        );
        await emu.flush();
        expect(await get()).toMatchObject({ state: "normal" });
        expect(emu.changefeedState("cf-1")?.messagesSent).toBe(1);

        // Delete, then the changefeed is gone: 400 ErrChangeFeedNotExists; delete is idempotent.
        expect(obj(await callApi(emu.url, "DELETE", "/api/v2/changefeeds/cf-1"))).toEqual({});
        const gone = await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1");
        expect(gone.status).toBe(400);
        expect(obj(gone)).toEqual({
            error_msg: "[CDC:ErrChangeFeedNotExists]changefeed not exists, default/cf-1",
            error_code: "CDC:ErrChangeFeedNotExists",
        });
        expect((await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1/status")).status).toBe(400);
        expect((await callApi(emu.url, "POST", "/api/v2/changefeeds/cf-1/pause")).status).toBe(400);
        expect((await callApi(emu.url, "DELETE", "/api/v2/changefeeds/cf-1")).status).toBe(200);
    });

    it("new-arch flavour refuses to resume a running changefeed and to update start_ts", async () => {
        const { emu } = await withChangefeed({ flavor: "new-arch" });
        const res = await callApi(emu.url, "POST", "/api/v2/changefeeds/cf-1/resume", {});
        expect(res.status).toBe(400);
        expect(obj(res).error_msg).toMatch(
            /can only resume changefeed when it is stopped, failed, or finished, but current state is normal/,
        );
        await callApi(emu.url, "POST", "/api/v2/changefeeds/cf-1/pause");
        const update = await callApi(emu.url, "PUT", "/api/v2/changefeeds/cf-1", { start_ts: 1 });
        expect(obj(update)).toMatchObject({ error_code: "CDC:ErrAPIInvalidParam" });
        // Duplicate create: 400 on new-arch (500 on classic).
        const dup = await callApi(emu.url, "POST", "/api/v2/changefeeds", {
            changefeed_id: "cf-1",
            sink_uri: sinkUri("orders"),
        });
        expect(dup.status).toBe(400);
    });

    it("a duplicate create is 500 CDC:ErrChangeFeedAlreadyExists on classic; bad ids are 400", async () => {
        const { emu } = await withChangefeed();
        const dup = await callApi(emu.url, "POST", "/api/v2/changefeeds", {
            changefeed_id: "cf-1",
            sink_uri: sinkUri("orders"),
        });
        expect(dup.status).toBe(500);
        expect(obj(dup).error_code).toBe("CDC:ErrChangeFeedAlreadyExists");
        for (const id of ["cf_1", "cf.1", "-cf", "x".repeat(129)]) {
            const bad = await callApi(emu.url, "POST", "/api/v2/changefeeds", {
                changefeed_id: id,
                sink_uri: sinkUri("orders"),
            });
            expect(bad.status).toBe(400);
            expect(obj(bad).error_msg).toBe(`[CDC:ErrAPIInvalidParam]invalid changefeed_id: ${id}`);
        }
        expect((await callApi(emu.url, "GET", "/api/v2/changefeeds/cf_1")).status).toBe(400);
    });

    it("checkpoint and resolved ts advance while normal; list and /status show them", async () => {
        const { emu } = await withChangefeed();
        const first = emu.changefeedState("cf-1");
        await emu.tick();
        const second = emu.changefeedState("cf-1");
        expect(second?.checkpointTs).toBeGreaterThan(first?.checkpointTs ?? 0n);
        const status = obj(await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1/status"));
        expect(status).toEqual({
            state: "normal",
            resolved_ts: second?.resolvedTs,
            checkpoint_ts: second?.checkpointTs,
        });
        const list = obj(await callApi(emu.url, "GET", "/api/v2/changefeeds"));
        expect(list.total).toBe(1n);
        expect((list.items as JsonValue[])[0]).toMatchObject({
            id: "cf-1",
            state: "normal",
            checkpoint_tso: second?.checkpointTs,
            error: null,
        });
        expect((list.items as Record<string, string>[])[0]?.checkpoint_time ?? "").toMatch(
            /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/,
        );
    });

    it("failChangefeed: failed/warning states carry the error where TiCDC shows it", async () => {
        const { emu } = await withChangefeed();
        await emu.tick();
        await new Promise((r) => setTimeout(r, 5)); // the error is newer than the checkpoint
        emu.failChangefeed("cf-1", { code: "CDC:ErrGCTTLExceeded", message: "gc ttl exceeded" });
        const info = obj(await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1"));
        expect(info).toMatchObject({ state: "failed", admin_job_type: 1n });
        expect(info.error).toEqual({
            addr: ANY_STRING,
            code: "CDC:ErrGCTTLExceeded",
            message: "gc ttl exceeded",
        });
        const listed = obj(await callApi(emu.url, "GET", "/api/v2/changefeeds?state=failed"));
        expect((listed.items as Record<string, JsonValue>[])[0]?.error).toMatchObject({
            code: "CDC:ErrGCTTLExceeded",
            time: ANY_STRING,
        });
        const status = obj(await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1/status"));
        expect(status.last_error).toMatchObject({ code: "CDC:ErrGCTTLExceeded" });
        // Update is allowed from failed; resume clears the error.
        expect(
            (
                await callApi(emu.url, "PUT", "/api/v2/changefeeds/cf-1", {
                    target_ts: composeTs(Date.now() + 3_600_000),
                })
            ).status,
        ).toBe(200);
        await callApi(emu.url, "POST", "/api/v2/changefeeds/cf-1/resume", {});
        expect(obj(await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1"))).not.toHaveProperty(
            "error",
        );

        emu.failChangefeed("cf-1", "sink is slow", { state: "warning" });
        // Classic GET shows only info.Error (not warnings); the list shows the warning.
        expect(obj(await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1"))).toMatchObject({
            state: "warning",
        });
        const list = obj(await callApi(emu.url, "GET", "/api/v2/changefeeds"));
        expect((list.items as Record<string, JsonValue>[])[0]).toMatchObject({
            state: "warning",
            error: { message: "sink is slow" },
        });
        emu.recoverChangefeed("cf-1");
        expect(emu.changefeedState("cf-1")?.state).toBe("normal");
    });

    it("GET config → PUT back (the recommended update pattern) conforms; classic refuses the no-op", async () => {
        const { emu } = await withChangefeed();
        await callApi(emu.url, "POST", "/api/v2/changefeeds/cf-1/pause");
        const config = obj(await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1"))
            .config as JsonValue;
        const body = { replica_config: config };
        expect(validateRequest("PUT", "/api/v2/changefeeds/cf-1", goJson(body))).toEqual([]);
        const same = await callApi(emu.url, "PUT", "/api/v2/changefeeds/cf-1", body);
        expect(obj(same)).toEqual({
            error_msg:
                "[CDC:ErrChangefeedUpdateRefused]changefeed update error: changefeed config is the same with the old one, do nothing",
            error_code: "CDC:ErrChangefeedUpdateRefused",
        });
        // A partial sink leaves nulls in GET (no omitempty in Go); they can be sent back too.
        await callApi(emu.url, "PUT", "/api/v2/changefeeds/cf-1", {
            replica_config: {
                ...(config as Record<string, JsonValue>),
                sink: { protocol: "canal-json" },
            },
        });
        const after = obj(await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1"))
            .config as JsonValue;
        expect(
            (after as Record<string, Record<string, JsonValue>>).sink?.content_compatible,
        ).toBeNull();
        const roundTrip = await callApi(emu.url, "PUT", "/api/v2/changefeeds/cf-1", {
            replica_config: after,
            target_ts: composeTs(Date.now() + 3_600_000),
        });
        expect(roundTrip.status, roundTrip.text).toBe(200);
    });

    it("admin jobs can be made asynchronous, like TiCDC's owner (poll until the state changes)", async () => {
        const { emu } = await withChangefeed({ adminJobDelayMs: 100 });
        await callApi(emu.url, "POST", "/api/v2/changefeeds/cf-1/pause");
        expect(emu.changefeedState("cf-1")?.state).toBe("normal");
        await vi.waitFor(() => expect(emu.changefeedState("cf-1")?.state).toBe("stopped"));
    });

    it("update replaces replica_config as a whole: omitted fields reset like TiCDC's", async () => {
        const { emu } = await withChangefeed(
            {},
            { replica_config: { filter: { rules: ["shop.*"] }, check_gc_safe_point: true } },
        );
        await callApi(emu.url, "POST", "/api/v2/changefeeds/cf-1/pause");
        const res = await callApi(emu.url, "PUT", "/api/v2/changefeeds/cf-1", {
            replica_config: { sink: { protocol: "canal-json" } },
        });
        expect(res.status, res.text).toBe(200);
        const config = obj(res).config as Record<string, JsonValue>;
        expect(config.check_gc_safe_point).toBe(false); // plain bool omitted ⇒ false
        expect(config.memory_quota).toBe(1073741824n); // 0 ⇒ default by ValidateAndAdjust
        expect(config.filter).toEqual({ rules: ["*.*"] }); // omitted object ⇒ default
        expect(config).not.toHaveProperty("enable_sync_point"); // nil pointer ⇒ omitted
        expect(config).not.toHaveProperty("bdr_mode");
        expect(config.sink).toEqual({
            protocol: "canal-json",
            terminator: "\r\n", // re-defaulted by validation
            delete_only_output_handle_key_columns: null, // no omitempty in Go
            content_compatible: null,
            advance_timeout: 150n,
        });
        expect(validateResponse("PUT", "/api/v2/changefeeds/cf-1", 200, res.text)).toEqual([]);
    });

    it("create merges replica_config over the defaults and validates it like TiCDC", async () => {
        const { emu } = await withChangefeed(
            {},
            {
                replica_config: {
                    mounter: {},
                    sink: { dispatchers: [{ matcher: ["shop.*"], topic: "orders" }] },
                },
            },
        );
        const config = obj(await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1"))
            .config as Record<string, Record<string, JsonValue>>;
        expect(config.mounter).toEqual({ worker_num: 16n }); // merged, not zeroed
        expect(config.sink?.protocol).toBe("canal-json"); // from the URI
        expect(config.sink?.encoder_concurrency).toBe(32n);
        expect(config.sink?.dispatchers).toEqual([{ matcher: ["shop.*"], topic: "orders" }]);

        const bad = async (body: Record<string, unknown>) =>
            obj(
                await callApi(emu.url, "POST", "/api/v2/changefeeds", {
                    changefeed_id: "cf-2",
                    sink_uri: sinkUri("orders"),
                    ...body,
                }),
            );
        expect(await bad({ sink_uri: "kafka://127.0.0.1:9092/orders" })).toEqual({
            error_msg: "[CDC:ErrSinkUnknownProtocol]unknown '' message protocol for sink",
            error_code: "CDC:ErrSinkUnknownProtocol",
        });
        expect(await bad({ sink_uri: "" })).toMatchObject({ error_code: "CDC:ErrSinkURIInvalid" });
        expect(
            await bad({ sink_uri: "kafka://127.0.0.1:x/orders?protocol=canal-json" }),
        ).toMatchObject({
            error_code: "CDC:ErrSinkURIInvalid",
            error_msg: containing('invalid port ":x" after host'),
        });
        expect(await bad({ replica_config: { filter: { rules: ["shop"] } } })).toMatchObject({
            error_code: "CDC:ErrFilterRuleInvalid",
        });
        expect(
            await bad({
                replica_config: { sink: { dispatchers: [{ matcher: ["*.*"], topic: "a{b}" }] } },
            }),
        ).toMatchObject({
            error_code: "CDC:ErrKafkaTopicExprInvalid",
        });
        expect(
            await bad({ replica_config: { changefeed_error_stuck_duration: "10m" } }),
        ).toMatchObject({
            error_code: "CDC:ErrInvalidReplicaConfig",
        });
        expect(await bad({ start_ts: composeTs(Date.now() + 3_600_000) })).toMatchObject({
            error_code: "CDC:ErrAPIInvalidParam",
            error_msg: containing("larger than current tso"),
        });
        expect(await bad({ sink_uri: "mysql://root@127.0.0.1:4000/" })).toMatchObject({
            error_code: "EMULATOR:Unsupported",
        });
        expect(emu.unsupported).toEqual(["sink scheme mysql://"]);
    });

    it("refuses tables without a valid index unless told to ignore them; verify_table lists them", async () => {
        const kafka = new MemoryKafka();
        kafka.createTopic("t", 1);
        const emu = await emulator({ kafka: { memory: kafka } });
        emu.defineTable(ORDERS);
        emu.defineTable({
            schema: "shop",
            table: "log",
            columns: [{ name: "line", type: "text" }],
        });
        emu.defineTable({
            schema: "shop",
            table: "nullable_uk",
            columns: [{ name: "a", type: "int" }],
            uniqueIndexes: [["a"]],
        });
        emu.defineTable({
            schema: "shop",
            table: "uk",
            columns: [{ name: "a", type: "int", nullable: false }],
            uniqueIndexes: [["a"]],
        });
        const create = await callApi(emu.url, "POST", "/api/v2/changefeeds", {
            changefeed_id: "cf-1",
            sink_uri: sinkUri("t"),
        });
        expect(create.status).toBe(400);
        expect(obj(create)).toEqual({
            error_msg:
                "[CDC:ErrTableIneligible]some tables are not eligible to replicate([shop.log shop.nullable_uk]), if you want to ignore these tables, please set ignore_ineligible_table to true",
            error_code: "CDC:ErrTableIneligible",
        });
        const verify = obj(
            await callApi(emu.url, "POST", "/api/v2/verify_table", {
                sink_uri: sinkUri("t"),
                start_ts: emu.currentTso(),
            }),
        );
        expect(
            (verify.ineligible_tables as Record<string, JsonValue>[]).map((t) => t.table_name),
        ).toEqual(["log", "nullable_uk"]);
        expect(
            (verify.eligible_tables as Record<string, JsonValue>[]).map((t) => t.table_name),
        ).toEqual(["orders", "uk"]);
        expect((verify.eligible_tables as Record<string, JsonValue>[])[0]).toEqual({
            database_name: "shop",
            table_name: "orders",
            table_id: 100n,
            is_partition: false,
        });
        const ignored = await callApi(emu.url, "POST", "/api/v2/changefeeds", {
            changefeed_id: "cf-1",
            sink_uri: sinkUri("t"),
            replica_config: { ignore_ineligible_table: true },
        });
        expect(ignored.status).toBe(200);
    });

    it("checks the default topic like TiCDC: missing (auto-create=false), too few partitions, auto-create", async () => {
        const kafka = new MemoryKafka();
        kafka.createTopic("small", 2);
        const emu = await emulator({ kafka: { memory: kafka } });
        const create = (uri: string, id = "cf-1") =>
            callApi(emu.url, "POST", "/api/v2/changefeeds", { changefeed_id: id, sink_uri: uri });
        const missing = await create(
            sinkUri("nope", "protocol=canal-json&auto-create-topic=false"),
        );
        expect(missing.status).toBe(500);
        expect(obj(missing)).toEqual({
            error_msg:
                "[CDC:ErrKafkaCreateTopic]kafka create topic failed: [CDC:ErrKafkaInvalidConfig]`auto-create-topic` is false, and nope not found",
            error_code: "CDC:ErrKafkaCreateTopic",
        });
        const tooMany = await create(sinkUri("small", "protocol=canal-json&partition-num=3"));
        expect(obj(tooMany)).toEqual({
            error_msg:
                "[CDC:ErrKafkaNewProducer]new kafka producer: [CDC:ErrKafkaInvalidPartitionNum]the number of partition (3) specified in sink-uri is more than that of actual topic (2)",
            error_code: "CDC:ErrKafkaNewProducer",
        });
        expect((await create(sinkUri("small", "protocol=canal-json&partition-num=1"))).status).toBe(
            200,
        );
        expect(kafka.hasTopic("created")).toBe(false);
        expect((await create(sinkUri("created"), "cf-2")).status).toBe(200); // auto-create-topic defaults to true
        expect(kafka.hasTopic("created")).toBe(true);
        kafka.reachable = false;
        const down = await create(sinkUri("small"), "cf-3");
        expect(obj(down).error_msg).toMatch(
            /^\[CDC:ErrKafkaNewProducer\]new kafka producer: kafka: client has run out of available brokers/,
        );
    });

    it("refuses an overwrite_checkpoint_ts in the future and start_ts at or below the GC safepoint", async () => {
        const { emu } = await withChangefeed();
        await callApi(emu.url, "POST", "/api/v2/changefeeds/cf-1/pause");
        const future = await callApi(emu.url, "POST", "/api/v2/changefeeds/cf-1/resume", {
            overwrite_checkpoint_ts: composeTs(Date.now() + 3_600_000),
        });
        expect(obj(future)).toMatchObject({ error_code: "CDC:ErrAPIInvalidParam" });
        const empty = await callApi(emu.url, "POST", "/api/v2/changefeeds/cf-1/resume", undefined, {
            raw: "",
        });
        expect(empty.status).toBe(500); // a contract violation in strict mode (TiCDC: 400 EOF)
        emu.violations.length = 0;
        const safepoint = emu.currentTso();
        emu.setGcSafePoint(safepoint);
        const old = await callApi(emu.url, "POST", "/api/v2/changefeeds", {
            changefeed_id: "cf-2",
            sink_uri: sinkUri("orders"),
            start_ts: safepoint,
        });
        expect(obj(old)).toEqual({
            error_msg: `[CDC:ErrStartTsBeforeGC]fail to create or maintain changefeed because start-ts ${safepoint} is earlier than or equal to GC safepoint at ${safepoint}`,
            error_code: "CDC:ErrStartTsBeforeGC",
        });
    });

    it("without strict mode, behaves like TiCDC for malformed requests (400 ErrAPIInvalidParam)", async () => {
        const { emu } = await withChangefeed({ strict: false });
        await callApi(emu.url, "POST", "/api/v2/changefeeds/cf-1/pause");
        const empty = await callApi(emu.url, "POST", "/api/v2/changefeeds/cf-1/resume", undefined, {
            raw: "",
        });
        expect(obj(empty)).toEqual({
            error_msg: "[CDC:ErrAPIInvalidParam]invalid api parameter: EOF",
            error_code: "CDC:ErrAPIInvalidParam",
        });
        const quoted = await callApi(emu.url, "POST", "/api/v2/changefeeds", undefined, {
            raw: `{"changefeed_id":"x","start_ts":"1"}`,
        });
        expect(obj(quoted)).toMatchObject({
            error_code: "CDC:ErrAPIInvalidParam",
            error_msg: containing("of type uint64"),
        });
    });
});

// -------------------------------------------------------------------------------------------------

describe("uint64 numbers", () => {
    it("start_ts, checkpoint_ts and overwrite_checkpoint_ts above 2^53 round-trip exactly", async () => {
        const kafka = new MemoryKafka();
        kafka.createTopic("orders", 1);
        const emu = await emulator({ kafka: { memory: kafka } });
        const startTs = emu.currentTso() - 7n; // odd low bits: a double would round them away
        expect(startTs).toBeGreaterThan(2n ** 53n);
        expect(Number(startTs).toString()).not.toBe(startTs.toString());
        const created = obj(
            await callApi(emu.url, "POST", "/api/v2/changefeeds", {
                changefeed_id: "cf-1",
                sink_uri: sinkUri("orders"),
                start_ts: startTs,
            }),
        );
        expect(created.start_ts).toBe(startTs);
        expect(created.checkpoint_ts).toBe(startTs);
        expect(created.resolved_ts).toBe(startTs);
        await callApi(emu.url, "POST", "/api/v2/changefeeds/cf-1/pause");
        const overwrite = startTs + 3n;
        await callApi(emu.url, "POST", "/api/v2/changefeeds/cf-1/resume", {
            overwrite_checkpoint_ts: overwrite,
        });
        const info = obj(await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1"));
        expect(info.checkpoint_ts).toBe(overwrite);
        expect(info.start_ts).toBe(overwrite); // ResumeChangefeed also moves info.StartTs
        expect(info.upstream_id).toBe(7420137954380349981n);
        // The wire format holds the exact digits (no exponent, no rounding).
        const text = (await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1/status")).text;
        expect(text).toContain(`"checkpoint_ts":${overwrite}`);
    });

    it("TSOs are (physical ms << 18) | logical and strictly increase", () => {
        const tso = new Tso(() => 1_700_000_000_000);
        const a = tso.next();
        const b = tso.next();
        expect(a).toBe(composeTs(1_700_000_000_000));
        expect(b).toBe(a + 1n);
        expect(parseJson(`{"x":${a}}`)).toEqual({ x: a });
    });
});

// -------------------------------------------------------------------------------------------------

describe("sink URI masking", () => {
    it("masks like util.MaskSinkURI: sasl-password (query re-encoded, sorted) and userinfo passwords", () => {
        expect(
            maskSinkUri(
                "kafka://k1:9092,k2:9092/t?protocol=canal-json&sasl-user=u&sasl-password=p%40ss&sasl-mechanism=plain",
            ),
        ).toBe(
            "kafka://k1:9092,k2:9092/t?protocol=canal-json&sasl-mechanism=plain&sasl-password=xxxxx&sasl-user=u",
        );
        expect(maskSinkUri("kafka://user:secret@k:9092/t?z=1&a=2")).toBe(
            "kafka://user:xxxxx@k:9092/t?z=1&a=2",
        );
        // Only those two: other secrets stay visible (and the query order is kept).
        expect(maskSinkUri("kafka://k:9092/t?sasl-gssapi-password=x&b=1")).toBe(
            "kafka://k:9092/t?sasl-gssapi-password=x&b=1",
        );
    });

    it("GET masks, meta_info does not, create answers masked", async () => {
        const kafka = new MemoryKafka();
        kafka.createTopic("t", 1);
        const emu = await emulator({ kafka: { memory: kafka } });
        const uri =
            "kafka://127.0.0.1:9092/t?protocol=canal-json&sasl-user=u&sasl-password=pw&sasl-mechanism=plain";
        const created = obj(
            await callApi(emu.url, "POST", "/api/v2/changefeeds", {
                changefeed_id: "cf-1",
                sink_uri: uri,
            }),
        );
        const masked =
            "kafka://127.0.0.1:9092/t?protocol=canal-json&sasl-mechanism=plain&sasl-password=xxxxx&sasl-user=u";
        expect(created.sink_uri).toBe(masked);
        expect(obj(await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1")).sink_uri).toBe(
            masked,
        );
        expect(
            obj(await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1/meta_info")).sink_uri,
        ).toBe(uri);
        // Go's encoder escapes & as \u0026 on the wire.
        expect((await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1")).text).toContain(
            "canal-json\\u0026sasl-mechanism",
        );
    });
});

// -------------------------------------------------------------------------------------------------

describe("basic auth", () => {
    it("protects write routes only, with TiCDC's 401 bodies", async () => {
        const kafka = new MemoryKafka();
        kafka.createTopic("t", 1);
        const emu = await emulator({
            kafka: { memory: kafka },
            auth: { user: "cdc", password: "s3cret" },
        });
        const body = { changefeed_id: "cf-1", sink_uri: sinkUri("t") };
        const none = await callApi(emu.url, "POST", "/api/v2/changefeeds", body);
        expect(none.status).toBe(401);
        expect(obj(none)).toEqual({
            error_msg:
                "[CDC:ErrCredentialNotFound]credential not found: please specify the user and password via authorization header",
            error_code: "CDC:ErrCredentialNotFound",
        });
        const stranger = await callApi(emu.url, "POST", "/api/v2/changefeeds", body, {
            auth: { user: "eve", password: "x" },
        });
        expect(obj(stranger)).toEqual({
            error_msg:
                "[CDC:ErrUnauthorized]user eve unauthorized, error: The user is not allowed.",
            error_code: "CDC:ErrUnauthorized",
        });
        const wrong = await callApi(emu.url, "POST", "/api/v2/changefeeds", body, {
            auth: { user: "cdc", password: "nope" },
        });
        expect(wrong.status).toBe(401);
        expect(obj(wrong).error_msg).toMatch(/Access denied for user 'cdc'/);
        const good = await callApi(emu.url, "POST", "/api/v2/changefeeds", body, {
            auth: { user: "cdc", password: "s3cret" },
        });
        expect(good.status).toBe(200);
        // Reads are not protected (classic); pause is.
        expect((await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1")).status).toBe(200);
        expect((await callApi(emu.url, "GET", "/api/v2/changefeeds/cf-1/status")).status).toBe(200);
        expect((await callApi(emu.url, "POST", "/api/v2/changefeeds/cf-1/pause")).status).toBe(401);
        expect((await callApi(emu.url, "DELETE", "/api/v2/changefeeds/cf-1")).status).toBe(401);
    });
});

// -------------------------------------------------------------------------------------------------

describe("table filter", () => {
    it.each([
        [["shop.orders"], "shop", "orders", true],
        [["shop.orders"], "shop", "order", false],
        [["shop.*"], "shop", "anything", true],
        [["shop.*"], "other", "orders", false],
        [["*.*"], "a", "b", true],
        [["*.*", "!shop.secret"], "shop", "secret", false],
        [["*.*", "!shop.secret"], "shop", "orders", true],
        [["!shop.secret", "*.*"], "shop", "secret", true], // the last matching rule decides
        [["!shop.*"], "shop", "orders", false], // nothing positive ⇒ nothing matches
        [["sh?p.ord[a-z]rs"], "shop", "orders", true],
        [["db.t[!0-9]"], "db", "t1", false],
        [["`my.db`.`t`"], "my.db", "t", true],
        [["Shop.Orders"], "shop", "ORDERS", true], // case-insensitive by default
        [["/^log_\\d+$/.*"], "log_42", "t", true],
    ])("%j matches %s.%s: %s", (rules, schema, table, expected) => {
        expect(parseTableFilter(rules).match(schema, table)).toBe(expected);
    });

    it("is case-sensitive on request and rejects bad syntax", () => {
        expect(parseTableFilter(["Shop.Orders"], true).match("shop", "orders")).toBe(false);
        expect(() => parseTableFilter(["shop"])).toThrow(/wrong table pattern/);
        expect(() => parseTableFilter(["shop.t x"])).toThrow(/unexpected special character ' '/);
        expect(parseTableFilter(["shop.*", "!shop.*"]).matchSchema("shop")).toBe(false);
        expect(parseTableFilter(["shop.t"]).matchSchema("shop")).toBe(true);
    });

    it("routes only the tables the changefeed's filter selects (system schemas never)", async () => {
        const { emu, kafka } = await withChangefeed(
            {},
            { replica_config: { filter: { rules: ["shop.*", "!shop.audit"] } } },
        );
        emu.defineTable({ ...ORDERS, table: "audit" });
        emu.defineTable({ ...ORDERS, schema: "mysql", table: "user" });
        emu.insertRow("shop", "audit", { id: 1 });
        emu.insertRow("mysql", "user", { id: 1 });
        emu.insertRow("shop", "orders", { id: 1 });
        await emu.flush();
        const rows = kafka
            .messages("orders")
            .map((m) => JSON.parse(m.value) as { table: string; isDdl: boolean });
        expect(rows.filter((r) => !r.isDdl).map((r) => r.table)).toEqual(["orders"]);
    });
});

// -------------------------------------------------------------------------------------------------

describe("partition hashing", () => {
    it("uses CRC-32/IEEE (check value of '123456789' is 0xCBF43926)", () => {
        expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
        expect(crc32(Buffer.from("1234"), Buffer.from("56789"))).toBe(0xcbf43926);
    });

    it("index-value = crc(schema‖table) XOR crc(col‖value) per handle-key column, mod partitions", () => {
        const upstream = new Upstream(new Tso());
        const { info } = upstream.defineTable({
            schema: "shop",
            table: "orders",
            columns: [
                { name: "region", type: "varchar(8)" },
                { name: "id", type: "bigint" },
                { name: "note", type: "text" },
            ],
            primaryKey: ["id", "region"],
        });
        upstream.insert("shop", "orders", [{ region: "eu", id: 42, note: "x" }]);
        const event = upstream.log.at(-1);
        if (event?.kind !== "dml") throw new Error("expected a row event");
        const expected =
            (crc32(Buffer.from("shoporders")) ^
                crc32(Buffer.from("regioneu")) ^
                crc32(Buffer.from("id42"))) >>>
            0;
        expect(
            positionInertia([
                [Buffer.from("shop"), Buffer.from("orders")],
                [Buffer.from("region"), Buffer.from("eu")],
                [Buffer.from("id"), Buffer.from("42")],
            ]),
        ).toBe(expected);
        for (const n of [1, 3, 7, 12]) {
            expect(partitionFor("index-value", info, event, n)).toBe(expected % n);
        }
        expect(partitionFor("table", info, event, 7)).toBe(crc32(Buffer.from("shoporders")) % 7);
        expect(partitionFor("ts", info, event, 7)).toBe(Number(event.commitTs % 7n));
    });

    it("routes rows of a real changefeed to those partitions (index-value, tidb_{schema}_{table})", async () => {
        const kafka = new MemoryKafka();
        kafka.createTopic("default-topic", 1);
        kafka.createTopic("tidb_shop_orders", 4);
        const emu = await emulator({ kafka: { memory: kafka } });
        emu.defineTable(ORDERS);
        const created = await callApi(emu.url, "POST", "/api/v2/changefeeds", {
            changefeed_id: "cf-1",
            sink_uri: sinkUri("default-topic"),
            replica_config: {
                sink: {
                    dispatchers: [
                        {
                            matcher: ["shop.*"],
                            topic: "tidb_{schema}_{table}",
                            partition: "index-value",
                        },
                    ],
                },
            },
        });
        expect(created.status, created.text).toBe(200);
        for (let id = 1; id <= 20; id++)
            emu.insertRow("shop", "orders", { id, status: "new", amount: id });
        await emu.flush();
        const messages = kafka.messages("tidb_shop_orders");
        expect(messages).toHaveLength(20);
        for (const m of messages) {
            const id = (JSON.parse(m.value) as { data: { id: string }[] }).data[0]?.id ?? "";
            const hash = (crc32(Buffer.from("shoporders")) ^ crc32(Buffer.from(`id${id}`))) >>> 0;
            expect(m.partition).toBe(hash % 4);
            expect(m.key).toBeNull();
        }
        expect(new Set(messages.map((m) => m.partition)).size).toBeGreaterThan(1);
        expect(kafka.messages("default-topic")).toEqual([]);
    });

    it("dispatch rules: first match wins, topic expressions substitute and sanitise names", () => {
        const dispatchers = [
            decodeStruct("DispatchRule", undefined, {
                matcher: ["shop.orders"],
                topic: "hot",
                partition: "ts",
            }),
            decodeStruct("DispatchRule", undefined, {
                matcher: ["*.*"],
                topic: "cdc.{schema}_{table}",
            }),
        ];
        const router = new EventRouter("fallback", dispatchers, false);
        expect(router.topicFor("shop", "orders")).toBe("hot");
        expect(router.rule("shop", "orders").partition).toBe("ts");
        expect(router.topicFor("my-db", "t$1")).toBe("cdc.my-db_t_1");
        expect(new EventRouter("fallback", [], false).topicFor("a", "b")).toBe("fallback");
    });
});

// -------------------------------------------------------------------------------------------------

describe("canal-json", () => {
    it("writes DML exactly like TiCDC: field order, string values, full old image, pkNames", async () => {
        const { emu, kafka } = await withChangefeed();
        const commitTs = emu.insertRow("shop", "orders", { id: 7, status: "new", amount: 1.5 });
        emu.updateRow("shop", "orders", { id: 7 }, { status: "paid" });
        emu.deleteRow("shop", "orders", { id: 7 });
        await emu.flush();
        const values = kafka.messages("orders").map((m) => m.value);
        expect(values).toHaveLength(3);
        const [insert, update, del] = values as [string, string, string];
        expect(insert).toMatch(
            new RegExp(
                `^\\{"id":0,"database":"shop","table":"orders","pkNames":\\["id"\\],"isDdl":false,"type":"INSERT","es":${commitTs >> 18n},"ts":\\d+,"sql":"",` +
                    `"sqlType":\\{"id":-5,"status":12,"amount":3\\},"mysqlType":\\{"id":"bigint","status":"varchar","amount":"decimal"\\},` +
                    `"old":null,"data":\\[\\{"id":"7","status":"new","amount":"1.50"\\}\\]\\}$`,
            ),
        );
        expect(JSON.parse(update)).toMatchObject({
            type: "UPDATE",
            old: [{ id: "7", status: "new", amount: "1.50" }],
            data: [{ id: "7", status: "paid", amount: "1.50" }],
        });
        expect(JSON.parse(del)).toMatchObject({
            type: "DELETE",
            old: null,
            data: [{ id: "7", status: "paid" }],
        });
        expect(insert).not.toContain("_tidb");
    });

    it("with enable-tidb-extension: _tidb.commitTs, and TIDB_WATERMARK broadcast to every partition", async () => {
        const { emu, kafka } = await withChangefeed(
            {},
            { sink_uri: sinkUri("orders", "protocol=canal-json&enable-tidb-extension=true") },
        );
        const commitTs = emu.insertRow("shop", "orders", { id: 1 });
        await emu.flush();
        const [row, ...watermarks] = kafka
            .messages("orders")
            .sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition);
        expect(parseJson(row?.value ?? "")).toMatchObject({ _tidb: { commitTs } });
        expect(watermarks.map((m) => m.partition).sort()).toEqual([0, 1, 2]);
        const watermark = parseJson(watermarks[0]?.value ?? "") as Record<string, JsonValue>;
        expect(watermark).toMatchObject({
            id: 0n,
            database: "",
            table: "",
            pkNames: null,
            isDdl: false,
            type: "TIDB_WATERMARK",
            sql: "",
            sqlType: null,
            mysqlType: null,
            data: null,
            old: null,
            _tidb: { watermarkTs: emu.changefeedState("cf-1")?.checkpointTs },
        });
    });

    it("sends DDL for tables created after the changefeed (partition 0), CREATE DATABASE to the default topic", async () => {
        const kafka = new MemoryKafka();
        kafka.createTopic("orders", 3);
        const emu = await emulator({ kafka: { memory: kafka } });
        const created = await callApi(emu.url, "POST", "/api/v2/changefeeds", {
            changefeed_id: "cf-1",
            sink_uri: sinkUri("orders"),
        });
        expect(created.status, created.text).toBe(200);
        emu.defineTable(ORDERS);
        emu.executeDdl("shop", "orders", {
            type: "TRUNCATE",
            query: "TRUNCATE TABLE `shop`.`orders`",
            eventType: "truncate table",
        });
        await emu.flush();
        const ddl = kafka.messages("orders").map((m): Record<string, unknown> => ({
            partition: m.partition,
            ...(JSON.parse(m.value) as Record<string, unknown>),
        }));
        expect(ddl.map((d) => [d.partition, d.type, d.database, d.table])).toEqual([
            [0, "QUERY", "shop", ""],
            [0, "CREATE", "shop", "orders"],
            [0, "TRUNCATE", "shop", "orders"],
        ]);
        expect(Object.keys(ddl[1] ?? {}).slice(1)).toEqual([
            "id",
            "database",
            "table",
            "pkNames",
            "isDdl",
            "type",
            "es",
            "ts",
            "sql",
            "sqlType",
            "mysqlType",
            "data",
            "old",
        ]);
        expect(ddl[1]).toMatchObject({
            isDdl: true,
            pkNames: null,
            data: null,
            old: null,
            sql: matching(/^CREATE TABLE `shop`.`orders`/),
        });
    });

    it("splits PK-changing updates into DELETE + INSERT, honours event filters and ignores ineligible tables", async () => {
        const { emu, kafka } = await withChangefeed(
            {},
            {
                replica_config: {
                    filter: {
                        event_filters: [{ matcher: ["shop.orders"], ignore_event: ["delete"] }],
                    },
                },
            },
        );
        emu.defineTable({ schema: "shop", table: "nokey", columns: [{ name: "x", type: "int" }] });
        emu.insertRow("shop", "nokey", { x: 1 });
        emu.insertRow("shop", "orders", { id: 1, status: "a" });
        emu.updateRow("shop", "orders", { id: 1 }, { id: 2 });
        emu.deleteRow("shop", "orders", { id: 2 });
        await emu.flush();
        const types = kafka
            .messages("orders")
            .map((m) => JSON.parse(m.value) as { type: string; table: string });
        // The event filter sees the UPDATE (kept); the sink then splits it. The DELETE is filtered.
        expect(types.map((t) => `${t.type} ${t.table}`)).toEqual([
            "CREATE nokey",
            "INSERT orders",
            "DELETE orders",
            "INSERT orders",
        ]);
    });

    it("encodes types like TiCDC's mounter: enum index, set mask, binary as ISO-8859-1, unsigned promotion", () => {
        const upstream = new Upstream(new Tso());
        const { info } = upstream.defineTable({
            schema: "s",
            table: "t",
            columns: [
                { name: "id", type: "int unsigned" },
                { name: "e", type: "enum('a','b','c')" },
                { name: "st", type: "set('x','y','z')" },
                { name: "b", type: "varbinary(4)" },
                { name: "j", type: "json" },
                { name: "f", type: "float" },
                { name: "flag", type: "tinyint(1)" },
            ],
            primaryKey: ["id"],
        });
        upstream.insert("s", "t", [
            {
                id: 4294967295,
                e: "b",
                st: "x,z",
                b: Buffer.from([0x00, 0xff]),
                j: { b: 1, a: [1, 2] },
                f: 0.1,
                flag: true,
            },
        ]);
        const event = upstream.log.at(-1);
        if (event?.kind !== "dml") throw new Error("expected a row event");
        const message = JSON.parse(
            encodeRowChange(
                info,
                { ...event, op: "insert" },
                {
                    enableTiDBExtension: false,
                    onlyOutputUpdatedColumns: false,
                    contentCompatible: false,
                    deleteOnlyHandleKeyColumns: false,
                },
            ),
        ) as {
            data: Record<string, string>[];
            sqlType: Record<string, number>;
            mysqlType: Record<string, string>;
        };
        expect(message.data[0]).toEqual({
            id: "4294967295",
            e: "2",
            st: "5",
            b: "\u0000\u00ff",
            j: '{"a": [1, 2], "b": 1}',
            f: "0.1",
            flag: "1",
        });
        expect(message.sqlType).toMatchObject({
            id: -5,
            e: 4,
            st: -7,
            b: 2004,
            j: 12,
            f: 7,
            flag: -6,
        });
        expect(message.mysqlType).toMatchObject({
            id: "int unsigned",
            b: "varbinary",
            flag: "tinyint",
        });
    });
});

describe("service endpoints", () => {
    it("health, status, captures, processors, tso, log", async () => {
        const { emu } = await withChangefeed();
        expect(obj(await callApi(emu.url, "GET", "/api/v2/health"))).toEqual({});
        const status = obj(await callApi(emu.url, "GET", "/api/v2/status"));
        expect(status).toMatchObject({
            version: "v8.5.4",
            is_owner: true,
            liveness: 0n,
            id: emu.captureId,
            cluster_id: "default",
        });
        const captures = obj(await callApi(emu.url, "GET", "/api/v2/captures"));
        expect(captures).toEqual({
            total: 1n,
            items: [
                {
                    id: emu.captureId,
                    is_owner: true,
                    address: ANY_STRING,
                    cluster_id: "default",
                },
            ],
        });
        expect(obj(await callApi(emu.url, "GET", "/api/v2/processors")).total).toBe(1n);
        const tso = obj(await callApi(emu.url, "POST", "/api/v2/tso", {}));
        expect(composeTs(tso.timestamp as bigint, tso.logic_time as bigint)).toBeGreaterThan(
            2n ** 53n,
        );
        expect((await callApi(emu.url, "POST", "/api/v2/log", { log_level: "debug" })).status).toBe(
            200,
        );
        expect((await callApi(emu.url, "POST", "/api/v2/log", { log_level: "loud" })).status).toBe(
            400,
        );
        emu.setHealthy(false);
        expect(obj(await callApi(emu.url, "GET", "/api/v2/health"))).toMatchObject({
            error_code: "CDC:ErrClusterIsUnhealthy",
        });
        emu.setReady(false);
        expect((await callApi(emu.url, "GET", "/api/v2/changefeeds")).status).toBe(503);
    });
});
