/**
 * The transactional outbox (SPEC §5): a command that decides to write to a customer
 * inserts the message in its own transaction; a worker delivers it later, once.
 */
import { sql } from "kysely";
import { audit, auditAll } from "../platform/audit.js";
import { byOrdinal, withOrdinals } from "../platform/batch.js";
import type { Context } from "../platform/context.js";
import type { Database, Trx } from "../platform/db.js";
import { EcartError, ErrorCode } from "../platform/errors.js";
import type { Channel, DeliveryStatus, Template } from "../platform/schema.js";

export interface Recipient {
  id: string;
  name: string;
  email: string | null;
  postal_address: string | null;
}

/** SPEC §5: EMAIL when the customer's email is known, else LETTER to the postal address. */
export function channelFor(r: Pick<Recipient, "email">): Channel {
  return r.email ? "EMAIL" : "LETTER";
}

export interface MessageFacts {
  servicePoint: { id: string; address: string };
  meterSerial: string | null;
  caseId: string | null;
  [key: string]: unknown;
}

/** A message a command decides to send. */
export interface OutgoingMessage {
  template: Template;
  to: Recipient;
  facts: MessageFacts;
  links?: { caseId?: string | null; contestId?: string | null };
}

/** The message ids: the column default of migration 002, drawn in the statement that inserts the rows. */
const NEXT_MESSAGE_ID = sql<string>`ecart_next_id('MSG-', 'communication_seq', 6)`;

/**
 * The only insert into the outbox (one message is a batch of one), in the caller's transaction: one
 * statement whatever their number (the rows travel as one JSON parameter, not one bind parameter per
 * value); their ids in the order given (matched by ordinal, see platform/batch.ts).
 */
export async function enqueue(trx: Trx, ctx: Context, messages: OutgoingMessage[]): Promise<string[]> {
  if (messages.length === 0) return [];
  const inserted = await sql<{ i: number; id: string }>`
    with v as materialized (
      select m.*, ${NEXT_MESSAGE_ID} as id
        from jsonb_to_recordset(${JSON.stringify(withOrdinals(messages.map(messageRow)))}::jsonb)
             as m(i int, template text, channel text, recipient_name text, to_address text, party_id text,
                  case_id text, service_point_id text, contest_id text, payload jsonb)),
    ins as (
      insert into communications (id, template, channel, recipient_name, to_address, party_id, case_id,
                                  service_point_id, contest_id, payload, next_attempt_at, created_at)
      select v.id, v.template, v.channel, v.recipient_name, v.to_address, v.party_id, v.case_id, v.service_point_id,
             v.contest_id, v.payload, ${ctx.now}::timestamptz, ${ctx.now}::timestamptz
        from v order by v.i
      returning id)
    select v.i, ins.id from ins join v on v.id = ins.id`.execute(trx);
  const ids = byOrdinal(inserted.rows, messages.length).map((r) => r.id);
  await auditAll(
    trx,
    ctx,
    messages.map((m, i) => ({
      action: "communication.queued",
      objectType: "communication",
      objectId: ids[i] as string,
      details: { template: m.template, channel: channelFor(m.to) },
    })),
  );
  return ids;
}

/** The outbox row of a message: its channel and address by SPEC §5, the facts as its payload. */
function messageRow({ template, to, facts, links = {} }: OutgoingMessage) {
  const channel = channelFor(to);
  const address =
    channel === "EMAIL" ? (to.email as string) : (to.postal_address ?? facts.servicePoint.address);
  return {
    template,
    channel,
    recipient_name: to.name,
    to_address: address,
    party_id: to.id,
    case_id: links.caseId ?? facts.caseId ?? null,
    service_point_id: facts.servicePoint.id,
    contest_id: links.contestId ?? null,
    payload: { ...facts, recipient: { name: to.name, postalAddress: to.postal_address } },
  };
}

/** The outbox as advisors see it, newest first; `status` filters. */
export async function listCommunications(
  db: Database,
  opts: { status?: DeliveryStatus; limit?: number } = {},
) {
  let q = db.kysely
    .selectFrom("communications")
    .select([
      "id",
      "template",
      "channel",
      "recipient_name",
      "to_address",
      "case_id",
      "contest_id",
      "status",
      "attempts",
      "next_attempt_at",
      "last_error",
      "failure",
      "message_id",
      "artifact_path",
      "created_at",
      "sent_at",
    ])
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(opts.limit ?? 200);
  if (opts.status) q = q.where("status", "=", opts.status);
  return q.execute();
}

/** French labels of the reasons a message failed, for the console. */
export const FAILURE_LABEL = {
  EXHAUSTED: "échec après toutes les tentatives",
  INTERRUPTED: "envoi interrompu, issue inconnue : vérifier auprès du client avant de relancer",
} as const;

/**
 * An advisor retries a FAILED message: back in the queue now, with a fresh retry budget.
 * It keeps its Message-ID. Only a FAILED message can be retried: a PENDING or SENDING one is
 * already on its way, a SENT one is not sent again.
 */
export async function retryCommunication(
  trx: Trx,
  ctx: Context,
  id: string,
): Promise<{ id: string; status: "PENDING" }> {
  const m = await trx
    .selectFrom("communications")
    .selectAll()
    .where("id", "=", id)
    .forUpdate()
    .executeTakeFirst();
  if (!m)
    throw new EcartError(
      ErrorCode.UNKNOWN_REFERENCE,
      `Message inconnu : ${id}.`,
      `unknown communication ${id}`,
      "communication",
    );
  if (m.status !== "FAILED") {
    const why = m.status === "SENT" ? "il a déjà été envoyé" : "il est déjà en cours d'envoi";
    throw new EcartError(
      ErrorCode.MESSAGE_NOT_FAILED,
      `Le message ${id} ne peut pas être relancé : ${why} (statut ${m.status}).`,
      `communication ${id} is ${m.status}, only FAILED can be retried`,
      "communication",
    );
  }
  await trx
    .updateTable("communications")
    .set({
      status: "PENDING",
      next_attempt_at: ctx.now,
      failure: null,
      lease_until: null,
      attempts_base: m.attempts,
    })
    .where("id", "=", id)
    .execute();
  await audit(trx, ctx, "communication.retried", "communication", id, {
    attempts: m.attempts,
    failure: m.failure,
    lastError: m.last_error,
    messageId: m.message_id,
  });
  return { id, status: "PENDING" };
}
