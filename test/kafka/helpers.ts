import { parseStackSettings, type StackSettings } from "../../components/config";

/** Resolved settings of a docker stack with the given `kafka` section (and other sections). */
export function stack(kafka: Record<string, unknown> = {}, rest: Record<string, unknown> = {}) {
    return parseStackSettings({ target: "docker", kafka, ...rest });
}

export function kafka(section: Record<string, unknown> = {}): StackSettings["kafka"] {
    return stack(section).kafka;
}

/** A ZooKeeper-mode cluster of 3 ZooKeeper servers and 3 brokers (Kafka 3.9). */
export const ZK_MODE = { mode: "zookeeper", brokers: { replicas: 3 }, zookeeper: { replicas: 3 } };

/** Parse `key=value` lines (comments skipped) into a map. */
export function parseProperties(text: string): Record<string, string> {
    const entries = text
        .split("\n")
        .filter((line) => line !== "" && !line.startsWith("#"))
        .map((line) => {
            const at = line.indexOf("=");
            return [line.slice(0, at), line.slice(at + 1)] as const;
        });
    return Object.fromEntries(entries);
}
