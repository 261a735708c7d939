/**
 * The verify run: one marker row followed through TiDB → TiCDC → Kafka → Flink.
 *
 * Order, and why:
 * 1. Ask TiCDC which changefeed replicates the marker table and where it routes it (while the
 *    TiDB connection opens). A paused/failed changefeed or a table its filter does not select
 *    fails hop 2 at once, with the fix.
 * 2. Look at the topic: exists? end offsets? A missing topic that TiCDC will not create fails
 *    hop 3 — and then the marker is NOT written, because TiCDC would stop the whole changefeed
 *    (every business table with it) on the first event it cannot deliver.
 * 3. Only then create the marker table if missing (its CREATE TABLE is such an event too); an
 *    existing table that is not a marker table (a business table named by mistake) is refused.
 * 4. Start the Kafka consumer (at the end offsets) and the Flink query (job awaited RUNNING)
 *    before the insert, so their times measure delivery rather than start-up; nothing is started
 *    when no marker can be written.
 * 5. Insert the marker (hop 1); then watch hops 2–4 at once, each against its own timeout counted
 *    from the commit. A hop that fails for certain (the changefeed stopped, the consumer crashed)
 *    stops the hops after it, which could then only time out.
 * 6. Always clean up what was started (consumer group, Flink job, gateway session, connection),
 *    and list the cluster's other Flink jobs as information.
 *
 * Nothing here prints: the run returns a report (report.ts), with every secret redacted.
 */
import * as os from "node:os";
import {
    type ChangefeedInfo,
    getChangefeed,
    listChangefeeds,
    type TicdcConnection,
} from "../../components/ticdc/client";
import { DEFAULT_MARKER_TABLE, type Endpoints, HOPS, type HopName, type TableRef } from "./args";
import { FlinkMarkerQuery, otherFlinkJobs } from "./flink";
import {
    type KafkaHit,
    type KafkaWatch,
    kafkaClient,
    probeTopic,
    type TopicProbe,
    watchTopic,
} from "./kafka";
import {
    formatMs,
    HOP_TITLES,
    type HopReport,
    type HopStatus,
    redactReport,
    verdictOf,
    type VerifyReport,
} from "./report";
import {
    changefeedProgress,
    chooseRoute,
    conventionTopic,
    type MarkerRoute,
    routeMarker,
} from "./route";
import {
    flinkJobName,
    flinkMarkerQuery,
    flinkMarkerTableDdl,
    markerId,
    type MarkerRow,
    randomTag,
    specificOffsets,
} from "./sql";
import type { MarkerWriter } from "./tidb";
import { sleep, within } from "./wait";

export interface VerifyTargets {
    endpoints: Required<Endpoints>;
    /** The brokers as Flink reaches them; default: the changefeed's sink brokers. */
    flinkKafkaBootstrapServers?: string;
    /** The changefeed to follow; default: the one whose filter covers the marker table. */
    changefeed?: string;
    /** The stack's `replication.tables`, for the config fix in hints. */
    replicatedTables?: string[];
    markerTable: TableRef;
    /** Overrides the topic the changefeed routes the marker table to. */
    topic?: string;
    timeoutsMs: Record<HopName, number>;
}

export interface VerifyDeps {
    writer: MarkerWriter;
    /** Values never to show (the TiDB password). */
    secrets?: string[];
    /** Progress lines (the CLI prints them on stderr in human mode). */
    log?: (line: string) => void;
    /** Names this run's marker, consumer group and Flink job; default random. */
    tag?: string;
}

