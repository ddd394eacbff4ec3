/**
 * R8: the deadline sweep. A function of the clock: every open proof task whose deadline has
 * passed is processed once; then R18's reminders go out (remind.ts). Safe with several sweepers at once: tasks and their cases are claimed
 * with FOR UPDATE SKIP LOCKED, so a case claimed by one sweeper is skipped by the others; then
 * their service points are locked without waiting (as every command on a service point does), and
 * a case whose service point is busy is claimed again once the batch is committed.
 *
 * A claimed batch is processed set-based (expireCases: a handful of statements for the whole
 * batch). If that fails, the batch is rolled back to its savepoint and each case is processed on
 * its own, in its own savepoint: one bad case never blocks the others. */
import { sql } from "kysely";
import type { EcartConfig } from "../platform/config.js";
import { type Context, SYSTEM_ACTOR } from "../platform/context.js";
import { anyOf, type Database, type Trx } from "../platform/db.js";
import { type Expiry, expireCase, expireCases } from "./expire.js";
import { sendProofReminders } from "./remind.js";

export interface SweepResult {
  /** Cases subscribed at the predecessor's index (R8). */
  subscribed: number;
  /**
   * Expired tasks whose case needed nothing more, or could not be subscribed (reported in a comment),
   * or was held for BO to check a SUSPECT termination reading (R8's exception).
   */
  skipped: number;
  /** Tasks whose processing failed; they stay open and are retried by the next sweep. */
  failed: Array<{ task: string; error: string }>;
  /** Proof reminders sent (R18), once per task whatever runs at the same time. */
  reminded: number;
}

/**
 * Cases claimed per transaction by default (at most: see evenBatch). Each batch pays a fixed cost
 * (about 25 statements planned and sent, a commit); 1,000 cases hold their service points for a
 * fraction of a second.
 */
export const DEFAULT_SWEEP_BATCH = 1000;
/**
 * Batches in flight at once on a PostgreSQL server, each in its own transaction and connection:
 * PostgreSQL writes one while the next is prepared here (PGlite, one session, takes one at a time).
 */
export const DEFAULT_SWEEP_WORKERS = 2;
/** At most this many per batch: a batch is one transaction holding its cases' locks. */
export const MAX_SWEEP_BATCH = 2000;

/**
 * The batch size giving each of `workers` the same number of equal batches for `due` expired tasks,
 * at most `max`: a last short batch on one worker would leave the others idle.
 */
export function evenBatch(due: number, workers: number, max: number): number {
  if (due <= 0 || workers <= 1) return max;
  const rounds = Math.ceil(due / (workers * max));
  return Math.max(1, Math.ceil(due / (workers * rounds)));
}

/** A pause before claiming again when every case claimed waited for a busy service point. */
const BUSY_PAUSE_MS = 20;
/** Claims in a row where every case waited for a busy service point before a worker leaves them to the next sweep. */
const MAX_BUSY_CLAIMS = 100;

/**
 * Locks up to `limit` expired open tasks with their open cases (skipping those locked by others),
 * in order of deadline, then their service points, without waiting: a case whose service point is
 * busy (a command, or another sweeper on another case there) is not processed in this batch and is
 * claimed again once this batch is committed.
 */
async function claim(trx: Trx, now: Date, limit: number, excluded: ReadonlyMap<string, unknown>) {
  const rows = await trx
    .selectFrom("tasks as t")
    .innerJoin("cases as c", "c.id", "t.case_id")
    .selectAll("c")
    .select(["t.id as task_id"])
    .where("t.status", "=", "OPEN")
    .where("t.due_at", "<=", now)
    // R8's exception fires once: an overdue CHECK_TERMINATION is only shown as overdue.
    .where("t.kind", "!=", "CHECK_TERMINATION")
    .where("c.status", "=", "OPEN")
    .$if(excluded.size > 0, (q) => q.where("t.id", "not in", [...excluded.keys()]))
    .orderBy("t.due_at")
    .limit(limit)
    .forUpdate(["t", "c"])
    .skipLocked()
    .execute();
  const locked =
    rows.length === 0
      ? []
      : await trx
          .selectFrom("service_points")
          .select("id")
          .where("id", "=", anyOf(rows.map((r) => r.service_point_id)))
          .orderBy("id")
          .forUpdate()
          .skipLocked()
          .execute();
  const ready = new Set(locked.map((sp) => sp.id));
  return {
    claimed: rows.length,
    rows: rows.filter((r) => ready.has(r.service_point_id)),
    busy: rows.filter((r) => !ready.has(r.service_point_id)).length,
  };
}

