/**
 * Storage for many move-in decisions at once (the deadline sweep's batches): the multi-row forms
 * of store.ts's reads and writes, a handful of statements for a whole batch. Queries only; the
 * rules stay in the pure functions they share with the one-case path.
 */
import { sql } from "kysely";
import { auditAll } from "../platform/audit.js";
import type { Context } from "../platform/context.js";
import { anyOf, type Trx } from "../platform/db.js";
import { appendEvents } from "../platform/events.js";
import { plausibilityInput, replacedMeter } from "../readings/history.js";
import { assessReading, type Plausibility, type PlausibilityInput } from "../readings/plausibility.js";
import { loadMeterHistories, type NewReading } from "../readings/store.js";
import { customersOf, type NewSubscription, type Occupant, overlapRefusal, startedEvent } from "./store.js";

/**
 * store.ts's occupantSince for many (service point, date) pairs in one query: for each pair, in
 * order, the latest-starting subscription covering days from that date on, or null.
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
  terminations: Array<{ servicePointId: string; date: string; index: number }>,
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

/** Refuses a batch that names one service point twice: each item's checks assume the others are not there. */
function assertOnePerServicePoint(servicePointIds: string[], what: string): void {
  if (new Set(servicePointIds).size !== servicePointIds.length)
    throw new Error(`${what}: at most one per service point in a batch`);
}

/**
 * store.ts's insertSubscription for many subscriptions at once (one per service point): the
 * overlap refusal checked for all in one query (under the caller's service point locks), the rows,
 * the parties become subscribers, the starts enter the history (MOVE_IN), the audit entries and the
 * `subscription.started` events.
 * Throws (writing nothing) if any of them would overlap another occupant's period.
 */
export async function insertSubscriptions(
  trx: Trx,
  ctx: Context,
  subs: NewSubscription[],
): Promise<Array<{ id: string; readingId: string }>> {
  if (subs.length === 0) return [];
  assertOnePerServicePoint(
    subs.map((s) => s.servicePointId),
    "insertSubscriptions",
  );
  const others = await occupantsSince(trx, subs);
  subs.forEach((s, i) => {
    const other = others[i];
    if (other) throw overlapRefusal(other, s);
  });
  // jsonb_to_recordset keeps the array's order: rows are inserted, and their ids returned, in it.
  const rows = await sql<{ id: string }>`
    insert into subscriptions (service_point_id, party_id, start_date, start_index, start_source, tags, case_id,
                               created_at, created_by, entity)
    select s."servicePointId", s."partyId", s.date, s.index, s.source, coalesce(s.tags, '{}'), s."caseId",
           ${ctx.now}::timestamptz, ${ctx.actor.user}::text,
           -- SPEC §7: a subscription made on a case counts for the case's entity (the sweep's too).
           coalesce((select c.entity from cases c where c.id = s."caseId"), ${ctx.actor.entity}::text)
      from jsonb_to_recordset(${JSON.stringify(subs)}::jsonb)
           as s("servicePointId" text, "partyId" text, date date, index bigint, source text, tags text[],
                "caseId" text)
    returning id`.execute(trx);
  await trx
    .updateTable("parties")
    .set({ role: "SUBSCRIBER" })
    .where("id", "=", anyOf(subs.map((s) => s.partyId)))
    .execute();
  const readings = await appendReadings(
    trx,
    ctx,
    subs.map((s) => ({
      servicePointId: s.servicePointId,
      meterId: s.meterId,
      date: s.date,
      index: s.index,
      type: "MOVE_IN" as const,
    })),
  );
  const ids = rows.rows.map((r) => r.id);
  await auditAll(
    trx,
    ctx,
    subs.map((s, i) => ({
      action: "subscription.created",
      objectType: "subscription",
      objectId: ids[i] as string,
      details: {
        start: { date: s.date, index: s.index, source: s.source },
        party: s.partyId,
        case: s.caseId,
      },
    })),
  );
  const customers = await customersOf(
    trx,
    subs.map((s) => s.partyId),
  );
  await appendEvents(
    trx,
    ctx,
    subs.map((s, i) => startedEvent(s, ids[i] as string, (readings[i] as { id: string }).id, customers)),
  );
  return ids.map((id, i) => ({ id, readingId: (readings[i] as { id: string }).id }));
}

/**
 * appendReading (readings/store.ts) for many readings at once, at most one per service point:
 * each checked against its meter's history up to its date (one history query per distinct date),
 * then inserted in one statement.
 */
export async function appendReadings(
  trx: Trx,
  ctx: Context,
  readings: Array<Pick<NewReading, "servicePointId" | "meterId" | "date" | "index" | "type">>,
): Promise<Array<{ id: string; plausibility: Plausibility }>> {
  if (readings.length === 0) return [];
  assertOnePerServicePoint(
    readings.map((r) => r.servicePointId),
    "appendReadings",
  );
  const byDate = new Map<string, typeof readings>();
  for (const r of readings) {
    const same = byDate.get(r.date);
    if (same) same.push(r);
    else byDate.set(r.date, [r]);
  }
  const inputs = new Map<string, PlausibilityInput>();
  for (const [date, same] of byDate) {
    const histories = await loadMeterHistories(
      trx,
      same.map((r) => r.servicePointId),
      { upTo: date },
    );
    for (const r of same) {
      const all = histories.get(r.servicePointId) ?? [];
      const h = all.find((x) => x.meterId === r.meterId);
      inputs.set(
        r.servicePointId,
        h ? plausibilityInput(h, replacedMeter(h, all)) : { first: null, previous: null, validCount: 0 },
      );
    }
  }
  const verdicts = readings.map((r) =>
    assessReading(
      inputs.get(r.servicePointId) as PlausibilityInput,
      { date: r.date, index: r.index },
      ctx.config.plausibility,
    ),
  );
  const values = readings.map((r, i) => {
    const p = verdicts[i] as Plausibility;
    return {
      ...r,
      status: p.status,
      usage: p.usage,
      usageLo: p.expected?.usage[0] ?? null,
      usageHi: p.expected?.usage[1] ?? null,
      indexLo: p.expected?.index[0] ?? null,
      indexHi: p.expected?.index[1] ?? null,
      suggested: p.suggestedIndex,
      warnings: p.warnings,
    };
  });
  // jsonb_to_recordset keeps the array's order: rows are inserted, and their ids returned, in it.
  const rows = await sql<{ id: string }>`
    insert into readings (service_point_id, meter_id, reading_date, index_m3, type, status, usage_m3,
                          expected_usage_lo, expected_usage_hi, expected_index_lo, expected_index_hi,
                          suggested_index, warnings, recorded_at, recorded_by, entity)
    select r."servicePointId", r."meterId", r.date, r.index, r.type, r.status, r.usage, r."usageLo", r."usageHi",
           r."indexLo", r."indexHi", r.suggested, r.warnings,
           ${ctx.now}::timestamptz, ${ctx.actor.user}::text, ${ctx.actor.entity}::text
      from jsonb_to_recordset(${JSON.stringify(values)}::jsonb)
           as r("servicePointId" text, "meterId" bigint, date date, index bigint, type text, status text,
                usage bigint, "usageLo" bigint, "usageHi" bigint, "indexLo" bigint, "indexHi" bigint,
                suggested bigint, warnings text[])
    returning id`.execute(trx);
  return rows.rows.map((row, i) => ({ id: row.id, plausibility: verdicts[i] as Plausibility }));
}
