/**
 * FlinkSqlJob: one long-running Flink SQL INSERT (or STATEMENT SET) as a Pulumi dynamic
 * resource, submitted through the SQL Gateway and managed through the JobManager REST API
 * (flink.md §3, §3.1, design §4.3; lifecycle after Confluent's flink_statement and Aiven's
 * flink_application, anchors.md §3.2).
 *
 * The resource id is the job's `name` (its `pipeline.name`), stable across resubmissions; the
 * Flink job id changes with every submission and is an output (`jobId`).
 *
 * | Pulumi | Flink                                                                             |
 * |--------|-----------------------------------------------------------------------------------|
 * | check  | statement is one INSERT / EXECUTE STATEMENT SET; tables are CREATE/USE statements; reserved executionConfig keys refused; `stopped` needs `savepointDir` |
 * | diff   | `name` → replace; statement/tables/executionConfig → update via savepoint (replace when there is no `savepointDir`: stateless); `stopped` → update; a CANCELED/FAILED job → update (resubmit) |
 * | create | refuse if a job with this name is active → session → replay `tables` → submit with `pipeline.name` → wait until every task RUNNING; on failure cancel what started and report Flink's cause. `stopped: true` only validates (EXPLAIN) |
 * | read   | `GET /jobs/{jobId}` → `state` (CANCELED/FAILED visible); a running job of the same name is adopted (e.g. a rollback); a job that is gone → no id (unless stopped on purpose: the JobManager forgets finished jobs after `jobstore.expiration-time`, 1 h) |
 * | update | validate the new SQL (EXPLAIN) → stop-with-savepoint (cancel when the job cannot take one, e.g. RESTARTING) → resubmit from the newest savepoint (`execution.state-recovery.path`) → wait RUNNING; if the new job does not start, restart the previous SQL from the same savepoint and fail with the state recording what runs (ErrorResourceInitFailed). `stopped` toggles stop-with-savepoint / resume from `lastSavepoint` |
 * | delete | every active job of this name: stop-with-savepoint when `savepointDir` is set and it runs, else cancel; gone/finished/canceled counts as deleted; a JobManager that does not answer at all is an error (state kept), or with `forgetIfUnreachable` a warning and the job leaves the state |
 *
 * A change of `forgetIfUnreachable` alone is an update that only records it (no call to Flink).
 * A job found FINISHED (a bounded INSERT, or stopped by hand) is reported, not resubmitted. A
 * job resubmitted after an out-of-band cancel resumes from `lastSavepoint`, so rows since that
 * savepoint are read again (at-least-once), never skipped.
 *
 * State compatibility across SQL edits is Flink's concern: operator state is matched by
 * operator ids derived from the plan, so a changed query may not map onto the savepoint. Flink
 * then refuses the new job (and this provider rolls back); `allowNonRestoredState: true`
 * (`execution.state-recovery.ignore-unclaimed-state`) lets it start without the unmatched state.
 *
 * Closure rules (anchors.md §3.4): the provider references module functions only and keeps no
 * module-level state.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    cancelJob,
    executeStatement,
    findJobsByName,
    getJob,
    isTerminalJobState,
    type JobDetails,
    latestSavepoint,
    randomFlinkId,
    stopWithSavepoint,
    waitForJobRunning,
    withSession,
} from "./gateway";
import { type FlinkSqlDefinitionError, parseJobStatement, parseSetupStatement } from "./sql";
import { FlinkSqlTable } from "./sql-table";
import { containsUnknown, stableJson, wireSafe } from "../platform/provider-values";
import { nothingAnswered, settleUnreachableDelete } from "../platform/unreachable";

/** Pulumi's placeholder for a value not known during preview. */

