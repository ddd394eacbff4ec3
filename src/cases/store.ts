/** Storage for cases, their comments and tasks. Queries only. */
import { sql } from "kysely";
import { audit, auditAll } from "../platform/audit.js";
import { byOrdinal, withOrdinals } from "../platform/batch.js";
import type { Context } from "../platform/context.js";
import type { Deadline } from "../platform/dates.js";
import { anyOf, type Trx } from "../platform/db.js";
import { EcartError, ErrorCode } from "../platform/errors.js";
import { appendEvents } from "../platform/events.js";
import type { CaseType, MoveInFacts, RegularizationFacts, TaskKind } from "../platform/schema.js";
import { lockServicePoint } from "../service-points/store.js";

interface NewCaseCommon {
  servicePointId: string;
  partyId: string | null;
  relatedCaseId?: string | null;
  contestId?: string | null;
  moveIn?: MoveInFacts | null;
  regularization?: RegularizationFacts | null;
}

/** A case to open; an INT_EUROS case regularises a subscription (R10–R12), so it always names it. */
export type NewCase =
  | (NewCaseCommon & { type: Exclude<CaseType, "INT_EUROS">; subscriptionId?: string | null })
  | (NewCaseCommon & { type: "INT_EUROS"; subscriptionId: string });

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
  await appendEvents(trx, ctx, [
    {
      type: "case.opened",
      payload: {
        case: row.id,
        type: c.type,
        servicePoint: c.servicePointId,
        subscription: c.subscriptionId ?? null,
        customer: c.partyId,
        entity: ctx.actor.entity,
      },
    },
  ]);
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

/** A case as it stands, unlocked (read-only checks); UNKNOWN_REFERENCE when there is none. */
export async function loadCase(trx: Trx, id: string): Promise<CaseRow> {
  const c = await trx.selectFrom("cases").selectAll().where("id", "=", id).executeTakeFirst();
  if (!c)
    throw new EcartError(
      ErrorCode.UNKNOWN_REFERENCE,
      `Dossier inconnu : ${id}.`,
      `unknown case ${id}`,
      "case",
    );
  return c;
}

/**
 * The only insert into case_comments (one is a batch of one): the comments, in their order, in one
 * statement whatever their number (the rows as one JSON parameter).
 */
export async function addComments(
  trx: Trx,
  ctx: Context,
  comments: Array<{ caseId: string; body: string }>,
): Promise<void> {
  if (comments.length === 0) return;
  await sql`
    insert into case_comments (case_id, body, created_at, author, entity)
    select c."caseId", c.body, ${ctx.now}::timestamptz, ${ctx.actor.user}::text, ${ctx.actor.entity}::text
      from jsonb_to_recordset(${JSON.stringify(comments)}::jsonb) as c("caseId" text, body text)`.execute(
    trx,
  );
}

/** The task ids: the column default of migration 002, drawn in the statement that inserts the rows. */
const NEXT_TASK_ID = sql<string>`ecart_next_id('TASK-', 'task_seq', 6)`;

/**
 * The only insert into tasks (one is a batch of one), in one statement; audited, and ids returned, in
 * the order given (matched by ordinal, see platform/batch.ts).
 */
export async function addTasks(
  trx: Trx,
  ctx: Context,
  tasks: Array<{ caseId: string; kind: TaskKind; deadline: Deadline }>,
): Promise<string[]> {
  if (tasks.length === 0) return [];
  const values = withOrdinals(
    tasks.map((t) => ({ caseId: t.caseId, kind: t.kind, due: t.deadline.dueDate, at: t.deadline.expiresAt })),
  );
  const inserted = await sql<{ i: number; id: string }>`
    with v as materialized (
      select t.*, ${NEXT_TASK_ID} as id
        from jsonb_to_recordset(${JSON.stringify(values)}::jsonb)
             as t(i int, "caseId" text, kind text, due date, at timestamptz)),
    ins as (
      insert into tasks (id, case_id, kind, due_date, due_at, status, created_at)
      select v.id, v."caseId", v.kind, v.due, v.at, 'OPEN', ${ctx.now}::timestamptz from v order by v.i
      returning id)
    select v.i, ins.id from ins join v on v.id = ins.id`.execute(trx);
  const rows = byOrdinal(inserted.rows, tasks.length);
  await auditAll(
    trx,
    ctx,
    tasks.map((t, i) => ({
      action: "task.created",
      objectType: "task",
      objectId: (rows[i] as { id: string }).id,
      details: { case: t.caseId, kind: t.kind, due: t.deadline.dueDate },
    })),
  );
  return rows.map((r) => r.id);
}

