/**
 * Secret checks for recorded resource inputs. Pulumi serializes a secret as an object carrying a
 * signature key and the value; such values are encrypted in state, everything else is plain.
 */

/** The signature key Pulumi serializes secrets with (the value sits beside it). */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** JSON paths where `needle` occurs in plain text, skipping values inside secret wrappers. */
export function plainTextPaths(value: unknown, needle: string, at = "$"): string[] {
    if (typeof value === "string") return value.includes(needle) ? [at] : [];
    if (value === null || typeof value !== "object") return [];
    if (SECRET_SIG in value) return [];
    return Object.entries(value).flatMap(([key, inner]) =>
        plainTextPaths(inner, needle, `${at}.${key}`),
    );
}

/** Every secret wrapper's plain value in a recorded value (to check what was kept secret). */
export function secretValues(value: unknown): unknown[] {
    if (value === null || typeof value !== "object") return [];
    if (SECRET_SIG in value) return [(value as { value?: unknown }).value];
    return Object.values(value).flatMap(secretValues);
}