// Exported with `export { … }`, not `export const`: tsc compiles this module's own uses of an
// exported const to `exports.X`, which Pulumi's closure serializer does not capture, so the
// deployed provider would read undefined (test/platform/serialized-providers.test.ts).
/** executionConfig keys the provider sets itself. */
const RESERVED_EXECUTION_CONFIG = [
    "pipeline.name",
    "$internal.pipeline.job-id",
    "execution.state-recovery.path",
    "execution.savepoint.path",
    "execution.state-recovery.ignore-unclaimed-state",
    "execution.savepoint.ignore-unclaimed-state",
];
export { RESERVED_EXECUTION_CONFIG };

export interface FlinkSqlJobArgs {
    /** The job's name (`pipeline.name`) and the resource id; default: the resource name. Unique per cluster. */
    name?: pulumi.Input<string>;
    /** SQL Gateway REST endpoint, e.g. `http://127.0.0.1:8083`. */
    gatewayUrl: pulumi.Input<string>;
    /** JobManager REST endpoint, e.g. `http://127.0.0.1:8081`. */
    restUrl: pulumi.Input<string>;
    /**
     * Statements replayed in the job's gateway session before the INSERT: FlinkSqlTable
     * resources (their `sessionSql`: the DDL of an in-memory table, the `CREATE CATALOG` of a
     * persistent one, whose table the statement then names as `catalog.database.table`) or
     * `CREATE …` / `USE …` strings. Identical entries run once.
     */
    tables?: (pulumi.Input<string> | FlinkSqlTable)[] | pulumi.Input<pulumi.Input<string>[]>;
    /** One `INSERT INTO …` or `EXECUTE STATEMENT SET BEGIN … END`. */
    statement: pulumi.Input<string>;
    /** Per-job Flink configuration, e.g. `{ "parallelism.default": "2" }`. */
    executionConfig?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * Where stop-with-savepoint writes (`file:///…`, `s3://…`). With it, updates and `stopped`
     * carry the job's state over; without it, a changed statement replaces the job (stateless)
     * and delete cancels.
     */
    savepointDir?: pulumi.Input<string>;
    /** true: stop with a savepoint and keep its location; false again: resume from it. */
    stopped?: pulumi.Input<boolean>;
    /** Let a resubmitted job start when part of the savepoint's state maps to no operator. */
    allowNonRestoredState?: pulumi.Input<boolean>;
    /** A savepoint the first submission starts from (e.g. a migration). */
    initialSavepoint?: pulumi.Input<string>;
    /** How long to wait for all tasks to run; default 180 s. */
    startTimeoutSeconds?: pulumi.Input<number>;
    /** How long to wait for a savepoint or a cancel; default 300 s. */
    stopTimeoutSeconds?: pulumi.Input<number>;
    /**
     * On delete, when the JobManager does not answer at all (connection refused, timeout; not
     * an HTTP error status), drop the job from the state with a warning instead of failing. For
     * a Flink cluster that lives and dies with the stack. Default false.
     */
    forgetIfUnreachable?: pulumi.Input<boolean>;
}

export interface FlinkSqlJobInputs {
    name: string;
    gatewayUrl: string;
    restUrl: string;
    tables: string[];
    statement: string;
    executionConfig?: Record<string, string>;
    savepointDir?: string;
    stopped?: boolean;
    allowNonRestoredState?: boolean;
    initialSavepoint?: string;
    startTimeoutSeconds?: number;
    stopTimeoutSeconds?: number;
    /** Absent means false (states written before it existed have none). */
    forgetIfUnreachable?: boolean;
}

/** `NOT_STARTED` (created with `stopped: true`) or a Flink job state (RUNNING, FINISHED, CANCELED, FAILED, …). */
export type FlinkSqlJobState = string;

export interface FlinkSqlJobOutputs extends FlinkSqlJobInputs {
    /** The current (or last) Flink job id; changes on every resubmission. */
    jobId?: string;
    state: FlinkSqlJobState;
    /** The newest savepoint of this job's state (from a stop, an update, or `initialSavepoint`). */
    lastSavepoint?: string;
    /** The savepoint the current `jobId` was started from. */
    restoredFrom?: string;
}

