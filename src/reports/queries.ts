/** R13, Pilotage: supervisors' reports. Queries only; the API adds filters, pages and CSV. */
import type { Kysely } from "kysely";
import { sql } from "kysely";
import type { DB } from "../platform/schema.js";
import { R9_COMMENT } from "../move-in/wording.js";

export interface Period {
  from?: string | undefined;
  to?: string | undefined;
}

export interface Page {
  limit?: number | undefined;
  offset?: number | undefined;
}

/** R13/R9: every service point where the proof showed consumption between two occupants. */
export async function intermediateConsumption(db: Kysely<DB>, p: Period & Page & { servicePoint?: string } = {}) {
  let q = db
    .selectFrom("intermediate_consumptions as ic")
    .innerJoin("service_points as sp", "sp.id", "ic.service_point_id")
    .innerJoin("subscriptions as s", "s.id", "ic.subscription_id")
    .innerJoin("cases as c", "c.id", "ic.case_id")
    // The report finds the cases by their R9 comment, as the procedure's Pilotage query does.
    .where(({ exists, selectFrom }) =>
      exists(selectFrom("case_comments as cc").select("cc.id").whereRef("cc.case_id", "=", "ic.case_id").where("cc.body", "=", R9_COMMENT)),
    )
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
    ]);
  if (p.from) q = q.where("ic.to_date", ">=", p.from);
  if (p.to) q = q.where("ic.to_date", "<=", p.to);
  if (p.servicePoint) q = q.where("ic.service_point_id", "=", p.servicePoint);
  const rows = await q
    .orderBy("ic.to_date", "desc")
    .orderBy("ic.case_id")
    .limit(p.limit ?? 1000)
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

/** R13: cases created per entity, type and status over a period (Europe/Paris days). */
export async function casesByEntity(db: Kysely<DB>, p: Period & { entity?: string } = {}) {
  let q = db
    .selectFrom("cases")
    .select(["entity", "type", "status", sql<number>`count(*)::int`.as("count")])
    .groupBy(["entity", "type", "status"]);
  if (p.from) q = q.where(sql<boolean>`(created_at at time zone 'Europe/Paris')::date >= ${p.from}::date`);
  if (p.to) q = q.where(sql<boolean>`(created_at at time zone 'Europe/Paris')::date <= ${p.to}::date`);
  if (p.entity) q = q.where("entity", "=", p.entity);
  return q.orderBy("entity").orderBy("type").orderBy("status").execute();
}

/** R13: new customers: subscriptions set up over a period, with how their start was decided. */
export async function newCustomers(db: Kysely<DB>, p: Period & Page & { entity?: string } = {}) {
  let q = db
    .selectFrom("subscriptions as s")
    .innerJoin("parties as p", "p.id", "s.party_id")
    .innerJoin("service_points as sp", "sp.id", "s.service_point_id")
    .where("s.created_by", "!=", "given")
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
    ]);
  if (p.from) q = q.where(sql<boolean>`(s.created_at at time zone 'Europe/Paris')::date >= ${p.from}::date`);
  if (p.to) q = q.where(sql<boolean>`(s.created_at at time zone 'Europe/Paris')::date <= ${p.to}::date`);
  if (p.entity) q = q.where("s.entity", "=", p.entity);
  return q
    .orderBy("s.created_at", "desc")
    .orderBy("s.id")
    .limit(p.limit ?? 1000)
    .offset(p.offset ?? 0)
    .execute();
}
