/** Contests and the outbox as advisors see them; the outbox retry. */

import { identityFromEnv } from "../../communications/identity.js";
import { FAILURE_LABEL } from "../../communications/outbox.js";
import { previewStored } from "../../communications/render.js";
import type { Database } from "../../platform/db.js";
import { EcartError, ErrorCode } from "../../platform/errors.js";
import type { DeliveryStatus, Template } from "../../platform/schema.js";
import type { ContestList, Outbox } from "../api-shapes.js";
import { iso, type PageQuery, pageOf, readOnly } from "./common.js";

export async function listContests(
  db: Database,
  f: PageQuery & {
    status?: "OPEN" | "ANSWERED" | "ESCALATED" | undefined;
    subscription?: string | undefined;
  },
): Promise<ContestList> {
  const { limit, offset } = pageOf(f);
  return readOnly(db, async (trx) => {
    let q = trx
      .selectFrom("contests as ct")
      .innerJoin("subscriptions as s", "s.id", "ct.subscription_id")
      .innerJoin("parties as p", "p.id", "s.party_id");
    if (f.status) q = q.where("ct.status", "=", f.status);
    if (f.subscription) q = q.where("ct.subscription_id", "=", f.subscription);
    const total = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    const rows = await q
      .select([
        "ct.id",
        "ct.subscription_id",
        "s.service_point_id",
        "s.tags",
        "p.name",
        "ct.reason",
        "ct.status",
        "ct.answer",
        "ct.regularization_case_id",
        "ct.proof",
        "ct.created_at",
        "ct.created_by",
        "ct.entity",
        "ct.answered_at",
      ])
      .orderBy("ct.created_at", "desc")
      .orderBy("ct.id", "desc")
      .limit(limit)
      .offset(offset)
      .execute();
    return {
      total: Number(total.n),
      items: rows.map((r) => ({
        id: r.id,
        subscription: r.subscription_id,
        servicePoint: r.service_point_id,
        euros: r.tags.includes("euros"),
        party: r.name,
        reason: r.reason,
        status: r.status,
        answer: r.answer,
        regularizationCase: r.regularization_case_id,
        proof: r.proof,
        createdAt: iso(r.created_at) as string,
        createdBy: r.created_by,
        entity: r.entity,
        answeredAt: iso(r.answered_at),
      })),
    };
  });
}

export async function listOutbox(
  db: Database,
  f: PageQuery & {
    status?: DeliveryStatus | undefined;
    template?: Template | undefined;
    case?: string | undefined;
  },
): Promise<Outbox> {
  const { limit, offset } = pageOf(f);
  let q = db.kysely.selectFrom("communications");
  if (f.status) q = q.where("status", "=", f.status);
  if (f.template) q = q.where("template", "=", f.template);
  if (f.case) q = q.where("case_id", "=", f.case);
  const total = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  const rows = await q
    .select([
      "id",
      "template",
      "channel",
      "recipient_name",
      "to_address",
      "case_id",
      "service_point_id",
      "contest_id",
      "status",
      "attempts",
      "next_attempt_at",
      "last_error",
      "failure",
      "created_at",
      "sent_at",
    ])
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .offset(offset)
    .execute();
  return {
    total: Number(total.n),
    items: rows.map((m) => ({
      id: m.id,
      template: m.template,
      channel: m.channel,
      recipient: m.recipient_name,
      to: m.to_address,
      case: m.case_id,
      servicePoint: m.service_point_id,
      contest: m.contest_id,
      status: m.status,
      attempts: m.attempts,
      nextAttemptAt: iso(m.next_attempt_at),
      lastError: m.last_error,
      failure: m.failure,
      failureLabel: m.failure ? FAILURE_LABEL[m.failure] : null,
      createdAt: iso(m.created_at) as string,
      sentAt: iso(m.sent_at),
    })),
  };
}

/** One message of the outbox, rendered as it is (or was) delivered. */
export async function outboxPreview(db: Database, id: string, timeZone: string) {
  const m = await db.kysely.selectFrom("communications").selectAll().where("id", "=", id).executeTakeFirst();
  if (!m) {
    throw new EcartError(
      ErrorCode.NOT_FOUND,
      `Courrier inconnu : ${id}.`,
      `unknown communication ${id}`,
      "id",
    );
  }
  return previewStored(m, identityFromEnv(), timeZone);
}
