import { describe, expect, it } from "vitest";
import { TAGS } from "../../scripts/gitops/lib/stacks";
import {
    evaluateLabStack,
    formatDuration,
    formatInstant,
    type LabDecision,
    parseDuration,
    parseInstant,
    parseTtl,
    teardownOrder,
} from "../../scripts/gitops/lib/ttl";

const H = 3_600_000;
const NOW = new Date("2026-03-10T12:00:00Z");
const options = { protectedStacks: ["prod"] };

function lab(
    name: string,
    tags: Record<string, string>,
    extra: { updateInProgress?: boolean } = {},
) {
    return { name, tags: { [TAGS.lab]: "true", ...tags }, ...extra };
}

function decide(tags: Record<string, string>, now = NOW, name = "lab-a"): LabDecision {
    return evaluateLabStack(lab(name, tags), now, options);
}

describe("parseDuration", () => {
    it.each([
        ["90m", 1.5 * H],
        ["8h", 8 * H],
        ["3d", 72 * H],
        ["1w", 168 * H],
        ["1d12h", 36 * H],
        ["2w1d3h15m", (14 * 24 + 24 + 3.25) * H],
        ["0h", 0],
    ])("%s = %d ms", (text, ms) => {
        expect(parseDuration(text)).toBe(ms);
    });

    it.each(["", "8", "h", "8H", "8 h", "-8h", "1.5h", "12h1d", "8hours", "8h ", "P1D", "1d1d"])(
        "%j is not a duration",
        (text) => {
            expect(parseDuration(text)).toBeUndefined();
        },
    );
});

describe("parseInstant", () => {
    it("takes ISO 8601 with a zone, to the millisecond", () => {
        expect(parseInstant("2026-03-10T12:00:00Z")?.toISOString()).toBe(
            "2026-03-10T12:00:00.000Z",
        );
        expect(parseInstant("2026-03-10T14:30+02:00")?.toISOString()).toBe(
            "2026-03-10T12:30:00.000Z",
        );
        expect(parseInstant("2026-03-10T07:00:00.250-05:00")?.toISOString()).toBe(
            "2026-03-10T12:00:00.250Z",
        );
        expect(parseInstant("2024-02-29T00:00:00Z")?.toISOString()).toBe(
            "2024-02-29T00:00:00.000Z",
        );
    });

    it.each([
        "2026-03-10", // no time: which zone?
        "2026-03-10T12:00:00", // no zone
        "2026-02-29T00:00:00Z", // not a leap year
        "2026-04-31T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-03-10T24:00:00Z",
        "2026-03-10T12:60:00Z",
        "2026-03-10 12:00:00Z",
        "yesterday",
        "1773144000",
    ])("%s is not an instant", (text) => {
        expect(parseInstant(text)).toBeUndefined();
    });

    it("formatInstant writes what parseInstant reads back (UTC, seconds)", () => {
        const text = formatInstant(new Date("2026-03-10T12:34:56.789Z"));
        expect(text).toBe("2026-03-10T12:34:56Z");
        expect(parseInstant(text)?.getTime()).toBe(Date.parse("2026-03-10T12:34:56Z"));
    });
});

describe("parseTtl", () => {
    it("a duration, or an absolute expiry", () => {
        expect(parseTtl("8h")).toEqual({ kind: "duration", ms: 8 * H });
        expect(parseTtl("2026-03-11T00:00:00Z")).toEqual({
            kind: "absolute",
            at: new Date("2026-03-11T00:00:00Z"),
        });
    });

    it("zero, over a year, and anything else are errors that say what is accepted", () => {
        expect(parseTtl("0h")).toEqual({ error: 'ttl "0h" is zero' });
        expect(parseTtl("53w")).toEqual({ error: 'ttl "53w" is over 365 days' });
        expect(parseTtl("366d")).toHaveProperty("error");
        expect(parseTtl("365d")).toEqual({ kind: "duration", ms: 365 * 24 * H });
        expect(parseTtl("tomorrow")).toEqual({
            error: 'ttl "tomorrow" is neither a duration (e.g. 8h, 3d, 1d12h) nor an ISO 8601 instant with a zone (e.g. 2026-05-01T18:00:00Z)',
        });
    });
});

describe("evaluateLabStack: who is a candidate", () => {
    it("no lab tag: not a lab stack, whatever else it carries (even an expired ttl)", () => {
        const info = {
            name: "dev",
            tags: { [TAGS.ttl]: "1h", [TAGS.createdAt]: "2020-01-01T00:00:00Z" },
        };
        expect(evaluateLabStack(info, NOW, options)).toEqual({ stack: "dev", kind: "not-lab" });
        expect(evaluateLabStack({ name: "x", tags: {} }, NOW, options).kind).toBe("not-lab");
    });

    it("lab=false: not a lab stack", () => {
        expect(decide({ [TAGS.lab]: "false", [TAGS.ttl]: "1h" }).kind).toBe("not-lab");
    });

    it.each(["TRUE", "yes", "1", ""])("lab=%j is invalid, not silently ignored", (value) => {
        const decision = decide({ [TAGS.lab]: value, [TAGS.ttl]: "1h" });
        expect(decision).toMatchObject({ kind: "invalid" });
        expect(decision.kind === "invalid" && decision.reason).toContain('only "true" or "false"');
    });

    it("a protected environment marked lab is refused (also org-qualified)", () => {
        const expired = { [TAGS.ttl]: "1h", [TAGS.createdAt]: "2020-01-01T00:00:00Z" };
        expect(decide(expired, NOW, "prod")).toEqual({
            stack: "prod",
            kind: "invalid",
            reason: "prod is a protected environment and is never torn down",
        });
        expect(decide(expired, NOW, "acme/tidb-cdc-pipeline/prod").kind).toBe("invalid");
        expect(decide(expired, NOW, "prod-like-lab").kind).toBe("expired");
    });
});

