import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MavenArtifact } from "../../components/config";
import {
    copyJarsScript,
    fetchJarsScript,
    jarFileName,
    mavenJarUrl,
    shellQuote,
} from "../../components/flink/jars";

const KAFKA_2_2: MavenArtifact = {
    groupId: "org.apache.flink",
    artifactId: "flink-sql-connector-kafka",
    version: "5.0.0-2.2",
    sha256: "5605c691d11a501382c383fecba37a7a552467da5ab7ba904ef5d6f3d62c5616",
};

/** Run a POSIX sh script asynchronously (the test's HTTP server must keep answering). */
function runSh(
    script: string,
    cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile("sh", ["-c", script], { cwd, timeout: 20_000 }, (error, stdout, stderr) => {
            const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
            resolve({ code, stdout, stderr });
        });
    });
}

describe("mavenJarUrl", () => {
    it("builds the Maven layout URL from the coordinates", () => {
        expect(mavenJarUrl("https://repo1.maven.org/maven2", KAFKA_2_2)).toBe(
            "https://repo1.maven.org/maven2/org/apache/flink/flink-sql-connector-kafka/5.0.0-2.2/flink-sql-connector-kafka-5.0.0-2.2.jar",
        );
    });

    it("tolerates trailing slashes and nested mirror paths", () => {
        expect(
            mavenJarUrl("http://nexus.local:8081/repository/central///", {
                ...KAFKA_2_2,
                groupId: "com.example.deep.group",
                artifactId: "x",
                version: "1.0",
            }),
        ).toBe("http://nexus.local:8081/repository/central/com/example/deep/group/x/1.0/x-1.0.jar");
    });

    it("names the jar as Maven publishes it", () => {
        expect(jarFileName(KAFKA_2_2)).toBe("flink-sql-connector-kafka-5.0.0-2.2.jar");
    });
});

