/**
 * A PD-like timestamp oracle: `tso = (physical_ms << 18) | logical`, strictly increasing.
 * Current values are ≈ 4.6e17, well above 2^53, which is the point: every TSO the emulator hands
 * out would be corrupted by a client that parses JSON numbers into doubles.
 */
export const LOGICAL_BITS = 18n;

export function composeTs(physicalMs: number | bigint, logical: number | bigint = 0): bigint {
    return (BigInt(physicalMs) << LOGICAL_BITS) | BigInt(logical);
}

export function physicalMs(ts: bigint): number {
    return Number(ts >> LOGICAL_BITS);
}

export class Tso {
    private last = 0n;

    constructor(private readonly clock: () => number = Date.now) {}

    /** A fresh TSO, greater than every TSO handed out before. */
    next(): bigint {
        const candidate = composeTs(this.clock());
        this.last = candidate > this.last ? candidate : this.last + 1n;
        return this.last;
    }

    /** The latest TSO handed out (0 before the first). */
    peek(): bigint {
        return this.last;
    }
}

/** `model.JSONTime`: `2006-01-02 15:04:05.000` in the server's local time zone. */
export function jsonTime(ts: bigint): string {
    return localTime(new Date(physicalMs(ts)));
}

export function localTime(d: Date): string {
    const pad = (n: number, w = 2) => String(n).padStart(w, "0");
    return (
        `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
        `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
    );
}

/** Go `time.Time` JSON (RFC 3339 with trimmed nanoseconds and the local offset, `Z` for UTC). */
export function rfc3339(d: Date): string {
    const pad = (n: number, w = 2) => String(n).padStart(w, "0");
    const offsetMin = -d.getTimezoneOffset();
    const frac =
        d.getMilliseconds() === 0 ? "" : `.${pad(d.getMilliseconds(), 3).replace(/0+$/, "")}`;
    const zone =
        offsetMin === 0
            ? "Z"
            : `${offsetMin > 0 ? "+" : "-"}${pad(Math.floor(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)}`;
    return (
        `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T` +
        `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${frac}${zone}`
    );
}
