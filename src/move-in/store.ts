/** Storage for move-ins: the termination facts, parties, subscriptions. Queries only. */
import { type RawBuilder, sql } from "kysely";
import { audit, auditAll } from "../platform/audit.js";
import { byOrdinal, only, withOrdinals } from "../platform/batch.js";
import type { Context } from "../platform/context.js";
import { frenchDate } from "../platform/dates.js";
import { anyOf, type Database, executeRead, type Trx } from "../platform/db.js";
import { EcartError, ErrorCode } from "../platform/errors.js";
import { appendEvents, type CustomerOut } from "../platform/events.js";
import type { KnownTermination, StartSource } from "../platform/schema.js";
import type { MeterHistory } from "../readings/history.js";
import {
  appendReadings,
  historiesUpTo,
  historyRowsOf,
  type MeterRow,
  meterHistoriesFromRows,
  SUMMARY_FIELDS,
  type SummaryRow,
} from "../readings/store.js";
import { currentMeter } from "../service-points/store.js";
import { occupantsSince } from "./batch-store.js";
import {
  type CurrentMeter,
  currentMeterOf,
  datedReadingsMatter,
  glanceOf,
  lastValidOf,
  type ReadingsAtAGlance,
  type TerminationFacts,
  terminationFrom,
} from "./rules/termination.js";

/**
 * The columns of a service point's termination facts, reading no `readings`: its latest ended subscription
 * and its meters, which its facts' row holds (migration 950, kept by triggers), and its meters' summaries
 * (migrations 910 and 930); `terminationRowOf` makes them `TerminationRow`. Of `factsRow`'s `f`: the
 * statement stays flat, two probes (docs/decisions.md, "The move-in facts in one row per service point").
 */
const terminationColumns = (servicePointId: string) => sql`
  f.predecessor, coalesce(f.meters, '[]'::json) as meters,
  (select coalesce(json_agg(x), '[]'::json) from (
     select ${SUMMARY_FIELDS} from reading_summaries y where y.service_point_id = ${servicePointId}) x) as summaries`;

/** The facts' row of a service point as `f` (`service_point_facts`), or a row of nulls when there is none. */
const factsRow = (servicePointId: string) =>
  sql`from (select) one left join service_point_facts f on f.service_point_id = ${servicePointId}`;

/** The row of `terminationColumns`. */
interface TerminationColumns {
  predecessor: TerminationFacts["predecessor"];
  meters: MeterRow[];
  summaries: SummaryRow[];
}

/**
 * The termination facts of `terminationColumns`: the current meter, the last VALID reading, and what the
 * summaries say of the readings (`glance`: whether the readings of the termination's dates are worth
 * reading, `datedOf`).
 */
function terminationRowOf(r: TerminationColumns): TerminationRow {
  const cur = currentMeterOf(r.meters);
  const meter = cur && {
    id: Number(cur.id),
    serial: cur.serial,
    digits: cur.digits,
    installed_on: cur.installed_on,
    start_index: Number(cur.start_index),
  };
  return {
    meter,
    predecessor: r.predecessor,
    last_valid: lastValidOf(r.summaries, meter?.id ?? null),
    glance: glanceOf(r.summaries),
  };
}

/** A reading on one of the dates a termination can take, with its status now (newest first). */
export interface DatedReadingStatus {
  date: string;
  index: number;
  status: string;
}

/** A reading of the service point on a date its termination can take, with its meter and type. */
type DatedReading = DatedReadingStatus & { meter_id: number | null; type: string };

interface TerminationRow {
  meter: (CurrentMeter & { serial: string; digits: number | null }) | null;
  predecessor: TerminationFacts["predecessor"];
  last_valid: TerminationFacts["lastValid"];
  glance: ReadingsAtAGlance;
}

/**
 * The readings of the service point on the dates its termination can take (the predecessor's end date, the
 * current meter's installation, the last VALID reading's), newest first, when they can change the decision
 * (`datedReadingsMatter`); none otherwise. Read by `ecart_readings_on` (migration 910), whose dates are
 * parameters of its own plan, so that it reads only their months' partitions.
 */
