/** The Changefeed provider's pure decisions: inputs, bodies, outputs, drift and diff. */
import { describe, expect, it } from "vitest";
import {
    type ChangefeedOutputs,
    changefeedProvider,
    createBody,
    diffChangefeed,
    inputProblems,
    observedInputs,
    outputsOf,
    resolveInputs,
    updateBody,
} from "../../components/ticdc/changefeed";
import type { ChangefeedInfo } from "../../components/ticdc/client";
import { stringifyTicdcJson } from "../../components/ticdc/client";
import { sinkUri } from "../../components/ticdc/sink";

const TSO = "449530440858189826";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const raw = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    changefeedId: "orders-to-kafka",
    ticdcApiUrl: "http://ticdc:8300/",
    sink: {
        brokers: ["kafka-0:9092"],
        topic: "tidb_default",
        partitionNum: 3,
        sasl: { mechanism: "scram-sha-512", user: "ticdc", password: "pw&1" },
    },
    tables: ["app.orders", "app.items"],
    ...extra,
});

/** What create would leave in the state for `raw()` (+ extra). */
function outputs(extra: Record<string, unknown> = {}, state = "normal"): ChangefeedOutputs {
    return outputsOf(resolveInputs(raw(extra)), {
        state,
        checkpoint_ts: BigInt(TSO),
        checkpoint_time: "2024-05-04 11:35:43.556",
    });
}

describe("inputs", () => {
    it("fills the defaults of the TiDB docs' changefeed", () => {
        const inputs = resolveInputs(raw());
        expect(inputs).toMatchObject({
            ticdcApiUrl: "http://ticdc:8300",
            paused: false,
            verifyTables: true,
            caseSensitive: false,
            waitTimeoutSeconds: 120,
            sink: { protocol: "canal-json", autoCreateTopic: false, enableTidbExtension: false },
            dispatchers: [
                {
                    matcher: ["app.orders", "app.items"],
                    topic: "tidb_{schema}_{table}",
                    partition: "index-value",
                },
            ],
        });
        expect(inputs).not.toHaveProperty("startTs");
    });

    it.each([
        [{ changefeedId: "orders_to_kafka" }, "changefeedId"],
        [{ changefeedId: "a.b" }, "changefeedId"],
        [{ changefeedId: "-a" }, "changefeedId"],
        [{ changefeedId: "a".repeat(129) }, "changefeedId"],
        [{ ticdcApiUrl: "ticdc:8300" }, "ticdcApiUrl"],
        [{ namespace: "a", keyspace: "b" }, "keyspace"],
        [{ namespace: "bad_ns" }, "namespace"],
        [{ startTs: Number(TSO) }, "startTs"],
        [{ startTs: "4.5e17" }, "startTs"],
        [{ startTs: TSO, targetTs: TSO }, "targetTs"],
        [{ tables: [] }, "tables"],
        [{ paused: "yes" }, "paused"],
        [
            { replicaConfigOverrides: { case_sensitive: true } },
            "replicaConfigOverrides.case_sensitive",
        ],
        [{ sink: { brokers: ["k"], topic: "t" } }, "sink.brokers[0]"],
        [{ basicAuth: { user: "", password: "x" } }, "basicAuth.user"],
    ])("refuses %j (%s)", (extra, property) => {
        expect(inputProblems(raw(extra)).map((p) => p.property)).toContain(property);
    });

    it("accepts ids at the limit and skips values not known yet", () => {
        expect(inputProblems(raw({ changefeedId: `a${"-b".repeat(63)}` }))).toEqual([]);
        expect(inputProblems(raw({ changefeedId: UNKNOWN, tables: UNKNOWN }))).toEqual([]);
    });

    it("check reports failures per property and fills defaults", async () => {
        const failed = await changefeedProvider.check!({}, raw({ changefeedId: "a_b" }));
        expect(failed.failures?.[0]?.property).toBe("changefeedId");
        const ok = await changefeedProvider.check!({}, raw());
        expect(ok.failures).toBeUndefined();
        expect((ok.inputs as Record<string, unknown>).paused).toBe(false);
    });
});