const DEFINITION_KEYS = [
    "statement",
    "tables",
    "executionConfig",
    "allowNonRestoredState",
] as const;
const RECORD_KEYS = [
    "gatewayUrl",
    "restUrl",
    "savepointDir",
    "initialSavepoint",
    "startTimeoutSeconds",
    "stopTimeoutSeconds",
] as const;

/** Problems with raw inputs as Pulumi check failures (unknown values are skipped). */
export function jobInputProblems(
    raw: Record<string, unknown>,
): { property: string; reason: string }[] {
    const problems: { property: string; reason: string }[] = [];
    const known = (key: string) => !containsUnknown(raw[key]);
    const nonEmpty = (key: string, what: string) => {
        if (known(key) && (typeof raw[key] !== "string" || raw[key].trim() === "")) {
            problems.push({ property: key, reason: `${what} is required` });
        }
    };
    nonEmpty("name", "a job name");
    // eslint-disable-next-line no-control-regex
    if (known("name") && typeof raw.name === "string" && /[\u0000-\u001f\u007f]/.test(raw.name)) {
        problems.push({ property: "name", reason: "the name contains a control character" });
    }
    nonEmpty("gatewayUrl", "the SQL Gateway URL");
    nonEmpty("restUrl", "the JobManager REST URL");
    if (known("statement")) {
        try {
            parseJobStatement(raw.statement as string);
        } catch (error) {
            problems.push({ property: "statement", reason: (error as Error).message });
        }
    }
    if (known("tables") && raw.tables !== undefined) {
        if (!Array.isArray(raw.tables)) {
            problems.push({ property: "tables", reason: "expected a list of statements" });
        } else {
            raw.tables.forEach((statement, index) => {
                try {
                    parseSetupStatement(statement as string, `tables[${index}]`);
                } catch (error) {
                    const e = error as FlinkSqlDefinitionError;
                    problems.push({ property: e.property ?? "tables", reason: e.message });
                }
            });
        }
    }
    if (known("executionConfig") && raw.executionConfig !== undefined) {
        const config = raw.executionConfig;
        if (config === null || typeof config !== "object" || Array.isArray(config)) {
            problems.push({ property: "executionConfig", reason: "expected a map of strings" });
        } else {
            for (const key of Object.keys(config)) {
                if (RESERVED_EXECUTION_CONFIG.includes(key)) {
                    problems.push({
                        property: "executionConfig",
                        reason: `'${key}' is set by the provider (use name, initialSavepoint, allowNonRestoredState)`,
                    });
                }
            }
        }
    }
    if (known("stopped") && known("savepointDir") && raw.stopped === true && !raw.savepointDir) {
        problems.push({
            property: "stopped",
            reason: "stopping keeps the job's state in a savepoint: set savepointDir",
        });
    }
    if (
        known("forgetIfUnreachable") &&
        raw.forgetIfUnreachable !== undefined &&
        typeof raw.forgetIfUnreachable !== "boolean"
    ) {
        problems.push({ property: "forgetIfUnreachable", reason: "expected true or false" });
    }
    for (const key of ["startTimeoutSeconds", "stopTimeoutSeconds"]) {
        const value = raw[key];
        if (known(key) && value !== undefined && !(typeof value === "number" && value > 0)) {
            problems.push({ property: key, reason: "expected a positive number of seconds" });
        }
    }
    return problems;
}

