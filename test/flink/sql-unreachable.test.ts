/**
 * FlinkSqlJob's and FlinkSqlTable's `forgetIfUnreachable`: a delete that the JobManager (or the
 * SQL Gateway) does not answer at all drops the resource from the state (with a warning) when
 * set, and fails keeping it otherwise; an HTTP error status (500, 401) is an error either way.
 * "Does not answer" includes a timeout and a service that stops answering half-way. The flag is
 * an in-place update that only records it: Flink is not called.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { listJobs } from "../../components/flink/gateway";
import {
    diffJob,
    type FlinkSqlJobInputs,
    type FlinkSqlJobOutputs,
    jobInputProblems,
    jobProvider,
} from "../../components/flink/sql-job";
import {
    diffTable,
    type FlinkSqlTableInputs,
    type FlinkSqlTableOutputs,
    tableInputProblems,
    tableProvider,
} from "../../components/flink/sql-table";
import { call, send } from "../../components/platform/http";
import { nothingAnswered } from "../../components/platform/unreachable";

const NOWHERE = "http://127.0.0.1:1";

/** A Flink that answers with `handler`, recording what it was asked. */
let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end("{}");
const requests: string[] = [];
let server: Server;
let flinkUrl: string;

beforeAll(async () => {
    server = createServer((req, res) => {
        requests.push(`${req.method} ${req.url}`);
        handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    flinkUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
    requests.length = 0;
    vi.restoreAllMocks();
});

function answerAll(status: number, body: unknown) {
    handler = (_req, res) => {
        res.statusCode = status;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(body));
    };
}

function quietStderr() {
    return vi.spyOn(console, "error").mockImplementation(() => undefined);
}

const JOB_ID = "0123456789abcdef0123456789abcdef";

function jobState(url: string, extra: Partial<FlinkSqlJobOutputs> = {}): FlinkSqlJobOutputs {
    return {
        name: "lab-orders-to-print",
        gatewayUrl: url,
        restUrl: url,
        tables: ["CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen')"],
        statement: "INSERT INTO snk SELECT id FROM src",
        savepointDir: "file:///tmp/savepoints",
        jobId: JOB_ID,
        state: "RUNNING",
        ...extra,
    };
}

const TABLE: FlinkSqlTableInputs = {
    gatewayUrl: NOWHERE,
    name: "orders",
    database: "shop",
    catalog: { name: "hive", options: { type: "hive" } },
    columns: [{ name: "id", type: "BIGINT" }],
    options: { connector: "datagen" },
};

/** A persistent table's state as the provider records it (update needs no I/O). */
async function tableState(
    url: string,
    extra: Partial<FlinkSqlTableInputs> = {},
): Promise<FlinkSqlTableOutputs> {
    const inputs = { ...TABLE, gatewayUrl: url, ...extra };
    return (await tableProvider.update!("hive.shop.orders", inputs as FlinkSqlTableOutputs, inputs))
        .outs as FlinkSqlTableOutputs;
}

async function failure(promise: Promise<unknown>): Promise<Error | undefined> {
    return promise.then(
        () => undefined,
        (e: unknown) => e as Error,
    );
}

describe("what counts as nothing answering", () => {
    it("a refused connection, kept as the cause of the message that names the service", async () => {
        const error = await failure(listJobs(NOWHERE));
        expect(error?.message).toMatch(/^cannot list Flink jobs at http:\/\/127\.0\.0\.1:1: GET/);
        expect(nothingAnswered(error)).toBe(true);
    });

    it("a timeout", async () => {
        handler = () => undefined; // never answers
        const error = await failure(send({ method: "GET", url: flinkUrl, timeoutMs: 200 }));
        expect(error).toMatchObject({ name: "HttpError", status: undefined });
        expect(nothingAnswered(error)).toBe(true);
        expect(nothingAnswered(new Error("wrapped", { cause: error }))).toBe(true);
    });

    it("never an answer, whatever its status", async () => {
        answerAll(503, { errors: ["Service temporarily unavailable"] });
        const error = await failure(call({ method: "GET", url: flinkUrl }));
        expect(error).toMatchObject({ name: "HttpError", status: 503 });
        expect(nothingAnswered(error)).toBe(false);
        expect(nothingAnswered(new Error("no status, but no HttpError either"))).toBe(false);
        expect(nothingAnswered(undefined)).toBe(false);
    });
});

describe("FlinkSqlJob delete when the JobManager does not answer", () => {
    it("forgets the job with forgetIfUnreachable, and says so on stderr", async () => {
        const stderr = quietStderr();
        await expect(
            jobProvider.delete!(
                "lab-orders-to-print",
                jobState(NOWHERE, { forgetIfUnreachable: true }),
            ),
        ).resolves.toBeUndefined();
        expect(stderr).toHaveBeenCalledTimes(1);
        expect(String(stderr.mock.calls[0]?.[0])).toMatch(
            /^warning: Flink SQL job lab-orders-to-print \(job 0123456789abcdef0123456789abcdef\) on the JobManager at http:\/\/127\.0\.0\.1:1 was NOT deleted but removed from the stack's state \(forgetIfUnreachable: true\): the JobManager did not answer: delete Flink SQL job lab-orders-to-print: cannot list Flink jobs/,
        );
    });

    it("forgets it when the JobManager stops answering half-way (the cancel)", async () => {
        quietStderr();
        handler = (req, res) => {
            if (req.url === "/jobs/overview") {
                res.setHeader("content-type", "application/json");
                res.end(JSON.stringify({ jobs: [] }));
            } else if (req.method === "GET") {
                res.setHeader("content-type", "application/json");
                res.end(
                    JSON.stringify({ jid: JOB_ID, name: "lab-orders-to-print", state: "FAILING" }),
                );
            } else {
                req.socket.destroy(); // gone while cancelling
            }
        };
        await expect(
            jobProvider.delete!(
                "lab-orders-to-print",
                jobState(flinkUrl, { forgetIfUnreachable: true }),
            ),
        ).resolves.toBeUndefined();
        expect(requests).toEqual([
            "GET /jobs/overview",
            `GET /jobs/${JOB_ID}`,
            `PATCH /jobs/${JOB_ID}?mode=cancel`,
        ]);
    });

    it.each([
        ["absent", {}],
        ["false", { forgetIfUnreachable: false }],
    ])("fails and keeps it with forgetIfUnreachable %s, naming the fix", async (_label, extra) => {
        const stderr = quietStderr();
        const error = await failure(
            jobProvider.delete!("lab-orders-to-print", jobState(NOWHERE, extra)),
        );
        expect(error?.message).toMatch(
            /^delete Flink SQL job lab-orders-to-print: cannot list Flink jobs at http:\/\/127\.0\.0\.1:1: GET .* \(is the service running and reachable\?\)\. The job was not deleted and stays in the stack\. If the JobManager itself is gone, remove the job from the state with `pulumi state delete <urn>` .*`pulumi config set --path teardown\.forgetUnreachable true`\), run `pulumi up` \(it only records the setting, without calling the JobManager\) and destroy again\.$/,
        );
        expect(stderr).not.toHaveBeenCalled();
    });

    it.each([
        [500, { errors: ["java.lang.IllegalStateException: the dispatcher is broken"] }],
        [401, { errors: ["Unauthorized"] }],
    ])("never forgets when the JobManager answers %i", async (status, body) => {
        const stderr = quietStderr();
        answerAll(status, body);
        const error = await failure(
            jobProvider.delete!(
                "lab-orders-to-print",
                jobState(flinkUrl, { forgetIfUnreachable: true }),
            ),
        );
        expect(error?.message).toMatch(
            new RegExp(`^cannot list Flink jobs at ${flinkUrl}: HTTP ${status}: `),
        );
        expect(stderr).not.toHaveBeenCalled();
    });
});

