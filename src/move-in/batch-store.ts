/**
 * Multi-row reads for move-in decisions (the deadline sweep's batches, and store.ts's
 * insertSubscriptions for any number): one statement for a whole batch. Queries only; the rules stay
 * in the pure functions they share with the one-case path.
 */
import { sql } from "kysely";
import type { Trx } from "../platform/db.js";
import type { Occupant } from "./store.js";

/**
 * For each (service point, date) pair, in order, the latest-starting subscription covering days from
 * that date on (another occupant a subscription starting at that date would bill twice), or null.
 */
export async function occupantsSince(
  trx: Trx,
  pairs: Array<{ servicePointId: string; date: string }>,
): Promise<Array<Occupant | null>> {
  if (pairs.length === 0) return [];
  const rows = await sql<Occupant & { i: number }>`
    select v.i::int as i, s.id, s.start_date::text as start_date, s.end_date::text as end_date
      from unnest(${pairs.map((p) => p.servicePointId)}::text[], ${pairs.map((p) => p.date)}::date[])
           with ordinality as v(sp, d, i)
      cross join lateral (
        select id, start_date, end_date from subscriptions
         where service_point_id = v.sp and (end_date is null or end_date > v.d)
         order by start_date desc limit 1) s`.execute(trx);
  const out: Array<Occupant | null> = pairs.map(() => null);
  for (const { i, ...o } of rows.rows) out[Number(i) - 1] = o;
  return out;
}

/**
 * The status now of each termination's reading (R8's exception): the newest reading of the service
 * point on that date with that index (`statusOfReading` for many), in one query; null where none.
 */
export async function terminationStatuses(
  trx: Trx,
  terminations: Array<{ servicePointId: string; date: string; index: number | null }>,
): Promise<Array<string | null>> {
  if (terminations.length === 0) return [];
  const rows = await sql<{ i: number; status: string | null }>`
    select v.i::int as i,
           (select r.effective_status from reading_states r
             where r.service_point_id = v.sp and r.reading_date = v.d and r.index_m3 = v.x
             order by r.id desc limit 1) as status
      from unnest(${terminations.map((t) => t.servicePointId)}::text[], ${terminations.map((t) => t.date)}::date[],
                  ${terminations.map((t) => t.index)}::bigint[]) with ordinality as v(sp, d, x, i)`.execute(
    trx,
  );
  const out: Array<string | null> = terminations.map(() => null);
  for (const r of rows.rows) out[Number(r.i) - 1] = r.status;
  return out;
}
