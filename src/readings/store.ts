/** Storage of the reading history. Queries only: the rules live in plausibility.ts. */
import { type Kysely, type RawBuilder, sql } from "kysely";
import { byOrdinal, withOrdinals } from "../platform/batch.js";
import type { Context } from "../platform/context.js";
import type { Trx } from "../platform/db.js";
import { appendEvents } from "../platform/events.js";
import type { DB, ReadingType } from "../platform/schema.js";
import {
  installationReading,
  type MeterHistory,
  meterHistory,
  plausibilityInput,
  replacedMeter,
} from "./history.js";
import {
  assessReading,
  type DatedIndex,
  meterUsage,
  type Plausibility,
  type PlausibilityInput,
} from "./plausibility.js";

/** A query runner: a transaction or the database itself. */
type Runner = Kysely<DB> | Trx;

/**
 * SQL for "this reading counts as VALID now": valid or confirmed, and not replaced (SPEC §4). "Not
 * replaced" is read from `reading_replacements` (one probe) rather than `readings.replaces_id` (one probe
 * per monthly partition): the same set, since the readings' statement trigger writes a row there for
 * every reading inserted with a `replaces_id`, both tables being append-only (migration 900; the
 * `reading_states` view reads REPLACED there too).
 */
const VALID_NOW = sql`(r.status = 'VALID' or exists (select 1 from reading_confirmations k where k.reading_id = r.id))
  and not exists (select 1 from reading_replacements c where c.replaces_id = r.id)`;

export interface HistoryRow {
  service_point_id: string;
  meter_id: number | null;
  serial: string | null;
  digits: number | null;
  installed_on: string | null;
  start_index: number;
  removed_on: string | null;
  first_date: string | null;
  first_index: number | null;
  last_date: string | null;
  last_index: number | null;
  single: boolean | null;
  seen_date: string | null;
}

/**
 * The plausibility state of every meter of the given service points, from storage: first and last VALID
 * reading (up to `upTo` when given), and the last date seen. A service point without a meter gets one
 * history for its meter-less readings. Read from the meters' summaries (one probe each, migration 910);
 * the service points whose summaries do not answer (`historiesUpTo`) are read again from `readings`.
 */
export async function loadMeterHistories(
  db: Runner,
  servicePointIds: string[],
  opts: HistoryBounds = {},
): Promise<Map<string, MeterHistory[]>> {
  if (servicePointIds.length === 0) return new Map();
  const ids = sql<{ id: string }>`select distinct u.id from unnest(${servicePointIds}::text[]) as u(id)`;
  // Leaving a reading out (a correction's): no summary answers, `readings` at once.
  if (opts.excludeId) return meterHistoriesFromRows((await meterHistoriesQuery(ids, opts).execute(db)).rows);
  const rows = await summaryHistoryRows(db, ids);
  return meterHistoriesFromRows(opts.upTo ? await historiesUpTo(db, rows, opts.upTo) : rows);
}

/** A meter as the histories read it (`METER_FIELDS`); bigints come as text from a row, as numbers from json. */
export interface MeterRow {
  id: number | string;
  serial: string;
  digits: number | null;
  installed_on: string | null;
  start_index: number | string;
  removed_on: string | null;
}

/** A meter's summary of its readings (`SUMMARY_FIELDS`, migrations 910 and 930); `meter_key` 0: no meter. */
export interface SummaryRow {
  meter_key: number | string;
  seen_date: string;
  first_id: string | null;
  first_date: string | null;
  first_index: number | string | null;
  last_id: string | null;
  last_date: string | null;
  last_index: number | string | null;
  suspect_count: number | string;
}

/** The columns of `MeterRow`, of `meters m`. */
export const METER_FIELDS = sql`m.id, m.serial, m.digits, m.installed_on::text as installed_on,
  m.start_index, m.removed_on::text as removed_on`;

/** The columns of `SummaryRow`, of `reading_summaries y`. */
export const SUMMARY_FIELDS = sql`y.meter_key, y.seen_date::text as seen_date, y.first_id,
  y.first_date::text as first_date, y.first_index, y.last_id, y.last_date::text as last_date, y.last_index,
  y.suspect_count`;

/**
 * The history rows of one service point as its meters' summaries hold them: one per meter (one without a
 * meter when it has none), each with the summary of its key (the meter's id; 0 for readings taken without
 * a meter). Every reading, whatever its date; `historiesUpTo` bounds them.
 */
