/**
 * The guardrails policy pack (policy/) in the real engine: `pulumi preview --policy-pack policy`
 * of the project's program, through the Automation API's `policyPacks` option with the inline
 * program (scripts/engine/inline.ts).
 *
 * The CLI here has no Node.js language host, so it starts a Node.js policy pack through its older
 * path: the analyzer plugin `pulumi-analyzer-policy-nodejs` found on PATH, run in the pack's
 * directory (Pulumi 3.248 sdk/go/common/resource/plugin/analyzer_plugin.go, NewPolicyAnalyzer,
 * when no `nodejs` language plugin is found). policy/plugin/ holds that plugin: it runs
 * @pulumi/pulumi's run-policy-pack, as the language host would.
 *
 * The stack's services are all external, so it has neither Docker nor Kubernetes resources (no
 * cluster, no Docker engine, no plugin beyond the dynamic providers' is needed for a preview):
 * prod-shaped for the pack (fail closed). Its Kafka topics and changefeed are what the
 * kafka-replication rule judges; the changefeed carries the TiDB root password as a secret,
 * which the no-plaintext-credentials rule must recognise through the real deserializer.
 */
import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEngineHome, type EngineHome, EngineStack } from "../engine/engine-stack";

const ROOT = path.resolve(__dirname, "../..");
const POLICY_PACK = path.join(ROOT, "policy");

/** The CLI's summary after a preview the pack passed. */
const PACK_RAN =
    /Policy Packs run:\s+Name\s+Version\s+tidb-cdc-pipeline-guardrails\|local\|\S+\s+0\.1\.0/;

const services = inject("services");
const run = `pol${Date.now().toString(36)}`;
const password = `pw-${run}-secret`;

let home: EngineHome;
let stack: EngineStack;

function config(topicReplicationFactor: number) {
    return EngineStack.config(
        {
            target: "docker",
            namePrefix: run,
            tidb: {
                external: {
                    host: "127.0.0.1",
                    port: services.mariadb.port,
                    ticdcApiUrl: "http://127.0.0.1:8300",
                },
            },
            kafka: { external: { bootstrapServers: [services.kafka.bootstrap] } },
            flink: {
                external: {
                    restUrl: services.flink.restUrl,
                    sqlGatewayUrl: services.flink.gatewayUrl,
                    savepointDir: services.flink.savepointDir,
                },
            },
            replication: {
                changefeedId: `${run}-cdc`,
                tables: [`${run}.orders`],
                topicPartitions: 1,
                topicReplicationFactor,
            },
        },
        { tidbRootPassword: password },
    );
}

beforeAll(async () => {
    home = await createEngineHome();
    // The analyzer plugin for Node.js policy packs, for a CLI without its language hosts.
    home.env.PATH = `${path.join(POLICY_PACK, "plugin")}${path.delimiter}${home.env.PATH ?? ""}`;
    stack = await EngineStack.create(home, run);
}, 600_000);

afterAll(async () => {
    await stack?.exec("remove").catch(() => undefined);
    await home?.dispose();
});

describe("pulumi preview --policy-pack policy", () => {
    it("fails on a mandatory violation: topics replicated once on a prod-shaped stack", async () => {
        const done = await stack.exec("preview", {
            config: config(1),
            policyPacks: [POLICY_PACK],
        });
        const output = `${done.log}\n${done.result.error ?? ""}`;
        expect(done.ok, output).toBe(false);
        expect(output).toMatch(/tidb-cdc-pipeline-guardrails@v0\.1\.0/);
        expect(output).toMatch(/\[mandatory\]\s+kafka-replication/);
        expect(output).toMatch(
            new RegExp(
                `KafkaTopic "tidb_${run}_orders" \\(resource ${run}-topic-tidb_${run}_orders\\) has replicationFactor = 1; .*Set replication\\.topicReplicationFactor to 3 or more`,
            ),
        );
        expect(output).toMatch(
            new RegExp(`KafkaTopic "${run}-cdc-default" .*replicationFactor = 1`),
        );
        // Only that rule: the secret root password is recognised as a secret.
        expect(output).not.toMatch(/no-plaintext-credentials|ticdc-max-message-bytes/);
        expect(output).not.toContain(password);
        // A preview creates nothing.
        expect(done.result.steps.filter((s) => s.op !== "same" && s.op !== "create")).toEqual([]);
    });

    it("passes the same stack with topics replicated three times", async () => {
        const done = await stack.exec("preview", {
            config: config(3),
            policyPacks: [POLICY_PACK],
        });
        const output = `${done.log}\n${done.result.error ?? ""}`;
        expect(done.ok, output).toBe(true);
        expect(output).toMatch(PACK_RAN);
        expect(output).not.toMatch(/\[mandatory\]|\[advisory\]/);
        expect(done.result.changes.create).toBeGreaterThan(0);
    });

    it("reads the policy config: the failing stack pinned to dev passes", async () => {
        const file = path.join(home.dir, "policy-config.json");
        await writeFile(file, JSON.stringify({ "kafka-replication": { environment: "dev" } }));
        const done = await stack.exec("preview", {
            config: config(1),
            policyPacks: [POLICY_PACK],
            policyPackConfigs: [file],
        });
        const output = `${done.log}\n${done.result.error ?? ""}`;
        expect(done.ok, output).toBe(true);
        expect(output).toMatch(PACK_RAN);
        expect(output).not.toMatch(/kafka-replication/);
    });
});