describe("evaluateLabStack: the tags", () => {
    it("no ttl tag, or an empty one: invalid", () => {
        expect(decide({})).toEqual({
            stack: "lab-a",
            kind: "invalid",
            reason: `marked lab but has no ${TAGS.ttl} tag`,
        });
        expect(decide({ [TAGS.ttl]: "  " }).kind).toBe("invalid");
    });

    it("a bad ttl: invalid with the parser's reason", () => {
        expect(
            decide({ [TAGS.ttl]: "8 hours", [TAGS.createdAt]: "2026-03-10T00:00:00Z" }),
        ).toMatchObject({
            kind: "invalid",
            reason: expect.stringContaining('"8 hours" is neither a duration') as unknown,
        });
        expect(decide({ [TAGS.ttl]: "0m", [TAGS.createdAt]: "2026-03-10T00:00:00Z" }).kind).toBe(
            "invalid",
        );
    });

    it("a duration needs a valid created-at", () => {
        expect(decide({ [TAGS.ttl]: "8h" })).toMatchObject({
            kind: "invalid",
            reason: `ttl 8h is a duration but there is no ${TAGS.createdAt} tag`,
        });
        expect(decide({ [TAGS.ttl]: "8h", [TAGS.createdAt]: "last tuesday" })).toMatchObject({
            kind: "invalid",
        });
        expect(decide({ [TAGS.ttl]: "8h", [TAGS.createdAt]: "2026-03-10T00:00:00" }).kind).toBe(
            "invalid",
        );
    });

    it("a created-at in the future beyond 5 minutes of skew is invalid (it would never expire)", () => {
        const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();
        expect(decide({ [TAGS.ttl]: "1h", [TAGS.createdAt]: at(5 * 60_000) }).kind).toBe("alive");
        expect(decide({ [TAGS.ttl]: "1h", [TAGS.createdAt]: at(5 * 60_000 + 1) })).toMatchObject({
            kind: "invalid",
            reason: expect.stringContaining("is in the future") as unknown,
        });
    });

    it("an absolute expiry needs no created-at", () => {
        expect(decide({ [TAGS.ttl]: "2026-03-10T11:00:00Z" })).toMatchObject({
            kind: "expired",
            overdueMs: H,
        });
        expect(decide({ [TAGS.ttl]: "2026-03-10T13:00+02:00" })).toMatchObject({
            kind: "expired",
            overdueMs: 60 * 60_000,
        });
        expect(decide({ [TAGS.ttl]: "2026-03-10T15:00:00Z" })).toMatchObject({
            kind: "alive",
            remainingMs: 3 * H,
        });
    });

    it("tag values are trimmed", () => {
        expect(
            decide({ [TAGS.ttl]: " 8h ", [TAGS.createdAt]: " 2026-03-10T00:00:00Z " }).kind,
        ).toBe("expired");
    });
});

describe("evaluateLabStack: the clock", () => {
    const tags = { [TAGS.ttl]: "8h", [TAGS.createdAt]: "2026-03-10T04:00:00Z" }; // expires 12:00

    it("exactly at expiry: expired", () => {
        expect(decide(tags, new Date("2026-03-10T12:00:00.000Z"))).toEqual({
            stack: "lab-a",
            kind: "expired",
            expiresAt: new Date("2026-03-10T12:00:00Z"),
            overdueMs: 0,
        });
    });

    it("one millisecond before: alive, with the time left", () => {
        expect(decide(tags, new Date("2026-03-10T11:59:59.999Z"))).toEqual({
            stack: "lab-a",
            kind: "alive",
            expiresAt: new Date("2026-03-10T12:00:00Z"),
            remainingMs: 1,
        });
    });

    it("long after: expired, with how long ago", () => {
        expect(decide(tags, new Date("2026-03-12T12:00:00Z"))).toMatchObject({
            kind: "expired",
            overdueMs: 48 * H,
        });
    });

    it("expired while an update runs on it: busy, left for the next run", () => {
        const info = lab("lab-a", tags, { updateInProgress: true });
        expect(evaluateLabStack(info, NOW, options)).toEqual({
            stack: "lab-a",
            kind: "busy",
            expiresAt: new Date("2026-03-10T12:00:00Z"),
        });
        // An update on a stack that is not expired does not matter.
        expect(evaluateLabStack(info, new Date("2026-03-10T11:00:00Z"), options).kind).toBe(
            "alive",
        );
    });
});

describe("teardownOrder", () => {
    it("only the expired, the longest expired first, ties by name", () => {
        const tags = (created: string) => ({ [TAGS.ttl]: "1h", [TAGS.createdAt]: created });
        const decisions = [
            decide(tags("2026-03-10T09:00:00Z"), NOW, "lab-c"),
            decide(tags("2026-03-10T08:00:00Z"), NOW, "lab-b"),
            decide(tags("2026-03-10T09:00:00Z"), NOW, "lab-a"),
            decide(tags("2026-03-10T11:30:00Z"), NOW, "lab-alive"),
            decide({}, NOW, "lab-invalid"),
        ];
        expect(teardownOrder(decisions).map((d) => d.stack)).toEqual(["lab-b", "lab-a", "lab-c"]);
    });
});

describe("formatDuration", () => {
    it.each([
        [45_000, "45s"],
        [5 * 60_000, "5m"],
        [3 * H + 5 * 60_000, "3h 5m"],
        [50 * H + 7 * 60_000, "2d 2h"],
        [0, "0s"],
    ])("%d ms → %s", (ms, text) => {
        expect(formatDuration(ms)).toBe(text);
    });
});