async function datedOf(
  db: Database | Trx,
  servicePointId: string,
  row: TerminationRow,
): Promise<DatedReading[]> {
  if (!datedReadingsMatter(row, row.glance)) return [];
  const q = sql<{ dated: DatedReading[] }>`
    select ecart_readings_on(${servicePointId}, ${row.predecessor?.end_date ?? null}::date,
                             ${row.meter?.installed_on ?? null}::date, ${row.last_valid?.date ?? null}::date) as dated`;
  const [r] = await executeRead(db, "termination_dated_readings", q);
  return r?.dated ?? [];
}

const terminationFactsOf = (row: TerminationRow, dated: DatedReading[]): TerminationFacts => {
  // The meter of the newest MOVE_OUT reading on the predecessor's end date.
  const moveOut = dated.find((r) => r.type === "MOVE_OUT" && r.date === row.predecessor?.end_date);
  return {
    meter: row.meter,
    predecessor: row.predecessor,
    moveOutMeterId: moveOut?.meter_id === null || moveOut === undefined ? null : Number(moveOut.meter_id),
    lastValid: row.last_valid,
  };
};

/**
 * SPEC §6: the predecessor's termination at a service point (termination.ts decides it), in one query.
 * Null when there is neither a predecessor nor a VALID reading.
 */
export async function terminationOf(trx: Trx, servicePointId: string): Promise<KnownTermination | null> {
  const q = sql<TerminationColumns>`select ${terminationColumns(servicePointId)} ${factsRow(servicePointId)}`;
  const row = terminationRowOf((await q.execute(trx)).rows[0] as TerminationColumns);
  return terminationFrom(terminationFactsOf(row, await datedOf(trx, servicePointId, row)));
}

/** Everything a move-in decision reads about a service point (R1–R5, SPEC §4 and §6). */
export interface MoveInStoredFacts {
  /** Null when the service point does not exist (nothing else is then). */
  servicePoint: { id: string; address: string; owner_name: string | null } | null;
  meter: (CurrentMeter & { serial: string; digits: number | null }) | null;
  /** The subscription not ended yet, with its holder. */
  openSubscription: { id: string; case_id: string | null; name: string; email: string | null } | null;
  /** The open move-in cases, with their party. */
  openCases: Array<{ id: string; name: string; email: string | null }>;
  termination: TerminationFacts;
  /**
   * Readings on the dates a termination can take, newest first: the termination's status is read there.
   * None when no reading of the service point is SUSPECT now (nor needed for the termination itself).
   */
  datedReadings: DatedReadingStatus[];
  /** The plausibility state of every meter of the service point, up to the move-in date (SPEC §4). */
  histories: MeterHistory[];
}

/** The row of `moveInFactsQuery`. */
export interface MoveInFactsRow extends TerminationColumns {
  service_point: MoveInStoredFacts["servicePoint"];
  open_subscription: MoveInStoredFacts["openSubscription"];
  open_cases: MoveInStoredFacts["openCases"];
}

/**
 * The facts of a move-in at a service point on a date: `moveInFactsQuery`'s statement, completed by
 * `moveInFactsOf`. In the command's transaction (after its service point's lock), or given the database,
 * as a prepared statement (the check).
 */
export async function loadMoveInFacts(
  db: Database | Trx,
  servicePointId: string,
  date: string,
): Promise<MoveInStoredFacts> {
  const q = moveInFactsQuery(servicePointId);
  const [row] = await executeRead(db, "move_in_facts", q);
  return moveInFactsOf(db, row as MoveInFactsRow, servicePointId, date);
}

/**
 * The statement of the move-in facts (one row), for a caller that reads it along with other columns: the
 * service point, its open subscription and cases, and `terminationColumns` (the histories as the meters'
 * summaries hold them; `readings` are read only on the termination's dates, by `moveInFactsOf`).
 * `onlyIf`: no row (and nothing read) unless this condition holds.
 */
