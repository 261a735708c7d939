/**
 * The command line of `npm run verify`, as a pure function from argv to options (no I/O, no
 * environment): what the CLI entry (main.ts) turns into endpoints, a password and a run.
 *
 * Passwords are deliberately not a flag: a flag shows in `ps` and in shell history, so the TiDB
 * password comes from the environment (TIDB_PASSWORD) or the stack's secret config (main.ts).
 */

/** The four hops a marker row goes through, in pipeline order. */
export type HopName = "tidb" | "ticdc" | "kafka" | "flink";

export const HOPS: readonly HopName[] = ["tidb", "ticdc", "kafka", "flink"];

/** Stack output names (infra/program.ts); every one is a plain (non-secret) endpoint. */
export interface Endpoints {
    tidbMysqlEndpoint?: string;
    ticdcApiUrl?: string;
    kafkaBootstrapServers?: string;
    flinkRestUrl?: string;
    flinkSqlGatewayUrl?: string;
}

export interface TableRef {
    schema: string;
    table: string;
}

export interface CliOptions {
    /** `--stack`: read endpoints (and defaults) from this Pulumi stack. */
    stack?: string;
    /** Endpoints given as flags; they win over the stack's outputs. */
    endpoints: Endpoints;
    /** `--flink-kafka`: the brokers as Flink reaches them (default: the changefeed's sink brokers). */
    flinkKafkaBootstrapServers?: string;
    /** `--tidb-user` (default: the stack's `tidb.external.user`, else root). */
    tidbUser?: string;
    /** `--changefeed` (default: the stack's changefeed, else the one whose filter covers the marker). */
    changefeed?: string;
    /** `--marker-table` (default `cdc_verify.marker`). */
    markerTable: TableRef;
    /** `--topic`: overrides the topic the changefeed's dispatchers route the marker table to. */
    topic?: string;
    /** Per-hop timeouts in ms (`--timeout 90`, `--timeout flink=180`). */
    timeoutsMs: Record<HopName, number>;
    json: boolean;
    help: boolean;
}

/** A bad command line: the CLI prints it with the usage and exits 2. */
export interface UsageError extends Error {
    name: "UsageError";
}

export function usageError(message: string): UsageError {
    return Object.assign(new Error(message), { name: "UsageError" as const });
}

export function isUsageError(error: unknown): error is UsageError {
    return error instanceof Error && error.name === "UsageError";
}

export const DEFAULT_MARKER_TABLE: TableRef = { schema: "cdc_verify", table: "marker" };

/**
 * Defaults per hop, in seconds. TiDB: connect, create the table, insert. TiCDC and Kafka: from
 * the commit until the checkpoint passes it / the message is read (TiCDC's default checkpoint
 * and flush intervals are well under a second, so a healthy pipeline needs a few seconds at
 * most). Flink gets more: the same budget also bounds starting its temporary job (scheduling,
 * the Kafka connector's metadata calls), which on a loaded session cluster takes tens of seconds.
 */
export const DEFAULT_TIMEOUTS_S: Record<HopName, number> = {
    tidb: 30,
    ticdc: 60,
    kafka: 60,
    flink: 120,
};

const MAX_TIMEOUT_S = 3600;

/** A MySQL identifier verify is willing to create (no quoting surprises, ≤ 64 characters). */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

export const USAGE = `Usage: npm run verify -- [--stack <name>] [options]

Writes a marker row into TiDB and follows it through the TiCDC changefeed, the Kafka topic and
Flink; prints each hop with its timing and a verdict. Exit code 0 when the marker arrived
everywhere, 1 when a hop failed, 2 on a bad command line or configuration.

Where the pipeline is:
  --stack <name>            endpoints from \`pulumi stack output --json --stack <name>\`
  --tidb <host:port>        TiDB's MySQL endpoint           (output tidbMysqlEndpoint)
  --ticdc <url>             TiCDC Open API                  (output ticdcApiUrl)
  --kafka <host:port,...>   Kafka bootstrap servers         (output kafkaBootstrapServers)
  --flink-rest <url>        Flink JobManager REST           (output flinkRestUrl)
  --flink-gateway <url>     Flink SQL Gateway               (output flinkSqlGatewayUrl)
  --flink-kafka <servers>   the brokers as Flink reaches them (default: the changefeed's sink brokers)
  Flags win over the stack's outputs; without --stack all five endpoints are required.

What to check:
  --marker-table <db.tbl>   the dedicated marker table (default cdc_verify.marker; created if missing)
  --changefeed <id>         default: the stack's changefeed, else the one that covers the marker table
  --topic <name>            default: where the changefeed's dispatchers route the marker table
  --tidb-user <user>        default: the stack's tidb.external.user, else root

How:
  --timeout <s>             per-hop timeout for every hop (defaults: tidb 30, ticdc 60, kafka 60, flink 120)
  --timeout <hop>=<s>       one hop's timeout (hop: tidb, ticdc, kafka, flink); repeatable
  --json                    one JSON report on stdout instead of the table
  -h, --help                this text

The TiDB password comes from TIDB_PASSWORD, else the stack's secret config tidbRootPassword,
else it is empty. It is never printed.`;

