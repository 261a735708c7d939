/**
 * Where TiCDC sends the marker, decided from the live changefeed as TiCDC reports it (pure):
 *
 * - coverage: `filter.rules` with TiDB's table-filter semantics (the project's matcher in
 *   components/ticdc/eligibility.ts), honouring `case_sensitive`, and no event filter dropping
 *   INSERTs on the marker table;
 * - the topic: the first dispatcher whose matcher selects the table, its topic expression
 *   substituted as TiCDC does (`tidb_{schema}_{table}`, the project's convention, see
 *   DEFAULT_TOPIC_EXPRESSION and components/pipeline/replication.ts `tableTopic`), else the sink
 *   URI's default topic;
 * - the sink: protocol, `auto-create-topic` (TiCDC's default is true), the brokers TiCDC uses —
 *   which are also the ones Flink reaches, both running inside the pipeline's network.
 *
 * Also what a changefeed's state means for the marker (`changefeedProgress`).
 */
import type { ChangefeedInfo, RunningError } from "../../components/ticdc/client";
import { tableFilterMatches } from "../../components/ticdc/eligibility";
import {
    DEFAULT_TOPIC_EXPRESSION,
    dispatchersFromConfig,
    eventFiltersFromConfig,
    getPath,
    observeSinkUri,
} from "../../components/ticdc/sink";
import type { TableRef } from "./args";

export interface MarkerRoute {
    changefeedId: string;
    state: string;
    /** The changefeed replicates INSERTs of the marker table. */
    covered: boolean;
    /** Why not, when not covered. */
    notCovered?: string;
    /** `filter.rules` as TiCDC reports them. */
    rules: string[];
    topic: string;
    /** How the topic was chosen, for the report. */
    topicFrom: string;
    /** Sink protocol (`canal-json` is what verify and Flink read). */
    protocol: string;
    /** Whether TiCDC creates a missing topic (sink URI `auto-create-topic`, default true). */
    autoCreateTopic: boolean;
    /** The brokers in the sink URI (as TiCDC, and so Flink, reaches them). */
    sinkBrokers: string[];
    /** Things that may keep the marker out without being certain (e.g. value expressions). */
    notes: string[];
}

/** TiCDC's `topic.Expression.Substitute`: placeholders replaced, invalid characters → `_`. */
export function substituteTopic(expression: string, schema: string, table: string): string {
    const clean = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, "_");
    const name = expression
        .replace(/\{schema\}/g, clean(schema))
        .replace(/\{table\}/g, clean(table))
        .slice(0, 249);
    if (name === ".") return "_";
    if (name === "..") return "__";
    return name;
}

/** The project's topic for a table (`tidb_<schema>_<table>`), when TiCDC cannot be asked. */
export function conventionTopic(marker: TableRef): string {
    return substituteTopic(DEFAULT_TOPIC_EXPRESSION, marker.schema, marker.table);
}

