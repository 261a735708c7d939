/**
 * `npm run bench`: what the project itself costs, measured on the local services in one run.
 *
 *     npm run bench -- [--out FILE] [--markdown FILE] [--sizes 1,10,50] [--repeat 3]
 *                      [--latency-runs 20] [--slots 56] [--tm-memory 3072m]
 *                      [--skip engine,providers,latency]
 *     npm run bench -- --render FILE.json    (print the tables of an earlier run's report)
 *
 * 1. the machine (CPU, cores, memory, OS, Node, Pulumi);
 * 2. the services: the shared Kafka 4.3 and MariaDB (started if missing, never stopped), the
 *    benchmark's own Flink 2.2 with a task slot per job, and the TiCDC emulator in this process;
 * 3. fixed costs: Node start, the CLI's start, the dynamic-provider plugin's start;
 * 4. remote calls per provider operation (providers.ts);
 * 5. the marker row's end-to-end latency (latency.ts);
 * 6. the engine: preview, no-op up and preview --refresh of the pipeline with 0 (empty) and each
 *    size of tables, against the floor (engine.ts, floor.ts).
 *
 * Prints the tables (Markdown) on stdout, progress on stderr, and writes the JSON report
 * (default /tmp/tidb-cdc-bench-<time>.json). Everything it creates is removed at the end, also on
 * failure or Ctrl-C (cleanup.ts). Exit 1 when a step failed.
 */
import { readFile, writeFile } from "node:fs/promises";
import { startTicdcEmulator, type TicdcEmulator } from "../../test/emulator/ticdc/server";
import { Cleanup } from "./cleanup";
import { createBenchHome, measureSize, startupCosts } from "./engine";
import { measureLatency } from "./latency";
import { describeMachine } from "./machine";
import { countProviderOperations } from "./providers";
import { type BenchReport, renderReport } from "./report";
import { startBenchServices } from "./services";
import { jobsThatFit } from "./shape";

export interface BenchOptions {
    /** Only render this earlier report (JSON) as Markdown; run nothing. */
    render?: string;
    out: string;
    markdown?: string;
    sizes: number[];
    repeat: number;
    latencyRuns: number;
    slots: number;
    taskManagerMemory: string;
    skip: string[];
}

