/**
 * Stack config → validated settings. Reads every `<project>:*` key, so a misspelt key is reported
 * like any other bad field, before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseStackSettings, type StackSettings } from "../components/config";

/** Secret config keys: read only through getSecret, never parsed into plain settings. */
export const SECRET_KEYS = ["tidbRootPassword"] as const;

export interface StackConfig {
    settings: StackSettings;
    tidbRootPassword?: pulumi.Output<string>;
}

export function loadStackConfig(): StackConfig {
    const project = pulumi.getProject();
    const raw = projectSettingsInput(project, pulumi.runtime.allConfig());
    const config = new pulumi.Config(project);
    const tidbRootPassword = config.getSecret("tidbRootPassword");
    const settings = parseStackSettings(raw, { tidbRootPassword: tidbRootPassword !== undefined });
    return { settings, tidbRootPassword };
}

/**
 * The project's own keys (`<project>:<key>` → `<key>`), secrets left out, values parsed: the input
 * of parseStackSettings. Values may be the engine's strings or already-parsed stack-file YAML.
 */
export function projectSettingsInput(
    project: string,
    config: Record<string, unknown>,
): Record<string, unknown> {
    const prefix = `${project}:`;
    const raw: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(config)) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        if ((SECRET_KEYS as readonly string[]).includes(key)) continue;
        raw[key] = typeof value === "string" ? parseConfigValue(value) : value;
    }
    return raw;
}

/** Pulumi hands config values over as strings; objects, numbers and booleans arrive as JSON. */
export function parseConfigValue(value: string): unknown {
    try {
        return JSON.parse(value) as unknown;
    } catch {
        return value;
    }
}
