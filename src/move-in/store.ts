/** Storage for move-ins: service points, meters, parties, subscriptions. Queries only. */
import type { Transaction } from "kysely";
import type { MessageFacts } from "../communications/outbox.js";
import { audit } from "../platform/audit.js";
import type { Context } from "../platform/context.js";
import { frenchDate } from "../platform/dates.js";
import { EcartError, ErrorCode } from "../platform/errors.js";
import type { DB, MoveInFacts, StartSource } from "../platform/schema.js";
import { appendReading, lastValidReading } from "../readings/store.js";

type Trx = Transaction<DB>;

/** Locks the service point row: every command on one service point runs one at a time. */
export async function lockServicePoint(trx: Trx, id: string) {
  const sp = await trx
    .selectFrom("service_points")
    .selectAll()
    .where("id", "=", id)
    .forUpdate()
    .executeTakeFirst();
  if (!sp) {
    throw new EcartError(
      ErrorCode.UNKNOWN_SERVICE_POINT,
      `Point de desserte inconnu : ${id}.`,
      `unknown service point ${id}`,
      "servicePoint",
    );
  }
  return sp;
}

/** The service point, without locking it (read-only checks). */
export async function findServicePoint(trx: Trx, id: string) {
  const sp = await trx.selectFrom("service_points").selectAll().where("id", "=", id).executeTakeFirst();
  if (!sp) {
    throw new EcartError(
      ErrorCode.UNKNOWN_SERVICE_POINT,
      `Point de desserte inconnu : ${id}.`,
      `unknown service point ${id}`,
      "servicePoint",
    );
  }
  return sp;
}