export function moveInFactsQuery(servicePointId: string, onlyIf?: RawBuilder<boolean>) {
  return sql<MoveInFactsRow>`
    select
      case when f.service_point_id is not null
        then json_build_object('id', f.service_point_id, 'address', f.address, 'owner_name', f.owner_name)
      end as service_point,
      (select row_to_json(x) from (
         select s.id, s.case_id, p.name, p.email from subscriptions s join parties p on p.id = s.party_id
          where s.service_point_id = ${servicePointId} and s.end_date is null) x) as open_subscription,
      (select coalesce(json_agg(x order by x.id), '[]'::json) from (
         select c.id, p.name, p.email from cases c join parties p on p.id = c.party_id
          where c.service_point_id = ${servicePointId} and c.status = 'OPEN'
            and c.type in ('ARR_SPECIAL', 'ARR_INTERVENTION')) x) as open_cases,
      ${terminationColumns(servicePointId)}
    ${factsRow(servicePointId)}
    ${onlyIf ? sql`where ${onlyIf}` : sql``}`;
}

/**
 * The facts of a row of `moveInFactsQuery`, completed by what it cannot read: the histories up to the
 * move-in date where a meter was read after it (a second statement, then).
 */
export async function moveInFactsOf(
  db: Database | Trx,
  r: MoveInFactsRow,
  servicePointId: string,
  date: string,
): Promise<MoveInStoredFacts> {
  const rows = r.service_point ? historyRowsOf(servicePointId, r.meters, r.summaries) : [];
  const histories = await historiesUpTo("kysely" in db ? db.kysely : db, rows, date);
  const t = terminationRowOf(r);
  const dated = await datedOf(db, servicePointId, t);
  return {
    servicePoint: r.service_point,
    meter: t.meter,
    openSubscription: r.open_subscription,
    openCases: r.open_cases,
    termination: terminationFactsOf(t, dated),
    datedReadings: dated.map(({ date, index, status }) => ({ date, index, status })),
    histories: meterHistoriesFromRows(histories).get(servicePointId) ?? [],
  };
}

export interface CustomerInput {
  name: string;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  address?: string | null | undefined;
}

const norm = (s: string | null | undefined) =>
  (s ?? "").normalize("NFC").trim().toLowerCase().replace(/\s+/g, " ");

/** Same person for duplicate detection (SPEC §6): same name, and same email when both give one. */
export function samePerson(a: CustomerInput, b: { name: string; email: string | null }): boolean {
  if (norm(a.name) !== norm(b.name)) return false;
  return !a.email || !b.email || norm(a.email) === norm(b.email);
}

