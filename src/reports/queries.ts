/** R13, Pilotage: supervisors' reports. Queries only; the API adds pages and CSV (csv.ts). */
import type { Kysely } from "kysely";
import { sql } from "kysely";
import { addDays, startOfDay } from "../platform/dates.js";
import type { CaseStatus, CaseType, DB } from "../platform/schema.js";
import {
  caseCounts,
  foldCaseCounts,
  foldSubscriptionCounts,
  subscriptionCount,
  subscriptionCountsBySource,
} from "./counts.js";
import { CSV_BATCH, keysetBatches } from "./csv.js";

export interface Period {
  /** First calendar day included (YYYY-MM-DD). */
  from?: string | undefined;
  /** Last calendar day included (YYYY-MM-DD). */
  to?: string | undefined;
}

export interface Page {
  limit?: number | undefined;
  offset?: number | undefined;
}

/** Rows a report returns when no limit is given (the scenario dump relies on "all of a small run"). */
export const DEFAULT_REPORT_LIMIT = 1000;

/**
 * The instants that bound a period of Europe/Paris days: from the start of its first day (included) to the
 * start of the day after its last (excluded). A range on the timestamp itself, which its index serves.
 */
export function periodInstants(p: Period): { since?: Date; before?: Date } {
  return {
    ...(p.from ? { since: startOfDay(p.from) } : {}),
    ...(p.to ? { before: startOfDay(addDays(p.to, 1)) } : {}),
  };
}

export interface IntermediateFilter extends Period, Page {
  servicePoint?: string | undefined;
  /** Part of the owner's name, case-insensitive. */
  owner?: string | undefined;
  entity?: string | undefined;
}

/**
 * The findings the report lists, filtered on their own columns or through EXISTS, so that the total reads
 * only what its filters need (the rows' joins follow not-null foreign keys: they never drop a finding).
 */
function intermediateFindings(db: Kysely<DB>, p: IntermediateFilter) {
  // R9: the report reads the findings (not the comments' text); a finding withdrawn by R16 has left it.
  let q = db.selectFrom("intermediate_consumptions as ic").where("ic.withdrawn_at", "is", null);
  if (p.from) q = q.where("ic.to_date", ">=", p.from);
  if (p.to) q = q.where("ic.to_date", "<=", p.to);
  if (p.servicePoint) q = q.where("ic.service_point_id", "=", p.servicePoint);
  const { entity, owner } = p;
  // The finding's copy of its case's entity (migration 512), which the (entity, to_date) index serves.
  if (entity) q = q.where("ic.entity", "=", entity);
  if (owner)
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom("service_points as fsp")
          .select("fsp.id")
          .whereRef("fsp.id", "=", "ic.service_point_id")
          .where("fsp.owner_name", "ilike", `%${owner.replace(/[\\%_]/g, (c) => `\\${c}`)}%`),
      ),
    );
  return q;
}

function intermediateRows(db: Kysely<DB>, p: IntermediateFilter) {
  return intermediateFindings(db, p)
    .innerJoin("service_points as sp", "sp.id", "ic.service_point_id")
    .innerJoin("subscriptions as s", "s.id", "ic.subscription_id")
    .select([
      "ic.service_point_id as servicePoint",
      "sp.address",
      "sp.owner_name as owner",
      "ic.case_id as case",
      "ic.entity",
      "ic.from_date as from",
      "ic.from_index as fromIndex",
      "ic.to_date as to",
      "ic.to_index as toIndex",
      "ic.volume",
      "s.id as subscription",
      "s.start_date as startDate",
      "s.start_index as startIndex",
    ])
    .orderBy("ic.to_date", "desc")
    .orderBy("ic.case_id");
}

type IntermediateRow = Awaited<ReturnType<ReturnType<typeof intermediateRows>["execute"]>>[number];

const intermediateView = (r: IntermediateRow) => ({
  servicePoint: r.servicePoint,
  address: r.address,
  owner: r.owner,
  case: r.case,
  entity: r.entity,
  predecessorTermination: { date: r.from, index: r.fromIndex },
  newStart: { date: r.startDate, index: r.startIndex },
  subscription: r.subscription,
  volume: r.volume,
  from: r.from,
  to: r.to,
});

/** R13/R9: every service point where the proof showed consumption between two occupants. */
export async function intermediateConsumption(db: Kysely<DB>, p: IntermediateFilter = {}) {
  const rows = await intermediateRows(db, p)
    .limit(p.limit ?? DEFAULT_REPORT_LIMIT)
    .offset(p.offset ?? 0)
    .execute();
  return rows.map(intermediateView);
}

/** The whole report in the same order, batch after batch, each batch read from where the last one ended (CSV). */
export function intermediateConsumptionBatches(db: Kysely<DB>, p: IntermediateFilter = {}, size = CSV_BATCH) {
  return keysetBatches(
    async (after: { to: string; case: string } | undefined, limit) => {
      let q = intermediateRows(db, p);
      if (after)
        q = q.where((eb) =>
          eb.and([
            eb("ic.to_date", "<=", after.to),
            eb.or([eb("ic.to_date", "<", after.to), eb("ic.case_id", ">", after.case)]),
          ]),
        );
      return (await q.limit(limit).execute()).map(intermediateView);
    },
    (r) => ({ to: r.to, case: r.case }),
    size,
  );
}

