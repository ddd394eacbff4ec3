/**
 * R8: the deadline sweep. A function of the clock: every open proof task whose deadline has
 * passed is processed once. Safe with several sweepers at once: rows are claimed with
 * FOR UPDATE SKIP LOCKED, so a case locked by one sweeper is skipped by the others.
 */
import { sql } from "kysely";
import type { EcartConfig } from "../platform/config.js";
import { type Context, SYSTEM_ACTOR } from "../platform/context.js";
import type { Database } from "../platform/db.js";
import { expireCase } from "./commands.js";

export interface SweepResult {
  /** Cases subscribed at the predecessor's index (R8). */
  subscribed: number;
  /** Expired tasks whose case needed nothing more, or could not be subscribed (reported in a comment). */
  skipped: number;
  /** Tasks whose processing failed; they stay open and are retried by the next sweep. */
  failed: Array<{ task: string; error: string }>;
}

/** Processes every deadline expired at `now`, in batches, each task in its own savepoint. */
export async function sweepDeadlines(
  db: Database,
  now: Date,
  config: EcartConfig,
  opts: { batchSize?: number } = {},
): Promise<SweepResult> {
  const ctx: Context = { actor: SYSTEM_ACTOR, now, config };
  const batchSize = opts.batchSize ?? 200;
  const result: SweepResult = { subscribed: 0, skipped: 0, failed: [] };
  const failedIds = new Set<string>();
  for (;;) {
    const claimed = await db.kysely.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom("tasks as t")
        .innerJoin("cases as c", "c.id", "t.case_id")
        .selectAll("c")
        .select(["t.id as task_id"])
        .where("t.status", "=", "OPEN")
        .where("t.due_at", "<=", now)
        .where("c.status", "=", "OPEN")
        .$if(failedIds.size > 0, (q) => q.where("t.id", "not in", [...failedIds]))
        .orderBy("t.due_at")
        .limit(batchSize)
        .forUpdate(["t", "c"])
        .skipLocked()
        .execute();
      for (const row of rows) {
        const { task_id, ...caseRow } = row;
        await sql`savepoint sweep_one`.execute(trx);
        try {
          const r = await expireCase(trx, ctx, caseRow);
          if (r === "SUBSCRIBED") result.subscribed++;
          else result.skipped++;
          await sql`release savepoint sweep_one`.execute(trx);
        } catch (e) {
          await sql`rollback to savepoint sweep_one`.execute(trx);
          failedIds.add(task_id);
          result.failed.push({ task: task_id, error: (e as Error).message });
        }
      }
      return rows.length;
    });
    if (claimed < batchSize) break;
  }
  return result;
}
