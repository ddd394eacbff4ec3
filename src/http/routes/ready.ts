/**
 * `GET /api/ready` (docs/operations.md): ready to serve when the database answers and its schema has
 * every migration this build ships. Beside `/api/health` (the process answers at all): a load balancer
 * or an orchestrator sends traffic on ready, restarts on health.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { sql } from "kysely";
import { z } from "zod";
import type { Database } from "../../platform/db.js";
import { pendingMigrations } from "../../platform/migrate.js";
import type { AppDeps } from "../app.js";

/** Longest wait for the database's answer before the check says it is not reachable. */
export const READY_TIMEOUT_MS = 2_000;

const readyOut = z.object({
  ready: z.boolean(),
  database: z.object({ engine: z.enum(["pglite", "postgres"]), reachable: z.boolean() }),
  migrations: z.object({ current: z.boolean(), pending: z.array(z.string()) }),
  /** Why it is not ready (English, for operators); absent when ready. */
  problem: z.string().optional(),
});
export type Readiness = z.infer<typeof readyOut>;

/** The database within `ms`, or the reason it is not reachable. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Checks the database and its migrations. */
export async function readiness(db: Database, timeoutMs = READY_TIMEOUT_MS): Promise<Readiness> {
  const out: Readiness = {
    ready: false,
    database: { engine: db.kind, reachable: false },
    migrations: { current: false, pending: [] },
  };
  try {
    await withTimeout(sql`select 1`.execute(db.kysely), timeoutMs);
    out.database.reachable = true;
    out.migrations.pending = await withTimeout(pendingMigrations(db), timeoutMs);
    out.migrations.current = out.migrations.pending.length === 0;
    if (!out.migrations.current)
      out.problem = `${out.migrations.pending.length} migration(s) not applied (run ecart migrate)`;
  } catch (e) {
    out.problem = `database ${out.database.reachable ? "check failed" : "not reachable"}: ${(e as Error).message}`;
  }
  out.ready = out.database.reachable && out.migrations.current;
  return out;
}

export async function readyRoutes(app: FastifyInstance, deps: AppDeps) {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/ready",
    {
      config: { access: { kind: "public" } },
      schema: { tags: ["session"], response: { 200: readyOut, 503: readyOut } },
    },
    async (_req, reply) => {
      const r = await readiness(deps.db);
      return reply.code(r.ready ? 200 : 503).send(r);
    },
  );
}
