/**
 * Pulumi mocks for unit tests: records every registered resource with its inputs and options
 * (parent, dependsOn, protect), so tests can assert the resource graph without an engine.
 */
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    parent?: string;
    dependsOn: string[];
    protect: boolean;
    custom: boolean;
}

export interface MockSession {
    resources: RecordedResource[];
    /** Resources of a type token, e.g. "docker:index/container:Container". */
    ofType(type: string): RecordedResource[];
    /** The one resource with this logical name (throws when absent or ambiguous). */
    named(name: string): RecordedResource;
}

const PROJECT = "tidb-cdc-pipeline";

/** Pulumi config for the mocked program: plain keys become `<project>:<key>`. */
export function stackConfig(values: Record<string, unknown>, secretKeys: string[] = []) {
    const all: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
        all[`${PROJECT}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    pulumi.runtime.setAllConfig(
        all,
        secretKeys.map((key) => `${PROJECT}:${key}`),
    );
}

/**
 * Install mocks that record resources. Call before importing program modules, then await
 * `settle()` after constructing resources so every registration has been seen.
 */
export function installMocks(stack = "test"): MockSession {
    const resources: RecordedResource[] = [];
    void pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                return { id: `${args.name}-id`, state: args.inputs as Record<string, unknown> };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                return args.inputs as Record<string, unknown>;
            },
        },
        PROJECT,
        stack,
        false,
    );
    // Mocks are not told the options (parent, dependsOn, protect); the registration request carries them.
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(req: RegisterRequest, callback: unknown): unknown;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
        resources.push({
            type: req.getType(),
            name: req.getName(),
            inputs: {},
            parent: req.getParent() ? urnName(req.getParent()) : undefined,
            dependsOn: req.getDependenciesList().map(urnName),
            protect: req.getProtect() === true,
            custom: req.getCustom(),
        });
        const record = resources[resources.length - 1]!;
        const inputs = req.getObject()?.toJavaScript() ?? {};
        record.inputs = inputs as Record<string, unknown>;
        return register(req, callback);
    };
    return {
        resources,
        ofType: (type) => resources.filter((r) => r.type === type),
        named(name) {
            const found = resources.filter((r) => r.name === name);
            if (found.length !== 1) {
                throw new Error(
                    `expected one resource named ${name}, found ${found.length}: ${resources.map((r) => r.name).join(", ")}`,
                );
            }
            return found[0]!;
        },
    };
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getDependenciesList(): string[];
    getProtect(): boolean | undefined;
    getCustom(): boolean;
    getObject(): { toJavaScript(): unknown } | undefined;
}

function urnName(urn: string): string {
    return urn.split("::").pop() ?? urn;
}

/** Resolve an Output in tests (mocks resolve everything on the next ticks). */
export function valueOf<T>(output: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** Wait until pending registrations have reached the mocks. */
export async function settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