export function historyRowsOf(
  servicePointId: string,
  meters: MeterRow[],
  summaries: SummaryRow[],
): HistoryRow[] {
  const own: Array<MeterRow | null> = meters.length > 0 ? meters : [null];
  return own.map((m) => {
    const key = m === null ? 0 : Number(m.id);
    const y = summaries.find((s) => Number(s.meter_key) === key);
    return {
      service_point_id: servicePointId,
      meter_id: m === null ? null : key,
      serial: m?.serial ?? null,
      digits: m?.digits ?? null,
      installed_on: m?.installed_on ?? null,
      start_index: m === null ? 0 : Number(m.start_index),
      removed_on: m?.removed_on ?? null,
      first_date: y?.first_date ?? null,
      first_index: y?.first_index === null || y?.first_index === undefined ? null : Number(y.first_index),
      last_date: y?.last_date ?? null,
      last_index: y?.last_index === null || y?.last_index === undefined ? null : Number(y.last_index),
      single: y?.first_id && y.last_id ? y.first_id === y.last_id : null,
      seen_date: y?.seen_date ?? null,
    };
  });
}

/**
 * `historyRowsOf` for many service points (the existing ones among `ids`): their meters, then their
 * summaries (one probe per meter, never a read of `readings`), two statements.
 */
async function summaryHistoryRows(db: Runner, ids: RawBuilder<{ id: string }>): Promise<HistoryRow[]> {
  const meters = await sql<MeterRow & { sp: string }>`
    ${metersOf(ids)} select m.service_point_id as sp, ${METER_FIELDS} from m`.execute(db);
  const summaries = await sql<SummaryRow & { sp: string }>`
    select y.service_point_id as sp, ${SUMMARY_FIELDS}
      from reading_summaries y where y.service_point_id in (select id from (${ids}) s)`.execute(db);
  const bySp = new Map<string, { meters: MeterRow[]; summaries: SummaryRow[] }>();
  for (const m of meters.rows) {
    const e = bySp.get(m.sp) ?? { meters: [], summaries: [] };
    if (m.id !== null) e.meters.push(m);
    bySp.set(m.sp, e);
  }
  for (const y of summaries.rows) bySp.get(y.sp)?.summaries.push(y);
  return [...bySp].flatMap(([sp, e]) => historyRowsOf(sp, e.meters, e.summaries));
}

/** What a history is read up to: readings dated on or before `upTo`, leaving `excludeId` out. */
export interface HistoryBounds {
  upTo?: string;
  excludeId?: string;
}

/**
 * `historyRowsOf`'s rows made the histories up to a date: the service points with a reading dated
 * after it are read again from `readings` (`meterHistoriesQuery`), the others kept as their summaries give
 * them.
 */
export async function historiesUpTo(db: Runner, rows: HistoryRow[], upTo: string): Promise<HistoryRow[]> {
  const again = new Set<string>();
  for (const r of rows) if (r.seen_date !== null && r.seen_date > upTo) again.add(r.service_point_id);
  if (again.size === 0) return rows;
  const ids = sql<{ id: string }>`select u.id from unnest(${[...again]}::text[]) as u(id)`;
  const reread = (await meterHistoriesQuery(ids, { upTo }).execute(db)).rows;
  return [...rows.filter((r) => !again.has(r.service_point_id)), ...reread];
}

/** The date of the last reading of each service point (any meter, any status), for those that have one. */
export async function lastReadingDates(db: Runner, servicePointIds: string[]): Promise<Map<string, string>> {
  const res = await sql<{ id: string; last: string }>`
    select y.service_point_id as id, max(y.seen_date)::text as last
      from reading_summaries y where y.service_point_id = any(${servicePointIds}::text[])
     group by y.service_point_id
  `.execute(db);
  return new Map(res.rows.map((row) => [row.id, row.last]));
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
  /**
   * Its verdict when the caller checked it against a history it carries in memory (reference data's many
   * readings per service point); else it is checked against storage, up to its date.
   */
  plausibility?: Plausibility;
}

/** Refuses readings to check against storage that name one service point twice: each check assumes the others are not there. */
function assertOnePerServicePoint(readings: NewReading[]): void {
  const sps = readings.filter((r) => !r.plausibility).map((r) => r.servicePointId);
  if (new Set(sps).size !== sps.length)
    throw new Error("appendReadings: at most one per service point in a batch");
}

/**
 * The verdicts of SPEC §4 for readings about to be appended: given, or against each one's meter history up
 * to its date (a correction without the reading it replaces), one history query per distinct date.
 */
