/** Storage of the reading history. Queries only: the rules live in plausibility.ts. */
import { sql, type Transaction } from "kysely";
import type { Context } from "../platform/context.js";
import type { DB, ReadingType } from "../platform/schema.js";
import { type DatedIndex, type Plausibility, type PlausibilityInput, assessReading } from "./plausibility.js";

type Trx = Transaction<DB>;

/** The earlier VALID readings that the plausibility check needs (SPEC §4), up to and including `date`. */
export async function validHistoryBefore(
  trx: Trx,
  servicePointId: string,
  meterId: number | null,
  date: string,
  excludeId?: string,
): Promise<PlausibilityInput> {
  const base = () => {
    let q = trx
      .selectFrom("reading_states")
      .select(["id", "reading_date as date", "index_m3 as index"])
      .where("service_point_id", "=", servicePointId)
      .where("effective_status", "=", "VALID")
      .where("reading_date", "<=", date);
    if (meterId !== null) q = q.where("meter_id", "=", meterId);
    if (excludeId) q = q.where("id", "!=", excludeId);
    return q;
  };
  const previous = await base().orderBy("reading_date", "desc").orderBy("id", "desc").limit(1).executeTakeFirst();
  if (!previous) return { first: null, previous: null, validCount: 0 };
  const first = await base().orderBy("reading_date", "asc").orderBy("id", "asc").limit(1).executeTakeFirst();
  const validCount = first && first.id !== previous.id ? 2 : 1;
  return {
    first: first ? { date: first.date, index: first.index } : null,
    previous: { date: previous.date, index: previous.index },
    validCount,
  };
}

export interface NewReading {
  servicePointId: string;
  meterId: number | null;
  date: string;
  index: number;
  type: ReadingType;
  replacesId?: string;
  reason?: string;
  importKey?: string;
}

/** Checks a reading against the history and appends it; returns its id and the verdict. */
export async function appendReading(
  trx: Trx,
  ctx: Context,
  r: NewReading,
): Promise<{ id: string; plausibility: Plausibility }> {
  const history = await validHistoryBefore(trx, r.servicePointId, r.meterId, r.date, r.replacesId);
  const p = assessReading(history, { date: r.date, index: r.index }, ctx.config.plausibility);
  const row = await trx
    .insertInto("readings")
    .values({
      service_point_id: r.servicePointId,
      meter_id: r.meterId,
      reading_date: r.date,
      index_m3: r.index,
      type: r.type,
      status: p.status,
      usage_m3: p.usage,
      expected_usage_lo: p.expected?.usage[0] ?? null,
      expected_usage_hi: p.expected?.usage[1] ?? null,
      expected_index_lo: p.expected?.index[0] ?? null,
      expected_index_hi: p.expected?.index[1] ?? null,
      suggested_index: p.suggestedIndex,
      warnings: p.warnings,
      replaces_id: r.replacesId ?? null,
      reason: r.reason ?? null,
      import_key: r.importKey ?? null,
      recorded_at: ctx.now,
      recorded_by: ctx.actor.user,
      entity: ctx.actor.entity,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id: row.id, plausibility: p };
}

export async function readingById(trx: Trx, id: string) {
  return trx.selectFrom("reading_states").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The effective status of the reading at a service point's date and index, if one was recorded. */
export async function readingStatusAt(trx: Trx, servicePointId: string, date: string, index: number) {
  const r = await trx
    .selectFrom("reading_states")
    .select(["id", "effective_status"])
    .where("service_point_id", "=", servicePointId)
    .where("reading_date", "=", date)
    .where("index_m3", "=", index)
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  return r ?? null;
}

/** The last VALID reading of a service point (stands in for a termination index when there was no predecessor). */
export async function lastValidReading(trx: Trx, servicePointId: string): Promise<(DatedIndex & { id: string }) | null> {
  const r = await trx
    .selectFrom("reading_states")
    .select(["id", "reading_date as date", "index_m3 as index"])
    .where("service_point_id", "=", servicePointId)
    .where("effective_status", "=", "VALID")
    .orderBy("reading_date", "desc")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  return r ?? null;
}

/**
 * R7/R10: the meter's index at a date from the history: a VALID reading of that day, else the
 * linear interpolation between the VALID readings around it, rounded down to a whole m3.
 */
export async function indexAtDate(
  trx: Trx,
  servicePointId: string,
  date: string,
  opts: { remoteOnly?: boolean } = {},
): Promise<{ index: number; interpolated: boolean } | null> {
  const typeFilter = opts.remoteOnly ? sql<boolean>`type = 'REMOTE'` : sql<boolean>`true`;
  const exact = await trx
    .selectFrom("reading_states")
    .select("index_m3")
    .where("service_point_id", "=", servicePointId)
    .where("effective_status", "=", "VALID")
    .where("reading_date", "=", date)
    .where(typeFilter)
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  if (exact) return { index: exact.index_m3, interpolated: false };
  const around = (cmp: "<" | ">", dir: "asc" | "desc") =>
    trx
      .selectFrom("reading_states")
      .select(["reading_date as date", "index_m3 as index"])
      .where("service_point_id", "=", servicePointId)
      .where("effective_status", "=", "VALID")
      .where("reading_date", cmp, date)
      .where(typeFilter)
      .orderBy("reading_date", dir)
      .orderBy("id", dir)
      .limit(1)
      .executeTakeFirst();
  const before = await around("<", "desc");
  const after = await around(">", "asc");
  if (!before || !after) return null;
  return { index: interpolate(before, after, date), interpolated: true };
}

/** Linear interpolation between two dated indexes, rounded down to a whole m3 (R10). */
export function interpolate(a: DatedIndex, b: DatedIndex, date: string): number {
  const span = Date.parse(b.date) - Date.parse(a.date);
  if (span <= 0) return a.index;
  const t = (Date.parse(date) - Date.parse(a.date)) / span;
  return Math.floor(a.index + (b.index - a.index) * t);
}
