/**
 * A minimal HTTP client for tests of the emulator: sends JSON (bigints as plain integers) and
 * parses answers losslessly (integers → bigint), so TSOs can be compared exactly.
 */
import { goJson, type JsonValue, parseJson, toJsonValue } from "./json";

export interface ApiAnswer {
    status: number;
    text: string;
    /** Lossless parse of `text` (undefined when it is not JSON). */
    json: JsonValue | undefined;
}

export interface ApiCallOptions {
    /** Basic auth `user:password`. */
    auth?: { user: string; password: string };
    /** Sent as is (no JSON encoding); `undefined` body ⇒ no body. */
    raw?: string;
    contentType?: string;
}

export async function callApi(
    baseUrl: string,
    method: string,
    path: string,
    body?: unknown,
    options: ApiCallOptions = {},
): Promise<ApiAnswer> {
    const headers: Record<string, string> = { Accept: "application/json" };
    let payload: string | undefined = options.raw;
    if (payload === undefined && body !== undefined) payload = goJson(toJsonValue(body));
    if (payload !== undefined) headers["Content-Type"] = options.contentType ?? "application/json";
    if (options.auth) {
        headers.Authorization = `Basic ${Buffer.from(`${options.auth.user}:${options.auth.password}`).toString("base64")}`;
    }
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body: payload });
    const text = await res.text();
    let json: JsonValue | undefined;
    try {
        json = parseJson(text);
    } catch {
        json = undefined;
    }
    return { status: res.status, text, json };
}

/** `answer.json` as an object (throws otherwise). */
export function obj(answer: ApiAnswer): Record<string, JsonValue> {
    const j = answer.json;
    if (typeof j !== "object" || j === null || Array.isArray(j)) {
        throw new Error(`not a JSON object (HTTP ${answer.status}): ${answer.text}`);
    }
    return j;
}
