/**
 * What `pulumi destroy` does with a topic, changefeed or Flink SQL resource whose service no
 * longer answers: its `forgetIfUnreachable` input, from `teardown.forgetUnreachable`.
 *
 * Unset, it follows who owns the service: a lab (target docker) owns the services it manages, and
 * they live and die with it, so when one is gone its dynamic resources go with it (true); an
 * external service, or anything on Kubernetes, may still hold them, so an unanswered delete keeps
 * them in the state and fails (false). A stack that protects its storage never forgets (the
 * config rules refuse `true` there). Set, the key applies to every service of the stack.
 */
import type { StackSettings } from "../config";

/** The service a dynamic resource lives on: TiCDC is part of the TiDB cluster. */
export type PipelineService = "tidb" | "kafka" | "flink";

export function forgetIfUnreachable(settings: StackSettings, service: PipelineService): boolean {
    const configured = settings.teardown.forgetUnreachable;
    if (configured !== undefined) return configured;
    return (
        settings.target === "docker" &&
        settings[service].external === undefined &&
        !settings.protectStorage
    );
}
