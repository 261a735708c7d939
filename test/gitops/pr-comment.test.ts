import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GITHUB_COMMENT_LIMIT } from "../../scripts/gitops/lib/comment";
import { main } from "../../scripts/gitops/pr-comment";
import { REPO, runMainInProcess, tempDir } from "./support";

/** A GitHub REST API for issue comments, in memory, on loopback. */
interface Comment {
    id: number;
    body: string;
    user: { login: string };
}
const state = {
    comments: [] as Comment[],
    nextId: 1000,
    requests: [] as string[],
    failWith: 0,
    auth: "",
};
let server: http.Server;
let apiUrl = "";

beforeAll(async () => {
    server = http.createServer((req, res) => {
        let data = "";
        req.on("data", (chunk: Buffer) => (data += chunk.toString()));
        req.on("end", () => {
            const url = new URL(req.url ?? "/", "http://x");
            state.requests.push(`${req.method} ${url.pathname}${url.search}`);
            state.auth = req.headers.authorization ?? "";
            const reply = (status: number, body?: unknown) => {
                res.writeHead(status, { "Content-Type": "application/json" });
                res.end(body === undefined ? "" : JSON.stringify(body));
            };
            if (state.failWith)
                return reply(state.failWith, { message: "Resource not accessible by integration" });
            const list = /^\/repos\/acme\/pipeline\/issues\/7\/comments$/.exec(url.pathname);
            const one = /^\/repos\/acme\/pipeline\/issues\/comments\/(\d+)$/.exec(url.pathname);
            if (list && req.method === "GET") {
                const perPage = Number(url.searchParams.get("per_page"));
                const page = Number(url.searchParams.get("page"));
                return reply(200, state.comments.slice((page - 1) * perPage, page * perPage));
            }
            if (list && req.method === "POST") {
                const comment = {
                    id: state.nextId++,
                    body: (JSON.parse(data) as { body: string }).body,
                    user: { login: "github-actions[bot]" },
                };
                state.comments.push(comment);
                return reply(201, comment);
            }
            const target = one ? state.comments.find((c) => c.id === Number(one[1])) : undefined;
            if (target && req.method === "PATCH") {
                target.body = (JSON.parse(data) as { body: string }).body;
                return reply(200, target);
            }
            if (target && req.method === "DELETE") {
                state.comments = state.comments.filter((c) => c !== target);
                return reply(204);
            }
            return reply(404, { message: "Not Found" });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
    state.comments = [];
    state.requests = [];
    state.failWith = 0;
});

const MARKER = "<!-- tidb-cdc-pipeline:preview:dev -->";

function bodyFile(body: string): string {
    const file = path.join(tempDir(), "comment.md");
    fs.writeFileSync(file, body);
    return file;
}

/** Spawned asynchronously: the fake API runs in this process and must keep answering. */
function postComment(args: string[], env: Record<string, string> = {}) {
    return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(
            path.join(REPO, "node_modules", ".bin", "tsx"),
            [path.join(REPO, "scripts", "gitops", "pr-comment.ts"), ...args],
            {
                cwd: REPO,
                env: {
                    PATH: process.env.PATH,
                    GITHUB_TOKEN: "ghs_test",
                    GITHUB_REPOSITORY: "acme/pipeline",
                    GITHUB_API_URL: apiUrl,
                    ...env,
                },
            },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
}

function seed(body: string, login = "github-actions[bot]"): Comment {
    const comment = { id: state.nextId++, body, user: { login } };
    state.comments.push(comment);
    return comment;
}

describe("pr-comment.ts", () => {
    it("creates the comment when there is none, with the token", async () => {
        const result = await postComment([
            "--pr",
            "7",
            "--body-file",
            bodyFile(`${MARKER}\nfirst`),
        ]);
        expect(result.code, result.stderr).toBe(0);
        expect(state.comments.map((c) => c.body)).toEqual([`${MARKER}\nfirst`]);
        expect(state.auth).toBe("Bearer ghs_test");
        expect(result.stdout).toMatch(
            /^<!-- tidb-cdc-pipeline:preview:dev -->: created comment \d+ on #7\n$/,
        );
    });

    it("updates its own comment in place on the next run", async () => {
        const mine = seed(`${MARKER}\nold`);
        const result = await postComment(["--pr", "7", "--body-file", bodyFile(`${MARKER}\nnew`)]);
        expect(result.code).toBe(0);
        expect(state.comments).toEqual([{ ...mine, body: `${MARKER}\nnew` }]);
        expect(state.requests.filter((r) => !r.startsWith("GET"))).toEqual([
            `PATCH /repos/acme/pipeline/issues/comments/${mine.id}`,
        ]);
    });

    it("leaves other comments alone: a person quoting the marker, another stack's, one mid-body", async () => {
        const human = seed(`${MARKER}\nI copied this`, "alice");
        const prod = seed("<!-- tidb-cdc-pipeline:preview:prod -->\nprod");
        const quoted = seed(`text\n${MARKER}`);
        const result = await postComment(["--pr", "7", "--body-file", bodyFile(`${MARKER}\ndev`)]);
        expect(result.code).toBe(0);
        expect(state.comments.slice(0, 3)).toEqual([human, prod, quoted]);
        expect(state.comments).toHaveLength(4);
    });

    it("an identical body is not written again; duplicates from a race are removed", async () => {
        const first = seed(`${MARKER}\nsame`);
        const second = seed(`${MARKER}\nduplicate`);
        const result = await postComment(["--pr", "7", "--body-file", bodyFile(`${MARKER}\nsame`)]);
        expect(result.code).toBe(0);
        expect(state.comments).toEqual([first]);
        expect(result.stdout).toContain(
            `unchanged comment ${first.id} on #7; removed duplicates ${second.id}`,
        );
        expect(state.requests.some((r) => r.startsWith("PATCH"))).toBe(false);
    });

    it("finds its comment beyond the first page of 100", async () => {
        for (let i = 0; i < 130; i++) seed(`chatter ${i}`, "bob");
        const mine = seed(`${MARKER}\nold`);
        const result = await postComment(["--pr", "7", "--body-file", bodyFile(`${MARKER}\nnew`)]);
        expect(result.code).toBe(0);
        expect(state.comments.find((c) => c.id === mine.id)?.body).toBe(`${MARKER}\nnew`);
        expect(state.comments).toHaveLength(131);
        expect(state.requests.filter((r) => r.startsWith("GET"))).toEqual([
            "GET /repos/acme/pipeline/issues/7/comments?per_page=100&page=1",
            "GET /repos/acme/pipeline/issues/7/comments?per_page=100&page=2",
        ]);
    });

    it("an API failure exits 1 with GitHub's message", async () => {
        state.failWith = 403;
        const result = await postComment(["--pr", "7", "--body-file", bodyFile(`${MARKER}\nx`)]);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain("403 Resource not accessible by integration");
    });

    it("usage errors exit 2 and call nothing", async () => {
        const good = bodyFile(`${MARKER}\nx`);
        const cases: [string[], Record<string, string>, string][] = [
            [["--body-file", good], {}, "--pr is required"],
            [["--pr", "seven", "--body-file", good], {}, "is not a number"],
            [
                ["--pr", "7", "--body-file", bodyFile("no marker")],
                {},
                "does not start with a tidb-cdc-pipeline marker",
            ],
            [["--pr", "7", "--body-file", "/nonexistent/comment.md"], {}, "no body file"],
            [
                [
                    "--pr",
                    "7",
                    "--body-file",
                    bodyFile(`${MARKER}\n${"x".repeat(GITHUB_COMMENT_LIMIT)}`),
                ],
                {},
                "GitHub takes 65536",
            ],
            [["--pr", "7", "--body-file", good], { GITHUB_TOKEN: "" }, "GITHUB_TOKEN is not set"],
            [["--pr", "7", "--body-file", good], { GITHUB_REPOSITORY: "" }, "GITHUB_REPOSITORY"],
        ];
        const env = (extra: Record<string, string>) => ({
            PATH: process.env.PATH ?? "",
            GITHUB_TOKEN: "ghs_test",
            GITHUB_REPOSITORY: "acme/pipeline",
            GITHUB_API_URL: apiUrl,
            ...extra,
        });
        for (const [args, extra, message] of cases) {
            const result = await runMainInProcess(main, args, { env: env(extra) });
            expect(result.code, message).toBe(2);
            expect(result.stderr).toContain(message);
        }
        expect(
            (await postComment(["--pr", "7", "--body-file", good], { GITHUB_TOKEN: "" })).code,
        ).toBe(2);
        expect(state.requests).toEqual([]);
    });
});
