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
}

export interface Plausibility {
  status: "VALID" | "SUSPECT";
  warnings: Array<"LOW_USAGE">;
  /** index − previous valid index; null for a first reading. */
  usage: number | null;
  expected: { usage: [number, number]; index: [number, number] } | null;
  /** ⌊index / 10^k⌋ for the smallest k landing in the expected index range, when suspect. */
  suggestedIndex: number | null;
}

/** §4: average daily use from the first and last earlier VALID readings, floored; a household default if fewer than two. */
export function averageDailyUse(h: PlausibilityInput, cfg: PlausibilityConfig = DEFAULT_PLAUSIBILITY): number {
  if (h.validCount < 2 || !h.first || !h.previous) return cfg.householdYearlyM3 / 365;
  const days = daysBetween(h.first.date, h.previous.date);
  const avg = days > 0 ? (h.previous.index - h.first.index) / days : 0;
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
  const usage = reading.index - h.previous.index;
  const indexRange: [number, number] = [h.previous.index + range[0], h.previous.index + range[1]];
  const expected = { usage: range, index: indexRange };
  if (usage < 0 || usage > range[1]) {
    return { status: "SUSPECT", warnings: [], usage, expected, suggestedIndex: suggestSlip(reading.index, indexRange) };
  }
  const warnings: Array<"LOW_USAGE"> = usage < range[0] ? ["LOW_USAGE"] : [];
  return { status: "VALID", warnings, usage, expected, suggestedIndex: null };
}
