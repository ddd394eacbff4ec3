/**
 * SPEC §4, "point de vigilance": is a new index plausible against the meter's history?
 * Pure: the caller gives the earlier VALID readings; nothing here reads or writes storage.
 */
import type { PlausibilityConfig } from "../platform/config.js";
import { daysBetween } from "../platform/dates.js";

export const DEFAULT_PLAUSIBILITY: PlausibilityConfig = {
  lowFactor: 0.2,
  highFactor: 5.5,
  minDailyUseM3: 0.1,
  householdYearlyM3: 120,
};

/** Divisors tried, smallest first, for a slip (decimals typed as digits, litres): 10^1..10^3. */
export const SLIP_DIVISORS = [10, 100, 1000] as const;

export interface DatedIndex {
  date: string;
  index: number;
}

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
  const days = daysBetween(h.first.date, h.previous.date);
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
  const days = Math.max(1, daysBetween(h.previous.date, date));
  const e = averageDailyUse(h, cfg) * days;
  // Guard the floating-point edge (0.2 × 65 = 13.000000000000002) before rounding.
  const lo = Math.floor(roundTiny(cfg.lowFactor * e));
  const hi = Math.ceil(roundTiny(cfg.highFactor * e));
  return [lo, hi];
}

const roundTiny = (x: number) => Math.round(x * 1e9) / 1e9;

/** §4: the slip correction: ⌊index / 10^k⌋ for the smallest k in {1,2,3} inside the expected index range. */
export function suggestSlip(index: number, range: [number, number]): number | null {
  for (const d of SLIP_DIVISORS) {
    const candidate = Math.floor(index / d);
    if (candidate >= range[0] && candidate <= range[1]) return candidate;
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

/** §4: a usage above the range or below zero is SUSPECT; below the range is VALID with LOW_USAGE; a first reading is VALID. */
export function assessReading(
  h: PlausibilityInput,
  reading: DatedIndex,
  cfg: PlausibilityConfig = DEFAULT_PLAUSIBILITY,
): Plausibility {
  const range = expectedUsageRange(h, reading.date, cfg);
  if (!h.previous || !range) {
    return { status: "VALID", warnings: [], usage: null, expected: null, suggestedIndex: null };
  }
  const indexRange: [number, number] = [h.previous.index + range[0], h.previous.index + range[1]];
  const expected = { usage: range, index: indexRange };
  const warnings: PlausibilityWarning[] = [];
  let usage = reading.index - h.previous.index;
  const wrapped = rolloverUsage(h.previous.index, reading.index, h.digits);
  if (usage < 0 && wrapped !== null && wrapped <= range[1]) {
    // The meter passed 99…9 → 0: neither a backwards reading nor a slip.
    usage = wrapped;
    warnings.push("ROLLOVER");
  }
  if (usage < 0 || usage > range[1]) {
    return {
      status: "SUSPECT",
      warnings: [],
      usage,
      expected,
      suggestedIndex: suggestSlip(reading.index, indexRange),
    };
  }
  if (usage < range[0]) warnings.push("LOW_USAGE");
  return { status: "VALID", warnings, usage, expected, suggestedIndex: null };
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
