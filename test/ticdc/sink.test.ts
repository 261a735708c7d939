/** Sink URI, replica_config and the masked-URI round trip (components/ticdc/sink.ts). */
import { describe, expect, it } from "vitest";
import {
    defaultReplicaConfigBase,
    durationNanos,
    type KafkaSinkSettings,
    liveOverrides,
    observeSinkUri,
    parseSinkUri,
    reconcileSink,
    redactSinkUri,
    replicaConfig,
    replicationProblems,
    resolveSinkSettings,
    sinkSettingsProblems,
    sinkUri,
    sinkUriHasCredentials,
} from "../../components/ticdc/sink";

const base: KafkaSinkSettings = { brokers: ["127.0.0.1:9092"], topic: "kafka-topic-name" };

/** Go's `url.ParseQuery` semantics are what TiCDC applies: URLSearchParams matches them. */
function goQuery(uri: string): [string, string][] {
    return [...new URL(uri.replace(/^kafka:/, "http:")).searchParams.entries()];
}

/** TiCDC's `MaskSinkURI`: sasl-password → xxxxx and the query re-encoded, keys sorted. */
function tiCdcMask(uri: string): string {
    const [head, query = ""] = uri.split("?");
    const params = new URLSearchParams(query);
    if (!params.has("sasl-password")) return uri;
    params.set("sasl-password", "xxxxx");
    params.sort();
    return `${head}?${params.toString()}`;
}

describe("sink URI", () => {
    it("renders the TiDB docs' changefeed (seed 000) with the project's defaults", () => {
        const uri = sinkUri(
            resolveSinkSettings({
                brokers: ["127.0.0.1:9092", "127.0.0.2:9092", "127.0.0.3:9092"],
                topic: "kafka-topic-name",
                partitionNum: 3,
                replicationFactor: 1,
                maxMessageBytes: 1048576,
                kafkaVersion: "2.4.0",
            }),
        );
        expect(uri).toBe(
            "kafka://127.0.0.1:9092,127.0.0.2:9092,127.0.0.3:9092/kafka-topic-name?" +
                "protocol=canal-json&partition-num=3&replication-factor=1&max-message-bytes=1048576" +
                "&auto-create-topic=false&kafka-version=2.4.0&enable-tidb-extension=false",
        );
    });

    it("adds TLS paths and SASL with percent-encoded values", () => {
        const uri = sinkUri(
            resolveSinkSettings({
                ...base,
                tls: { caPath: "/etc/tls/ca.pem", certPath: "/etc/tls/c.pem", keyPath: "/k.pem" },
                sasl: { mechanism: "scram-sha-512", user: "ti cdc", password: "p@ss/w:rd%" },
            }),
        );
        expect(uri).toContain(
            "&enable-tls=true&ca=%2Fetc%2Ftls%2Fca.pem&cert=%2Fetc%2Ftls%2Fc.pem&key=%2Fk.pem",
        );
        expect(uri).toContain(
            "&sasl-mechanism=scram-sha-512&sasl-user=ti%20cdc&sasl-password=p%40ss%2Fw%3Ard%25",
        );
        expect(Object.fromEntries(goQuery(uri))).toMatchObject({
            "sasl-user": "ti cdc",
            "sasl-password": "p@ss/w:rd%",
            ca: "/etc/tls/ca.pem",
        });
    });

    it.each([
        ["a parameter", "x&auto-create-topic=true"],
        ["a fragment", "x#protocol=avro"],
        ["a plus read as space", "a+b c"],
        ["quotes and brackets", `'"()*!;[]{}`],
        ["unicode", "pässwörd🔑"],
        ["an equals sign", "==="],
    ])("keeps a password with %s inside its own parameter", (_what, password) => {
        const uri = sinkUri(
            resolveSinkSettings({ ...base, sasl: { mechanism: "plain", user: "u", password } }),
        );
        const query = goQuery(uri);
        expect(query.filter(([k]) => k === "auto-create-topic")).toEqual([
            ["auto-create-topic", "false"],
        ]);
        expect(query.filter(([k]) => k === "protocol")).toEqual([["protocol", "canal-json"]]);
        expect(Object.fromEntries(query)["sasl-password"]).toBe(password);
        expect(uri).not.toContain("#");
        expect(parseSinkUri(uri).params["sasl-password"]).toBe(password);
    });

    it("knows when the URI is a secret", () => {
        expect(sinkUriHasCredentials(base)).toBe(false);
        expect(
            sinkUriHasCredentials({
                ...base,
                sasl: { mechanism: "plain", user: "u", password: "p" },
            }),
        ).toBe(true);
        expect(
            sinkUriHasCredentials({ ...base, extraParams: { "sasl-gssapi-password": "p" } }),
        ).toBe(true);
        expect(sinkUriHasCredentials({ ...base, extraParams: { "kafka-client-id": "c" } })).toBe(
            false,
        );
    });

    it("rejects what TiCDC would reject, naming the property", () => {
        const problems = sinkSettingsProblems({
            brokers: ["kafka:9092", "no-port", "a,b:1"],
            topic: "bad/topic",
            partitionNum: 0,
            maxMessageBytes: 200_000_000,
            kafkaVersion: "latest",
            tls: { caPath: "/ca.pem" },
            sasl: { mechanism: "md5" as "plain", user: "", password: "" },
            extraParams: { "sasl-password": "x", "Bad Name": "y" },
        });
        expect(problems.map((p) => p.property)).toEqual([
            "sink.brokers[1]",
            "sink.brokers[2]",
            "sink.topic",
            "sink.partitionNum",
            "sink.maxMessageBytes",
            "sink.kafkaVersion",
            "sink.tls",
            "sink.sasl.mechanism",
            "sink.sasl.user",
            "sink.sasl.password",
            "sink.extraParams.sasl-password",
            "sink.extraParams.Bad Name",
        ]);
        expect(() => resolveSinkSettings({ ...base, brokers: [] })).toThrow(
            /sink.brokers must list at least one broker/,
        );
    });

    it("redacts secrets from any text", () => {
        expect(
            redactSinkUri("bad uri kafka://u:pw@k:1/t?protocol=x&sasl-password=s3cr3t&a=b"),
        ).toBe("bad uri kafka://u:xxxxx@k:1/t?protocol=x&sasl-password=xxxxx&a=b");
    });
});

