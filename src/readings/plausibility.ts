/**
 * SPEC §4, "point de vigilance": is a new index plausible against the meter's history?
 * Pure: the caller gives the earlier VALID readings; nothing here reads or writes storage.
 */
import type { PlausibilityConfig } from "../platform/config.js";
import { dayNumber } from "../platform/dates.js";

export const DEFAULT_PLAUSIBILITY: PlausibilityConfig = {
  lowFactor: 0.2,
  highFactor: 5.5,
  minDailyUseM3: 0.1,
  householdYearlyM3: 120,
};

/** Divisors tried, smallest first, for a slip (decimals typed as digits, litres): 10^1..10^3. */
/** The dials a meter may have (migration 001's check on meters.digits): past 10^digits − 1 it rolls over. */
export const METER_DIGITS = { min: 3, max: 12 } as const;

export const SLIP_DIVISORS = [10, 100, 1000] as const;

export interface DatedIndex {
  date: string;
  index: number;
  /** The date as a day number (dayNumber), when the caller computed it once already (the import does). */
  day?: number;
}

/** The day number of a dated index: the one it carries, else computed from its date. */
const dayOf = (d: DatedIndex): number => d.day ?? dayNumber(d.date);

export interface PlausibilityInput {
  /** The first earlier VALID reading of the history (null when none). */
  first: DatedIndex | null;
  /** The last earlier VALID reading, the "previous valid" one (null when none). */
  previous: DatedIndex | null;
  /** How many earlier VALID readings the history holds (only 0, 1 or "2 or more" matters). */
  validCount: number;
  /** Digits the meter shows: past 10^digits − 1 it starts again at 0 (rollover). Unknown: null. */
  digits?: number | null;
  /** Average daily use carried over from the meter this one replaced, used while this meter's history is short. */
  carriedDailyUse?: number | null;
}

export type PlausibilityWarning = "LOW_USAGE" | "ROLLOVER";

export interface Plausibility {
  status: "VALID" | "SUSPECT";
  /** LOW_USAGE: below the range (shown, not blocking); ROLLOVER: the meter passed 99…9 → 0. */
  warnings: PlausibilityWarning[];
  /** index − previous valid index (across a rollover when there was one); null for a first reading. */
  usage: number | null;
  expected: { usage: [number, number]; index: [number, number] } | null;
  /** ⌊index / 10^k⌋ for the smallest k landing in the expected index range, when suspect. */
  suggestedIndex: number | null;
}

/**
 * §4: average daily use from the first and last earlier VALID readings, floored; with fewer than two,
 * the replaced meter's average when there is one, else the household default.
 */
export function averageDailyUse(
  h: PlausibilityInput,
  cfg: PlausibilityConfig = DEFAULT_PLAUSIBILITY,
): number {
  if (h.validCount < 2 || !h.first || !h.previous) {
    if (h.carriedDailyUse !== undefined && h.carriedDailyUse !== null)
      return Math.max(h.carriedDailyUse, cfg.minDailyUseM3);
    return cfg.householdYearlyM3 / 365;
  }
  const days = dayOf(h.previous) - dayOf(h.first);
  const avg = days > 0 ? meterUsage(h.first.index, h.previous.index, h.digits) / days : 0;
  return Math.max(avg, cfg.minDailyUseM3);
}

/** §4: expected usage range [⌊low·e⌋, ⌈high·e⌉] with e = average daily use × days since the previous valid reading (≥ 1). */
export function expectedUsageRange(
  h: PlausibilityInput,
  date: string,
  cfg: PlausibilityConfig = DEFAULT_PLAUSIBILITY,
): [number, number] | null {
  if (!h.previous) return null;
  const e = expectedUsage(h, h.previous, dayNumber(date), cfg);
  return [lowBound(e, cfg), highBound(e, cfg)];
}

/** e = average daily use × days since the previous valid reading (at least one day). */
const expectedUsage = (h: PlausibilityInput, previous: DatedIndex, day: number, cfg: PlausibilityConfig) =>
  averageDailyUse(h, cfg) * Math.max(1, day - dayOf(previous));

// Guard the floating-point edge (0.2 × 65 = 13.000000000000002) before rounding.
const lowBound = (e: number, cfg: PlausibilityConfig) => Math.floor(roundTiny(cfg.lowFactor * e));
const highBound = (e: number, cfg: PlausibilityConfig) => Math.ceil(roundTiny(cfg.highFactor * e));

const roundTiny = (x: number) => Math.round(x * 1e9) / 1e9;

/** §4: the slip correction: ⌊index / 10^k⌋ for the smallest k in {1,2,3} inside the expected index range. */
export function suggestSlip(index: number, range: [number, number]): number | null {
  return suggestSlipBetween(index, range[0], range[1]);
}

function suggestSlipBetween(index: number, lo: number, hi: number): number | null {
  for (const d of SLIP_DIVISORS) {
    const candidate = Math.floor(index / d);
    if (candidate >= lo && candidate <= hi) return candidate;
  }
  return null;
}

/**
 * Rollover: a meter with N digits passes from 10^N − 1 to 0. The usage across the wrap, when the new index is
 * below the previous one and the previous one fits the meter's digits; null otherwise.
 */