async function verdictsOf(trx: Trx, ctx: Context, readings: NewReading[]): Promise<Plausibility[]> {
  const groups = new Map<string, NewReading[]>();
  for (const r of readings) {
    if (r.plausibility) continue;
    const key = `${r.date}|${r.replacesId ?? ""}`;
    const same = groups.get(key);
    if (same) same.push(r);
    else groups.set(key, [r]);
  }
  const inputs = new Map<NewReading, PlausibilityInput>();
  for (const same of groups.values()) {
    const { date, replacesId } = same[0] as NewReading;
    const histories = await loadMeterHistories(
      trx,
      same.map((r) => r.servicePointId),
      { upTo: date, excludeId: replacesId },
    );
    for (const r of same)
      inputs.set(r, plausibilityInputOf(histories.get(r.servicePointId) ?? [], r.meterId));
  }
  return readings.map(
    (r) =>
      r.plausibility ??
      assessReading(
        inputs.get(r) as PlausibilityInput,
        { date: r.date, index: r.index },
        ctx.config.plausibility,
      ),
  );
}

/** The reading ids: the column default (migration 110), drawn in the statement that inserts the rows. */
const NEXT_READING_ID = sql<string>`'RDG-' || replace(format('%9s', nextval('reading_seq')), ' ', '0')`;

/**
 * The only insert into readings (one reading is a batch of one): each checked against its meter's history
 * (SPEC §4, see `verdictsOf`; at most one per service point unless its verdict is given), inserted in one
 * statement in the order given, a correction's `reading.corrected` event after; ids and verdicts in the
 * order given (matched by ordinal, see platform/batch.ts).
 */
export async function appendReadings(
  trx: Trx,
  ctx: Context,
  readings: NewReading[],
): Promise<Array<{ id: string; plausibility: Plausibility }>> {
  if (readings.length === 0) return [];
  assertOnePerServicePoint(readings);
  const verdicts = await verdictsOf(trx, ctx, readings);
  const values = withOrdinals(
    readings.map((r, k) => {
      const p = verdicts[k] as Plausibility;
      return {
        sp: r.servicePointId,
        meter: r.meterId,
        date: r.date,
        index: r.index,
        type: r.type,
        status: p.status,
        usage: p.usage,
        ulo: p.expected?.usage[0] ?? null,
        uhi: p.expected?.usage[1] ?? null,
        ilo: p.expected?.index[0] ?? null,
        ihi: p.expected?.index[1] ?? null,
        suggested: p.suggestedIndex,
        warnings: p.warnings,
        replaces: r.replacesId ?? null,
        reason: r.reason ?? null,
        key: r.importKey ?? null,
      };
    }),
  );
  const rows = await sql<{ i: number; id: string }>`
    with v as materialized (
      select r.*, ${NEXT_READING_ID} as id
        from jsonb_to_recordset(${JSON.stringify(values)}::jsonb)
             as r(i int, sp text, meter bigint, date date, index bigint, type text, status text, usage bigint,
                  ulo bigint, uhi bigint, ilo bigint, ihi bigint, suggested bigint, warnings text[],
                  replaces text, reason text, key text)),
    ins as (
      insert into readings (id, service_point_id, meter_id, reading_date, index_m3, type, status, usage_m3,
                            expected_usage_lo, expected_usage_hi, expected_index_lo, expected_index_hi,
                            suggested_index, warnings, replaces_id, reason, import_key, recorded_at, recorded_by,
                            entity)
      select v.id, v.sp, v.meter, v.date, v.index, v.type, v.status, v.usage, v.ulo, v.uhi, v.ilo, v.ihi,
             v.suggested, v.warnings, v.replaces, v.reason, v.key,
             ${ctx.now}::timestamptz, ${ctx.actor.user}::text, ${ctx.actor.entity}::text
        from v order by v.i
      returning id)
    select v.i, ins.id from ins join v on v.id = ins.id`.execute(trx);
  const ids = byOrdinal(rows.rows, readings.length).map((r) => r.id);
  for (const [k, r] of readings.entries())
    if (r.replacesId) await appendCorrectedEvent(trx, ctx, ids[k] as string, r.replacesId, r.reason ?? null);
  return ids.map((id, k) => ({ id, plausibility: verdicts[k] as Plausibility }));
}

/**
 * `reading.corrected` (SPEC §8) for a correction just appended: the replaced index and the new one, the
 * meter's serial, and the subscription whose start (MOVE_IN) or end (MOVE_OUT) the reading is.
 */
