/**
 * TiDB on Docker (the lab): PD, TiKV, TiDB and TiCDC containers as plain ContainerSpecs, with the
 * canonical flags of the pingcap images (tidb-docker-compose, TiCDC's compose files). Pure: the
 * component renders the specs with the platform's renderContainers.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../config";
import { type ContainerSpec, type HealthcheckSpec, PUBLISH_ADDRESS } from "../platform";
import { pdConfigToml, TIDB_PORTS } from "./common";
import { INIT_SQL_FILE_NAME, initSqlContent } from "./init-sql";

export type TidbRole = "pd" | "tikv" | "tidb" | "ticdc";

/** Every role's data lives at the root of its own volume. */
const DATA_DIR = "/data";
const PD_CONFIG_FILE = "/etc/pd/pd.toml";
const INIT_SQL_PATH = `/etc/tidb/${INIT_SQL_FILE_NAME}`;
/** TiKV refuses to start below 82920 open files (tikv#4874); Docker's default is lower. */
const TIKV_NOFILE = 1048576;

export interface TidbDockerArgs {
    /** StackSettings.namePrefix: container and volume names start with it. */
    prefix: string;
    settings: StackSettings["tidb"];
    hostPorts: StackSettings["docker"]["hostPorts"];
    images: StackSettings["docker"]["images"];
    /** Secret; when set, TiDB bootstraps with this root password (see init-sql.ts). */
    rootPassword?: pulumi.Output<string>;
}

export interface TidbDockerSpecs {
    /** In start order: PD, TiKV, TiDB, TiCDC (renderContainers needs dependencies first). */
    containers: ContainerSpec[];
    /** Logical volume names, one per PD, TiKV and TiCDC replica. */
    volumes: string[];
}

/** Where clients reach the cluster: the host for published ports, the network for the rest. */
export interface TidbDockerEndpoints {
    mysqlHost: string;
    mysqlPort: number;
    ticdcApiUrl: string;
    ticdcInternalUrl: string;
    pdInternalUrl: string;
}

export function containerName(prefix: string, role: TidbRole, index: number): string {
    return `${prefix}-${role}-${index}`;
}

export function dataVolumeName(role: TidbRole, index: number): string {
    return `${role}-${index}-data`;
}

/** `pd` for a single replica, `pd-0`, `pd-1`, … otherwise. */
export function hostName(role: TidbRole, index: number, replicas: number): string {
    return replicas === 1 ? role : `${role}-${index}`;
}

/** All replicas of a role also answer to the role name, so one URL reaches any of them. */
function sharedAlias(role: TidbRole, replicas: number): Pick<ContainerSpec, "aliases"> {
    return replicas > 1 ? { aliases: [role] } : {};
}

/** The first replica of a role publishes its client port on the host. */
function published(index: number, container: number, host: number): Pick<ContainerSpec, "ports"> {
    return index === 0 ? { ports: [{ container, host }] } : {};
}

function range(n: number): number[] {
    return Array.from({ length: n }, (_, i) => i);
}

/** PD client addresses (`host:port`), as TiKV and TiDB take them; TiCDC wants `http://` URLs. */
export function pdAddresses(replicas: number): string[] {
    return range(replicas).map((i) => `${hostName("pd", i, replicas)}:${TIDB_PORTS.pdClient}`);
}

/** The images pingcap publishes, unless the stack names others (docker.images). */
export function tidbImages(
    version: string,
    images: StackSettings["docker"]["images"],
): Record<TidbRole, string> {
    return {
        pd: images.pd ?? `pingcap/pd:${version}`,
        tikv: images.tikv ?? `pingcap/tikv:${version}`,
        tidb: images.tidb ?? `pingcap/tidb:${version}`,
        ticdc: images.ticdc ?? `pingcap/ticdc:${version}`,
    };
}

