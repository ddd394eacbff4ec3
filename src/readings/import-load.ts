/**
 * The fastest load each engine offers for a batch of checked readings: COPY FROM STDIN on PostgreSQL
 * (pg-copy-streams), COPY FROM '/dev/blob' on PGlite. A batch's rows are split by service point into
 * lanes, each loaded in one transaction (several at once on PostgreSQL): each service point's rows are in
 * the database up to a point or not at all, so a killed import resumes cleanly (import keys are unique).
 */

import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Kysely } from "kysely";
import { from as copyFrom } from "pg-copy-streams";
import type { Database } from "../platform/db.js";
import type { DB } from "../platform/schema.js";
import type { MeterHistory } from "./history.js";
import { lastReadingDates, loadMeterHistories } from "./store.js";

/** The columns a batch fills, in the order of each COPY line. */
export const COPY_COLUMNS = [
  "service_point_id",
  "meter_id",
  "reading_date",
  "index_m3",
  "type",
  "status",
  "usage_m3",
  "expected_usage_lo",
  "expected_usage_hi",
  "expected_index_lo",
  "expected_index_hi",
  "suggested_index",
  "warnings",
  "import_key",
  "recorded_at",
  "recorded_by",
  "entity",
] as const;

const COPY_SQL = `copy readings (${COPY_COLUMNS.join(", ")}) from stdin with (format text)`;
const COPY_BLOB_SQL = `copy readings (${COPY_COLUMNS.join(", ")}) from '/dev/blob' with (format text)`;

const COPY_SPECIAL = /[\\\t\n\r]/;

/** One value in COPY's text format: \N for null, backslash, tab and line breaks escaped. */
export function copyValue(v: string | number | null): string {
  if (v === null) return "\\N";
  if (typeof v === "number") return String(v);
  if (!COPY_SPECIAL.test(v)) return v;
  return v.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

/** Values as tab-separated COPY text fields, without the line's end. */
export function copyFields(values: Array<string | number | null>): string {
  let s = copyValue(values[0] ?? null);
  for (let i = 1; i < values.length; i++) s += `\t${copyValue(values[i] ?? null)}`;
  return s;
}

/** A COPY text line for one reading (values in COPY_COLUMNS order). */
export function copyLine(values: Array<string | number | null>): string {
  return `${copyFields(values)}\n`;
}

export interface BatchAudit {
  at: Date;
  actor: string;
  role: string;
  entity: string;
  details: Record<string, unknown>;
}

/** An import key with the service point and date it hashes (the unique index of migration 521 leads with them). */
export interface KeyedRow {
  servicePoint: string;
  date: string;
  key: string;
}

/** The keys found, by index (service point, date, key). */
const EXISTING_SQL = `select r.import_key from unnest($1::text[], $2::date[], $3::text[]) as u(sp, d, k)
  join readings r on r.service_point_id = u.sp and r.reading_date = u.d and r.import_key = u.k`;

const existingParams = (rows: KeyedRow[]) => [
  rows.map((r) => r.servicePoint),
  rows.map((r) => r.date),
  rows.map((r) => r.key),
];

/**
 * The part of a batch one COPY connection loads: its service points' rows, as COPY text written straight
 * into UTF-8 bytes (a string grown line by line is a rope that sending has to flatten and encode again:
 * 2–3 µs a row against under 1).
 */
export class Lane {
  private buf: Buffer<ArrayBuffer>;
  private size = 0;
  rows = 0;
  firstLine = 0;
  lastLine = 0;
  constructor(capacity = 1 << 16) {
    this.buf = Buffer.allocUnsafe(capacity);
  }
  /** Appends a COPY line (ending with its line feed) read from file line `line`. */
  add(text: string, line: number): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.size + 3 * text.length > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.size + 3 * text.length));
      this.buf.copy(grown, 0, 0, this.size);
      this.buf = grown;
    }
    this.size += this.buf.write(text, this.size, "utf8");
    this.rows++;
    if (!this.firstLine) this.firstLine = line;
    this.lastLine = line;
  }
  /** The COPY text so far. */
  get bytes(): Buffer<ArrayBuffer> {
    return this.buf.subarray(0, this.size);
  }
}

export interface BatchLoader {
  /** Which of these import keys (each with its row's service point and date) are already in the database. */
  existingKeys(rows: KeyedRow[]): Promise<Set<string>>;
  /**
   * Loads a batch's lanes, each with its audit entry (its rows and lines) in its own transaction, at once
   * on PostgreSQL (one connection each); resolves once every lane is committed, rejects with the first
   * failure once every lane has ended. A service point's rows are all in one lane, so whatever a failure
   * leaves, the database holds a prefix of each service point's rows (what a resumed import relies on).
   */
  load(lanes: Lane[], audit: BatchAudit): Promise<void>;
}

const AUDIT_SQL =
  "insert into audit_log (at, actor, role, entity, action, object_type, object_id, details) values ($1, $2, $3, $4, 'readings.imported', 'import', $5, $6)";

const auditParams = (a: BatchAudit, lane: Lane) => [
  a.at,
  a.actor,
  a.role,
  a.entity,
  String(a.details.file ?? "import"),
  JSON.stringify({ ...a.details, lines: [lane.firstLine, lane.lastLine], inserted: lane.rows }),
];

/** Waits for every promise; rejects with the first failure once all have ended. */
async function allEnded(work: Array<Promise<void>>): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/** The loader for the engine behind `db`. */
export function batchLoader(db: Database): BatchLoader {
  if (db.pool) {
    const pool = db.pool;
    const loadLane = async (lane: Lane, audit: BatchAudit) => {
      const client = await pool.connect();
      try {
        await client.query("begin");
        await pipeline(Readable.from([lane.bytes]), client.query(copyFrom(COPY_SQL)));
        await client.query(AUDIT_SQL, auditParams(audit, lane));
        await client.query("commit");
      } catch (e) {
        await client.query("rollback").catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    };
    return {
      async existingKeys(rows) {
        if (rows.length === 0) return new Set();
        const r = await pool.query<{ import_key: string }>(EXISTING_SQL, existingParams(rows));
        return new Set(r.rows.map((x) => x.import_key));
      },
      load: (lanes, audit) => allEnded(lanes.filter((l) => l.rows > 0).map((l) => loadLane(l, audit))),
    };
  }
  const lite = db.pglite;
  if (!lite) throw new Error("database has neither a pool nor an embedded engine");
  return {
    async existingKeys(rows) {
      if (rows.length === 0) return new Set();
      const r = await lite.query<{ import_key: string }>(EXISTING_SQL, existingParams(rows));
      return new Set(r.rows.map((x) => x.import_key));
    },
    async load(lanes, audit) {
      for (const lane of lanes.filter((l) => l.rows > 0))
        await lite.transaction(async (tx) => {
          await tx.query(COPY_BLOB_SQL, [], { blob: new Blob([lane.bytes]) });
          await tx.query(AUDIT_SQL, auditParams(audit, lane));
        });
    },
  };
}

/**
 * The one loader of the histories of many service points (the readings import, reference data): as
 * `loadMeterHistories` reads them (their meters' summaries), and the date of each one's last reading.
 */
export async function loadHistories(
  db: Kysely<DB>,
  servicePoints: string[],
): Promise<{ histories: Map<string, MeterHistory[]>; last: Map<string, string> }> {
  const last = await lastReadingDates(db, servicePoints);
  const histories = await loadMeterHistories(db, servicePoints);
  return { histories, last };
}
