/**
 * Bulk import of readings (docs/readings-import.md): one CSV row, checked on its own. Pure: the
 * checks against the database (service point, meter, date order) happen in import.ts.
 */
import { hash } from "node:crypto";
import { dayNumber, isIsoDate } from "../platform/dates.js";
import { EcartError, type ErrorCode } from "../platform/errors.js";
import type { ReadingType } from "../platform/schema.js";
import { normalSerial } from "../platform/serial.js";
import { ENTERED_TYPES } from "./commands.js";
import { parseIndexM3 } from "./index-m3.js";

/** The columns of an import file, in this order, named by its header line. */
export const IMPORT_COLUMNS = ["service_point", "meter", "date", "index", "type"] as const;

/** The codes a row of an import file is refused with: errors.ts's, written in the rejects file. */
export type RejectCode = Extract<
  ErrorCode,
  | "MALFORMED"
  | "COLUMNS"
  | "SERVICE_POINT_MISSING"
  | "UNKNOWN_SERVICE_POINT"
  | "INVALID_DATE"
  | "DATE_IN_FUTURE"
  | "INDEX_NOT_M3"
  | "INVALID_TYPE"
  | "UNKNOWN_METER"
  | "OUT_OF_ORDER"
>;

/** The French reason written beside each code in the rejects file, for people. */
export const REJECT_REASONS: Record<RejectCode, string> = {
  MALFORMED: "ligne CSV mal formée (guillemet non fermé ou mal placé) : ligne ignorée",
  COLUMNS: "nombre de colonnes incorrect (attendu : service_point, meter, date, index, type)",
  SERVICE_POINT_MISSING: "point de desserte absent",
  UNKNOWN_SERVICE_POINT: "point de desserte inconnu",
  INVALID_DATE: "date invalide (attendu AAAA-MM-JJ ou JJ/MM/AAAA)",
  DATE_IN_FUTURE: "date postérieure au jour de l'import",
  INDEX_NOT_M3: "index invalide : seuls les m3 doivent être saisis, en nombre entier positif, sans décimale",
  INVALID_TYPE: `type de relevé invalide (attendu : ${ENTERED_TYPES.join(", ")})`,
  UNKNOWN_METER: "matricule de compteur inconnu pour ce point de desserte",
  OUT_OF_ORDER:
    "relevé antérieur au dernier relevé connu de ce compteur : les relevés s'importent dans l'ordre des dates",
};

export interface ImportRow {
  /** Line number in the file (1 = the header). */
  line: number;
  servicePoint: string;
  /** The meter serial as written, or null: the meter in place at that date. */
  meter: string | null;
  date: string;
  /** The date as a day number (dayNumber), computed once for the plausibility check. */
  day: number;
  index: number;
  type: ReadingType;
  /** Content key: the same reading imported twice is the same key (readings.import_key is unique). */
  key: string;
}

export type ParsedRow =
  | { ok: true; row: ImportRow }
  | { ok: false; line: number; code: RejectCode; reason: string };

const FRENCH_DATE = /^(\d{2})\/(\d{2})\/(\d{4})$/;
const SAFE_ID = /^[\p{L}\p{N}_.\-/ ]{1,100}$/u;

/** YYYY-MM-DD from YYYY-MM-DD or DD/MM/YYYY; null when not a real date. */
export function importDate(s: string): string | null {
  const m = FRENCH_DATE.exec(s);
  const iso = m ? `${m[3]}-${m[2]}-${m[1]}` : s;
  return isIsoDate(iso) ? iso : null;
}

/** The import key of a reading: a hash of what it says (service point, meter, date, index, type). */
export function importKey(
  sp: string,
  meter: string | null,
  date: string,
  index: number,
  type: string,
): string {
  return hash("sha1", `${sp}\t${meter ?? ""}\t${date}\t${index}\t${type}`, "base64url");
}

const reject = (line: number, code: RejectCode, detail?: string): ParsedRow => ({
  ok: false,
  line,
  code,
  reason: detail ? `${REJECT_REASONS[code]} (${detail})` : REJECT_REASONS[code],
});

const TYPES = new Set<string>(ENTERED_TYPES);

/** True when the first record is the header line. */
export function isHeader(record: string[]): boolean {
  return (
    record[0]
      ?.trim()
      .toLowerCase()
      .replace(/^\ufeff/, "") === IMPORT_COLUMNS[0]
  );
}

/**
 * Checks one record on its own; `today` is the day of the import (a later date is refused). `types`: the
 * reading types accepted (the file format allows the advisor-entered ones; the demo loader adds moves).
 */
export function parseImportRecord(
  record: string[],
  line: number,
  today: string,
  types: ReadonlySet<string> = TYPES,
): ParsedRow {
  if (record.length !== IMPORT_COLUMNS.length) return reject(line, "COLUMNS", `${record.length} colonne(s)`);
  const [spRaw, meterRaw, dateRaw, indexRaw, typeRaw] = record.map((v) => v.trim()) as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (!spRaw) return reject(line, "SERVICE_POINT_MISSING");
  if (!SAFE_ID.test(spRaw)) return reject(line, "UNKNOWN_SERVICE_POINT", spRaw.slice(0, 40));
  const date = importDate(dateRaw);
  if (!date) return reject(line, "INVALID_DATE", dateRaw.slice(0, 20));
  if (date > today) return reject(line, "DATE_IN_FUTURE", date);
  let index: number;
  try {
    index = parseIndexM3(indexRaw);
  } catch (e) {
    if (e instanceof EcartError) return reject(line, "INDEX_NOT_M3", indexRaw.slice(0, 20));
    throw e;
  }
  const type = typeRaw.toUpperCase();
  if (!types.has(type)) return reject(line, "INVALID_TYPE", typeRaw.slice(0, 20));
  const meter = meterRaw ? normalSerial(meterRaw) : null;
  if (meter !== null && !SAFE_ID.test(meter)) return reject(line, "UNKNOWN_METER", meterRaw.slice(0, 40));
  return {
    ok: true,
    row: {
      line,
      servicePoint: spRaw,
      meter,
      date,
      day: dayNumber(date),
      index,
      type: type as ReadingType,
      key: importKey(spRaw, meter, date, index, type),
    },
  };
}
