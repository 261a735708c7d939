/**
 * Hop 4, Flink sees the marker — the `SELECT *` of the source documents, through the SQL
 * Gateway (components/flink/gateway.ts for sessions, statements, jobs and error summaries):
 *
 * 1. a session, a TEMPORARY canal-json table over the marker's topic starting at the offsets
 *    taken before the insert, and a streaming `SELECT id … WHERE id = '<marker>'` with its own
 *    `pipeline.name`, parallelism 1;
 * 2. its result pages are fetched until the job id is known, then the job is awaited RUNNING —
 *    all before the insert, so hop 4's time is delivery, not job start-up;
 * 3. after the insert, pages are fetched until the marker row comes;
 * 4. cleanup, always: the job is cancelled through the JobManager (and awaited terminal), the
 *    operation and the session are closed, and the session is checked gone.
 *
 * Flink 2.2.1 kills the whole TaskManager (and every job on it) when a collect sink — the sink
 * of a gateway SELECT — is torn down before it was opened: FLINK-39330, `bufferLock is null` in
 * `CollectSinkFunction.accumulateFinalResults` (seen here when a SELECT over a missing topic
 * failed while its task was INITIALIZING). So verify never starts the query over a topic that is
 * not there, and never cancels its job while a task is DEPLOYING or INITIALIZING: it waits for
 * RUNNING first (a job whose tasks were never deployed is safe to cancel).
 */
import { send } from "../../components/platform/http";
import {
    cancelJob,
    closeSession,
    errorText,
    executeStatement,
    findJobsByName,
    flinkSqlError,
    getJob,
    isTerminalJobState,
    jobFailureCause,
    listJobs,
    openSession,
    summarizeJavaError,
    waitForJobRunning,
} from "../../components/flink/gateway";
import { matchMarkerRow } from "./match";
import type { FlinkJobInfo } from "./report";
import { FLINK_JOB_PREFIX } from "./sql";
import { sleep } from "./wait";

const REQUEST_TIMEOUT_MS = 15_000;
/** Task states during which a cancel would hit FLINK-39330. */
const UNSAFE_TO_CANCEL = ["DEPLOYING", "INITIALIZING"];

function trim(url: string): string {
    return url.replace(/\/+$/, "");
}

interface ResultPage {
    resultType?: string;
    jobID?: string;
    results?: { data?: unknown[] };
    nextResultUri?: string;
}

export interface FlinkQueryOptions {
    gatewayUrl: string;
    restUrl: string;
    /** `CREATE TEMPORARY TABLE …` (sql.ts). */
    ddl: string;
    /** `SELECT …` (sql.ts). */
    query: string;
    /** `pipeline.name` of the job. */
    jobName: string;
}

/** One temporary streaming query; `cleanup()` must always be called. */
export class FlinkMarkerQuery {
    session?: string;
    operation?: string;
    jobId?: string;
    private next?: string;
    private readonly gateway: string;
    private readonly rest: string;

    constructor(private readonly options: FlinkQueryOptions) {
        this.gateway = trim(options.gatewayUrl);
        this.rest = trim(options.restUrl);
    }

    /** Submits the query and waits until its job runs (all tasks RUNNING). */
    async start(deadline: number): Promise<void> {
        const { ddl, query, jobName } = this.options;
        this.session = await openSession(this.gateway, { name: jobName });
        await executeStatement(this.gateway, this.session, ddl, {
            timeoutMs: Math.max(deadline - Date.now(), 5_000),
        });
        const sessionUrl = `${this.gateway}/v1/sessions/${encodeURIComponent(this.session)}`;
        const submitted = await send({
            method: "POST",
            url: `${sessionUrl}/statements`,
            body: {
                statement: query,
                executionConfig: { "pipeline.name": jobName, "parallelism.default": "1" },
            },
            timeoutMs: REQUEST_TIMEOUT_MS,
        });
        const handle = (submitted.body as { operationHandle?: unknown } | undefined)
            ?.operationHandle;
        if (submitted.status !== 200 || typeof handle !== "string") {
            throw flinkSqlError(
                query,
                summarizeJavaError(errorText(submitted.body)),
                submitted.status,
            );
        }
        this.operation = handle;
        this.next = `/v2/sessions/${encodeURIComponent(this.session)}/operations/${encodeURIComponent(handle)}/result/0?rowFormat=JSON`;
        // The job id comes with the first page of results, once the job is submitted.
        while (this.jobId === undefined) {
            const page = await this.fetchPage();
            if (page.jobID) this.jobId = page.jobID;
            else if (Date.now() > deadline) {
                throw new Error(
                    `the SQL Gateway did not submit the query's job within the timeout`,
                );
            } else await sleep(250);
        }
        await waitForJobRunning(this.rest, this.jobId, {
            timeoutMs: Math.max(deadline - Date.now(), 1_000),
            intervalMs: 250,
        });
    }

