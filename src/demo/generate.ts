/**
 * Deterministic generation of realistic reading histories (seeded): households with seasonal use
 * (a summer peak), monthly agent/customer/estimated readings or daily remote readings, vacant spells
 * with no use, a few slips (decimals typed as digits), meters close to rollover. Used by `ecart demo`,
 * the import tests and the benchmarks. Memory: one small state per service point.
 */
import { addDays, daysBetween } from "../platform/dates.js";

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same data set. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratedPoint {
  id: string;
  serial: string;
  remote: boolean;
  /** Digits of the meter, for those close to a rollover; null otherwise. */
  digits: number | null;
  /** Index on the first day of the history. */
  startIndex: number;
  /** Yearly use of the household, m3. */
  yearlyM3: number;
  /** Day of the month of its readings (monthly meters). */
  readingDay: number;
  /** Vacant spells [from, to) with no use. */
  vacancies: Array<[string, string]>;
}

export interface GenerateOptions {
  seed: number;
  servicePoints: number;
  /** First and last day of the history. */
  from: string;
  to: string;
  /** Share of remote (daily) meters, 0–1. */
  remoteShare: number;
  /** Share of customer readings that are slips (×10, ×100, ×1000 with extra digits). */
  slipRate: number;
  /** Share of meters that will pass 99 999 → 0 during the history. */
  rolloverShare?: number;
  idPrefix?: string;
}

export interface GeneratedRow {
  servicePoint: string;
  date: string;
  index: number;
  type: "NORMAL" | "CUSTOMER" | "ESTIMATE" | "REMOTE";
  /** For a slip: the index that should have been typed. */
  trueIndex?: number;
}

/** The service points of a data set, deterministic from the seed. */
export function generatePoints(o: GenerateOptions): GeneratedPoint[] {
  const rnd = prng(o.seed);
  const prefix = o.idPrefix ?? "PDS-";
  const span = daysBetween(o.from, o.to);
  const out: GeneratedPoint[] = [];
  for (let i = 1; i <= o.servicePoints; i++) {
    const remote = rnd() < o.remoteShare;
    const rollover = rnd() < (o.rolloverShare ?? 0.01);
    // Households: 30 to 250 m3 a year, most around 100–140.
    const yearlyM3 = Math.round(40 + 90 * (rnd() + rnd() + rnd()) * 0.9);
    const vacancies: Array<[string, string]> = [];
    if (rnd() < 0.3 && span > 120) {
      const start = Math.floor(rnd() * (span - 90));
      const length = 20 + Math.floor(rnd() * 100);
      vacancies.push([addDays(o.from, start), addDays(o.from, Math.min(span, start + length))]);
    }
    const startIndex = rollover ? 99_999 - Math.floor((yearlyM3 * span) / 365 / 2) : Math.floor(rnd() * 3000);
    out.push({
      id: `${prefix}${String(i).padStart(6, "0")}`,
      serial: `${remote ? "R" : "M"}${String(100000 + i)}`,
      remote,
      digits: rollover ? 5 : null,
      startIndex: Math.max(0, startIndex),
      yearlyM3,
      readingDay: 1 + Math.floor(rnd() * 28),
      vacancies,
    });
  }
  return out;
}

/** §1 seasons: use is higher in summer (peak mid-July), lower in winter, ±25 %. */
export function seasonalFactor(date: string): number {
  const doy = daysBetween(`${date.slice(0, 4)}-01-01`, date);
  return 1 + 0.25 * Math.sin((2 * Math.PI * (doy - 105)) / 365);
}

/**
 * The readings of the data set, in date order (all service points interleaved, as a daily export
 * would be). Each service point's index is the sum of its daily use, kept as a fraction and read as
 * whole m3.
 */
export function* generateReadings(o: GenerateOptions, points = generatePoints(o)): Generator<GeneratedRow> {
  const rnd = prng(o.seed ^ 0x5eed);
  const use = points.map((p) => p.startIndex + 0.5);
  const modulus = (p: GeneratedPoint) => (p.digits ? 10 ** p.digits : Number.POSITIVE_INFINITY);
  const span = daysBetween(o.from, o.to);
  for (let d = 0; d <= span; d++) {
    const date = addDays(o.from, d);
    const season = seasonalFactor(date);
    const dom = Number(date.slice(8, 10));
    for (let i = 0; i < points.length; i++) {
      const p = points[i] as GeneratedPoint;
      const vacant = p.vacancies.some(([a, b]) => date >= a && date < b);
      if (d > 0 && !vacant) use[i] = (use[i] as number) + (p.yearlyM3 / 365) * season * (0.6 + 0.8 * rnd());
      const index = Math.floor(use[i] as number) % modulus(p);
      if (p.remote) {
        yield { servicePoint: p.id, date, index, type: "REMOTE" };
      } else if (dom === p.readingDay || d === 0) {
        const r = rnd();
        const type = r < 0.5 ? "NORMAL" : r < 0.85 ? "CUSTOMER" : "ESTIMATE";
        if (type === "CUSTOMER" && d > 0 && rnd() < o.slipRate) {
          // A slip: the decimals typed as digits, or litres instead of m3.
          const k = 1 + Math.floor(rnd() * 3);
          const slip = index * 10 ** k + Math.floor(rnd() * 10 ** k);
          yield { servicePoint: p.id, date, index: slip, type, trueIndex: index };
        } else {
          yield { servicePoint: p.id, date, index, type };
        }
      }
    }
  }
}

/** The CSV of docs/readings-import.md for generated rows (header first). */
export function* readingsCsv(
  rows: Iterable<Pick<GeneratedRow, "servicePoint" | "date" | "index"> & { type: string }>,
): Generator<string> {
  yield "service_point,meter,date,index,type\n";
  let chunk = "";
  let n = 0;
  for (const r of rows) {
    chunk += `${r.servicePoint},,${r.date},${r.index},${r.type}\n`;
    if (++n % 2000 === 0) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk) yield chunk;
}
