/**
 * Flink over REST: the SQL Gateway (sessions, statements, results) and the JobManager (job
 * state, stop-with-savepoint, cancel). Used by the FlinkSqlTable and FlinkSqlJob dynamic
 * providers, so nothing here keeps module-level state: every function gets its URLs and returns
 * plain data, and the providers' serialized closures can capture these functions by value.
 *
 * Errors name what was being done, quote the statement (shortened) and give Flink's own root
 * cause, extracted from the Java stack traces the gateway and JobManager return.
 */
import { call, isHttpError, send } from "../platform/http";
import { statementExcerpt } from "./sql";

const STATEMENT_TIMEOUT_MS = 120_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** A 32-hex id, the form Flink uses for job ids and savepoint trigger ids. */
export function randomFlinkId(): string {
    // The global Web Crypto, not node:crypto: the providers' closures are serialized, and a
    // global needs no module capture.
    return crypto.randomUUID().replace(/-/g, "");
}

export function isFlinkId(value: unknown): value is string {
    return typeof value === "string" && /^[0-9a-f]{32}$/.test(value);
}

function trimUrl(url: string): string {
    return url.replace(/\/+$/, "");
}

async function sleep(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// Java error chains → one readable cause

/** Wrapper messages that say nothing about the problem. */
const NOISE = [
    /^Internal server error\.?$/,
    /^Failed to fetchResults\.?$/,
    /^Failed to execute the operation [0-9a-f-]+\.?$/,
    /^Failed to execute the statement\.?$/,
    /^Recovery is suppressed by /,
    /^<Exception on server side:/,
    /^End of exception on server side>/,
];

const SENSITIVE_OPTION = /password|secret|jaas|token|credential|private/i;

/** Replace the values of sensitive-looking `'key' = 'value'` pairs Flink echoes in messages. */
export function redactOptions(text: string): string {
    return text.replace(
        /'((?:[^']|'')*)'(\s*=\s*)'((?:[^']|'')*)'/g,
        (whole, key: string, eq: string) =>
            SENSITIVE_OPTION.test(key) ? `'${key}'${eq}'******'` : whole,
    );
}

interface JavaCause {
    className?: string;
    firstLine: string;
    rest: string[];
}

function parseCauses(text: string): JavaCause[] {
    const causes: JavaCause[] = [];
    let current: JavaCause | undefined;
    for (const raw of text.split(/\r?\n/)) {
        const line = raw.trimEnd();
        if (
            /^\s+at /.test(line) ||
            /^\s+\.\.\. \d+ more/.test(line) ||
            /^<Exception on server side:|^End of exception on server side>/.test(line.trim())
        ) {
            current = undefined;
            continue;
        }
        const header =
            /^(?:Caused by: )?((?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable)?)(?::\s?(.*))?$/.exec(
                line,
            );
        if (
            header &&
            (line.startsWith("Caused by: ") || causes.length === 0 || current === undefined)
        ) {
            current = { className: header[1], firstLine: (header[2] ?? "").trim(), rest: [] };
            causes.push(current);
            continue;
        }
        if (current) {
            if (line.trim().length > 0) current.rest.push(line.trim());
        } else if (line.trim().length > 0) {
            current = { firstLine: line.trim(), rest: [] };
            causes.push(current);
        }
    }
    return causes;
}

/**
 * `org.example.FooException: msg` → `msg` and `FooException` (wrappers such as
 * CompletionException repeat the wrapped exception's class in their message).
 */
function stripClassPrefix(message: string): { message: string; className?: string } {
    let result = message;
    let className: string | undefined;
    for (;;) {
        const match = /^((?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*):\s*/.exec(result);
        if (!match) return { message: result, className };
        className = match[1];
        result = result.slice(match[0].length);
    }
}

function simpleName(className: string | undefined): string | undefined {
    return className?.split(".").pop();
}

/**
 * The readable cause in a Java error text (one or more stack traces with `Caused by:` chains):
 * wrapper messages dropped, repeats folded, the chain joined with " → " and the root cause's
 * extra lines (e.g. the list of available connectors) kept, shortened and with secrets masked.
 */
export function summarizeJavaError(text: string, maxLength = 1500): string {
    const causes = parseCauses(text)
        .map((cause) => {
            const stripped = stripClassPrefix(cause.firstLine.replace(/\s+/g, " "));
            return {
                ...cause,
                firstLine: stripped.message,
                className: stripped.className ?? cause.className,
            };
        })
        .filter((cause) => cause.firstLine.length > 0 || cause.className !== undefined)
        .filter((cause) => !NOISE.some((pattern) => pattern.test(cause.firstLine)));
    const kept: typeof causes = [];
    for (const cause of causes) {
        const line = cause.firstLine;
        if (line.length === 0) continue;
        const duplicate = kept.findIndex(
            (k) => k.firstLine.includes(line) || line.includes(k.firstLine),
        );
        if (duplicate === -1) {
            kept.push(cause);
        } else if (line.length >= kept[duplicate]!.firstLine.length) {
            // Keep the more specific wording (e.g. Calcite's "From line 1, column 5 …"), and on a
            // tie the deeper cause (its class names the real problem).
            kept[duplicate] = {
                ...cause,
                rest: cause.rest.length > 0 ? cause.rest : kept[duplicate]!.rest,
            };
        } else if (cause.rest.length > 0 && kept[duplicate]!.rest.length === 0) {
            kept[duplicate] = { ...kept[duplicate]!, rest: cause.rest };
        }
    }
    if (kept.length === 0) {
        const flat = text.replace(/\s+/g, " ").trim();
        return redactOptions(flat.length > maxLength ? `${flat.slice(0, maxLength)}…` : flat);
    }
    const root = kept[kept.length - 1]!;
    const rootName = simpleName(root.className);
    const chain = kept.map((cause) => cause.firstLine);
    chain[chain.length - 1] = `${rootName ? `${rootName}: ` : ""}${root.firstLine}`;
    const details = root.rest.join(" ").replace(/\s+/g, " ").trim();
    const detailText =
        details.length > 0
            ? ` ${details.length > 400 ? `${details.slice(0, 400)}…` : details}`
            : "";
    let summary = chain.slice(-5).join(" → ") + detailText;
    if (summary.length > maxLength) summary = `${summary.slice(0, maxLength)}…`;
    return redactOptions(summary);
}

/** The Java error text in a Flink REST error body (`{"errors": [...]}`), or the body as text. */
export function errorText(body: unknown): string {
    if (body && typeof body === "object" && Array.isArray((body as { errors?: unknown }).errors)) {
        return (body as { errors: unknown[] }).errors.map(String).join("\n");
    }
    return typeof body === "string" ? body : JSON.stringify(body ?? "");
}

/** A statement Flink refused or failed; `message` quotes the statement and Flink's cause. */
export interface FlinkSqlError extends Error {
    name: "FlinkSqlError";
    statement: string;
    flinkCause: string;
    status?: number;
}

/**
 * A plain Error with fields, not a subclass: the providers' closures are serialized, and Pulumi
 * turns classes into functions whose `super(message)` no longer sets `message`.
 */
export function flinkSqlError(
    statement: string,
    flinkCause: string,
    status?: number,
): FlinkSqlError {
    const message = `Flink SQL Gateway: statement "${statementExcerpt(redactOptions(statement))}" failed: ${flinkCause}`;
    return Object.assign(new Error(message), {
        name: "FlinkSqlError" as const,
        statement,
        flinkCause,
        status,
    });
}

export function isFlinkSqlError(error: unknown): error is FlinkSqlError {
    return error instanceof Error && error.name === "FlinkSqlError";
}

/**
 * A transport error (nothing answered) gets a hint about which service, and keeps the HttpError
 * as its cause (`nothingAnswered`, components/platform/unreachable.ts); the rest pass through.
 */
function describeHttpError(what: string, error: unknown): Error {
    if (isHttpError(error) && error.status === undefined) {
        return new Error(`${what}: ${error.message}`, { cause: error });
    }
    if (isHttpError(error)) {
        return new Error(
            `${what}: HTTP ${error.status}: ${summarizeJavaError(errorText(error.body))}`,
        );
    }
    return error instanceof Error ? error : new Error(String(error));
}

// ---------------------------------------------------------------------------------------------
// SQL Gateway: sessions and statements

export interface SessionOptions {
    /** Shown in the gateway's logs; e.g. `pulumi-<resource>`. */
    name?: string;
    /** Session configuration (`execution.runtime-mode`, …). */
    properties?: Record<string, string>;
}

/** Opens a gateway session; returns its handle. */
export async function openSession(
    gatewayUrl: string,
    options: SessionOptions = {},
): Promise<string> {
    const url = `${trimUrl(gatewayUrl)}/v1/sessions`;
    try {
        const response = await call({
            method: "POST",
            url,
            body: {
                sessionName: options.name,
                properties: { "execution.runtime-mode": "streaming", ...options.properties },
            },
            timeoutMs: REQUEST_TIMEOUT_MS,
        });
        const handle = (response.body as { sessionHandle?: unknown } | undefined)?.sessionHandle;
        if (typeof handle !== "string") {
            throw new Error(`unexpected answer ${JSON.stringify(response.body)}`);
        }
        return handle;
    } catch (error) {
        throw describeHttpError(
            `cannot open a Flink SQL Gateway session at ${trimUrl(gatewayUrl)}`,
            error,
        );
    }
}

/** Closes a session; never throws (a session that is already gone is closed). */
export async function closeSession(gatewayUrl: string, session: string): Promise<void> {
    try {
        await send({
            method: "DELETE",
            url: `${trimUrl(gatewayUrl)}/v1/sessions/${encodeURIComponent(session)}`,
            timeoutMs: REQUEST_TIMEOUT_MS,
        });
    } catch {
        // Best effort: the gateway expires idle sessions anyway (sql-gateway.session.idle-timeout).
    }
}

/** Runs `fn` in a fresh session that is always closed afterwards. */
export async function withSession<T>(
    gatewayUrl: string,
    options: SessionOptions,
    fn: (session: string) => Promise<T>,
): Promise<T> {
    const session = await openSession(gatewayUrl, options);
    try {
        return await fn(session);
    } finally {
        await closeSession(gatewayUrl, session);
    }
}

export interface StatementOptions {
    /** Merged into this statement's configuration only (unlike `SET`, which sticks to the session). */
    executionConfig?: Record<string, string>;
    /** How long to wait for the operation to finish and its results; default 120 s. */
    timeoutMs?: number;
}

export interface StatementResult {
    /** The submitted job's id, for INSERT and STATEMENT SET. */
    jobId?: string;
    columns: string[];
    rows: unknown[][];
}

// Arrays, not Sets: Pulumi's closure serializer cannot capture a Set or a Map.
const TERMINAL_OPERATION = ["FINISHED", "ERROR", "CANCELED", "CLOSED", "TIMEOUT"];

/**
 * Executes one statement in a session and returns its results: waits for the operation to end,
 * then follows `nextResultUri` until EOS (or until the job id of an INSERT is known). A failed
 * statement throws a FlinkSqlError with Flink's root cause. The operation is closed afterwards.
 */
export async function executeStatement(
    gatewayUrl: string,
    session: string,
    statement: string,
    options: StatementOptions = {},
): Promise<StatementResult> {
    const base = trimUrl(gatewayUrl);
    const timeoutMs = options.timeoutMs ?? STATEMENT_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const sessionUrl = `${base}/v1/sessions/${encodeURIComponent(session)}`;
    const fail = (error: unknown): never => {
        if (isFlinkSqlError(error)) throw error;
        if (isHttpError(error) && error.status !== undefined) {
            throw flinkSqlError(statement, summarizeJavaError(errorText(error.body)), error.status);
        }
        if (isHttpError(error)) {
            throw new Error(`Flink SQL Gateway at ${base} is unreachable: ${error.message}`, {
                cause: error,
            });
        }
        throw error;
    };

    let operation: string;
    try {
        const response = await call({
            method: "POST",
            url: `${sessionUrl}/statements`,
            body: { statement, executionConfig: options.executionConfig },
            timeoutMs: REQUEST_TIMEOUT_MS,
        });
        const handle = (response.body as { operationHandle?: unknown } | undefined)
            ?.operationHandle;
        if (typeof handle !== "string")
            throw new Error(`unexpected answer ${JSON.stringify(response.body)}`);
        operation = handle;
    } catch (error) {
        return fail(error);
    }
    const operationUrl = `${sessionUrl}/operations/${encodeURIComponent(operation)}`;
    try {
        let status = "";
        let delay = 100;
        for (;;) {
            const response = await call({
                method: "GET",
                url: `${operationUrl}/status`,
                timeoutMs: REQUEST_TIMEOUT_MS,
            });
            const raw = (response.body as { status?: unknown } | undefined)?.status;
            status = typeof raw === "string" ? raw : "";
            if (TERMINAL_OPERATION.includes(status)) break;
            if (Date.now() > deadline) {
                throw flinkSqlError(
                    statement,
                    `still ${status || "running"} after ${Math.round(timeoutMs / 1000)} s (gave up waiting; the operation was closed)`,
                );
            }
            await sleep(delay);
            delay = Math.min(delay * 2, 1000);
        }
        if (status !== "FINISHED" && status !== "ERROR") {
            throw flinkSqlError(statement, `the operation ended ${status}`);
        }
        // For ERROR, fetching the result answers 500 with the exception: that is the cause we want.
        // The v2 path: v1 has no rowFormat, and JSON rows keep their types.
        const resultsUrl = `${base}/v2/sessions/${encodeURIComponent(session)}/operations/${encodeURIComponent(operation)}/result`;
        return await fetchAllResults(base, resultsUrl, deadline, statement);
    } catch (error) {
        return fail(error);
    } finally {
        try {
            await send({
                method: "DELETE",
                url: `${operationUrl}/close`,
                timeoutMs: REQUEST_TIMEOUT_MS,
            });
        } catch {
            // The session close releases it as well.
        }
    }
}

interface FetchResultsBody {
    resultType?: string;
    jobID?: string;
    results?: { columns?: { name?: string }[]; data?: { kind?: string; fields?: unknown[] }[] };
    nextResultUri?: string;
}

async function fetchAllResults(
    base: string,
    resultsUrl: string,
    deadline: number,
    statement: string,
): Promise<StatementResult> {
    const result: StatementResult = { columns: [], rows: [] };
    let next: string | undefined = `${resultsUrl}/0?rowFormat=JSON`;
    while (next !== undefined) {
        const url: string = next;
        const response = await call({ method: "GET", url, timeoutMs: REQUEST_TIMEOUT_MS });
        const body = (response.body ?? {}) as FetchResultsBody;
        if (typeof body.jobID === "string") result.jobId = body.jobID;
        if (body.results?.columns && result.columns.length === 0) {
            result.columns = body.results.columns.map((column) => String(column.name ?? ""));
        }
        for (const row of body.results?.data ?? []) result.rows.push(row.fields ?? []);
        if (body.resultType === "EOS" || result.jobId !== undefined) break;
        const following = body.nextResultUri
            ? body.nextResultUri.startsWith("http")
                ? body.nextResultUri
                : `${base}${body.nextResultUri}`
            : undefined;
        if (body.resultType === "NOT_READY") {
            if (Date.now() > deadline) {
                throw flinkSqlError(statement, "results not ready before the timeout");
            }
            await sleep(200);
            next = following ?? url; // ask again
        } else {
            next = following;
        }
    }
    return result;
}

/** The rows of a result as objects keyed by column name (for DESCRIBE, SHOW …). */
export function resultObjects(result: StatementResult): Record<string, unknown>[] {
    return result.rows.map((row) =>
        Object.fromEntries(result.columns.map((name, i) => [name, row[i]])),
    );
}

// ---------------------------------------------------------------------------------------------
// JobManager REST

export interface JobVertex {
    name: string;
    status: string;
    parallelism?: number;
}

export interface JobDetails {
    jid: string;
    name: string;
    state: string;
    "start-time"?: number;
    vertices?: JobVertex[];
}

export interface JobOverview {
    jid: string;
    name: string;
    state: string;
    "start-time"?: number;
    "end-time"?: number;
}

// Exported with `export { … }`, not `export const`: tsc compiles this module's own uses of an
// exported const to `exports.X`, which Pulumi's closure serializer does not capture, so the
// deployed provider would read undefined (test/platform/serialized-providers.test.ts).
/** States after which a job never runs again. */
const TERMINAL_JOB_STATES: readonly string[] = ["FINISHED", "CANCELED", "FAILED"];
export { TERMINAL_JOB_STATES };
/** States in which a job is going down or not making progress. */
const FAILING_JOB_STATES: readonly string[] = [
    "FAILING",
    "FAILED",
    "RESTARTING",
    "CANCELLING",
    "CANCELED",
    "SUSPENDED",
];
export { FAILING_JOB_STATES };

export function isTerminalJobState(state: string | undefined): boolean {
    return state !== undefined && TERMINAL_JOB_STATES.includes(state);
}

function jobUrl(restUrl: string, jobId: string): string {
    if (!isFlinkId(jobId)) {
        throw new Error(`${JSON.stringify(jobId)} is not a Flink job id (32 hex digits)`);
    }
    return `${trimUrl(restUrl)}/jobs/${jobId}`;
}

/** The job's details, or undefined when the JobManager does not know it (404). */
export async function getJob(restUrl: string, jobId: string): Promise<JobDetails | undefined> {
    const url = jobUrl(restUrl, jobId);
    let response;
    try {
        response = await send({ method: "GET", url, timeoutMs: REQUEST_TIMEOUT_MS });
    } catch (error) {
        throw describeHttpError(
            `cannot read Flink job ${jobId} from the JobManager at ${trimUrl(restUrl)}`,
            error,
        );
    }
    if (response.status === 404) return undefined;
    if (response.status < 200 || response.status > 299) {
        throw new Error(
            `GET ${url} answered ${response.status}: ${summarizeJavaError(errorText(response.body))}`,
        );
    }
    return response.body as JobDetails;
}

/** All jobs the JobManager knows (running and recently ended). */
export async function listJobs(restUrl: string): Promise<JobOverview[]> {
    try {
        const response = await call({
            method: "GET",
            url: `${trimUrl(restUrl)}/jobs/overview`,
            timeoutMs: REQUEST_TIMEOUT_MS,
        });
        return ((response.body as { jobs?: JobOverview[] } | undefined)?.jobs ?? []).slice();
    } catch (error) {
        throw describeHttpError(`cannot list Flink jobs at ${trimUrl(restUrl)}`, error);
    }
}

/** Jobs with this `pipeline.name`, newest first. */
export async function findJobsByName(restUrl: string, name: string): Promise<JobOverview[]> {
    return (await listJobs(restUrl))
        .filter((job) => job.name === name)
        .sort((a, b) => (b["start-time"] ?? 0) - (a["start-time"] ?? 0));
}

/** The most recent failure of a job, summarized, if the JobManager recorded one. */
export async function jobFailureCause(restUrl: string, jobId: string): Promise<string | undefined> {
    try {
        const response = await send({
            method: "GET",
            url: `${jobUrl(restUrl, jobId)}/exceptions?maxExceptions=1`,
            timeoutMs: REQUEST_TIMEOUT_MS,
        });
        if (response.status !== 200) return undefined;
        const body = response.body as {
            "root-exception"?: string;
            exceptionHistory?: { entries?: { stacktrace?: string; exceptionName?: string }[] };
        };
        const trace = body.exceptionHistory?.entries?.[0]?.stacktrace ?? body["root-exception"];
        return trace ? summarizeJavaError(trace) : undefined;
    } catch {
        return undefined;
    }
}

/** The newest savepoint the JobManager recorded for a job (e.g. after an out-of-band stop). */
export async function latestSavepoint(restUrl: string, jobId: string): Promise<string | undefined> {
    try {
        const response = await send({
            method: "GET",
            url: `${jobUrl(restUrl, jobId)}/checkpoints`,
            timeoutMs: REQUEST_TIMEOUT_MS,
        });
        if (response.status !== 200) return undefined;
        const body = response.body as {
            latest?: {
                savepoint?: { status?: string; external_path?: string; discarded?: boolean } | null;
            };
        };
        const savepoint = body.latest?.savepoint;
        return savepoint?.status === "COMPLETED" && !savepoint.discarded
            ? savepoint.external_path
            : undefined;
    } catch {
        return undefined;
    }
}

export interface WaitOptions {
    timeoutMs: number;
    intervalMs?: number;
}

/** Polls until the job is in a terminal state; returns it ("GONE" when the JobManager forgot it). */
export async function waitForJobTerminal(
    restUrl: string,
    jobId: string,
    options: WaitOptions,
): Promise<string> {
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
        const job = await getJob(restUrl, jobId);
        if (!job) return "GONE";
        if (isTerminalJobState(job.state)) return job.state;
        if (Date.now() > deadline) {
            throw new Error(
                `Flink job ${jobId} is still ${job.state} after ${Math.round(options.timeoutMs / 1000)} s`,
            );
        }
        await sleep(options.intervalMs ?? 500);
    }
}

/**
 * Waits until the job and all its tasks run (or a bounded job finished). A job that fails,
 * restarts or is canceled meanwhile throws with Flink's failure cause; so does the timeout,
 * with the task counts and the cluster's free slots (a common reason for a job that never starts).
 */
export async function waitForJobRunning(
    restUrl: string,
    jobId: string,
    options: WaitOptions,
): Promise<JobDetails> {
    const deadline = Date.now() + options.timeoutMs;
    let last: JobDetails | undefined;
    for (;;) {
        last = await getJob(restUrl, jobId);
        if (last) {
            if (last.state === "FINISHED") return last;
            if (FAILING_JOB_STATES.includes(last.state)) {
                const cause = await jobFailureCause(restUrl, jobId);
                throw new Error(
                    `Flink job ${jobId} (${last.name}) went ${last.state} while starting${cause ? `: ${cause}` : ""}`,
                );
            }
            const vertices = last.vertices ?? [];
            if (
                last.state === "RUNNING" &&
                vertices.length > 0 &&
                vertices.every((v) => v.status === "RUNNING" || v.status === "FINISHED")
            ) {
                return last;
            }
        }
        if (Date.now() > deadline) {
            const tasks = (last?.vertices ?? []).map((v) => `${v.name}: ${v.status}`).join("; ");
            let slots = "";
            try {
                const overview = await call({
                    method: "GET",
                    url: `${trimUrl(restUrl)}/overview`,
                    timeoutMs: 5000,
                });
                const free = (overview.body as { "slots-available"?: number })["slots-available"];
                slots = ` (the cluster has ${free} free task slots)`;
            } catch {
                // Only a hint.
            }
            throw new Error(
                `Flink job ${jobId} is not running after ${Math.round(options.timeoutMs / 1000)} s: ` +
                    `${last ? `${last.state}; ${tasks}` : "unknown to the JobManager"}${slots}`,
            );
        }
        await sleep(options.intervalMs ?? 500);
    }
}

export interface StopOptions {
    /** `targetDirectory` (a URI such as `file:///…` or `s3://…`); default: the cluster's savepoint dir. */
    targetDirectory?: string;
    /** Emit MAX_WATERMARK first (ends event-time windows); default false, which is what a restart wants. */
    drain?: boolean;
    /** How long to wait for the savepoint and the job to finish; default 300 s. */
    timeoutMs?: number;
}

/**
 * Stop-with-savepoint: triggers it, polls the trigger until the savepoint completes, waits for
 * the job to end and returns the savepoint location. If the savepoint fails, Flink keeps the job
 * running and this throws with the cause.
 */
export async function stopWithSavepoint(
    restUrl: string,
    jobId: string,
    options: StopOptions = {},
): Promise<string> {
    const url = jobUrl(restUrl, jobId);
    const timeoutMs = options.timeoutMs ?? 300_000;
    const deadline = Date.now() + timeoutMs;
    // A fixed trigger id makes a retried trigger idempotent (the dispatcher caches it).
    const triggerId = randomFlinkId();
    try {
        await call({
            method: "POST",
            url: `${url}/stop`,
            body: {
                targetDirectory: options.targetDirectory,
                drain: options.drain ?? false,
                triggerId,
            },
            timeoutMs: REQUEST_TIMEOUT_MS,
        });
    } catch (error) {
        throw describeHttpError(`cannot stop Flink job ${jobId} with a savepoint`, error);
    }
    for (;;) {
        const response = await send({
            method: "GET",
            url: `${url}/savepoints/${triggerId}`,
            timeoutMs: REQUEST_TIMEOUT_MS,
        });
        if (response.status === 200) {
            const body = response.body as {
                status?: { id?: string };
                operation?: {
                    location?: string;
                    "failure-cause"?: { class?: string; "stack-trace"?: string };
                };
            };
            if (body.status?.id === "COMPLETED") {
                const failure = body.operation?.["failure-cause"];
                if (failure || !body.operation?.location) {
                    const cause = failure?.["stack-trace"]
                        ? summarizeJavaError(failure["stack-trace"])
                        : "no location";
                    throw new Error(`stop-with-savepoint of Flink job ${jobId} failed: ${cause}`);
                }
                const location = body.operation.location;
                await waitForJobTerminal(restUrl, jobId, {
                    timeoutMs: Math.max(deadline - Date.now(), 10_000),
                });
                return location;
            }
        } else if (response.status !== 404) {
            throw new Error(
                `stop-with-savepoint of Flink job ${jobId}: status answered ${response.status}: ${summarizeJavaError(errorText(response.body))}`,
            );
        }
        if (Date.now() > deadline) {
            throw new Error(
                `stop-with-savepoint of Flink job ${jobId} did not complete within ${Math.round(timeoutMs / 1000)} s`,
            );
        }
        await sleep(500);
    }
}

/**
 * Cancels a job and waits until it is terminal. Idempotent: a job that is unknown (404) or
 * already terminal (409) counts as canceled. Returns the final state ("GONE" if unknown).
 */
export async function cancelJob(
    restUrl: string,
    jobId: string,
    options: Partial<WaitOptions> = {},
): Promise<string> {
    const url = jobUrl(restUrl, jobId);
    let response;
    try {
        response = await send({
            method: "PATCH",
            url: `${url}?mode=cancel`,
            timeoutMs: REQUEST_TIMEOUT_MS,
        });
    } catch (error) {
        throw describeHttpError(`cannot cancel Flink job ${jobId}`, error);
    }
    if (response.status === 404) return "GONE";
    if (response.status !== 202 && response.status !== 200 && response.status !== 409) {
        throw new Error(
            `cancel of Flink job ${jobId} answered ${response.status}: ${summarizeJavaError(errorText(response.body))}`,
        );
    }
    return waitForJobTerminal(restUrl, jobId, {
        timeoutMs: options.timeoutMs ?? 60_000,
        intervalMs: options.intervalMs,
    });
}
