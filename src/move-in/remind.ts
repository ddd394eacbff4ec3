/**
 * R18: the proof reminders the deadline sweep sends. Each open AWAIT_PROOF task gets PROOF_REMINDER
 * once, from its reminder day to its due day (rules/reminder.ts). Exactly once under concurrent
 * sweepers and crashes: the reminder is recorded under a unique key (the task) in the transaction
 * that writes the message, and a message is written only for a reminder this transaction recorded.
 */
import { enqueue, type Recipient } from "../communications/outbox.js";
import { auditAll } from "../platform/audit.js";
import { type Context, today } from "../platform/context.js";
import { addDays, localDate, startOfDay } from "../platform/dates.js";
import type { Database } from "../platform/db.js";
import { type Place, partiesOf, placeFacts, placesOf } from "../service-points/store.js";
import {
  claimReminderCandidates,
  linkReminders,
  type ReminderCandidate,
  recordReminders,
} from "./reminder-store.js";
import { reminderDue } from "./rules/reminder.js";

/** Tasks claimed per transaction: a reminder is one message and one row. */
export const REMINDER_BATCH = 500;

/**
 * Sends every reminder due at `ctx.now`, in batches (each its own transaction); how many were sent.
 * Once `signal` is aborted no new batch is claimed: the rest is left to the next sweep.
 */
export async function sendProofReminders(
  db: Database,
  ctx: Context,
  opts: { batchSize?: number; signal?: AbortSignal } = {},
): Promise<number> {
  const days = ctx.config.proofReminderDays;
  if (!(days > 0)) return 0;
  const tz = ctx.config.timeZone;
  const day = today(ctx);
  // Due from today (never after the due day) to today + days (the reminder day reached).
  const dueTo = addDays(day, days);
  const window = {
    dueFrom: day,
    dueTo,
    dueAtFrom: startOfDay(addDays(day, 1), tz),
    dueAtTo: startOfDay(addDays(dueTo, 1), tz),
  };
  const limit = Math.max(1, opts.batchSize ?? REMINDER_BATCH);
  let sent = 0;
  for (let after = ""; !opts.signal?.aborted; ) {
    const batch = await db.kysely.transaction().execute(async (trx) => {
      const rows = await claimReminderCandidates(trx, window, after, limit);
      const due = rows.filter(
        (r) =>
          r.move_in !== null &&
          r.party_id !== null &&
          reminderDue(day, r.due_date, localDate(r.created_at, tz), days),
      );
      const recorded = await recordReminders(
        trx,
        ctx.now,
        due.map((r) => ({ taskId: r.task_id, caseId: r.case_id })),
      );
      const sending = due.filter((r) => recorded.has(r.task_id));
      const places = await placesOf(trx, [...new Set(sending.map((r) => r.service_point_id))]);
      const parties = await partiesOf(trx, [...new Set(sending.map((r) => r.party_id as string))]);
      const ids = await enqueue(
        trx,
        ctx,
        sending.map((r) => ({
          template: "PROOF_REMINDER" as const,
          to: parties.get(r.party_id as string) as Recipient,
          facts: reminderFacts(r, places.get(r.service_point_id) as Place, tz),
        })),
      );
      await linkReminders(
        trx,
        sending.map((r, i) => ({ taskId: r.task_id, communicationId: ids[i] as string })),
      );
      await auditAll(
        trx,
        ctx,
        sending.map((r) => ({
          action: "task.reminded",
          objectType: "task",
          objectId: r.task_id,
          details: { case: r.case_id, dueDate: r.due_date },
        })),
      );
      return { claimed: rows.length, last: rows.at(-1)?.task_id ?? after, sent: sending.length };
    });
    sent += batch.sent;
    if (batch.claimed < limit) break;
    after = batch.last;
    // Let the event loop run between batches (PGlite computes in this thread).
    await new Promise((r) => setImmediate(r));
  }
  return sent;
}

/** PROOF_REMINDER's facts: the request's (termination, declared index, gap), when it was asked, when it is due. */
function reminderFacts(r: ReminderCandidate, place: Place, timeZone: string) {
  const m = r.move_in as NonNullable<ReminderCandidate["move_in"]>;
  return {
    ...placeFacts(place, r.case_id),
    termination: { date: m.termination.date, index: m.termination.index },
    declared: { date: m.date, index: m.index },
    gap: m.gap,
    askedOn: localDate(r.created_at, timeZone),
    dueDate: r.due_date,
  };
}
