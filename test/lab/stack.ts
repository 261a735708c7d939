/**
 * The lab stack's networks, volumes and containers, created on a real Docker engine from the
 * inputs the program recorded (translate.ts does the input → Engine API mapping), in the order the
 * program's dependencies give (containers whose dependencies are up start together, as the
 * Pulumi engine would start them), and removed again in reverse.
 *
 * Two departures, both in the open: containers whose image cannot be had (PD, TiKV, TiDB; see
 * images.ts) are left out, and dependencies on them dropped; and everything created carries one
 * extra label, `io.tidb-cdc-pipeline.lab-test`, so a crashed run's leftovers are recognised and a
 * real lab stack (`scripts/lab.sh up`) on the same engine is never touched.
 */
import * as net from "node:net";
import type { RecordedResource } from "../support/pulumi-mocks";
import { DockerApiError, type DockerEngine, tarOneFile } from "./docker-engine";
import { isUnavailable } from "./images";
import { CONTAINER, NETWORK, VOLUME } from "./program";
import { type ContainerPlan, planContainer, planNetwork, planVolume } from "./translate";

export const TEST_LABEL = "io.tidb-cdc-pipeline.lab-test";

export interface SkippedContainer {
    name: string;
    image: string;
    reason: string;
}

interface ContainerState {
    Id: string;
    Name: string;
    Config: { Labels: Record<string, string> | null };
    State: {
        Status: string;
        Running: boolean;
        ExitCode: number;
        Health?: { Status: string; Log?: { ExitCode: number; Output: string }[] };
    };
    RestartCount: number;
}

/** What a container run looked like when it went wrong: state and the end of its log. */
async function diagnose(engine: DockerEngine, name: string): Promise<string> {
    try {
        const state = await engine.call<ContainerState>("GET", `/containers/${name}/json`);
        const health = state.State.Health?.Log?.at(-1);
        const logs = await engine.logs(name, 40);
        return [
            `state ${state.State.Status} (exit code ${state.State.ExitCode}, restarts ${state.RestartCount})`,
            health ? `last health check: exit ${health.ExitCode}: ${health.Output.trim()}` : "",
            `last log lines:\n${logs.trimEnd()}`,
        ]
            .filter((line) => line !== "")
            .join("\n");
    } catch (error) {
        return `(no diagnostics: ${(error as Error).message})`;
    }
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a TCP port can be bound on an address (i.e. nothing listens there). */
function portFree(host: string, port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", () => resolve(false));
        server.listen(port, host, () => server.close(() => resolve(true)));
    });
}

export class LabStack {
    readonly networks: RecordedResource[];
    readonly volumes: RecordedResource[];
    readonly containers: RecordedResource[];
    readonly skipped: SkippedContainer[] = [];
    readonly plans = new Map<string, ContainerPlan>();
    /** Milliseconds from `up()` until each container was created and (if asked) healthy. */
    readonly readyAfterMs = new Map<string, number>();
    private readonly labels: Record<string, string>;

    constructor(
        private readonly engine: DockerEngine,
        resources: readonly RecordedResource[],
        readonly runId: string,
    ) {
        this.labels = { [TEST_LABEL]: runId };
        this.networks = resources.filter((r) => r.type === NETWORK);
        this.volumes = resources.filter((r) => r.type === VOLUME);
        this.containers = [];
        for (const resource of resources.filter((r) => r.type === CONTAINER)) {
            const image = String(resource.inputs.image);
            if (isUnavailable(image)) {
                this.skipped.push({
                    name: resource.name,
                    image,
                    reason: "no image can be had (no registry; PD/TiKV/TiDB ship as images only)",
                });
                continue;
            }
            this.containers.push(resource);
            this.plans.set(resource.name, planContainer(resource.inputs, this.labels));
        }
    }

    /** The container plan whose network alias (hostname) is `host`. */
    containerByHost(host: string): ContainerPlan {
        for (const plan of this.plans.values()) {
            if (plan.create.Hostname === host) return plan;
        }
        throw new Error(`no container with host name ${host} in the lab stack`);
    }

    private dependencies(resource: RecordedResource): string[] {
        return resource.dependsOn.filter((name) => this.plans.has(name));
    }

    /**
     * Before anything is created: every image is present, no resource of the same name exists
     * (leftovers of an earlier test run are removed; anything else stops the test), and every
     * published host port is free.
     */
    async preflight(): Promise<void> {
        const images = [...new Set([...this.plans.values()].map((p) => p.image))];
        const missing: string[] = [];
        for (const image of images) {
            const { status } = await this.engine.raw("GET", `/images/${image}/json`);
            if (status !== 200) missing.push(image);
        }
        if (missing.length > 0) {
            throw new Error(
                `image(s) ${missing.join(", ")} missing on the Docker engine: run scripts/docker/setup.sh`,
            );
        }
        await this.removeLeftovers();
        const taken: string[] = [];
        for (const plan of this.plans.values()) {
            for (const { ip, port } of plan.published) {
                if (!(await portFree(ip, port))) taken.push(`${ip}:${port} (${plan.name})`);
            }
        }
        if (taken.length > 0) {
            throw new Error(
                `host port(s) ${taken.join(", ")} are in use: the lab stack publishes them; stop whatever listens there`,
            );
        }
    }

