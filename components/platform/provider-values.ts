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

// Exported by list: the closure serializer loses `exports.X` references to exported constants.
export { UNKNOWN, containsUnknown, stableJson };
