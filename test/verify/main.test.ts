import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main, type MainIo } from "../../scripts/verify/main";

function io(overrides: Partial<MainIo> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    return {
        out,
        err,
        io: {
            env: { PATH: "", PULUMI_TOOLCHAIN_CACHE: "/nonexistent" },
            stdout: (t: string) => out.push(t),
            stderr: (t: string) => err.push(t),
            ...overrides,
        } satisfies MainIo,
    };
}

describe("the CLI entry, before anything is contacted", () => {
    it("--help prints the usage and exits 0", async () => {
        const t = io();
        expect(await main(["--help"], t.io)).toBe(0);
        expect(t.out.join("")).toContain("Usage: npm run verify -- [--stack <name>] [options]");
    });

    it("a bad command line exits 2 with the reason and the usage", async () => {
        const t = io();
        expect(await main(["--stak", "dev"], t.io)).toBe(2);
        expect(t.err.join("")).toMatch(/^verify: unknown argument "--stak"\n\nUsage:/);
    });

    it("without --stack every endpoint is needed", async () => {
        const t = io();
        expect(await main(["--tidb", "127.0.0.1:4000"], t.io)).toBe(2);
        expect(t.err.join("")).toBe(
            "verify: missing endpoint(s) ticdcApiUrl, kafkaBootstrapServers, flinkRestUrl, flinkSqlGatewayUrl: give --stack or the flags (--help)\n",
        );
    });

    it("--stack needs the Pulumi CLI, and says so", async () => {
        const t = io();
        expect(await main(["--stack", "dev"], t.io)).toBe(2);
        expect(t.err.join("")).toContain("--stack needs the Pulumi CLI");
    });

    /** A directory with a `pulumi` in it: findPulumi only looks for the file. */
    function fakePulumiDir(): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "verify-main-"));
        fs.writeFileSync(path.join(dir, "pulumi"), "");
        return dir;
    }

    it("a stack that cannot be read exits 2 with the CLI's reason", async () => {
        const dir = fakePulumiDir();
        const t = io({
            env: { PATH: dir },
            run: () =>
                Promise.reject(new Error("pulumi stack output failed: no stack named 'dev' found")),
        });
        expect(await main(["--stack", "dev"], t.io)).toBe(2);
        expect(t.err.join("")).toBe(
            "verify: cannot read stack \"dev\": pulumi stack output failed: no stack named 'dev' found\n",
        );
        fs.rmSync(dir, { recursive: true });
    });

    it("reads the stack's secret password only without TIDB_PASSWORD, and explains a failure", async () => {
        const dir = fakePulumiDir();
        const calls: string[][] = [];
        const outputs = JSON.stringify({
            tidbMysqlEndpoint: "127.0.0.1:4000",
            ticdcApiUrl: "http://127.0.0.1:8300",
            kafkaBootstrapServers: "127.0.0.1:29092",
            flinkRestUrl: "http://127.0.0.1:8081",
            flinkSqlGatewayUrl: "http://127.0.0.1:8083",
        });
        const config = JSON.stringify({
            "tidb-cdc-pipeline:target": { value: "docker" },
            "tidb-cdc-pipeline:tidbRootPassword": { secret: true },
        });
        const t = io({
            env: { PATH: dir },
            run: (_file, args) => {
                calls.push(args);
                if (args[0] === "stack") return Promise.resolve(outputs);
                if (args[1] === "get") {
                    return Promise.reject(new Error("incorrect passphrase"));
                }
                return Promise.resolve(config);
            },
        });
        expect(await main(["--stack", "dev"], t.io)).toBe(2);
        expect(t.err.join("")).toBe(
            "verify: cannot read the stack's secret tidbRootPassword (set TIDB_PASSWORD instead, or PULUMI_CONFIG_PASSPHRASE): incorrect passphrase\n",
        );
        expect(calls.map((args) => args.slice(0, 2).join(" "))).toEqual([
            "stack output",
            "config --json",
            "config get",
        ]);
        fs.rmSync(dir, { recursive: true });
    });
});
