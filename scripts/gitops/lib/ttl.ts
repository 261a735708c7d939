/**
 * The time-to-live rule of lab stacks. Pure: the clock is an argument.
 *
 * A stack is a lab stack only when it is explicitly marked: tag `tidb-cdc-pipeline:lab` = `true`.
 * Nothing else makes a stack a candidate for teardown (not its name, not its target), and the
 * protected environments (prod) are refused even when marked.
 *
 * `tidb-cdc-pipeline:ttl` is either
 *   - a duration counted from `tidb-cdc-pipeline:created-at`: one or more of `<n>w`, `<n>d`,
 *     `<n>h`, `<n>m` in that order (`90m`, `8h`, `3d`, `1d12h`), more than zero, at most 365 days;
 *   - or an absolute expiry: ISO 8601 with a time and a zone (`2026-05-01T18:00:00Z`,
 *     `2026-05-01T20:00+02:00`).
 * `created-at` is ISO 8601 with a zone as well (the mark command writes UTC).
 *
 * A lab stack is expired from its expiry instant on (now >= expiry: exactly at expiry is expired).
 * A lab stack with a missing or malformed tag, or a created-at in the future (beyond five minutes
 * of clock skew), is invalid: reported, never destroyed.
 */
import { TAGS } from "./stacks";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const UNITS: Record<string, number> = { w: 7 * DAY, d: DAY, h: HOUR, m: MINUTE };
export const MAX_TTL_MS = 365 * DAY;
export const CLOCK_SKEW_MS = 5 * MINUTE;

export type Ttl = { kind: "duration"; ms: number } | { kind: "absolute"; at: Date };

/** `8h` → 28 800 000; undefined when it is not a duration of this grammar. */
export function parseDuration(text: string): number | undefined {
    const match = /^(?:(\d{1,6})w)?(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,7})m)?$/.exec(text);
    if (!match || text === "") return undefined;
    const [, w, d, h, m] = match;
    return [w, d, h, m].reduce<number>((total, n, i) => {
        const unit = UNITS["wdhm"[i] as string] as number;
        return total + (n === undefined ? 0 : Number(n) * unit);
    }, 0);
}

/**
 * A strict ISO 8601 instant: date, time (minutes at least) and zone (Z or ±hh:mm); the calendar is
 * checked (no 31 April). Undefined otherwise: a bare date or a zoneless time is ambiguous.
 */
export function parseInstant(text: string): Date | undefined {
    const match =
        /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.exec(
            text,
        );
    if (!match) return undefined;
    const [, y, mo, d, h, mi, s = "0", frac = "", zone = "Z"] = match;
    const year = Number(y);
    const month = Number(mo);
    const day = Number(d);
    if (month < 1 || month > 12 || day < 1) return undefined;
    if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
    if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
    let offsetMinutes = 0;
    if (zone !== "Z") {
        const [oh, om] = zone.slice(1).split(":").map(Number) as [number, number];
        if (oh > 23 || om > 59) return undefined;
        offsetMinutes = (zone.startsWith("-") ? -1 : 1) * (oh * 60 + om);
    }
    const ms = frac === "" ? 0 : Math.floor(Number(`0${frac}`) * 1000);
    const utc = Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), ms);
    return new Date(utc - offsetMinutes * MINUTE);
}

export function parseTtl(text: string): Ttl | { error: string } {
    const ms = parseDuration(text);
    if (ms !== undefined) {
        if (ms <= 0) return { error: `ttl ${JSON.stringify(text)} is zero` };
        if (ms > MAX_TTL_MS) return { error: `ttl ${JSON.stringify(text)} is over 365 days` };
        return { kind: "duration", ms };
    }
    const at = parseInstant(text);
    if (at) return { kind: "absolute", at };
    return {
        error:
            `ttl ${JSON.stringify(text)} is neither a duration (e.g. 8h, 3d, 1d12h) ` +
            "nor an ISO 8601 instant with a zone (e.g. 2026-05-01T18:00:00Z)",
    };
}