export function rolloverUsage(
  previous: number,
  index: number,
  digits: number | null | undefined,
): number | null {
  if (!digits || index >= previous) return null;
  const modulus = 10 ** digits;
  if (previous >= modulus || index >= modulus) return null;
  return index + modulus - previous;
}

/** The consumption between two indexes of one meter, across a rollover when the meter's digits make it one. */
export function meterUsage(
  from: number,
  to: number,
  digits: number | null | undefined,
  maxPlausible = Number.POSITIVE_INFINITY,
): number {
  const wrapped = rolloverUsage(from, to, digits);
  return wrapped !== null && wrapped <= maxPlausible ? wrapped : to - from;
}

/**
 * The verdict of checkReading, as flat fields written into an object the caller reuses: the check
 * allocates nothing. `hasPrevious` false (a first reading): usage and ranges are meaningless.
 */
export interface Verdict {
  status: "VALID" | "SUSPECT";
  lowUsage: boolean;
  rollover: boolean;
  hasPrevious: boolean;
  usage: number;
  usageLo: number;
  usageHi: number;
  indexLo: number;
  indexHi: number;
  suggestedIndex: number | null;
}

/** A verdict to pass to checkReading (and reuse from reading to reading). */
export function newVerdict(): Verdict {
  return {
    status: "VALID",
    lowUsage: false,
    rollover: false,
    hasPrevious: false,
    usage: 0,
    usageLo: 0,
    usageHi: 0,
    indexLo: 0,
    indexHi: 0,
    suggestedIndex: null,
  };
}

/**
 * §4, the check itself, on day numbers: a usage above the range or below zero is SUSPECT (with the slip
 * suggestion); below the range is VALID with LOW_USAGE; across a rollover is VALID with ROLLOVER; a first
 * reading is VALID. `day` is the reading's day number; history entries carrying `day` are not re-parsed.
 * Writes into `out` and returns it. assessReading and the bulk import both run this function.
 */
export function checkReading(
  h: PlausibilityInput,
  day: number,
  index: number,
  cfg: PlausibilityConfig,
  out: Verdict,
): Verdict {
  out.lowUsage = false;
  out.rollover = false;
  out.suggestedIndex = null;
  const previous = h.previous;
  if (!previous) {
    out.status = "VALID";
    out.hasPrevious = false;
    out.usage = 0;
    out.usageLo = out.usageHi = out.indexLo = out.indexHi = 0;
    return out;
  }
  const e = expectedUsage(h, previous, day, cfg);
  const lo = lowBound(e, cfg);
  const hi = highBound(e, cfg);
  out.hasPrevious = true;
  out.usageLo = lo;
  out.usageHi = hi;
  out.indexLo = previous.index + lo;
  out.indexHi = previous.index + hi;
  let usage = index - previous.index;
  if (usage < 0) {
    const wrapped = rolloverUsage(previous.index, index, h.digits);
    // The meter passed 99…9 → 0: neither a backwards reading nor a slip.
    if (wrapped !== null && wrapped <= hi) {
      usage = wrapped;
      out.rollover = true;
    }
  }
  out.usage = usage;
  if (usage < 0 || usage > hi) {
    out.status = "SUSPECT";
    out.rollover = false;
    out.suggestedIndex = suggestSlipBetween(index, out.indexLo, out.indexHi);
    return out;
  }
  out.status = "VALID";
  out.lowUsage = usage < lo;
  return out;
}

/** The warnings of a verdict, in the order §4 lists them (a rollover, then a low usage). */
export function warningsOf(v: Verdict): PlausibilityWarning[] {
  const w: PlausibilityWarning[] = [];
  if (v.rollover) w.push("ROLLOVER");
  if (v.lowUsage) w.push("LOW_USAGE");
  return w;
}

/** A verdict as the commands and the API show it. */
export function plausibilityOf(v: Verdict): Plausibility {
  if (!v.hasPrevious)
    return { status: "VALID", warnings: [], usage: null, expected: null, suggestedIndex: null };
  return {
    status: v.status,
    warnings: warningsOf(v),
    usage: v.usage,
    expected: { usage: [v.usageLo, v.usageHi], index: [v.indexLo, v.indexHi] },
    suggestedIndex: v.suggestedIndex,
  };
}

/** §4: a usage above the range or below zero is SUSPECT; below the range is VALID with LOW_USAGE; a first reading is VALID. */
export function assessReading(
  h: PlausibilityInput,
  reading: DatedIndex,
  cfg: PlausibilityConfig = DEFAULT_PLAUSIBILITY,
): Plausibility {
  return plausibilityOf(checkReading(h, dayOf(reading), reading.index, cfg, newVerdict()));
}

/**
 * A gap read across a rollover: the index as if the meter had not wrapped, when it passed 99…9 → 0 since
 * the reference (by less than half a turn); the index itself otherwise. The move-in's gap check uses it.
 */
export function indexAcrossRollover(
  reference: number,
  index: number,
  digits: number | null | undefined,
): number {
  const wrapped = rolloverUsage(reference, index, digits);
  return wrapped !== null && wrapped < 10 ** (digits as number) / 2 ? reference + wrapped : index;
}