describe("masked URI from TiCDC", () => {
    const desired = resolveSinkSettings({
        ...base,
        partitionNum: 6,
        replicationFactor: 3,
        sasl: { mechanism: "scram-sha-256", user: "ticdc", password: "s3cr3t&x=y" },
        extraParams: { "kafka-client-id": "cdc client" },
    });

    it("compares only the non-secret parts, keeping the real password", () => {
        const masked = tiCdcMask(sinkUri(desired));
        expect(masked).toContain("sasl-password=xxxxx");
        expect(masked).not.toContain("s3cr3t");
        expect(reconcileSink(masked, desired)).toEqual(desired);
        expect(observeSinkUri(masked).maskedParams).toEqual(["sasl-password"]);
    });

    it("shows drift in the non-secret parts", () => {
        const changed = tiCdcMask(
            sinkUri({ ...desired, partitionNum: 12, sasl: { ...desired.sasl!, user: "other" } }),
        );
        const live = reconcileSink(changed, desired);
        expect(live.partitionNum).toBe(12);
        expect(live.sasl).toEqual({
            mechanism: "scram-sha-256",
            user: "other",
            password: "s3cr3t&x=y",
        });
    });

    it("shows parameters added or removed out of band, and TiCDC's defaults", () => {
        const live = reconcileSink(
            "kafka://127.0.0.1:9092/kafka-topic-name?protocol=canal-json&compression=gzip",
            desired,
        );
        expect(live).toEqual({
            brokers: ["127.0.0.1:9092"],
            topic: "kafka-topic-name",
            protocol: "canal-json",
            autoCreateTopic: true,
            enableTidbExtension: false,
            compression: "gzip",
        });
    });

    it("leaves an unknown password out on import (it is never the mask)", () => {
        const live = reconcileSink(tiCdcMask(sinkUri(desired)), undefined);
        expect(live.sasl).toEqual({ mechanism: "scram-sha-256", user: "ticdc" });
        expect(JSON.stringify(live)).not.toContain("xxxxx");
    });

    it("round-trips an unmasked URI exactly", () => {
        const tls = resolveSinkSettings({
            ...base,
            tls: { caPath: "/a", certPath: "/b", keyPath: "/c", insecureSkipVerify: true },
            requiredAcks: -1,
            compression: "zstd",
        });
        expect(reconcileSink(sinkUri(tls), tls)).toEqual(tls);
    });
});

