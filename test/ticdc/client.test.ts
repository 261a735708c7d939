/**
 * TiCDC client: lossless uint64 handling and the mapping of TiCDC's error envelope, against a
 * throwaway local HTTP server answering canned responses.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
    createChangefeed,
    deleteChangefeed,
    getChangefeed,
    isNotFound,
    isTicdcError,
    parseTicdcJson,
    resumeChangefeed,
    stringifyTicdcJson,
    type TicdcError,
    tsoTime,
    u64,
    u64String,
    verifyTables,
} from "../../components/ticdc/client";

const TSO = "449530440858189826";
const MAX = "18446744073709551615";

describe("lossless uint64", () => {
    it("parses TSOs above 2^53 exactly and small integers as numbers", () => {
        const body = parseTicdcJson(
            `{"checkpoint_ts":${TSO},"target_ts":${MAX},"admin_job_type":0,"ratio":1.5,"n":9007199254740991}`,
        ) as Record<string, unknown>;
        expect(body.checkpoint_ts).toBe(449530440858189826n);
        expect(body.target_ts).toBe(18446744073709551615n);
        expect(body.admin_job_type).toBe(0);
        expect(body.ratio).toBe(1.5);
        expect(body.n).toBe(9007199254740991);
        expect(u64String(body.checkpoint_ts)).toBe(TSO);
        expect(u64String(body.target_ts)).toBe(MAX);
        expect(u64String(body.n)).toBe("9007199254740991");
    });

    it("writes bigint as unquoted JSON integers (Go rejects quoted uint64)", () => {
        const text = stringifyTicdcJson({ start_ts: u64(TSO), target_ts: u64(MAX), memory: 1 });
        expect(text).toBe(`{"start_ts":${TSO},"target_ts":${MAX},"memory":1}`);
        expect(stringifyTicdcJson(parseTicdcJson(text))).toBe(text);
        // What plain JSON would have done:
        expect(JSON.stringify(JSON.parse(text))).not.toContain(TSO);
    });

    it("validates decimal uint64 strings", () => {
        expect(() => u64("18446744073709551616")).toThrow(/larger than 2\^64-1/);
        expect(() => u64("-1")).toThrow(/decimal uint64/);
        expect(() => u64("4.5e17")).toThrow(/decimal uint64/);
        expect(tsoTime(TSO).toISOString()).toBe("2024-05-04T11:35:43.556Z");
    });
});

interface Canned {
    status: number;
    body?: string;
}

describe("HTTP calls and TiCDC errors", () => {
    let server: http.Server;
    let url = "";
    const seen: { method: string; url: string; body: string; auth?: string }[] = [];
    let next: Canned[] = [];

    beforeAll(async () => {
        server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c: Buffer) => (body += c.toString()));
            req.on("end", () => {
                seen.push({
                    method: req.method ?? "",
                    url: req.url ?? "",
                    body,
                    auth: req.headers.authorization,
                });
                const answer = next.shift() ?? { status: 200, body: "{}" };
                res.writeHead(answer.status, { "content-type": "application/json" });
                res.end(answer.body ?? "");
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const conn = () => ({
        apiUrl: url,
        namespace: "team-a",
        basicAuth: { user: "cdc", password: "api-pw-123" },
        secrets: ["kafka-pw-456"],
        retryDelayMs: 5,
    });
    const envelope = (code: string, msg: string) =>
        JSON.stringify({ error_msg: msg, error_code: code });

    it("sends the body losslessly, with namespace and basic auth", async () => {
        seen.length = 0;
        next = [{ status: 200, body: `{"id":"cf","state":"normal","checkpoint_ts":${TSO}}` }];
        const info = await createChangefeed(conn(), {
            changefeed_id: "cf",
            start_ts: u64(TSO),
            sink_uri: "kafka://k:1/t?protocol=canal-json",
        });
        expect(info.checkpoint_ts).toBe(449530440858189826n);
        expect(seen[0]).toMatchObject({
            method: "POST",
            url: "/api/v2/changefeeds?namespace=team-a",
            auth: `Basic ${Buffer.from("cdc:api-pw-123").toString("base64")}`,
        });
        expect(seen[0]?.body).toContain(`"start_ts":${TSO}`);
    });

    it("maps the envelope: code and message, operation named, secrets scrubbed", async () => {
        next = [
            {
                status: 500,
                body: envelope(
                    "CDC:ErrChangeFeedAlreadyExists",
                    "[CDC:ErrChangeFeedAlreadyExists]changefeed already exists, cf",
                ),
            },
        ];
        const err = await createChangefeed(conn(), { changefeed_id: "cf" }).catch(
            (e: unknown) => e,
        );
        expect(isTicdcError(err)).toBe(true);
        const e = err as TicdcError;
        expect(e.message).toMatch(
            /^TiCDC refused to create changefeed "cf": CDC:ErrChangeFeedAlreadyExists — \[CDC:ErrChangeFeedAlreadyExists\]changefeed already exists, cf \(HTTP 500 from POST http:\/\/127\.0\.0\.1:\d+\/api\/v2\/changefeeds\?namespace=team-a\)$/,
        );
        expect(e.errorCode).toBe("CDC:ErrChangeFeedAlreadyExists");
        expect(e.status).toBe(500);

        next = [
            {
                status: 400,
                body: envelope(
                    "CDC:ErrSinkURIInvalid",
                    "sink uri invalid kafka://k:1/t?sasl-password=kafka-pw-456 (auth api-pw-123)",
                ),
            },
        ];
        const scrubbed = (await createChangefeed(conn(), { changefeed_id: "cf" }).catch(
            (x: unknown) => x,
        )) as TicdcError;
        expect(scrubbed.message).not.toContain("kafka-pw-456");
        expect(scrubbed.message).not.toContain("api-pw-123");
        expect(scrubbed.errorCode).toBe("CDC:ErrSinkURIInvalid");
    });

    it("recognises not-found by code: GET → undefined, DELETE → success", async () => {
        const notFound = {
            status: 400,
            body: envelope(
                "CDC:ErrChangeFeedNotExists",
                "[CDC:ErrChangeFeedNotExists]changefeed not exists, cf",
            ),
        };
        next = [notFound, notFound];
        expect(await getChangefeed(conn(), "cf")).toBeUndefined();
        await expect(deleteChangefeed(conn(), "cf")).resolves.toBeUndefined();
        next = [notFound];
        const err = await resumeChangefeed(conn(), "cf").catch((e: unknown) => e);
        expect(isNotFound(err)).toBe(true);
    });

    it("retries transient answers, then reports them", async () => {
        seen.length = 0;
        next = [
            { status: 503, body: envelope("CDC:ErrServerIsNotReady", "not ready") },
            {
                status: 500,
                body: envelope("", "coordinator is not fully initialized, wait a moment"),
            },
            { status: 200, body: `{"id":"cf","state":"normal"}` },
        ];
        expect((await getChangefeed(conn(), "cf"))?.state).toBe("normal");
        expect(seen).toHaveLength(3);
        next = Array.from({ length: 5 }, () => ({
            status: 503,
            body: envelope(
                "CDC:ErrServerIsNotReady",
                "[CDC:ErrServerIsNotReady]server is not ready",
            ),
        }));
        await expect(getChangefeed(conn(), "cf")).rejects.toThrow(
            /TiCDC refused to read changefeed "cf": CDC:ErrServerIsNotReady/,
        );
    });

    it("reports a 5xx without envelope and a 401", async () => {
        next = [{ status: 502, body: "<html>bad gateway</html>" }];
        await expect(getChangefeed(conn(), "cf")).rejects.toThrow(
            /TiCDC failed to read changefeed "cf": <html>bad gateway<\/html> \(HTTP 502/,
        );
        next = [
            {
                status: 401,
                body: envelope("CDC:ErrUnauthorized", "[CDC:ErrUnauthorized]auth failed"),
            },
        ];
        await expect(deleteChangefeed(conn(), "cf")).rejects.toThrow(
            /TiCDC did not let us delete changefeed "cf": CDC:ErrUnauthorized/,
        );
    });

    it("treats a missing route as 'not supported'", async () => {
        next = [{ status: 404, body: "404 page not found" }];
        expect(await verifyTables("cf", conn(), { sink_uri: "kafka://k:1/t" })).toBeUndefined();
    });

    it("says clearly when TiCDC is down", async () => {
        const down = { apiUrl: "http://127.0.0.1:1", timeoutMs: 2000 };
        const err = (await getChangefeed(down, "cf").catch((e: unknown) => e)) as TicdcError;
        expect(err.unreachable).toBe(true);
        expect(err.message).toMatch(
            /^TiCDC at http:\/\/127\.0\.0\.1:1\/ could not be reached to read changefeed "cf": /,
        );
    });
});
