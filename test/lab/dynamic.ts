/**
 * The program's dynamic resources (topics, changefeed, Flink SQL tables and job) run against the
 * lab's containers through the project's own providers, as the Pulumi engine would run them: each
 * resource's recorded inputs go through the provider's `check`, then `create`, once the resources
 * it depends on exist; `destroy` deletes them in reverse order with the outputs create returned.
 *
 * One thing the mocks cannot record is an output of another resource that only its provider
 * computes: a FlinkSqlJob's `tables` are its FlinkSqlTables' `sessionSql`, recorded as one `null`
 * per table. They are filled in here from the tables' real outputs, in the job's declared order.
 */
import type * as pulumi from "@pulumi/pulumi";
import { jobProvider } from "../../components/flink/sql-job";
import { tableProvider } from "../../components/flink/sql-table";
import { kafkaTopicProvider } from "../../components/kafka/topic";
import { changefeedProvider } from "../../components/ticdc/changefeed";
import type { RecordedResource } from "../support/pulumi-mocks";
import { revealSecrets } from "./translate";

const PROVIDERS: Readonly<Record<string, pulumi.dynamic.ResourceProvider>> = {
    "pulumi-nodejs:dynamic/kafka:KafkaTopic": kafkaTopicProvider as pulumi.dynamic.ResourceProvider,
    "pulumi-nodejs:dynamic/ticdc:Changefeed": changefeedProvider,
    "pulumi-nodejs:dynamic/flink:SqlTable": tableProvider as pulumi.dynamic.ResourceProvider,
    "pulumi-nodejs:dynamic/flink:SqlJob": jobProvider as pulumi.dynamic.ResourceProvider,
};
const SQL_TABLE = "pulumi-nodejs:dynamic/flink:SqlTable";
const SQL_JOB = "pulumi-nodejs:dynamic/flink:SqlJob";

export interface CreatedResource {
    resource: RecordedResource;
    id: string;
    outs: Record<string, unknown>;
    /** Milliseconds the provider's create took. */
    tookMs: number;
}

export function isDynamic(resource: RecordedResource): boolean {
    return resource.type.startsWith("pulumi-nodejs:dynamic/");
}

export class DynamicResources {
    readonly resources: RecordedResource[];
    readonly created = new Map<string, CreatedResource>();

    constructor(all: readonly RecordedResource[]) {
        this.resources = all.filter(isDynamic);
        for (const resource of this.resources) {
            if (!PROVIDERS[resource.type]) {
                throw new Error(
                    `no provider known for ${resource.type} (${resource.name}) in test/lab/dynamic.ts`,
                );
            }
        }
    }

    private deps(resource: RecordedResource): RecordedResource[] {
        return this.resources.filter((r) => resource.dependsOn.includes(r.name));
    }

    /** The inputs as the engine hands them to the provider (see the module comment for `tables`). */
    private inputsOf(resource: RecordedResource): Record<string, unknown> {
        // `__provider` is the serialized provider; the imported one runs instead.
        const inputs = { ...(revealSecrets(resource.inputs) as Record<string, unknown>) };
        delete inputs.__provider;
        if (resource.type === SQL_JOB && Array.isArray(inputs.tables)) {
            const tables = this.deps(resource).filter((r) => r.type === SQL_TABLE);
            const unknown = inputs.tables.filter((t) => t === null).length;
            if (unknown !== tables.length) {
                throw new Error(
                    `${resource.name}: ${unknown} unresolved table statements but ${tables.length} FlinkSqlTable dependencies`,
                );
            }
            let next = 0;
            inputs.tables = inputs.tables.flatMap((entry: unknown) => {
                if (entry !== null) return [entry];
                const table = this.created.get(tables[next++]!.name);
                return (table?.outs.sessionSql as string[] | undefined) ?? [];
            });
        }
        return inputs;
    }

    /** check + create of every resource, each after its dependencies (independent ones together). */
    async createAll(log: (line: string) => void = () => undefined): Promise<void> {
        const done = new Map<string, Promise<void>>();
        const create = (resource: RecordedResource): Promise<void> => {
            let promise = done.get(resource.name);
            if (promise === undefined) {
                promise = Promise.all(this.deps(resource).map(create)).then(async () => {
                    const provider = PROVIDERS[resource.type]!;
                    const started = Date.now();
                    let inputs = this.inputsOf(resource);
                    if (provider.check) {
                        const checked = await provider.check({}, inputs);
                        if (checked.failures && checked.failures.length > 0) {
                            throw new Error(
                                `${resource.name}: check failed: ${checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`,
                            );
                        }
                        inputs = (checked.inputs ?? inputs) as Record<string, unknown>;
                    }
                    const result = await provider.create(inputs);
                    const tookMs = Date.now() - started;
                    this.created.set(resource.name, {
                        resource,
                        id: result.id,
                        outs: (result.outs ?? {}) as Record<string, unknown>,
                        tookMs,
                    });
                    log(
                        `${resource.type.split(":").pop()} ${resource.name}: created (${result.id}) in ${(tookMs / 1000).toFixed(1)} s`,
                    );
                });
                done.set(resource.name, promise);
            }
            return promise;
        };
        const results = await Promise.allSettled(this.resources.map(create));
        const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        if (failures.length > 0) {
            throw new Error(failures.map((f) => (f.reason as Error).message).join("\n\n"));
        }
    }

    /** delete of every created resource, dependants first (the engine's teardown order). */
    async destroyAll(log: (line: string) => void = () => undefined): Promise<void> {
        const order: RecordedResource[] = [];
        const visit = (resource: RecordedResource) => {
            if (order.includes(resource)) return;
            this.deps(resource).forEach(visit);
            order.push(resource);
        };
        this.resources.forEach(visit);
        for (const resource of order.reverse()) {
            const created = this.created.get(resource.name);
            if (!created) continue;
            const provider = PROVIDERS[resource.type]!;
            await provider.delete?.(created.id, created.outs);
            this.created.delete(resource.name);
            log(`${resource.type.split(":").pop()} ${resource.name}: deleted`);
        }
    }
}