export async function openTasks(trx: Trx, caseId: string) {
  return trx
    .selectFrom("tasks")
    .selectAll()
    .where("case_id", "=", caseId)
    .where("status", "=", "OPEN")
    .execute();
}

/**
 * Closes the open tasks of cases (one is a batch of one) as DONE (worked) or EXPIRED (deadline passed), in
 * one statement; audited case after case, in the order given.
 */
export async function closeTasks(trx: Trx, ctx: Context, caseIds: string[], status: "DONE" | "EXPIRED") {
  if (caseIds.length === 0) return;
  const closed = await trx
    .updateTable("tasks")
    .set({ status, closed_at: ctx.now, closed_by: ctx.actor.user })
    .where("case_id", "=", anyOf(caseIds))
    .where("status", "=", "OPEN")
    .returning(["id", "case_id"])
    .execute();
  const order = new Map(caseIds.map((id, i) => [id, i]));
  closed.sort((a, b) => (order.get(a.case_id) as number) - (order.get(b.case_id) as number));
  await auditAll(
    trx,
    ctx,
    closed.map((t) => ({
      action: `task.${status.toLowerCase()}`,
      objectType: "task",
      objectId: t.id,
      details: { case: t.case_id },
    })),
  );
}

/** R6: the reconnection visit of a case, planned (its one insert into `interventions`). */
export async function planReconnection(trx: Trx, caseId: string, at: Date): Promise<void> {
  await trx
    .insertInto("interventions")
    .values({ case_id: caseId, kind: "RECONNECTION", status: "PLANNED", created_at: at })
    .execute();
}

/** R6: the planned visit of a case reported done, with the reading the technician took. */
export async function reportIntervention(
  trx: Trx,
  caseId: string,
  report: { date: string; index: number; readingId: string; at: Date },
): Promise<void> {
  await trx
    .updateTable("interventions")
    .set({
      status: "DONE",
      reported_date: report.date,
      reported_index: report.index,
      reading_id: report.readingId,
      reported_at: report.at,
    })
    .where("case_id", "=", caseId)
    .where("status", "=", "PLANNED")
    .execute();
}

export async function hasPlannedIntervention(trx: Trx, caseId: string): Promise<boolean> {
  return (await withPlannedIntervention(trx, [caseId])).has(caseId);
}

/** Those of the cases whose reconnection visit is still planned. */
export async function withPlannedIntervention(trx: Trx, caseIds: string[]): Promise<Set<string>> {
  if (caseIds.length === 0) return new Set();
  const rows = await trx
    .selectFrom("interventions")
    .select("case_id")
    .where("case_id", "=", anyOf(caseIds))
    .where("status", "=", "PLANNED")
    .execute();
  return new Set(rows.map((r) => r.case_id));
}

export async function closeCase(trx: Trx, ctx: Context, caseId: string): Promise<void> {
  const closed = await trx
    .updateTable("cases")
    .set({ status: "CLOSED", closed_at: ctx.now, closed_by: ctx.actor.user })
    .where("id", "=", caseId)
    .returning(["id", "type", "service_point_id", "subscription_id"])
    .execute();
  await audit(trx, ctx, "case.closed", "case", caseId);
  await appendEvents(trx, ctx, closed.map(closedEvent));
}

/** The `case.closed` event of a case row (SPEC §8). */
const closedEvent = (c: {
  id: string;
  type: string;
  service_point_id: string;
  subscription_id: string | null;
}) => ({
  type: "case.closed" as const,
  payload: {
    case: c.id,
    type: c.type,
    servicePoint: c.service_point_id,
    subscription: c.subscription_id,
  },
});