function message(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

export async function verifyPipeline(
    targets: VerifyTargets,
    deps: VerifyDeps,
): Promise<VerifyReport> {
    const startedAt = new Date();
    const started = performance.now();
    const tag = deps.tag ?? randomTag();
    const id = markerId(startedAt, tag);
    const jobName = flinkJobName(tag);
    const groupId = `cdc-verify-${tag}`;
    const marker = targets.markerTable;
    const markerName = `${marker.schema}.${marker.table}`;
    const timeouts = targets.timeoutsMs;
    const secrets = deps.secrets ?? [];
    const log = (line: string) => deps.log?.(line);
    const { endpoints } = targets;

    const hops = Object.fromEntries(
        HOPS.map((hop) => [
            hop,
            { hop, ...HOP_TITLES[hop], status: "skipped", detail: "not reached" },
        ]),
    ) as Record<HopName, HopReport>;
    /** Hops whose result is known. */
    const settled = new Set<HopName>();
    const settle = (
        hop: HopName,
        status: HopStatus,
        detail: string,
        extra: { ms?: number; hint?: string } = {},
    ) => {
        hops[hop] = { hop, ...HOP_TITLES[hop], status, detail, ...extra };
        settled.add(hop);
    };
    const failed = (hop: HopName) => hops[hop].status === "failed";
    const warnings: string[] = [];
    const cleanup: string[] = [];
    const reportMarker: VerifyReport["marker"] = { id, table: markerName };

    const ticdc: TicdcConnection = {
        apiUrl: endpoints.ticdcApiUrl,
        timeoutMs: Math.min(timeouts.ticdc, 15_000),
        retries: 2,
        retryDelayMs: 500,
        secrets,
    };
    const kafkaServers = endpoints.kafkaBootstrapServers;
    let kafkaWatch: KafkaWatch | undefined;
    let query: FlinkMarkerQuery | undefined;
    let flinkJobs: VerifyReport["flinkJobs"] = [];

    try {
        // 1. TiCDC's route for the marker, and the TiDB connection, at once.
        const [routed, connected] = await Promise.allSettled([
            findRoute(),
            within(
                deps.writer.connect(),
                timeouts.tidb,
                `connecting to ${deps.writer.description}`,
            ),
        ]);
        let route: MarkerRoute | undefined;
        let info: ChangefeedInfo | undefined;
        let covered: boolean | undefined;
        if (routed.status === "rejected") {
            settle("ticdc", "failed", message(routed.reason), {
                hint: `check that TiCDC answers at ${endpoints.ticdcApiUrl} (ticdcApiUrl, --ticdc)`,
            });
        } else {
            const { choice, infos } = routed.value;
            route = choice.route;
            covered = choice.covered;
            info = route ? infos.get(route.changefeedId) : undefined;
            if (choice.problem) {
                settle("ticdc", "failed", choice.problem.message, { hint: choice.problem.hint });
            } else if (route && info) {
                const state = changefeedProgress(info, route.changefeedId);
                if (state.kind === "failed") {
                    settle("ticdc", "failed", state.message, { hint: state.hint });
                }
                log(
                    `TiCDC: changefeed ${route.changefeedId} (${route.state}) replicates ${markerName} to topic ${route.topic}`,
                );
            }
            if (choice.others.length > 0) {
                warnings.push(
                    `other changefeeds replicate ${markerName} too (${choice.others.join(", ")}); following ${route?.changefeedId ?? "?"} (--changefeed to choose)`,
                );
            }
            warnings.push(...(route?.notes ?? []));
        }
        if (route) reportMarker.changefeed = route.changefeedId;
        const topic = targets.topic ?? route?.topic ?? conventionTopic(marker);
        reportMarker.topic = topic;
        if (route && route.covered && route.protocol !== "canal-json") {
            settle(
                "kafka",
                "failed",
                `changefeed "${route.changefeedId}" writes ${route.protocol || "an unknown protocol"}; verify and Flink's tables read canal-json`,
                { hint: "set replication.protocol to canal-json (the default) and pulumi up" },
            );
        }

        // 2. The topic: it must exist unless TiCDC creates it.
        let probe: TopicProbe | undefined;
        const kafka = await kafkaClient(kafkaServers);
        if (covered !== false && !failed("kafka")) {
            try {
                probe = await within(
                    probeTopic(kafka, topic, kafkaServers),
                    timeouts.kafka,
                    `reading topic ${topic}`,
                );
                log(
                    probe.exists
                        ? `Kafka: topic ${topic}, end offsets ${specificOffsets(probe.endOffsets ?? [])}`
                        : `Kafka: topic ${topic} does not exist`,
                );
            } catch (error) {
                settle("kafka", "failed", message(error), {
                    hint: `check the brokers at ${kafkaServers} (kafkaBootstrapServers, --kafka) as reachable from here`,
                });
            }
            if (probe && !probe.exists && route?.autoCreateTopic !== true) {
                const why = route
                    ? `changefeed "${route.changefeedId}" does not create topics (auto-create-topic=false)`
                    : "TiCDC could not be asked whether it creates topics";
                settle("kafka", "failed", `topic ${topic} does not exist and ${why}`, {
                    hint:
                        `declare the topic: add ${markerName} to the stack's replication.tables and pulumi up ` +
                        `(the stack creates one topic per listed table), or create ${topic} by hand. ` +
                        `The marker was not written: TiCDC would stop the changefeed on an event it cannot deliver.`,
                });
            }
        }
        const safeToWrite =
            covered === false || probe?.exists === true || route?.autoCreateTopic === true;

        // 3. The marker table, after the topic check (its CREATE TABLE is an event too).
        let tableReady = false;
        let created = false;
        if (connected.status === "rejected") {
            settle("tidb", "failed", message(connected.reason), {
                hint: `check tidbMysqlEndpoint (${endpoints.tidbMysqlEndpoint}), the user and TIDB_PASSWORD`,
            });
        } else if (!safeToWrite) {
            settle(
                "tidb",
                "skipped",
                `marker not written: the topic ${topic} is not known to exist (hop 3), and TiCDC would stop the changefeed on it`,
            );
        } else {
            try {
                created = await within(
                    deps.writer.ensureTable(marker),
                    timeouts.tidb,
                    `creating ${markerName}`,
                );
                if (created) log(`TiDB: created the marker table ${markerName}`);
                tableReady = true;
            } catch (error) {
                const text = message(error);
                settle("tidb", "failed", text, {
                    hint: text.includes("is not a verify marker table")
                        ? `the default marker table is ${DEFAULT_MARKER_TABLE.schema}.${DEFAULT_MARKER_TABLE.table}`
                        : `the user needs CREATE and INSERT on ${marker.schema} (or create ${markerName} beforehand)`,
                });
            }
        }

        // 4. Consumer and Flink query before the insert — only when the marker can come.
        const writable = tableReady;
        const follow = !failed("ticdc") && !failed("kafka") && covered === true && writable;
        if (!follow) {
            const why = failed("ticdc")
                ? "not checked: hop 2 (TiCDC) failed before the insert"
                : failed("kafka")
                  ? "not checked: hop 3 (Kafka) failed before the insert"
                  : !writable
                    ? "not checked: no marker was written (hop 1)"
                    : "not checked";
            if (!failed("kafka")) settle("kafka", "skipped", why);
            settle("flink", "skipped", why);
        }
        const flinkServers =
            targets.flinkKafkaBootstrapServers ??
            (route && route.sinkBrokers.length > 0 ? route.sinkBrokers.join(",") : kafkaServers);
        const startQuery = async (offsets: TopicProbe["endOffsets"]) => {
            const q = new FlinkMarkerQuery({
                gatewayUrl: endpoints.flinkSqlGatewayUrl,
                restUrl: endpoints.flinkRestUrl,
                ddl: flinkMarkerTableDdl({
                    name: `cdc_verify_${tag}`,
                    topic,
                    bootstrapServers: flinkServers,
                    marker,
                    ...(offsets ? { startOffsets: offsets } : {}),
                }),
                query: flinkMarkerQuery(`cdc_verify_${tag}`, id),
                jobName,
            });
            query = q;
            await q.start(Date.now() + timeouts.flink);
            log(
                `Flink: job ${q.jobId ?? "?"} (${jobName}) RUNNING, reading ${topic} via ${flinkServers}`,
            );
        };
        const flinkHint = () =>
            `Flink reads the topic from ${flinkServers} (${targets.flinkKafkaBootstrapServers ? "--flink-kafka" : "the changefeed's sink brokers; --flink-kafka to change"}): ` +
            `check that the TaskManagers reach it, that a task slot is free and that the Kafka SQL connector is installed`;
        if (follow) {
            const [watched, queried] = await Promise.allSettled([
                watchTopic(
                    {
                        kafka,
                        brokers: kafkaServers,
                        topic,
                        groupId,
                        ...(probe?.exists ? { start: probe.endOffsets ?? [] } : {}),
                        marker,
                        id,
                    },
                    Date.now() + timeouts.kafka,
                ),
                // Never over a missing topic (FLINK-39330, flink.ts): then it starts after hop 3.
                probe?.exists ? startQuery(probe.endOffsets) : Promise.resolve(),
            ]);
            if (watched.status === "fulfilled") kafkaWatch = watched.value;
            else settle("kafka", "failed", message(watched.reason));
            if (queried.status === "rejected") {
                settle("flink", "failed", `the query could not start: ${message(queried.reason)}`, {
                    hint: flinkHint(),
                });
            }
        }

        // 5. The marker row.
        let commit: { ts?: bigint; atMs: number; at: number } | undefined;
        if (tableReady) {
            const row: MarkerRow = {
                id,
                writtenAt: new Date(),
                writtenBy: `cdc-verify@${os.hostname()}`.slice(0, 255),
            };
            try {
                const before = performance.now();
                const written = await within(
                    deps.writer.write(marker, row),
                    timeouts.tidb,
                    `inserting the marker into ${markerName}`,
                );
                const at = performance.now();
                commit = {
                    at,
                    atMs: Date.now(),
                    ...(written.commitTs !== undefined ? { ts: written.commitTs } : {}),
                };
                reportMarker.committedAt = new Date(commit.atMs).toISOString();
                if (written.commitTs !== undefined) {
                    reportMarker.commitTs = written.commitTs.toString();
                }
                settle(
                    "tidb",
                    "ok",
                    `inserted ${id} into ${markerName}${created ? " (table created)" : ""}; ` +
                        (written.commitTs !== undefined
                            ? `commit ts ${written.commitTs}`
                            : "no commit ts (not TiDB?): hop 2 compares wall-clock times"),
                    { ms: at - before },
                );
                log(`TiDB: marker ${id} committed`);
            } catch (error) {
                settle("tidb", "failed", message(error), {
                    hint: `the user needs INSERT on ${markerName}`,
                });
            }
        }
        if (!commit) {
            const why = "not checked: no marker was written (hop 1)";
            if (!settled.has("ticdc")) {
                // The changefeed's state is still worth reporting.
                const state = route ? `; changefeed "${route.changefeedId}" is ${route.state}` : "";
                settle("ticdc", "skipped", `${why}${state}`);
            }
            if (!settled.has("kafka")) settle("kafka", "skipped", why);
            if (!settled.has("flink")) settle("flink", "skipped", why);
        } else {
            await followMarker(commit, route, topic, probe, { start: startQuery, hint: flinkHint });
        }
    } catch (error) {
        warnings.push(`verify stopped on an unexpected error: ${message(error)}`);
    } finally {
        // 6. Leave nothing behind.
        if (kafkaWatch) {
            try {
                cleanup.push(...(await kafkaWatch.close()));
            } catch (error) {
                warnings.push(message(error));
            }
        }
        if (query) {
            const result = await query.cleanup();
            cleanup.push(...result.done);
            warnings.push(...result.problems);
        }
        await deps.writer.close().catch(() => undefined);
        try {
            const { jobs, leftovers } = await otherFlinkJobs(endpoints.flinkRestUrl, jobName);
            flinkJobs = jobs;
            for (const job of leftovers) {
                warnings.push(
                    `Flink job ${job.name} (${job.id}) from an earlier verify run is still ${job.state}: cancel it (curl -X PATCH '${endpoints.flinkRestUrl.replace(/\/+$/, "")}/jobs/${job.id}?mode=cancel')`,
                );
            }
            // The pipeline's own jobs stream forever: any other state is worth a look.
            for (const job of jobs.filter((j) => j.state !== "RUNNING")) {
                warnings.push(`the cluster's Flink job ${job.name} is ${job.state} (information)`);
            }
        } catch (error) {
            flinkJobs = { error: message(error) };
        }
    }

    const ordered = HOPS.map((hop) => hops[hop]);
    const verdict = verdictOf(ordered);
    const report: VerifyReport = {
        ...verdict,
        marker: reportMarker,
        hops: ordered,
        flinkJobs,
        cleanup,
        warnings,
        startedAt: startedAt.toISOString(),
        durationMs: Math.round(performance.now() - started),
    };
    return redactReport(report, secrets);

    // -----------------------------------------------------------------------------------------

    async function findRoute() {
        const infos = new Map<string, ChangefeedInfo>();
        if (targets.changefeed !== undefined) {
            const info = await getChangefeed(ticdc, targets.changefeed);
            if (info) infos.set(targets.changefeed, info);
        } else {
            const list = await listChangefeeds(ticdc);
            for (const entry of list) {
                if (!entry.id || entry.state === "removed") continue;
                const info = await getChangefeed(ticdc, entry.id);
                if (info) infos.set(entry.id, info);
            }
        }
        const routes = [...infos].map(([cfId, info]) => routeMarker(info, cfId, marker));
        const choice = chooseRoute(routes, marker, {
            ...(targets.changefeed !== undefined ? { wanted: targets.changefeed } : {}),
            ...(targets.replicatedTables ? { replicatedTables: targets.replicatedTables } : {}),
            ticdcUrl: endpoints.ticdcApiUrl,
        });
        return { choice, infos };
    }

    /** Hops 2–4 after the commit, at once; a certain failure stops the hops after it. */
    async function followMarker(
        commit: { ts?: bigint; atMs: number; at: number },
        route: MarkerRoute | undefined,
        topic: string,
        probe: TopicProbe | undefined,
        flink: { start: (offsets: undefined) => Promise<void>; hint: () => string },
    ): Promise<void> {
        const stopKafka = new AbortController();
        const stopFlink = new AbortController();
        let kafkaHit: Promise<KafkaHit> | undefined;

        const ticdcHop = async () => {
            if (settled.has("ticdc") || !route) return;
            const deadline = Date.now() + timeouts.ticdc;
            let last = "";
            for (;;) {
                let info: ChangefeedInfo | undefined;
                try {
                    info = await getChangefeed(ticdc, route.changefeedId);
                } catch (error) {
                    last = message(error);
                }
                if (info) {
                    const progress = changefeedProgress(info, route.changefeedId, commit);
                    if (progress.kind === "passed") {
                        settle("ticdc", "ok", `${route.changefeedId} ${progress.detail}`, {
                            ms: performance.now() - commit.at,
                        });
                        return;
                    }
                    if (progress.kind === "failed") {
                        settle("ticdc", "failed", progress.message, { hint: progress.hint });
                        stopKafka.abort();
                        stopFlink.abort();
                        return;
                    }
                    last = progress.detail;
                } else if (last === "") {
                    settle("ticdc", "failed", `changefeed "${route.changefeedId}" disappeared`, {
                        hint: "recreate it (pulumi up)",
                    });
                    stopKafka.abort();
                    stopFlink.abort();
                    return;
                }
                if (Date.now() > deadline) {
                    settle(
                        "ticdc",
                        "failed",
                        `the checkpoint did not pass the marker within ${formatMs(timeouts.ticdc)}: ${last}`,
                        {
                            hint: `TiCDC is lagging or stuck: cdc cli changefeed query -c ${route.changefeedId}, and TiCDC's log`,
                        },
                    );
                    return;
                }
                await sleep(200);
            }
        };

        const kafkaHop = async () => {
            if (!kafkaWatch || settled.has("kafka")) return;
            const deadline = Date.now() + timeouts.kafka;
            kafkaHit = kafkaWatch.waitForMarker(deadline, stopKafka.signal);
            try {
                const hit = await kafkaHit;
                const es =
                    hit.commitMs !== undefined
                        ? `; es ${new Date(hit.commitMs).toISOString()}`
                        : "";
                settle(
                    "kafka",
                    "ok",
                    `canal-json INSERT in ${topic} partition ${hit.partition} offset ${hit.offset}${es}`,
                    {
                        ms: hit.seenAt - commit.at,
                    },
                );
            } catch (error) {
                if (stopKafka.signal.aborted) {
                    settle("kafka", "skipped", "stopped waiting: hop 2 (TiCDC) failed");
                } else if (message(error) === "timeout") {
                    const from = probe?.endOffsets
                        ? ` after offsets ${specificOffsets(probe.endOffsets)}`
                        : "";
                    settle(
                        "kafka",
                        "failed",
                        `no canal-json INSERT of the marker in ${topic}${from} within ${formatMs(timeouts.kafka)}`,
                        {
                            hint: `check where changefeed "${route?.changefeedId ?? "?"}" writes (${route?.topicFrom ?? "its dispatchers"}), and the brokers' logs`,
                        },
                    );
                } else {
                    settle("kafka", "failed", message(error));
                }
                stopFlink.abort();
            }
        };

        const flinkHop = async () => {
            if (settled.has("flink")) return;
            if (!query) {
                // The topic did not exist before the insert: start once hop 3 saw the marker.
                if (!kafkaHit) return;
                try {
                    await kafkaHit;
                } catch {
                    settle("flink", "skipped", "stopped waiting: hop 3 (Kafka) failed");
                    return;
                }
                try {
                    await flink.start(undefined);
                } catch (error) {
                    settle("flink", "failed", `the query could not start: ${message(error)}`, {
                        hint: flink.hint(),
                    });
                    return;
                }
            }
            const q = query;
            if (!q) return;
            const deadline = Date.now() + timeouts.flink;
            try {
                const seenAt = await q.waitForMarker(id, deadline, stopFlink.signal);
                settle(
                    "flink",
                    "ok",
                    `SELECT over ${topic} (temporary table, job ${q.jobId ?? "?"}) returned the marker` +
                        (probe?.exists ? "" : "; the job started after the topic appeared"),
                    { ms: seenAt - commit.at },
                );
            } catch (error) {
                if (stopFlink.signal.aborted) {
                    const which = failed("ticdc") ? "hop 2 (TiCDC)" : "hop 3 (Kafka)";
                    settle("flink", "skipped", `stopped waiting: ${which} failed`);
                } else if (message(error) === "timeout") {
                    settle(
                        "flink",
                        "failed",
                        `the query (job ${q.jobId ?? "?"}) did not return the marker within ${formatMs(timeouts.flink)}`,
                        { hint: flink.hint() },
                    );
                } else {
                    settle("flink", "failed", message(error), { hint: flink.hint() });
                }
            }
        };

        // Hop 4 waits for hop 3's promise when it starts late: start hop 3 first.
        const kafkaDone = kafkaHop();
        await Promise.all([ticdcHop(), kafkaDone, flinkHop()]);
    }
}
