/**
 * From the inputs the program gives @pulumi/docker v5 resources (as the Pulumi mocks record them)
 * to Docker Engine API calls, doing what the provider (terraform-provider-docker, which
 * @pulumi/docker v5 wraps) does with them:
 *
 * | @pulumi/docker input                  | Engine API                                                     |
 * | ------------------------------------- | -------------------------------------------------------------- |
 * | `image`, `hostname`, `user`           | `Image`, `Hostname`, `User`                                    |
 * | `entrypoints`, `command`              | `Entrypoint`, `Cmd` (replacing the image's)                    |
 * | `envs` (`KEY=VALUE`)                  | `Env`                                                          |
 * | `labels` (`{label, value}`)           | `Labels`                                                       |
 * | `ports` (`{internal, external, ip}`)  | `ExposedPorts` + `HostConfig.PortBindings` (`<internal>/tcp`)  |
 * | `volumes` (`{volumeName, containerPath, readOnly}`) | `HostConfig.Binds` (`name:path[:ro]`)            |
 * | `ulimits`, `restart`                  | `HostConfig.Ulimits`, `HostConfig.RestartPolicy`               |
 * | `healthcheck` (Go durations)          | `Healthcheck` (nanoseconds)                                    |
 * | `networksAdvanced` (`{name, aliases}`) | created on the default bridge, disconnected from it, then `POST /networks/{name}/connect` with `Aliases` |
 * | `uploads` (`{file, content, executable}`) | a tar of `file` (mode 0644, 0744 if executable, owner root), `PUT /containers/{id}/archive?path=/` before start |
 * | `wait`, `waitTimeout`                 | after start, poll until `State.Health.Status` is `healthy`     |
 * | (`mustRun`, default true)             | the container must be running afterwards                       |
 * | delete                                | stop with no grace (`destroyGraceSeconds` 0), remove with its anonymous volumes (`removeVolumes` true) |
 *
 * Any other input is refused with an error naming it, so a new field in the program cannot be
 * silently dropped by the test. Pure: no Docker here, only data (unit-tested in translate.test.ts).
 */

/** Pulumi's serialized secret: `{ <sig>: <secret sig value>, value }`; the test needs the plain value. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** A recorded value with every secret wrapper replaced by its plain value. */
export function revealSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(revealSecrets);
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (SECRET_SIG in record) return revealSecrets(record.value);
        return Object.fromEntries(
            Object.entries(record).map(([key, inner]) => [key, revealSecrets(inner)]),
        );
    }
    return value;
}

/** `1h2m3.5s`, `15s`, `500ms` → nanoseconds (Go's time.ParseDuration, as the provider parses them). */
export function goDurationNs(text: string): number {
    const units: Record<string, number> = {
        ns: 1,
        us: 1e3,
        µs: 1e3,
        ms: 1e6,
        s: 1e9,
        m: 60e9,
        h: 3600e9,
    };
    if (text === "0") return 0;
    const part = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/gy;
    let total = 0;
    let consumed = 0;
    for (let match = part.exec(text); match; match = part.exec(text)) {
        total += Number(match[1]) * (units[match[2]!] ?? Number.NaN);
        consumed = part.lastIndex;
    }
    if (consumed !== text.length || text.length === 0 || Number.isNaN(total)) {
        throw new Error(`"${text}" is not a Go duration`);
    }
    return Math.round(total);
}

// ---- inputs as recorded ------------------------------------------------------------------------

export interface LabelInput {
    label: string;
    value: string;
}

export interface ContainerInputs {
    name: string;
    image: string;
    hostname?: string;
    entrypoints?: string[];
    command?: string[];
    envs?: string[];
    user?: string;
    labels?: LabelInput[];
    ports?: { internal: number; external?: number; ip?: string; protocol?: string }[];
    volumes?: { volumeName?: string; containerPath: string; readOnly?: boolean }[];
    networksAdvanced?: { name: string; aliases?: string[] }[];
    uploads?: { file: string; content?: string; contentBase64?: string; executable?: boolean }[];
    healthcheck?: {
        tests: string[];
        interval?: string;
        timeout?: string;
        startPeriod?: string;
        retries?: number;
    };
    ulimits?: { name: string; soft: number; hard: number }[];
    restart?: string;
    wait?: boolean;
    waitTimeout?: number;
}

