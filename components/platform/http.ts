/**
 * The one HTTP client of the dynamic providers (TiCDC, Flink SQL Gateway, JobManager): JSON in
 * and out, a timeout on every call, and errors that say what was called and what came back, with
 * credentials never echoed.
 */

export interface HttpRequest {
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
    url: string;
    /** Serialized with `stringify` (JSON.stringify by default). */
    body?: unknown;
    /** Basic auth; sent as a header, never placed in the URL or in errors. */
    basicAuth?: { user: string; password: string };
    timeoutMs?: number;
    /** Lossless parsing for APIs with 64-bit numbers (TiCDC timestamps). */
    parse?: (text: string) => unknown;
    stringify?: (value: unknown) => string;
}

export interface HttpResponse {
    status: number;
    /** Parsed JSON, the raw text when it is not JSON, or undefined when empty. */
    body: unknown;
}

/** An HTTP call that failed: a non-2xx status, a timeout, or an unreachable service. */
export interface HttpError extends Error {
    name: "HttpError";
    /** The answer's status; undefined when nothing answered. */
    status: number | undefined;
    body: unknown;
}

/**
 * A plain Error with fields, not a subclass: the dynamic providers' closures are serialized, and
 * Pulumi turns classes into functions whose `super(message)` no longer sets `message`.
 */
export function httpError(message: string, status: number | undefined, body: unknown): HttpError {
    return Object.assign(new Error(message), { name: "HttpError" as const, status, body });
}

export function isHttpError(error: unknown): error is HttpError {
    return error instanceof Error && error.name === "HttpError";
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** The URL with any user:password removed, for messages. */
export function redactUrl(url: string): string {
    try {
        const parsed = new URL(url);
        if (parsed.username || parsed.password) {
            parsed.username = "***";
            parsed.password = "";
        }
        return parsed.toString();
    } catch {
        return url.replace(/\/\/[^/@]*@/, "//***@");
    }
}

/** Send a request; any status is returned (callers decide what 404 means). Throws on transport errors. */
export async function send(request: HttpRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (request.body !== undefined) headers["content-type"] = "application/json";
    if (request.basicAuth) {
        const token = Buffer.from(`${request.basicAuth.user}:${request.basicAuth.password}`);
        headers.authorization = `Basic ${token.toString("base64")}`;
    }
    const stringify = request.stringify ?? JSON.stringify;
    let response: Response;
    try {
        response = await fetch(request.url, {
            method: request.method,
            headers,
            body: request.body === undefined ? undefined : stringify(request.body),
            signal: AbortSignal.timeout(request.timeoutMs ?? DEFAULT_TIMEOUT_MS),
        });
    } catch (err) {
        const reason =
            err instanceof Error
                ? err.cause instanceof Error
                    ? err.cause.message
                    : err.message
                : String(err);
        throw httpError(
            `${request.method} ${redactUrl(request.url)} failed: ${reason} (is the service running and reachable?)`,
            undefined,
            undefined,
        );
    }
    const text = await response.text();
    let body: unknown = undefined;
    if (text.length > 0) {
        try {
            body = (request.parse ?? JSON.parse)(text);
        } catch {
            body = text;
        }
    }
    return { status: response.status, body };
}

/** Send a request and require a 2xx answer. */
export async function call(request: HttpRequest): Promise<HttpResponse> {
    const response = await send(request);
    if (response.status < 200 || response.status > 299) {
        throw httpError(
            `${request.method} ${redactUrl(request.url)} answered ${response.status}: ${excerpt(response.body)}`,
            response.status,
            response.body,
        );
    }
    return response;
}

function excerpt(body: unknown): string {
    // Bodies parsed losslessly may hold bigints, which JSON.stringify refuses.
    const text =
        typeof body === "string"
            ? body
            : JSON.stringify(body, (_key, value: unknown) =>
                  typeof value === "bigint" ? value.toString() : value,
              );
    if (text === undefined) return "(empty body)";
    return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/** Poll `check` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(
    what: string,
    check: () => Promise<T | undefined>,
    options: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
        const value = await check();
        if (value !== undefined) return value;
        if (Date.now() > deadline) {
            throw new Error(
                `timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${what}`,
            );
        }
        await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 1000));
    }
}
