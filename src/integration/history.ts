/**
 * The readings that reference data brings into the history (SPEC §8): a subscription's start and end
 * (MOVE_IN, MOVE_OUT), a meter's removal and a replacement's installation. Each gets the plausibility
 * check of SPEC §4. Many at once: the histories of their service points are read in one query and carried
 * in memory in date order, as the readings import does; a reading dated before one already in its
 * meter's history is checked on its own against the history up to its date (appendReading).
 */
import { sql, type Transaction } from "kysely";
import type { Context } from "../platform/context.js";
import type { DB, ReadingType } from "../platform/schema.js";
import {
  applyReading,
  type MeterHistory,
  meterInPlace,
  plausibilityInput,
  replacedMeter,
} from "../readings/history.js";
import { assessReading, type Plausibility } from "../readings/plausibility.js";
import { appendReading, loadMeterHistories } from "../readings/store.js";

type Trx = Transaction<DB>;

/** A reading reference data brings: on a given meter, or (null) the meter in place at its date. */
export interface HistoryReading {
  servicePointId: string;
  meterId: number | null;
  date: string;
  index: number;
  type: ReadingType;
}

/** On one day, an end comes before a reading, which comes before a start (as a scenario's `given`). */
const DAY_ORDER: Partial<Record<ReadingType, number>> = { MOVE_OUT: 0, MOVE_IN: 2 };
const dayOrder = (t: ReadingType) => DAY_ORDER[t] ?? 1;

/** Appends the readings with their plausibility verdicts; returns their ids in the order given. */
export async function appendHistory(trx: Trx, ctx: Context, readings: HistoryReading[]): Promise<string[]> {
  if (readings.length === 0) return [];
  const histories = await loadMeterHistories(trx, [...new Set(readings.map((r) => r.servicePointId))]);
  const order = readings.map((_, i) => i);
  order.sort((a, b) => {
    const x = readings[a] as HistoryReading;
    const y = readings[b] as HistoryReading;
    if (x.servicePointId !== y.servicePointId) return x.servicePointId < y.servicePointId ? -1 : 1;
    if (x.date !== y.date) return x.date < y.date ? -1 : 1;
    return dayOrder(x.type) - dayOrder(y.type);
  });
  const ids: string[] = new Array(readings.length);
  const carried: Array<{ at: number; r: HistoryReading; meterId: number | null; p: Plausibility }> = [];
  for (const i of order) {
    const r = readings[i] as HistoryReading;
    const meters = histories.get(r.servicePointId) ?? [];
    const h: MeterHistory | null =
      (r.meterId === null ? meterInPlace(meters, r.date) : meters.find((m) => m.meterId === r.meterId)) ??
      null;
    const meterId = r.meterId ?? h?.meterId ?? null;
    if (h?.lastDate && r.date < h.lastDate) {
      // Older than what its meter's history already holds: checked against the history up to its date.
      ids[i] = (await appendReading(trx, ctx, { ...r, meterId })).id;
      continue;
    }
    const p = h
      ? assessReading(plausibilityInput(h, replacedMeter(h, meters)), r, ctx.config.plausibility)
      : assessReading({ first: null, previous: null, validCount: 0 }, r, ctx.config.plausibility);
    if (h) applyReading(h, { date: r.date, index: r.index }, p.status === "VALID");
    carried.push({ at: i, r, meterId, p });
  }
  if (carried.length > 0) {
    const values = carried.map(({ r, meterId, p }) => ({
      sp: r.servicePointId,
      meter: meterId,
      date: r.date,
      index: r.index,
      type: r.type,
      status: p.status,
      usage: p.usage,
      ulo: p.expected?.usage[0] ?? null,
      uhi: p.expected?.usage[1] ?? null,
      ilo: p.expected?.index[0] ?? null,
      ihi: p.expected?.index[1] ?? null,
      suggested: p.suggestedIndex,
      warnings: p.warnings,
    }));
    // jsonb_to_recordset keeps the array's order: rows are inserted, and their ids returned, in it.
    const rows = await sql<{ id: string }>`
      insert into readings (service_point_id, meter_id, reading_date, index_m3, type, status, usage_m3,
                            expected_usage_lo, expected_usage_hi, expected_index_lo, expected_index_hi,
                            suggested_index, warnings, recorded_at, recorded_by, entity)
      select r.sp, r.meter, r.date, r.index, r.type, r.status, r.usage, r.ulo, r.uhi, r.ilo, r.ihi,
             r.suggested, r.warnings, ${ctx.now}::timestamptz, ${ctx.actor.user}::text, ${ctx.actor.entity}::text
        from jsonb_to_recordset(${JSON.stringify(values)}::jsonb)
             as r(sp text, meter bigint, date date, index bigint, type text, status text, usage bigint,
                  ulo bigint, uhi bigint, ilo bigint, ihi bigint, suggested bigint, warnings text[])
      returning id`.execute(trx);
    rows.rows.forEach((row, k) => {
      ids[(carried[k] as { at: number }).at] = row.id;
    });
  }
  return ids;
}
