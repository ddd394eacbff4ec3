import { defineConfig } from "vitest/config";

/** End-to-end tests: the real server and the built console in headless Chromium (npm run test:e2e). */
export default defineConfig({
  test: {
    // Fast password hashing in tests only; production keeps scrypt N=2^17 (src/accounts/passwords.ts).
    env: { ECART_SCRYPT_COST: "12" },
    include: ["test/e2e/**/*.e2e.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
  },
});
