/**
 * Undo actions, run last-in first-out whatever happened: at the end of the run, on an error,
 * and on SIGINT/SIGTERM. Each action runs once; a failing one is reported and the rest still run.
 */
export class Cleanup {
    private readonly actions: { what: string; run: () => Promise<unknown> }[] = [];
    private running: Promise<string[]> | undefined;

    constructor(private readonly log: (line: string) => void = (line) => console.error(line)) {}

    /** Registers an action; returns a function that runs it now (and removes it). */
    add(what: string, run: () => Promise<unknown>): () => Promise<void> {
        const entry = { what, run };
        this.actions.push(entry);
        return async () => {
            const at = this.actions.indexOf(entry);
            if (at < 0) return;
            this.actions.splice(at, 1);
            await entry.run();
        };
    }

    get pending(): string[] {
        return this.actions.map((a) => a.what);
    }

    /** Runs every pending action, newest first; resolves with the failures (never rejects). */
    runAll(): Promise<string[]> {
        this.running ??= (async () => {
            const failures: string[] = [];
            while (this.actions.length > 0) {
                const action = this.actions.pop()!;
                this.log(`[bench] cleanup: ${action.what}`);
                try {
                    await action.run();
                } catch (error) {
                    const message = error instanceof Error ? error.message : String(error);
                    failures.push(`${action.what}: ${message}`);
                    this.log(`[bench] cleanup failed: ${action.what}: ${message}`);
                }
            }
            return failures;
        })().finally(() => {
            this.running = undefined;
        });
        return this.running;
    }

    /** On SIGINT/SIGTERM: clean up, then exit 130/143. */
    onSignals(): void {
        for (const [signal, code] of [
            ["SIGINT", 130],
            ["SIGTERM", 143],
        ] as const) {
            process.once(signal, () => {
                this.log(`[bench] ${signal}: cleaning up before exit`);
                void this.runAll().finally(() => process.exit(code));
            });
        }
    }
}
