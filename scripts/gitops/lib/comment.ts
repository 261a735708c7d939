/**
 * Pull-request comment bodies: a stable hidden marker (so a workflow finds and updates its own
 * comment instead of adding one per run), a fenced block that fits GitHub's 65 536-character limit
 * (cut in the middle with a clear note, never mid-character), and the secret check.
 */

/** GitHub rejects issue and pull-request comments longer than this (characters). */
export const GITHUB_COMMENT_LIMIT = 65_536;

const MARKER_RE = /^<!-- tidb-cdc-pipeline:([a-z]+):([A-Za-z0-9._/-]+) -->$/;

/** `<!-- tidb-cdc-pipeline:preview:dev -->`: the first line of every comment the workflows post. */
export function commentMarker(kind: string, stack: string): string {
    const marker = `<!-- tidb-cdc-pipeline:${kind}:${stack} -->`;
    if (!MARKER_RE.test(marker)) throw new Error(`not a marker: ${marker}`);
    return marker;
}

/** The marker a body starts with, if it starts with one. */
export function markerOf(body: string): string | undefined {
    const first = body.split("\n", 1)[0]?.trimEnd() ?? "";
    return MARKER_RE.test(first) ? first : undefined;
}

/** Backticks for a code fence the text cannot close early: one more than its longest run. */
export function fenceFor(text: string): string {
    let longest = 0;
    for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
    return "`".repeat(Math.max(3, longest + 1));
}

/** Terminal colour and cursor sequences. */
export function stripAnsi(text: string): string {
    // eslint-disable-next-line no-control-regex
    return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "").replace(/\r\n?/g, "\n");
}

/** Moves a cut off the second half of a surrogate pair, so no character is split. */
function safeCut(text: string, index: number, direction: 1 | -1): number {
    let i = Math.max(0, Math.min(text.length, index));
    const low = (c: number) => c >= 0xdc00 && c <= 0xdfff;
    while (i > 0 && i < text.length && low(text.charCodeAt(i))) i += direction;
    return i;
}

/**
 * Fits `text` into `max` characters by keeping its beginning (60 %) and its end (40 %: where
 * Pulumi prints the summary and the errors), cut at line breaks where possible, with one line
 * saying how much was left out in between.
 */
export function truncateMiddle(text: string, max: number): { text: string; omitted: number } {
    if (text.length <= max) return { text, omitted: 0 };
    const note = (n: number) => `\n… ${n} characters omitted …\n`;
    const budget = max - note(text.length).length;
    if (budget <= 0) return { text: "", omitted: text.length };
    let headEnd = safeCut(text, Math.floor(budget * 0.6), -1);
    const lineEnd = text.lastIndexOf("\n", headEnd);
    if (lineEnd > headEnd * 0.5) headEnd = lineEnd + 1;
    let tailStart = safeCut(text, text.length - (budget - headEnd), 1);
    const lineStart = text.indexOf("\n", tailStart);
    if (lineStart !== -1 && lineStart - tailStart < (text.length - tailStart) * 0.5) {
        tailStart = lineStart + 1;
    }
    const omitted = tailStart - headEnd;
    const result =
        text.slice(0, headEnd).replace(/\n$/, "") + note(omitted) + text.slice(tailStart);
    return { text: result, omitted };
}

export interface CommentParts {
    marker: string;
    /** Markdown before the block: title, counts, tables. */
    head: string;
    /** The long text (preview output, manifest diff), fenced and cut to fit. */
    block?: { summary: string; text: string; language: string; open?: boolean };
    /** Markdown after the block. */
    footer: string;
    /** Said when the block had to be cut, e.g. where the whole text can be found. */
    truncatedNote: (omitted: number, total: number) => string;
}

/** Assembles a comment of at most `limit` characters; only the block is ever shortened. */
export function composeComment(parts: CommentParts, limit = GITHUB_COMMENT_LIMIT): string {
    const render = (text: string, omitted: number) => {
        const lines = [parts.marker, parts.head.trimEnd(), ""];
        if (parts.block) {
            const fence = fenceFor(text);
            lines.push(
                `<details${parts.block.open ? " open" : ""}><summary>${parts.block.summary}</summary>`,
                "",
                `${fence}${parts.block.language}`,
                text.replace(/\n+$/, ""),
                fence,
                "",
                "</details>",
                "",
            );
            if (omitted > 0) {
                lines.push(
                    `> [!NOTE]\n> ${parts.truncatedNote(omitted, parts.block.text.length)}`,
                    "",
                );
            }
        }
        lines.push(parts.footer.trimEnd());
        return `${lines.join("\n")}\n`;
    };
    const full = parts.block?.text ?? "";
    let body = render(full, 0);
    if (body.length <= limit) return body;
    if (!parts.block) throw new Error(`comment of ${body.length} characters has nothing to cut`);
    // The frame around the block, with the note at its longest, leaves this much for the text.
    let room = limit - (render("", full.length).length + 8);
    for (;;) {
        const cut = truncateMiddle(full, Math.max(0, room));
        body = render(cut.text, cut.omitted);
        if (body.length <= limit) return body;
        if (room <= 0) throw new Error("comment frame alone exceeds the limit");
        room -= body.length - limit; // a longer fence: shrink by the overshoot and retry
    }
}

export interface SecretValue {
    /** The config key (or variable) the value comes from: reported, never the value. */
    name: string;
    value: string;
}

/** Values shorter than this are not searched for (they would match ordinary words). */
export const MIN_SECRET_LENGTH = 4;

function forms(value: string): string[] {
    const escaped = JSON.stringify(value).slice(1, -1);
    return escaped === value ? [value] : [value, escaped];
}

/** Names of the secrets whose value (raw, or escaped as in a JSON string) occurs in the text. */
export function findSecretLeaks(text: string, secrets: readonly SecretValue[]): string[] {
    const names = new Set<string>();
    for (const secret of secrets) {
        if (secret.value.length < MIN_SECRET_LENGTH) continue;
        if (forms(secret.value).some((form) => text.includes(form))) names.add(secret.name);
    }
    return [...names].sort();
}

/** Replaces every occurrence of a secret value with `[secret]`, as Pulumi itself displays them. */
export function redactSecrets(text: string, secrets: readonly SecretValue[]): string {
    const all = secrets
        .filter((s) => s.value.length >= MIN_SECRET_LENGTH)
        .flatMap((s) => forms(s.value))
        .sort((a, b) => b.length - a.length);
    let result = text;
    for (const form of all) result = result.split(form).join("[secret]");
    return result;
}
