/** Loads a scenario's `given` world: service points, meters, readings and past subscriptions. */
import type { Context } from "../platform/context.js";
import type { Database } from "../platform/db.js";
import type { ReadingType } from "../platform/schema.js";
import { appendReadings } from "../readings/store.js";
import type { GivenServicePoint } from "./format.js";

const READING_TYPES = new Set([
  "NORMAL",
  "CUSTOMER",
  "ESTIMATE",
  "REMOTE",
  "MOVE_OUT",
  "MOVE_IN",
  "INTERVENTION",
]);

/** Everything `given` holds, written as the user "given"; readings are checked in date order (SPEC §4). */
export async function loadGiven(db: Database, ctx: Context, sps: GivenServicePoint[]): Promise<void> {
  await db.kysely.transaction().execute(async (trx) => {
    for (const sp of sps) {
      await trx
        .insertInto("service_points")
        .values({ id: sp.id, address: sp.address, owner_name: sp.owner?.name ?? null })
        .execute();
      const meters: Array<{
        id: number;
        serial: string;
        installedOn: string | null;
        removedOn: string | null;
      }> = [];
      const givenMeters =
        sp.meters ?? (sp.meter ? [{ ...sp.meter, startIndex: 0, installedOn: null, removedOn: null }] : []);
      for (const gm of givenMeters) {
        const m = await trx
          .insertInto("meters")
          .values({
            service_point_id: sp.id,
            serial: gm.serial,
            remote_reading: gm.remoteReading ?? false,
            digits: gm.digits ?? null,
            start_index: gm.startIndex ?? 0,
            installed_on: gm.installedOn ?? null,
            removed_on: gm.removedOn ?? null,
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        meters.push({
          id: m.id,
          serial: gm.serial,
          installedOn: gm.installedOn ?? null,
          removedOn: gm.removedOn ?? null,
        });
      }
      // A reading belongs to the meter it names, else to the meter in place that day (the last one otherwise).
      const meterOf = (date: string, serial?: string, leaving = false): number | null => {
        if (serial) {
          const named = meters.find((m) => m.serial === serial);
          if (named) return named.id;
        }
        const inPlace = meters.filter(
          (m) => (!m.installedOn || m.installedOn <= date) && (!m.removedOn || m.removedOn >= date),
        );
        const pick =
          (leaving
            ? inPlace.find((m) => m.removedOn === date)
            : inPlace.find((m) => m.installedOn === date)) ??
          inPlace.at(-1) ??
          meters.at(-1);
        return pick?.id ?? null;
      };
      const history: Array<{
        date: string;
        index: number;
        type: ReadingType;
        order: number;
        meter?: string;
      }> = [];
      for (const r of sp.readings ?? []) {
        const type = (READING_TYPES.has(r.type) ? r.type : "NORMAL") as ReadingType;
        history.push({
          date: r.date,
          index: r.index,
          type,
          order: 1,
          ...(r.meter ? { meter: r.meter } : {}),
        });
      }
      for (const s of sp.subscriptions ?? []) {
        await trx
          .insertInto("parties")
          .values({
            id: s.customer.id,
            name: s.customer.name,
            email: s.customer.email ?? null,
            phone: s.customer.phone ?? null,
            postal_address: s.customer.address ?? sp.address,
            role: "SUBSCRIBER",
            created_at: ctx.now,
          })
          .onConflict((oc) => oc.column("id").doNothing())
          .execute();
        await trx
          .insertInto("subscriptions")
          .values({
            id: s.id,
            service_point_id: sp.id,
            party_id: s.customer.id,
            start_date: s.start.date,
            start_index: s.start.index,
            start_source: "DECLARED",
            end_date: s.end?.date ?? null,
            end_index: s.end?.index ?? null,
            tags: s.tags ?? [],
            case_id: null,
            created_at: ctx.now,
            created_by: "given",
            entity: ctx.actor.entity,
          })
          .execute();
        history.push({ date: s.start.date, index: s.start.index, type: "MOVE_IN", order: 2 });
        if (s.end) history.push({ date: s.end.date, index: s.end.index, type: "MOVE_OUT", order: 0 });
      }
      // Date order; on one day a move-out comes before a reading, which comes before a move-in.
      history.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.order - b.order));
      for (const r of history) {
        await appendReadings(trx, ctx, [
          {
            servicePointId: sp.id,
            meterId: meterOf(r.date, r.meter, r.type === "MOVE_OUT"),
            date: r.date,
            index: r.index,
            type: r.type,
          },
        ]);
      }
    }
  });
}
