/** Storage for cases, their comments and tasks. Queries only. */
import type { Transaction } from "kysely";
import type { Deadline } from "../move-in/deadline.js";
import { lockServicePoint } from "../move-in/store.js";
import { audit } from "../platform/audit.js";
import type { Context } from "../platform/context.js";
import { EcartError, ErrorCode } from "../platform/errors.js";
import type { CaseType, DB, MoveInFacts, RegularizationFacts, TaskKind } from "../platform/schema.js";

type Trx = Transaction<DB>;

export interface NewCase {
  type: CaseType;
  servicePointId: string;
  partyId: string | null;
  subscriptionId?: string | null;
  relatedCaseId?: string | null;
  contestId?: string | null;
  moveIn?: MoveInFacts | null;
  regularization?: RegularizationFacts | null;
}

export async function openCase(trx: Trx, ctx: Context, c: NewCase): Promise<string> {
  const row = await trx
    .insertInto("cases")
    .values({
      type: c.type,
      status: "OPEN",
      entity: ctx.actor.entity,
      service_point_id: c.servicePointId,
      party_id: c.partyId,
      subscription_id: c.subscriptionId ?? null,
      related_case_id: c.relatedCaseId ?? null,
      contest_id: c.contestId ?? null,
      move_in: c.moveIn ? JSON.stringify(c.moveIn) : null,
      regularization: c.regularization ? JSON.stringify(c.regularization) : null,
      created_at: ctx.now,
      created_by: ctx.actor.user,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await audit(trx, ctx, "case.opened", "case", row.id, { type: c.type, servicePoint: c.servicePointId });
  return row.id;
}

/** Loads a case for a command: its service point is locked first, then the case row. */
export async function loadCaseForUpdate(trx: Trx, id: string) {
  const head = await trx
    .selectFrom("cases")
    .select("service_point_id")
    .where("id", "=", id)
    .executeTakeFirst();
  if (!head)
    throw new EcartError(
      ErrorCode.UNKNOWN_REFERENCE,
      `Dossier inconnu : ${id}.`,
      `unknown case ${id}`,
      "case",
    );
  await lockServicePoint(trx, head.service_point_id);
  return trx.selectFrom("cases").selectAll().where("id", "=", id).forUpdate().executeTakeFirstOrThrow();
}

export type CaseRow = Awaited<ReturnType<typeof loadCaseForUpdate>>;

export async function addComment(trx: Trx, ctx: Context, caseId: string, body: string): Promise<void> {
  await trx
    .insertInto("case_comments")
    .values({ case_id: caseId, body, created_at: ctx.now, author: ctx.actor.user, entity: ctx.actor.entity })
    .execute();
}

export async function addTask(trx: Trx, ctx: Context, caseId: string, kind: TaskKind, d: Deadline) {
  const row = await trx
    .insertInto("tasks")
    .values({
      case_id: caseId,
      kind,
      due_date: d.dueDate,
      due_at: d.expiresAt,
      status: "OPEN",
      created_at: ctx.now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await audit(trx, ctx, "task.created", "task", row.id, { case: caseId, kind, due: d.dueDate });
  return row.id;
}

export async function openTasks(trx: Trx, caseId: string) {
  return trx
    .selectFrom("tasks")
    .selectAll()
    .where("case_id", "=", caseId)
    .where("status", "=", "OPEN")
    .execute();
}

/** Closes the case's open tasks as DONE (worked) or EXPIRED (deadline passed). */
export async function closeTasks(trx: Trx, ctx: Context, caseId: string, status: "DONE" | "EXPIRED") {
  const closed = await trx
    .updateTable("tasks")
    .set({ status, closed_at: ctx.now, closed_by: ctx.actor.user })
    .where("case_id", "=", caseId)
    .where("status", "=", "OPEN")
    .returning("id")
    .execute();
  for (const t of closed)
    await audit(trx, ctx, `task.${status.toLowerCase()}`, "task", t.id, { case: caseId });
}

export async function hasPlannedIntervention(trx: Trx, caseId: string): Promise<boolean> {
  const r = await trx
    .selectFrom("interventions")
    .select("id")
    .where("case_id", "=", caseId)
    .where("status", "=", "PLANNED")
    .executeTakeFirst();
  return !!r;
}

export async function closeCase(trx: Trx, ctx: Context, caseId: string): Promise<void> {
  await trx
    .updateTable("cases")
    .set({ status: "CLOSED", closed_at: ctx.now, closed_by: ctx.actor.user })
    .where("id", "=", caseId)
    .execute();
  await audit(trx, ctx, "case.closed", "case", caseId);
}

/** A move-in case stays open while its reconnection visit has not reported. */
export async function closeUnlessVisitPending(trx: Trx, ctx: Context, caseId: string): Promise<boolean> {
  if (await hasPlannedIntervention(trx, caseId)) return false;
  await closeCase(trx, ctx, caseId);
  return true;
}

export async function setCaseSubscription(trx: Trx, caseId: string, subscriptionId: string) {
  await trx.updateTable("cases").set({ subscription_id: subscriptionId }).where("id", "=", caseId).execute();
}

export async function updateMoveIn(trx: Trx, caseId: string, facts: MoveInFacts) {
  await trx
    .updateTable("cases")
    .set({ move_in: JSON.stringify(facts) })
    .where("id", "=", caseId)
    .execute();
}

export function assertOpen(c: CaseRow): void {
  if (c.status !== "OPEN") {
    throw new EcartError(
      ErrorCode.CASE_CLOSED,
      `Le dossier ${c.id} est clôturé.`,
      `case ${c.id} is closed`,
      "case",
    );
  }
}
