/**
 * The event feed (SPEC §8): every decision the CIS must apply, appended in the transaction that takes it
 * (`appendEvents`, called by the store-level writes: subscription start and end, case opening and
 * closing, reading correction, intermediate-consumption finding). Positions are given at commit, in
 * commit order (migrations 600, 960 and 970, docs/decisions.md "event positions"): paging with `after`
 * never misses one.
 */
import { sql, type Transaction } from "kysely";
import type { Context } from "./context.js";
import type { Database } from "./db.js";
import type { DB, StartSource } from "./schema.js";

type Trx = Transaction<DB>;

/** Every event type of the feed, in SPEC §8's order. */
export const EVENT_TYPES = [
  "subscription.started",
  "subscription.ended",
  "subscription.regularized",
  "reading.corrected",
  "case.opened",
  "case.closed",
  "intermediate_consumption.found",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** A dated index as the CIS applies it. */
export interface DatedIndexOut {
  date: string;
  index: number;
}

/** The customer of a subscription Écart started (the CIS creates the contract from it). */
export interface CustomerOut {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  postalAddress: string | null;
}

/** Payloads, by type: each names the service point, the subscription and the figures the CIS needs. */
export interface EventPayloads {
  "subscription.started": {
    subscription: string;
    servicePoint: string;
    customer: CustomerOut;
    start: DatedIndexOut & { source: StartSource | string };
    reading: string | null;
    case: string | null;
    tags: string[];
  };
  "subscription.ended": {
    subscription: string;
    servicePoint: string;
    customer: string;
    end: DatedIndexOut;
    reading: string;
  };
  "subscription.regularized": {
    subscription: string;
    servicePoint: string;
    case: string | null;
    before: DatedIndexOut & { source: string };
    start: DatedIndexOut & { source: string };
    reading: string | null;
  };
  "reading.corrected": {
    reading: string;
    replaces: string;
    servicePoint: string;
    meter: string | null;
    type: string;
    date: string;
    before: number;
    index: number;
    reason: string | null;
    /** The subscription whose start (MOVE_IN) or end (MOVE_OUT) this reading is, when it is one. */
    subscription: string | null;
  };
  "case.opened": {
    case: string;
    type: string;
    servicePoint: string;
    subscription: string | null;
    customer: string | null;
    entity: string;
  };
  "case.closed": {
    case: string;
    type: string;
    servicePoint: string;
    subscription: string | null;
  };
  "intermediate_consumption.found": {
    case: string;
    servicePoint: string;
    subscription: string;
    from: DatedIndexOut;
    to: DatedIndexOut;
    volume: number;
  };
}

/** One event to append. */
export type NewEvent = { [T in EventType]: { type: T; payload: EventPayloads[T] } }[EventType];

/** An event of the feed as the API and webhooks give it. */
export interface FeedEvent {
  position: number;
  id: string;
  type: EventType;
  occurredAt: string;
  payload: Record<string, unknown>;
}

/**
 * Appends events in the caller's transaction, in their order, in one statement whatever their number;
 * the decision's instant (`ctx.now`) is the events' `occurredAt`, and who took it rides in the payload.
 * They are staged until commit, which writes them into the feed with their positions (migration 970):
 * the transaction itself does not see them in `events`.
 */
export async function appendEvents(trx: Trx, ctx: Context, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((e) => ({ t: e.type, p: { ...e.payload, by: ctx.actor.user } }));
  // jsonb_to_recordset keeps the array's order: the staged `seq`, then the positions, follow it.
  await sql`
    insert into events_staged (type, payload, occurred_at)
    select e.t, e.p, ${ctx.now}::timestamptz
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as e(t text, p jsonb)`.execute(trx);
}

/** Largest page of the feed. */
export const MAX_EVENTS_PAGE = 1000;

/** The events after a position, in order (only committed events have a position). */
export async function eventsAfter(db: Database, after: number, limit: number): Promise<FeedEvent[]> {
  const rows = await db.kysely
    .selectFrom("events")
    .select(["position", "id", "type", "payload", "occurred_at"])
    .where("position", ">", after)
    .orderBy("position")
    .limit(Math.min(Math.max(limit, 1), MAX_EVENTS_PAGE))
    .execute();
  return rows.map(feedEvent);
}

/** An events row as the feed gives it. */
export function feedEvent(r: {
  position: number | null;
  id: string;
  type: string;
  payload: Record<string, unknown>;
  occurred_at: Date;
}): FeedEvent {
  return {
    position: Number(r.position),
    id: r.id,
    type: r.type as EventType,
    occurredAt: new Date(r.occurred_at).toISOString(),
    payload: r.payload,
  };
}

/** The last position given (0 when the feed is empty). */
export async function lastPosition(db: Database | Trx): Promise<number> {
  const k = "kysely" in db ? db.kysely : db;
  const r = await k
    .selectFrom("events")
    .select((eb) => eb.fn.max("position").as("p"))
    .executeTakeFirstOrThrow();
  return Number(r.p ?? 0);
}