describe("request bodies", () => {
    it("sends start_ts/target_ts above 2^53 as exact JSON integers", () => {
        const inputs = resolveInputs(raw({ startTs: TSO, targetTs: "18446744073709551615" }));
        const text = stringifyTicdcJson(createBody(inputs));
        expect(text).toContain(`"start_ts":${TSO}`);
        expect(text).toContain('"target_ts":18446744073709551615');
        expect(text).toContain(`"sink_uri":${JSON.stringify(sinkUri(inputs.sink))}`);
        expect(text).toContain('"changefeed_id":"orders-to-kafka"');
    });

    it("update sends the complete config, sink_uri and target_ts, never start_ts or the id", () => {
        const body = updateBody(
            resolveInputs(raw({ startTs: TSO, targetTs: "449530440858189999" })),
        );
        expect(Object.keys(body).sort()).toEqual(["replica_config", "sink_uri", "target_ts"]);
        expect(body.replica_config).toMatchObject({
            check_gc_safe_point: true,
            case_sensitive: false,
        });
    });

    it("turns u64 overrides given as strings into integers", () => {
        const body = createBody(
            resolveInputs(
                raw({ replicaConfigOverrides: { filter: { ignore_txn_start_ts: [TSO] } } }),
            ),
        );
        expect(stringifyTicdcJson(body)).toContain(`"ignore_txn_start_ts":[${TSO}]`);
    });
});

describe("outputs and drift", () => {
    const desired = resolveInputs(raw({ startTs: TSO }));
    const masked = sinkUri(desired.sink).replace("sasl-password=pw%261", "sasl-password=xxxxx");
    const live = (extra: Partial<ChangefeedInfo> = {}): ChangefeedInfo => ({
        id: "orders-to-kafka",
        state: "normal",
        sink_uri: masked,
        start_ts: BigInt(TSO),
        checkpoint_ts: 449530440858190000n,
        checkpoint_time: "2024-05-04 11:35:43.600",
        creator_version: "v8.5.7",
        config: {
            case_sensitive: false,
            filter: { rules: ["app.orders", "app.items"] },
            sink: {
                protocol: "canal-json",
                dispatchers: [
                    {
                        matcher: ["app.orders", "app.items"],
                        partition: "index-value",
                        topic: "tidb_{schema}_{table}",
                        index: "",
                        columns: null,
                    },
                ],
            },
        },
        ...extra,
    });

    it("outputs carry TiCDC's state, checkpoint as a decimal string, and the error", () => {
        const out = outputsOf(
            desired,
            live({
                state: "warning",
                error: { code: "CDC:ErrKafkaSendMessage", message: "broker down" },
            }),
        );
        expect(out).toMatchObject({
            state: "warning",
            checkpointTs: "449530440858190000",
            creatorVersion: "v8.5.7",
            error: { code: "CDC:ErrKafkaSendMessage", message: "broker down" },
            sinkUri: sinkUri(desired.sink),
        });
    });

    it("an unchanged changefeed reads back as exactly the desired inputs", () => {
        const observed = observedInputs("orders-to-kafka", live(), outputsOf(desired, live()));
        expect(observed).toEqual(desired);
        expect(JSON.stringify(observed)).not.toContain("xxxxx");
        const d = diffChangefeed(outputsOf(observed, live()), raw({ startTs: TSO }));
        expect(d).toMatchObject({ changes: false, replaces: [] });
    });

    it("shows out-of-band pause, sink and filter changes as drift", () => {
        const changed = live({
            state: "stopped",
            sink_uri: masked.replace("partition-num=3", "partition-num=6"),
            target_ts: 449530440858199999n,
            config: {
                case_sensitive: false,
                filter: { rules: ["app.*"] },
                sink: {
                    protocol: "canal-json",
                    dispatchers: [{ matcher: ["app.*"], partition: "table" }],
                },
            },
        });
        const observed = observedInputs("orders-to-kafka", changed, outputsOf(desired, live()));
        expect(observed).toMatchObject({
            paused: true,
            tables: ["app.*"],
            dispatchers: [{ matcher: ["app.*"], partition: "table" }],
            targetTs: "449530440858199999",
            sink: { partitionNum: 6, sasl: { password: "pw&1" } },
        });
        const d = diffChangefeed(outputsOf(observed, changed), raw({ startTs: TSO }));
        expect(d.changed.sort()).toEqual(["dispatchers", "paused", "sink", "tables", "targetTs"]);
        expect(d.replaces).toEqual([]);
    });

    it("imports from the connection fields alone", () => {
        const observed = observedInputs("orders-to-kafka", live(), {
            ticdcApiUrl: "http://ticdc:8300",
        });
        expect(observed).toMatchObject({
            changefeedId: "orders-to-kafka",
            ticdcApiUrl: "http://ticdc:8300",
            tables: ["app.orders", "app.items"],
            paused: false,
            sink: {
                brokers: ["kafka-0:9092"],
                sasl: { mechanism: "scram-sha-512", user: "ticdc" },
            },
        });
        expect(observed.sink.sasl).not.toHaveProperty("password");
        expect(observed).not.toHaveProperty("startTs");
        // The program's password differs from "unknown": the first update re-sends it.
        expect(diffChangefeed(outputsOf(observed, live()), raw()).changed).toEqual(["sink"]);
    });
});

