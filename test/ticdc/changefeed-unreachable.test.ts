/**
 * The Changefeed's `forgetIfUnreachable`: a delete that TiCDC does not answer at all drops the
 * changefeed from the state (with a warning) when set, and fails keeping it otherwise, naming the
 * changefeed and the ways out; a TiCDC that answers with an HTTP error (500, 401) is an error
 * either way. The flag is an in-place update that only records it: TiCDC is not called.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
    type ChangefeedOutputs,
    changefeedProvider,
    diffChangefeed,
    inputProblems,
} from "../../components/ticdc/changefeed";

const NOWHERE = "http://127.0.0.1:1";

/** A TiCDC that answers every request with `answer`, recording what it was asked. */
let answer: { status: number; body: unknown } = { status: 200, body: {} };
const requests: string[] = [];
let server: Server;
let ticdcUrl: string;

beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
        requests.push(`${req.method} ${req.url}`);
        res.statusCode = answer.status;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    ticdcUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
    requests.length = 0;
    vi.restoreAllMocks();
});

/** The state of a changefeed as create leaves it, on `url`. */
async function stateAt(url: string, extra: Record<string, unknown> = {}) {
    const checked = (await changefeedProvider.check!(
        {},
        {
            changefeedId: "lab-to-kafka",
            ticdcApiUrl: url,
            sink: { brokers: ["kafka-0:9092"], topic: "lab-to-kafka-default" },
            tables: ["test.orders"],
            ...extra,
        },
    )) as { inputs: Record<string, unknown>; failures?: unknown[] };
    expect(checked.failures ?? []).toEqual([]);
    return {
        ...checked.inputs,
        sinkUri: "kafka://kafka-0:9092/lab-to-kafka-default?protocol=canal-json",
        state: "normal",
        checkpointTs: "449530440858189826",
        checkpointTime: "2026-01-01 00:00:00.000",
    } as unknown as ChangefeedOutputs;
}

function quietStderr() {
    return vi.spyOn(console, "error").mockImplementation(() => undefined);
}

async function deleteError(state: ChangefeedOutputs): Promise<Error | undefined> {
    return changefeedProvider.delete!("lab-to-kafka", state).then(
        () => undefined,
        (e: unknown) => e as Error,
    );
}

