import { describe, expect, it } from "vitest";
import type { ChangefeedInfo } from "../../components/ticdc/client";
import { replicaConfig, resolveSinkSettings, sinkUri } from "../../components/ticdc/sink";
import {
    changefeedProgress,
    chooseRoute,
    coverageHint,
    routeMarker,
    substituteTopic,
} from "../../scripts/verify/route";

const marker = { schema: "cdc_verify", table: "marker" };

/** A changefeed as the project's Changefeed provider creates it, as TiCDC reports it. */
function changefeed(
    tables: string[],
    extra: {
        autoCreateTopic?: boolean;
        overrides?: Record<string, unknown>;
        protocol?: "canal-json" | "avro";
    } = {},
): ChangefeedInfo {
    return {
        id: "lab-to-kafka",
        state: "normal",
        sink_uri: sinkUri(
            resolveSinkSettings({
                brokers: ["kafka-0:9092"],
                topic: "lab-to-kafka-default",
                protocol: extra.protocol ?? "canal-json",
                partitionNum: 3,
                autoCreateTopic: extra.autoCreateTopic ?? false,
            }),
        ),
        config: replicaConfig({
            tables,
            protocol: extra.protocol ?? "canal-json",
            ...(extra.overrides ? { overrides: extra.overrides } : {}),
        }),
        checkpoint_ts: 470626691528261632n,
    };
}

describe("routeMarker", () => {
    it("follows the project's dispatcher to tidb_<schema>_<table>, with the sink's settings", () => {
        const route = routeMarker(
            changefeed(["test.orders", "cdc_verify.*"]),
            "lab-to-kafka",
            marker,
        );
        expect(route).toEqual({
            changefeedId: "lab-to-kafka",
            state: "normal",
            covered: true,
            rules: ["test.orders", "cdc_verify.*"],
            topic: "tidb_cdc_verify_marker",
            topicFrom:
                'dispatcher topic "tidb_{schema}_{table}" (matcher test.orders, cdc_verify.*)',
            protocol: "canal-json",
            autoCreateTopic: false,
            sinkBrokers: ["kafka-0:9092"],
            notes: [],
        });
    });

    it("says why a table is not covered: the filter, or an event filter dropping INSERTs", () => {
        const outside = routeMarker(changefeed(["test.orders"]), "lab-to-kafka", marker);
        expect(outside.covered).toBe(false);
        expect(outside.notCovered).toBe(
            "its filter (rules: test.orders) does not select cdc_verify.marker",
        );
        const excluded = routeMarker(changefeed(["*.*", "!cdc_verify.*"]), "x", marker);
        expect(excluded.covered).toBe(false);
        const dropped = routeMarker(
            {
                ...changefeed(["cdc_verify.marker"]),
                config: {
                    ...changefeed(["cdc_verify.marker"]).config,
                    filter: {
                        rules: ["cdc_verify.marker"],
                        event_filters: [{ matcher: ["cdc_verify.*"], ignore_event: ["all dml"] }],
                    },
                },
            },
            "x",
            marker,
        );
        expect(dropped.covered).toBe(false);
        expect(dropped.notCovered).toBe(
            'an event filter (matcher cdc_verify.*) ignores "all dml" events on cdc_verify.marker',
        );
    });

    it("honours case_sensitive, the default topic, auto-create and a missing filter (TiCDC: *.*)", () => {
        const base = changefeed(["CDC_VERIFY.MARKER"]);
        expect(routeMarker(base, "x", marker).covered).toBe(true);
        expect(
            routeMarker({ ...base, config: { ...base.config, case_sensitive: true } }, "x", marker)
                .covered,
        ).toBe(false);
        const noDispatcher: ChangefeedInfo = {
            id: "x",
            state: "normal",
            sink_uri: "kafka://b:9092/everything?protocol=canal-json",
            config: {},
        };
        expect(routeMarker(noDispatcher, "x", marker)).toMatchObject({
            covered: true,
            rules: ["*.*"],
            topic: "everything",
            autoCreateTopic: true,
            topicFrom: "the sink URI's default topic (no dispatcher names a topic for it)",
        });
        expect(
            routeMarker(changefeed(["*.*"], { autoCreateTopic: true }), "x", marker)
                .autoCreateTopic,
        ).toBe(true);
    });
});

describe("substituteTopic", () => {
    it("replaces placeholders and characters Kafka refuses, as TiCDC does", () => {
        expect(substituteTopic("tidb_{schema}_{table}", "shop$1", "line items")).toBe(
            "tidb_shop_1_line_items",
        );
        expect(substituteTopic("fixed-topic", "a", "b")).toBe("fixed-topic");
        expect(substituteTopic("{schema}", ".", "x")).toBe("_");
    });
});

