/**
 * A small Docker Engine API client for the lab test: JSON over the engine's Unix socket with
 * Node's http module (no SDK, no CLI), plus the two binary formats the test needs: the tar archive
 * of an upload and the multiplexed stdout/stderr stream of logs and exec.
 *
 * Paths are unversioned, so the engine answers with its own API version (Debian's docker.io 20.10
 * speaks 1.41; the calls used here are the same in every version since 1.25).
 */
import * as http from "node:http";

export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

/** The engine's socket: DOCKER_HOST when it names a Unix socket (as the docker CLI reads it). */
export function dockerSocket(env: NodeJS.ProcessEnv = process.env): string {
    const host = env.DOCKER_HOST;
    if (host === undefined || host === "") return DEFAULT_DOCKER_SOCKET;
    if (!host.startsWith("unix://")) {
        throw new Error(
            `DOCKER_HOST=${host}: the lab test talks to a Unix socket (unix:///path) only`,
        );
    }
    return host.slice("unix://".length);
}

export class DockerApiError extends Error {
    constructor(
        readonly method: string,
        readonly path: string,
        readonly status: number,
        readonly body: string,
    ) {
        super(`Docker API ${method} ${path}: HTTP ${status}: ${DockerApiError.message(body)}`);
    }

    private static message(body: string): string {
        try {
            const parsed = JSON.parse(body) as { message?: unknown };
            if (typeof parsed.message === "string") return parsed.message;
        } catch {
            // not JSON: the raw text says it
        }
        return body.trim();
    }
}

export interface RequestOptions {
    /** Query parameters; `undefined` values are left out. */
    query?: Record<string, string | number | boolean | undefined>;
    /** A JSON body (objects) or raw bytes (Buffer, e.g. a tar archive). */
    body?: unknown;
    contentType?: string;
    /** Milliseconds without an answer before the request fails (default 60 s). */
    timeoutMs?: number;
}

export interface ExecResult {
    exitCode: number;
    stdout: string;
    stderr: string;
}

/** Splits the engine's multiplexed stream (8-byte frame headers) into stdout and stderr. */
export function demultiplex(raw: Buffer): { stdout: string; stderr: string; all: string } {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const all: Buffer[] = [];
    let offset = 0;
    while (offset + 8 <= raw.length) {
        const stream = raw[offset];
        const size = raw.readUInt32BE(offset + 4);
        const frame = raw.subarray(offset + 8, offset + 8 + size);
        (stream === 2 ? err : out).push(frame);
        all.push(frame);
        offset += 8 + size;
    }
    const text = (frames: Buffer[]) => Buffer.concat(frames).toString("utf8");
    return { stdout: text(out), stderr: text(err), all: text(all) };
}

/** One regular file as a POSIX ustar archive (what `PUT /containers/{id}/archive` takes). */
export function tarOneFile(path: string, content: string | Buffer, mode: number): Buffer {
    const data = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    // The engine joins the entry's name to the target directory; a leading slash is dropped by it
    // anyway, and ustar splits names longer than 100 bytes into prefix (155) + name (100).
    let name = path.replace(/^\/+/, "");
    let prefix = "";
    if (Buffer.byteLength(name) > 100) {
        const cut = name.lastIndexOf("/", 155);
        if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) {
            throw new Error(`upload path too long for a tar header: ${path}`);
        }
        prefix = name.slice(0, cut);
        name = name.slice(cut + 1);
    }
    const header = Buffer.alloc(512, 0);
    const field = (value: string, at: number, length: number) =>
        header.write(value, at, length, "utf8");
    const octal = (value: number, at: number, length: number) =>
        field(value.toString(8).padStart(length - 1, "0"), at, length - 1);
    field(name, 0, 100);
    octal(mode, 100, 8);
    octal(0, 108, 8); // uid: root, as the Pulumi/Terraform provider's archive (no owner set)
    octal(0, 116, 8); // gid
    octal(data.length, 124, 12);
    octal(Math.floor(Date.now() / 1000), 136, 12);
    field("        ", 148, 8); // checksum placeholder: spaces while summing
    field("0", 156, 1); // regular file
    field("ustar\u000000", 257, 8);
    field(prefix, 345, 155);
    let sum = 0;
    for (const byte of header) sum += byte;
    field(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, 8);
    const padding = Buffer.alloc((512 - (data.length % 512)) % 512, 0);
    return Buffer.concat([header, data, padding, Buffer.alloc(1024, 0)]);
}