describe("delete when TiCDC does not answer", () => {
    it("forgets the changefeed with forgetIfUnreachable, and says so on stderr", async () => {
        const stderr = quietStderr();
        const state = await stateAt(NOWHERE, { forgetIfUnreachable: true });
        await expect(changefeedProvider.delete!("lab-to-kafka", state)).resolves.toBeUndefined();
        expect(stderr).toHaveBeenCalledTimes(1);
        expect(String(stderr.mock.calls[0]?.[0])).toMatch(
            /^warning: TiCDC changefeed "lab-to-kafka" was NOT deleted but removed from the stack's state \(forgetIfUnreachable: true\): TiCDC did not answer: TiCDC at http:\/\/127\.0\.0\.1:1\/ could not be reached to delete changefeed "lab-to-kafka"/,
        );
    });

    it.each([
        ["absent", {}],
        ["false", { forgetIfUnreachable: false }],
    ])(
        "fails and keeps it with forgetIfUnreachable %s, naming the changefeed and the fix",
        async (_label, extra) => {
            const stderr = quietStderr();
            const error = await deleteError(await stateAt(NOWHERE, extra));
            expect(error).toMatchObject({ name: "TicdcError", unreachable: true });
            expect(error?.message).toMatch(
                /^TiCDC at http:\/\/127\.0\.0\.1:1\/ could not be reached to delete changefeed "lab-to-kafka": DELETE http:\/\/127\.0\.0\.1:1\/api\/v2\/changefeeds\/lab-to-kafka failed: .* \(is the service running and reachable\?\)\. The changefeed was not deleted and stays in the stack\. If TiCDC itself is gone, remove the changefeed from the state with `pulumi state delete <urn>` \(`pulumi stack --show-urns` lists the URNs\), or let destroy forget it: set forgetIfUnreachable: true on the resource \(the Pipeline's config: `pulumi config set --path teardown\.forgetUnreachable true`\), run `pulumi up` \(it only records the setting, without calling TiCDC\) and destroy again\.$/,
            );
            expect(stderr).not.toHaveBeenCalled();
        },
    );

    it.each([
        [500, { error_code: "CDC:ErrEtcdAPIError", error_msg: "etcd is down" }, /refused to/],
        [401, { error_msg: "unauthorized" }, /did not let us/],
        [403, "forbidden", /failed to/],
    ])("never forgets when TiCDC answers %i: it is there", async (status, body, wording) => {
        const stderr = quietStderr();
        answer = { status, body };
        const error = await deleteError(await stateAt(ticdcUrl, { forgetIfUnreachable: true }));
        expect(error).toMatchObject({ name: "TicdcError", status, unreachable: false });
        expect(error?.message).toMatch(wording);
        expect(error?.message).toContain('delete changefeed "lab-to-kafka"');
        expect(error?.message).not.toContain("forgetIfUnreachable");
        expect(requests).toEqual(["DELETE /api/v2/changefeeds/lab-to-kafka"]);
        expect(stderr).not.toHaveBeenCalled();
    });

    it("deletes as before when TiCDC answers: a changefeed that is gone counts as deleted", async () => {
        answer = {
            status: 400,
            body: { error_code: "CDC:ErrChangeFeedNotExists", error_msg: "not found" },
        };
        await expect(
            changefeedProvider.delete!(
                "lab-to-kafka",
                await stateAt(ticdcUrl, { forgetIfUnreachable: true }),
            ),
        ).resolves.toBeUndefined();
        expect(requests).toEqual([
            "DELETE /api/v2/changefeeds/lab-to-kafka",
            "GET /api/v2/changefeeds/lab-to-kafka",
        ]);
    });
});

describe("the flag as an input", () => {
    it("is checked as a boolean, and kept as given (absent stays absent)", async () => {
        const state = await stateAt(NOWHERE);
        expect("forgetIfUnreachable" in state).toBe(false);
        expect((await stateAt(NOWHERE, { forgetIfUnreachable: true })).forgetIfUnreachable).toBe(
            true,
        );
        expect(inputProblems({ ...state, forgetIfUnreachable: "yes" })).toEqual([
            { property: "forgetIfUnreachable", reason: "must be true or false" },
        ]);
    });

    it("diffs as an in-place update; absent and false are the same", async () => {
        const state = await stateAt(NOWHERE);
        const news = { ...state } as Record<string, unknown>;
        expect(diffChangefeed(state, { ...news, forgetIfUnreachable: true })).toEqual({
            changes: true,
            replaces: [],
            changed: ["forgetIfUnreachable"],
            deleteBeforeReplace: true,
        });
        expect(diffChangefeed(state, { ...news, forgetIfUnreachable: false }).changes).toBe(false);
        expect(diffChangefeed({ ...state, forgetIfUnreachable: false }, news).changes).toBe(false);
        expect(diffChangefeed({ ...state, forgetIfUnreachable: true }, news).changed).toEqual([
            "forgetIfUnreachable",
        ]);
    });

    it("is recorded by update without calling TiCDC (it may be gone)", async () => {
        for (const url of [NOWHERE, ticdcUrl]) {
            const state = await stateAt(url);
            const news = { ...state, forgetIfUnreachable: true } as Record<string, unknown>;
            const updated = (await changefeedProvider.update!("lab-to-kafka", state, news)) as {
                outs: ChangefeedOutputs;
            };
            expect(updated.outs).toEqual({ ...state, forgetIfUnreachable: true });
            const back = (await changefeedProvider.update!("lab-to-kafka", updated.outs, {
                ...news,
                forgetIfUnreachable: false,
            })) as { outs: ChangefeedOutputs };
            expect(back.outs).toEqual({ ...state, forgetIfUnreachable: false });
        }
        expect(requests).toEqual([]);
    });

    it("does not skip TiCDC when something else changes too", async () => {
        answer = {
            status: 400,
            body: { error_code: "CDC:ErrChangeFeedNotExists", error_msg: "not found" },
        };
        const state = await stateAt(ticdcUrl);
        await expect(
            changefeedProvider.update!("lab-to-kafka", state, {
                ...state,
                paused: true,
                forgetIfUnreachable: true,
            }),
        ).rejects.toThrow(/no longer exists in TiCDC/);
        expect(requests).toEqual(["GET /api/v2/changefeeds/lab-to-kafka"]);
    });
});