/** How many open tasks are due at `now` (their deadline index). */
async function countDue(db: Database, now: Date): Promise<number> {
  const r = await db.kysely
    .selectFrom("tasks")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("status", "=", "OPEN")
    .where("due_at", "<=", now)
    .where("kind", "!=", "CHECK_TERMINATION")
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

type ClaimedCase = Omit<Awaited<ReturnType<typeof claim>>["rows"][number], "task_id">;

/**
 * Processes every deadline expired at `now`, in batches of at most `batchSize` cases (evened out
 * between the workers), each batch set-based. `onBatch` hears of each batch once committed (its cases).
 * Once `signal` is aborted (the server stopping), no new batch is claimed: the ones in flight commit,
 * and the rest is left to the next sweep.
 */
export async function sweepDeadlines(
  db: Database,
  now: Date,
  config: EcartConfig,
  opts: {
    batchSize?: number;
    workers?: number;
    onBatch?: (cases: number) => void;
    signal?: AbortSignal;
  } = {},
): Promise<SweepResult> {
  const ctx: Context = { actor: SYSTEM_ACTOR, now, config };
  const maxBatch = Math.min(Math.max(1, opts.batchSize ?? DEFAULT_SWEEP_BATCH), MAX_SWEEP_BATCH);
  const workers = db.kind === "pglite" ? 1 : Math.max(1, opts.workers ?? DEFAULT_SWEEP_WORKERS);
  const batchSize = workers > 1 ? evenBatch(await countDue(db, now), workers, maxBatch) : maxBatch;
  const result: SweepResult = { subscribed: 0, skipped: 0, failed: [], reminded: 0 };
  // Failed tasks, each once: with several workers, a task that failed in one batch may already be in the
  // claim another worker sent before hearing of it; it fails there again, and is still reported once.
  const failures = new Map<string, string>();
  // Each worker claims its own batches (SKIP LOCKED keeps them apart) until one comes back short
  // with no case waiting for a busy service point.
  const work = async () => {
    for (let busyClaims = 0; !opts.signal?.aborted; ) {
      const batch = await db.kysely.transaction().execute(async (trx) => {
        const { claimed, rows, busy } = await claim(trx, now, batchSize, failures);
        // A case with several expired tasks is processed once: closing it closes all its tasks.
        const tasksOf = new Map<string, string[]>();
        const cases: ClaimedCase[] = [];
        for (const { task_id, ...c } of rows) {
          const tasks = tasksOf.get(c.id);
          if (tasks) tasks.push(task_id);
          else {
            tasksOf.set(c.id, [task_id]);
            cases.push(c);
          }
        }
        return { claimed, busy, tasksOf, outcomes: await processBatch(trx, ctx, cases) };
      });
      // Counted once committed; a failed task is set aside at once, before another worker can claim it.
      opts.onBatch?.(batch.outcomes.size);
      for (const [caseId, outcome] of batch.outcomes) {
        if (outcome === "SUBSCRIBED") result.subscribed++;
        else if (outcome === "SKIPPED") result.skipped++;
        else {
          for (const task of batch.tasksOf.get(caseId) ?? [])
            if (!failures.has(task)) failures.set(task, outcome.message);
        }
      }
      // Let the event loop run between batches: PGlite computes in this thread, and requests, timers and a
      // stop signal would otherwise wait for the whole sweep.
      await new Promise((r) => setImmediate(r));
      if (batch.busy === 0) {
        if (batch.claimed < batchSize) break;
        busyClaims = 0;
      } else if (batch.busy === batch.claimed) {
        // Nothing could be done: the service points are busy. Wait a little, and not forever.
        if (++busyClaims >= MAX_BUSY_CLAIMS) break;
        await new Promise((r) => setTimeout(r, BUSY_PAUSE_MS));
      }
    }
  };
  // Every worker ends before the sweep reports, even when one of them failed.
  const ends = await Promise.allSettled(Array.from({ length: workers }, work));
  for (const end of ends) if (end.status === "rejected") throw end.reason;
  result.failed = [...failures].map(([task, error]) => ({ task, error }));
  // R18: then the reminders of the tasks still open (an expired one is never reminded).
  result.reminded = await sendProofReminders(db, ctx, { signal: opts.signal });
  return result;
}

/** The batch set-based; if that fails, each case on its own, in its own savepoint. */
async function processBatch(
  trx: Trx,
  ctx: Context,
  cases: ClaimedCase[],
): Promise<Map<string, Expiry | Error>> {
  await sql`savepoint sweep_batch`.execute(trx);
  try {
    const out = await expireCases(trx, ctx, cases);
    await sql`release savepoint sweep_batch`.execute(trx);
    return out;
  } catch {
    await sql`rollback to savepoint sweep_batch`.execute(trx);
  }
  const out = new Map<string, Expiry | Error>();
  for (const c of cases) {
    await sql`savepoint sweep_one`.execute(trx);
    try {
      out.set(c.id, await expireCase(trx, ctx, c));
      await sql`release savepoint sweep_one`.execute(trx);
    } catch (e) {
      await sql`rollback to savepoint sweep_one`.execute(trx);
      out.set(c.id, e as Error);
    }
  }
  return out;
}
