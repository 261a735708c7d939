/**
 * The Pulumi engine in tests: the project compiled to CommonJS by tsc, driven through
 * scripts/engine/inline.ts in a plain Node process (never inside vitest: its module transform
 * breaks the closure serialization dynamic providers depend on), with the CLI from
 * scripts/pulumi-toolchain.sh, a local file backend and a passphrase.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type {
    InlineAction,
    InlineRequest,
    InlineResult,
    InlineStep,
} from "../../scripts/engine/inline";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");
export const PROJECT = "tidb-cdc-pipeline";

/** What every engine test shares: the compiled driver and the CLI on PATH. */
export interface EngineHome {
    /** Scratch directory: compiled code, work dirs, state; removed by `dispose`. */
    dir: string;
    driver: string;
    env: NodeJS.ProcessEnv;
    dispose(): Promise<void>;
}

/**
 * The Pulumi CLI's bin directory: the one on PATH (scripts/test.sh puts it there), else what
 * scripts/pulumi-toolchain.sh provides (an installed CLI, or the one it builds and caches).
 */
async function pulumiBin(): Promise<string> {
    const onPath = await run("sh", ["-c", "command -v pulumi"]).catch(() => undefined);
    const found = onPath?.stdout.trim();
    if (found) return path.dirname(found);
    const { stdout } = await run("bash", [path.join(ROOT, "scripts/pulumi-toolchain.sh")], {
        cwd: ROOT,
        maxBuffer: 16 << 20,
    });
    const bin = stdout.trim().split("\n").pop();
    if (!bin) throw new Error("scripts/pulumi-toolchain.sh printed no bin directory");
    return bin;
}

export async function createEngineHome(): Promise<EngineHome> {
    const dir = await mkdtemp(path.join(tmpdir(), "engine-"));
    const out = path.join(dir, "out");
    const tsconfig = path.join(dir, "tsconfig.json");
    await writeFile(
        tsconfig,
        JSON.stringify({
            extends: path.join(ROOT, "tsconfig.json"),
            compilerOptions: {
                outDir: out,
                rootDir: ROOT,
                typeRoots: [path.join(ROOT, "node_modules/@types")],
            },
            include: [],
            files: [path.join(ROOT, "scripts/engine/inline.ts")],
        }),
    );
    const [bin] = await Promise.all([
        pulumiBin(),
        run(path.join(ROOT, "node_modules/.bin/tsc"), ["-p", tsconfig], { cwd: ROOT }),
    ]);
    await mkdir(path.join(dir, "state"));
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
        NODE_PATH: path.join(ROOT, "node_modules"),
        PULUMI_HOME: path.join(dir, "pulumi-home"),
        PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: randomBytes(12).toString("hex"),
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    };
    return {
        dir,
        driver: path.join(out, "scripts/engine/inline.js"),
        env,
        dispose: () => rm(dir, { recursive: true, force: true }),
    };
}

/** The result of one engine action, with helpers to look at its steps. */
export class EngineRun {
    constructor(
        readonly action: InlineAction,
        readonly result: InlineResult,
        /** The engine's output (stderr of the driver). */
        readonly log: string,
    ) {}

    get ok(): boolean {
        return this.result.ok;
    }

    /**
     * The program's resource steps that changed something, optionally of one type (the last
     * segment, e.g. "KafkaTopic"). Provider instances are left out: the default dynamic provider
     * takes the stack config as its own and "updates" whenever the config changes.
     */
    changed(type?: string): InlineStep[] {
        return this.result.steps.filter(
            (step) =>
                step.op !== "same" &&
                !step.type.startsWith("pulumi:providers:") &&
                (type === undefined || step.type.endsWith(type)),
        );
    }

    /** `op` per resource name, for the steps that changed something. */
    ops(): Record<string, string> {
        return Object.fromEntries(this.changed().map((step) => [step.name, step.op]));
    }

