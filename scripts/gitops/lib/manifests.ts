/**
 * The rendered Kubernetes manifests of a pull request against those of its base: which files were
 * added, removed or changed, and the comment that shows it with the unified diff.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { commentMarker, composeComment, GITHUB_COMMENT_LIMIT } from "./comment";

/** Every file under `dir` (relative path with / → content); empty when `dir` does not exist. */
export function readTree(dir: string): Map<string, string> {
    const files = new Map<string, string>();
    const walk = (at: string) => {
        for (const entry of fs.readdirSync(path.join(dir, at), { withFileTypes: true })) {
            const rel = at ? `${at}/${entry.name}` : entry.name;
            if (entry.isDirectory()) walk(rel);
            else if (entry.isFile()) files.set(rel, fs.readFileSync(path.join(dir, rel), "utf8"));
        }
    };
    if (fs.existsSync(dir)) walk("");
    return files;
}

export interface TreeComparison {
    added: string[];
    removed: string[];
    changed: string[];
    unchanged: number;
}

export function compareTrees(
    base: ReadonlyMap<string, string>,
    head: ReadonlyMap<string, string>,
): TreeComparison {
    const added: string[] = [];
    const removed: string[] = [];
    const changed: string[] = [];
    let unchanged = 0;
    for (const [file, content] of head) {
        const before = base.get(file);
        if (before === undefined) added.push(file);
        else if (before !== content) changed.push(file);
        else unchanged++;
    }
    for (const file of base.keys()) if (!head.has(file)) removed.push(file);
    const sort = (list: string[]) => list.sort((a, b) => a.localeCompare(b));
    return { added: sort(added), removed: sort(removed), changed: sort(changed), unchanged };
}

/** `git diff --no-index` names the sides by their directories (a/base/…, b/head/…): drop them. */
export function relabelDiff(diff: string, baseDir: string, headDir: string): string {
    const sides = [baseDir, headDir].map((d) => d.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
    const side = new RegExp(`(^|\\s)([ab])/(?:${sides})/`, "g");
    return diff
        .split("\n")
        .map((line) =>
            /^(diff --git |--- |\+\+\+ |rename from |rename to )/.test(line)
                ? line.replace(side, "$1$2/")
                : line,
        )
        .join("\n");
}

export interface ManifestReport {
    stack: string;
    comparison: TreeComparison;
    diff: string;
    baseRef: string;
    /** Why the base could not be rendered (every manifest then shows as added). */
    baseProblem?: string;
    runUrl?: string;
    artifact?: string;
}

const MAX_ROWS = 60;

export function manifestsCommentBody(report: ManifestReport, limit = GITHUB_COMMENT_LIMIT) {
    const { added, removed, changed, unchanged } = report.comparison;
    const total = added.length + removed.length + changed.length;
    const head = [`### 📄 Kubernetes manifests of stack \`${report.stack}\``, ""];
    const base = `\`${report.baseRef.slice(0, 12)}\``;
    if (report.baseProblem) {
        head.push(
            "> [!WARNING]",
            `> The base (${base}) could not be rendered: ${report.baseProblem}. Every manifest shows as added.`,
            "",
        );
    }
    if (total === 0) {
        head.push(
            `**No manifest changes** against the base (${base}): ${unchanged} files identical.`,
        );
    } else {
        head.push(
            `Against the base (${base}): **${added.length} added, ${changed.length} changed, ` +
                `${removed.length} removed**, ${unchanged} unchanged.`,
            "",
            "| manifest | change |",
            "| --- | --- |",
        );
        const rows = [
            ...changed.map((f) => `| \`${f}\` | changed |`),
            ...added.map((f) => `| \`${f}\` | added |`),
            ...removed.map((f) => `| \`${f}\` | removed |`),
        ];
        head.push(...rows.slice(0, MAX_ROWS));
        if (rows.length > MAX_ROWS) head.push(`| … and ${rows.length - MAX_ROWS} more | |`);
    }
    const where = report.artifact
        ? `the \`${report.artifact}\` artifact of the workflow run`
        : "the workflow run";
    const footer =
        `<sub>${report.runUrl ? `[workflow run](${report.runUrl}) · ` : ""}` +
        "Rendered offline by `scripts/render-manifests.sh` (no cluster; Kafka topics, the changefeed, " +
        `Flink SQL and the operator installs are not in it). The rendered files and the whole diff are in ${where}. ` +
        "Updated in place on every push.</sub>";
    return composeComment(
        {
            marker: commentMarker("manifests", report.stack),
            head: head.join("\n"),
            block:
                total === 0
                    ? undefined
                    : {
                          summary: "Diff against the base branch",
                          text: report.diff,
                          language: "diff",
                      },
            footer,
            truncatedNote: (omitted, chars) =>
                `The diff was cut to fit GitHub's ${GITHUB_COMMENT_LIMIT}-character comment limit: ` +
                `${omitted} of its ${chars} characters are left out above; the whole diff is in ${where}.`,
        },
        limit,
    );
}