describe("diff", () => {
    it.each([
        [{ changefeedId: "other-id" }, ["changefeedId"]],
        [{ namespace: "team-a" }, ["namespace"]],
        [{ keyspace: "ks1" }, ["keyspace"]],
        [{ startTs: "449530440858189999" }, ["startTs"]],
    ])("replaces (delete first) on %j", (change, replaces) => {
        const d = diffChangefeed(outputs({ startTs: TSO }), raw({ startTs: TSO, ...change }));
        expect(d).toMatchObject({ changes: true, replaces, deleteBeforeReplace: true });
    });

    it.each([
        [{ tables: ["app.*"] }, ["tables", "dispatchers"]],
        [{ paused: true }, ["paused"]],
        [{ targetTs: "449530440858199999" }, ["targetTs"]],
        [{ caseSensitive: true }, ["caseSensitive"]],
        [{ eventFilters: [{ matcher: ["app.*"], ignoreEvent: ["all ddl"] }] }, ["eventFilters"]],
        [{ replicaConfigOverrides: { force_replicate: true } }, ["replicaConfigOverrides"]],
        [{ ticdcApiUrl: "http://ticdc-1:8300" }, ["ticdcApiUrl"]],
        [{ basicAuth: { user: "cdc", password: "new" } }, ["basicAuth"]],
        [
            { dispatchers: [{ matcher: ["app.*"], topic: "cdc_{table}", partition: "table" }] },
            ["dispatchers"],
        ],
    ])("updates on %j", (change, changed) => {
        const d = diffChangefeed(outputs(), raw(change));
        expect(d).toMatchObject({ changes: true, replaces: [] });
        expect(d.changed).toEqual(changed);
    });

    it("updates on a changed secret (compared as is, never hashed)", () => {
        const news = raw();
        (news.sink as { sasl: { password: string } }).sasl.password = "rotated";
        const d = diffChangefeed(outputs(), news);
        expect(d).toMatchObject({ changes: true, replaces: [], changed: ["sink"] });
    });

    it("sees no change for defaults spelled out or an omitted startTs", () => {
        expect(diffChangefeed(outputs({ startTs: TSO }), raw()).changes).toBe(false);
        expect(
            diffChangefeed(
                outputs(),
                raw({
                    paused: false,
                    verifyTables: true,
                    dispatchers: [
                        {
                            matcher: ["app.orders", "app.items"],
                            topic: "tidb_{schema}_{table}",
                            partition: "INDEX-VALUE",
                        },
                    ],
                    sink: {
                        ...(raw().sink as object),
                        protocol: "canal-json",
                        autoCreateTopic: false,
                    },
                }),
            ).changes,
        ).toBe(false);
    });

    it("resumes a failed changefeed that should run", () => {
        expect(diffChangefeed(outputs({}, "failed"), raw()).changed).toEqual(["state"]);
        expect(
            diffChangefeed(outputs({ paused: true }, "failed"), raw({ paused: true })).changes,
        ).toBe(false);
    });

    it("treats unknown values (preview) as changes", () => {
        const d = diffChangefeed(outputs(), raw({ changefeedId: UNKNOWN }));
        expect(d.replaces).toEqual(["changefeedId"]);
    });
});