export function parseArgs(argv: readonly string[], now = new Date()): BenchOptions {
    const stamp = now.toISOString().replace(/[:.]/g, "-");
    const options: BenchOptions = {
        out: `/tmp/tidb-cdc-bench-${stamp}.json`,
        sizes: [1, 10, 50],
        repeat: 3,
        latencyRuns: 20,
        slots: 56,
        taskManagerMemory: "3072m",
        skip: [],
    };
    const positive = (flag: string, value: string | undefined): number => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a whole number ≥ 1`);
        return n;
    };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i]!;
        const value = argv[i + 1];
        const take = () => {
            if (value === undefined) throw new Error(`${flag} needs a value`);
            i++;
            return value;
        };
        switch (flag) {
            case "--out":
                options.out = take();
                break;
            case "--markdown":
                options.markdown = take();
                break;
            case "--sizes":
                options.sizes = take()
                    .split(",")
                    .map((s) => positive("--sizes", s.trim()));
                break;
            case "--repeat":
                options.repeat = positive(flag, take());
                break;
            case "--latency-runs":
                options.latencyRuns = positive(flag, take());
                break;
            case "--slots":
                options.slots = positive(flag, take());
                break;
            case "--tm-memory":
                options.taskManagerMemory = take();
                break;
            case "--render":
                options.render = take();
                break;
            case "--skip":
                options.skip = take()
                    .split(",")
                    .map((s) => s.trim());
                break;
            default:
                throw new Error(`unknown argument ${flag} (see scripts/bench/main.ts)`);
        }
    }
    const unknown = options.skip.filter((s) => !["engine", "providers", "latency"].includes(s));
    if (unknown.length > 0)
        throw new Error(`--skip takes engine, providers, latency: ${unknown.join(", ")}`);
    return options;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(options: BenchOptions): Promise<number> {
    const started = performance.now();
    const run = `b${Date.now().toString(36)}`;
    const report: BenchReport = {
        startedAt: new Date().toISOString(),
        options: {
            sizes: options.sizes,
            repeat: options.repeat,
            latencyRuns: options.latencyRuns,
            flinkSlots: options.slots,
            taskManagerMemory: options.taskManagerMemory,
        },
        sizes: [],
        failures: [],
        cleanupFailures: [],
    };
    const cleanup = new Cleanup(log);
    cleanup.onSignals();
    const attempt = async (what: string, fn: () => Promise<void>) => {
        try {
            await fn();
        } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            report.failures.push(`${what}: ${message.slice(0, 2000)}`);
            log(`[bench] FAILED ${what}: ${message}`);
        }
    };
    try {
        log("[bench] compiling the engine driver and the benchmark's helpers");
        const bench = await createBenchHome();
        cleanup.add("engine home", () => bench.home.dispose());
        report.machine = await describeMachine(bench.env);
        log("[bench] starting the services (the benchmark's own Flink on ports 28181/28183)");
        const services = await startBenchServices({
            slots: options.slots,
            taskManagerMemory: options.taskManagerMemory,
        });
        cleanup.add("the benchmark's Flink", () => services.stop());
        const emulator: TicdcEmulator = await startTicdcEmulator({
            kafka: { real: {} },
            tickMs: 200,
        });
        cleanup.add("TiCDC emulator", () => emulator.close());
        report.services = {
            kafka: `${services.kafka.version} (${services.kafka.mode}) at ${services.kafka.bootstrap}`,
            flink: `${services.flink.version} at ${services.flink.restUrl}`,
            flinkSlots: services.flinkSlots,
            ticdc: `the Open API emulator (test/emulator/ticdc) at ${emulator.url}`,
        };
        const defineTables = (schema: string, names: string[]) => {
            for (const table of names) {
                emulator.defineTable({
                    schema,
                    table,
                    columns: [
                        { name: "id", type: "bigint" },
                        { name: "note", type: "varchar(64)" },
                    ],
                    primaryKey: ["id"],
                });
            }
        };
        const flink = {
            gatewayUrl: services.flink.gatewayUrl,
            restUrl: services.flink.restUrl,
            savepointDir: services.flink.savepointDir,
        };

        await attempt("fixed costs", async () => {
            log("[bench] fixed costs");
            report.startup = await startupCosts(bench, 5);
        });

        if (!options.skip.includes("providers")) {
            await attempt("provider operations", async () => {
                log("[bench] remote calls per provider operation");
                const phase = new Cleanup(log);
                const undo = cleanup.add("provider operations", () => phase.runAll());
                try {
                    report.providerOps = await countProviderOperations({
                        run,
                        bootstrap: services.kafka.bootstrap,
                        ticdcApiUrl: emulator.url,
                        ...flink,
                        cleanup: phase,
                        log,
                        defineTables,
                    });
                } finally {
                    await undo();
                }
            });
        }

        if (!options.skip.includes("latency")) {
            await attempt("marker latency", async () => {
                log(`[bench] marker row latency, ${options.latencyRuns} runs`);
                const phase = new Cleanup(log);
                const undo = cleanup.add("latency pipeline", () => phase.runAll());
                try {
                    report.latency = await measureLatency(
                        {
                            run,
                            bootstrap: services.kafka.bootstrap,
                            ticdcApiUrl: emulator.url,
                            ...flink,
                            cleanup: phase,
                            log,
                            defineTables,
                            insertRow: (schema, table, row) =>
                                void emulator.insertRow(schema, table, row),
                        },
                        options.latencyRuns,
                    );
                } finally {
                    await undo();
                }
            });
        }

        if (!options.skip.includes("engine")) {
            const context = {
                bench,
                run,
                endpoints: {
                    kafkaBootstrap: services.kafka.bootstrap,
                    ticdcApiUrl: emulator.url,
                    mariadb: { host: services.mariadb.host, port: services.mariadb.port },
                    flinkRestUrl: services.flink.restUrl,
                    flinkGatewayUrl: services.flink.gatewayUrl,
                    savepointDir: services.flink.savepointDir,
                },
                repeat: options.repeat,
                cleanup,
                log,
                defineTables,
                deleteChangefeed: async (id: string) => {
                    await fetch(`${emulator.url}/api/v2/changefeeds/${id}`, { method: "DELETE" });
                },
            };
            for (const tables of [0, ...options.sizes]) {
                const jobs = jobsThatFit(tables, services.flinkSlots);
                if (jobs < tables) {
                    log(
                        `[bench] only ${jobs} of ${tables} jobs fit in ${services.flinkSlots} slots`,
                    );
                }
                await attempt(`engine, ${tables} tables`, async () => {
                    report.sizes.push(await measureSize(context, { tables, jobs }));
                });
            }
        }
    } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        report.failures.push(message);
        log(`[bench] FAILED: ${message}`);
    } finally {
        report.cleanupFailures = await cleanup.runAll();
    }
    report.totalMs = performance.now() - started;
    await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`);
    const markdown = renderReport(report);
    if (options.markdown) await writeFile(options.markdown, `${markdown}\n`);
    process.stdout.write(`${markdown}\n`);
    log(`[bench] report written to ${options.out}`);
    return report.failures.length + report.cleanupFailures.length > 0 ? 1 : 0;
}

if (require.main === module) {
    let options: BenchOptions;
    try {
        options = parseArgs(process.argv.slice(2));
    } catch (error) {
        console.error((error as Error).message);
        process.exit(2);
    }
    const rendered = options.render;
    const work = rendered
        ? readFile(rendered, "utf8").then((text) => {
              process.stdout.write(`${renderReport(JSON.parse(text) as BenchReport)}\n`);
              return 0;
          })
        : main(options);
    work.then(
        (code) => process.exit(code),
        (error: unknown) => {
            console.error(error);
            process.exit(1);
        },
    );
}
