import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { GITHUB_COMMENT_LIMIT } from "../../scripts/gitops/lib/comment";
import {
    compareTrees,
    manifestsCommentBody,
    relabelDiff,
} from "../../scripts/gitops/lib/manifests";
import { cleanEnv, gitRepo, PROD_STACK, runScript, tempDir } from "./support";

describe("compareTrees", () => {
    it("sorts files into added, changed, removed and counts the unchanged", () => {
        const base = new Map([
            ["1-manifest/a.yaml", "a: 1"],
            ["1-manifest/b.yaml", "b: 1"],
            ["1-manifest/gone.yaml", "x"],
        ]);
        const head = new Map([
            ["1-manifest/b.yaml", "b: 2"],
            ["1-manifest/a.yaml", "a: 1"],
            ["0-crd/new.yaml", "n"],
        ]);
        expect(compareTrees(base, head)).toEqual({
            added: ["0-crd/new.yaml"],
            changed: ["1-manifest/b.yaml"],
            removed: ["1-manifest/gone.yaml"],
            unchanged: 1,
        });
    });
});

describe("relabelDiff", () => {
    it("drops the side directories from the file names of the headers only", () => {
        const diff = [
            "diff --git a/base/1-manifest/x.yaml b/head/1-manifest/x.yaml",
            "--- a/base/1-manifest/x.yaml",
            "+++ b/head/1-manifest/x.yaml",
            "-path: a/base/keep",
            "diff --git a/head/1-manifest/new.yaml b/head/1-manifest/new.yaml",
            "--- /dev/null",
            "+++ b/head/1-manifest/new.yaml",
        ].join("\n");
        expect(relabelDiff(diff, "base", "head")).toBe(
            [
                "diff --git a/1-manifest/x.yaml b/1-manifest/x.yaml",
                "--- a/1-manifest/x.yaml",
                "+++ b/1-manifest/x.yaml",
                "-path: a/base/keep",
                "diff --git a/1-manifest/new.yaml b/1-manifest/new.yaml",
                "--- /dev/null",
                "+++ b/1-manifest/new.yaml",
            ].join("\n"),
        );
    });
});

describe("manifestsCommentBody", () => {
    const comparison = {
        added: ["0-crd/a.yaml"],
        changed: ["1-manifest/b.yaml"],
        removed: [],
        unchanged: 40,
    };

    it("marker, counts, a table of files and the diff", () => {
        const body = manifestsCommentBody({
            stack: "prod",
            comparison,
            diff: "diff --git a/1-manifest/b.yaml b/1-manifest/b.yaml\n-a\n+b\n",
            baseRef: "0123456789abcdef0123",
            artifact: "manifests-prod",
        });
        expect(body.split("\n")[0]).toBe("<!-- tidb-cdc-pipeline:manifests:prod -->");
        expect(body).toContain(
            "Against the base (`0123456789ab`): **1 added, 1 changed, 0 removed**, 40 unchanged.",
        );
        expect(body).toContain("| `1-manifest/b.yaml` | changed |\n| `0-crd/a.yaml` | added |");
        expect(body).toContain("```diff\ndiff --git a/1-manifest/b.yaml");
        expect(body).toContain("the `manifests-prod` artifact");
    });

    it("no changes: no table, no diff", () => {
        const body = manifestsCommentBody({
            stack: "prod",
            comparison: { added: [], changed: [], removed: [], unchanged: 12 },
            diff: "",
            baseRef: "abc",
        });
        expect(body).toContain(
            "**No manifest changes** against the base (`abc`): 12 files identical.",
        );
        expect(body).not.toContain("<details");
    });

    it("a base that could not be rendered is said first", () => {
        const body = manifestsCommentBody({
            stack: "prod",
            comparison,
            diff: "+x\n",
            baseRef: "abc",
            baseProblem: "it has no scripts/render-manifests.sh",
        });
        expect(body).toContain(
            "> [!WARNING]\n> The base (`abc`) could not be rendered: it has no scripts/render-manifests.sh. Every manifest shows as added.",
        );
    });

    it("a big diff and many files still fit, with a note and a capped table", () => {
        const added = Array.from({ length: 500 }, (_, i) => `1-manifest/object-${i}.yaml`);
        const diff = added
            .map((f) => `diff --git a/${f} b/${f}\n+${"kind: ConfigMap\n+".repeat(20)}`)
            .join("\n");
        const body = manifestsCommentBody({
            stack: "prod",
            comparison: { added, changed: [], removed: [], unchanged: 0 },
            diff,
            baseRef: "abc",
            artifact: "manifests-prod",
        });
        expect(diff.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT * 2);
        expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
        expect(body).toContain("| … and 440 more | |");
        expect(body).toMatch(
            /of its \d+ characters are left out above; the whole diff is in the `manifests-prod` artifact/,
        );
    });
});

