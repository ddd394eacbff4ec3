/** Cases as advisors see them: lists, the work queue, one case with everything attached. Queries only. */

import { sql } from "kysely";
import { loadCase } from "../../cases/store.js";
import { daysLeft, isDueSoon, isOverdue, overdueBefore } from "../../move-in/rules/deadline.js";
import type { Database } from "../../platform/db.js";
import { EcartError, ErrorCode } from "../../platform/errors.js";
import type { CaseStatus, CaseType } from "../../platform/schema.js";
import type { CaseDetail, CaseList } from "../api-shapes.js";
import { iso, type PageQuery, pageOf, readOnly } from "./common.js";

export interface CaseFilter extends PageQuery {
  status?: CaseStatus | undefined;
  type?: CaseType | undefined;
  entity?: string | undefined;
  servicePoint?: string | undefined;
  /** The work queue: open cases only, overdue first, then by due date, then the longest waiting. */
  queue?: boolean | undefined;
  /** The team whose action the case waits for (docs/decisions.md, « Which entity a case belongs to »). */
  team?: Team | undefined;
}

/** Who works an open case: the back office the move-in cases, the EUROS service the regularisations. */
export type Team = "BO" | "EUROS";

/** What an open case waits for beside its tasks: the reconnection visit, EUROS' regularisation, the back office. */
export type Awaited = string | "RECONNECTION_VISIT" | "REGULARIZATION" | "BACK_OFFICE";

const teamOf = (type: CaseType): Team => (type === "INT_EUROS" ? "EUROS" : "BO");

/**
 * What an open case waits for, by whom and since when: its earliest open task (with its due date), else
 * the planned reconnection visit, else the regularisation for an INT_EUROS case, else an action of the back
 * office. `overdue`, `dueSoon` and `daysLeft` are counted from `today` (Europe/Paris), the server's day.
 */
function waitingOf(
  c: { type: CaseType; created_at: Date | string },
  task: { kind: string | null; due: string | null; since: Date | string | null },
  visitSince: Date | string | null,
  today: string,
) {
  const team = teamOf(c.type);
  if (task.kind && task.due) {
    return {
      what: task.kind,
      team,
      since: iso(task.since) as string,
      due: task.due,
      daysLeft: daysLeft(task.due, today),
      overdue: isOverdue(task.due, today),
      dueSoon: isDueSoon(task.due, today),
    };
  }
  const what: Awaited = visitSince
    ? "RECONNECTION_VISIT"
    : c.type === "INT_EUROS"
      ? "REGULARIZATION"
      : "BACK_OFFICE";
  return {
    what,
    team,
    since: iso(visitSince ?? c.created_at) as string,
    due: null,
    daysLeft: null,
    overdue: false,
    dueSoon: false,
  };
}