/** The inputs as the provider stores them: executionConfig values as strings. */
export function normalizeJobInputs(raw: Record<string, unknown>): Record<string, unknown> {
    const config = raw.executionConfig;
    if (
        config &&
        typeof config === "object" &&
        !Array.isArray(config) &&
        !containsUnknown(config)
    ) {
        return {
            ...raw,
            executionConfig: Object.fromEntries(
                Object.entries(config as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
            ),
        };
    }
    return raw;
}

export interface JobDiff {
    changes: boolean;
    replaces: string[];
    deleteBeforeReplace: boolean;
}

/** States after which an update resubmits the job (unless it is meant to be stopped). */
const RESUBMIT_STATES = ["CANCELED", "FAILED", "NOT_STARTED"];

export function diffJob(olds: Partial<FlinkSqlJobOutputs>, news: Record<string, unknown>): JobDiff {
    const changed = (key: string) =>
        containsUnknown(news[key]) ||
        stableJson((olds as Record<string, unknown>)[key]) !== stableJson(news[key]);
    if (changed("name")) return { changes: true, replaces: ["name"], deleteBeforeReplace: true };
    const definition = DEFINITION_KEYS.filter(changed);
    if (definition.length > 0 && !containsUnknown(news.savepointDir) && !news.savepointDir) {
        // No savepoint to carry state over: say so in the plan, as a replacement.
        return { changes: true, replaces: definition, deleteBeforeReplace: true };
    }
    const stoppedChanged =
        containsUnknown(news.stopped) || Boolean(olds.stopped) !== Boolean(news.stopped);
    const restart = news.stopped !== true && RESUBMIT_STATES.includes(olds.state ?? "");
    const changes =
        definition.length > 0 ||
        stoppedChanged ||
        restart ||
        RECORD_KEYS.some((key) => changed(key)) ||
        forgetChanged(olds, news);
    return { changes, replaces: [], deleteBeforeReplace: false };
}

/** Whether `forgetIfUnreachable` changes (absent = false). */
function forgetChanged(olds: Partial<FlinkSqlJobOutputs>, news: Record<string, unknown>): boolean {
    return (olds.forgetIfUnreachable ?? false) !== (news.forgetIfUnreachable ?? false);
}

/** Whether `forgetIfUnreachable` is all that changes: the update then only records it. */
function onlyForgetChanged(olds: FlinkSqlJobOutputs, news: Record<string, unknown>): boolean {
    const rest = { ...news, forgetIfUnreachable: olds.forgetIfUnreachable };
    return forgetChanged(olds, news) && !diffJob(olds, rest).changes;
}

/**
 * A failure after the job was changed: Pulumi records `properties` as the resource's state and
 * reports the error (the dynamic provider host reads `id`, `properties` and `reasons`). A plain
 * Error with fields, because serialized closures turn Error subclasses into functions whose
 * `super(message)` no longer sets the message.
 */
export function updateError(
    message: string,
    id: string,
    properties: Record<string, unknown>,
    reasons: string[],
): Error & { id: string; properties: Record<string, unknown>; reasons: string[] } {
    return Object.assign(new Error(message), {
        name: "FlinkSqlJobUpdateError",
        id,
        properties,
        reasons,
    });
}

function uniqueStatements(statements: readonly string[]): string[] {
    return [...new Set(statements)];
}

function startTimeoutMs(inputs: FlinkSqlJobInputs): number {
    return (inputs.startTimeoutSeconds ?? 180) * 1000;
}

function stopTimeoutMs(inputs: FlinkSqlJobInputs): number {
    return (inputs.stopTimeoutSeconds ?? 300) * 1000;
}

function message(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

/** The executionConfig of one submission. */
export function submissionConfig(
    inputs: FlinkSqlJobInputs,
    jobId: string,
    restoreFrom: string | undefined,
): Record<string, string> {
    const config: Record<string, string> = {
        ...inputs.executionConfig,
        "pipeline.name": inputs.name,
        // Known before submitting, so a submission that fails half-way can still be canceled.
        "$internal.pipeline.job-id": jobId,
    };
    if (restoreFrom !== undefined) {
        config["execution.state-recovery.path"] = restoreFrom;
        if (inputs.allowNonRestoredState)
            config["execution.state-recovery.ignore-unclaimed-state"] = "true";
    }
    return config;
}

async function replayTables(inputs: FlinkSqlJobInputs, session: string): Promise<void> {
    for (const statement of uniqueStatements(inputs.tables ?? [])) {
        await executeStatement(inputs.gatewayUrl, session, statement);
    }
}

/** Plans the statement against the tables (EXPLAIN) without running anything. */
async function validateJob(inputs: FlinkSqlJobInputs): Promise<void> {
    const statement = parseJobStatement(inputs.statement).sql;
    try {
        await withSession(
            inputs.gatewayUrl,
            { name: `pulumi-job-${inputs.name}` },
            async (session) => {
                await replayTables(inputs, session);
                await executeStatement(inputs.gatewayUrl, session, `EXPLAIN ${statement}`);
            },
        );
    } catch (error) {
        throw new Error(
            `Flink SQL job ${inputs.name}: the statement does not plan: ${message(error)}`,
        );
    }
}

async function cancelQuietly(restUrl: string, jobId: string): Promise<void> {
    try {
        await cancelJob(restUrl, jobId, { timeoutMs: 30_000 });
    } catch {
        // Best effort; the original error is reported.
    }
}

/** Session → tables → statement → wait RUNNING. Anything started is canceled on failure. */
async function submitJob(
    inputs: FlinkSqlJobInputs,
    restoreFrom: string | undefined,
): Promise<{ jobId: string; state: string }> {
    const statement = parseJobStatement(inputs.statement).sql;
    const presetId = randomFlinkId();
    let jobId: string | undefined;
    try {
        await withSession(
            inputs.gatewayUrl,
            { name: `pulumi-job-${inputs.name}` },
            async (session) => {
                await replayTables(inputs, session);
                try {
                    const result = await executeStatement(inputs.gatewayUrl, session, statement, {
                        executionConfig: submissionConfig(inputs, presetId, restoreFrom),
                        timeoutMs: startTimeoutMs(inputs),
                    });
                    jobId = result.jobId;
                } catch (error) {
                    await cancelQuietly(inputs.restUrl, presetId);
                    throw error;
                }
                if (jobId === undefined) throw new Error("the SQL Gateway returned no job id");
            },
        );
        const details: JobDetails = await waitForJobRunning(inputs.restUrl, jobId!, {
            timeoutMs: startTimeoutMs(inputs),
        });
        return { jobId: jobId!, state: details.state };
    } catch (error) {
        if (jobId !== undefined) await cancelQuietly(inputs.restUrl, jobId);
        const from = restoreFrom ? ` from savepoint ${restoreFrom}` : "";
        throw new Error(`Flink SQL job ${inputs.name} did not start${from}: ${message(error)}`);
    }
}

async function activeJobsNamed(
    restUrl: string,
    name: string,
): Promise<{ jid: string; state: string }[]> {
    return (await findJobsByName(restUrl, name)).filter((job) => !isTerminalJobState(job.state));
}

async function createJob(inputs: FlinkSqlJobInputs): Promise<FlinkSqlJobOutputs> {
    const active = await activeJobsNamed(inputs.restUrl, inputs.name);
    if (active.length > 0) {
        throw new Error(
            `a Flink job named "${inputs.name}" is already ${active[0]!.state} (job ${active[0]!.jid}); ` +
                "the name identifies a FlinkSqlJob: cancel that job or choose another name",
        );
    }
    if (inputs.stopped) {
        // Confluent's provider ignored stopped on create (terraform-provider-confluent #695); honour it.
        await validateJob(inputs);
        return { ...inputs, state: "NOT_STARTED", lastSavepoint: inputs.initialSavepoint };
    }
    const started = await submitJob(inputs, inputs.initialSavepoint);
    return {
        ...inputs,
        jobId: started.jobId,
        state: started.state,
        lastSavepoint: inputs.initialSavepoint,
        restoredFrom: inputs.initialSavepoint,
    };
}

async function readJob(
    id: string,
    props: FlinkSqlJobOutputs,
): Promise<pulumi.dynamic.ReadResult<FlinkSqlJobOutputs>> {
    if (!props.jobId) return { id, props };
    let jobId = props.jobId;
    let job = await getJob(props.restUrl, jobId);
    if ((!job || isTerminalJobState(job.state)) && !props.stopped) {
        // A running job of this name is this resource's (a rollback, or a resubmission whose
        // record was lost); adopt it.
        const active = (await activeJobsNamed(props.restUrl, props.name)).find(
            (j) => j.jid !== jobId,
        );
        if (active) {
            jobId = active.jid;
            job = (await getJob(props.restUrl, jobId)) ?? {
                jid: jobId,
                name: props.name,
                state: active.state,
            };
        }
    }
    if (!job) {
        // Stopped on purpose: the JobManager forgets finished jobs (jobstore.expiration-time), the
        // savepoint is what matters. Otherwise the job is gone (e.g. a cluster without HA restarted).
        if (props.stopped) return { id, props };
        return {};
    }
    let lastSavepoint = props.lastSavepoint;
    if (job.state === "FINISHED")
        lastSavepoint = (await latestSavepoint(props.restUrl, jobId)) ?? lastSavepoint;
    return { id, props: { ...props, jobId, state: job.state, lastSavepoint } };
}

async function updateJob(
    id: string,
    olds: FlinkSqlJobOutputs,
    news: FlinkSqlJobInputs,
): Promise<FlinkSqlJobOutputs> {
    const raw = news as unknown as Record<string, unknown>;
    if (onlyForgetChanged(olds, raw)) {
        // Only recorded, without a call to Flink (it may be gone: setting it is the way out of a
        // stuck destroy).
        return { ...olds, forgetIfUnreachable: news.forgetIfUnreachable };
    }
    const definitionChanged = DEFINITION_KEYS.some(
        (key) =>
            stableJson((olds as unknown as Record<string, unknown>)[key]) !== stableJson(raw[key]),
    );
    const jobId = olds.jobId;
    let lastSavepoint = olds.lastSavepoint;
    const live = jobId ? await getJob(news.restUrl, jobId) : undefined;
    const running = live !== undefined && !isTerminalJobState(live.state);
    const liveState = live?.state ?? (jobId ? "GONE" : olds.state);
    const record = (extra: Partial<FlinkSqlJobOutputs>): FlinkSqlJobOutputs => ({
        ...news,
        jobId,
        state: liveState,
        lastSavepoint,
        restoredFrom: olds.restoredFrom,
        ...extra,
    });

    /**
     * Ends the running job: stop-with-savepoint when it really runs and there is a savepoint
     * directory; otherwise (no directory, or RESTARTING/FAILING, when no savepoint can be taken)
     * cancel, and the state to resume from stays the last savepoint.
     */
    const endRunningJob = async (): Promise<string> => {
        if (news.savepointDir && live?.state === "RUNNING") {
            lastSavepoint = await stopWithSavepoint(news.restUrl, jobId!, {
                targetDirectory: news.savepointDir,
                timeoutMs: stopTimeoutMs(news),
            });
            return "FINISHED";
        }
        return cancelJob(news.restUrl, jobId!, { timeoutMs: stopTimeoutMs(news) });
    };

    if (news.stopped) {
        if (!running) return record({});
        if (definitionChanged) await validateJob(news);
        return record({ state: await endRunningJob() });
    }
    if (running && !definitionChanged) return record({});
    // An ended job is resubmitted when it was stopped on purpose, failed, was canceled or is gone,
    // or when its definition changed; a FINISHED one (a bounded job, or stopped by hand) is left
    // alone, as diff promised.
    const resubmit =
        definitionChanged ||
        olds.stopped === true ||
        [...RESUBMIT_STATES, "GONE"].includes(liveState);
    if (!running && !resubmit) return record({});

    // (Re)submit. Validate first so a statement that does not plan never stops the running job.
    if (running && definitionChanged) await validateJob(news);
    let endedNow: string | undefined;
    if (running) {
        endedNow = await endRunningJob();
    } else if (jobId && live) {
        // Ended out of band: a savepoint taken then (e.g. `flink stop`) is newer than ours.
        lastSavepoint = (await latestSavepoint(news.restUrl, jobId)) ?? lastSavepoint;
    }
    const restoreFrom = lastSavepoint ?? news.initialSavepoint;
    try {
        const started = await submitJob(news, restoreFrom);
        return record({
            jobId: started.jobId,
            state: started.state,
            lastSavepoint: restoreFrom,
            restoredFrom: restoreFrom,
        });
    } catch (error) {
        if (endedNow === undefined) throw error;
        // The previous job is stopped: put the previous definition back from the same savepoint,
        // and record what really runs, so the next update tries the new definition again.
        const previous: FlinkSqlJobOutputs = { ...olds, ...pickRecordKeys(news) };
        const properties: Record<string, unknown> = {
            ...previous,
            __provider: raw.__provider,
            lastSavepoint,
        };
        let rollback: { jobId: string; state: string };
        try {
            rollback = await submitJob(previous, restoreFrom);
        } catch (rollbackError) {
            throw updateError(
                `${message(error)}; restarting the previous statement failed too (${message(rollbackError)}); ` +
                    `the job is stopped${lastSavepoint ? `, its state is in savepoint ${lastSavepoint}` : ""}`,
                id,
                { ...properties, jobId, state: endedNow },
                [message(error), message(rollbackError)],
            );
        }
        throw updateError(
            `${message(error)}; the previous statement was restarted from ${restoreFrom ?? "scratch"} as job ${rollback.jobId}`,
            id,
            {
                ...properties,
                jobId: rollback.jobId,
                state: rollback.state,
                restoredFrom: restoreFrom,
            },
            [message(error)],
        );
    }
}

function pickRecordKeys(news: FlinkSqlJobInputs): Partial<FlinkSqlJobInputs> {
    const picked: Partial<FlinkSqlJobInputs> = {};
    for (const key of RECORD_KEYS) Object.assign(picked, { [key]: news[key] });
    return picked;
}

async function deleteJob(props: FlinkSqlJobOutputs): Promise<void> {
    try {
        await endJobs(props);
    } catch (error) {
        if (!nothingAnswered(error)) throw error;
        settleUnreachableDelete({
            resource: `Flink SQL job ${props.name}${props.jobId ? ` (job ${props.jobId})` : ""} on the JobManager at ${props.restUrl}`,
            noun: "job",
            service: "the JobManager",
            forget: props.forgetIfUnreachable,
            error,
            context: `delete Flink SQL job ${props.name}`,
        });
    }
}

/** Stops (with a savepoint) or cancels every active job of this name. */
async function endJobs(props: FlinkSqlJobOutputs): Promise<void> {
    const ids = new Set<string>();
    if (props.jobId) ids.add(props.jobId);
    for (const job of await activeJobsNamed(props.restUrl, props.name)) ids.add(job.jid);
    for (const jobId of ids) {
        const job = await getJob(props.restUrl, jobId);
        if (!job || isTerminalJobState(job.state)) continue;
        if (props.savepointDir && job.state === "RUNNING") {
            await stopWithSavepoint(props.restUrl, jobId, {
                targetDirectory: props.savepointDir,
                timeoutMs: stopTimeoutMs(props),
            });
        } else {
            await cancelJob(props.restUrl, jobId, { timeoutMs: stopTimeoutMs(props) });
        }
    }
}

const jobProvider: pulumi.dynamic.ResourceProvider<FlinkSqlJobInputs, FlinkSqlJobOutputs> =
    wireSafe({
        // check and diff see raw inputs: possibly invalid, possibly unknown during a preview.
        check(_olds: FlinkSqlJobInputs, news: FlinkSqlJobInputs) {
            const raw = news as unknown as Record<string, unknown>;
            return Promise.resolve({
                inputs: normalizeJobInputs(raw) as unknown as FlinkSqlJobInputs,
                failures: jobInputProblems(raw),
            });
        },
        diff(_id: string, olds: FlinkSqlJobOutputs, news: FlinkSqlJobInputs) {
            return Promise.resolve(diffJob(olds, news as unknown as Record<string, unknown>));
        },
        async create(inputs: FlinkSqlJobInputs) {
            const outs = await createJob(inputs);
            return { id: inputs.name, outs };
        },
        async read(id: string, props?: FlinkSqlJobOutputs) {
            if (!props) return { id };
            return readJob(id, props);
        },
        async update(id: string, olds: FlinkSqlJobOutputs, news: FlinkSqlJobInputs) {
            return { outs: await updateJob(id, olds, news) };
        },
        async delete(_id: string, props: FlinkSqlJobOutputs) {
            await deleteJob(props);
        },
    });
export { jobProvider };

/** Flattens `tables`: FlinkSqlTable resources contribute their `sessionSql`. */
function tableStatements(tables: FlinkSqlJobArgs["tables"]): pulumi.Input<string[]> {
    if (tables === undefined) return [];
    if (!Array.isArray(tables)) return pulumi.output(tables);
    const parts = tables.map((entry) =>
        entry instanceof FlinkSqlTable
            ? entry.sessionSql
            : pulumi.output(entry).apply((sql) => [sql]),
    );
    return pulumi.all(parts).apply((lists) => lists.flat());
}

/**
 * A long-running Flink SQL job. Outputs: the inputs plus `jobId`, `state`, `lastSavepoint` and
 * `restoredFrom`; the resource id is `name`.
 */
export class FlinkSqlJob extends pulumi.dynamic.Resource {
    declare public readonly name: pulumi.Output<string>;
    declare public readonly gatewayUrl: pulumi.Output<string>;
    declare public readonly restUrl: pulumi.Output<string>;
    declare public readonly tables: pulumi.Output<string[]>;
    declare public readonly statement: pulumi.Output<string>;
    declare public readonly executionConfig: pulumi.Output<Record<string, string> | undefined>;
    declare public readonly savepointDir: pulumi.Output<string | undefined>;
    declare public readonly stopped: pulumi.Output<boolean | undefined>;
    declare public readonly allowNonRestoredState: pulumi.Output<boolean | undefined>;
    declare public readonly initialSavepoint: pulumi.Output<string | undefined>;
    declare public readonly forgetIfUnreachable: pulumi.Output<boolean | undefined>;
    declare public readonly jobId: pulumi.Output<string | undefined>;
    declare public readonly state: pulumi.Output<FlinkSqlJobState>;
    declare public readonly lastSavepoint: pulumi.Output<string | undefined>;
    declare public readonly restoredFrom: pulumi.Output<string | undefined>;

    constructor(name: string, args: FlinkSqlJobArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            jobProvider,
            name,
            {
                name: args.name ?? name,
                gatewayUrl: args.gatewayUrl,
                restUrl: args.restUrl,
                tables: tableStatements(args.tables),
                statement: args.statement,
                executionConfig: args.executionConfig,
                savepointDir: args.savepointDir,
                stopped: args.stopped,
                allowNonRestoredState: args.allowNonRestoredState,
                initialSavepoint: args.initialSavepoint,
                startTimeoutSeconds: args.startTimeoutSeconds,
                stopTimeoutSeconds: args.stopTimeoutSeconds,
                forgetIfUnreachable: args.forgetIfUnreachable,
                jobId: undefined,
                state: undefined,
                lastSavepoint: undefined,
                restoredFrom: undefined,
            },
            opts,
            "flink",
            "SqlJob",
        );
    }
}
