/** How letters and emails write dates and figures, in French. */
import { DEFAULT_TIME_ZONE, frenchDate, isIsoDate, localDate } from "../platform/dates.js";

const MONTHS = [
  "janvier",
  "février",
  "mars",
  "avril",
  "mai",
  "juin",
  "juillet",
  "août",
  "septembre",
  "octobre",
  "novembre",
  "décembre",
] as const;

/** "2024-03-01" → "1er mars 2024", "2024-03-20" → "20 mars 2024" (French long form). */
export function longDate(date: string): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return `${d === 1 ? "1er" : d} ${MONTHS[m - 1]} ${y}`;
}

/** "2024-03-20" → "20/03/2024". */
export const shortDate = frenchDate;

/** The calendar date of an instant or ISO string in the utility's time zone; a YYYY-MM-DD passes through. */
export function calendarDate(value: Date | string, timeZone = DEFAULT_TIME_ZONE): string {
  if (typeof value === "string" && isIsoDate(value)) return value;
  return localDate(typeof value === "string" ? new Date(value) : value, timeZone);
}

/** Thousands separator of French figures: a narrow no-break space (U+202F), as the console writes them. */
export const THOUSANDS = "\u202f";

/** A whole number in French: 104200 → "104 200" (narrow no-break space between thousands). */
export const frenchNumber = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, THOUSANDS);

/** A meter index or volume in whole m3, as letters, emails and the console write it: "1 042 m3". */
export const m3 = (n: number): string => `${frenchNumber(n)} m3`;

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** A number of years in words: « un an », « deux ans », « 5 ans ». */
export const yearsInWords = (n: number): string => (n === 1 ? "un an" : n === 2 ? "deux ans" : `${n} ans`);

/**
 * The prescription a customer invokes, named with its length in force: « prescription biennale » for the
 * consumer code's two years (L218-2), « prescription d'un an », « prescription de 5 ans » for another
 * length a utility sets.
 */
export function prescriptionName(years: number): string {
  if (years === 2) return "prescription biennale";
  return years === 1 ? "prescription d'un an" : `prescription de ${yearsInWords(years)}`;
}

/** A phrase made to start a sentence (its first letter in capitals). */
export const capitalized = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
