import { describe, expect, it } from "vitest";
import {
    commentMarker,
    composeComment,
    fenceFor,
    findSecretLeaks,
    GITHUB_COMMENT_LIMIT,
    markerOf,
    redactSecrets,
    stripAnsi,
    truncateMiddle,
} from "../../scripts/gitops/lib/comment";
import {
    changedOps,
    parseChangeSummary,
    previewCommentBody,
    type PreviewReport,
} from "../../scripts/gitops/lib/preview";
import { secretsFromConfig, secretsFromEnv } from "../../scripts/gitops/lib/secrets";

// What `pulumi preview --diff --color never` (3.248) printed for real stacks.
const CREATE_ONLY = `Previewing update (exp):
+ pulumi:pulumi:Stack: (create)
    [urn=urn:pulumi:exp::exp::pulumi:pulumi:Stack::exp-exp]
    + x:index:Thing: (create)
        [urn=urn:pulumi:exp::exp::x:index:Thing::thing0]
    --outputs:--
    plain: "v2"
    pw   : [secret]
Resources:
    + 3 to create
`;
const MIXED = `Previewing update (exp):
  pulumi:pulumi:Stack: (same)
    - x:index:Thing: (delete)
        [urn=urn:pulumi:exp::exp::x:index:Thing::thing0]
Resources:
    + 3 to create
    ~ 1 to update
    +-1 to replace
    - 2 to delete
    7 changes. 1 unchanged
`;
const NO_CHANGES = `Previewing update (dev):
  pulumi:pulumi:Stack: (same)
Resources:
    42 unchanged
`;

describe("parseChangeSummary", () => {
    it("reads the counts of the Resources block, as the Automation API's changeSummary", () => {
        expect(parseChangeSummary(CREATE_ONLY)).toEqual({ create: 3 });
        expect(parseChangeSummary(MIXED)).toEqual({
            create: 3,
            update: 1,
            replace: 1,
            delete: 2,
            same: 1,
        });
        expect(parseChangeSummary(NO_CHANGES)).toEqual({ same: 42 });
    });

    it("takes the last block, ignores colour codes and what follows the block", () => {
        const text = `Resources:\n    + 9 to create\nmore output\n\u001b[1mResources:\u001b[0m\n    \u001b[32m+ 2 to create\u001b[0m\n    4 unchanged\n\nDuration: 3s\n`;
        expect(parseChangeSummary(text)).toEqual({ create: 2, same: 4 });
    });

    it("no Resources block (a preview that failed early): undefined", () => {
        expect(parseChangeSummary("error: could not load plugin\n")).toBeUndefined();
    });

    it("changedOps: the changing operations in a stable order, without same", () => {
        expect(
            changedOps({ same: 4, delete: 1, create: 2, "create-replacement": 1, zzz: 1 }),
        ).toEqual([
            ["create", 2],
            ["create-replacement", 1],
            ["delete", 1],
            ["zzz", 1],
        ]);
    });
});

describe("markers", () => {
    it("one per kind and stack, found only on the first line", () => {
        const marker = commentMarker("preview", "dev");
        expect(marker).toBe("<!-- tidb-cdc-pipeline:preview:dev -->");
        expect(markerOf(`${marker}\nbody`)).toBe(marker);
        expect(markerOf(`text\n${marker}`)).toBeUndefined();
        expect(markerOf("<!-- something else -->\n")).toBeUndefined();
        expect(() => commentMarker("preview", "a b")).toThrow();
    });
});

describe("fenceFor and stripAnsi", () => {
    it("a fence longer than any backtick run in the text", () => {
        expect(fenceFor("plain")).toBe("```");
        expect(fenceFor("a ``` b")).toBe("````");
        expect(fenceFor("`````")).toBe("``````");
    });

    it("removes colour codes and carriage returns", () => {
        expect(stripAnsi("\u001b[32m+ create\u001b[0m\r\nnext\r")).toBe("+ create\nnext\n");
    });
});

