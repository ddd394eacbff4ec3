/**
 * SPEC §8's three files, one row at a time: the columns of each, and each row checked on its own (pure).
 * A CSV line and an API body both become a field map named by the columns; the same checks then apply
 * (docs/integration.md). What needs the database (does the service point exist, is a fact already
 * decided) is decided in reference.ts.
 */
import { dayNumber, frenchDate, isIsoDate } from "../platform/dates.js";
import { EcartError, ErrorCode } from "../platform/errors.js";
import { parseIndexM3 } from "../readings/index-m3.js";
import { METER_DIGITS } from "../readings/plausibility.js";

/** The three kinds of reference file, as `ecart import KIND FILE` names them. */
export const REFERENCE_KINDS = ["service-points", "meters", "subscriptions"] as const;
export type ReferenceKind = (typeof REFERENCE_KINDS)[number];

/** Each file's columns: required ones, then those that may be empty or absent (SPEC §8). */
export const COLUMNS: Record<ReferenceKind, { required: readonly string[]; optional: readonly string[] }> = {
  "service-points": { required: ["service_point", "address"], optional: ["owner_name"] },
  meters: {
    required: ["service_point", "serial", "remote"],
    optional: ["installed_on", "installed_index", "removed_on", "removed_index", "digits"],
  },
  subscriptions: {
    required: ["subscription", "service_point", "customer", "customer_name", "start_date", "start_index"],
    optional: ["email", "postal_address", "end_date", "end_index", "tags"],
  },
};

/** A row's fields by column name; a column the file does not have is absent (undefined). */
export type Fields = Readonly<Record<string, string | undefined>>;

/** A refused row: where, and why (an EcartError: a code of errors.ts and a French reason). */
export interface RowRefusal {
  line: number;
  error: EcartError;
}

export interface ServicePointRow {
  line: number;
  servicePoint: string;
  address: string;
  /** undefined: the column is absent (left as it is); null: empty (no owner known). */
  ownerName: string | null | undefined;
}

export interface MeterRow {
  line: number;
  servicePoint: string;
  /** As written, spaces removed and upper-cased (the form meters are compared in). */
  serial: string;
  remote: boolean;
  installedOn: string | null;
  installedIndex: number | null;
  removedOn: string | null;
  removedIndex: number | null;
  /** The meter's dials, for rollover (SPEC §4's check); null: not known; undefined: no column, left as it is. */
  digits: number | null | undefined;
}

export interface SubscriptionRow {
  line: number;
  subscription: string;
  servicePoint: string;
  customer: string;
  customerName: string;
  email: string | null | undefined;
  postalAddress: string | null | undefined;
  startDate: string;
  startIndex: number;
  endDate: string | null;
  endIndex: number | null;
  tags: string[] | undefined;
}

export type ReferenceRow = ServicePointRow | MeterRow | SubscriptionRow;

/** An id of the CIS: letters, digits, `_ . - /` and spaces, 100 characters at most (no tab, quote or backslash). */
const SAFE_ID = /^[\p{L}\p{N}_.\-/ ]{1,100}$/u;
const FRENCH_DATE = /^(\d{2})\/(\d{2})\/(\d{4})$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/** Longest free text accepted (an address, a name). */
const MAX_TEXT = 400;
const YES = new Set(["1", "oui", "o", "true", "vrai", "yes", "y"]);
const NO = new Set(["0", "non", "n", "false", "faux", "no"]);

/** YYYY-MM-DD from YYYY-MM-DD or DD/MM/YYYY; null when not a real date. */
export function referenceDate(s: string): string | null {
  const m = FRENCH_DATE.exec(s);
  const iso = m ? `${m[3]}-${m[2]}-${m[1]}` : s;
  return isIsoDate(iso) ? iso : null;
}

/** The form serials are compared in: spaces removed, upper case. */
export const normalSerial = (s: string) => s.replace(/\s+/g, "").toUpperCase();

const invalid = (column: string, fr: string, en: string) =>
  new EcartError(ErrorCode.INVALID_INPUT, `${column} : ${fr}`, `${column}: ${en}`, column);

/** Reads the fields of one row, throwing the first refusal met (an EcartError naming the column). */
class Reader {
  constructor(
    private readonly f: Fields,
    private readonly today: string,
  ) {}