    /** Removes what an earlier run of this test left; refuses to touch anything else. */
    private async removeLeftovers(): Promise<void> {
        const foreign: string[] = [];
        for (const resource of this.containers) {
            const { status, body } = await this.engine.raw(
                "GET",
                `/containers/${resource.name}/json`,
            );
            if (status === 404) continue;
            const state = JSON.parse(body.toString()) as ContainerState;
            if (state.Config.Labels?.[TEST_LABEL] === undefined)
                foreign.push(`container ${resource.name}`);
            else await this.removeContainer(resource.name);
        }
        for (const [kind, list, path] of [
            ["network", this.networks, "networks"],
            ["volume", this.volumes, "volumes"],
        ] as const) {
            for (const resource of list) {
                const name = String(resource.inputs.name);
                const { status, body } = await this.engine.raw("GET", `/${path}/${name}`);
                if (status === 404) continue;
                const labels = (
                    JSON.parse(body.toString()) as { Labels: Record<string, string> | null }
                ).Labels;
                if (labels?.[TEST_LABEL] === undefined) foreign.push(`${kind} ${name}`);
                else await this.engine.call("DELETE", `/${path}/${name}`);
            }
        }
        if (foreign.length > 0) {
            throw new Error(
                `${foreign.join(", ")} already exist and were not made by this test: a lab stack seems to run on this engine (bash scripts/lab.sh destroy removes it)`,
            );
        }
    }

    /** Creates networks, volumes, then containers in dependency order. */
    async up(log: (line: string) => void = () => undefined): Promise<void> {
        const started = Date.now();
        for (const network of this.networks) {
            await this.engine.call("POST", "/networks/create", {
                body: planNetwork(network.inputs, this.labels),
            });
        }
        for (const volume of this.volumes) {
            await this.engine.call("POST", "/volumes/create", {
                body: planVolume(volume.inputs, this.labels),
            });
        }
        const done = new Map<string, Promise<void>>();
        const create = (resource: RecordedResource): Promise<void> => {
            let promise = done.get(resource.name);
            if (promise === undefined) {
                const deps = this.dependencies(resource).map((name) => {
                    const dep = this.containers.find((c) => c.name === name);
                    if (!dep) throw new Error(`unknown dependency ${name} of ${resource.name}`);
                    return create(dep);
                });
                promise = Promise.all(deps).then(async () => {
                    await this.createContainer(this.plans.get(resource.name)!);
                    this.readyAfterMs.set(resource.name, Date.now() - started);
                    log(
                        `${resource.name}: ready after ${((Date.now() - started) / 1000).toFixed(1)} s`,
                    );
                });
                done.set(resource.name, promise);
            }
            return promise;
        };
        // allSettled first: a failure must not leave sibling creations running unseen.
        const results = await Promise.allSettled(this.containers.map(create));
        const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        if (failures.length > 0) {
            throw new Error(failures.map((f) => (f.reason as Error).message).join("\n\n"));
        }
    }

    /** What the provider does for one container (see translate.ts). */
    private async createContainer(plan: ContainerPlan): Promise<void> {
        const { Id: id } = await this.engine.call<{ Id: string }>("POST", "/containers/create", {
            query: { name: plan.name },
            body: plan.create,
        });
        if (plan.connect.length > 0) {
            try {
                await this.engine.call("POST", "/networks/bridge/disconnect", {
                    body: { Container: id, Force: false },
                });
            } catch (error) {
                if (!(error instanceof DockerApiError && /is not connected/.test(error.message)))
                    throw error;
            }
            for (const { network, body } of plan.connect) {
                await this.engine.call("POST", `/networks/${network}/connect`, {
                    body: { ...body, Container: id },
                });
            }
        }
        for (const upload of plan.uploads) {
            await this.engine.call("PUT", `/containers/${id}/archive`, {
                query: { path: "/" },
                body: tarOneFile(upload.path, upload.content, upload.mode),
                contentType: "application/x-tar",
            });
        }
        await this.engine.call("POST", `/containers/${id}/start`);
        if (plan.waitHealthySeconds !== undefined) {
            await this.waitHealthy(plan.name, plan.waitHealthySeconds);
        }
        const state = await this.engine.call<ContainerState>("GET", `/containers/${id}/json`);
        if (!state.State.Running) {
            throw new Error(
                `container ${plan.name} failed to be in running state\n${await diagnose(this.engine, plan.name)}`,
            );
        }
    }

