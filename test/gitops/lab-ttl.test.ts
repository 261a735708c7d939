import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { TAGS } from "../../scripts/gitops/lib/stacks";
import { main } from "../../scripts/gitops/lab-ttl";
import { fakePulumi, REPO, runMainInProcess, runScript, tempDir, type FakeStack } from "./support";

const NOW = "2026-03-10T12:00:00Z";

function labStack(name: string, ttl: string, createdAt?: string): FakeStack {
    return {
        name,
        tags: {
            [TAGS.lab]: "true",
            [TAGS.ttl]: ttl,
            ...(createdAt ? { [TAGS.createdAt]: createdAt } : {}),
            "pulumi:project": "tidb-cdc-pipeline",
        },
    };
}

const EXPIRED_LONG_AGO = labStack("lab-old", "1h", "2026-03-09T00:00:00Z");
const EXPIRED_RECENTLY = labStack("lab-recent", "2h", "2026-03-10T09:00:00Z");
const ALIVE = labStack("lab-alive", "8h", "2026-03-10T10:00:00Z");
const PROD = {
    name: "prod",
    tags: { [TAGS.lab]: "true", [TAGS.ttl]: "1h", [TAGS.createdAt]: "2020-01-01T00:00:00Z" },
};
const DEV = { name: "dev", tags: { [TAGS.ttl]: "1h", [TAGS.createdAt]: "2020-01-01T00:00:00Z" } };

/** The (command, stack) of every call that changes something. */
function mutations(calls: string[][]): string[] {
    return calls
        .filter(
            (c) =>
                c[0] === "destroy" ||
                (c[0] === "stack" && (c[1] === "rm" || (c[1] === "tag" && c[2] === "set"))),
        )
        .map((c) => {
            const stack = c[c.indexOf("--stack") + 1];
            return c[0] === "destroy"
                ? `destroy ${stack}`
                : c[1] === "rm"
                  ? `rm ${stack}`
                  : `tag ${stack} ${c[3]}=${c[4]}`;
        });
}

function run(
    fake: ReturnType<typeof fakePulumi>,
    args: string[],
    extra: Record<string, string> = {},
) {
    return runScript("lab-ttl.ts", args, { env: fake.env(extra) });
}