// A stand-in for scripts/render-manifests.sh with the same interface: <stack> <outdir>, run from
// the checkout, writing one manifest from the stack file (and recording whether node_modules is there).
const RENDER = `#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
stack=$1 out=$2
[ -f "Pulumi.$stack.yaml" ] || { echo "no stack $stack" >&2; exit 2; }
mkdir -p "$out/1-manifest"
replicas=$(sed -n 's/^ *replicas: //p' "Pulumi.$stack.yaml")
printf 'kind: StatefulSet\\nspec:\\n  replicas: %s\\n' "$replicas" > "$out/1-manifest/tikv.yaml"
if [ -d extra ]; then cp extra/*.yaml "$out/1-manifest/"; fi
if [ -n "\${TIDB_ROOT_PASSWORD:-}" ] && [ -f leak ]; then
    printf 'kind: Secret\\ndata:\\n  password: %s\\n' "$(printf %s "$TIDB_ROOT_PASSWORD" | base64)" > "$out/1-manifest/secret.yaml"
fi
if [ -e node_modules ]; then touch "$out.had-node-modules"; fi
echo "rendered $stack into $out" >&2
`;

function repo() {
    const r = gitRepo();
    const base = r.commit({
        "scripts/render-manifests.sh": RENDER,
        "package-lock.json": "{}\n",
        "Pulumi.prod.yaml": `${PROD_STACK}  tidb-cdc-pipeline:tidb:\n    replicas: 3\n`,
        "extra/namespace.yaml": "kind: Namespace\n",
        "extra/old.yaml": "kind: ConfigMap\n",
    });
    fs.mkdirSync(path.join(r.dir, "node_modules")); // as after npm ci (not committed)
    fs.writeFileSync(path.join(r.dir, ".git", "info", "exclude"), "node_modules\n");
    return { r, base };
}

function diff(root: string, baseRef: string, env: Record<string, string> = {}) {
    const out = path.join(tempDir(), "manifests");
    const result = runScript(
        "manifests-diff.ts",
        ["--stack", "prod", "--base-ref", baseRef, "--out", out, "--artifact", "manifests-prod"],
        { cwd: root, env: cleanEnv(env) },
    );
    const read = (file: string) => fs.readFileSync(path.join(out, file), "utf8");
    return { result, out, read };
}