/** Loads a subscription for a command: its service point is locked first, then the row is read. */
export async function loadSubscriptionForUpdate(trx: Trx, id: string) {
  const head = await trx
    .selectFrom("subscriptions")
    .select("service_point_id")
    .where("id", "=", id)
    .executeTakeFirst();
  if (!head) {
    throw new EcartError(
      ErrorCode.UNKNOWN_REFERENCE,
      `Abonnement inconnu : ${id}.`,
      `unknown subscription ${id}`,
      "subscription",
    );
  }
  await lockServicePoint(trx, head.service_point_id);
  return trx.selectFrom("subscriptions").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

/** Facts every letter and email about a case names (SPEC §5). */
export async function messageFacts(trx: Trx, spId: string, caseId: string | null): Promise<MessageFacts> {
  const sp = await trx
    .selectFrom("service_points")
    .select(["id", "address"])
    .where("id", "=", spId)
    .executeTakeFirstOrThrow();
  const meter = await currentMeter(trx, spId);
  return { servicePoint: { id: sp.id, address: sp.address }, meterSerial: meter?.serial ?? null, caseId };
}

export async function currentMeter(trx: Trx, servicePointId: string) {
  return (
    (await trx
      .selectFrom("meters")
      .selectAll()
      .where("service_point_id", "=", servicePointId)
      .where("removed_on", "is", null)
      .executeTakeFirst()) ?? null
  );
}

export async function openSubscription(trx: Trx, servicePointId: string) {
  return (
    (await trx
      .selectFrom("subscriptions")
      .selectAll()
      .where("service_point_id", "=", servicePointId)
      .where("end_date", "is", null)
      .executeTakeFirst()) ?? null
  );
}

/**
 * SPEC §6: the predecessor is the latest ended subscription at the service point; with none,
 * the last VALID reading stands in for the termination index. Null when neither exists.
 */
export async function terminationOf(
  trx: Trx,
  servicePointId: string,
): Promise<MoveInFacts["termination"] | null> {
  const pred = await trx
    .selectFrom("subscriptions")
    .select(["id", "end_date", "end_index"])
    .where("service_point_id", "=", servicePointId)
    .where("end_date", "is not", null)
    .orderBy("end_date", "desc")
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  const meter = await currentMeter(trx, servicePointId);
  if (pred?.end_date && pred.end_index !== null) {
    // Compared with the same meter (issue 3): a meter installed since the termination opens at its start index.
    const replacedSince = await meterReplacedSince(trx, servicePointId, meter, pred.end_date);
    if (replacedSince && meter?.installed_on) {
      // ISO dates compare as text; the later of the two.
      const date = [meter.installed_on, pred.end_date].sort()[1] as string;
      return { date, index: meter.start_index, source: "SUBSCRIPTION", subscription: pred.id };
    }
    return { date: pred.end_date, index: pred.end_index, source: "SUBSCRIPTION", subscription: pred.id };
  }
  const r = await lastValidReading(trx, servicePointId, meter?.id ?? null);
  return r ? { date: r.date, index: r.index, source: "READING", subscription: null } : null;
}

/** True when the termination was read on another meter than the current one (the meter was replaced since). */
async function meterReplacedSince(
  trx: Trx,
  servicePointId: string,
  meter: Awaited<ReturnType<typeof currentMeter>>,
  endDate: string,
): Promise<boolean> {
  if (!meter?.installed_on) return false;
  const out = await trx
    .selectFrom("readings")
    .select("meter_id")
    .where("service_point_id", "=", servicePointId)
    .where("reading_date", "=", endDate)
    .where("type", "=", "MOVE_OUT")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  if (out && out.meter_id !== null) return out.meter_id !== meter.id;
  return meter.installed_on > endDate;
}

export interface CustomerInput {
  name: string;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  address?: string | null | undefined;
}

const norm = (s: string | null | undefined) =>
  (s ?? "").normalize("NFC").trim().toLowerCase().replace(/\s+/g, " ");

/** Same person for duplicate detection (SPEC §6): same name, and same email when both give one. */
export function samePerson(a: CustomerInput, b: { name: string; email: string | null }): boolean {
  if (norm(a.name) !== norm(b.name)) return false;
  return !a.email || !b.email || norm(a.email) === norm(b.email);
}

export async function createParty(trx: Trx, ctx: Context, c: CustomerInput, fallbackAddress: string) {
  const row = await trx
    .insertInto("parties")
    .values({
      name: c.name.trim(),
      email: c.email?.trim() || null,
      phone: c.phone?.trim() || null,
      postal_address: c.address?.trim() || fallbackAddress,
      role: "PROSPECT",
      created_at: ctx.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(trx, ctx, "party.created", "party", row.id, { role: "PROSPECT" });
  return row;
}

export async function partyById(trx: Trx, id: string) {
  return trx.selectFrom("parties").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

export interface NewSubscription {
  servicePointId: string;
  meterId: number | null;
  partyId: string;
  caseId: string | null;
  date: string;
  index: number;
  source: StartSource;
  tags?: string[];
}

/**
 * Another occupant whose subscription covers days from `date` on (open, or ended after it):
 * a subscription starting at `date` would bill the same days twice.
 */
export async function occupantSince(trx: Trx, servicePointId: string, date: string) {
  return (
    (await trx
      .selectFrom("subscriptions")
      .select(["id", "start_date", "end_date"])
      .where("service_point_id", "=", servicePointId)
      .where((eb) => eb.or([eb("end_date", "is", null), eb("end_date", ">", date)]))
      .orderBy("start_date", "desc")
      .limit(1)
      .executeTakeFirst()) ?? null
  );
}

/** Sets up a subscription: the row, the party becomes a subscriber, the start enters the history (MOVE_IN). */
export async function insertSubscription(trx: Trx, ctx: Context, s: NewSubscription) {
  const other = await occupantSince(trx, s.servicePointId, s.date);
  if (other) {
    throw new EcartError(
      other.end_date ? ErrorCode.DATE_BEFORE_TERMINATION : ErrorCode.PREDECESSOR_NOT_TERMINATED,
      other.end_date
        ? `Un autre occupant (abonnement ${other.id}, du ${frenchDate(other.start_date)} au ${frenchDate(other.end_date)}) a été abonné depuis le ${frenchDate(s.date)} : l'abonnement ne peut pas commencer avant sa résiliation. À traiter par le back office.`
        : `Un autre abonnement (${other.id}) est en cours sur ce point de desserte : enregistrez d'abord son départ.`,
      `subscription from ${s.date} at ${s.servicePointId} would overlap ${other.id}`,
      "date",
    );
  }
  const row = await trx
    .insertInto("subscriptions")
    .values({
      service_point_id: s.servicePointId,
      party_id: s.partyId,
      start_date: s.date,
      start_index: s.index,
      start_source: s.source,
      tags: s.tags ?? [],
      case_id: s.caseId,
      created_at: ctx.now,
      created_by: ctx.actor.user,
      entity: ctx.actor.entity,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await trx.updateTable("parties").set({ role: "SUBSCRIBER" }).where("id", "=", s.partyId).execute();
  const reading = await appendReading(trx, ctx, {
    servicePointId: s.servicePointId,
    meterId: s.meterId,
    date: s.date,
    index: s.index,
    type: "MOVE_IN",
  });
  await audit(trx, ctx, "subscription.created", "subscription", row.id, {
    start: { date: s.date, index: s.index, source: s.source },
    party: s.partyId,
    case: s.caseId,
  });
  return { id: row.id, readingId: reading.id };
}
