/**
 * The body of a stack's preview comment, from the output of `pulumi preview --diff`.
 *
 * The counts come from the summary Pulumi prints at the end of a preview:
 *
 *     Resources:
 *         + 3 to create
 *         ~ 1 to update
 *         +-1 to replace
 *         - 2 to delete
 *         6 changes. 4 unchanged
 *
 * one line per operation (`<symbol><count> to <op>`) and a last line with the total and the
 * unchanged count (`same`), the same map the Automation API reports as `changeSummary`.
 */
import { commentMarker, composeComment, GITHUB_COMMENT_LIMIT, stripAnsi } from "./comment";

export type ChangeSummary = Record<string, number>;

/** The operation counts of the last `Resources:` block, or undefined when there is none. */
export function parseChangeSummary(output: string): ChangeSummary | undefined {
    const lines = stripAnsi(output).split("\n");
    let start = -1;
    for (let i = lines.length - 1; i >= 0; i--) {
        if (lines[i]?.trim() === "Resources:") {
            start = i;
            break;
        }
    }
    if (start === -1) return undefined;
    const changes: ChangeSummary = {};
    for (const line of lines.slice(start + 1)) {
        if (!/^\s{2,}\S/.test(line)) break;
        const op = /^\s+(?:[^\s\d]{1,2} ?)?(\d+) to ([a-z][a-z-]*)\s*$/.exec(line);
        if (op) {
            changes[op[2] as string] = (changes[op[2] as string] ?? 0) + Number(op[1]);
            continue;
        }
        const same = /(?:^|\.\s)(\d+) unchanged\s*$/.exec(line.trim());
        if (same) changes.same = Number(same[1]);
    }
    return changes;
}

const ORDER = [
    "create",
    "update",
    "replace",
    "create-replacement",
    "delete-replaced",
    "delete",
    "import",
    "import-replacement",
    "discard",
    "discard-replaced",
    "remove-pending-replace",
];

/** The changing operations (everything but `same`) with a count, in a stable order. */
export function changedOps(changes: ChangeSummary): [string, number][] {
    const rank = (op: string) => {
        const i = ORDER.indexOf(op);
        return i === -1 ? ORDER.length : i;
    };
    return Object.entries(changes)
        .filter(([op, n]) => op !== "same" && n > 0)
        .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

export interface PreviewReport {
    stack: string;
    /** The preview exited 0. */
    ok: boolean;
    /** Undefined when the output had no summary (e.g. the preview failed early). */
    changes: ChangeSummary | undefined;
    /** The preview's output (stdout and stderr), already redacted. */
    output: string;
    commit?: string;
    runUrl?: string;
    /** Config keys whose secret value appeared in the output and was replaced by [secret]. */
    redacted?: string[];
    /** Why the preview did not run at all, when it did not. */
    notRun?: string;
}

export function previewMarker(stack: string): string {
    return commentMarker("preview", stack);
}

export function previewCommentBody(report: PreviewReport, limit = GITHUB_COMMENT_LIMIT): string {
    const ops = report.changes ? changedOps(report.changes) : [];
    const total = ops.reduce((sum, [, n]) => sum + n, 0);
    const same = report.changes?.same ?? 0;
    let status: string;
    let headline: string;
    if (report.notRun !== undefined) {
        status = "❌";
        headline = `**Preview not run:** ${report.notRun}`;
    } else if (!report.ok) {
        status = "❌";
        headline = "**Preview failed.** The end of the output below says why.";
    } else if (!report.changes) {
        status = "⚠️";
        headline = "Preview succeeded, but its output has no resource summary to count.";
    } else if (total === 0) {
        status = "✅";
        headline = `**No changes.** ${same} resource${same === 1 ? "" : "s"} unchanged.`;
    } else {
        status = "📝";
        headline =
            `**${total} change${total === 1 ? "" : "s"}:** ` +
            ops.map(([op, n]) => `${n} to ${op}`).join(", ") +
            (same ? `; ${same} unchanged.` : ".");
    }
    const head = [`### ${status} \`pulumi preview\` of stack \`${report.stack}\``, "", headline];
    if (ops.length > 0) {
        head.push("", "| operation | resources |", "| --- | ---: |");
        for (const [op, n] of ops) head.push(`| ${op} | ${n} |`);
        if (same) head.push(`| unchanged | ${same} |`);
    }
    if (report.redacted?.length) {
        head.push(
            "",
            "> [!WARNING]",
            `> The secret value of ${report.redacted.map((k) => `\`${k}\``).join(", ")} appeared ` +
                "in the output and was replaced with `[secret]` here. The preview job fails until " +
                "the program or provider that printed it is fixed.",
        );
    }
    const meta = [
        report.commit ? `commit \`${report.commit.slice(0, 12)}\`` : "",
        report.runUrl ? `[workflow run](${report.runUrl})` : "",
    ].filter(Boolean);
    const footer = [
        `<sub>${meta.length ? `${meta.join(" · ")} · ` : ""}` +
            "Secret values are shown as `[secret]`; this comment was checked against the stack's " +
            "secret configuration before it was posted. It is updated in place on every push.</sub>",
    ].join("\n");
    return composeComment(
        {
            marker: previewMarker(report.stack),
            head: head.join("\n"),
            block: report.notRun
                ? undefined
                : {
                      summary: "Output of <code>pulumi preview --diff</code>",
                      text: report.output,
                      language: "diff",
                      open: !report.ok,
                  },
            footer,
            truncatedNote: (omitted, totalChars) =>
                `The output was cut to fit GitHub's ${GITHUB_COMMENT_LIMIT}-character comment ` +
                `limit: ${omitted} of its ${totalChars} characters are left out above. ` +
                "The whole output is in the workflow run's log and its `preview-*` artifact.",
        },
        limit,
    );
}