    /** Everything except "same". */
    get changeCount(): number {
        return Object.entries(this.result.changes)
            .filter(([op]) => op !== "same")
            .reduce((sum, [, count]) => sum + count, 0);
    }
}

/** One stack in its own work directory (Pulumi.yaml + a node_modules link). */
export class EngineStack {
    private constructor(
        private readonly home: EngineHome,
        readonly name: string,
        readonly workDir: string,
    ) {}

    static async create(home: EngineHome, name: string): Promise<EngineStack> {
        const workDir = path.join(home.dir, `work-${name}`);
        await mkdir(workDir, { recursive: true });
        await writeFile(
            path.join(workDir, "Pulumi.yaml"),
            `name: ${PROJECT}\nruntime: nodejs\ndescription: engine test stack ${name}\n`,
        );
        // The dynamic-provider launcher resolves @pulumi/pulumi from the engine's cwd.
        await symlink(path.join(ROOT, "node_modules"), path.join(workDir, "node_modules"), "dir");
        return new EngineStack(home, name, workDir);
    }

    /** Stack config as `<key>` → value (objects are stored as JSON, as `pulumi config set`). */
    static config(
        values: Record<string, unknown>,
        secrets: Record<string, string> = {},
    ): InlineRequest["config"] {
        const config: NonNullable<InlineRequest["config"]> = {};
        for (const [key, value] of Object.entries(values)) {
            config[`${PROJECT}:${key}`] = {
                value: typeof value === "string" ? value : JSON.stringify(value),
            };
        }
        for (const [key, value] of Object.entries(secrets)) {
            config[`${PROJECT}:${key}`] = { value, secret: true };
        }
        return config;
    }

    async exec(
        action: InlineAction,
        options: Omit<InlineRequest, "action" | "stack" | "workDir"> = {},
    ): Promise<EngineRun> {
        const id = randomBytes(4).toString("hex");
        const requestFile = path.join(this.home.dir, `${this.name}-${action}-${id}.request.json`);
        const resultFile = path.join(this.home.dir, `${this.name}-${action}-${id}.result.json`);
        const request: InlineRequest = {
            action,
            stack: this.name,
            workDir: this.workDir,
            ...options,
        };
        await writeFile(requestFile, JSON.stringify(request));
        let log = "";
        try {
            const { stderr } = await run(
                process.execPath,
                [this.home.driver, requestFile, resultFile],
                {
                    cwd: this.workDir,
                    env: this.home.env,
                    maxBuffer: 64 << 20,
                },
            );
            log = stderr;
        } catch (err) {
            log = (err as { stderr?: string }).stderr ?? String(err);
        }
        let result: InlineResult;
        try {
            result = JSON.parse(await readFile(resultFile, "utf8")) as InlineResult;
        } catch {
            throw new Error(`the engine driver wrote no result for ${action}:\n${log}`);
        }
        return new EngineRun(action, result, log);
    }

    /** Runs the action and fails with the engine's message unless it succeeded. */
    async must(
        action: InlineAction,
        options: Omit<InlineRequest, "action" | "stack" | "workDir"> = {},
    ): Promise<EngineRun> {
        const done = await this.exec(action, options);
        if (!done.ok) throw new Error(`pulumi ${action} failed: ${done.result.error}`);
        return done;
    }
}

/**
 * The engine tests' Flink SQL: a canal-json source over `<schema>.orders` (id, note), a print
 * sink, and the job `orders-to-print` copying one to the other.
 */
export function ordersToPrintFlinkSql(schema: string) {
    const columns = [
        { name: "id", type: "BIGINT", nullable: false },
        { name: "note", type: "STRING" },
    ];
    return {
        tables: [
            { name: "orders", from: `${schema}.orders`, columns, primaryKey: ["id"] },
            { name: "orders_changes", columns, options: { connector: "print" } },
        ],
        jobs: [
            {
                name: "orders-to-print",
                statement: "INSERT INTO orders_changes SELECT id, note FROM orders",
                parallelism: 1,
            },
        ],
    };
}
