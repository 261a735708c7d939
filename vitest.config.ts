import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts"],
        // Pulumi's runtime keeps global state (mocks, config, stack): one fork per file keeps tests apart.
        pool: "forks",
        testTimeout: 30_000,
    },
});
