/**
 * Docker rendering: domain code computes plain ContainerSpecs (unit-tested as data); this file is
 * the only place that turns them into @pulumi/docker resources.
 */
import * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import { resourceList } from "./outputs";

/** Every published port listens on loopback only: the lab is never exposed beyond the host. */
export const PUBLISH_ADDRESS = "127.0.0.1";

export interface PortSpec {
    /** Port inside the container. */
    container: number;
    /** Port published on 127.0.0.1. */
    host: number;
}

export interface VolumeMountSpec {
    /** Logical volume name; the renderer creates `<prefix>-<volume>`. */
    volume: string;
    containerPath: string;
}

export interface UploadSpec {
    /** Absolute path of the file inside the container. */
    path: string;
    /** File content; may be a secret Output (stays secret in state). */
    content: pulumi.Input<string>;
}

export interface HealthcheckSpec {
    /** Docker test form: ["CMD-SHELL", "..."] or ["CMD", ...]. */
    test: string[];
    intervalSeconds: number;
    timeoutSeconds: number;
    startPeriodSeconds: number;
    retries: number;
}

export interface ContainerSpec {
    /** Container name (unique on the host; derived from the stack's name prefix). */
    name: string;
    image: string;
    /** Host name inside the network; also the first network alias. */
    hostname: string;
    /** Extra DNS aliases on the stack network. */
    aliases?: string[];
    entrypoint?: string[];
    command?: string[];
    env?: Record<string, string>;
    user?: string;
    ports?: PortSpec[];
    volumes?: VolumeMountSpec[];
    uploads?: UploadSpec[];
    healthcheck?: HealthcheckSpec;
    ulimits?: { name: string; soft: number; hard: number }[];
    /** Names of specs (ContainerSpec.name) that must be healthy before this one starts. */
    dependsOn?: string[];
}

export interface DockerRenderContext {
    network: docker.Network;
    /** Volumes by logical name (see VolumeMountSpec.volume). */
    volumes: Record<string, docker.Volume>;
    /** Already-rendered containers, by ContainerSpec.name, for dependsOn. */
    containers?: Record<string, docker.Container>;
    /** Seconds `pulumi up` waits for a container's health check. */
    waitTimeoutSeconds?: number;
}

/** Render env as sorted `KEY=VALUE` strings so the diff is stable. */
export function envList(env: Record<string, string> = {}): string[] {
    return Object.keys(env)
        .sort()
        .map((key) => `${key}=${env[key]}`);
}

export function renderContainer(
    spec: ContainerSpec,
    ctx: DockerRenderContext,
    opts: pulumi.CustomResourceOptions,
): docker.Container {
    const dependsOn = (spec.dependsOn ?? []).map((name) => {
        const container = ctx.containers?.[name];
        if (!container) {
            throw new Error(`container ${spec.name} depends on ${name}, which is not rendered yet`);
        }
        return container;
    });
    const volumes = (spec.volumes ?? []).map((mount) => {
        const volume = ctx.volumes[mount.volume];
        if (!volume) {
            throw new Error(`container ${spec.name} mounts unknown volume ${mount.volume}`);
        }
        return { volumeName: volume.name, containerPath: mount.containerPath };
    });
    const healthcheck = spec.healthcheck && {
        tests: spec.healthcheck.test,
        interval: `${spec.healthcheck.intervalSeconds}s`,
        timeout: `${spec.healthcheck.timeoutSeconds}s`,
        startPeriod: `${spec.healthcheck.startPeriodSeconds}s`,
        retries: spec.healthcheck.retries,
    };
    return new docker.Container(
        spec.name,
        {
            name: spec.name,
            image: spec.image,
            hostname: spec.hostname,
            entrypoints: spec.entrypoint,
            command: spec.command,
            envs: envList(spec.env),
            user: spec.user,
            networksAdvanced: [
                { name: ctx.network.name, aliases: [spec.hostname, ...(spec.aliases ?? [])] },
            ],
            ports: (spec.ports ?? []).map((p) => ({
                internal: p.container,
                external: p.host,
                ip: PUBLISH_ADDRESS,
            })),
            volumes,
            uploads: (spec.uploads ?? []).map((u) => ({ file: u.path, content: u.content })),
            healthcheck,
            ulimits: spec.ulimits,
            restart: "unless-stopped",
            // Wait for the health check so dependants start against a ready service.
            wait: healthcheck !== undefined,
            waitTimeout: ctx.waitTimeoutSeconds ?? 300,
            labels: [{ label: "io.tidb-cdc-pipeline.container", value: spec.name }],
        },
        { ...opts, dependsOn: [...resourceList(opts.dependsOn), ...dependsOn] },
    );
}

/** Named volumes, one per logical name, all labelled with the stack's prefix. */
export function renderVolumes(
    names: readonly string[],
    prefix: string,
    opts: pulumi.CustomResourceOptions,
): Record<string, docker.Volume> {
    return Object.fromEntries(
        names.map((volume) => [
            volume,
            new docker.Volume(`${prefix}-${volume}`, { name: `${prefix}-${volume}` }, opts),
        ]),
    );
}

/** Render a list of specs in order, wiring dependsOn between them. */
export function renderContainers(
    specs: readonly ContainerSpec[],
    ctx: DockerRenderContext,
    opts: pulumi.CustomResourceOptions,
): Record<string, docker.Container> {
    const containers: Record<string, docker.Container> = { ...(ctx.containers ?? {}) };
    for (const spec of specs) {
        containers[spec.name] = renderContainer(spec, { ...ctx, containers }, opts);
    }
    return containers;
}
