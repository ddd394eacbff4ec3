/**
 * The part of a meter's reading history that the plausibility check needs (SPEC §4), kept as a small
 * state: first and last VALID index, how many, the last date seen. Pure: the import carries one per
 * meter in memory and advances it row by row; appendReadings builds one from the database.
 */
import { dayNumber, daysBetween } from "../platform/dates.js";
import { type DatedIndex, meterUsage, type Plausibility, type PlausibilityInput } from "./plausibility.js";

export interface MeterHistory {
  /** The meter (null for a service point without a known meter). */
  meterId: number | null;
  /** The meter's serial (matricule), when known. */
  serial?: string | null;
  digits: number | null;
  /** Installation of a replacement meter: its start index on that day opens its history. */
  installedOn: string | null;
  startIndex: number;
  removedOn: string | null;
  /** First and last VALID readings of this meter (the installation counts as the first). */
  first: DatedIndex | null;
  previous: DatedIndex | null;
  /** 0, 1 or 2 (= "two or more"). */
  validCount: number;
  /** Date of the last reading of any status (readings are checked in date order). */
  lastDate: string | null;
}

/** The opening of a replacement meter's history: its start index on its installation day. */
export function installationReading(m: Pick<MeterHistory, "installedOn" | "startIndex">): DatedIndex | null {
  return m.installedOn ? { date: m.installedOn, index: m.startIndex } : null;
}

/**
 * A history object built field by field, always in the same order: every history then shares one
 * hidden class (an object spread can give each its own, slower to read and larger in memory).
 */
function historyOf(
  meter: Pick<MeterHistory, "meterId" | "serial" | "digits" | "installedOn" | "startIndex" | "removedOn">,
  first: DatedIndex | null,
  previous: DatedIndex | null,
  validCount: number,
  lastDate: string | null,
): MeterHistory {
  return {
    meterId: meter.meterId,
    serial: meter.serial ?? null,
    digits: meter.digits,
    installedOn: meter.installedOn,
    startIndex: meter.startIndex,
    removedOn: meter.removedOn,
    first,
    previous,
    validCount,
    lastDate,
  };
}

/** A history from the first/last VALID readings found in storage, with the installation in front when older. */
export function meterHistory(
  meter: Pick<MeterHistory, "meterId" | "serial" | "digits" | "installedOn" | "startIndex" | "removedOn">,
  first: DatedIndex | null,
  previous: DatedIndex | null,
  validReadings: number,
  lastDate: string | null,
): MeterHistory {
  const install = installationReading(meter);
  const h = historyOf(meter, first, previous, Math.min(validReadings, 2), lastDate);
  // An installation reading already in the history (the CIS's meter exchange, SPEC §8) is not counted twice.
  const recorded = install && first && install.date === first.date && install.index === first.index;
  if (install && !recorded && (!first || install.date <= first.date)) {
    h.first = install;
    h.previous = previous ?? install;
    h.validCount = Math.min(validReadings + 1, 2);
    h.lastDate = lastDate && lastDate > install.date ? lastDate : install.date;
  }
  return h;
}

/** Average daily use of a finished (replaced) meter's history, or null when it had fewer than two points. */
export function historyDailyUse(h: MeterHistory): number | null {
  if (h.validCount < 2 || !h.first || !h.previous) return null;
  const days = daysBetween(h.first.date, h.previous.date);
  return days > 0 ? meterUsage(h.first.index, h.previous.index, h.digits) / days : null;
}

/** The plausibility input for the meter's next reading; `replaced` is the meter it replaced, if any. */
export function plausibilityInput(h: MeterHistory, replaced?: MeterHistory | null): PlausibilityInput {
  return {
    first: h.first,
    previous: h.previous,
    validCount: h.validCount,
    digits: h.digits,
    carriedDailyUse: replaced ? historyDailyUse(replaced) : null,
  };
}

/** The history after one more reading, checked in date order: a VALID one becomes the "previous valid". */
export function advance(h: MeterHistory, r: DatedIndex, p: Pick<Plausibility, "status">): MeterHistory {
  const next = historyOf(h, h.first, h.previous, h.validCount, h.lastDate);
  applyReading(next, r, p.status === "VALID");
  return next;
}

/** advance, in place (the import's carried state: no copy per row). */
export function applyReading(h: MeterHistory, r: DatedIndex, valid: boolean): void {
  if (!h.lastDate || h.lastDate < r.date) h.lastDate = r.date;
  if (!valid) return;
  if (!h.first) h.first = r;
  h.previous = r;
  h.validCount = Math.min(h.validCount + 1, 2);
}

/** A dated index carrying its day number (computed once here, never again by the plausibility check). */
export function withDay(d: DatedIndex): DatedIndex {
  return { date: d.date, index: d.index, day: d.day ?? dayNumber(d.date) };
}

/** The history with its first and previous VALID readings carrying their day numbers (see withDay). */
export function withDays(h: MeterHistory): MeterHistory {
  const first = h.first && withDay(h.first);
  const previous = h.previous === h.first ? first : h.previous && withDay(h.previous);
  return historyOf(h, first, previous, h.validCount, h.lastDate);
}

/** The meter a replacement took over from: among the service point's others, the last one removed on or before its installation. */
export function replacedMeter(h: MeterHistory, others: MeterHistory[]): MeterHistory | null {
  if (!h.installedOn) return null;
  let best: MeterHistory | null = null;
  for (const o of others) {
    if (o.meterId === h.meterId || !o.removedOn || o.removedOn > h.installedOn) continue;
    if (!best || (best.removedOn as string) < o.removedOn) best = o;
  }
  return best;
}

/** The meter in place at a date among a service point's meters: installed by then, not removed before; else the current one. */
export function meterInPlace(meters: MeterHistory[], date: string): MeterHistory | null {
  let best: MeterHistory | null = null;
  for (const m of meters) {
    if ((m.installedOn && m.installedOn > date) || (m.removedOn && m.removedOn < date)) continue;
    if (!best || (m.installedOn ?? "") > (best.installedOn ?? "")) best = m;
  }
  return best ?? meters.find((m) => !m.removedOn) ?? meters.at(-1) ?? null;
}