/** wget is in all four images (§4.5 of the image notes); exec form needs no shell. */
function httpCheck(port: number, path: string, startPeriodSeconds: number): HealthcheckSpec {
    return {
        test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${port}${path}`],
        intervalSeconds: 5,
        timeoutSeconds: 3,
        startPeriodSeconds,
        retries: 30,
    };
}

export function tidbDockerSpecs(args: TidbDockerArgs): TidbDockerSpecs {
    const { prefix, settings, hostPorts } = args;
    const images = tidbImages(settings.version, args.images);
    const replicas: Record<TidbRole, number> = {
        pd: settings.pd.replicas,
        tikv: settings.tikv.replicas,
        tidb: settings.tidb.replicas,
        ticdc: settings.ticdc.replicas,
    };
    const names = (role: TidbRole) =>
        range(replicas[role]).map((i) => containerName(prefix, role, i));
    const host = (role: TidbRole, i: number) => hostName(role, i, replicas[role]);
    const pdList = pdAddresses(replicas.pd).join(",");
    const pdUrls = pdAddresses(replicas.pd)
        .map((address) => `http://${address}`)
        .join(",");
    const initialCluster = range(replicas.pd)
        .map((i) => `${host("pd", i)}=http://${host("pd", i)}:${TIDB_PORTS.pdPeer}`)
        .join(",");

    // No dependsOn between PD replicas: Raft members start together to elect a leader.
    const pd = names("pd").map((name, i): ContainerSpec => ({
        name,
        image: images.pd,
        hostname: host("pd", i),
        ...sharedAlias("pd", replicas.pd),
        command: [
            `--name=${host("pd", i)}`,
            `--data-dir=${DATA_DIR}`,
            `--client-urls=http://0.0.0.0:${TIDB_PORTS.pdClient}`,
            `--advertise-client-urls=http://${host("pd", i)}:${TIDB_PORTS.pdClient}`,
            `--peer-urls=http://0.0.0.0:${TIDB_PORTS.pdPeer}`,
            `--advertise-peer-urls=http://${host("pd", i)}:${TIDB_PORTS.pdPeer}`,
            `--initial-cluster=${initialCluster}`,
            `--config=${PD_CONFIG_FILE}`,
        ],
        ...published(i, TIDB_PORTS.pdClient, hostPorts.pd),
        volumes: [{ volume: dataVolumeName("pd", i), containerPath: DATA_DIR }],
        uploads: [{ path: PD_CONFIG_FILE, content: pdConfigToml(replicas.tikv) }],
        healthcheck: httpCheck(TIDB_PORTS.pdClient, "/pd/api/v1/ping", 10),
    }));

    const tikv = names("tikv").map((name, i): ContainerSpec => ({
        name,
        image: images.tikv,
        hostname: host("tikv", i),
        ...sharedAlias("tikv", replicas.tikv),
        command: [
            `--pd=${pdList}`,
            `--addr=0.0.0.0:${TIDB_PORTS.tikv}`,
            `--advertise-addr=${host("tikv", i)}:${TIDB_PORTS.tikv}`,
            // Bound on all interfaces so the health check (and Prometheus) can reach it.
            `--status-addr=0.0.0.0:${TIDB_PORTS.tikvStatus}`,
            `--advertise-status-addr=${host("tikv", i)}:${TIDB_PORTS.tikvStatus}`,
            `--data-dir=${DATA_DIR}`,
        ],
        volumes: [{ volume: dataVolumeName("tikv", i), containerPath: DATA_DIR }],
        ulimits: [{ name: "nofile", soft: TIKV_NOFILE, hard: TIKV_NOFILE }],
        healthcheck: httpCheck(TIDB_PORTS.tikvStatus, "/status", 15),
        dependsOn: names("pd"),
    }));

    // One secret Output shared by every TiDB: whichever bootstraps the cluster runs the file.
    const initSql = args.rootPassword && initSqlContent(args.rootPassword);
    const tidb = names("tidb").map((name, i): ContainerSpec => ({
        name,
        image: images.tidb,
        hostname: host("tidb", i),
        ...sharedAlias("tidb", replicas.tidb),
        command: [
            "--store=tikv",
            `--path=${pdList}`,
            `--advertise-address=${host("tidb", i)}`,
            ...(initSql ? [`--initialize-sql-file=${INIT_SQL_PATH}`] : []),
        ],
        ...published(i, TIDB_PORTS.mysql, hostPorts.tidb),
        ...(initSql ? { uploads: [{ path: INIT_SQL_PATH, content: initSql }] } : {}),
        // The first start bootstraps the system tables: give it time.
        healthcheck: httpCheck(TIDB_PORTS.tidbStatus, "/status", 30),
        dependsOn: names("tikv"),
    }));

    const ticdc = names("ticdc").map((name, i): ContainerSpec => ({
        name,
        image: images.ticdc,
        hostname: host("ticdc", i),
        ...sharedAlias("ticdc", replicas.ticdc),
        // The image has CMD ["/cdc"] and no ENTRYPOINT: the command names the binary.
        command: [
            "/cdc",
            "server",
            `--addr=0.0.0.0:${TIDB_PORTS.ticdc}`,
            `--advertise-addr=${host("ticdc", i)}:${TIDB_PORTS.ticdc}`,
            `--pd=${pdUrls}`,
            `--data-dir=${DATA_DIR}`,
        ],
        ...published(i, TIDB_PORTS.ticdc, hostPorts.ticdc),
        volumes: [{ volume: dataVolumeName("ticdc", i), containerPath: DATA_DIR }],
        healthcheck: httpCheck(TIDB_PORTS.ticdc, "/status", 10),
        dependsOn: names("tidb"),
    }));

    const containers = [...pd, ...tikv, ...tidb, ...ticdc];
    return {
        containers,
        volumes: containers.flatMap((c) => (c.volumes ?? []).map((v) => v.volume)),
    };
}

/** Client endpoints: published ports on the host, shared aliases inside the stack network. */
export function tidbDockerEndpoints(
    hostPorts: StackSettings["docker"]["hostPorts"],
): TidbDockerEndpoints {
    return {
        mysqlHost: PUBLISH_ADDRESS,
        mysqlPort: hostPorts.tidb,
        ticdcApiUrl: `http://${PUBLISH_ADDRESS}:${hostPorts.ticdc}`,
        // A single replica's host name is the role; several share it as an alias.
        ticdcInternalUrl: `http://ticdc:${TIDB_PORTS.ticdc}`,
        pdInternalUrl: `http://pd:${TIDB_PORTS.pdClient}`,
    };
}
