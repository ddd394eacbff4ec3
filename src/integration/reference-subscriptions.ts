/**
 * Subscriptions from the CIS (SPEC §8), keyed by the CIS's subscription id; their customers by the CIS's
 * customer id. A new subscription enters with its start (and end, when it has ended) as MOVE_IN /
 * MOVE_OUT readings; an end that appears on a later load is a move-out, with the effects of `moveOut`
 * (endSubscription: the MOVE_OUT reading, the audit entry, `subscription.ended`). A start, an end, a
 * holder or a service point already recorded is never rewritten (FACT_ALREADY_DECIDED); a name, an
 * email, a postal address or tags are kept up to date.
 */
import { sql } from "kysely";
import { endSubscription, overlapRefusal } from "../move-in/store.js";
import { type AuditEntry, auditAll } from "../platform/audit.js";
import type { Context } from "../platform/context.js";
import { frenchDate } from "../platform/dates.js";
import { EcartError, ErrorCode } from "../platform/errors.js";
import { appendHistory, type HistoryReading } from "./history.js";
import {
  decided,
  decisionOrder,
  lockServicePoints,
  type RowResult,
  type Trx,
  unknownServicePoint,
} from "./reference-common.js";
import type { SubscriptionRow } from "./rows.js";

interface SubState {
  id: string;
  service_point_id: string;
  party_id: string;
  start_date: string;
  start_index: number;
  end_date: string | null;
  end_index: number | null;
  tags: string[];
}

interface PartyState {
  name: string;
  email: string | null;
  postal_address: string | null;
  isNew: boolean;
  dirty: boolean;
}

/** A period [start, end) of a service point (an open one runs on). */
interface Period {
  id: string;
  start_date: string;
  end_date: string | null;
}

const overlaps = (a: Period, start: string, end: string | null) =>
  (end === null || a.start_date < end) && (a.end_date === null || start < a.end_date);

const sameTags = (a: string[], b: string[]) => a.length === b.length && a.every((t, i) => t === b[i]);