async function appendCorrectedEvent(
  trx: Trx,
  ctx: Context,
  id: string,
  replacesId: string,
  reason: string | null,
): Promise<void> {
  const row = await sql<{
    service_point_id: string;
    reading_date: string;
    type: string;
    before: number;
    index: number;
    serial: string | null;
    subscription: string | null;
  }>`
    select o.service_point_id, o.reading_date::text as reading_date, o.type, o.index_m3 as before,
           n.index_m3 as index, m.serial,
           (select s.id from subscriptions s
             where s.service_point_id = o.service_point_id
               and ((o.type = 'MOVE_IN' and s.start_date = o.reading_date)
                 or (o.type = 'MOVE_OUT' and s.end_date = o.reading_date))
             order by s.created_at desc limit 1) as subscription
      from readings n join readings o on o.id = n.replaces_id
      left join meters m on m.id = o.meter_id
     where n.id = ${id}`.execute(trx);
  const c = row.rows[0];
  if (!c) return;
  await appendEvents(trx, ctx, [
    {
      type: "reading.corrected",
      payload: {
        reading: id,
        replaces: replacesId,
        servicePoint: c.service_point_id,
        meter: c.serial,
        type: c.type,
        date: c.reading_date,
        before: Number(c.before),
        index: Number(c.index),
        reason,
        subscription: c.subscription,
      },
    },
  ]);
}

