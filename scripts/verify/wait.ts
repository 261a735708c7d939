/** Waiting helpers shared by the hops: abortable sleeps, polling, and a time limit on a promise. */

/** Resolves after `ms`, or as soon as the signal aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        signal?.addEventListener("abort", () => {
            clearTimeout(timer);
            resolve();
        });
    });
}

/** Polls `check` until true (resolves true), or the deadline passes or the signal aborts (false). */
export async function until(
    check: () => boolean,
    deadline: number,
    signal?: AbortSignal,
    intervalMs = 100,
): Promise<boolean> {
    while (!check()) {
        if (signal?.aborted || Date.now() >= deadline) return false;
        await sleep(intervalMs, signal);
    }
    return true;
}

/** The promise, or a rejection naming `what` once `ms` passed. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
            () => reject(new Error(`${what} did not finish within ${ms / 1000} s`)),
            ms,
        );
    });
    try {
        return await Promise.race([promise, timeout]);
    } finally {
        clearTimeout(timer);
    }
}
