/** An API over a fresh database, with one account and one bearer token per role. */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { createAccount, createApiToken } from "../../src/accounts/store.js";
import { buildApp } from "../../src/http/app.js";
import type { AccountRole } from "../../src/platform/schema.js";
import { createTestDatabase, type Engine, type TestDatabase } from "../support/databases.js";

export const ROLES: AccountRole[] = ["FO", "BO", "EUROS", "SUPERVISOR", "ADMIN"];
export const NOW = new Date("2024-03-05T10:00:00+01:00");

export interface TestApi {
  app: FastifyInstance;
  tdb: TestDatabase;
  tokens: Record<AccountRole, string>;
  /** A request as a role (bearer token). */
  as(role: AccountRole, opts: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function testApi(
  engine: Engine,
  opts: { clock?: () => Date; loginAttemptsPerMinute?: number } = {},
): Promise<TestApi> {
  const tdb = await createTestDatabase(engine);
  const app = await buildApp({
    db: tdb.db,
    clock: opts.clock ?? (() => NOW),
    webDist: null,
    loginAttemptsPerMinute: opts.loginAttemptsPerMinute,
  });
  const tokens = {} as Record<AccountRole, string>;
  for (const role of ROLES) {
    const a = await createAccount(
      tdb.db.kysely,
      { username: `${role.toLowerCase()}.test`, role, entity: `${role}-LYON`, password: null },
      NOW,
    );
    tokens[role] = await createApiToken(tdb.db.kysely, a.id, "tests", NOW);
  }
  return {
    app,
    tdb,
    tokens,
    as: (role, o) =>
      app.inject({ ...o, headers: { ...(o.headers ?? {}), authorization: `Bearer ${tokens[role]}` } }),
    async close() {
      await app.close();
      await tdb.drop();
    },
  };
}
