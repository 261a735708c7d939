/**
 * The Pulumi CLI calls the GitOps scripts make, in one place. The backend and the passphrase come
 * from the environment (PULUMI_ACCESS_TOKEN or PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE), as
 * for any `pulumi` command. `PULUMI_BIN` overrides which executable runs (default: `pulumi` on
 * PATH).
 */
import { type CommandResult, run } from "./exec";

export interface StackSummary {
    name: string;
    updateInProgress: boolean;
    resourceCount: number | undefined;
}

export class PulumiError extends Error {
    constructor(
        message: string,
        readonly result: CommandResult,
    ) {
        super(message);
        this.name = "PulumiError";
    }
}

export interface PulumiOptions {
    cwd: string;
    env: Record<string, string | undefined>;
    /** Where the output of long operations (preview, destroy) is copied as it arrives. */
    echo?: { stdout: (text: string) => void; stderr: (text: string) => void };
}

function lastLines(text: string, n = 5): string {
    return text.trim().split("\n").slice(-n).join("\n");
}

export class Pulumi {
    readonly bin: string;
    private readonly env: Record<string, string | undefined>;

    constructor(private readonly options: PulumiOptions) {
        this.bin = options.env.PULUMI_BIN || "pulumi";
        this.env = { ...options.env, PULUMI_SKIP_UPDATE_CHECK: "true" };
    }

    /** Runs `pulumi <args> --non-interactive`; never throws (the result has the exit code). */
    run(args: readonly string[], echo = false): Promise<CommandResult> {
        return run(this.bin, [...args, "--non-interactive"], {
            cwd: this.options.cwd,
            env: this.env,
            echo: echo ? this.options.echo : undefined,
        });
    }

    private async json(args: readonly string[]): Promise<unknown> {
        const result = await this.run(args);
        if (result.code !== 0) {
            throw new PulumiError(
                `pulumi ${args.join(" ")} failed (exit ${result.code}): ${lastLines(result.stderr || result.stdout)}`,
                result,
            );
        }
        try {
            return JSON.parse(result.stdout) as unknown;
        } catch {
            throw new PulumiError(`pulumi ${args.join(" ")} printed no JSON`, result);
        }
    }

    /** The project's stacks (`pulumi stack ls --json`, run in the project directory). */
    async listStacks(): Promise<StackSummary[]> {
        const value = await this.json(["stack", "ls", "--json"]);
        if (!Array.isArray(value)) throw new Error("pulumi stack ls --json: not a list");
        return value.map((entry: unknown) => {
            const item = (entry ?? {}) as Record<string, unknown>;
            if (typeof item.name !== "string")
                throw new Error("pulumi stack ls: a stack without a name");
            return {
                name: item.name,
                updateInProgress: item.updateInProgress === true,
                resourceCount:
                    typeof item.resourceCount === "number" ? item.resourceCount : undefined,
            };
        });
    }

    async stackTags(stack: string): Promise<Record<string, string>> {
        const value = await this.json(["stack", "tag", "ls", "--json", "--stack", stack]);
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
            throw new Error(`pulumi stack tag ls --stack ${stack}: not an object`);
        }
        const tags: Record<string, string> = {};
        for (const [key, tag] of Object.entries(value)) tags[key] = String(tag);
        return tags;
    }

    async setTag(stack: string, name: string, value: string): Promise<void> {
        const result = await this.run(["stack", "tag", "set", name, value, "--stack", stack]);
        if (result.code !== 0) {
            throw new PulumiError(
                `pulumi stack tag set ${name} on ${stack} failed: ${lastLines(result.stderr || result.stdout)}`,
                result,
            );
        }
    }

    /** `pulumi config --show-secrets --json`: decrypted values, to check none leaks into a comment. */
    async configWithSecrets(stack: string): Promise<Record<string, ConfigEntry>> {
        const value = await this.json(["config", "--show-secrets", "--json", "--stack", stack]);
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
            throw new Error(`pulumi config --json --stack ${stack}: not an object`);
        }
        return value as Record<string, ConfigEntry>;
    }

    preview(stack: string, extra: readonly string[] = []): Promise<CommandResult> {
        return this.run(
            [
                "preview",
                "--diff",
                "--color",
                "never",
                "--suppress-progress",
                "--stack",
                stack,
                ...extra,
            ],
            true,
        );
    }

    destroy(stack: string): Promise<CommandResult> {
        return this.run(
            ["destroy", "--yes", "--skip-preview", "--color", "never", "--stack", stack],
            true,
        );
    }

    /** Removes the stack from the backend; refuses while it still has resources (no --force). */
    removeStack(stack: string): Promise<CommandResult> {
        return this.run(["stack", "rm", "--yes", "--preserve-config", "--stack", stack], true);
    }
}

export interface ConfigEntry {
    value?: string;
    objectValue?: unknown;
    secret?: boolean;
}