describe("FlinkSqlTable delete (in a catalog) when the SQL Gateway does not answer", () => {
    it("forgets the table with forgetIfUnreachable", async () => {
        const stderr = quietStderr();
        const state = await tableState(NOWHERE, { forgetIfUnreachable: true });
        expect(state).toMatchObject({ persistent: true, forgetIfUnreachable: true });
        await expect(tableProvider.delete!("hive.shop.orders", state)).resolves.toBeUndefined();
        expect(String(stderr.mock.calls[0]?.[0])).toMatch(
            /^warning: Flink SQL table hive\.shop\.orders \(SQL Gateway http:\/\/127\.0\.0\.1:1\) was NOT deleted but removed from the stack's state \(forgetIfUnreachable: true\): the SQL Gateway did not answer: delete Flink SQL table hive\.shop\.orders: cannot open a Flink SQL Gateway session/,
        );
    });

    it("forgets it when the gateway stops answering after the session opened", async () => {
        quietStderr();
        handler = (req, res) => {
            if (req.method === "POST" && req.url === "/v1/sessions") {
                res.setHeader("content-type", "application/json");
                res.end(JSON.stringify({ sessionHandle: "s-1" }));
            } else {
                req.socket.destroy();
            }
        };
        const state = await tableState(flinkUrl, { forgetIfUnreachable: true });
        await expect(tableProvider.delete!("hive.shop.orders", state)).resolves.toBeUndefined();
        expect(requests.slice(0, 2)).toEqual([
            "POST /v1/sessions",
            "POST /v1/sessions/s-1/statements",
        ]);
    });

    it("fails and keeps it without the flag", async () => {
        const error = await failure(
            tableProvider.delete!("hive.shop.orders", await tableState(NOWHERE)),
        );
        expect(error?.message).toMatch(
            /^delete Flink SQL table hive\.shop\.orders: cannot open a Flink SQL Gateway session at http:\/\/127\.0\.0\.1:1: .*\. The table was not deleted and stays in the stack\. If the SQL Gateway itself is gone, remove the table from the state/,
        );
    });

    it("never forgets when the gateway answers 500", async () => {
        const stderr = quietStderr();
        answerAll(500, {
            errors: ["org.apache.flink.table.gateway.api.utils.SqlGatewayException: down"],
        });
        const error = await failure(
            tableProvider.delete!(
                "hive.shop.orders",
                await tableState(flinkUrl, { forgetIfUnreachable: true }),
            ),
        );
        expect(error?.message).toMatch(/cannot open a Flink SQL Gateway session .*HTTP 500/);
        expect(stderr).not.toHaveBeenCalled();
    });

    it("has nothing to delete for an in-memory table, reachable or not", async () => {
        const inMemory = { ...TABLE, catalog: undefined, database: undefined };
        const state = (await tableProvider.update!("t", inMemory as FlinkSqlTableOutputs, inMemory))
            .outs as FlinkSqlTableOutputs;
        await expect(tableProvider.delete!("t", state)).resolves.toBeUndefined();
    });
});