    /** One page of results (the same page again while NOT_READY); errors carry Flink's cause. */
    private async fetchPage(): Promise<ResultPage> {
        const url = `${this.gateway}${this.next ?? ""}`;
        const response = await send({ method: "GET", url, timeoutMs: REQUEST_TIMEOUT_MS });
        if (response.status !== 200) {
            throw flinkSqlError(
                this.options.query,
                summarizeJavaError(errorText(response.body)),
                response.status,
            );
        }
        const page = (response.body ?? {}) as ResultPage;
        if (page.resultType === "EOS") {
            const cause = this.jobId ? await jobFailureCause(this.rest, this.jobId) : undefined;
            throw new Error(
                `the query ended before the marker arrived${cause ? `: ${cause}` : ""}`,
            );
        }
        if (page.resultType === "PAYLOAD" && page.nextResultUri) this.next = page.nextResultUri;
        return page;
    }

    /** Fetches results until the marker row comes; resolves with `performance.now()` then. */
    async waitForMarker(id: string, deadline: number, signal: AbortSignal): Promise<number> {
        for (;;) {
            const page = await this.fetchPage();
            if ((page.results?.data ?? []).some((row) => matchMarkerRow(row, id))) {
                return performance.now();
            }
            if (signal.aborted) throw new Error("stopped");
            if (Date.now() > deadline) throw new Error("timeout");
            const empty = (page.results?.data ?? []).length === 0;
            if (empty) await sleep(200, signal);
        }
    }

    /**
     * Cancels the job (after its tasks left DEPLOYING/INITIALIZING, see FLINK-39330 above),
     * closes the operation and the session. Returns what was done, and what could not be.
     */
    async cleanup(): Promise<{ done: string[]; problems: string[] }> {
        const done: string[] = [];
        const problems: string[] = [];
        const jobs = new Set<string>();
        if (this.jobId) jobs.add(this.jobId);
        if (this.operation) {
            // A job submitted while we were not looking (the id not yet returned).
            try {
                for (const job of await findJobsByName(this.rest, this.options.jobName)) {
                    if (!isTerminalJobState(job.state)) jobs.add(job.jid);
                }
            } catch (error) {
                problems.push(`could not list Flink jobs: ${(error as Error).message}`);
            }
        }
        for (const jobId of jobs) {
            try {
                await this.waitUntilSafeToCancel(jobId);
                const state = await cancelJob(this.rest, jobId, { timeoutMs: 60_000 });
                const job = await getJob(this.rest, jobId);
                if (job && !isTerminalJobState(job.state)) {
                    problems.push(`Flink job ${jobId} is still ${job.state} after the cancel`);
                } else {
                    done.push(`Flink job ${jobId} cancelled (${state})`);
                }
            } catch (error) {
                problems.push(
                    `could not cancel Flink job ${jobId} (${this.options.jobName}): ${(error as Error).message}; cancel it: curl -X PATCH '${this.rest}/jobs/${jobId}?mode=cancel'`,
                );
            }
        }
        if (this.session) {
            const sessionUrl = `${this.gateway}/v1/sessions/${encodeURIComponent(this.session)}`;
            if (this.operation) {
                await send({
                    method: "DELETE",
                    url: `${sessionUrl}/operations/${encodeURIComponent(this.operation)}/close`,
                    timeoutMs: REQUEST_TIMEOUT_MS,
                }).catch(() => undefined);
            }
            await closeSession(this.gateway, this.session);
            const still = await send({
                method: "GET",
                url: sessionUrl,
                timeoutMs: REQUEST_TIMEOUT_MS,
            })
                .then((r) => r.status === 200)
                .catch(() => false);
            if (still) problems.push(`SQL Gateway session ${this.session} is still open`);
            else done.push(`SQL Gateway session ${this.session} closed`);
        }
        return { done, problems };
    }

    /** Waits (bounded) while a task of the job is DEPLOYING or INITIALIZING. */
    private async waitUntilSafeToCancel(jobId: string): Promise<void> {
        const deadline = Date.now() + 60_000;
        for (;;) {
            const job = await getJob(this.rest, jobId);
            if (!job || isTerminalJobState(job.state)) return;
            const unsafe = (job.vertices ?? []).some((v) => UNSAFE_TO_CANCEL.includes(v.status));
            if (!unsafe || Date.now() > deadline) return;
            await sleep(250);
        }
    }
}

/**
 * The cluster's jobs other than this run's, for information: the stack's own jobs (the newest
 * run of each job name — Flink keeps ended runs in its history, and a job restarted from a
 * savepoint leaves its predecessor CANCELED or FINISHED there), and earlier verify runs' jobs
 * only while they still run (a leftover worth a warning).
 */
export async function otherFlinkJobs(
    restUrl: string,
    ownJobName: string,
): Promise<{ jobs: FlinkJobInfo[]; leftovers: FlinkJobInfo[] }> {
    const newestFirst = (await listJobs(restUrl)).sort(
        (a, b) => (b["start-time"] ?? 0) - (a["start-time"] ?? 0),
    );
    const jobs: FlinkJobInfo[] = [];
    const leftovers: FlinkJobInfo[] = [];
    const seen = new Set<string>();
    for (const job of newestFirst) {
        if (job.name === ownJobName) continue;
        const info = { id: job.jid, name: job.name, state: job.state };
        if (job.name.startsWith(FLINK_JOB_PREFIX)) {
            if (!isTerminalJobState(job.state)) leftovers.push(info);
        } else if (!seen.has(job.name)) {
            seen.add(job.name);
            jobs.push(info);
        }
    }
    return { jobs: jobs.sort((a, b) => a.name.localeCompare(b.name)), leftovers };
}
