/** The machine a benchmark ran on: CPU, cores, memory, OS, Node, Pulumi, load. */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");

export interface Machine {
    cpuModel: string;
    cores: number;
    memoryGiB: number;
    os: string;
    kernel: string;
    node: string;
    pulumiCli: string;
    pulumiSdk: string;
    kafkajs: string;
    /** 1-, 5- and 15-minute load averages when the run started. */
    loadAtStart: number[];
}

async function osName(): Promise<string> {
    try {
        const release = await readFile("/etc/os-release", "utf8");
        const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(release)?.[1];
        if (pretty) return pretty;
    } catch {
        // not Linux, or no os-release
    }
    return `${os.type()} ${os.release()}`;
}

async function packageVersion(name: string): Promise<string> {
    try {
        const text = await readFile(path.join(ROOT, "node_modules", name, "package.json"), "utf8");
        return (JSON.parse(text) as { version: string }).version;
    } catch {
        return "?";
    }
}

/** `pulumi version` with the engine's environment (its PATH has the CLI). */
export async function pulumiCliVersion(env: NodeJS.ProcessEnv): Promise<string> {
    try {
        const { stdout } = await run("pulumi", ["version"], { env });
        return stdout.trim();
    } catch {
        return "?";
    }
}

export async function describeMachine(env: NodeJS.ProcessEnv): Promise<Machine> {
    const cpus = os.cpus();
    return {
        cpuModel: cpus[0]?.model.trim() ?? "?",
        cores: cpus.length,
        memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
        os: await osName(),
        kernel: os.release(),
        node: process.version,
        pulumiCli: await pulumiCliVersion(env),
        pulumiSdk: await packageVersion("@pulumi/pulumi"),
        kafkajs: await packageVersion("kafkajs"),
        loadAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    };
}

export function machineLine(m: Machine): string {
    return (
        `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os} (kernel ${m.kernel}), ` +
        `Node ${m.node}, Pulumi CLI ${m.pulumiCli} / SDK ${m.pulumiSdk}, kafkajs ${m.kafkajs}; ` +
        `load average at start ${m.loadAtStart.join(" / ")}`
    );
}