function strings(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** Event types that drop an INSERT (TiCDC's `ignore_event`). */
const DROPS_INSERT = ["all dml", "dml", "insert"];

/** How a changefeed treats the marker table. */
export function routeMarker(info: ChangefeedInfo, id: string, marker: TableRef): MarkerRoute {
    const config = info.config ?? {};
    const caseSensitive = getPath(config, ["case_sensitive"]) === true;
    const rawRules = getPath(config, ["filter", "rules"]);
    // TiCDC's default filter is every table.
    const rules = rawRules === undefined || rawRules === null ? ["*.*"] : strings(rawRules);
    const name = `${marker.schema}.${marker.table}`;
    const notes: string[] = [];

    let covered = tableFilterMatches(rules, marker.schema, marker.table, caseSensitive);
    let notCovered: string | undefined = covered
        ? undefined
        : `its filter (rules: ${rules.join(", ") || "none"}) does not select ${name}`;
    if (covered) {
        for (const rule of eventFiltersFromConfig(getPath(config, ["filter", "event_filters"]))) {
            if (!tableFilterMatches(rule.matcher, marker.schema, marker.table, caseSensitive)) {
                continue;
            }
            const dropped = (rule.ignoreEvent ?? []).find((e) =>
                DROPS_INSERT.includes(e.toLowerCase()),
            );
            if (dropped) {
                covered = false;
                notCovered = `an event filter (matcher ${rule.matcher.join(", ")}) ignores "${dropped}" events on ${name}`;
                break;
            }
            if (rule.ignoreInsertValueExpr) {
                notes.push(
                    `an event filter drops INSERTs on ${name} where ${rule.ignoreInsertValueExpr}`,
                );
            }
        }
    }

    const sink = observeSinkUri(info.sink_uri ?? "kafka:///");
    const dispatcher = dispatchersFromConfig(getPath(config, ["sink", "dispatchers"])).find(
        (rule) => tableFilterMatches(rule.matcher, marker.schema, marker.table, caseSensitive),
    );
    const topic = dispatcher?.topic
        ? substituteTopic(dispatcher.topic, marker.schema, marker.table)
        : sink.settings.topic;
    const topicFrom = dispatcher?.topic
        ? `dispatcher topic "${dispatcher.topic}" (matcher ${dispatcher.matcher.join(", ")})`
        : "the sink URI's default topic (no dispatcher names a topic for it)";

    const kafkaConfigAutoCreate = getPath(config, ["sink", "kafka_config", "auto_create_topic"]);
    const autoCreateInUri = /[?&]auto-create-topic=/.test(info.sink_uri ?? "");
    const autoCreateTopic = autoCreateInUri
        ? sink.settings.autoCreateTopic
        : typeof kafkaConfigAutoCreate === "boolean"
          ? kafkaConfigAutoCreate
          : true;

    const configProtocol = getPath(config, ["sink", "protocol"]);
    const protocol =
        sink.settings.protocol || (typeof configProtocol === "string" ? configProtocol : "");

    return {
        changefeedId: id,
        state: info.state ?? "",
        covered,
        ...(notCovered !== undefined ? { notCovered } : {}),
        rules,
        topic,
        topicFrom,
        protocol,
        autoCreateTopic,
        sinkBrokers: sink.settings.brokers,
        notes,
    };
}

/** The config fix for a marker table no changefeed replicates. */
export function coverageHint(marker: TableRef, replicatedTables?: readonly string[]): string {
    const name = `${marker.schema}.${marker.table}`;
    const index = replicatedTables?.length ?? 0;
    return (
        `add ${name} to the stack's replication.tables ` +
        `(pulumi config set --path 'replication.tables[${index}]' ${name}; pulumi up): the stack then ` +
        `widens the changefeed's filter and declares the topic ${conventionTopic(marker)}. ` +
        `For a changefeed managed elsewhere, add "${name}" to its filter.rules (and create its topic ` +
        `when auto-create-topic is false), or pass --marker-table with a table it already replicates.`
    );
}

export interface RouteChoice {
    route?: MarkerRoute;
    /** Why none fits (with the fix), when `route` is missing or does not cover the marker. */
    problem?: { message: string; hint: string };
    /** Other changefeeds that cover the marker too (information). */
    others: string[];
    /**
     * Whether a changefeed replicates the marker table: false when TiCDC answered and none does
     * (writing the marker then touches no changefeed), undefined when that is not known.
     */
    covered: boolean | undefined;
}

/**
 * Picks the changefeed that carries the marker: the wanted one, else the first (by id) whose
 * filter covers the marker table. A changefeed that does not cover it is a problem with a fix.
 */
export function chooseRoute(
    routes: readonly MarkerRoute[],
    marker: TableRef,
    options: { wanted?: string; replicatedTables?: readonly string[]; ticdcUrl: string },
): RouteChoice {
    const name = `${marker.schema}.${marker.table}`;
    const hint = coverageHint(marker, options.replicatedTables);
    const sorted = [...routes].sort((a, b) => a.changefeedId.localeCompare(b.changefeedId));
    if (options.wanted !== undefined) {
        const route = sorted.find((r) => r.changefeedId === options.wanted);
        if (!route) {
            return {
                others: [],
                covered: undefined,
                problem: {
                    message: `changefeed "${options.wanted}" does not exist on TiCDC ${options.ticdcUrl}`,
                    hint: "deploy it (pulumi up), or pass --changefeed with an existing one",
                },
            };
        }
        if (!route.covered) {
            return {
                route,
                others: [],
                covered: false,
                problem: {
                    message: `the marker table ${name} is not replicated by changefeed "${route.changefeedId}": ${route.notCovered ?? "not covered"}`,
                    hint,
                },
            };
        }
        return { route, others: [], covered: true };
    }
    const covering = sorted.filter((r) => r.covered);
    if (covering.length > 0) {
        return {
            route: covering[0],
            others: covering.slice(1).map((r) => r.changefeedId),
            covered: true,
        };
    }
    if (sorted.length === 0) {
        return {
            others: [],
            covered: false,
            problem: {
                message: `TiCDC ${options.ticdcUrl} has no changefeed`,
                hint: "deploy the stack with at least one table in replication.tables (pulumi up)",
            },
        };
    }
    const list = sorted.map((r) => `"${r.changefeedId}" (${r.notCovered ?? "?"})`).join("; ");
    return {
        others: [],
        covered: false,
        ...(sorted.length === 1 ? { route: sorted[0] } : {}),
        problem: {
            message: `the marker table ${name} is not replicated by any changefeed: ${list}`,
            hint,
        },
    };
}

/** What the changefeed's current state means for the marker. */
export type Progress =
    | { kind: "passed"; detail: string }
    | { kind: "waiting"; detail: string }
    | { kind: "failed"; message: string; hint: string };

function errorText(error: RunningError | null | undefined): string {
    if (!error) return "";
    const code = error.code ? `${error.code}: ` : "";
    return `${code}${error.message ?? ""}`.trim();
}

/**
 * The changefeed against the marker's commit: passed once the checkpoint reaches the commit
 * TSO (TiCDC advances the checkpoint only after the sink flushed everything up to it); waiting
 * while it replicates (`normal`, or `warning`/`pending` — retrying, may recover); failed when it
 * does not replicate at all. Without a commit TSO (not TiDB), the checkpoint's physical time is
 * compared with the commit's wall-clock time.
 */
export function changefeedProgress(
    info: Pick<ChangefeedInfo, "state" | "checkpoint_ts" | "error">,
    id: string,
    commit?: { ts?: bigint; atMs: number },
): Progress {
    const state = info.state ?? "";
    const error = errorText(info.error);
    const resume = `resume it (cdc cli changefeed resume -c ${id}, or POST /api/v2/changefeeds/${id}/resume; or, for the stack's own changefeed, pulumi refresh then pulumi up)`;
    switch (state) {
        case "stopped":
            return {
                kind: "failed",
                message: `changefeed "${id}" is stopped (paused): it replicates nothing until resumed${error ? `; last error ${error}` : ""}`,
                hint: resume,
            };
        case "failed":
            return {
                kind: "failed",
                message: `changefeed "${id}" has failed${error ? `: ${error}` : ""}`,
                hint: `fix the cause, then ${resume} (a GC-related failure may need overwrite_checkpoint_ts)`,
            };
        case "finished":
            return {
                kind: "failed",
                message: `changefeed "${id}" has finished (it reached its target-ts) and replicates nothing new`,
                hint: "recreate it without a target-ts (pulumi up replaces it)",
            };
        case "removed":
            return {
                kind: "failed",
                message: `changefeed "${id}" is being removed`,
                hint: "recreate it (pulumi up)",
            };
        case "normal":
        case "warning":
        case "pending":
            break;
        default:
            return {
                kind: "failed",
                message: `changefeed "${id}" is in an unknown state ${JSON.stringify(state)}`,
                hint: "check it with cdc cli changefeed query",
            };
    }
    const trouble = state === "normal" ? "" : ` (${state}${error ? `: ${error}` : ""})`;
    if (!commit) return { kind: "waiting", detail: `${state}${trouble}` };
    const checkpoint = info.checkpoint_ts === undefined ? undefined : BigInt(info.checkpoint_ts);
    if (checkpoint === undefined) {
        return { kind: "waiting", detail: `${state}, no checkpoint yet${trouble}` };
    }
    const checkpointMs = Number(checkpoint >> 18n);
    const passed = commit.ts !== undefined ? checkpoint >= commit.ts : checkpointMs >= commit.atMs;
    const at = new Date(checkpointMs).toISOString();
    if (passed) {
        const against =
            commit.ts !== undefined
                ? `≥ commit ts ${commit.ts}`
                : "≥ the commit's wall-clock time (no commit ts from this database)";
        return {
            kind: "passed",
            detail: `${state}, checkpoint ${checkpoint} (${at}) ${against}${trouble}`,
        };
    }
    return {
        kind: "waiting",
        detail: `${state}, checkpoint ${checkpoint} (${at}) behind the marker${trouble}`,
    };
}
