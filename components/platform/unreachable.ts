/**
 * Deleting a dynamic resource whose service does not answer at all (`forgetIfUnreachable`).
 *
 * An unreachable service is an error on delete, in general: the topic, changefeed or job may
 * still exist, and keeping it in the state is what lets a later `pulumi destroy` finish the job.
 * But when the service itself is gone for good (a lab's Kafka container removed out of band),
 * nothing can ever delete the resource and the stack is stuck. Resources created with
 * `forgetIfUnreachable: true` are then dropped from the state instead, with a message saying so.
 *
 * "Does not answer" means a transport failure or a timeout (connection refused, no route, DNS,
 * TLS, no answer in time): never an HTTP error status, an authentication or an authorization
 * failure, which prove that the service is there. Each provider classifies its own errors (the
 * Kafka admin client's code "unreachable", TiCDC's `unreachable`, `nothingAnswered` for Flink's
 * REST errors); this module holds what they share.
 *
 * Kept free of Pulumi imports and of module-level state: provider code is serialized with
 * everything it references (test/platform/serialized-providers.test.ts).
 */
import { isHttpError } from "./http";

/**
 * Whether nothing answered: an HttpError without a status (components/platform/http.ts), on the
 * error itself or along its `cause` chain (callers that add context keep the original as cause).
 */
function nothingAnswered(error: unknown): boolean {
    let current: unknown = error;
    for (let depth = 0; depth < 10 && current instanceof Error; depth++) {
        if (isHttpError(current) && current.status === undefined) return true;
        current = (current as { cause?: unknown }).cause;
    }
    return false;
}

/** What `settleUnreachableDelete` needs to word its messages. */
export interface UnreachableDelete {
    /** The resource in full, e.g. `TiCDC changefeed "orders" at http://ticdc:8300`. */
    resource: string;
    /** What it is, e.g. "changefeed", "topic". */
    noun: string;
    /** The service that did not answer, e.g. "TiCDC", "the Kafka brokers". */
    service: string;
    /** The resource's `forgetIfUnreachable` as recorded in the state. */
    forget: unknown;
    /** The delete's error (already classified as "nothing answered" by the caller). */
    error: unknown;
    /** Put before the error's message when that does not name the resource itself. */
    context?: string;
}

function messageOf(what: UnreachableDelete): string {
    const message = what.error instanceof Error ? what.error.message : String(what.error);
    return what.context === undefined ? message : `${what.context}: ${message}`;
}

/** The text logged when a resource is dropped from the state without being deleted. */
function forgottenMessage(what: UnreachableDelete): string {
    return (
        `warning: ${what.resource} was NOT deleted but removed from the stack's state ` +
        `(forgetIfUnreachable: true): ${what.service} did not answer: ${messageOf(what)}. ` +
        `If ${what.service} comes back with it, delete it there by hand.`
    );
}

/** The message of a delete that keeps the resource because its service did not answer. */
function keptMessage(what: UnreachableDelete): string {
    return (
        `${messageOf(what).replace(/\.?$/, ".")} The ${what.noun} was not deleted and stays in the stack. ` +
        `If ${what.service} itself is gone, remove the ${what.noun} from the state with ` +
        "`pulumi state delete <urn>` (`pulumi stack --show-urns` lists the URNs), or let destroy " +
        "forget it: set forgetIfUnreachable: true on the resource (the Pipeline's config: " +
        "`pulumi config set --path teardown.forgetUnreachable true`), run `pulumi up` (it only " +
        `records the setting, without calling ${what.service}) and destroy again.`
    );
}

/**
 * After a delete failed because its service did not answer: returns (the resource is forgotten,
 * with a warning on the provider's stderr, which the engine shows) when `forget` is true, and
 * otherwise throws an error that keeps it in the state and names the ways out.
 */
function settleUnreachableDelete(what: UnreachableDelete): void {
    if (what.forget === true) {
        // The provider host has no engine log; its stderr is shown by the engine.
        console.error(forgottenMessage(what));
        return;
    }
    const kept = Object.assign(new Error(keptMessage(what)), { cause: what.error });
    // Keep the original's name (KafkaAdminError, TicdcError) and its fields for callers.
    if (what.error instanceof Error) {
        for (const [key, value] of Object.entries(what.error) as [string, unknown][]) {
            if (!["message", "stack", "cause"].includes(key)) Object.assign(kept, { [key]: value });
        }
        kept.name = what.error.name;
    }
    throw kept;
}

// Exported by list: the closure serializer loses `exports.X` references to exported constants.
export { nothingAnswered, settleUnreachableDelete };