describe("replica_config", () => {
    const settings = { tables: ["app.orders", "app.items"], protocol: "canal-json" as const };

    it("is complete: every scalar TiCDC would zero on update is sent", () => {
        const config = replicaConfig(settings);
        expect(config).toMatchObject({
            memory_quota: 1073741824,
            case_sensitive: false,
            force_replicate: false,
            ignore_ineligible_table: false,
            check_gc_safe_point: true,
            enable_sync_point: false,
            bdr_mode: false,
            mounter: { worker_num: 16 },
            scheduler: { enable_table_across_nodes: false, region_threshold: 100000 },
            integrity: { integrity_check_level: "none", corruption_handle_level: "warn" },
            consistent: { level: "none" },
        });
        for (const key of Object.keys(defaultReplicaConfigBase())) {
            expect(config).toHaveProperty(key);
        }
        expect(config.filter).toEqual({ rules: ["app.orders", "app.items"] });
        expect(config.sink).toMatchObject({
            protocol: "canal-json",
            transaction_atomicity: "none",
            terminator: "\r\n",
            dispatchers: [
                {
                    matcher: ["app.orders", "app.items"],
                    topic: "tidb_{schema}_{table}",
                    partition: "index-value",
                },
            ],
        });
    });

    it("merges overrides (objects merged, arrays replaced) and refuses owned fields", () => {
        const config = replicaConfig({
            ...settings,
            eventFilters: [{ matcher: ["app.*"], ignoreEvent: ["all ddl"] }],
            overrides: {
                force_replicate: true,
                sink: { only_output_updated_columns: true },
                filter: { ignore_txn_start_ts: ["449530440858189826"] },
                changefeed_error_stuck_duration: "1h",
            },
        });
        expect(config.force_replicate).toBe(true);
        expect(config.sink).toMatchObject({
            only_output_updated_columns: true,
            protocol: "canal-json",
            encoder_concurrency: 32,
        });
        expect(config.filter).toEqual({
            rules: ["app.orders", "app.items"],
            event_filters: [{ matcher: ["app.*"], ignore_event: ["all ddl"] }],
            ignore_txn_start_ts: ["449530440858189826"],
        });
        expect(
            replicationProblems({
                tables: ["a.b"],
                overrides: { filter: { rules: ["*.*"] }, sink: { dispatchers: [] } },
            }).map((p) => p.property),
        ).toEqual([
            "replicaConfigOverrides.filter.rules",
            "replicaConfigOverrides.sink.dispatchers",
        ]);
    });

    it("validates dispatchers and tables", () => {
        expect(
            replicationProblems({
                tables: [],
                dispatchers: [
                    { matcher: [], topic: "{table}_{schema}" },
                    { matcher: ["a.b"], partition: "random" },
                ],
            }).map((p) => p.property),
        ).toEqual([
            "tables",
            "dispatchers[0].matcher",
            "dispatchers[0].topic",
            "dispatchers[1].partition",
        ]);
        expect(() => replicaConfig({ ...settings, tables: [] })).toThrow(/tables must list/);
    });

    it("reads overrides back as TiCDC reports them (durations in ns, u64 as numbers)", () => {
        const desired = {
            changefeed_error_stuck_duration: "1h",
            memory_quota: "2147483648",
            sink: { only_output_updated_columns: true },
            mounter: { worker_num: 8 },
        };
        const live = {
            changefeed_error_stuck_duration: 3600000000000,
            memory_quota: 2147483648,
            sink: { only_output_updated_columns: true, protocol: "canal-json" },
            mounter: { worker_num: 16 },
        };
        expect(liveOverrides(desired, live)).toEqual({
            changefeed_error_stuck_duration: "1h",
            memory_quota: "2147483648",
            sink: { only_output_updated_columns: true },
            mounter: { worker_num: 16 },
        });
        expect(durationNanos("1h30m")).toBe(5400000000000n);
        expect(durationNanos("500ms")).toBe(500000000n);
        expect(durationNanos("soon")).toBeUndefined();
    });
});