export async function readingById(trx: Trx, id: string) {
  return trx.selectFrom("reading_states").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The meter in place at a date: installed by then and not removed before; the latest installed wins a tie. */
export async function meterAt(trx: Runner, servicePointId: string, date: string) {
  return (
    (await trx
      .selectFrom("meters")
      .selectAll()
      .where("service_point_id", "=", servicePointId)
      .where((eb) => eb.or([eb("installed_on", "is", null), eb("installed_on", "<=", date)]))
      .where((eb) => eb.or([eb("removed_on", "is", null), eb("removed_on", ">=", date)]))
      .orderBy(sql`installed_on desc nulls last`)
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst()) ?? null
  );
}

export interface IndexAtDate {
  index: number;
  /** True when no reading of that day exists and the index comes from the readings around it (R10). */
  interpolated: boolean;
  /** The meter the index was read on (null for a service point without a known meter). */
  meterId: number | null;
  /** What the index comes from: the day's reading, the meter's installation, or the two readings around the date. */
  basis: { type: ReadingType | "INSTALLATION"; date: string; index: number }[];
}

/**
 * R7/R10: the meter's index at a date from its own history: a VALID reading of that day (a remote one
 * first), else the linear interpolation between the VALID readings around it (across a rollover when
 * the meter has one), rounded down to a whole m3, marked `interpolated`. Only the meter in place at that
 * date counts: a replaced meter's readings never mix with the new one's. Null when the date is not
 * surrounded by readings. `remoteOnly`: only remote readings (télérelève).
 */
export async function indexAtDate(
  trx: Runner,
  servicePointId: string,
  date: string,
  opts: { remoteOnly?: boolean } = {},
): Promise<IndexAtDate | null> {
  const meter = await meterAt(trx, servicePointId, date);
  const meterId = meter?.id ?? null;
  const base = () => {
    let q = trx
      .selectFrom("reading_states")
      .select(["reading_date as date", "index_m3 as index", "type"])
      .where("service_point_id", "=", servicePointId)
      .where("effective_status", "=", "VALID");
    q = meterId === null ? q.where("meter_id", "is", null) : q.where("meter_id", "=", meterId);
    if (opts.remoteOnly) q = q.where("type", "=", "REMOTE");
    return q;
  };
  const exact = await base()
    .where("reading_date", "=", date)
    .orderBy(sql`(type = 'REMOTE')`, "desc")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  if (exact) return { index: exact.index, interpolated: false, meterId, basis: [exact] };
  const install =
    meter && !opts.remoteOnly
      ? installationReading({ installedOn: meter.installed_on, startIndex: meter.start_index })
      : null;
  if (install && install.date === date) {
    return {
      index: install.index,
      interpolated: false,
      meterId,
      basis: [{ ...install, type: "INSTALLATION" }],
    };
  }
  const before =
    (await base()
      .where("reading_date", "<", date)
      .orderBy("reading_date", "desc")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst()) ??
    (install && install.date < date ? { ...install, type: "INSTALLATION" as const } : undefined);
  const after = await base()
    .where("reading_date", ">", date)
    .orderBy("reading_date", "asc")
    .orderBy("id", "asc")
    .limit(1)
    .executeTakeFirst();
  if (!before || !after) return null;
  return {
    index: interpolate(before, after, date, meter?.digits ?? null),
    interpolated: true,
    meterId,
    basis: [before, after],
  };
}

/** Linear interpolation between two dated indexes of one meter, rounded down to a whole m3 (R10); across a rollover when `digits` says so. */
export function interpolate(
  a: DatedIndex,
  b: DatedIndex,
  date: string,
  digits: number | null = null,
): number {
  const span = Date.parse(b.date) - Date.parse(a.date);
  if (span <= 0) return a.index;
  const t = (Date.parse(date) - Date.parse(a.date)) / span;
  const usage = meterUsage(a.index, b.index, digits);
  const value = Math.floor(a.index + usage * t);
  return digits && value >= 10 ** digits ? value - 10 ** digits : value;
}

/** The meters of the given service points, or one without a meter for a service point that has none. */
const metersOf = (servicePoints: RawBuilder<{ id: string }>) => sql`
    with s as (${servicePoints}),
    m as (
      select x.id, sp.id as service_point_id, x.serial, x.digits, x.installed_on, coalesce(x.start_index, 0) as start_index,
             x.removed_on
        from s join service_points sp on sp.id = s.id left join meters x on x.service_point_id = sp.id
    )`;

const METER_COLUMNS = sql`m.service_point_id, m.id as meter_id, m.serial, m.digits,
  m.installed_on::text as installed_on, m.start_index, m.removed_on::text as removed_on`;

/**
 * The rows of `historyRowsOf` read from `readings` itself, within bounds (up to a date, leaving a
 * reading out), which the summaries cannot answer.
 */
function meterHistoriesQuery(servicePoints: RawBuilder<{ id: string }>, opts: HistoryBounds) {
  const upTo = opts.upTo ? sql`and r.reading_date <= ${opts.upTo}::date` : sql``;
  const exclude = opts.excludeId ? sql`and r.id <> ${opts.excludeId}` : sql``;
  const same = sql`r.service_point_id = m.service_point_id and r.meter_id is not distinct from m.id ${upTo} ${exclude}`;
  // Readings are partitioned by month (migration 900): the first and last VALID readings are bounded by
  // `sd.seen`, so that PostgreSQL skips, at execution, the partitions after it (docs/performance.md). Safe:
  // `sd.seen` is the latest of the rows `same` selects and those readings are among them, so they are dated
  // on or before it (none when it is null, and `<= null` selects none either).
  return sql<HistoryRow>`
    ${metersOf(servicePoints)}
    select ${METER_COLUMNS},
           f.reading_date::text as first_date, f.index_m3 as first_index,
           l.reading_date::text as last_date, l.index_m3 as last_index, (f.id = l.id) as single,
           sd.seen::text as seen_date
      from m
      cross join lateral (select max(r.reading_date) as seen from readings r where ${same}) sd
      left join lateral (select r.id, r.reading_date, r.index_m3 from readings r
                          where ${same} and r.reading_date <= sd.seen and ${VALID_NOW}
                          order by r.reading_date, r.id limit 1) f on true
      left join lateral (select r.id, r.reading_date, r.index_m3 from readings r
                          where ${same} and r.reading_date <= sd.seen and ${VALID_NOW}
                          order by r.reading_date desc, r.id desc limit 1) l on true
  `;
}

/** The histories of `meterHistoriesQuery`'s rows, by service point. */
export function meterHistoriesFromRows(rows: HistoryRow[]): Map<string, MeterHistory[]> {
  const out = new Map<string, MeterHistory[]>();
  for (const row of rows) {
    const first = row.first_date !== null ? { date: row.first_date, index: Number(row.first_index) } : null;
    const last = row.last_date !== null ? { date: row.last_date, index: Number(row.last_index) } : null;
    const h = meterHistory(
      {
        meterId: row.meter_id === null ? null : Number(row.meter_id),
        serial: row.serial,
        digits: row.digits,
        installedOn: row.installed_on,
        startIndex: Number(row.start_index),
        removedOn: row.removed_on,
      },
      first,
      last,
      first ? (row.single ? 1 : 2) : 0,
      row.seen_date,
    );
    const list = out.get(row.service_point_id) ?? [];
    list.push(h);
    out.set(row.service_point_id, list);
  }
  return out;
}

/** The plausibility input for a meter's next reading, from its service point's histories (none: empty). */
export function plausibilityInputOf(histories: MeterHistory[], meterId: number | null): PlausibilityInput {
  const h = histories.find((x) => x.meterId === meterId);
  if (!h) return { first: null, previous: null, validCount: 0 };
  return plausibilityInput(h, replacedMeter(h, histories));
}
