/**
 * The driver of scripts/render-manifests.sh: renders a stack's Kubernetes manifests through the
 * real kubernetes provider (renderYamlToDirectory) with the Automation API and an inline program.
 *
 * Run it with node from a tsc build of the project (not under vitest or ts-node: their module
 * transforms break Pulumi's closure serialization). The shell script sets up what it expects:
 *   node <build>/scripts/render-manifests.js <stack> <outdir>
 *   RENDER_PROJECT_DIR        the repository (Pulumi.yaml, Pulumi.<stack>.yaml)
 *   RENDER_WORK_DIR           a scratch directory for the workspace (stack file copy)
 *   PULUMI_BACKEND_URL        a throwaway file:// backend
 *   PULUMI_CONFIG_PASSPHRASE  its passphrase
 *   TIDB_ROOT_PASSWORD        the stack's secret; it never reaches the rendered files
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { parse, stringify } from "yaml";
import { parseStackSettings } from "../components/config";
import { renderModeOmissions } from "../components/pipeline/pipeline";
import { projectSettingsInput } from "../infra/config";

const PROJECT = "tidb-cdc-pipeline";

function env(name: string): string {
    const value = process.env[name];
    if (value === undefined || value === "") throw new Error(`${name} is not set`);
    return value;
}

/** The stack file's config with render mode switched on (its project keys only). */
export function renderConfig(
    stackFile: { config?: Record<string, unknown> },
    outDir: string,
): Record<string, unknown> {
    const config: Record<string, unknown> = { ...(stackFile.config ?? {}) };
    const key = `${PROJECT}:kubernetes`;
    const kubernetes = config[key];
    config[key] = {
        ...(kubernetes !== null && typeof kubernetes === "object" ? kubernetes : {}),
        renderYamlToDirectory: outDir,
    };
    return config;
}

async function main(): Promise<void> {
    const [stackName, outArg] = process.argv.slice(2);
    if (!stackName || !outArg) throw new Error("usage: render-manifests.js <stack> <outdir>");
    const outDir = path.resolve(outArg);
    const projectDir = env("RENDER_PROJECT_DIR");
    const workDir = env("RENDER_WORK_DIR");
    const password = env("TIDB_ROOT_PASSWORD");
    const stackFile = parse(
        fs.readFileSync(path.join(projectDir, `Pulumi.${stackName}.yaml`), "utf8"),
    ) as { config?: Record<string, unknown> };
    const config = renderConfig(stackFile, outDir);

    // The same validation as the program, to list what render mode leaves out.
    const settings = parseStackSettings(projectSettingsInput(PROJECT, config), {
        tidbRootPassword: true,
    });

    const program = async () => {
        // Loaded here, inside the inline program, so its resources register with this run.
        const { createStack } = await import("../infra/program");
        return createStack().outputs;
    };
    const stack = await LocalWorkspace.createStack(
        { stackName, projectName: PROJECT, program },
        {
            workDir,
            projectSettings: { name: PROJECT, runtime: "nodejs" },
            secretsProvider: "passphrase",
        },
    );
    // `stack init` wrote the stack file (the passphrase's salt); add the committed config to it.
    const stackPath = path.join(workDir, `Pulumi.${stackName}.yaml`);
    const written = (parse(fs.readFileSync(stackPath, "utf8")) ?? {}) as Record<string, unknown>;
    fs.writeFileSync(stackPath, stringify({ ...written, config }));
    await stack.setConfig("tidbRootPassword", { value: password, secret: true });

    fs.mkdirSync(outDir, { recursive: true });
    const started = Date.now();
    const result = await stack.up({
        onOutput: (line) => process.stderr.write(line),
        color: "never",
    });
    process.stderr.write(
        `rendered ${JSON.stringify(result.summary.resourceChanges)} in ${Date.now() - started} ms into ${outDir}\n`,
    );
    const omitted = renderModeOmissions(settings);
    if (omitted.length > 0) {
        process.stderr.write(
            `not rendered (they need a live cluster or service):\n${omitted.map((o) => `  - ${o}\n`).join("")}`,
        );
    }
}

if (require.main === module) {
    main().catch((err: unknown) => {
        process.stderr.write(
            `render failed: ${err instanceof Error ? err.message : String(err)}\n`,
        );
        process.exit(1);
    });
}