describe("truncateMiddle", () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${"x".repeat(20)}`).join("\n");

    it("leaves text that fits alone", () => {
        expect(truncateMiddle("short", 10)).toEqual({ text: "short", omitted: 0 });
    });

    it("keeps the beginning and the end, at line breaks, within the limit", () => {
        for (const max of [200, 1000, 10_000, 60_000]) {
            const { text, omitted } = truncateMiddle(lines, max);
            expect(text.length).toBeLessThanOrEqual(max);
            expect(omitted).toBeGreaterThan(0);
            expect(text.startsWith("line 0 ")).toBe(true);
            expect(text.endsWith(`line 4999 ${"x".repeat(20)}`)).toBe(true);
            expect(text).toContain(`\n… ${omitted} characters omitted …\n`);
            const [head, tail] = text.split(/\n… \d+ characters omitted …\n/) as [string, string];
            expect(lines.startsWith(head)).toBe(true);
            expect(lines.endsWith(tail)).toBe(true);
            // What is shown and what is omitted add up (a line break at the cut is dropped).
            expect(lines.length - (head.length + omitted + tail.length)).toBeLessThanOrEqual(1);
        }
    });

    it("never splits a character made of two UTF-16 units", () => {
        const emoji = "🙂".repeat(10_000);
        for (const max of [101, 102, 103, 1001]) {
            const { text } = truncateMiddle(emoji, max);
            expect(text.length).toBeLessThanOrEqual(max);
            expect(text).not.toMatch(
                /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/,
            );
        }
    });
});

describe("composeComment", () => {
    const parts = (text: string) => ({
        marker: commentMarker("preview", "dev"),
        head: "### title",
        block: { summary: "Output", text, language: "diff" },
        footer: "footer",
        truncatedNote: (omitted: number, total: number) => `cut ${omitted} of ${total}`,
    });

    it("a short text is whole, fenced, with no note", () => {
        const body = composeComment(parts("+ create"));
        expect(body).toBe(
            "<!-- tidb-cdc-pipeline:preview:dev -->\n### title\n\n<details><summary>Output</summary>\n\n```diff\n+ create\n```\n\n</details>\n\nfooter\n",
        );
    });

    it("a text over the limit is cut so the whole body is at most 65 536 characters, with the note", () => {
        const text = "~ update\n".repeat(20_000);
        const body = composeComment(parts(text));
        expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
        expect(body.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT - 200);
        expect(body.startsWith("<!-- tidb-cdc-pipeline:preview:dev -->\n")).toBe(true);
        expect(body).toMatch(/> \[!NOTE\]\n> cut \d+ of 180000/);
        expect(body.trimEnd().endsWith("footer")).toBe(true);
        // The fence still closes the block.
        expect(body.match(/^```/gm)).toHaveLength(2);
    });

    it("a text full of backticks gets a longer fence and still fits", () => {
        const body = composeComment(parts("``````````\n".repeat(10_000)));
        expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
        expect(body).toContain("\n```````````diff\n");
    });

    it("respects a smaller limit", () => {
        const body = composeComment(parts("x\n".repeat(5000)), 2000);
        expect(body.length).toBeLessThanOrEqual(2000);
    });
});

describe("secrets", () => {
    const secrets = [
        { name: "tidb-cdc-pipeline:tidbRootPassword", value: 'p@ss w0rd"x' },
        { name: "$PULUMI_ACCESS_TOKEN", value: "pul-0123456789abcdef" },
        { name: "tiny", value: "abc" },
    ];

    it("finds a value raw or JSON-escaped, and names only the key", () => {
        expect(findSecretLeaks('password: p@ss w0rd"x', secrets)).toEqual([
            "tidb-cdc-pipeline:tidbRootPassword",
        ]);
        expect(findSecretLeaks('"password": "p@ss w0rd\\"x"', secrets)).toEqual([
            "tidb-cdc-pipeline:tidbRootPassword",
        ]);
        expect(findSecretLeaks("token pul-0123456789abcdef", secrets)).toEqual([
            "$PULUMI_ACCESS_TOKEN",
        ]);
        expect(findSecretLeaks("password: [secret]", secrets)).toEqual([]);
    });

    it("values under 4 characters are not searched (they would match words)", () => {
        expect(findSecretLeaks("abc abc", secrets)).toEqual([]);
    });

    it("redacts every occurrence to [secret]", () => {
        const text = 'a p@ss w0rd"x b "p@ss w0rd\\"x" pul-0123456789abcdef';
        const redacted = redactSecrets(text, secrets);
        expect(redacted).toBe('a [secret] b "[secret]" [secret]');
        expect(findSecretLeaks(redacted, secrets)).toEqual([]);
    });

    it("from the config: secret strings, and only the secure leaves of a structured value", () => {
        const config = {
            "tidb-cdc-pipeline:kafka": {
                value: '{"mode":"kraft","sasl":{"password":"kafkapw123"}}',
                objectValue: { mode: "kraft", sasl: { password: "kafkapw123" } },
                secret: true,
            },
            "tidb-cdc-pipeline:plain": { value: "hello", secret: false },
            "tidb-cdc-pipeline:tidbRootPassword": { value: "p@ss w0rd", secret: true },
        };
        const stackFile = `config:
  tidb-cdc-pipeline:tidbRootPassword:
    secure: v1:8/6aNxJsWUDndGjB:MI2AM4rtM3glka7TVI4voZqShEZFvF9ojONP
  tidb-cdc-pipeline:kafka:
    sasl:
      password:
        secure: v1:MJXu/rp0tO8gWBd9:5wMfjzlhium4amegMI9W/JHOD0nB6TEOfso=
    mode: kraft
  tidb-cdc-pipeline:plain: hello
`;
        expect(secretsFromConfig(config, stackFile)).toEqual([
            { name: "tidb-cdc-pipeline:kafka.sasl.password", value: "kafkapw123" },
            { name: "tidb-cdc-pipeline:tidbRootPassword", value: "p@ss w0rd" },
        ]);
        // Without the stack file to say which leaves are secret: all of them (more caution).
        expect(secretsFromConfig(config, undefined).map((s) => s.value)).toEqual([
            "kraft",
            "kafkapw123",
            "p@ss w0rd",
        ]);
    });

    it("from the environment: the credentials the workflows set", () => {
        expect(
            secretsFromEnv({
                PULUMI_CONFIG_PASSPHRASE: "correct horse",
                PATH: "/bin",
                GITHUB_TOKEN: "",
            }),
        ).toEqual([{ name: "$PULUMI_CONFIG_PASSPHRASE", value: "correct horse" }]);
    });
});