describe("manifests-diff.ts", () => {
    it("renders both sides and writes the diff and the comment", () => {
        const { r, base } = repo();
        r.commit({
            "Pulumi.prod.yaml": `${PROD_STACK}  tidb-cdc-pipeline:tidb:\n    replicas: 5\n`,
            "extra/old.yaml": null,
            "extra/new.yaml": "kind: Service\n",
        });
        const { result, out, read } = diff(r.dir, base);
        expect(result.code, result.stderr).toBe(0);
        const patch = read("manifests.diff");
        expect(patch).toContain("diff --git a/1-manifest/tikv.yaml b/1-manifest/tikv.yaml");
        expect(patch).toContain("-  replicas: 3\n+  replicas: 5");
        expect(patch).toContain("+++ b/1-manifest/new.yaml");
        expect(patch).toContain("--- a/1-manifest/old.yaml");
        const body = read("comment.md");
        expect(body.split("\n")[0]).toBe("<!-- tidb-cdc-pipeline:manifests:prod -->");
        expect(body).toContain(
            `Against the base (\`${base.slice(0, 12)}\`): **1 added, 1 changed, 1 removed**, 1 unchanged.`,
        );
        // Both sides are kept for the artifact; the base shared node_modules (same lock file).
        expect(
            fs.readFileSync(path.join(out, "head", "1-manifest", "tikv.yaml"), "utf8"),
        ).toContain("replicas: 5");
        expect(
            fs.readFileSync(path.join(out, "base", "1-manifest", "tikv.yaml"), "utf8"),
        ).toContain("replicas: 3");
        expect(fs.existsSync(path.join(out, "base.had-node-modules"))).toBe(true);
        // The temporary worktree is gone again.
        expect(r.git("worktree", "list").split("\n")).toHaveLength(1);
    });

    it("no change to the manifests: says so", () => {
        const { r, base } = repo();
        r.commit({ "README.md": "docs\n" });
        const { result, read } = diff(r.dir, base);
        expect(result.code).toBe(0);
        expect(read("comment.md")).toContain("**No manifest changes**");
        expect(read("manifests.diff")).toBe("");
    });

    it("a base without the render script shows every manifest as added", () => {
        const r = gitRepo();
        const base = r.commit({ "README.md": "before the render script\n" });
        r.commit({
            "scripts/render-manifests.sh": RENDER,
            "Pulumi.prod.yaml": `${PROD_STACK}  x:\n    replicas: 1\n`,
        });
        const { result, read } = diff(r.dir, base);
        expect(result.code).toBe(0);
        const body = read("comment.md");
        expect(body).toContain(
            "could not be rendered: it has no scripts/render-manifests.sh. Every manifest shows as added.",
        );
        expect(body).toContain("**1 added, 0 changed, 0 removed**");
    });

    it("a failing render of the pull request exits 1 with a comment that shows its log", () => {
        const { r, base } = repo();
        r.commit({
            "scripts/render-manifests.sh": `${RENDER}echo "render exploded" >&2\nexit 3\n`,
        });
        const { result, read } = diff(r.dir, base);
        expect(result.code).toBe(1);
        const body = read("comment.md");
        expect(body).toContain("**Rendering this pull request failed.**");
        expect(body).toContain("render exploded");
    });

    it("a failing render of the base exits 1 too, saying it was the base", () => {
        const r = gitRepo();
        const base = r.commit({
            "scripts/render-manifests.sh": `${RENDER}echo "old render broken" >&2\nexit 4\n`,
            "Pulumi.prod.yaml": PROD_STACK,
        });
        r.commit({ "scripts/render-manifests.sh": RENDER });
        const { result, read } = diff(r.dir, base);
        expect(result.code).toBe(1);
        expect(read("comment.md")).toContain(
            `**Rendering the base (${base.slice(0, 12)}) failed.**`,
        );
        expect(read("comment.md")).toContain("old render broken");
    });

    it("an unknown base commit exits 1 with a comment", () => {
        const { r } = repo();
        const { result, read } = diff(r.dir, "0000000000000000000000000000000000000001");
        expect(result.code).toBe(1);
        expect(read("comment.md")).toContain("is not available here");
    });

    it("a credential's value (or its base64) in the manifests: exit 1, and nothing rendered is kept", () => {
        const { r, base } = repo();
        r.commit({ leak: "" });
        const { result, out, read } = diff(r.dir, base, {
            TIDB_ROOT_PASSWORD: "hunter2-long-password",
        });
        expect(result.code).toBe(1);
        expect(read("comment.md")).toContain(
            "contain the value of $TIDB_ROOT_PASSWORD; they are not shown",
        );
        expect(fs.readdirSync(out).sort()).toEqual(["comment.md"]);
    });

    it("usage: a non-empty --out, a checkout without the render script, missing options", () => {
        const { r, base } = repo();
        const full = tempDir();
        fs.writeFileSync(path.join(full, "x"), "");
        const cases: [string[], string, string][] = [
            [["--stack", "prod", "--base-ref", base, "--out", full], r.dir, "is not empty"],
            [
                ["--stack", "prod", "--base-ref", base, "--out", path.join(tempDir(), "o")],
                tempDir(),
                "has no scripts/render-manifests.sh",
            ],
            [["--stack", "prod", "--out", "o"], r.dir, "--base-ref is required"],
        ];
        for (const [args, cwd, message] of cases) {
            const result = runScript("manifests-diff.ts", args, { cwd });
            expect(result.code, message).toBe(2);
            expect(result.stderr).toContain(message);
        }
    });
});