  /** The trimmed value, or null when empty; undefined when the column is absent. */
  raw(column: string): string | null | undefined {
    const v = this.f[column];
    if (v === undefined) return undefined;
    const t = v.trim();
    return t === "" ? null : t;
  }

  required(column: string): string {
    const v = this.raw(column);
    if (v === null || v === undefined)
      throw invalid(column, "valeur obligatoire absente", "required value missing");
    return v;
  }

  id(column: string): string {
    const v = this.required(column);
    if (!SAFE_ID.test(v))
      throw invalid(column, `identifiant invalide (${v.slice(0, 40)})`, "invalid identifier");
    return v;
  }

  text(column: string, required: true): string;
  text(column: string, required: false): string | null | undefined;
  text(column: string, required: boolean): string | null | undefined {
    const v = required ? this.required(column) : this.raw(column);
    if (typeof v === "string" && v.length > MAX_TEXT)
      throw invalid(column, `${MAX_TEXT} caractères au plus`, `longer than ${MAX_TEXT}`);
    return v;
  }

  date(column: string): string | null {
    const v = this.raw(column);
    if (v === null || v === undefined) return null;
    const d = referenceDate(v);
    if (!d)
      throw invalid(
        column,
        `date invalide (${v.slice(0, 20)}) : attendu AAAA-MM-JJ ou JJ/MM/AAAA`,
        "invalid date",
      );
    if (d > this.today)
      throw new EcartError(
        ErrorCode.DATE_IN_FUTURE,
        `${column} : la date du ${frenchDate(d)} est postérieure au jour du chargement (${frenchDate(this.today)}).`,
        `${column} ${d} is after ${this.today}`,
        column,
      );
    return d;
  }

  /** A meter's number of dials (METER_DIGITS); null when empty, undefined when the column is absent. */
  digits(column: string): number | null | undefined {
    const v = this.raw(column);
    if (v === null || v === undefined) return v;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < METER_DIGITS.min || n > METER_DIGITS.max)
      throw invalid(
        column,
        `nombre de chiffres invalide (${v.slice(0, 10)}) : attendu un entier de ${METER_DIGITS.min} à ${METER_DIGITS.max}`,
        `expected a whole number from ${METER_DIGITS.min} to ${METER_DIGITS.max}`,
      );
    return n;
  }

  index(column: string): number | null {
    const v = this.raw(column);
    if (v === null || v === undefined) return null;
    return parseIndexM3(v, column);
  }
}

/** Both or neither: a date and its index (an end, a removal). */
function pair(r: Reader, dateCol: string, indexCol: string): { date: string | null; index: number | null } {
  const date = r.date(dateCol);
  const index = r.index(indexCol);
  if ((date === null) !== (index === null)) {
    const missing = date === null ? dateCol : indexCol;
    throw invalid(
      missing,
      `à renseigner avec ${date === null ? indexCol : dateCol} (les deux ou aucun)`,
      `${dateCol} and ${indexCol} go together`,
    );
  }
  return { date, index };
}

/** A service-points row. */
export function servicePointRow(f: Fields, line: number, today: string): ServicePointRow {
  const r = new Reader(f, today);
  return {
    line,
    servicePoint: r.id("service_point"),
    address: r.text("address", true),
    ownerName: r.text("owner_name", false),
  };
}

/** A meters row. */
export function meterRow(f: Fields, line: number, today: string): MeterRow {
  const r = new Reader(f, today);
  const servicePoint = r.id("service_point");
  const serial = normalSerial(r.id("serial"));
  const remoteRaw = r.required("remote").toLowerCase();
  if (!YES.has(remoteRaw) && !NO.has(remoteRaw))
    throw invalid(
      "remote",
      `valeur invalide (${remoteRaw.slice(0, 10)}) : attendu 0/1 ou oui/non`,
      "expected 0/1",
    );
  const installedOn = r.date("installed_on");
  const installedIndex = r.index("installed_index");
  if (installedIndex !== null && installedOn === null)
    throw invalid(
      "installed_on",
      "à renseigner avec installed_index",
      "installed_index without installed_on",
    );
  const removed = pair(r, "removed_on", "removed_index");
  if (removed.date !== null && installedOn !== null && removed.date < installedOn)
    throw invalid("removed_on", "antérieure à la pose (installed_on)", "removed before installed");
  return {
    line,
    servicePoint,
    serial,
    remote: YES.has(remoteRaw),
    installedOn,
    installedIndex,
    removedOn: removed.date,
    removedIndex: removed.index,
    digits: r.digits("digits"),
  };
}