describe("lab-ttl.ts run", () => {
    it("destroys the expired lab stacks, longest expired first, and removes each after its destroy", () => {
        const fake = fakePulumi({ stacks: [DEV, ALIVE, EXPIRED_RECENTLY, PROD, EXPIRED_LONG_AGO] });
        const summary = path.join(tempDir(), "summary.md");
        const result = run(fake, ["run", "--now", NOW], { GITHUB_STEP_SUMMARY: summary });
        expect(result.code, result.stderr).toBe(3); // prod is marked lab: reported
        expect(mutations(fake.calls())).toEqual([
            "destroy lab-old",
            "rm lab-old",
            "destroy lab-recent",
            "rm lab-recent",
        ]);
        const destroy = fake.calls().find((c) => c[0] === "destroy");
        expect(destroy).toEqual([
            "destroy",
            "--yes",
            "--skip-preview",
            "--color",
            "never",
            "--stack",
            "lab-old",
            "--non-interactive",
        ]);
        expect(fake.calls().find((c) => c[1] === "rm")).toEqual([
            "stack",
            "rm",
            "--yes",
            "--preserve-config",
            "--stack",
            "lab-old",
            "--non-interactive",
        ]);
        expect(fake.scenario().stacks?.map((s) => s.name)).toEqual(["dev", "lab-alive", "prod"]);
        expect(result.stdout).toContain("dev: not a lab stack");
        expect(result.stdout).toContain("lab-alive: 6h left (expires 2026-03-10T18:00:00Z)");
        expect(result.stdout).toContain("lab-old: expired 1d 11h ago (2026-03-09T01:00:00Z)");
        expect(result.stdout).toContain("lab-old: destroyed");
        expect(result.stderr).toContain(
            "prod: INVALID, left alone: prod is a protected environment",
        );
        const markdown = fs.readFileSync(summary, "utf8");
        expect(markdown).toContain(
            "| `lab-old` | expired 1d 11h ago (2026-03-09T01:00:00Z) | destroyed |",
        );
        expect(markdown).not.toContain("`dev`");
    });

    it("prod is never destroyed, whatever its tags say", () => {
        const fake = fakePulumi({ stacks: [PROD] });
        const result = run(fake, ["run", "--now", NOW]);
        expect(result.code).toBe(3);
        expect(mutations(fake.calls())).toEqual([]);
    });

    it("--dry-run reports without destroying or removing anything", () => {
        const fake = fakePulumi({ stacks: [EXPIRED_LONG_AGO, ALIVE] });
        const result = run(fake, ["run", "--dry-run", "--now", NOW]);
        expect(result.code).toBe(0);
        expect(mutations(fake.calls())).toEqual([]);
        expect(result.stdout).toContain("(dry run)");
        expect(result.stdout).toContain("lab-old: would destroy");
        // The workflow passes the input as --dry-run="$DRY_RUN".
        expect(run(fake, ["run", "--dry-run=true", "--now", NOW]).code).toBe(0);
        expect(mutations(fake.calls())).toEqual([]);
    });

    it("a failed destroy does not stop the others, is not removed, and fails the run (exit 1)", () => {
        const fake = fakePulumi({
            stacks: [EXPIRED_LONG_AGO, EXPIRED_RECENTLY],
            destroyFails: ["lab-old"],
        });
        const result = run(fake, ["run", "--now", NOW]);
        expect(result.code).toBe(1);
        expect(mutations(fake.calls())).toEqual([
            "destroy lab-old",
            "destroy lab-recent",
            "rm lab-recent",
        ]);
        expect(result.stdout).toContain(
            "lab-old: destroy failed: error: the docker provider could not delete a container",
        );
        expect(result.stdout).toContain("lab-recent: destroyed");
    });

    it("a stack that cannot be removed after its destroy fails the run too", () => {
        const fake = fakePulumi({ stacks: [EXPIRED_LONG_AGO], rmFails: ["lab-old"] });
        const result = run(fake, ["run", "--now", NOW]);
        expect(result.code).toBe(1);
        expect(result.stdout).toContain(
            "lab-old: remove failed: error: stack 'lab-old' still has resources",
        );
    });

    it("a stack whose tags cannot be read is an error; the others are still handled", () => {
        const fake = fakePulumi({ stacks: [DEV, EXPIRED_LONG_AGO], tagLsFails: ["dev"] });
        const result = run(fake, ["run", "--now", NOW]);
        expect(result.code).toBe(1);
        expect(mutations(fake.calls())).toEqual(["destroy lab-old", "rm lab-old"]);
        expect(result.stderr).toContain(
            "lab-ttl: dev: pulumi stack tag ls --json --stack dev failed",
        );
    });

    it("invalid lab stacks are reported and left alone: exit 3", () => {
        const fake = fakePulumi({
            stacks: [
                labStack("lab-no-ttl", ""),
                labStack("lab-bad", "forever", "2026-03-01T00:00:00Z"),
            ],
        });
        const result = run(fake, ["run", "--now", NOW]);
        expect(result.code).toBe(3);
        expect(mutations(fake.calls())).toEqual([]);
        expect(result.stderr).toContain("lab-no-ttl: INVALID, left alone: marked lab but has no");
        expect(result.stderr).toContain('lab-bad: INVALID, left alone: ttl "forever" is neither');
    });

    it("an expired stack with an update running is left for the next run", () => {
        const fake = fakePulumi({ stacks: [{ ...EXPIRED_LONG_AGO, updateInProgress: true }] });
        const result = run(fake, ["run", "--now", NOW]);
        expect(result.code).toBe(0);
        expect(mutations(fake.calls())).toEqual([]);
        expect(result.stdout).toContain("an update is running: next run");
    });

    it("nothing expired, nothing invalid: exit 0", () => {
        const fake = fakePulumi({ stacks: [ALIVE, DEV] });
        const result = run(fake, ["run", "--now", NOW]);
        expect(result.code).toBe(0);
        expect(result.stdout).toContain("no lab stack has expired");
    });

    it("the stacks cannot be listed: exit 1 before anything", () => {
        const fake = fakePulumi({ stackLsFails: true });
        const result = run(fake, ["run", "--now", NOW]);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(
            "lab-ttl: pulumi stack ls --json failed (exit 255): error: could not reach the backend",
        );
    });

    it("no pulumi at all: exit 1", () => {
        const result = runScript("lab-ttl.ts", ["run"], {
            env: { PATH: process.env.PATH ?? "", PULUMI_BIN: path.join(REPO, "no-such-pulumi") },
        });
        expect(result.code).toBe(1);
        expect(result.stderr).toContain("ENOENT");
    });

    it("the clock is the machine's unless --now is given", () => {
        const fake = fakePulumi({ stacks: [labStack("lab-future", "1h", "2999-01-01T00:00:00Z")] });
        const result = run(fake, ["run"]);
        expect(result.code).toBe(3); // created-at in the future, by the real clock
        expect(result.stderr).toContain("is in the future");
    });
});

