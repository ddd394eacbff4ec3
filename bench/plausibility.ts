/**
 * Figure 2: the plausibility check alone (SPEC §4), in memory, on one core (one JS thread).
 * Subject: `checkReading`, the function the bulk import runs for every row (and assessReading wraps),
 * over prepared histories whose entries carry their day numbers, as the import's do (each date is turned
 * into a day number once, when the row is read or the history loaded), into one reused verdict.
 * Baselines, same loop, same data, interleaved: the bare subtraction (index − previous index), and the
 * same arithmetic written inline with the dates as day numbers (what the check costs without its
 * function calls and result fields). For information: `assessReading` (the single-reading API: dates as
 * strings, a result object per reading).
 */
import { prng } from "../src/demo/generate.js";
import { dayNumber } from "../src/platform/dates.js";
import {
  assessReading,
  checkReading,
  type DatedIndex,
  DEFAULT_PLAUSIBILITY,
  newVerdict,
  type PlausibilityInput,
} from "../src/readings/plausibility.js";
import { figure, interleave, log, median, round, type Section } from "./lib.js";

interface Case {
  /** The history as the import carries it: entries with their day numbers. */
  h: PlausibilityInput;
  /** The same history with dates only (assessReading's callers). */
  plain: PlausibilityInput;
  r: DatedIndex;
  /** The same dates as day numbers, for the inline baseline. */
  firstDay: number;
  prevDay: number;
  day: number;
}

const iso = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

/** Readings as an import meets them: mostly plausible, some low, some slips, a few first readings. */
function makeCases(n: number): Case[] {
  const rand = prng(42); // the demo data's seeded PRNG: every run checks the same readings
  const base = dayNumber("2020-01-01");
  const out: Case[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const firstDay = base + Math.floor(rand() * 400);
    const prevDay = firstDay + 180 + Math.floor(rand() * 600);
    const day = prevDay + 30 + Math.floor(rand() * 300);
    const firstIndex = Math.floor(rand() * 5000);
    const daily = 0.1 + rand() * 0.6;
    const prevIndex = firstIndex + Math.floor(daily * (prevDay - firstDay));
    const k = rand();
    let index = prevIndex + Math.floor(daily * (day - prevDay));
    if (k < 0.03)
      index = index * 100 + 37; // a slip: decimals typed as digits
    else if (k < 0.06) index = prevIndex - 3; // backwards
    const noHistory = k > 0.98;
    const plain: PlausibilityInput = noHistory
      ? { first: null, previous: null, validCount: 0, digits: 6 }
      : {
          first: { date: iso(firstDay), index: firstIndex },
          previous: { date: iso(prevDay), index: prevIndex },
          validCount: 2,
          digits: 6,
        };
    const withDay = (d: DatedIndex | null) => d && { date: d.date, index: d.index, day: dayNumber(d.date) };
    out[i] = {
      h: {
        first: withDay(plain.first),
        previous: withDay(plain.previous),
        validCount: plain.validCount,
        digits: plain.digits,
      },
      plain,
      r: { date: iso(day), index },
      firstDay,
      prevDay,
      day,
    };
  }
  return out;
}

/** Runs `loop` over the cases and returns items per second. */
function rate(cases: Case[], loop: (cs: Case[]) => number): number {
  const t0 = process.hrtime.bigint();
  const sink = loop(cases);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (sink === -1) log("impossible"); // keeps the result alive
  return cases.length / s;
}

/** What the import does per row: checkReading into one reused verdict, the reading's day computed once. */
const subject = (cs: Case[]) => {
  let suspect = 0;
  const cfg = DEFAULT_PLAUSIBILITY;
  const v = newVerdict();
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i] as Case;
    if (checkReading(c.h, c.day, c.r.index, cfg, v).status === "SUSPECT") suspect++;
  }
  return suspect;
};

