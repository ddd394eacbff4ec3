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

/**
 * Moves the pending case count changes into case_counts, in one statement. Rows locked by a concurrent
 * fold are skipped (they are that fold's); keys are upserted in order, so two folds never deadlock.
 */
export async function foldCaseCounts(db: Kysely<DB>): Promise<void> {
  await sql`
    with moved as (
      delete from case_count_changes
       where ctid = any(array(select ctid from case_count_changes for update skip locked))
      returning day, entity, type, status, n)
    insert into case_counts (day, entity, type, status, n)
    select day, entity, type, status, sum(n) from moved
     group by day, entity, type, status order by day, entity, type, status
    on conflict (day, entity, type, status) do update set n = case_counts.n + excluded.n`.execute(db);
}

/** Same as foldCaseCounts, for subscription_counts. */
export async function foldSubscriptionCounts(db: Kysely<DB>): Promise<void> {
  await sql`
    with moved as (
      delete from subscription_count_changes
       where ctid = any(array(select ctid from subscription_count_changes for update skip locked))
      returning day, entity, start_source, given, n)
    insert into subscription_counts (day, entity, start_source, given, n)
    select day, entity, start_source, given, sum(n) from moved
     group by day, entity, start_source, given order by day, entity, start_source, given
    on conflict (day, entity, start_source, given) do update set n = subscription_counts.n + excluded.n`.execute(
    db,
  );
}

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
