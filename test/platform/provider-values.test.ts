/**
 * Provider results on the wire: the dynamic-provider host hands check/create/read/update results
 * to protobuf's Struct.fromJavaScript, which throws on `undefined` anywhere in the value (the
 * engine test found a FlinkSqlJob create failing after the job had started).
 */
import { describe, expect, it } from "vitest";
import { wireSafe, wireValue } from "../../components/platform/provider-values";

// The same Struct the provider host uses (a dependency of @pulumi/pulumi).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as {
    Struct: { fromJavaScript(value: unknown): { toJavaScript(): unknown } };
};

const outs = {
    name: "orders-to-sink",
    lastSavepoint: undefined,
    tables: ["CREATE TABLE a (id INT)", undefined],
    executionConfig: { "parallelism.default": "1", "pipeline.name": undefined },
};

describe("wire-safe provider results", () => {
    it("is what Struct.fromJavaScript rejects without it", () => {
        expect(() => Struct.fromJavaScript(outs)).toThrow("Unexpected struct type");
    });

    it("drops undefined members and turns undefined array items into null", () => {
        const plain = wireValue(outs);
        expect(plain).toEqual({
            name: "orders-to-sink",
            tables: ["CREATE TABLE a (id INT)", null],
            executionConfig: { "parallelism.default": "1" },
        });
        expect(Struct.fromJavaScript(plain).toJavaScript()).toEqual(plain);
    });

    it("wraps check, create, read and update, and leaves diff and delete alone", async () => {
        const calls: string[] = [];
        const provider = wireSafe({
            check: (_olds: unknown, news: unknown) => Promise.resolve({ inputs: news }),
            create: () => Promise.resolve({ id: "x", outs }),
            read: (id: string) => Promise.resolve({ id, props: outs }),
            update: () => Promise.resolve({ outs }),
            diff: () => Promise.resolve({ changes: false, replaces: undefined }),
            delete: () => {
                calls.push("delete");
                return Promise.resolve();
            },
        });
        const results = [
            await provider.check({}, outs),
            await provider.create(),
            await provider.read("x"),
            await provider.update(),
        ];
        for (const result of results) expect(() => Struct.fromJavaScript(result)).not.toThrow();
        expect(await provider.diff()).toEqual({ changes: false, replaces: undefined });
        await provider.delete();
        expect(calls).toEqual(["delete"]);
    });
});
