import { describe, expect, it } from "vitest";
import { PipelineStages, TEARDOWN_ORDER } from "../../components/pipeline/stages";
import { installMocks, settle } from "../support/pulumi-mocks";

describe("PipelineStages", () => {
    it("encodes the documented teardown order", () => {
        expect(TEARDOWN_ORDER).toEqual([
            "jobs",
            "tables",
            "changefeeds",
            "topics",
            "clusters",
            "operators",
        ]);
    });

    it("makes each stage depend on the nearest later stage that has members", async () => {
        installMocks();
        const pulumi = await import("@pulumi/pulumi");
        const resource = (name: string) => new pulumi.ComponentResource("test:index:R", name);
        const stages = new PipelineStages();
        const [operator, kafka, tidb, topic, job] = [
            "operator",
            "kafka",
            "tidb",
            "topic",
            "job",
        ].map(resource);
        stages.add("operators", operator!);
        stages.add("clusters", kafka!, tidb!);

        expect(stages.dependenciesOf("clusters")).toEqual([operator]);
        expect(stages.dependenciesOf("topics")).toEqual([kafka, tidb]);
        // No changefeeds or tables yet: tables fall through to the clusters.
        expect(stages.dependenciesOf("tables")).toEqual([kafka, tidb]);

        stages.add("topics", topic!);
        expect(stages.dependenciesOf("changefeeds")).toEqual([topic]);
        expect(stages.dependenciesOf("jobs")).toEqual([topic]);
        stages.add("jobs", job!);
        expect(stages.dependenciesOf("operators")).toEqual([]);
        await settle();
    });
});
