/** R13, Pilotage: supervisors' reports. Queries only; the API adds pages and CSV (csv.ts). */
import type { Kysely } from "kysely";
import { sql } from "kysely";
import { R9_COMMENT } from "../move-in/wording.js";
import type { CaseStatus, CaseType, DB } from "../platform/schema.js";

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

/** A timestamp's calendar day in Europe/Paris, as the reports' periods count days. */
const parisDay = (column: string) => sql<string>`(${sql.ref(column)} at time zone 'Europe/Paris')::date`;

export interface IntermediateFilter extends Period, Page {
  servicePoint?: string | undefined;
  /** Part of the owner's name, case-insensitive. */
  owner?: string | undefined;
  entity?: string | undefined;
}

function intermediateQuery(db: Kysely<DB>, p: IntermediateFilter) {
  let q = db
    .selectFrom("intermediate_consumptions as ic")
    .innerJoin("service_points as sp", "sp.id", "ic.service_point_id")
    .innerJoin("subscriptions as s", "s.id", "ic.subscription_id")
    .innerJoin("cases as c", "c.id", "ic.case_id")
    // The report finds the cases by their R9 comment, as the procedure's Pilotage query does.
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom("case_comments as cc")
          .select("cc.id")
          .whereRef("cc.case_id", "=", "ic.case_id")
          .where("cc.body", "=", R9_COMMENT),
      ),
    );
  if (p.from) q = q.where("ic.to_date", ">=", p.from);
  if (p.to) q = q.where("ic.to_date", "<=", p.to);
  if (p.servicePoint) q = q.where("ic.service_point_id", "=", p.servicePoint);
  if (p.entity) q = q.where("c.entity", "=", p.entity);
  if (p.owner) q = q.where("sp.owner_name", "ilike", `%${p.owner.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  return q;
}

/** R13/R9: every service point where the proof showed consumption between two occupants. */
export async function intermediateConsumption(db: Kysely<DB>, p: IntermediateFilter = {}) {
  const rows = await intermediateQuery(db, p)
    .select([
      "ic.service_point_id as servicePoint",
      "sp.address",
      "sp.owner_name as owner",
      "ic.case_id as case",
      "c.entity",
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
    .orderBy("ic.case_id")
    .limit(p.limit ?? DEFAULT_REPORT_LIMIT)
    .offset(p.offset ?? 0)
    .execute();
  return rows.map((r) => ({
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
  }));
}

export async function countIntermediateConsumption(
  db: Kysely<DB>,
  p: IntermediateFilter = {},
): Promise<number> {
  const r = await intermediateQuery(db, p)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export interface CasesFilter extends Period {
  entity?: string | undefined;
  type?: CaseType | undefined;
  status?: CaseStatus | undefined;
}

/** R13: cases created per entity, type and status over a period (Europe/Paris days). */
export async function casesByEntity(db: Kysely<DB>, p: CasesFilter = {}) {
  let q = db
    .selectFrom("cases")
    .select(["entity", "type", "status", sql<number>`count(*)::int`.as("count")])
    .groupBy(["entity", "type", "status"]);
  if (p.from) q = q.where(sql<boolean>`${parisDay("created_at")} >= ${p.from}::date`);
  if (p.to) q = q.where(sql<boolean>`${parisDay("created_at")} <= ${p.to}::date`);
  if (p.entity) q = q.where("entity", "=", p.entity);
  if (p.type) q = q.where("type", "=", p.type);
  if (p.status) q = q.where("status", "=", p.status);
  return q.orderBy("entity").orderBy("type").orderBy("status").execute();
}

export interface NewCustomersFilter extends Period, Page {
  entity?: string | undefined;
  source?: string | undefined;
}

function newCustomersQuery(db: Kysely<DB>, p: NewCustomersFilter) {
  let q = db
    .selectFrom("subscriptions as s")
    .innerJoin("parties as p", "p.id", "s.party_id")
    .innerJoin("service_points as sp", "sp.id", "s.service_point_id")
    .where("s.created_by", "!=", "given");
  if (p.from) q = q.where(sql<boolean>`${parisDay("s.created_at")} >= ${p.from}::date`);
  if (p.to) q = q.where(sql<boolean>`${parisDay("s.created_at")} <= ${p.to}::date`);
  if (p.entity) q = q.where("s.entity", "=", p.entity);
  if (p.source) q = q.where("s.start_source", "=", p.source as never);
  return q;
}

/** R13: new customers: subscriptions set up over a period, with how their start was decided. */
export async function newCustomers(db: Kysely<DB>, p: NewCustomersFilter = {}) {
  return newCustomersQuery(db, p)
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
    .orderBy("s.id")
    .limit(p.limit ?? DEFAULT_REPORT_LIMIT)
    .offset(p.offset ?? 0)
    .execute();
}

export async function countNewCustomers(db: Kysely<DB>, p: NewCustomersFilter = {}): Promise<number> {
  const r = await newCustomersQuery(db, p)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
