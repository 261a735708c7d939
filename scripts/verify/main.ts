/**
 * `npm run verify`: the thin CLI around verify.ts. Parses the command line, resolves the
 * endpoints (a stack's outputs and/or flags), the TiDB user and password, runs one check with
 * the production marker writer (mysql2 → TiDB) and prints the report: a table (progress on
 * stderr) or, with --json, one JSON document on stdout. Exit code: 0 all hops ok, 1 a hop failed,
 * 2 a bad command line or an unreadable stack.
 */
import { HOPS, isUsageError, missingEndpoints, parseArgs, USAGE, type Endpoints } from "./args";
import { exitCode, formatHuman, formatJson, redact } from "./report";
import {
    type CommandRunner,
    execRunner,
    findPulumi,
    readStack,
    readStackPassword,
    type StackDefaults,
} from "./stack";
import { type MarkerWriter, mysqlMarkerWriter, splitEndpoint } from "./tidb";
import { verifyPipeline } from "./verify";

export interface MainIo {
    env: NodeJS.ProcessEnv;
    stdout: (text: string) => void;
    stderr: (text: string) => void;
    /** Runs the Pulumi CLI (tests inject one). */
    run?: CommandRunner;
    /** The marker writer for a TiDB target (tests inject one). */
    writer?: (target: {
        host: string;
        port: number;
        user: string;
        password: string;
    }) => MarkerWriter;
}

export async function main(argv: readonly string[], io: MainIo): Promise<number> {
    const secrets: string[] = [];
    try {
        return await run(argv, io, secrets);
    } catch (error) {
        // Not expected (verify reports failures instead of throwing); still never the password.
        const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
        io.stderr(`verify: unexpected error: ${redact(text, secrets)}\n`);
        return 2;
    }
}

async function run(argv: readonly string[], io: MainIo, secrets: string[]): Promise<number> {
    let options;
    try {
        options = parseArgs(argv);
    } catch (error) {
        if (!isUsageError(error)) throw error;
        io.stderr(`verify: ${error.message}\n\n${USAGE}\n`);
        return 2;
    }
    if (options.help) {
        io.stdout(`${USAGE}\n`);
        return 0;
    }
    const fail = (text: string): number => {
        io.stderr(`verify: ${redact(text, secrets)}\n`);
        return 2;
    };

    let endpoints: Endpoints = {};
    let defaults: StackDefaults | undefined;
    let pulumi: string | undefined;
    const runner = io.run ?? execRunner(io.env);
    if (options.stack !== undefined) {
        pulumi = findPulumi(io.env);
        if (!pulumi) {
            return fail(
                "--stack needs the Pulumi CLI: install it (https://www.pulumi.com/docs/install/) or run " +
                    "`bash scripts/pulumi-toolchain.sh`; or give the endpoints as flags",
            );
        }
        try {
            ({ endpoints, defaults } = await readStack(pulumi, options.stack, runner));
        } catch (error) {
            return fail(`cannot read stack "${options.stack}": ${(error as Error).message}`);
        }
    }
    for (const [key, value] of Object.entries(options.endpoints) as [keyof Endpoints, string][]) {
        if (value) endpoints[key] = value;
    }
    const missing = missingEndpoints(endpoints);
    if (missing.length > 0) {
        return fail(
            `missing endpoint(s) ${missing.join(", ")}: ${options.stack ? `stack "${options.stack}" has no such output; ` : ""}give --stack or the flags (--help)`,
        );
    }
    const complete = endpoints as Required<Endpoints>;

    // The password: the environment first, then the stack's secret; never a flag, never printed.
    let password = io.env.TIDB_PASSWORD;
    if (password === undefined && defaults?.hasTidbPassword && pulumi && options.stack) {
        try {
            password = await readStackPassword(pulumi, options.stack, runner);
        } catch (error) {
            return fail(
                `cannot read the stack's secret tidbRootPassword (set TIDB_PASSWORD instead, or PULUMI_CONFIG_PASSPHRASE): ${(error as Error).message}`,
            );
        }
    }
    password ??= "";
    if (password !== "") secrets.push(password);

    const { host, port } = splitEndpoint(complete.tidbMysqlEndpoint);
    const user = options.tidbUser ?? defaults?.tidbUser ?? "root";
    const writer = (io.writer ?? mysqlMarkerWriter)({ host, port, user, password });
    const timeouts = HOPS.map((hop) => `${hop} ${options.timeoutsMs[hop] / 1000} s`).join(", ");
    if (!options.json) {
        io.stderr(
            `verify: ${options.stack ? `stack ${options.stack}, ` : ""}TiDB ${writer.description}, timeouts ${timeouts}\n`,
        );
    }
    const changefeed = options.changefeed ?? defaults?.changefeedId;
    const report = await verifyPipeline(
        {
            endpoints: complete,
            markerTable: options.markerTable,
            timeoutsMs: options.timeoutsMs,
            ...(options.flinkKafkaBootstrapServers
                ? { flinkKafkaBootstrapServers: options.flinkKafkaBootstrapServers }
                : {}),
            ...(changefeed !== undefined ? { changefeed } : {}),
            ...(defaults?.replicatedTables ? { replicatedTables: defaults.replicatedTables } : {}),
            ...(options.topic !== undefined ? { topic: options.topic } : {}),
        },
        {
            writer,
            secrets,
            ...(options.json
                ? {}
                : { log: (line: string) => io.stderr(`  … ${redact(line, secrets)}\n`) }),
        },
    );
    io.stdout(options.json ? formatJson(report) : formatHuman(report));
    return exitCode(report);
}

if (require.main === module) {
    void main(process.argv.slice(2), {
        env: process.env,
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
    }).then((code) => {
        process.exitCode = code;
        // Client libraries may keep a socket or timer alive for a moment; do not hang on them.
        setTimeout(() => process.exit(code), 1000).unref();
    });
}
