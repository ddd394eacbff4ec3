/**
 * The readings that reference data brings into the history (SPEC §8): a subscription's start and end
 * (MOVE_IN, MOVE_OUT), a meter's removal and a replacement's installation. Each gets the plausibility
 * check of SPEC §4. Many at once: the histories of their service points are read in one query and carried
 * in memory in date order, as the readings import does; a reading dated before one already in its
 * meter's history is checked on its own against the history up to its date (appendReadings, a batch of one).
 */
import type { Transaction } from "kysely";
import { only } from "../platform/batch.js";
import type { Context } from "../platform/context.js";
import type { DB, ReadingType } from "../platform/schema.js";
import {
  applyReading,
  type MeterHistory,
  meterInPlace,
  plausibilityInput,
  replacedMeter,
} from "../readings/history.js";
import { loadHistories } from "../readings/import-load.js";
import { assessReading, type Plausibility } from "../readings/plausibility.js";
import { appendReadings } from "../readings/store.js";

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
  const { histories } = await loadHistories(trx, [...new Set(readings.map((r) => r.servicePointId))]);
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
      ids[i] = only(await appendReadings(trx, ctx, [{ ...r, meterId }])).id;
      continue;
    }
    const p = h
      ? assessReading(plausibilityInput(h, replacedMeter(h, meters)), r, ctx.config.plausibility)
      : assessReading({ first: null, previous: null, validCount: 0 }, r, ctx.config.plausibility);
    if (h) applyReading(h, { date: r.date, index: r.index }, p.status === "VALID");
    carried.push({ at: i, r, meterId, p });
  }
  const appended = await appendReadings(
    trx,
    ctx,
    carried.map(({ r, meterId, p }) => ({ ...r, meterId, plausibility: p })),
  );
  appended.forEach((row, k) => {
    ids[(carried[k] as { at: number }).at] = row.id;
  });
  return ids;
}