describe("lab-ttl.ts mark", () => {
    it("sets lab, ttl and created-at", () => {
        const fake = fakePulumi({ stacks: [{ name: "lab-new" }] });
        const result = run(fake, ["mark", "--stack", "lab-new", "--ttl", "8h", "--now", NOW]);
        expect(result.code, result.stderr).toBe(0);
        expect(mutations(fake.calls())).toEqual([
            `tag lab-new ${TAGS.lab}=true`,
            `tag lab-new ${TAGS.ttl}=8h`,
            `tag lab-new ${TAGS.createdAt}=2026-03-10T12:00:00Z`,
        ]);
        expect(result.stdout).toBe("lab-new: lab stack, 8h left (expires 2026-03-10T20:00:00Z)\n");
    });

    it("keeps an existing created-at (a new ttl extends the same lab); --restart resets it", () => {
        const fake = fakePulumi({ stacks: [labStack("lab-a", "8h", "2026-03-10T06:00:00Z")] });
        const extend = run(fake, ["mark", "--stack", "lab-a", "--ttl", "1d", "--now", NOW]);
        expect(extend.code).toBe(0);
        expect(fake.scenario().stacks?.[0]?.tags?.[TAGS.createdAt]).toBe("2026-03-10T06:00:00Z");
        expect(extend.stdout).toContain("18h left");
        const restart = run(fake, [
            "mark",
            "--stack",
            "lab-a",
            "--ttl",
            "1d",
            "--restart",
            "--now",
            NOW,
        ]);
        expect(restart.code).toBe(0);
        expect(fake.scenario().stacks?.[0]?.tags?.[TAGS.createdAt]).toBe("2026-03-10T12:00:00Z");
    });

    it("takes an absolute expiry, but not one already past", () => {
        const fake = fakePulumi({ stacks: [{ name: "lab-a" }] });
        expect(
            run(fake, ["mark", "--stack", "lab-a", "--ttl", "2026-03-11T00:00:00Z", "--now", NOW])
                .code,
        ).toBe(0);
        const past = run(fake, [
            "mark",
            "--stack",
            "lab-a",
            "--ttl",
            "2026-03-10T11:00:00Z",
            "--now",
            NOW,
        ]);
        expect(past.code).toBe(2);
        expect(past.stderr).toContain("is already past");
    });

    it("refuses prod, a bad ttl and a missing stack name (exit 2, nothing set)", async () => {
        const fake = fakePulumi({ stacks: [{ name: "prod" }] });
        const cases: [string[], string][] = [
            [["mark", "--stack", "prod", "--ttl", "8h"], "prod is a protected environment"],
            [["mark", "--stack", "org/tidb-cdc-pipeline/prod", "--ttl", "8h"], "protected"],
            [["mark", "--stack", "lab-a", "--ttl", "8 hours"], "is neither a duration"],
            [["mark", "--ttl", "8h"], "--stack is required"],
            [["mark", "--stack", "lab-a"], "--ttl is required"],
            [["mark", "--stack", "bad name", "--ttl", "8h"], "not a stack name"],
        ];
        for (const [args, message] of cases) {
            const result = await runMainInProcess(main, args, { env: fake.env() });
            expect(result.code, args.join(" ")).toBe(2);
            expect(result.stderr).toContain(message);
        }
        expect(run(fake, cases[0]![0]).code).toBe(2); // the same through the entry point
        expect(mutations(fake.calls())).toEqual([]);
    });

    it("a stack the backend does not have: exit 1", () => {
        const fake = fakePulumi({ stacks: [] });
        const result = run(fake, ["mark", "--stack", "lab-x", "--ttl", "8h"]);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain("no stack named 'lab-x' found");
    });
});

describe("lab-ttl.ts usage", () => {
    it("no command or --help prints the usage (0); an unknown one or option is 2", async () => {
        const fake = fakePulumi({});
        const inProcess = (args: string[]) => runMainInProcess(main, args, { env: fake.env() });
        expect((await inProcess([])).stdout).toContain("Usage:");
        expect((await inProcess(["--help"])).code).toBe(0);
        expect((await inProcess(["run", "--help"])).code).toBe(0);
        expect((await inProcess(["destroy"])).code).toBe(2);
        expect((await inProcess(["run", "--dryrun"])).code).toBe(2);
        expect((await inProcess(["run", "--dry-run=maybe"])).code).toBe(2);
        expect((await inProcess(["run", "--now", "noon"])).code).toBe(2);
        const spawned = run(fake, ["destroy"]);
        expect(spawned.code).toBe(2);
        expect(spawned.stderr).toContain(
            'lab-ttl: unknown command "destroy": run or mark\n\nUsage:',
        );
        expect(fake.calls()).toEqual([]);
    });
});