/** A subscriptions row. */
export function subscriptionRow(f: Fields, line: number, today: string): SubscriptionRow {
  const r = new Reader(f, today);
  const subscription = r.id("subscription");
  const servicePoint = r.id("service_point");
  const customer = r.id("customer");
  const customerName = r.text("customer_name", true);
  const email = r.text("email", false);
  if (email && !EMAIL.test(email)) throw invalid("email", "adresse électronique invalide", "invalid email");
  const postalAddress = r.text("postal_address", false);
  const startDate = r.date("start_date");
  if (startDate === null) throw invalid("start_date", "valeur obligatoire absente", "required value missing");
  const startIndex = r.index("start_index");
  if (startIndex === null)
    throw invalid("start_index", "valeur obligatoire absente", "required value missing");
  const end = pair(r, "end_date", "end_index");
  if (end.date !== null && end.date < startDate)
    throw invalid("end_date", "antérieure au début de l'abonnement (start_date)", "end before start");
  const tagsRaw = r.raw("tags");
  const tags =
    tagsRaw === undefined
      ? undefined
      : (tagsRaw ?? "")
          .split("|")
          .map((t) => t.trim().toLowerCase())
          .filter((t) => t !== "");
  return {
    line,
    subscription,
    servicePoint,
    customer,
    customerName,
    email,
    postalAddress,
    startDate,
    startIndex,
    endDate: end.date,
    endIndex: end.index,
    tags,
  };
}

/** The row parser of each kind. */
export const ROW_PARSERS: {
  [K in ReferenceKind]: (f: Fields, line: number, today: string) => RowOf<K>;
} = {
  "service-points": servicePointRow,
  meters: meterRow,
  subscriptions: subscriptionRow,
};

export type RowOf<K extends ReferenceKind> = K extends "service-points"
  ? ServicePointRow
  : K extends "meters"
    ? MeterRow
    : SubscriptionRow;

/** Parses one row; a refusal comes back as a value (the import writes it to the rejects file and goes on). */
export function parseRow<K extends ReferenceKind>(
  kind: K,
  f: Fields,
  line: number,
  today: string,
): RowOf<K> | RowRefusal {
  try {
    return ROW_PARSERS[kind](f, line, today) as RowOf<K>;
  } catch (e) {
    if (e instanceof EcartError) return { line, error: e };
    throw e;
  }
}

export const isRefusal = (x: unknown): x is RowRefusal =>
  typeof x === "object" && x !== null && "error" in x && (x as RowRefusal).error instanceof EcartError;

/** The service point a row belongs to: a batch never splits one (its rows are decided together). */
export const servicePointOf = (row: ReferenceRow): string => row.servicePoint;

/** A file's header: the column of each name (trimmed, lower case, BOM and quotes removed); the missing required ones. */
export function headerOf(
  kind: ReferenceKind,
  record: string[],
): { index: Map<string, number>; missing: string[] } {
  const index = new Map<string, number>();
  record.forEach((name, i) => {
    const n = name
      .replace(/^\ufeff/, "")
      .replace(/^"|"$/g, "")
      .trim()
      .toLowerCase();
    if (n && !index.has(n)) index.set(n, i);
  });
  const missing = COLUMNS[kind].required.filter((c) => !index.has(c));
  return { index, missing };
}

/** A record's fields by the header's columns (known columns only; the others are ignored). */
export function fieldsOf(kind: ReferenceKind, header: Map<string, number>, record: string[]): Fields {
  const out: Record<string, string | undefined> = {};
  const { required, optional } = COLUMNS[kind];
  for (const c of [...required, ...optional]) {
    const i = header.get(c);
    if (i !== undefined) out[c] = record[i] ?? "";
  }
  return out;
}

/** The day number of a date, for the plausibility check. */
export const dayOf = dayNumber;
