/** The record of finished imports (migration 400): one row per run, written once it has finished. */
import type { Context } from "../platform/context.js";
import type { Database } from "../platform/db.js";

export interface ImportRunCounts {
  lines: number;
  inserted: number;
  alreadyPresent: number;
  rejected: number;
  seconds: number;
}

/** Records a finished import and what it counted (the metrics add these up). */
export async function recordImportRun(
  db: Database,
  ctx: Context,
  source: string,
  c: ImportRunCounts,
): Promise<void> {
  await db.kysely
    .insertInto("import_runs")
    .values({
      finished_at: new Date(),
      source,
      actor: ctx.actor.user,
      lines: c.lines,
      inserted: c.inserted,
      already_present: c.alreadyPresent,
      rejected: c.rejected,
      seconds: c.seconds,
    })
    .execute();
}
