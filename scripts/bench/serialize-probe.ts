/**
 * What a dynamic resource costs before the engine sees it: Pulumi serializes its provider
 * (`pulumi.runtime.serializeFunction`, once per provider object and program run) into a text
 * that every resource of that type then carries as its `__provider` input and output, to every
 * check/diff call and into the state. Compiled by tsc and run with plain node, as the program is:
 *
 *     node serialize-probe.js
 *
 * Prints `[{provider, ms, bytes}]` as JSON: the time of each first serialization in a fresh
 * process (in the program's order: topics, changefeed, tables, jobs) and the text's size.
 */
import * as pulumi from "@pulumi/pulumi";
import { jobProvider } from "../../components/flink/sql-job";
import { tableProvider } from "../../components/flink/sql-table";
import { kafkaTopicProvider } from "../../components/kafka/topic";
import { changefeedProvider } from "../../components/ticdc/changefeed";

export interface SerializedProvider {
    provider: string;
    ms: number;
    bytes: number;
}

async function main(): Promise<void> {
    const providers: [string, object][] = [
        ["KafkaTopic", kafkaTopicProvider],
        ["Changefeed", changefeedProvider],
        ["SqlTable", tableProvider],
        ["SqlJob", jobProvider],
    ];
    const results: SerializedProvider[] = [];
    for (const [provider, value] of providers) {
        const started = performance.now();
        const { text } = await pulumi.runtime.serializeFunction(() => value, {
            allowSecrets: true,
        });
        results.push({ provider, ms: performance.now() - started, bytes: Buffer.byteLength(text) });
    }
    process.stdout.write(`${JSON.stringify(results)}\n`);
}

if (require.main === module) void main();