/**
 * One page of the report as the API serves it: the page's rows, how many rows the report has and the volume
 * of all of them (the console's total covers the whole filter, not the page).
 */
export async function intermediateConsumptionPage(db: Kysely<DB>, p: IntermediateFilter) {
  const sums = await intermediateFindings(db, p)
    .select((eb) => [
      eb.fn.countAll<number>().as("n"),
      eb.fn.coalesce(eb.fn.sum<number>("ic.volume"), eb.lit(0)).as("volume"),
    ])
    .executeTakeFirstOrThrow();
  return { total: Number(sums.n), volume: Number(sums.volume), items: await intermediateConsumption(db, p) };
}

export async function countIntermediateConsumption(
  db: Kysely<DB>,
  p: IntermediateFilter = {},
): Promise<number> {
  const r = await intermediateFindings(db, p)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export interface CasesFilter extends Period {
  entity?: string | undefined;
  type?: CaseType | undefined;
  status?: CaseStatus | undefined;
}

/**
 * R13: cases created per entity, type and status over a period (Europe/Paris days), from the kept counts.
 * `primary` folds the pending changes (a write) when `db` is a read replica; the count is exact either way.
 */
export async function casesByEntity(db: Kysely<DB>, p: CasesFilter = {}, primary: Kysely<DB> = db) {
  await foldCaseCounts(primary);
  return caseCounts(db, p);
}

export interface NewCustomersFilter extends Period, Page {
  entity?: string | undefined;
  source?: string | undefined;
}

/** Who set a subscription up for the scenario's initial state (`given`): not a new customer. */
const GIVEN_BY = "given";

function newCustomersRows(db: Kysely<DB>, p: NewCustomersFilter) {
  const { since, before } = periodInstants(p);
  let q = db
    .selectFrom("subscriptions as s")
    .innerJoin("parties as p", "p.id", "s.party_id")
    .innerJoin("service_points as sp", "sp.id", "s.service_point_id")
    .where("s.created_by", "!=", GIVEN_BY);
  if (since) q = q.where("s.created_at", ">=", since);
  if (before) q = q.where("s.created_at", "<", before);
  if (p.entity) q = q.where("s.entity", "=", p.entity);
  if (p.source) q = q.where("s.start_source", "=", p.source as never);
  return q
    .select([
      "s.id as subscription",
      "p.id as party",
      "p.name",
      "s.service_point_id as servicePoint",
      "sp.address",
      "s.start_date as startDate",
      "s.start_index as startIndex",
      "s.start_source as source",
      "s.entity",
      "s.case_id as case",
      "s.created_at as createdAt",
    ])
    .orderBy("s.created_at", "desc")
    .orderBy("s.id");
}

/** R13: new customers: subscriptions set up over a period, with how their start was decided. */
export async function newCustomers(db: Kysely<DB>, p: NewCustomersFilter = {}) {
  return newCustomersRows(db, p)
    .limit(p.limit ?? DEFAULT_REPORT_LIMIT)
    .offset(p.offset ?? 0)
    .execute();
}

/** The whole report in the same order, batch after batch, each batch read from where the last one ended (CSV). */
export function newCustomersBatches(db: Kysely<DB>, p: NewCustomersFilter = {}, size = CSV_BATCH) {
  return keysetBatches(
    async (after: { at: string; subscription: string } | undefined, limit) => {
      // The key carries the timestamp as PostgreSQL writes it: microseconds, which a Date would round.
      let q = newCustomersRows(db, p).select(sql<string>`s.created_at::text`.as("key"));
      if (after) {
        const at = sql<Date>`${after.at}::timestamptz`;
        q = q.where((eb) =>
          eb.and([
            eb("s.created_at", "<=", at),
            eb.or([eb("s.created_at", "<", at), eb("s.id", ">", after.subscription)]),
          ]),
        );
      }
      return q.limit(limit).execute();
    },
    (r) => ({ at: r.key, subscription: r.subscription }),
    size,
  );
}

/** How many rows the new customers report has (its total), from the kept counts. */
export async function countNewCustomers(
  db: Kysely<DB>,
  p: NewCustomersFilter = {},
  primary: Kysely<DB> = db,
): Promise<number> {
  await foldSubscriptionCounts(primary);
  return subscriptionCount(db, { from: p.from, to: p.to, entity: p.entity, source: p.source, given: false });
}

/** One page of the report as the API serves it: the page's rows, how many rows it has, and how many per source. */
export async function newCustomersPage(db: Kysely<DB>, p: NewCustomersFilter, primary: Kysely<DB> = db) {
  const items = await newCustomers(db, p);
  const total = await countNewCustomers(db, p, primary);
  const bySource = (
    await subscriptionCountsBySource(db, { from: p.from, to: p.to, entity: p.entity, given: false })
  ).filter((r) => !p.source || r.source === p.source);
  return { items, total, bySource };
}