describe("chooseRoute", () => {
    const covering = routeMarker(changefeed(["cdc_verify.*"]), "b-feed", marker);
    const other = routeMarker(changefeed(["test.orders"]), "a-feed", marker);
    const options = { ticdcUrl: "http://127.0.0.1:8300" };

    it("picks the changefeed that covers the marker (the wanted one when given)", () => {
        expect(chooseRoute([other, covering], marker, options)).toEqual({
            route: covering,
            others: [],
            covered: true,
        });
        expect(
            chooseRoute([covering, { ...covering, changefeedId: "c-feed" }], marker, options)
                .others,
        ).toEqual(["c-feed"]);
        expect(chooseRoute([other, covering], marker, { ...options, wanted: "b-feed" }).route).toBe(
            covering,
        );
    });

    it("a table no changefeed covers, a missing or empty TiCDC: a problem with the config fix", () => {
        const none = chooseRoute([other], marker, {
            ...options,
            replicatedTables: ["test.orders"],
        });
        expect(none.covered).toBe(false);
        expect(none.problem).toEqual({
            message:
                'the marker table cdc_verify.marker is not replicated by any changefeed: "a-feed" (its filter (rules: test.orders) does not select cdc_verify.marker)',
            hint: coverageHint(marker, ["test.orders"]),
        });
        expect(none.problem?.hint).toContain(
            "pulumi config set --path 'replication.tables[1]' cdc_verify.marker; pulumi up",
        );
        expect(none.problem?.hint).toContain("declares the topic tidb_cdc_verify_marker");
        expect(
            chooseRoute([other], marker, { ...options, wanted: "a-feed" }).problem?.message,
        ).toBe(
            'the marker table cdc_verify.marker is not replicated by changefeed "a-feed": its filter (rules: test.orders) does not select cdc_verify.marker',
        );
        // A wanted changefeed that is missing says nothing about the others: unknown.
        expect(chooseRoute([], marker, { ...options, wanted: "gone" }).covered).toBeUndefined();
        expect(chooseRoute([], marker, { ...options, wanted: "gone" }).problem?.message).toBe(
            'changefeed "gone" does not exist on TiCDC http://127.0.0.1:8300',
        );
        expect(chooseRoute([], marker, options).problem?.message).toBe(
            "TiCDC http://127.0.0.1:8300 has no changefeed",
        );
    });
});

describe("changefeedProgress", () => {
    const commitTs = 470626691408986112n;
    const commit = { ts: commitTs, atMs: Number(commitTs >> 18n) };

    it("passes once the checkpoint reaches the commit TSO; waits before", () => {
        expect(
            changefeedProgress({ state: "normal", checkpoint_ts: commitTs }, "f", commit),
        ).toEqual({
            kind: "passed",
            detail: `normal, checkpoint ${commitTs} (2026-11-21T21:59:12.848Z) ≥ commit ts ${commitTs}`,
        });
        expect(
            changefeedProgress({ state: "normal", checkpoint_ts: commitTs - 1n }, "f", commit).kind,
        ).toBe("waiting");
        expect(changefeedProgress({ state: "normal" }, "f", commit).kind).toBe("waiting");
    });

    it("without a commit TSO (not TiDB) compares the checkpoint's physical time", () => {
        const atMs = Number(commitTs >> 18n);
        expect(
            changefeedProgress({ state: "normal", checkpoint_ts: commitTs }, "f", { atMs }).kind,
        ).toBe("passed");
        expect(
            changefeedProgress({ state: "normal", checkpoint_ts: commitTs }, "f", {
                atMs: atMs + 1,
            }).kind,
        ).toBe("waiting");
    });

    it("warning and pending keep waiting with TiCDC's error; stopped, failed, finished fail with a fix", () => {
        const warning = changefeedProgress(
            {
                state: "warning",
                checkpoint_ts: 1n,
                error: { code: "CDC:ErrKafkaNewProducer", message: "brokers down" },
            },
            "f",
            commit,
        );
        expect(warning).toMatchObject({ kind: "waiting" });
        expect((warning as { detail: string }).detail).toContain(
            "(warning: CDC:ErrKafkaNewProducer: brokers down)",
        );
        const stopped = changefeedProgress({ state: "stopped" }, "f");
        expect(stopped).toMatchObject({
            kind: "failed",
            message: 'changefeed "f" is stopped (paused): it replicates nothing until resumed',
        });
        expect((stopped as { hint: string }).hint).toContain("cdc cli changefeed resume -c f");
        expect(
            changefeedProgress(
                { state: "failed", error: { code: "CDC:ErrGCTTLExceeded", message: "gc" } },
                "f",
            ),
        ).toMatchObject({
            kind: "failed",
            message: 'changefeed "f" has failed: CDC:ErrGCTTLExceeded: gc',
        });
        expect(changefeedProgress({ state: "finished" }, "f").kind).toBe("failed");
        expect(changefeedProgress({ state: "normal" }, "f")).toEqual({
            kind: "waiting",
            detail: "normal",
        });
    });
});