export async function listCases(db: Database, f: CaseFilter, today: string): Promise<CaseList> {
  const { limit, offset } = pageOf(f);
  return readOnly(db, async (trx) => {
    let q = trx
      .selectFrom("cases as c")
      .leftJoin("parties as p", "p.id", "c.party_id")
      .innerJoin("service_points as sp", "sp.id", "c.service_point_id");
    if (f.queue) q = q.where("c.status", "=", "OPEN");
    else if (f.status) q = q.where("c.status", "=", f.status);
    if (f.type) q = q.where("c.type", "=", f.type);
    if (f.team === "EUROS") q = q.where("c.type", "=", "INT_EUROS");
    else if (f.team === "BO") q = q.where("c.type", "!=", "INT_EUROS");
    if (f.entity) q = q.where("c.entity", "=", f.entity);
    if (f.servicePoint) q = q.where("c.service_point_id", "=", f.servicePoint);
    const total = await q
      .select((eb) => [
        eb.fn.countAll<number>().as("n"),
        // isOverdue (move-in/rules/deadline.ts) counted over the whole filter, not the page: an open case
        // with an open task due before its bound.
        sql<number>`count(*) filter (where c.status = 'OPEN' and exists (
          select 1 from tasks t where t.case_id = c.id and t.status = 'OPEN'
            and t.due_date < ${overdueBefore(today)}::date))`.as("overdue"),
      ])
      .executeTakeFirstOrThrow();
    let rows = q
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom("tasks as t")
            .select(["t.kind", "t.due_date", "t.created_at"])
            .whereRef("t.case_id", "=", "c.id")
            .where("t.status", "=", "OPEN")
            .orderBy("t.due_date")
            .orderBy("t.id")
            .limit(1)
            .as("nt"),
        (join) => join.onTrue(),
      )
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom("interventions as v")
            .select("v.created_at")
            .whereRef("v.case_id", "=", "c.id")
            .where("v.status", "=", "PLANNED")
            .orderBy("v.id")
            .limit(1)
            .as("pv"),
        (join) => join.onTrue(),
      )
      .select([
        "c.id",
        "c.type",
        "c.status",
        "c.entity",
        "c.service_point_id",
        "sp.address",
        "c.party_id",
        "p.name",
        "c.subscription_id",
        "c.created_at",
        "c.created_by",
        "c.closed_at",
        "nt.kind as taskKind",
        "nt.due_date as taskDue",
        "nt.created_at as taskSince",
        "pv.created_at as visitSince",
      ]);
    rows = f.queue
      ? rows
          // By due date, so the overdue come first (isOverdue: due before today), then those with no due
          // date, oldest first.
          .orderBy(sql`nt.due_date asc nulls last`)
          .orderBy(sql`coalesce(nt.created_at, pv.created_at, c.created_at)`)
          .orderBy("c.id")
      : rows.orderBy("c.created_at", "desc").orderBy("c.id", "desc");
    const items = await rows.limit(limit).offset(offset).execute();
    return {
      total: Number(total.n),
      overdue: Number(total.overdue),
      items: items.map((c) => ({
        id: c.id,
        type: c.type,
        status: c.status,
        entity: c.entity,
        servicePoint: { id: c.service_point_id, address: c.address },
        party: c.party_id ? { id: c.party_id, name: c.name } : null,
        subscription: c.subscription_id,
        nextTask: c.taskKind ? { kind: c.taskKind, due: c.taskDue as string } : null,
        waiting:
          c.status === "OPEN"
            ? waitingOf(c, { kind: c.taskKind, due: c.taskDue, since: c.taskSince }, c.visitSince, today)
            : null,
        createdAt: iso(c.created_at) as string,
        createdBy: c.created_by,
        closedAt: iso(c.closed_at),
      })),
    };
  });
}