/** Subscriptions: see the module comment. */
export async function applySubscriptions(
  trx: Trx,
  ctx: Context,
  rows: SubscriptionRow[],
): Promise<RowResult[]> {
  const points = await lockServicePoints(
    trx,
    rows.map((r) => r.servicePoint),
  );
  const subIds = [...new Set(rows.map((r) => r.subscription))];
  // One statement after the other: a transaction runs one at a time.
  const subs = await sql<SubState>`
    select id, service_point_id, party_id, start_date::text as start_date, start_index, end_date::text as end_date,
           end_index, tags
      from subscriptions where id = any(${subIds}::text[])`.execute(trx);
  const periods = await sql<Period & { service_point_id: string }>`
    select id, service_point_id, start_date::text as start_date, end_date::text as end_date
      from subscriptions where service_point_id = any(${[...points.keys()]}::text[])`.execute(trx);
  const parties = await sql<{
    id: string;
    name: string;
    email: string | null;
    postal_address: string | null;
  }>`
    select id, name, email, postal_address from parties
     where id = any(${[...new Set(rows.map((r) => r.customer))]}::text[])`.execute(trx);
  const subOf = new Map(
    subs.rows.map((s) => [
      s.id,
      {
        ...s,
        start_index: Number(s.start_index),
        end_index: s.end_index === null ? null : Number(s.end_index),
      },
    ]),
  );
  const periodsOf = new Map<string, Period[]>();
  for (const p of periods.rows) {
    const list = periodsOf.get(p.service_point_id) ?? [];
    list.push(p);
    periodsOf.set(p.service_point_id, list);
  }
  const partyOf = new Map<string, PartyState>(
    parties.rows.map((p) => [p.id, { ...p, isNew: false, dirty: false }]),
  );
  const moveOuts: Array<{ sub: SubState; end: { date: string; index: number } }> = [];
  const inserts: SubscriptionRow[] = [];
  const tagChanges: SubState[] = [];
  const audits: AuditEntry[] = [];
  const results: RowResult[] = new Array(rows.length);

  for (const i of decisionOrder(rows, (r) => subOf.has(r.subscription))) {
    const r = rows[i] as SubscriptionRow;
    const sp = points.get(r.servicePoint);
    if (!sp) {
      results[i] = unknownServicePoint(r.servicePoint);
      continue;
    }
    const sub = subOf.get(r.subscription);
    const refusal = sub ? checkExisting(r, sub) : checkNew(r, periodsOf.get(r.servicePoint) ?? []);
    if (refusal) {
      results[i] = refusal;
      continue;
    }
    // The customer: created, or kept up to date (a name, an email, an address are no decided facts).
    let changed = false;
    const party = partyOf.get(r.customer);
    if (!party) {
      partyOf.set(r.customer, {
        name: r.customerName,
        email: r.email ?? null,
        postal_address: r.postalAddress ?? sp.address,
        isNew: true,
        dirty: false,
      });
    } else {
      const next = {
        name: r.customerName,
        email: r.email === undefined ? party.email : r.email,
        postal_address:
          r.postalAddress === undefined ? party.postal_address : (r.postalAddress ?? sp.address),
      };
      if (
        next.name !== party.name ||
        next.email !== party.email ||
        next.postal_address !== party.postal_address
      ) {
        Object.assign(party, next);
        party.dirty = !party.isNew;
        changed = true;
      }
    }
    if (!sub) {
      inserts.push(r);
      const list = periodsOf.get(r.servicePoint) ?? [];
      list.push({ id: r.subscription, start_date: r.startDate, end_date: r.endDate });
      periodsOf.set(r.servicePoint, list);
      subOf.set(r.subscription, {
        id: r.subscription,
        service_point_id: r.servicePoint,
        party_id: r.customer,
        start_date: r.startDate,
        start_index: r.startIndex,
        end_date: r.endDate,
        end_index: r.endIndex,
        tags: r.tags ?? [],
      });
      results[i] = "INSERTED";
      continue;
    }
    if (sub.end_date === null && r.endDate !== null) {
      const end = { date: r.endDate, index: r.endIndex as number };
      moveOuts.push({ sub: { ...sub }, end });
      sub.end_date = end.date;
      sub.end_index = end.index;
      const period = periodsOf.get(r.servicePoint)?.find((p) => p.id === sub.id);
      if (period) period.end_date = end.date;
      changed = true;
    }
    if (r.tags !== undefined && !sameTags(r.tags, sub.tags)) {
      audits.push({
        action: "subscription.tags_changed",
        objectType: "subscription",
        objectId: sub.id,
        details: { before: sub.tags, after: r.tags },
      });
      sub.tags = r.tags;
      if (!tagChanges.includes(sub)) tagChanges.push(sub);
      changed = true;
    }
    results[i] = changed ? "UPDATED" : "UNCHANGED";
  }

  await writeParties(trx, ctx, partyOf);
  // Move-outs first: a subscription that follows one ending in this batch starts after its end.
  for (const m of moveOuts) await endSubscription(trx, ctx, m.sub, m.end);
  if (inserts.length > 0) {
    const col = <T>(f: (r: SubscriptionRow) => T) => inserts.map(f);
    await sql`
      insert into subscriptions (id, service_point_id, party_id, start_date, start_index, start_source, end_date,
                                 end_index, tags, case_id, created_at, created_by, entity)
      select u.id, u.sp, u.party, u.start_date, u.start_index, 'DECLARED', u.end_date, u.end_index,
             coalesce((select array_agg(t) from jsonb_array_elements_text(u.tags) as t), '{}'), null,
             ${ctx.now}::timestamptz, ${ctx.actor.user}::text, ${ctx.actor.entity}::text
        from unnest(${col((r) => r.subscription)}::text[], ${col((r) => r.servicePoint)}::text[],
                    ${col((r) => r.customer)}::text[], ${col((r) => r.startDate)}::date[],
                    ${col((r) => r.startIndex)}::bigint[], ${col((r) => r.endDate)}::date[],
                    ${col((r) => r.endIndex)}::bigint[], ${col((r) => JSON.stringify(r.tags ?? []))}::jsonb[])
             as u(id, sp, party, start_date, start_index, end_date, end_index, tags)`.execute(trx);
    for (const r of inserts)
      audits.push({
        action: "subscription.created",
        objectType: "subscription",
        objectId: r.subscription,
        details: {
          start: { date: r.startDate, index: r.startIndex, source: "DECLARED" },
          end: r.endDate === null ? null : { date: r.endDate, index: r.endIndex },
          party: r.customer,
          origin: "CIS",
        },
      });
  }
  if (tagChanges.length > 0) {
    await sql`
      update subscriptions s set tags = coalesce((select array_agg(t) from jsonb_array_elements_text(u.tags) as t), '{}')
        from unnest(${tagChanges.map((s) => s.id)}::text[], ${tagChanges.map((s) => JSON.stringify(s.tags))}::jsonb[])
             as u(id, tags)
       where s.id = u.id`.execute(trx);
  }
  // The starts and ends of the new subscriptions enter the history.
  const history: HistoryReading[] = [];
  for (const r of inserts) {
    history.push({
      servicePointId: r.servicePoint,
      meterId: null,
      date: r.startDate,
      index: r.startIndex,
      type: "MOVE_IN",
    });
    if (r.endDate !== null)
      history.push({
        servicePointId: r.servicePoint,
        meterId: null,
        date: r.endDate,
        index: r.endIndex as number,
        type: "MOVE_OUT",
      });
  }
  await appendHistory(trx, ctx, history);
  await auditAll(trx, ctx, audits);
  return results;
}