export interface NetworkInputs {
    name: string;
    driver?: string;
    labels?: LabelInput[];
}

export interface VolumeInputs {
    name: string;
    driver?: string;
    labels?: LabelInput[];
}

const CONTAINER_KEYS = new Set<string>([
    "name",
    "image",
    "hostname",
    "entrypoints",
    "command",
    "envs",
    "user",
    "labels",
    "ports",
    "volumes",
    "networksAdvanced",
    "uploads",
    "healthcheck",
    "ulimits",
    "restart",
    "wait",
    "waitTimeout",
]);
const NETWORK_KEYS = new Set<string>(["name", "driver", "labels"]);
const VOLUME_KEYS = new Set<string>(["name", "driver", "labels"]);

function refuseUnknown(kind: string, name: unknown, inputs: object, known: Set<string>): void {
    const unknown = Object.entries(inputs)
        .filter(([key, value]) => !known.has(key) && value !== undefined && value !== null)
        .map(([key]) => key);
    if (unknown.length > 0) {
        throw new Error(
            `${kind} ${String(name)}: the lab test's translator (test/lab/translate.ts) does not handle the input(s) ${unknown.join(", ")}; add them there`,
        );
    }
}

/** The recorded inputs of a container, checked against what the translator handles. */
export function containerInputs(raw: Record<string, unknown>): ContainerInputs {
    const inputs = revealSecrets(raw) as Record<string, unknown>;
    refuseUnknown("container", inputs.name, inputs, CONTAINER_KEYS);
    if (typeof inputs.name !== "string" || typeof inputs.image !== "string") {
        throw new Error(`container inputs without name or image: ${JSON.stringify(inputs)}`);
    }
    return inputs as unknown as ContainerInputs;
}

function labelMap(labels: LabelInput[] | undefined, extra: Record<string, string>) {
    return {
        ...Object.fromEntries((labels ?? []).map(({ label, value }) => [label, value])),
        ...extra,
    };
}

// ---- Engine API bodies ---------------------------------------------------------------------------

export interface ContainerPlan {
    name: string;
    image: string;
    /** `POST /containers/create?name=<name>` body. */
    create: Record<string, unknown>;
    /** `POST /networks/<network>/connect` bodies, after leaving the default bridge. */
    connect: {
        network: string;
        body: { Container?: string; EndpointConfig: { Aliases: string[] } };
    }[];
    /** Files to put into the container before it starts. */
    uploads: { path: string; content: string; mode: number }[];
    /** Seconds to wait for `healthy` after start; undefined = do not wait. */
    waitHealthySeconds?: number;
    /** Host ports published on 127.0.0.1 (and any other address), for a free-port check. */
    published: { ip: string; port: number }[];
}

/**
 * The Engine API calls that create a container from its recorded inputs. `extraLabels` are added
 * to the program's labels (the test marks what it creates, to clean up after a crashed run).
 */
