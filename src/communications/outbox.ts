/**
 * The transactional outbox (SPEC §5): a command that decides to write to a customer
 * inserts the message in its own transaction; a worker delivers it later, once.
 */
import type { Transaction } from "kysely";
import { audit } from "../platform/audit.js";
import type { Context } from "../platform/context.js";
import type { Channel, DB, Template } from "../platform/schema.js";

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

/** Writes a message to the outbox, in the caller's transaction. */
export async function enqueue(
  trx: Transaction<DB>,
  ctx: Context,
  template: Template,
  to: Recipient,
  facts: MessageFacts,
  links: { caseId?: string | null; contestId?: string | null } = {},
): Promise<string> {
  const channel = channelFor(to);
  const address = channel === "EMAIL" ? (to.email as string) : (to.postal_address ?? facts.servicePoint.address);
  const row = await trx
    .insertInto("communications")
    .values({
      template,
      channel,
      recipient_name: to.name,
      to_address: address,
      party_id: to.id,
      case_id: links.caseId ?? facts.caseId ?? null,
      service_point_id: facts.servicePoint.id,
      contest_id: links.contestId ?? null,
      payload: JSON.stringify({ ...facts, recipient: { name: to.name, postalAddress: to.postal_address } }),
      next_attempt_at: ctx.now,
      created_at: ctx.now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await audit(trx, ctx, "communication.queued", "communication", row.id, { template, channel });
  return row.id;
}