/** The single-reading API: string dates, a result object per reading. */
const singleApi = (cs: Case[]) => {
  let suspect = 0;
  const cfg = DEFAULT_PLAUSIBILITY;
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i] as Case;
    if (assessReading(c.plain, c.r, cfg).status === "SUSPECT") suspect++;
  }
  return suspect;
};

const bareSubtraction = (cs: Case[]) => {
  let sum = 0;
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i] as Case;
    sum += c.r.index - (c.h.previous?.index ?? 0);
  }
  return sum;
};

/** §4's arithmetic inline, dates as day numbers, no result objects. */
const inlineArithmetic = (cs: Case[]) => {
  let suspect = 0;
  const cfg = DEFAULT_PLAUSIBILITY;
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i] as Case;
    const p = c.h.previous;
    const f = c.h.first;
    if (!p || !f) continue;
    const span = c.prevDay - c.firstDay;
    const avg = Math.max(span > 0 ? (p.index - f.index) / span : 0, cfg.minDailyUseM3);
    const e = avg * Math.max(1, c.day - c.prevDay);
    const hi = Math.ceil(Math.round(cfg.highFactor * e * 1e9) / 1e9);
    const usage = c.r.index - p.index;
    if (usage < 0 || usage > hi) suspect++;
  }
  return suspect;
};

export async function benchPlausibility(quick: boolean): Promise<Section> {
  const n = quick ? 300_000 : 2_000_000;
  const rounds = quick ? 5 : 9;
  const cases = makeCases(n);
  log(`plausibility: ${n} readings, ${rounds} interleaved rounds`);
  // Warm-up: let the JIT compile all three loops before measuring.
  for (let i = 0; i < 2; i++) {
    subject(cases.slice(0, 100_000));
    bareSubtraction(cases.slice(0, 100_000));
    inlineArithmetic(cases.slice(0, 100_000));
    singleApi(cases.slice(0, 100_000));
  }
  if (subject(cases) !== singleApi(cases)) throw new Error("checkReading and assessReading disagree");
  const inline: number[] = [];
  const single: number[] = [];
  const r = await interleave(
    rounds,
    async () => {
      inline.push(rate(cases, inlineArithmetic));
      single.push(rate(cases, singleApi));
      return rate(cases, bareSubtraction);
    },
    async () => rate(cases, subject),
  );
  const subj = median(r.subject);
  const bare = median(r.baseline);
  const inl = median(inline);
  const one = median(single);
  const target = 5_000_000;
  return {
    name: "plausibility (in memory, one core)",
    figures: [
      figure({
        id: "plausibility.readings_per_s",
        label: "checkReading (what the import runs per row), readings/s",
        value: Math.round(subj),
        unit: "readings/s",
        baseline: { label: "bare subtraction loop", value: Math.round(bare) },
        ratio: round(subj / bare, 4),
        target: "≥ 5,000,000/s",
        ok: subj >= target,
      }),
      figure({
        id: "plausibility.vs_inline",
        label: "checkReading vs the same arithmetic inline",
        value: Math.round(subj),
        unit: "readings/s",
        baseline: { label: "inline arithmetic, dates as day numbers", value: Math.round(inl) },
        ratio: round(subj / inl, 4),
        target: null,
      }),
      figure({
        id: "plausibility.single_api_readings_per_s",
        label: "assessReading (single-reading API: string dates, a result object each), readings/s",
        value: Math.round(one),
        unit: "readings/s",
        baseline: { label: "checkReading", value: Math.round(subj) },
        ratio: round(one / subj, 4),
        target: null,
      }),
    ],
    notes: [
      `${n.toLocaleString("en")} readings (3% slips, 3% backwards, 2% without history), median of ${rounds} interleaved rounds`,
    ],
    details: {
      samples: {
        subject: r.subject.map(Math.round),
        bare: r.baseline.map(Math.round),
        inline: inline.map(Math.round),
        assessReading: single.map(Math.round),
      },
    },
  };
}
