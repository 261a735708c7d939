/**
 * Teardown order as data. `pulumi destroy` deletes dependants before what they depend on, so each
 * stage is made to depend on the stage that must outlive it:
 *
 *   Flink jobs → Flink tables → changefeeds → topics → clusters (Flink/Kafka/TiDB) → operators
 *
 * Jobs are removed first (they read the tables), changefeeds before their topics (TiCDC would
 * otherwise fail writing), topics before the brokers, clusters before the operators that run
 * their finalizers.
 */
import type * as pulumi from "@pulumi/pulumi";

export const TEARDOWN_ORDER = [
    "jobs",
    "tables",
    "changefeeds",
    "topics",
    "clusters",
    "operators",
] as const;

export type Stage = (typeof TEARDOWN_ORDER)[number];

export class PipelineStages {
    private readonly members = new Map<Stage, pulumi.Resource[]>();

    add(stage: Stage, ...resources: pulumi.Resource[]): void {
        this.members.set(stage, [...this.of(stage), ...resources]);
    }

    of(stage: Stage): pulumi.Resource[] {
        return this.members.get(stage) ?? [];
    }

    /**
     * What a new resource of `stage` must depend on: the nearest later stage in teardown order
     * that has members (skipping empty ones, e.g. no managed operators with external services).
     */
    dependenciesOf(stage: Stage): pulumi.Resource[] {
        for (const later of TEARDOWN_ORDER.slice(TEARDOWN_ORDER.indexOf(stage) + 1)) {
            const members = this.of(later);
            if (members.length > 0) return members;
        }
        return [];
    }
}
