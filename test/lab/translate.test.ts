/**
 * The lab test's translator and wire formats as data (no Docker): the dev program's recorded
 * container inputs become the Engine API calls the @pulumi/docker provider would make.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { RecordedResource } from "../support/pulumi-mocks";
import { demultiplex, tarOneFile } from "./docker-engine";
import { isUnavailable, lookalikeOf } from "./images";
import { CONTAINER, devStackConfig, recordProgram, withLookalikeImages } from "./program";
import { goDurationNs, planContainer, planNetwork, planVolume, revealSecrets } from "./translate";

describe("Go durations (healthcheck inputs)", () => {
    it.each([
        ["15s", 15e9],
        ["1m30s", 90e9],
        ["500ms", 5e8],
        ["1.5h", 5400e9],
        ["0", 0],
    ])("%s", (text, ns) => expect(goDurationNs(text)).toBe(ns));

    it("refuses what Go would refuse", () => {
        expect(() => goDurationNs("15")).toThrow(/not a Go duration/);
        expect(() => goDurationNs("")).toThrow(/not a Go duration/);
        expect(() => goDurationNs("1x")).toThrow(/not a Go duration/);
    });
});

describe("image mapping", () => {
    it("maps official references to the local stand-ins, keeping the tag", () => {
        expect(lookalikeOf("apache/kafka:4.3.1")).toBe("tidb-cdc-pipeline-lab/kafka:4.3.1");
        expect(lookalikeOf("flink:2.2.1-java17")).toBe("tidb-cdc-pipeline-lab/flink:2.2.1-java17");
        expect(lookalikeOf("zookeeper:3.9.5")).toBe("tidb-cdc-pipeline-lab/zookeeper:3.9.5");
        expect(lookalikeOf("pingcap/ticdc:v8.5.7")).toBe("tidb-cdc-pipeline-lab/ticdc:v8.5.7");
        expect(lookalikeOf("pingcap/tidb:v8.5.7")).toBeUndefined();
        expect(isUnavailable("pingcap/tikv:v8.5.7")).toBe(true);
        expect(isUnavailable("apache/kafka:4.3.1")).toBe(false);
    });
});

describe("the dev program's resources as Engine API calls", () => {
    let resources: RecordedResource[];
    const byName = (name: string) => {
        const found = resources.find((r) => r.name === name);
        if (!found) throw new Error(`no resource ${name}`);
        return found;
    };
    // The mocked program serializes its dynamic providers: seconds, more on a busy machine.
    beforeAll(async () => {
        resources = await recordProgram("dev", withLookalikeImages(devStackConfig()));
    }, 120_000);

    it("runs every available container on a local image", () => {
        const images = resources
            .filter((r) => r.type === CONTAINER)
            .map((r) => String(r.inputs.image))
            .filter((image) => !isUnavailable(image));
        expect(images.sort()).toEqual([
            "tidb-cdc-pipeline-lab/flink:2.2.1-java17",
            "tidb-cdc-pipeline-lab/flink:2.2.1-java17",
            "tidb-cdc-pipeline-lab/flink:2.2.1-java17",
            "tidb-cdc-pipeline-lab/kafka:4.3.1",
            "tidb-cdc-pipeline-lab/ticdc:v8.5.7",
        ]);
    });

    it("translates the broker: command, env, port on 127.0.0.1, volume, upload, health, network", () => {
        const plan = planContainer(byName("lab-kafka-0").inputs, { "io.test": "1" });
        const create = plan.create as { Cmd: string[]; Env: string[] };
        expect(create.Cmd.slice(0, 2)).toEqual(["bash", "-c"]);
        expect(create.Cmd[2]).toContain("kafka-storage.sh format");
        expect(create.Env.some((e) => /^CLUSTER_ID=.{22}$/.test(e))).toBe(true);
        expect(plan.create).toMatchObject({
            Image: "tidb-cdc-pipeline-lab/kafka:4.3.1",
            Hostname: "kafka-0",
            ExposedPorts: { "29092/tcp": {} },
            Labels: { "io.tidb-cdc-pipeline.container": "lab-kafka-0", "io.test": "1" },
            Healthcheck: { Interval: 15e9, Timeout: 10e9, StartPeriod: 30e9, Retries: 8 },
            HostConfig: {
                PortBindings: { "29092/tcp": [{ HostIp: "127.0.0.1", HostPort: "29092" }] },
                Binds: ["lab-kafka-0-data:/var/lib/kafka/data"],
                RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 },
            },
        });
        expect(plan.create).not.toHaveProperty("Entrypoint");
        expect(plan.connect).toEqual([
            { network: "lab-net", body: { EndpointConfig: { Aliases: ["kafka-0"] } } },
        ]);
        expect(plan.uploads.map((u) => [u.path, u.mode])).toEqual([
            ["/etc/kafka/lab/server.properties", 0o644],
        ]);
        expect(plan.uploads[0]?.content).toContain("process.roles=broker,controller");
        expect(plan.waitHealthySeconds).toBe(300);
        expect(plan.published).toEqual([{ ip: "127.0.0.1", port: 29092 }]);
    });

    it("keeps Flink's entrypoint override and user, and the TiCDC command", () => {
        const jobManager = planContainer(byName("lab-jobmanager").inputs).create as {
            User: string;
            Entrypoint: string[];
        };
        expect(jobManager.User).toBe("0:0");
        expect(jobManager.Entrypoint.slice(0, 2)).toEqual(["bash", "-c"]);
        expect(jobManager.Entrypoint[2]).toContain("jobmanager.sh start-foreground");
        const ticdc = planContainer(byName("lab-ticdc-0").inputs).create as { Cmd: string[] };
        expect(ticdc.Cmd.slice(0, 3)).toEqual(["/cdc", "server", "--addr=0.0.0.0:8300"]);
    });

    it("translates the network and the volumes", () => {
        expect(planNetwork(byName("lab-net").inputs, { "io.test": "1" })).toEqual({
            Name: "lab-net",
            Driver: "bridge",
            CheckDuplicate: true,
            Labels: { "io.tidb-cdc-pipeline.stack": "lab", "io.test": "1" },
        });
        expect(planVolume(byName("lab-flink-jars").inputs)).toEqual({
            Name: "lab-flink-jars",
            Driver: "local",
            Labels: {},
        });
    });

    it("refuses an input it does not know, naming it", () => {
        const inputs = { ...byName("lab-kafka-0").inputs, privileged: true };
        expect(() => planContainer(inputs)).toThrow(/does not handle the input\(s\) privileged/);
    });
});

describe("wire formats", () => {
    it("reveals secret values", () => {
        const secret = {
            "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
            value: "pw",
        };
        expect(revealSecrets({ a: [secret], b: 1 })).toEqual({ a: ["pw"], b: 1 });
    });

    it("writes a tar archive that tar reads back: path, mode, owner, content", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-tar-"));
        try {
            const archive = path.join(dir, "upload.tar");
            const content = "key=value\n".repeat(100);
            fs.writeFileSync(
                archive,
                tarOneFile("/etc/kafka/lab/server.properties", content, 0o644),
            );
            const listing = execFileSync("tar", ["-tvf", archive], { encoding: "utf8" });
            expect(listing).toMatch(
                /^-rw-r--r-- 0\/0 +1000 .* etc\/kafka\/lab\/server\.properties$/m,
            );
            execFileSync("tar", ["-xf", archive, "-C", dir]);
            expect(fs.readFileSync(path.join(dir, "etc/kafka/lab/server.properties"), "utf8")).toBe(
                content,
            );
            const long = `/opt/${"x".repeat(60)}/${"y".repeat(60)}/file.txt`;
            fs.writeFileSync(archive, tarOneFile(long, "z", 0o744));
            expect(execFileSync("tar", ["-tvf", archive], { encoding: "utf8" })).toContain(
                `-rwxr--r-- 0/0`,
            );
            expect(execFileSync("tar", ["-tf", archive], { encoding: "utf8" }).trim()).toBe(
                long.slice(1),
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("splits the engine's multiplexed stream", () => {
        const frame = (stream: number, text: string) => {
            const body = Buffer.from(text);
            const header = Buffer.alloc(8);
            header[0] = stream;
            header.writeUInt32BE(body.length, 4);
            return Buffer.concat([header, body]);
        };
        const raw = Buffer.concat([frame(1, "out1 "), frame(2, "err "), frame(1, "out2")]);
        expect(demultiplex(raw)).toEqual({
            stdout: "out1 out2",
            stderr: "err ",
            all: "out1 err out2",
        });
    });
});
