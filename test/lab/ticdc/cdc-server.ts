/**
 * `/cdc` of the lab test's TiCDC stand-in image (scripts/docker/images/ticdc): the TiCDC Open API
 * emulator (test/emulator/ticdc) as a server process, started with TiCDC's own command line
 * (`/cdc server --addr=0.0.0.0:8300 --advertise-addr=ticdc:8300 --pd=… --data-dir=…`, as the lab
 * stack gives it), producing canal-json to the real Kafka brokers named in sink URIs.
 *
 * The emulator binds 127.0.0.1 (it is an in-process test tool), so this wrapper listens on
 * `--addr` and forwards every request to it unchanged. It adds what the emulator's in-process
 * hooks offer to a test that cannot reach the process:
 *
 * | route                  | what                                                                      |
 * | ---------------------- | ------------------------------------------------------------------------- |
 * | `GET /status`          | TiCDC's node liveness route (the lab's health check); the emulator's status |
 * | `POST /_lab/tables`    | `defineTable` (a `TableDefinition`); answers `{ commitTs }`               |
 * | `POST /_lab/rows`      | `insertRow` (`{ schema, table, rows }`, one transaction); `{ commitTs }`  |
 * | `POST /_lab/flush`     | `flush` (`{ timeoutMs? }`): every changefeed delivered what is upstream   |
 * | `GET /_lab/report`     | `{ violations, unsupported, changefeeds }` (swagger contract checks)     |
 *
 * `/_lab/*` is not a TiCDC route; nothing of the lab stack calls it.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import {
    startTicdcEmulator,
    type TableDefinition,
    type TicdcEmulator,
    type RowValues,
} from "../../emulator/ticdc";

export interface CdcServerOptions {
    /** `--addr`: where this server listens (host `0.0.0.0` in a container). */
    host: string;
    port: number;
    /** `--advertise-addr`; logged only (the emulator reports its own loopback address). */
    advertiseAddr?: string;
    /** `--pd`: PD endpoints; there is no PD behind the emulator, so they are logged only. */
    pd: string[];
    /** `version` in /status and `creator_version`. */
    version: string;
}

/** Parses TiCDC's `server` command line (the flags the lab stack passes; others are refused). */
export function parseCdcArgs(argv: readonly string[], version: string): CdcServerOptions {
    const [command, ...flags] = argv;
    if (command !== "server") {
        throw new Error(
            `usage: cdc server --addr=<host:port> [--advertise-addr=<host:port>] [--pd=<urls>] [--data-dir=<dir>] (got: ${argv.join(" ") || "no arguments"})`,
        );
    }
    const values = new Map<string, string>();
    for (const flag of flags) {
        const match = /^--([a-z-]+)=(.*)$/.exec(flag);
        if (!match?.[1] || match[2] === undefined) throw new Error(`unsupported argument ${flag}`);
        if (!["addr", "advertise-addr", "pd", "data-dir", "log-level"].includes(match[1])) {
            throw new Error(`flag --${match[1]} is not supported by the TiCDC emulator`);
        }
        values.set(match[1], match[2]);
    }
    const addr = values.get("addr") ?? "127.0.0.1:8300";
    const at = addr.lastIndexOf(":");
    const port = Number(addr.slice(at + 1));
    if (at < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
        throw new Error(`--addr=${addr} is not host:port`);
    }
    return {
        host: addr.slice(0, at) || "0.0.0.0",
        port,
        advertiseAddr: values.get("advertise-addr"),
        pd: (values.get("pd") ?? "").split(",").filter((url) => url !== ""),
        version,
    };
}

export interface CdcServer {
    emulator: TicdcEmulator;
    /** The port this server listens on (useful with port 0). */
    port: number;
    close(): Promise<void>;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body, (_key, value: unknown) =>
        typeof value === "bigint" ? value.toString() : value,
    );
    res.writeHead(status, {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Length": Buffer.byteLength(text),
    });
    res.end(text);
}

/** Forwards one request to the emulator as it came (method, path, headers, body bytes). */
function forward(
    emulatorPort: number,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path = req.url ?? "/",
): void {
    const upstream = http.request(
        {
            host: "127.0.0.1",
            port: emulatorPort,
            method: req.method,
            path,
            headers: { ...req.headers, host: `127.0.0.1:${emulatorPort}` },
        },
        (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
        },
    );
    upstream.on("error", (error) => sendJson(res, 502, { error_msg: error.message }));
    req.pipe(upstream);
}

interface RowsRequest {
    schema: string;
    table: string;
    rows: RowValues[];
}

async function control(
    emulator: TicdcEmulator,
    method: string,
    route: string,
    body: string,
): Promise<{ status: number; body: unknown }> {
    const json = (): unknown => (body === "" ? {} : JSON.parse(body));
    if (method === "POST" && route === "tables") {
        return { status: 200, body: { commitTs: emulator.defineTable(json() as TableDefinition) } };
    }
    if (method === "POST" && route === "rows") {
        const { schema, table, rows } = json() as RowsRequest;
        return { status: 200, body: { commitTs: emulator.insertRow(schema, table, rows) } };
    }
    if (method === "POST" && route === "flush") {
        const { timeoutMs } = json() as { timeoutMs?: number };
        await emulator.flush(timeoutMs);
        return { status: 200, body: {} };
    }
    if (method === "GET" && route === "report") {
        return {
            status: 200,
            body: {
                violations: emulator.violations,
                unsupported: emulator.unsupported,
            },
        };
    }
    return { status: 404, body: { error_msg: `no lab control route ${method} /_lab/${route}` } };
}

/** Starts the emulator (real Kafka) and the server in front of it. */
export async function startCdcServer(options: CdcServerOptions): Promise<CdcServer> {
    const emulator = await startTicdcEmulator({ kafka: { real: {} }, version: options.version });
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://cdc");
        const method = (req.method ?? "GET").toUpperCase();
        if (url.pathname === "/status" && method === "GET") {
            // TiCDC's liveness route; the emulator serves the same body under the Open API.
            forward(emulator.port, req, res, "/api/v2/status");
            return;
        }
        if (url.pathname.startsWith("/_lab/")) {
            void readBody(req)
                .then((body) => control(emulator, method, url.pathname.slice(6), body))
                .then((answer) => sendJson(res, answer.status, answer.body))
                .catch((error: unknown) =>
                    sendJson(res, 400, { error_msg: (error as Error).message }),
                );
            return;
        }
        forward(emulator.port, req, res);
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port, options.host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    return {
        emulator,
        port,
        async close() {
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
            await emulator.close();
        },
    };
}

async function main(): Promise<void> {
    const version = process.env.TICDC_EMULATOR_VERSION ?? "v8.5.7";
    const options = parseCdcArgs(process.argv.slice(2), version);
    const server = await startCdcServer(options);
    console.log(
        `TiCDC Open API emulator ${version} listening on ${options.host}:${server.port}` +
            ` (advertised as ${options.advertiseAddr ?? "-"}; PD ${options.pd.join(",") || "-"} is not contacted)`,
    );
    const stop = (signal: string) => {
        console.log(`${signal}: stopping`);
        void server.close().then(() => process.exit(0));
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
}

if (require.main === module) {
    main().catch((error: unknown) => {
        console.error((error as Error).message);
        process.exit(1);
    });
}
