import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        // Pulumi's runtime keeps global state (mocks, config, stack): one fork per file keeps tests apart.
        pool: "forks",
        projects: [
            {
                test: {
                    name: "unit",
                    include: ["test/**/*.test.ts"],
                    exclude: ["test/integration/**"],
                    testTimeout: 30_000,
                },
            },
            {
                test: {
                    // Real Kafka (KRaft 4.3, ZooKeeper-mode 3.9) and Flink 2.2 started by the setup.
                    name: "integration",
                    include: ["test/integration/**/*.test.ts"],
                    globalSetup: ["test/integration/global-setup.ts"],
                    testTimeout: 180_000,
                    hookTimeout: 600_000,
                    // Two cores and one Flink: files run one at a time.
                    poolOptions: { forks: { singleFork: true } },
                },
            },
        ],
    },
});