describe("shellQuote", () => {
    it("single-quotes and escapes embedded quotes", () => {
        expect(shellQuote("plain")).toBe("'plain'");
        expect(shellQuote("")).toBe("''");
        expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    });

    it("refuses NUL bytes", () => {
        expect(() => shellQuote("a\0b")).toThrow(/NUL/);
    });

    const hostile = [
        "$(touch PWNED)",
        "`touch PWNED`",
        "'; touch PWNED; '",
        '"; touch PWNED; "',
        "a\nb\ttouch PWNED",
        "$HOME ${PATH} $((1+1)) \\n \\",
        "x'\"'\"'y",
        "&& touch PWNED || touch PWNED | cat > PWNED",
        "*?[a-z] ~ !! #comment",
        "'",
        "''",
        "ünïcødé ✓",
    ];

    it.each(hostile)("passes %j through sh literally, running nothing", async (value) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flink-quote-"));
        try {
            const result = await runSh(`printf '%s' ${shellQuote(value)}`, dir);
            expect(result.code).toBe(0);
            expect(result.stdout).toBe(value);
            expect(fs.existsSync(path.join(dir, "PWNED"))).toBe(false);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("keeps several quoted words apart", async () => {
        const words = ["a b", "c'd", ""];
        const result = await runSh(`printf '[%s]' ${words.map(shellQuote).join(" ")}`);
        expect(result.stdout).toBe("[a b][c'd][]");
    });
});

describe("copyJarsScript", () => {
    it("copies exactly the configured jars", () => {
        expect(copyJarsScript([KAFKA_2_2], "/cache", "/opt/flink/lib")).toBe(
            "cp -f '/cache/flink-sql-connector-kafka-5.0.0-2.2.jar' '/opt/flink/lib/'",
        );
        expect(copyJarsScript([], "/cache", "/lib")).toBe("true");
    });
});

describe("fetchJarsScript against a local Maven repository", () => {
    const good = Buffer.from("PK\u0003\u0004 a tiny stand-in for a connector jar\n");
    const other = Buffer.from("PK\u0003\u0004 another jar\n");
    const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");
    const files: Record<string, Buffer> = {
        "/maven2/org/example/good/1.0/good-1.0.jar": good,
        "/maven2/org/example/other/2.0-x/other-2.0-x.jar": other,
    };
    const requests: string[] = [];
    let server: http.Server;
    let repo: string;
    let workDir: string;

    const artifact = (artifactId: string, version: string, data: Buffer): MavenArtifact => ({
        groupId: "org.example",
        artifactId,
        version,
        sha256: sha(data),
    });
    const goodJar = artifact("good", "1.0", good);
    const otherJar = artifact("other", "2.0-x", other);

    beforeAll(async () => {
        server = http.createServer((req, res) => {
            requests.push(req.url ?? "");
            const body = files[decodeURIComponent(req.url ?? "")];
            if (body) {
                res.writeHead(200, { "content-type": "application/java-archive" });
                res.end(body);
            } else {
                res.writeHead(404);
                res.end("not found");
            }
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        repo = `http://127.0.0.1:${(server.address() as AddressInfo).port}/maven2`;
    });

    afterAll(async () => {
        await new Promise((resolve) => server.close(resolve));
    });

    beforeEach(() => {
        requests.length = 0;
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "flink-jars-"));
    });

    afterEach(() => {
        fs.rmSync(workDir, { recursive: true, force: true });
    });

    const jarsDir = () => path.join(workDir, "cache dir");

    it("downloads and verifies every jar, then reuses verified copies", async () => {
        const script = fetchJarsScript({
            repository: repo,
            artifacts: [goodJar, otherJar],
            directory: jarsDir(),
        });
        const first = await runSh(script);
        expect(first.stderr).toBe("");
        expect(first.code).toBe(0);
        expect(fs.readFileSync(path.join(jarsDir(), "good-1.0.jar"))).toEqual(good);
        expect(fs.readFileSync(path.join(jarsDir(), "other-2.0-x.jar"))).toEqual(other);
        // Readable by another user (the container copies as root, Flink runs as 9999).
        expect(fs.statSync(path.join(jarsDir(), "good-1.0.jar")).mode & 0o777).toBe(0o644);
        expect(requests).toHaveLength(2);

        const second = await runSh(script);
        expect(second.code).toBe(0);
        expect(second.stdout).toMatch(/good-1\.0\.jar: verified copy/);
        expect(requests).toHaveLength(2);
        // No temporary files left behind in the shared cache.
        expect(fs.readdirSync(jarsDir()).sort()).toEqual(["good-1.0.jar", "other-2.0-x.jar"]);
    });

    it("replaces a cached copy whose checksum no longer matches", async () => {
        fs.mkdirSync(jarsDir(), { recursive: true });
        fs.writeFileSync(path.join(jarsDir(), "good-1.0.jar"), "corrupted");
        const result = await runSh(
            fetchJarsScript({ repository: repo, artifacts: [goodJar], directory: jarsDir() }),
        );
        expect(result.code).toBe(0);
        expect(requests).toHaveLength(1);
        expect(fs.readFileSync(path.join(jarsDir(), "good-1.0.jar"))).toEqual(good);
    });

    it("fails on a checksum mismatch, naming the jar, and keeps no file", async () => {
        const wrong = { ...otherJar, sha256: "0".repeat(64) };
        const result = await runSh(
            fetchJarsScript({
                repository: repo,
                artifacts: [goodJar, wrong],
                directory: jarsDir(),
            }),
        );
        expect(result.code).not.toBe(0);
        expect(result.stderr).toContain("other-2.0-x.jar");
        expect(result.stderr).toContain("SHA-256 mismatch");
        expect(result.stderr).toContain(sha(other));
        expect(fs.readdirSync(jarsDir())).toEqual(["good-1.0.jar"]);
    });

    it("stops at the first bad jar", async () => {
        const wrong = { ...goodJar, sha256: "f".repeat(64) };
        const result = await runSh(
            fetchJarsScript({
                repository: repo,
                artifacts: [wrong, otherJar],
                directory: jarsDir(),
            }),
        );
        expect(result.code).not.toBe(0);
        expect(requests).toHaveLength(1);
    });

    it("fails on an HTTP error, naming the jar", async () => {
        const missing = { ...goodJar, artifactId: "missing" };
        const result = await runSh(
            fetchJarsScript({ repository: repo, artifacts: [missing], directory: jarsDir() }),
        );
        expect(result.code).not.toBe(0);
        expect(result.stderr).toContain("missing-1.0.jar");
        expect(result.stderr).toContain("download from");
        expect(fs.readdirSync(jarsDir())).toEqual([]);
    });

    it("can be chained with && and stops the chain when it fails", async () => {
        const ok = fetchJarsScript({
            repository: repo,
            artifacts: [goodJar],
            directory: jarsDir(),
        });
        const bad = fetchJarsScript({
            repository: repo,
            artifacts: [{ ...goodJar, sha256: "1".repeat(64) }],
            directory: path.join(workDir, "other"),
        });
        expect((await runSh(`${ok} && echo CHAINED`)).stdout).toContain("CHAINED");
        const failed = await runSh(`${bad} && echo CHAINED`);
        expect(failed.code).not.toBe(0);
        expect(failed.stdout).not.toContain("CHAINED");
    });

    it("treats a hostile repository URL and directory as data", async () => {
        const hostileDir = path.join(workDir, "$(touch PWNED) `touch PWNED` ';touch PWNED;'");
        const result = await runSh(
            fetchJarsScript({
                repository: `${repo}/'$(touch\${IFS}PWNED)'\`touch\${IFS}PWNED\`{a,b}[1-2]`,
                artifacts: [goodJar],
                directory: hostileDir,
            }),
            workDir,
        );
        // The literal path does not exist on the server: a clean 404 failure, nothing executed.
        expect(result.code).not.toBe(0);
        expect(result.stderr).toContain("good-1.0.jar");
        expect(fs.existsSync(path.join(workDir, "PWNED"))).toBe(false);
        expect(fs.existsSync(hostileDir)).toBe(true);
        expect(requests).toHaveLength(1);
        expect(decodeURIComponent(requests[0]!)).toContain(
            "'$(touch${IFS}PWNED)'`touch${IFS}PWNED`{a,b}[1-2]/",
        );
    });
});