/** A move-in case stays open while its reconnection visit has not reported. */
export async function closeUnlessVisitPending(trx: Trx, ctx: Context, caseId: string): Promise<boolean> {
  if (await hasPlannedIntervention(trx, caseId)) return false;
  await closeCase(trx, ctx, caseId);
  return true;
}

export async function setCaseSubscription(trx: Trx, caseId: string, subscriptionId: string) {
  await trx.updateTable("cases").set({ subscription_id: subscriptionId }).where("id", "=", caseId).execute();
}

/**
 * setCaseSubscription then closeUnlessVisitPending for many cases, in one update (one new row
 * version per case): each case linked to its new subscription, and closed unless its reconnection
 * visit is pending. Closings audited in the order given; the cases closed.
 */
export async function setSubscriptionsAndClose(
  trx: Trx,
  ctx: Context,
  links: Array<{ caseId: string; subscriptionId: string }>,
): Promise<Set<string>> {
  if (links.length === 0) return new Set();
  const pending = await withPlannedIntervention(
    trx,
    links.map((l) => l.caseId),
  );
  const closing = links.map((l) => !pending.has(l.caseId));
  const updated = await sql<{ id: string; type: string; service_point_id: string; close: boolean }>`
    update cases c
       set subscription_id = v.sub,
           status = case when v.close then 'CLOSED' else c.status end,
           closed_at = case when v.close then ${ctx.now}::timestamptz else c.closed_at end,
           closed_by = case when v.close then ${ctx.actor.user}::text else c.closed_by end
      from unnest(${links.map((l) => l.caseId)}::text[], ${links.map((l) => l.subscriptionId)}::text[],
                  ${closing}::boolean[]) as v(id, sub, close)
     where c.id = v.id
    returning c.id, c.type, c.service_point_id, v.close`.execute(trx);
  const closed = links.filter((_, i) => closing[i]).map((l) => l.caseId);
  await auditAll(
    trx,
    ctx,
    closed.map((id) => ({ action: "case.closed", objectType: "case", objectId: id })),
  );
  const rowOf = new Map(updated.rows.map((r) => [r.id, r]));
  await appendEvents(
    trx,
    ctx,
    links
      .filter((_, i) => closing[i])
      .map((l) => {
        const r = rowOf.get(l.caseId) as { type: string; service_point_id: string };
        return closedEvent({
          id: l.caseId,
          type: r.type,
          service_point_id: r.service_point_id,
          subscription_id: l.subscriptionId,
        });
      }),
  );
  return new Set(closed);
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

/**
 * R16: the move-in cases (open or closed) whose predecessor's termination is this one (subscription,
 * date, index), locked; the caller holds the service point's lock.
 */
export async function moveInCasesOnTermination(
  trx: Trx,
  servicePointId: string,
  t: { subscription: string; date: string; index: number },
) {
  return trx
    .selectFrom("cases")
    .selectAll()
    .where("service_point_id", "=", servicePointId)
    .where("type", "in", ["ARR_SPECIAL", "ARR_INTERVENTION"])
    .where(sql<boolean>`move_in->'termination'->>'subscription' = ${t.subscription}`)
    .where(sql<boolean>`move_in->'termination'->>'date' = ${t.date}`)
    .where(sql<boolean>`(move_in->'termination'->>'index')::bigint = ${t.index}`)
    .orderBy("id")
    .forUpdate()
    .execute();
}

/** The reconnection visit's reading of a case, once reported (R6), or null. */
export async function reportedVisit(trx: Trx, caseId: string) {
  const v = await trx
    .selectFrom("interventions")
    .select(["reported_date", "reported_index"])
    .where("case_id", "=", caseId)
    .where("status", "=", "DONE")
    .orderBy("reported_at", "desc")
    .limit(1)
    .executeTakeFirst();
  return v?.reported_date && v.reported_index !== null
    ? { date: v.reported_date, index: Number(v.reported_index) }
    : null;
}
