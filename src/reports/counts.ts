/**
 * R13 counts read from the summaries of migration 510 (case_counts, subscription_counts): a few rows per
 * Europe/Paris day instead of every case or subscription. Triggers append each write's net change to a
 * *_changes table; `fold*` moves those into the counts; reads add counts and pending changes, so they are
 * exact whether or not a fold ran. Storage only: which rows a report counts is decided in queries.ts.
 */
import type { Kysely } from "kysely";
import { sql } from "kysely";
import type { CaseStatus, CaseType, DB } from "../platform/schema.js";

/** A day bucket's bounds (YYYY-MM-DD, both included), or none. */
export interface DayRange {
  from?: string | undefined;
  to?: string | undefined;
}

const dayRange = (r: DayRange) =>
  sql.join(
    [
      sql`true`,
      ...(r.from ? [sql`day >= ${r.from}::date`] : []),
      ...(r.to ? [sql`day <= ${r.to}::date`] : []),
    ],
    sql` and `,
  );

/** A summary table of migration 510, the table its triggers append changes to, and its key columns. */
const CASE_COUNTS = {
  counts: "case_counts",
  changes: "case_count_changes",
  keys: ["day", "entity", "type", "status"],
} as const;
const SUBSCRIPTION_COUNTS = {
  counts: "subscription_counts",
  changes: "subscription_count_changes",
  keys: ["day", "entity", "start_source", "given"],
} as const;

/**
 * Moves a summary's pending changes into its counts, in one statement. Rows locked by a concurrent fold
 * are skipped (they are that fold's); keys are upserted in order, so two folds never deadlock.
 */
async function fold(db: Kysely<DB>, s: typeof CASE_COUNTS | typeof SUBSCRIPTION_COUNTS): Promise<void> {
  const keys = sql.join(s.keys.map((k) => sql.ref(k)));
  const changes = sql.table(s.changes);
  const counts = sql.table(s.counts);
  await sql`
    with moved as (
      delete from ${changes}
       where ctid = any(array(select ctid from ${changes} for update skip locked))
      returning ${keys}, n)
    insert into ${counts} (${keys}, n)
    select ${keys}, sum(n) from moved group by ${keys} order by ${keys}
    on conflict (${keys}) do update set n = ${sql.ref(`${s.counts}.n`)} + excluded.n`.execute(db);
}

/** Moves the pending case count changes into case_counts (see `fold`). */
export const foldCaseCounts = (db: Kysely<DB>): Promise<void> => fold(db, CASE_COUNTS);

/** Moves the pending subscription count changes into subscription_counts (see `fold`). */
export const foldSubscriptionCounts = (db: Kysely<DB>): Promise<void> => fold(db, SUBSCRIPTION_COUNTS);

export interface CaseCountFilter extends DayRange {
  entity?: string | undefined;
  type?: CaseType | undefined;
  status?: CaseStatus | undefined;
}

/** Cases per entity, type and status created on the days of the range; keys with no case left out. */
export async function caseCounts(db: Kysely<DB>, f: CaseCountFilter) {
  const where = sql.join(
    [
      dayRange(f),
      ...(f.entity ? [sql`entity = ${f.entity}`] : []),
      ...(f.type ? [sql`type = ${f.type}`] : []),
      ...(f.status ? [sql`status = ${f.status}`] : []),
    ],
    sql` and `,
  );
  const r = await sql<{ entity: string; type: CaseType; status: CaseStatus; count: number }>`
    select entity, type, status, sum(n)::int as count
      from (select entity, type, status, n from case_counts where ${where}
            union all
            select entity, type, status, n from case_count_changes where ${where}) x
     group by entity, type, status
    having sum(n) <> 0
     order by entity, type, status`.execute(db);
  return r.rows;
}

export interface SubscriptionCountFilter extends DayRange {
  entity?: string | undefined;
  source?: string | undefined;
  given?: boolean | undefined;
}

/** How many subscriptions were created on the days of the range, with the given entity, source and origin. */
export async function subscriptionCount(db: Kysely<DB>, f: SubscriptionCountFilter): Promise<number> {
  const where = sql.join(
    [
      dayRange(f),
      ...(f.entity ? [sql`entity = ${f.entity}`] : []),
      ...(f.source ? [sql`start_source = ${f.source}`] : []),
      ...(f.given === undefined ? [] : [sql`given = ${f.given}`]),
    ],
    sql` and `,
  );
  const r = await sql<{ n: string | number | null }>`
    select sum(n) as n
      from (select n from subscription_counts where ${where}
            union all
            select n from subscription_count_changes where ${where}) x`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/** Subscriptions created on the days of the range, per start source (the new customers' chart, whatever the page). */
export async function subscriptionCountsBySource(
  db: Kysely<DB>,
  f: Omit<SubscriptionCountFilter, "source">,
): Promise<Array<{ source: string; count: number }>> {
  const where = sql.join(
    [
      dayRange(f),
      ...(f.entity ? [sql`entity = ${f.entity}`] : []),
      ...(f.given === undefined ? [] : [sql`given = ${f.given}`]),
    ],
    sql` and `,
  );
  const r = await sql<{ source: string; count: number }>`
    select start_source as source, sum(n)::int as count
      from (select start_source, n from subscription_counts where ${where}
            union all
            select start_source, n from subscription_count_changes where ${where}) x
     group by start_source
    having sum(n) <> 0
     order by count desc, start_source`.execute(db);
  return r.rows;
}
