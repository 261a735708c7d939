import { describe, expect, it } from "vitest";
import { crdErrors } from "../support/crd-schema";

describe("CRD schema validation", () => {
    it("accepts a minimal valid resource and rejects a wrong field type", () => {
        const topic = {
            apiVersion: "kafka.strimzi.io/v1",
            kind: "KafkaTopic",
            metadata: { name: "t", labels: { "strimzi.io/cluster": "c" } },
            spec: { partitions: 3, replicas: 1 },
        };
        expect(crdErrors(topic)).toEqual([]);
        expect(crdErrors({ ...topic, spec: { partitions: "three" } }).join()).toMatch(/partitions/);
    });

    it("refuses kinds it has no CRD for", () => {
        expect(() => crdErrors({ apiVersion: "example.com/v1", kind: "Nope" })).toThrow(/no CRD/);
    });
});
