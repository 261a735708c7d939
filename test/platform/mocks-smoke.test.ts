import { describe, expect, it } from "vitest";
import { installMocks, settle } from "../support/pulumi-mocks";

describe("mock session", () => {
    it("records type, parent, dependsOn and protect", async () => {
        const session = installMocks();
        const pulumi = await import("@pulumi/pulumi");
        const docker = await import("@pulumi/docker");
        class Parent extends pulumi.ComponentResource {
            constructor() {
                super("test:index:Parent", "parent");
                const net = new docker.Network("net", { name: "n" }, { parent: this });
                new docker.Volume(
                    "vol",
                    { name: "v" },
                    { parent: this, dependsOn: [net], protect: true },
                );
                this.registerOutputs({});
            }
        }
        new Parent();
        await settle();
        expect(session.named("vol")).toMatchObject({
            parent: "parent",
            dependsOn: ["net"],
            protect: true,
            type: "docker:index/volume:Volume",
        });
        expect(session.named("net").protect).toBe(false);
    });
});
