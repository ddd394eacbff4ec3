/**
 * Storage of service points, their meters, and who holds them (parties, subscriptions), as every
 * capability reads them: the service point lock every command takes first, the current meter, the
 * facts a letter names. Queries only; imports nothing but platform.
 */
import { anyOf, type Trx } from "../platform/db.js";
import { EcartError, ErrorCode } from "../platform/errors.js";

/** The refusal of a command or check naming a service point that does not exist. */
export const unknownServicePoint = (id: string) =>
  new EcartError(
    ErrorCode.UNKNOWN_SERVICE_POINT,
    `Point de desserte inconnu : ${id}.`,
    `unknown service point ${id}`,
    "servicePoint",
  );

/** Locks the service point row: every command on one service point runs one at a time. */
export async function lockServicePoint(trx: Trx, id: string) {
  const sp = await trx
    .selectFrom("service_points")
    .selectAll()
    .where("id", "=", id)
    .forUpdate()
    .executeTakeFirst();
  if (!sp) throw unknownServicePoint(id);
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

/** The meter in place now at a service point (not removed), or null. */
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

/** A service point with its current meter, as letters and readings name them. */
export interface Place {
  id: string;
  address: string;
  meter: { id: number; serial: string } | null;
}

/** What every letter and email about a case names of its place (SPEC §5); the outbox's MessageFacts hold it. */
export type PlaceFacts = {
  servicePoint: { id: string; address: string };
  meterSerial: string | null;
  caseId: string | null;
};

/** Facts every letter and email about a case names (SPEC §5), from a place already loaded (`placesOf`). */
export function placeFacts(place: Place, caseId: string | null): PlaceFacts {
  return {
    servicePoint: { id: place.id, address: place.address },
    meterSerial: place.meter?.serial ?? null,
    caseId,
  };
}

/** Facts every letter and email about a case names (SPEC §5): `placeFacts` of one service point. */
export async function messageFacts(trx: Trx, spId: string, caseId: string | null): Promise<PlaceFacts> {
  const place = (await placesOf(trx, [spId])).get(spId);
  if (!place) throw unknownServicePoint(spId);
  return placeFacts(place, caseId);
}

/** The service points with their current meter (`currentMeter`), in one query. */
export async function placesOf(trx: Trx, servicePointIds: string[]): Promise<Map<string, Place>> {
  const out = new Map<string, Place>();
  if (servicePointIds.length === 0) return out;
  // The meter looked up per service point (an index probe each), never a join over every meter.
  const rows = await trx
    .selectFrom("service_points as sp")
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom("meters")
          .select(["meters.id", "meters.serial"])
          .whereRef("meters.service_point_id", "=", "sp.id")
          .where("meters.removed_on", "is", null)
          .limit(1)
          .as("m"),
      (j) => j.onTrue(),
    )
    .select(["sp.id", "sp.address", "m.id as meter_id", "m.serial"])
    .where("sp.id", "=", anyOf(servicePointIds))
    .execute();
  for (const r of rows) {
    const meter = r.meter_id === null ? null : { id: Number(r.meter_id), serial: r.serial as string };
    out.set(r.id, { id: r.id, address: r.address, meter });
  }
  return out;
}

/** A party, every column. */
export async function partyById(trx: Trx, id: string) {
  return trx.selectFrom("parties").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

/** The parties, by id, as letters and emails name them (the outbox's Recipient), in one query. */
export async function partiesOf(trx: Trx, ids: string[]) {
  const rows =
    ids.length === 0
      ? []
      : await trx
          .selectFrom("parties")
          .select(["id", "name", "email", "postal_address"])
          .where("id", "=", anyOf(ids))
          .execute();
  return new Map(rows.map((p) => [p.id, p]));
}