describe("previewCommentBody", () => {
    const report = (over: Partial<PreviewReport> = {}): PreviewReport => ({
        stack: "dev",
        ok: true,
        changes: parseChangeSummary(MIXED),
        output: MIXED,
        commit: "0123456789abcdef0123",
        runUrl: "https://github.com/o/r/actions/runs/1",
        ...over,
    });

    it("starts with the stack's marker and counts the changes by operation", () => {
        const body = previewCommentBody(report());
        expect(body.split("\n")[0]).toBe("<!-- tidb-cdc-pipeline:preview:dev -->");
        expect(body).toContain("### 📝 `pulumi preview` of stack `dev`");
        expect(body).toContain(
            "**7 changes:** 3 to create, 1 to update, 1 to replace, 2 to delete; 1 unchanged.",
        );
        expect(body).toContain(
            "| create | 3 |\n| update | 1 |\n| replace | 1 |\n| delete | 2 |\n| unchanged | 1 |",
        );
        expect(body).toContain("```diff\nPreviewing update (exp):");
        expect(body).toContain(
            "commit `0123456789ab` · [workflow run](https://github.com/o/r/actions/runs/1)",
        );
        expect(body).toContain("shown as `[secret]`");
        expect(body).not.toContain("[!NOTE]");
    });

    it("no changes", () => {
        const body = previewCommentBody(report({ changes: { same: 42 }, output: NO_CHANGES }));
        expect(body).toContain(
            "### ✅ `pulumi preview` of stack `dev`\n\n**No changes.** 42 resources unchanged.",
        );
        expect(body).not.toContain("| operation |");
    });

    it("a failed preview says so and opens its output", () => {
        const body = previewCommentBody(
            report({ ok: false, changes: undefined, output: "error: program failed\n" }),
        );
        expect(body).toContain("### ❌");
        expect(body).toContain("**Preview failed.**");
        expect(body).toContain("<details open>");
    });

    it("a preview that did not run has no output block", () => {
        const body = previewCommentBody(
            report({ ok: false, changes: undefined, output: "", notRun: "no config" }),
        );
        expect(body).toContain("**Preview not run:** no config");
        expect(body).not.toContain("<details");
    });

    it("names the redacted keys in a warning", () => {
        const body = previewCommentBody(
            report({ redacted: ["tidb-cdc-pipeline:tidbRootPassword"] }),
        );
        expect(body).toContain(
            "> [!WARNING]\n> The secret value of `tidb-cdc-pipeline:tidbRootPassword` appeared",
        );
    });

    it("a huge output is cut to the comment limit with a note, keeping the summary at its end", () => {
        const resource = (i: number) =>
            `    ~ kubernetes:core/v1:ConfigMap: (update)\n        [urn=urn:pulumi:prod::p::cm${i}]\n      ~ data: {\n          ~ key: "a" => "b"\n        }\n`;
        const output = `Previewing update (prod):\n${Array.from({ length: 3000 }, (_, i) => resource(i)).join("")}Resources:\n    ~ 3000 to update\n    12 unchanged\n`;
        const body = previewCommentBody(
            report({ stack: "prod", output, changes: parseChangeSummary(output) }),
        );
        expect(output.length).toBeGreaterThan(300_000);
        expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
        expect(body).toContain("**3000 changes:** 3000 to update; 12 unchanged.");
        expect(body).toMatch(/characters omitted/);
        expect(body).toContain("Resources:\n    ~ 3000 to update\n    12 unchanged\n```");
        expect(body).toMatch(
            /> The output was cut to fit GitHub's 65536-character comment limit: \d+ of its \d+ characters are left out above\./,
        );
    });
});
