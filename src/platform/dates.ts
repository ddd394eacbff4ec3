/**
 * Calendar dates (YYYY-MM-DD) and instants in the utility's time zone. Rules work on
 * calendar dates; only deadlines need the instant at which a Paris day ends.
 */
export const DEFAULT_TIME_ZONE = "Europe/Paris";

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD. */
export function isIsoDate(s: unknown): s is string {
  if (typeof s !== "string") return false;
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const [, y, mo, day] = m.map(Number) as [number, number, number, number];
  const d = new Date(Date.UTC(y, mo - 1, day));
  return d.toISOString().slice(0, 10) === s;
}

const fmtCache = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string) {
  let f = fmtCache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    fmtCache.set(timeZone, f);
  }
  return f;
}

function parts(instant: Date, timeZone: string) {
  const p: Record<string, string> = {};
  for (const { type, value } of formatter(timeZone).formatToParts(instant)) p[type] = value;
  return p as Record<"year" | "month" | "day" | "hour" | "minute" | "second", string>;
}

/** The calendar date of an instant in a time zone. */
export function localDate(instant: Date, timeZone = DEFAULT_TIME_ZONE): string {
  const p = parts(instant, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** The instant at which a calendar date begins (00:00) in a time zone, DST included. */
export function startOfDay(date: string, timeZone = DEFAULT_TIME_ZONE): Date {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d);
  // The zone's offset at the guess, then once more at the corrected instant (DST edges).
  let t = guess;
  for (let i = 0; i < 2; i++) {
    const p = parts(new Date(t), timeZone);
    const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
    t = guess - (asUtc - t);
  }
  return new Date(t);
}

/** A calendar date plus n days (n may be negative). */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** A calendar date minus whole years; 29 February falls back to 28 February. */
export function subtractYears(date: string, years: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y - years, m - 1, d));
  if (target.getUTCMonth() !== m - 1) return new Date(Date.UTC(y - years, m, 0)).toISOString().slice(0, 10);
  return target.toISOString().slice(0, 10);
}

/** Days since 1970-01-01 of a YYYY-MM-DD date, read digit by digit (hot in plausibility checks). */
function epochDay(d: string): number {
  const y =
    (d.charCodeAt(0) - 48) * 1000 +
    (d.charCodeAt(1) - 48) * 100 +
    (d.charCodeAt(2) - 48) * 10 +
    d.charCodeAt(3) -
    48;
  const m = (d.charCodeAt(5) - 48) * 10 + d.charCodeAt(6) - 48;
  const day = (d.charCodeAt(8) - 48) * 10 + d.charCodeAt(9) - 48;
  return Date.UTC(y, m - 1, day) / 86_400_000;
}

/** Whole days from a to b (b − a). */
export function daysBetween(a: string, b: string): number {
  return epochDay(b) - epochDay(a);
}

/** DD/MM/YYYY, as letters and the console write dates. */
export function frenchDate(date: string): string {
  const [y, m, d] = date.split("-");
  return `${d}/${m}/${y}`;
}
