/**
 * Calendar dates (YYYY-MM-DD) and instants in the utility's time zone. Rules work on
 * calendar dates; only deadlines need the instant at which a Paris day ends.
 */
/** A deadline: its last calendar day, and the instant it passes (a task's due date and expiry). */
export interface Deadline {
  /** The last calendar day on which the awaited thing is in time. */
  dueDate: string;
  /** The instant the deadline passes: the start of the day after dueDate, local time. */
  expiresAt: Date;
}

export const DEFAULT_TIME_ZONE = "Europe/Paris";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real calendar date written YYYY-MM-DD (years before 0100 are refused, as Date.UTC reads them as 19xx). */
export function isIsoDate(s: unknown): s is string {
  if (typeof s !== "string" || !ISO_DATE.test(s)) return false;
  const y = digits(s, 0, 4);
  const m = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  return y >= 100 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

/** The number written by `n` ASCII digits of `s` from `at` (the caller checked they are digits). */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) v = v * 10 + s.charCodeAt(i) - 48;
  return v;
}

/** Days in month `m` (1–12) of year `y`, leap years included. */
function daysInMonth(y: number, m: number): number {
  if (m !== 2) return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
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

/**
 * Per time zone, the last day `localDate` found and the instants it spans [from, to): a clock reads the
 * same day many times, and the time zone database is slow to ask (every request reads today's date).
 */
const lastDay = new Map<string, { date: string; from: number; to: number }>();

/** The calendar date of an instant in a time zone. */
export function localDate(instant: Date, timeZone = DEFAULT_TIME_ZONE): string {
  const t = instant.getTime();
  const known = lastDay.get(timeZone);
  if (known && t >= known.from && t < known.to) return known.date;
  const p = parts(instant, timeZone);
  const date = `${p.year}-${p.month}-${p.day}`;
  const from = startOfDay(date, timeZone).getTime();
  const to = startOfDay(addDays(date, 1), timeZone).getTime();
  // An instant outside its own day's span would be a time zone database fault: then nothing is kept.
  if (t >= from && t < to) lastDay.set(timeZone, { date, from, to });
  return date;
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
  return dateOfDayNumber(dayNumber(date) + n);
}

/** The YYYY-MM-DD date of a day number, `dayNumber`'s inverse (H. Hinnant's algorithm; no Date, hot per request). */
export function dateOfDayNumber(n: number): string {
  const z = n + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, "0")}-${m < 10 ? "0" : ""}${m}-${d < 10 ? "0" : ""}${d}`;
}

/** A calendar date minus whole years; 29 February falls back to 28 February. */
export function subtractYears(date: string, years: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y - years, m - 1, d));
  if (target.getUTCMonth() !== m - 1) return new Date(Date.UTC(y - years, m, 0)).toISOString().slice(0, 10);
  return target.toISOString().slice(0, 10);
}

/**
 * Day number of a YYYY-MM-DD date: days since 1970-01-01, by integer arithmetic on its digits (no Date;
 * hot in plausibility checks and the bulk import). A day past the month's end counts on into the next.
 */
export function dayNumber(d: string): number {
  const y = digits(d, 0, 4);
  const m = digits(d, 5, 2);
  const day = digits(d, 8, 2);
  // Days from the civil date (H. Hinnant's algorithm): years start in March, eras of 400 years.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** Whole days from a to b (b − a). */
export function daysBetween(a: string, b: string): number {
  return dayNumber(b) - dayNumber(a);
}

/** DD/MM/YYYY, as letters and the console write dates. */
export function frenchDate(date: string): string {
  const [y, m, d] = date.split("-");
  return `${d}/${m}/${y}`;
}

/** DD/MM/YYYY HH:MM of an instant in a time zone (a French spreadsheet's date and time). */
export function frenchDateTime(instant: Date, timeZone = DEFAULT_TIME_ZONE): string {
  const p = parts(instant, timeZone);
  return `${p.day}/${p.month}/${p.year} ${p.hour === "24" ? "00" : p.hour}:${p.minute}`;
}
