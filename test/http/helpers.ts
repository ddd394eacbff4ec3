/** An API over a fresh database, with one account and one bearer token per role. */
import { Writable } from "node:stream";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { createAccount, createApiToken } from "../../src/accounts/store.js";
import { buildApp, loggerOptions } from "../../src/http/app.js";
import type { AccountRole } from "../../src/platform/schema.js";
import { createTestDatabase, type Engine, type TestDatabase } from "../support/databases.js";

export const ROLES: AccountRole[] = ["FO", "BO", "EUROS", "SUPERVISOR", "ADMIN", "INTEGRATION"];
/** The roles of people (R14: they read everything); INTEGRATION is the billing system's account. */
export const PEOPLE: AccountRole[] = ["FO", "BO", "EUROS", "SUPERVISOR", "ADMIN"];
export const NOW = new Date("2024-03-05T10:00:00+01:00");

/** A text sink: a stream, and everything written to it so far. */
export function memorySink(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => text };
}

/** The production log options at `level`, written into memory: `text()` is everything logged so far. */
export function memoryLogger(level: string): {
  logger: Parameters<typeof buildApp>[0]["logger"];
  text: () => string;
} {
  const { stream, text } = memorySink();
  return { logger: { ...(loggerOptions(level) as object), stream }, text };
}

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
