/** Helpers for the TiDB tests: settings per target. */
import { parseStackSettings, type StackSettings } from "../../components/config";

export function dockerSettings(raw: Record<string, unknown> = {}): StackSettings {
    return parseStackSettings({ target: "docker", ...raw });
}

export function kubernetesSettings(raw: Record<string, unknown> = {}): StackSettings {
    return parseStackSettings({ target: "kubernetes", ...raw }, { tidbRootPassword: true });
}