/** A row naming a subscription already recorded: only what no decision was taken on may change. */
function checkExisting(r: SubscriptionRow, s: SubState): EcartError | null {
  if (s.service_point_id !== r.servicePoint)
    return decided(
      `L'abonnement ${s.id} est celui du point de desserte ${s.service_point_id}, pas de ${r.servicePoint} : non modifié.`,
      `subscription ${s.id} is at ${s.service_point_id}`,
      "service_point",
    );
  if (s.party_id !== r.customer)
    return decided(
      `L'abonnement ${s.id} est au nom du client ${s.party_id}, pas de ${r.customer} : le titulaire d'un abonnement ne change pas (résiliez-le et chargez le nouvel abonnement).`,
      `subscription ${s.id} belongs to ${s.party_id}`,
      "customer",
    );
  if (s.start_date !== r.startDate || s.start_index !== r.startIndex)
    return decided(
      `L'abonnement ${s.id} a commencé le ${frenchDate(s.start_date)} à l'index ${s.start_index} m3 ; le fichier dit le ${frenchDate(r.startDate)} à l'index ${r.startIndex} m3 : début non modifié, des décisions ont été prises sur lui.`,
      `subscription ${s.id} start differs`,
      "start_index",
    );
  if (s.end_date !== null && (r.endDate !== s.end_date || r.endIndex !== s.end_index))
    return decided(
      `L'abonnement ${s.id} a été résilié le ${frenchDate(s.end_date)} à l'index ${s.end_index} m3 ; le fichier dit ${r.endDate === null ? "qu'il court toujours" : `le ${frenchDate(r.endDate)} à l'index ${r.endIndex} m3`} : résiliation non modifiée.`,
      `subscription ${s.id} end differs`,
      "end_index",
    );
  if (s.end_date === null && r.endDate !== null && r.endDate < s.start_date)
    return new EcartError(
      ErrorCode.INVALID_INPUT,
      `end_date : la date de départ (${frenchDate(r.endDate)}) précède le début de l'abonnement (${frenchDate(s.start_date)}).`,
      "end before start",
      "end_date",
    );
  return null;
}

/** A new subscription: it must not share a day with another of its service point (SPEC: one occupant at a time). */
function checkNew(r: SubscriptionRow, periods: Period[]): EcartError | null {
  const other = periods.find((p) => overlaps(p, r.startDate, r.endDate));
  if (!other) return null;
  const refusal = overlapRefusal(other, { servicePointId: r.servicePoint, date: r.startDate });
  return new EcartError(refusal.code, refusal.messageFr, refusal.message, "start_date");
}

/** New customers inserted, changed ones updated; audited together (`party.created`, `party.updated`). */
async function writeParties(trx: Trx, ctx: Context, parties: Map<string, PartyState>): Promise<void> {
  const created = [...parties].filter(([, p]) => p.isNew);
  const updated = [...parties].filter(([, p]) => p.dirty);
  const cols = (list: Array<[string, PartyState]>) => ({
    ids: list.map(([id]) => id),
    names: list.map(([, p]) => p.name),
    emails: list.map(([, p]) => p.email),
    addresses: list.map(([, p]) => p.postal_address),
  });
  if (created.length > 0) {
    const c = cols(created);
    await sql`
      insert into parties (id, name, email, postal_address, role, created_at)
      select u.id, u.name, u.email, u.address, 'SUBSCRIBER', ${ctx.now}::timestamptz
        from unnest(${c.ids}::text[], ${c.names}::text[], ${c.emails}::text[], ${c.addresses}::text[])
             as u(id, name, email, address)`.execute(trx);
  }
  if (updated.length > 0) {
    const c = cols(updated);
    await sql`
      update parties p set name = u.name, email = u.email, postal_address = u.address
        from unnest(${c.ids}::text[], ${c.names}::text[], ${c.emails}::text[], ${c.addresses}::text[])
             as u(id, name, email, address)
       where p.id = u.id`.execute(trx);
    await auditAll(
      trx,
      ctx,
      updated.map(([id]) => ({ action: "party.updated", objectType: "party", objectId: id })),
    );
  }
}
