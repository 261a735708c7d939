/**
 * The floor as its own process (compiled by tsc, run with plain node, as a script would be):
 *
 *     node floor-cli.js <targets.json>
 *
 * Prints the FloorResult as JSON; `inProcessMs` is the reads alone, the caller times the process.
 */
import { readFileSync } from "node:fs";
import { floorRead, type FloorTargets } from "./floor";

async function main(): Promise<void> {
    const file = process.argv[2];
    if (!file) {
        console.error("usage: node floor-cli.js <targets.json>");
        process.exit(2);
    }
    const targets = JSON.parse(readFileSync(file, "utf8")) as FloorTargets;
    const result = await floorRead(targets);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(result.ok ? 0 : 1);
}

if (require.main === module) void main();