    /**
     * Polls the health status like the provider's `wait`. It also stops early, with the container's
     * log, when the container exits or restarts: waiting out the timeout would only hide why.
     */
    private async waitHealthy(name: string, timeoutSeconds: number): Promise<void> {
        const deadline = Date.now() + timeoutSeconds * 1000;
        for (;;) {
            const state = await this.engine.call<ContainerState>("GET", `/containers/${name}/json`);
            if (state.State.Health?.Status === "healthy") return;
            if (!state.State.Running || state.RestartCount > 0) {
                throw new Error(
                    `container ${name} stopped before it was healthy\n${await diagnose(this.engine, name)}`,
                );
            }
            if (Date.now() > deadline) {
                throw new Error(
                    `container ${name} failed to be in healthy state within ${timeoutSeconds} s\n${await diagnose(this.engine, name)}`,
                );
            }
            await sleep(1000);
        }
    }

    /** Stop without grace and remove with anonymous volumes: the provider's delete. */
    private async removeContainer(name: string): Promise<void> {
        const { status } = await this.engine.raw("POST", `/containers/${name}/stop`, {
            query: { t: 0 },
        });
        if (status !== 204 && status !== 304 && status !== 404) {
            throw new Error(`stopping container ${name}: HTTP ${status}`);
        }
        const removed = await this.engine.raw("DELETE", `/containers/${name}`, {
            query: { v: true, force: true },
        });
        if (removed.status !== 204 && removed.status !== 404) {
            throw new Error(
                `removing container ${name}: HTTP ${removed.status} ${removed.body.toString()}`,
            );
        }
    }

    /** Containers (dependants first), then volumes and networks. Idempotent. */
    async down(): Promise<void> {
        const order: string[] = [];
        const visit = (resource: RecordedResource) => {
            if (order.includes(resource.name)) return;
            for (const name of this.dependencies(resource)) {
                const dep = this.containers.find((c) => c.name === name);
                if (dep) visit(dep);
            }
            order.push(resource.name);
        };
        this.containers.forEach(visit);
        for (const name of order.reverse()) await this.removeContainer(name);
        for (const volume of this.volumes) {
            const { status, body } = await this.engine.raw(
                "DELETE",
                `/volumes/${String(volume.inputs.name)}`,
            );
            if (status !== 204 && status !== 404) {
                throw new Error(
                    `removing volume ${String(volume.inputs.name)}: HTTP ${status} ${body.toString()}`,
                );
            }
        }
        for (const network of this.networks) {
            const { status, body } = await this.engine.raw(
                "DELETE",
                `/networks/${String(network.inputs.name)}`,
            );
            if (status !== 204 && status !== 404) {
                throw new Error(
                    `removing network ${String(network.inputs.name)}: HTTP ${status} ${body.toString()}`,
                );
            }
        }
    }

    /**
     * Everything of this stack still on the engine: containers, networks and volumes with the
     * stack's names or this run's label.
     */
    async leftovers(): Promise<string[]> {
        const filter = (label: string) => ({ filters: JSON.stringify({ label: [label] }) });
        const found: string[] = [];
        const containers = await this.engine.call<{ Names: string[] }[]>(
            "GET",
            "/containers/json",
            {
                query: { all: true, ...filter(`${TEST_LABEL}=${this.runId}`) },
            },
        );
        found.push(...containers.map((c) => `container ${c.Names.join(",")}`));
        for (const resource of this.containers) {
            const { status } = await this.engine.raw("GET", `/containers/${resource.name}/json`);
            if (status !== 404) found.push(`container ${resource.name}`);
        }
        const networks = await this.engine.call<{ Name: string }[]>("GET", "/networks", {
            query: filter(`${TEST_LABEL}=${this.runId}`),
        });
        found.push(...networks.map((n) => `network ${n.Name}`));
        for (const resource of this.networks) {
            const { status } = await this.engine.raw(
                "GET",
                `/networks/${String(resource.inputs.name)}`,
            );
            if (status !== 404) found.push(`network ${String(resource.inputs.name)}`);
        }
        const volumes = await this.engine.call<{ Volumes: { Name: string }[] | null }>(
            "GET",
            "/volumes",
            {
                query: filter(`${TEST_LABEL}=${this.runId}`),
            },
        );
        found.push(...(volumes.Volumes ?? []).map((v) => `volume ${v.Name}`));
        for (const resource of this.volumes) {
            const { status } = await this.engine.raw(
                "GET",
                `/volumes/${String(resource.inputs.name)}`,
            );
            if (status !== 404) found.push(`volume ${String(resource.inputs.name)}`);
        }
        return [...new Set(found)];
    }
}

/** Names of every volume on the engine (anonymous ones included), to spot leaked ones. */
export async function allVolumeNames(engine: DockerEngine): Promise<string[]> {
    const volumes = await engine.call<{ Volumes: { Name: string }[] | null }>("GET", "/volumes");
    return (volumes.Volumes ?? []).map((v) => v.Name).sort();
}