/** `db.tbl` → its parts, both plain identifiers. */
export function parseTableRef(text: string, flag = "--marker-table"): TableRef {
    const parts = text.split(".");
    if (parts.length !== 2 || !parts.every((part) => IDENTIFIER.test(part))) {
        throw usageError(
            `${flag} must be <schema>.<table> with plain identifiers ([A-Za-z_][A-Za-z0-9_]*), got ${JSON.stringify(text)}`,
        );
    }
    return { schema: parts[0]!, table: parts[1]! };
}

function parseSeconds(text: string, what: string): number {
    if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) {
        throw usageError(`${what} must be a number of seconds, got ${JSON.stringify(text)}`);
    }
    const seconds = Number(text);
    if (seconds <= 0 || seconds > MAX_TIMEOUT_S) {
        throw usageError(`${what} must be between 0 and ${MAX_TIMEOUT_S} seconds, got ${text}`);
    }
    return seconds;
}

/** Applies one `--timeout` value: `90` (every hop) or `kafka=30` (one hop). */
export function applyTimeout(timeoutsMs: Record<HopName, number>, value: string): void {
    const eq = value.indexOf("=");
    if (eq < 0) {
        const ms = parseSeconds(value, "--timeout") * 1000;
        for (const hop of HOPS) timeoutsMs[hop] = ms;
        return;
    }
    const hop = value.slice(0, eq) as HopName;
    if (!HOPS.includes(hop)) {
        throw usageError(
            `--timeout ${value}: unknown hop "${hop}" (one of ${HOPS.join(", ")}), or give seconds alone for every hop`,
        );
    }
    timeoutsMs[hop] = parseSeconds(value.slice(eq + 1), `--timeout ${hop}`) * 1000;
}

function checkUrl(value: string, flag: string): string {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        throw usageError(`${flag} must be an http(s) URL, got ${JSON.stringify(value)}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw usageError(`${flag} must be an http(s) URL, got ${JSON.stringify(value)}`);
    }
    return value;
}

function checkServers(value: string, flag: string): string {
    const servers = value.split(",").map((s) => s.trim());
    if (servers.length === 0 || servers.some((s) => !/^[^\s:,]+:[0-9]{1,5}$/.test(s))) {
        throw usageError(`${flag} must be host:port[,host:port…], got ${JSON.stringify(value)}`);
    }
    return servers.join(",");
}

/** argv (without `node script`) → options; throws a UsageError on anything it does not know. */
export function parseArgs(argv: readonly string[]): CliOptions {
    const options: CliOptions = {
        endpoints: {},
        markerTable: { ...DEFAULT_MARKER_TABLE },
        timeoutsMs: Object.fromEntries(
            HOPS.map((hop) => [hop, DEFAULT_TIMEOUTS_S[hop] * 1000]),
        ) as Record<HopName, number>,
        json: false,
        help: false,
    };
    const rest = [...argv];
    // npm passes a lone "--" through when the user writes `npm run verify -- …` twice.
    while (rest.length > 0) {
        const arg = rest.shift()!;
        if (arg === "--") continue;
        if (arg === "-h" || arg === "--help") {
            options.help = true;
            continue;
        }
        if (arg === "--json") {
            options.json = true;
            continue;
        }
        const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
        const flag = eq > 0 ? arg.slice(0, eq) : arg;
        const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
        const value = (): string => {
            const next = inline ?? rest.shift();
            if (
                next === undefined ||
                next === "" ||
                (inline === undefined && next.startsWith("--"))
            ) {
                throw usageError(`${flag} needs a value`);
            }
            return next;
        };
        switch (flag) {
            case "--stack":
                options.stack = value();
                break;
            case "--tidb":
                options.endpoints.tidbMysqlEndpoint = checkServers(value(), flag);
                break;
            case "--ticdc":
                options.endpoints.ticdcApiUrl = checkUrl(value(), flag);
                break;
            case "--kafka":
                options.endpoints.kafkaBootstrapServers = checkServers(value(), flag);
                break;
            case "--flink-rest":
                options.endpoints.flinkRestUrl = checkUrl(value(), flag);
                break;
            case "--flink-gateway":
                options.endpoints.flinkSqlGatewayUrl = checkUrl(value(), flag);
                break;
            case "--flink-kafka":
                options.flinkKafkaBootstrapServers = checkServers(value(), flag);
                break;
            case "--tidb-user":
                options.tidbUser = value();
                break;
            case "--changefeed": {
                const id = value();
                if (!/^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$/.test(id) || id.length > 128) {
                    throw usageError(
                        `--changefeed ${JSON.stringify(id)} is not a TiCDC changefeed id`,
                    );
                }
                options.changefeed = id;
                break;
            }
            case "--marker-table":
                options.markerTable = parseTableRef(value());
                break;
            case "--topic": {
                const topic = value();
                if (!TOPIC.test(topic)) {
                    throw usageError(`--topic ${JSON.stringify(topic)} is not a Kafka topic name`);
                }
                options.topic = topic;
                break;
            }
            case "--timeout":
                applyTimeout(options.timeoutsMs, value());
                break;
            default:
                throw usageError(`unknown argument ${JSON.stringify(arg)}`);
        }
    }
    return options;
}

/** Which endpoints are still missing once the stack's outputs and the flags are merged. */
export function missingEndpoints(endpoints: Endpoints): (keyof Endpoints)[] {
    const all: (keyof Endpoints)[] = [
        "tidbMysqlEndpoint",
        "ticdcApiUrl",
        "kafkaBootstrapServers",
        "flinkRestUrl",
        "flinkSqlGatewayUrl",
    ];
    return all.filter((key) => !endpoints[key]);
}