export interface StackInfo {
    name: string;
    tags: Record<string, string>;
    /** Pulumi reports an update running on the stack (`updateInProgress`). */
    updateInProgress?: boolean;
}

export type LabDecision =
    | { stack: string; kind: "not-lab" }
    | { stack: string; kind: "invalid"; reason: string }
    | { stack: string; kind: "alive"; expiresAt: Date; remainingMs: number }
    | { stack: string; kind: "expired"; expiresAt: Date; overdueMs: number }
    /** Expired, but an update is running on it: left for the next run. */
    | { stack: string; kind: "busy"; expiresAt: Date };

export interface TtlOptions {
    protectedStacks: readonly string[];
}

function shortName(stack: string): string {
    return stack.split("/").pop() as string;
}

export function evaluateLabStack(info: StackInfo, now: Date, options: TtlOptions): LabDecision {
    const stack = info.name;
    const lab = info.tags[TAGS.lab];
    if (lab === undefined || lab === "false") return { stack, kind: "not-lab" };
    if (lab !== "true") {
        return {
            stack,
            kind: "invalid",
            reason: `${TAGS.lab} is ${JSON.stringify(lab)}: only "true" or "false"`,
        };
    }
    if (options.protectedStacks.includes(shortName(stack))) {
        return {
            stack,
            kind: "invalid",
            reason: `${shortName(stack)} is a protected environment and is never torn down`,
        };
    }
    const ttlText = info.tags[TAGS.ttl];
    if (ttlText === undefined || ttlText.trim() === "") {
        return { stack, kind: "invalid", reason: `marked lab but has no ${TAGS.ttl} tag` };
    }
    const ttl = parseTtl(ttlText.trim());
    if ("error" in ttl) return { stack, kind: "invalid", reason: ttl.error };

    let expiresAt: Date;
    if (ttl.kind === "absolute") {
        expiresAt = ttl.at;
    } else {
        const createdText = info.tags[TAGS.createdAt];
        if (createdText === undefined) {
            return {
                stack,
                kind: "invalid",
                reason: `ttl ${ttlText} is a duration but there is no ${TAGS.createdAt} tag`,
            };
        }
        const created = parseInstant(createdText.trim());
        if (!created) {
            return {
                stack,
                kind: "invalid",
                reason: `${TAGS.createdAt} ${JSON.stringify(createdText)} is not an ISO 8601 instant with a zone`,
            };
        }
        if (created.getTime() > now.getTime() + CLOCK_SKEW_MS) {
            return {
                stack,
                kind: "invalid",
                reason: `${TAGS.createdAt} ${createdText} is in the future`,
            };
        }
        expiresAt = new Date(created.getTime() + ttl.ms);
    }
    const delta = now.getTime() - expiresAt.getTime();
    if (delta < 0) return { stack, kind: "alive", expiresAt, remainingMs: -delta };
    if (info.updateInProgress) return { stack, kind: "busy", expiresAt };
    return { stack, kind: "expired", expiresAt, overdueMs: delta };
}

/** The expired stacks in teardown order: the longest expired first, then by name. */
export function teardownOrder(decisions: readonly LabDecision[]) {
    return decisions
        .filter((d): d is Extract<LabDecision, { kind: "expired" }> => d.kind === "expired")
        .sort(
            (a, b) =>
                a.expiresAt.getTime() - b.expiresAt.getTime() || a.stack.localeCompare(b.stack),
        );
}

/** `3h 5m`, `2d 4h`, `45s`: for the report. */
export function formatDuration(ms: number): string {
    const abs = Math.abs(ms);
    if (abs < MINUTE) return `${Math.round(abs / 1000)}s`;
    const d = Math.floor(abs / DAY);
    const h = Math.floor((abs % DAY) / HOUR);
    const m = Math.floor((abs % HOUR) / MINUTE);
    const parts = [d ? `${d}d` : "", h ? `${h}h` : "", !d && m ? `${m}m` : ""].filter(Boolean);
    return parts.join(" ") || "0m";
}

/** The created-at tag value for an instant: UTC, second precision. */
export function formatInstant(date: Date): string {
    return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