export async function createParty(trx: Trx, ctx: Context, c: CustomerInput, fallbackAddress: string) {
  const row = await trx
    .insertInto("parties")
    .values({
      name: c.name.trim(),
      email: c.email?.trim() || null,
      phone: c.phone?.trim() || null,
      postal_address: c.address?.trim() || fallbackAddress,
      role: "PROSPECT",
      created_at: ctx.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(trx, ctx, "party.created", "party", row.id, { role: "PROSPECT" });
  return row;
}

export interface NewSubscription {
  servicePointId: string;
  meterId: number | null;
  partyId: string;
  caseId: string | null;
  date: string;
  index: number;
  source: StartSource;
  tags?: string[];
}

/** The subscription a move-in case ends in: its service point and party, the current meter, a start. */
export function subscriptionForCase(
  c: { id: string; service_point_id: string; party_id: string },
  meter: { id: number } | null | undefined,
  start: { date: string; index: number },
  source: StartSource,
): NewSubscription {
  return {
    servicePointId: c.service_point_id,
    meterId: meter?.id ?? null,
    partyId: c.party_id,
    caseId: c.id,
    date: start.date,
    index: start.index,
    source,
  };
}

/** A subscription whose period covers days from a date on (see batch-store.ts's `occupantsSince`). */
export interface Occupant {
  id: string;
  start_date: string;
  end_date: string | null;
}

/** The refusal of a subscription that would bill another occupant's days twice. */
export function overlapRefusal(other: Occupant, s: Pick<NewSubscription, "servicePointId" | "date">) {
  return new EcartError(
    other.end_date ? ErrorCode.DATE_BEFORE_TERMINATION : ErrorCode.PREDECESSOR_NOT_TERMINATED,
    other.end_date
      ? `Un autre occupant (abonnement ${other.id}, du ${frenchDate(other.start_date)} au ${frenchDate(other.end_date)}) a été abonné depuis le ${frenchDate(s.date)} : l'abonnement ne peut pas commencer avant sa résiliation. À traiter par le back office.`
      : `Un autre abonnement (${other.id}) est en cours sur ce point de desserte : enregistrez d'abord son départ.`,
    `subscription from ${s.date} at ${s.servicePointId} would overlap ${other.id}`,
    "date",
  );
}

/** Refuses subscriptions that name one service point twice: each one's checks assume the others are not there. */
function assertOnePerServicePoint(subs: NewSubscription[]): void {
  if (new Set(subs.map((s) => s.servicePointId)).size !== subs.length)
    throw new Error("insertSubscriptions: at most one per service point in a batch");
}

/** The subscription ids: the column default of migration 002, drawn in the statement that inserts the rows. */
const NEXT_SUBSCRIPTION_ID = sql<string>`ecart_next_id('SUB-', 'subscription_seq', 6)`;

/**
 * The commands' one insert into subscriptions (one is a batch of one; at most one per service point; the
 * CIS's subscriptions file has its own bulk upsert, reference-subscriptions.ts, and the scenario givens and
 * the demo seed their worlds directly): the overlap
 * refusal checked for all in one query (under the caller's service point locks), the rows, the parties
 * become subscribers, the starts enter the history (MOVE_IN), the audit entries and the
 * `subscription.started` events. Ids in the order given (matched by ordinal, see platform/batch.ts).
 * Throws (writing nothing) if any of them would overlap another occupant's period.
 */
export async function insertSubscriptions(
  trx: Trx,
  ctx: Context,
  subs: NewSubscription[],
): Promise<Array<{ id: string; readingId: string }>> {
  if (subs.length === 0) return [];
  assertOnePerServicePoint(subs);
  const others = await occupantsSince(trx, subs);
  subs.forEach((s, i) => {
    const other = others[i];
    if (other) throw overlapRefusal(other, s);
  });
  const rows = await sql<{ i: number; id: string }>`
    with v as materialized (
      select s.*, ${NEXT_SUBSCRIPTION_ID} as id
        from jsonb_to_recordset(${JSON.stringify(withOrdinals(subs))}::jsonb)
             as s(i int, "servicePointId" text, "partyId" text, date date, index bigint, source text, tags text[],
                  "caseId" text)),
    ins as (
      insert into subscriptions (id, service_point_id, party_id, start_date, start_index, start_source, tags,
                                 case_id, created_at, created_by, entity)
      select v.id, v."servicePointId", v."partyId", v.date, v.index, v.source, coalesce(v.tags, '{}'), v."caseId",
             ${ctx.now}::timestamptz, ${ctx.actor.user}::text,
             -- SPEC §7: a subscription made on a case counts for the case's entity (the sweep's too), else for
             -- the advisor's.
             coalesce((select c.entity from cases c where c.id = v."caseId"), ${ctx.actor.entity}::text)
        from v order by v.i
      returning id)
    select v.i, ins.id from ins join v on v.id = ins.id`.execute(trx);
  const ids = byOrdinal(rows.rows, subs.length).map((r) => r.id);
  await trx
    .updateTable("parties")
    .set({ role: "SUBSCRIBER" })
    .where("id", "=", anyOf(subs.map((s) => s.partyId)))
    .execute();
  const readings = await appendReadings(
    trx,
    ctx,
    subs.map((s) => ({
      servicePointId: s.servicePointId,
      meterId: s.meterId,
      date: s.date,
      index: s.index,
      type: "MOVE_IN" as const,
    })),
  );
  await auditAll(
    trx,
    ctx,
    subs.map((s, i) => ({
      action: "subscription.created",
      objectType: "subscription",
      objectId: ids[i] as string,
      details: {
        start: { date: s.date, index: s.index, source: s.source },
        party: s.partyId,
        case: s.caseId,
      },
    })),
  );
  const customers = await customersOf(
    trx,
    subs.map((s) => s.partyId),
  );
  await appendEvents(
    trx,
    ctx,
    subs.map((s, i) => startedEvent(s, ids[i] as string, (readings[i] as { id: string }).id, customers)),
  );
  return ids.map((id, i) => ({ id, readingId: (readings[i] as { id: string }).id }));
}

/** The customers of new subscriptions, as the event feed names them (SPEC §8), in one query. */
export async function customersOf(trx: Trx, partyIds: string[]): Promise<Map<string, CustomerOut>> {
  if (partyIds.length === 0) return new Map();
  const rows = await trx
    .selectFrom("parties")
    .select(["id", "name", "email", "phone", "postal_address"])
    .where("id", "in", [...new Set(partyIds)])
    .execute();
  return new Map(
    rows.map((p) => [
      p.id,
      { id: p.id, name: p.name, email: p.email, phone: p.phone, postalAddress: p.postal_address },
    ]),
  );
}

/** The `subscription.started` event of a subscription Écart set up (SPEC §8). */
export function startedEvent(
  s: NewSubscription,
  id: string,
  readingId: string | null,
  customers: Map<string, CustomerOut>,
) {
  return {
    type: "subscription.started" as const,
    payload: {
      subscription: id,
      servicePoint: s.servicePointId,
      customer: customers.get(s.partyId) ?? {
        id: s.partyId,
        name: "",
        email: null,
        phone: null,
        postalAddress: null,
      },
      start: { date: s.date, index: s.index, source: s.source },
      reading: readingId,
      case: s.caseId,
      tags: s.tags ?? [],
    },
  };
}

/**
 * Ends a subscription at a date and index (a move-out, from a command or from the CIS's file): the
 * MOVE_OUT reading enters the history, the row gets its end, audited `subscription.terminated`, and
 * `subscription.ended` joins the event feed. The caller holds the service point's lock and has checked
 * that the subscription is running and that the date is not before its start.
 */
export async function endSubscription(
  trx: Trx,
  ctx: Context,
  sub: { id: string; service_point_id: string; party_id: string },
  end: { date: string; index: number },
) {
  const meter = await currentMeter(trx, sub.service_point_id);
  const reading = only(
    await appendReadings(trx, ctx, [
      {
        servicePointId: sub.service_point_id,
        meterId: meter?.id ?? null,
        date: end.date,
        index: end.index,
        type: "MOVE_OUT",
      },
    ]),
  );
  await trx
    .updateTable("subscriptions")
    .set({ end_date: end.date, end_index: end.index })
    .where("id", "=", sub.id)
    .execute();
  await audit(trx, ctx, "subscription.terminated", "subscription", sub.id, {
    date: end.date,
    index: end.index,
    reading: reading.id,
  });
  await appendEvents(trx, ctx, [
    {
      type: "subscription.ended",
      payload: {
        subscription: sub.id,
        servicePoint: sub.service_point_id,
        customer: sub.party_id,
        end: { date: end.date, index: end.index },
        reading: reading.id,
      },
    },
  ]);
  return reading;
}

/**
 * R16: a subscription's end index follows its corrected MOVE_OUT reading (the end date stays); audited
 * with both figures. The CIS learns it from the reading's `reading.corrected` event, which names the
 * subscription.
 */
export async function correctSubscriptionEnd(
  trx: Trx,
  ctx: Context,
  id: string,
  end: { date: string; index: number; reading: string },
  previous: { index: number },
): Promise<void> {
  await trx.updateTable("subscriptions").set({ end_index: end.index }).where("id", "=", id).execute();
  await audit(trx, ctx, "subscription.end_corrected", "subscription", id, { ...end, from: previous.index });
}

/** The subscription that ended at a date and index at a service point (the one a MOVE_OUT reading closed), or null. */
export async function subscriptionEndedAt(trx: Trx, servicePointId: string, date: string, index: number) {
  return (
    (await trx
      .selectFrom("subscriptions")
      .selectAll()
      .where("service_point_id", "=", servicePointId)
      .where("end_date", "=", date)
      .where("end_index", "=", index)
      .orderBy("created_at", "desc")
      .limit(1)
      .executeTakeFirst()) ?? null
  );
}

/** The first subscription to start at a service point on or after a date, other than `exceptId` (the successor), or null. */
export async function subscriptionStartingFrom(
  trx: Trx,
  servicePointId: string,
  date: string,
  exceptId: string,
) {
  return (
    (await trx
      .selectFrom("subscriptions")
      .selectAll()
      .where("service_point_id", "=", servicePointId)
      .where("start_date", ">=", date)
      .where("id", "!=", exceptId)
      .orderBy("start_date")
      .orderBy("created_at")
      .limit(1)
      .executeTakeFirst()) ?? null
  );
}