export class DockerEngine {
    constructor(readonly socketPath = DEFAULT_DOCKER_SOCKET) {}

    /** Raw request; resolves with status and body bytes (no status check). */
    raw(
        method: string,
        path: string,
        options: RequestOptions = {},
    ): Promise<{ status: number; body: Buffer }> {
        const query = Object.entries(options.query ?? {})
            .filter(([, value]) => value !== undefined)
            .map(
                ([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`,
            )
            .join("&");
        const fullPath = query ? `${path}?${query}` : path;
        let payload: Buffer | undefined;
        let contentType = options.contentType;
        if (Buffer.isBuffer(options.body)) {
            payload = options.body;
        } else if (options.body !== undefined) {
            payload = Buffer.from(JSON.stringify(options.body), "utf8");
            contentType ??= "application/json";
        }
        return new Promise((resolve, reject) => {
            const req = http.request(
                {
                    socketPath: this.socketPath,
                    method,
                    path: fullPath,
                    // A fresh connection per call: exec and logs hijack theirs until the stream ends.
                    agent: false,
                    headers: {
                        Host: "docker",
                        ...(payload ? { "Content-Length": payload.length } : {}),
                        ...(contentType ? { "Content-Type": contentType } : {}),
                    },
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (chunk: Buffer) => chunks.push(chunk));
                    res.on("end", () =>
                        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }),
                    );
                    res.on("error", reject);
                },
            );
            req.setTimeout(options.timeoutMs ?? 60_000, () =>
                req.destroy(new Error(`Docker API ${method} ${fullPath}: no answer in time`)),
            );
            req.on("error", reject);
            req.end(payload);
        });
    }

    /** A request that must succeed (2xx); resolves with the parsed JSON body (or undefined). */
    async call<T = unknown>(
        method: string,
        path: string,
        options: RequestOptions = {},
    ): Promise<T> {
        const { status, body } = await this.raw(method, path, options);
        const text = body.toString("utf8");
        if (status < 200 || status >= 300) throw new DockerApiError(method, path, status, text);
        return (text.trim() === "" ? undefined : JSON.parse(text)) as T;
    }

    /** Whether an engine answers on the socket, with the reason when it does not. */
    async ping(): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
        try {
            const { status } = await this.raw("GET", "/_ping", { timeoutMs: 3000 });
            if (status !== 200) return { ok: false, reason: `GET /_ping answered HTTP ${status}` };
            const version = await this.call<{ Version: string; ApiVersion: string }>(
                "GET",
                "/version",
            );
            return { ok: true, version: `${version.Version} (API ${version.ApiVersion})` };
        } catch (error) {
            return { ok: false, reason: (error as Error).message };
        }
    }

    /** Output of a command in a running container (like `docker exec`), with its exit code. */
    async exec(container: string, cmd: string[], user?: string): Promise<ExecResult> {
        const created = await this.call<{ Id: string }>("POST", `/containers/${container}/exec`, {
            body: {
                AttachStdout: true,
                AttachStderr: true,
                Cmd: cmd,
                ...(user ? { User: user } : {}),
            },
        });
        const { status, body } = await this.raw("POST", `/exec/${created.Id}/start`, {
            body: { Detach: false, Tty: false },
            timeoutMs: 120_000,
        });
        if (status !== 200) {
            throw new DockerApiError("POST", `/exec/${created.Id}/start`, status, body.toString());
        }
        const inspect = await this.call<{ ExitCode: number | null }>(
            "GET",
            `/exec/${created.Id}/json`,
        );
        const { stdout, stderr } = demultiplex(body);
        return { exitCode: inspect.ExitCode ?? -1, stdout, stderr };
    }

    /** stdout and stderr of a container so far, interleaved as written (`docker logs`). */
    async logs(container: string, tail?: number): Promise<string> {
        const { status, body } = await this.raw("GET", `/containers/${container}/logs`, {
            query: { stdout: 1, stderr: 1, tail: tail ?? "all" },
        });
        if (status !== 200) {
            throw new DockerApiError(
                "GET",
                `/containers/${container}/logs`,
                status,
                body.toString(),
            );
        }
        return demultiplex(body).all;
    }
}