/** One case with all it holds; each open task says whether it is overdue on `today` (Europe/Paris). */
export async function caseDetail(db: Database, id: string, today: string): Promise<CaseDetail> {
  return readOnly(db, async (trx) => {
    const c = await loadCase(trx, id);
    const sp = await trx
      .selectFrom("service_points")
      .select(["id", "address", "owner_name"])
      .where("id", "=", c.service_point_id)
      .executeTakeFirstOrThrow();
    const meter = await trx
      .selectFrom("meters")
      .select(["serial", "remote_reading"])
      .where("service_point_id", "=", sp.id)
      .where("removed_on", "is", null)
      .executeTakeFirst();
    const party = c.party_id
      ? await trx
          .selectFrom("parties")
          .select(["id", "name", "email", "phone", "postal_address", "role"])
          .where("id", "=", c.party_id)
          .executeTakeFirst()
      : undefined;
    const comments = await trx
      .selectFrom("case_comments")
      .selectAll()
      .where("case_id", "=", id)
      .orderBy("id")
      .execute();
    const tasks = await trx
      .selectFrom("tasks")
      .selectAll()
      .where("case_id", "=", id)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    const proofs = await trx
      .selectFrom("proofs")
      .select([
        "id",
        "kind",
        "doc_date",
        "doc_index",
        "meter_serial",
        "prescription_invoked",
        "status",
        "refusal_code",
        "refusal_reason",
        "file_name",
        "content_type",
        "size_bytes",
        "sha256",
        "received_at",
        "received_by",
        "entity",
      ])
      .where("case_id", "=", id)
      .orderBy("received_at")
      .orderBy("id")
      .execute();
    const interventions = await trx
      .selectFrom("interventions")
      .selectAll()
      .where("case_id", "=", id)
      .orderBy("id")
      .execute();
    const communications = await trx
      .selectFrom("communications")
      .select(["id", "template", "channel", "status", "attempts", "created_at", "sent_at", "last_error"])
      .where("case_id", "=", id)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    const subscription = c.subscription_id
      ? await trx
          .selectFrom("subscriptions")
          .selectAll()
          .where("id", "=", c.subscription_id)
          .executeTakeFirst()
      : undefined;
    // The contest an INT_EUROS case was opened on (R11): what the customer said and what BO answered.
    const contest = c.contest_id
      ? await trx
          .selectFrom("contests")
          .select([
            "id",
            "reason",
            "status",
            "answer",
            "answered_at",
            "proof",
            "created_at",
            "created_by",
            "entity",
          ])
          .where("id", "=", c.contest_id)
          .executeTakeFirst()
      : undefined;
    const related = await trx
      .selectFrom("cases")
      .select(["id", "type", "status"])
      .where((eb) => eb.or([eb("related_case_id", "=", id), eb("id", "=", c.related_case_id ?? "")]))
      .execute();
    return {
      id: c.id,
      type: c.type,
      status: c.status,
      entity: c.entity,
      servicePoint: {
        id: sp.id,
        address: sp.address,
        owner: sp.owner_name,
        meterSerial: meter?.serial ?? null,
        remoteReading: meter?.remote_reading ?? false,
      },
      party: party
        ? {
            id: party.id,
            name: party.name,
            email: party.email,
            phone: party.phone,
            address: party.postal_address,
            role: party.role,
          }
        : null,
      subscription: subscription
        ? {
            id: subscription.id,
            start: {
              date: subscription.start_date,
              index: subscription.start_index,
              source: subscription.start_source,
            },
            end: subscription.end_date
              ? { date: subscription.end_date, index: subscription.end_index as number }
              : null,
            tags: subscription.tags,
          }
        : null,
      moveIn: c.move_in,
      regularization: c.regularization,
      contest: c.contest_id,
      contestDetail: contest
        ? {
            id: contest.id,
            reason: contest.reason,
            status: contest.status,
            answer: contest.answer,
            answeredAt: iso(contest.answered_at),
            proof: contest.proof,
            createdAt: iso(contest.created_at) as string,
            createdBy: contest.created_by,
            entity: contest.entity,
          }
        : null,
      relatedCases: related,
      createdAt: iso(c.created_at) as string,
      createdBy: c.created_by,
      closedAt: iso(c.closed_at),
      closedBy: c.closed_by,
      comments: comments.map((m) => ({
        id: m.id,
        body: m.body,
        at: iso(m.created_at) as string,
        author: m.author,
        entity: m.entity,
      })),
      tasks: tasks.map((t) => ({
        id: t.id,
        kind: t.kind,
        due: t.due_date,
        status: t.status,
        overdue: t.status === "OPEN" && isOverdue(t.due_date, today),
        createdAt: iso(t.created_at) as string,
        closedAt: iso(t.closed_at),
        closedBy: t.closed_by,
      })),
      proofs: proofs.map((p) => ({
        id: p.id,
        kind: p.kind,
        date: p.doc_date,
        index: p.doc_index,
        meterSerial: p.meter_serial,
        prescriptionInvoked: p.prescription_invoked,
        status: p.status,
        refusal: p.refusal_code ? { code: p.refusal_code, reason: p.refusal_reason } : null,
        file: p.sha256
          ? { name: p.file_name, contentType: p.content_type, size: p.size_bytes, sha256: p.sha256 }
          : null,
        receivedAt: iso(p.received_at) as string,
        receivedBy: p.received_by,
        entity: p.entity,
      })),
      interventions: interventions.map((v) => ({
        id: v.id,
        kind: v.kind,
        status: v.status,
        reported: v.reported_date
          ? { date: v.reported_date, index: v.reported_index, reading: v.reading_id }
          : null,
        createdAt: iso(v.created_at) as string,
      })),
      communications: communications.map((m) => ({
        id: m.id,
        template: m.template,
        channel: m.channel,
        status: m.status,
        attempts: m.attempts,
        createdAt: iso(m.created_at) as string,
        sentAt: iso(m.sent_at),
      })),
    };
  });
}

/** A proof's uploaded document. */
export async function proofFile(db: Database, id: string) {
  const p = await db.kysely
    .selectFrom("proofs")
    .select(["id", "file_name", "content_type", "content", "sha256"])
    .where("id", "=", id)
    .executeTakeFirst();
  if (!p?.content)
    throw new EcartError(
      ErrorCode.UNKNOWN_REFERENCE,
      `Aucun document pour le justificatif ${id}.`,
      `no file for proof ${id}`,
      "proof",
    );
  return p;
}