describe("the flag as an input", () => {
    it("is checked as a boolean", () => {
        const job = jobState(NOWHERE) as unknown as Record<string, unknown>;
        expect(jobInputProblems({ ...job, forgetIfUnreachable: true })).toEqual([]);
        expect(jobInputProblems({ ...job, forgetIfUnreachable: "yes" })).toEqual([
            { property: "forgetIfUnreachable", reason: "expected true or false" },
        ]);
        const table = TABLE as unknown as Record<string, unknown>;
        expect(tableInputProblems({ ...table, forgetIfUnreachable: 1 })).toEqual([
            { property: "forgetIfUnreachable", reason: "expected true or false" },
        ]);
    });

    it("diffs as an in-place update; absent and false are the same", async () => {
        const job = jobState(NOWHERE);
        const inputs = job as unknown as Record<string, unknown>;
        const update = { changes: true, replaces: [], deleteBeforeReplace: false };
        expect(diffJob(job, { ...inputs, forgetIfUnreachable: true })).toEqual(update);
        expect(diffJob(job, { ...inputs, forgetIfUnreachable: false }).changes).toBe(false);
        expect(diffJob({ ...job, forgetIfUnreachable: false }, inputs).changes).toBe(false);
        const table = await tableState(NOWHERE);
        const tableInputs = TABLE as unknown as Record<string, unknown>;
        expect(diffTable(table, { ...tableInputs, forgetIfUnreachable: true })).toEqual(update);
        expect(diffTable(table, { ...tableInputs, forgetIfUnreachable: false }).changes).toBe(
            false,
        );
    });

    it("is recorded by update without calling Flink (it may be gone)", async () => {
        const job = jobState(flinkUrl);
        const news = { ...job, forgetIfUnreachable: true } as FlinkSqlJobInputs;
        expect((await jobProvider.update!("lab-orders-to-print", job, news)).outs).toEqual({
            ...job,
            forgetIfUnreachable: true,
        });
        const table = await tableState(flinkUrl);
        const tableNews = { ...TABLE, gatewayUrl: flinkUrl, forgetIfUnreachable: true };
        expect((await tableProvider.update!("hive.shop.orders", table, tableNews)).outs).toEqual({
            ...table,
            forgetIfUnreachable: true,
        });
        expect(requests).toEqual([]);
    });

    it("does not skip Flink when the job is due a restart anyway", async () => {
        answerAll(404, { errors: ["Job not found"] });
        const job = jobState(NOWHERE, { state: "CANCELED" });
        const news = { ...job, restUrl: flinkUrl, gatewayUrl: flinkUrl, forgetIfUnreachable: true };
        expect(diffJob(job, news as unknown as Record<string, unknown>).changes).toBe(true);
        // The resubmission starts by asking the JobManager for the old job.
        await failure(jobProvider.update!("lab-orders-to-print", job, news));
        expect(requests[0]).toBe(`GET /jobs/${JOB_ID}`);
    });

    it("is kept by read (refresh shows no drift)", async () => {
        handler = (_req, res) => {
            res.setHeader("content-type", "application/json");
            res.end(JSON.stringify({ jid: JOB_ID, name: "lab-orders-to-print", state: "RUNNING" }));
        };
        const job = jobState(flinkUrl, { forgetIfUnreachable: true });
        expect((await jobProvider.read!("lab-orders-to-print", job)).props).toEqual(job);
    });
});