export function planContainer(
    raw: Record<string, unknown>,
    extraLabels: Record<string, string> = {},
): ContainerPlan {
    const c = containerInputs(raw);
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const port of c.ports ?? []) {
        const key = `${port.internal}/${port.protocol ?? "tcp"}`;
        exposed[key] = {};
        if (port.external !== undefined) {
            (bindings[key] ??= []).push({
                HostIp: port.ip ?? "0.0.0.0",
                HostPort: String(port.external),
            });
        }
    }
    const binds = (c.volumes ?? []).map((volume) => {
        if (volume.volumeName === undefined) {
            throw new Error(
                `container ${c.name}: only named volumes are translated (${volume.containerPath})`,
            );
        }
        return `${volume.volumeName}:${volume.containerPath}${volume.readOnly ? ":ro" : ""}`;
    });
    const health = c.healthcheck && {
        Test: c.healthcheck.tests,
        Interval: goDurationNs(c.healthcheck.interval ?? "0"),
        Timeout: goDurationNs(c.healthcheck.timeout ?? "0"),
        StartPeriod: goDurationNs(c.healthcheck.startPeriod ?? "0"),
        Retries: c.healthcheck.retries ?? 0,
    };
    for (const cmd of c.command ?? []) {
        // The provider refuses these too ("values for command may not be empty").
        if (cmd === "") throw new Error(`container ${c.name}: empty value in command`);
    }
    const create: Record<string, unknown> = {
        Image: c.image,
        Hostname: c.hostname ?? "",
        Tty: false,
        OpenStdin: false,
        Env: c.envs ?? [],
        Labels: labelMap(c.labels, extraLabels),
        ...(c.command && c.command.length > 0 ? { Cmd: c.command } : {}),
        ...(c.entrypoints && c.entrypoints.length > 0 ? { Entrypoint: c.entrypoints } : {}),
        ...(c.user ? { User: c.user } : {}),
        ...(Object.keys(exposed).length > 0 ? { ExposedPorts: exposed } : {}),
        ...(health ? { Healthcheck: health } : {}),
        HostConfig: {
            RestartPolicy: { Name: c.restart ?? "no", MaximumRetryCount: 0 },
            LogConfig: { Type: "json-file" },
            Init: false,
            Privileged: false,
            PublishAllPorts: false,
            ReadonlyRootfs: false,
            AutoRemove: false,
            ...(Object.keys(bindings).length > 0 ? { PortBindings: bindings } : {}),
            ...(binds.length > 0 ? { Binds: binds } : {}),
            ...(c.ulimits && c.ulimits.length > 0
                ? { Ulimits: c.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })) }
                : {}),
        },
    };
    const uploads = (c.uploads ?? []).map((upload) => {
        let content: string;
        if (upload.content !== undefined) content = upload.content;
        else if (upload.contentBase64 !== undefined)
            content = Buffer.from(upload.contentBase64, "base64").toString("utf8");
        else throw new Error(`container ${c.name}: upload ${upload.file} has no content`);
        return { path: upload.file, content, mode: upload.executable ? 0o744 : 0o644 };
    });
    return {
        name: c.name,
        image: c.image,
        create,
        connect: (c.networksAdvanced ?? []).map((network) => ({
            network: network.name,
            body: { EndpointConfig: { Aliases: network.aliases ?? [] } },
        })),
        uploads,
        waitHealthySeconds: c.wait ? (c.waitTimeout ?? 60) : undefined,
        published: Object.values(bindings)
            .flat()
            .map((binding) => ({ ip: binding.HostIp, port: Number(binding.HostPort) })),
    };
}

/** `POST /networks/create` body. */
export function planNetwork(
    raw: Record<string, unknown>,
    extraLabels: Record<string, string> = {},
): Record<string, unknown> {
    const inputs = revealSecrets(raw) as NetworkInputs & Record<string, unknown>;
    refuseUnknown("network", inputs.name, inputs, NETWORK_KEYS);
    return {
        Name: inputs.name,
        Driver: inputs.driver ?? "bridge",
        CheckDuplicate: true,
        Labels: labelMap(inputs.labels, extraLabels),
    };
}

/** `POST /volumes/create` body. */
export function planVolume(
    raw: Record<string, unknown>,
    extraLabels: Record<string, string> = {},
): Record<string, unknown> {
    const inputs = revealSecrets(raw) as VolumeInputs & Record<string, unknown>;
    refuseUnknown("volume", inputs.name, inputs, VOLUME_KEYS);
    return {
        Name: inputs.name,
        Driver: inputs.driver ?? "local",
        Labels: labelMap(inputs.labels, extraLabels),
    };
}
