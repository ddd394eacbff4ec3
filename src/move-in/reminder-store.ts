/**
 * R18: storage of the proof reminders: the sweep's candidate tasks, and the record that makes a reminder
 * once-only (700_proof_reminders: its key is the task). Queries only; the rule is rules/reminder.ts.
 */
import { sql } from "kysely";
import type { Trx } from "../platform/db.js";
import type { MoveInFacts } from "../platform/schema.js";

/** An open AWAIT_PROOF task of an open case that no reminder went out for yet. */
export interface ReminderCandidate {
  task_id: string;
  due_date: string;
  created_at: Date;
  case_id: string;
  service_point_id: string;
  party_id: string | null;
  move_in: MoveInFacts | null;
}

/**
 * Locks up to `limit` candidate tasks due from `dueFrom` to `dueTo` (both included), with their cases,
 * in task order after `after`, skipping those another sweeper or a command holds: open AWAIT_PROOF
 * tasks of open cases, not reminded yet, whose case has no accepted entry proof (a meter photo or a
 * refused proof does not count). `dueAt` bounds the same window on the indexed expiry instant.
 */
export async function claimReminderCandidates(
  trx: Trx,
  window: { dueFrom: string; dueTo: string; dueAtFrom: Date; dueAtTo: Date },
  after: string,
  limit: number,
): Promise<ReminderCandidate[]> {
  const rows = await trx
    .selectFrom("tasks as t")
    .innerJoin("cases as c", "c.id", "t.case_id")
    .select([
      "t.id as task_id",
      "t.due_date",
      "t.created_at",
      "c.id as case_id",
      "c.service_point_id",
      "c.party_id",
      "c.move_in",
    ])
    .where("t.status", "=", "OPEN")
    .where("t.kind", "=", "AWAIT_PROOF")
    .where("t.due_at", ">=", window.dueAtFrom)
    .where("t.due_at", "<=", window.dueAtTo)
    .where("t.due_date", ">=", window.dueFrom)
    .where("t.due_date", "<=", window.dueTo)
    .where("t.id", ">", after)
    .where("c.status", "=", "OPEN")
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom("proof_reminders as r").select("r.task_id").whereRef("r.task_id", "=", "t.id"))),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("proofs as p")
            .select("p.id")
            .whereRef("p.case_id", "=", "c.id")
            .where("p.status", "=", "ACCEPTED")
            .where("p.kind", "!=", "METER_PHOTO"),
        ),
      ),
    )
    .orderBy("t.id")
    .limit(limit)
    .forUpdate(["t", "c"])
    .skipLocked()
    .execute();
  return rows.map((r) => ({ ...r, due_date: String(r.due_date) }));
}

/**
 * Records the reminders of these tasks, at most one per task whatever runs at the same time (the key
 * decides: a task already reminded, by this sweep or a concurrent one, is left out). The tasks recorded.
 */
export async function recordReminders(
  trx: Trx,
  at: Date,
  reminders: Array<{ taskId: string; caseId: string }>,
): Promise<Set<string>> {
  if (reminders.length === 0) return new Set();
  const rows = await trx
    .insertInto("proof_reminders")
    .values(
      reminders.map((r) => ({ task_id: r.taskId, case_id: r.caseId, communication_id: null, sent_at: at })),
    )
    .onConflict((oc) => oc.column("task_id").doNothing())
    .returning("task_id")
    .execute();
  return new Set(rows.map((r) => r.task_id));
}

/** Links each recorded reminder to the message it wrote, in one statement. */
export async function linkReminders(trx: Trx, links: Array<{ taskId: string; communicationId: string }>) {
  if (links.length === 0) return;
  await sql`
    update proof_reminders r set communication_id = v.c
      from unnest(${links.map((l) => l.taskId)}::text[], ${links.map((l) => l.communicationId)}::text[]) as v(t, c)
     where r.task_id = v.t`.execute(trx);
}
