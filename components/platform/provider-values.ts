/**
 * Helpers for dynamic-provider inputs. Kept free of Pulumi imports: provider code is serialized
 * with everything it references.
 */

/** What the engine passes to `check`/`diff` for an input that is not known yet (preview). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Whether a value, or anything inside it, is not known yet. */
function containsUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (value !== null && typeof value === "object") {
        return Object.values(value).some(containsUnknown);
    }
    return false;
}

/** JSON with sorted keys and undefined members dropped: equal values give equal text. */
function stableJson(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value)
            .filter(([, v]) => v !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
    }
    return JSON.stringify(value ?? null);
}

/**
 * A value as the engine's wire format can carry it: `undefined` object members dropped (they
 * mean "not set"), `undefined` array items as null. The dynamic-provider host hands results to
 * protobuf's `Struct.fromJavaScript`, which throws "Unexpected struct type." on any `undefined`.
 */
function wireValue(value: unknown): unknown {
    if (Array.isArray(value))
        return value.map((item) => (item === undefined ? null : wireValue(item)));
    if (value !== null && typeof value === "object") {
        const plain: Record<string, unknown> = {};
        for (const [key, member] of Object.entries(value)) {
            if (member !== undefined) plain[key] = wireValue(member);
        }
        return plain;
    }
    return value;
}

/**
 * The provider with the results of check, create, read and update made wire-safe (`wireValue`),
 * so an optional output left undefined cannot fail an operation that already happened.
 */
function wireSafe<P extends object>(provider: P): P {
    const safe = { ...provider } as Record<string, unknown>;
    for (const method of ["check", "create", "read", "update"]) {
        const original: unknown = (provider as Record<string, unknown>)[method];
        if (typeof original !== "function") continue;
        safe[method] = async (...args: unknown[]) =>
            wireValue(
                await (original as (...a: unknown[]) => Promise<unknown>).apply(provider, args),
            );
    }
    return safe as P;
}

// Exported by list: the closure serializer loses `exports.X` references to exported constants.
export { UNKNOWN, containsUnknown, stableJson, wireSafe, wireValue };
