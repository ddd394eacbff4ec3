/**
 * Webhook deliveries (SPEC §8): each active endpoint receives the feed's events in order, one at a time,
 * signed per Standard Webhooks (`webhook-id` = the event's id, `webhook-timestamp`, `webhook-signature`,
 * the `standardwebhooks` package). A 2xx acknowledges the head event; anything else (a status, a refused
 * connection, a timeout) is retried with exponential backoff, for as long as it takes: the queue of that
 * endpoint waits, never reordered, never skipped.
 *
 * Safe on several instances: an endpoint is claimed with `FOR UPDATE SKIP LOCKED` and a lease, committed
 * before anything is sent; only its head event is in flight. A worker that dies mid-delivery leaves its
 * lease to run out, and the head event is sent again with the same id: an event may arrive twice, never
 * be lost, and the receiver dedupes by `webhook-id`.
 */
import { hostname } from "node:os";
import type { Selectable } from "kysely";
import { Webhook } from "standardwebhooks";
import type { Database } from "../platform/db.js";
import { type FeedEvent, feedEvent } from "../platform/events.js";
import type { WebhookEndpointTable } from "../platform/schema.js";

/** Wait after the first failed attempt; it doubles after each failure. */
export const WEBHOOK_BACKOFF_BASE_MS = 5_000;
/** Longest wait between two attempts. */
export const WEBHOOK_BACKOFF_MAX_MS = 60 * 60_000;
/** How long a receiver has to answer. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** How long a claim holds: well beyond a delivery's timeout. */
export const WEBHOOK_LEASE_MS = 60_000;
/** Endpoints claimed per pass, and events delivered to one before it is let go. */
export const WEBHOOK_ENDPOINTS_PER_PASS = 20;
export const WEBHOOK_EVENTS_PER_CLAIM = 100;
/** How often the server's worker looks for events to deliver. */
export const WEBHOOK_EVERY_MS = 1_000;
/** Longest error text kept for an attempt. */
const MAX_ERROR = 500;

/** Wait before the next attempt after `failures` failed ones: base·2^(failures−1), capped at max. */
export function webhookRetryDelayMs(
  failures: number,
  baseMs = WEBHOOK_BACKOFF_BASE_MS,
  maxMs = WEBHOOK_BACKOFF_MAX_MS,
): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
}

export interface WebhookWorkerOptions {
  now?: () => Date;
  workerId?: string;
  leaseMs?: number;
  timeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  endpointsPerPass?: number;
  eventsPerClaim?: number;
  /** Test seam: called just before an event leaves the process (the crash test stops it there). */
  beforeSend?: (endpointId: string, event: FeedEvent) => Promise<void> | void;
}

export interface WebhookPassResult {
  delivered: number;
  failed: number;
}

/** The body of a delivery: the Standard Webhooks payload shape (type, timestamp, data). */
export function webhookBody(e: FeedEvent): string {
  return JSON.stringify({
    type: e.type,
    timestamp: e.occurredAt,
    data: { position: e.position, id: e.id, ...e.payload },
  });
}

/** The headers of a delivery, signed with the endpoint's secret. */
export function signedHeaders(secret: string, e: FeedEvent, body: string, at: Date): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": "Ecart-Webhooks/1",
    "webhook-id": e.id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(e.id, at, body),
  };
}

type Endpoint = Selectable<WebhookEndpointTable>;

/** Claims due endpoints that have events waiting (their lease committed before anything is sent). */
async function claim(
  db: Database,
  worker: string,
  now: Date,
  o: Required<Pick<WebhookWorkerOptions, "leaseMs" | "endpointsPerPass">>,
) {
  return db.kysely.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom("webhook_endpoints as e")
      .selectAll()
      .where("e.active", "=", true)
      .where((eb) => eb.or([eb("e.next_attempt_at", "is", null), eb("e.next_attempt_at", "<=", now)]))
      .where((eb) => eb.or([eb("e.lease_until", "is", null), eb("e.lease_until", "<", now)]))
      .where((eb) =>
        eb.exists(
          eb.selectFrom("events as v").select("v.seq").whereRef("v.position", ">", "e.delivered_position"),
        ),
      )
      .orderBy("e.id")
      .limit(o.endpointsPerPass)
      .forUpdate()
      .skipLocked()
      .execute();
    for (const e of due) {
      if (e.leased_by !== null) {
        // Its worker died while delivering: that attempt's outcome is unknown; the event goes again.
        await trx
          .updateTable("webhook_attempts")
          .set({
            finished_at: now,
            outcome: "INTERRUPTED",
            error: `worker ${e.leased_by} stopped during the delivery`,
          })
          .where("endpoint_id", "=", e.id)
          .where("outcome", "is", null)
          .execute();
      }
      await trx
        .updateTable("webhook_endpoints")
        .set({ lease_until: new Date(now.getTime() + o.leaseMs), leased_by: worker })
        .where("id", "=", e.id)
        .execute();
    }
    return due;
  });
}

/** Sends one event; null when the receiver acknowledged it (2xx), else what went wrong. */
async function send(
  e: Endpoint,
  ev: FeedEvent,
  at: Date,
  timeoutMs: number,
): Promise<{ status: number | null; error: string | null }> {
  const body = webhookBody(ev);
  try {
    const res = await fetch(e.url, {
      method: "POST",
      headers: signedHeaders(e.secret, ev, body, at),
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { status: res.status, error: null };
    return { status: res.status, error: `HTTP ${res.status} ${res.statusText}`.trim() };
  } catch (err) {
    const x = err as Error & { cause?: { code?: string; message?: string } };
    const why =
      x.name === "TimeoutError"
        ? `no answer within ${timeoutMs} ms`
        : (x.cause?.code ?? x.cause?.message ?? x.message);
    return { status: null, error: why };
  }
}

/** Delivers a claimed endpoint's events in order until one fails, none is left, or the claim's share is used. */
async function deliverEndpoint(
  db: Database,
  e: Endpoint,
  worker: string,
  o: Required<Omit<WebhookWorkerOptions, "beforeSend">> & Pick<WebhookWorkerOptions, "beforeSend">,
  out: WebhookPassResult,
) {
  let position = Number(e.delivered_position);
  let attempts = e.attempts;
  for (let n = 0; n < o.eventsPerClaim; n++) {
    const head = await db.kysely
      .selectFrom("events")
      .select(["position", "id", "type", "payload", "occurred_at"])
      .where("position", ">", position)
      .orderBy("position")
      .limit(1)
      .executeTakeFirst();
    if (!head) break;
    const ev = feedEvent(head);
    const started = o.now();
    const attempt = await db.kysely
      .insertInto("webhook_attempts")
      .values({
        endpoint_id: e.id,
        event_position: ev.position,
        event_id: ev.id,
        attempt: attempts + 1,
        worker,
        started_at: started,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await o.beforeSend?.(e.id, ev);
    // Signed at the real instant of sending: the receiver checks it against its own clock.
    const r = await send(e, ev, new Date(), o.timeoutMs);
    const done = o.now();
    const ok = r.error === null;
    const kept = await db.kysely.transaction().execute(async (trx) => {
      await trx
        .updateTable("webhook_attempts")
        .set({
          finished_at: done,
          outcome: ok ? "DELIVERED" : "FAILED",
          status_code: r.status,
          error: r.error?.slice(0, MAX_ERROR) ?? null,
        })
        .where("id", "=", attempt.id)
        .execute();
      const u = await trx
        .updateTable("webhook_endpoints")
        .set(
          ok
            ? {
                delivered_position: ev.position,
                attempts: 0,
                next_attempt_at: null,
                last_status: r.status,
                last_error: null,
                last_attempt_at: done,
                last_success_at: done,
                lease_until: new Date(done.getTime() + o.leaseMs),
              }
            : {
                attempts: attempts + 1,
                next_attempt_at: new Date(
                  done.getTime() + webhookRetryDelayMs(attempts + 1, o.backoffBaseMs, o.backoffMaxMs),
                ),
                last_status: r.status,
                last_error: r.error?.slice(0, MAX_ERROR) ?? null,
                last_attempt_at: done,
                lease_until: null,
                leased_by: null,
              },
        )
        .where("id", "=", e.id)
        .where("leased_by", "=", worker)
        .where("delivered_position", "=", position)
        .executeTakeFirst();
      return Number(u.numUpdatedRows) === 1;
    });
    if (!kept) return; // the claim ran out and another worker took the endpoint over
    if (!ok) {
      out.failed++;
      return;
    }
    out.delivered++;
    position = ev.position;
    attempts = 0;
  }
  await db.kysely
    .updateTable("webhook_endpoints")
    .set({ lease_until: null, leased_by: null })
    .where("id", "=", e.id)
    .where("leased_by", "=", worker)
    .execute();
}

const defaultWorkerId = () => `${hostname()}:${process.pid}`;

/** One pass: claims the due endpoints and delivers to each of them, side by side. */
export async function deliverWebhooks(
  db: Database,
  opts: WebhookWorkerOptions = {},
): Promise<WebhookPassResult> {
  const o = {
    now: opts.now ?? (() => new Date()),
    workerId: opts.workerId ?? defaultWorkerId(),
    leaseMs: opts.leaseMs ?? WEBHOOK_LEASE_MS,
    timeoutMs: opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS,
    backoffBaseMs: opts.backoffBaseMs ?? WEBHOOK_BACKOFF_BASE_MS,
    backoffMaxMs: opts.backoffMaxMs ?? WEBHOOK_BACKOFF_MAX_MS,
    endpointsPerPass: opts.endpointsPerPass ?? WEBHOOK_ENDPOINTS_PER_PASS,
    eventsPerClaim: opts.eventsPerClaim ?? WEBHOOK_EVENTS_PER_CLAIM,
    beforeSend: opts.beforeSend,
  };
  const out: WebhookPassResult = { delivered: 0, failed: 0 };
  const claimed = await claim(db, o.workerId, o.now(), o);
  await Promise.all(claimed.map((e) => deliverEndpoint(db, e, o.workerId, o, out)));
  return out;
}

/**
 * The server's webhook worker: a pass every `everyMs` (the next one starts when the last has ended).
 * `stop()` lets the delivery in flight finish, then resolves.
 */
export function startWebhookWorker(
  db: Database,
  opts: WebhookWorkerOptions & { everyMs?: number; log?: (m: string) => void } = {},
): { stop: () => Promise<void> } {
  const everyMs = opts.everyMs ?? WEBHOOK_EVERY_MS;
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    timer = null;
    running = (async () => {
      try {
        const r = await deliverWebhooks(db, opts);
        if (r.delivered + r.failed > 0) opts.log?.(`webhooks: ${JSON.stringify(r)}`);
      } catch (e) {
        opts.log?.(`webhooks: pass failed: ${(e as Error).message}`);
      }
      if (!stopping) timer = setTimeout(tick, everyMs);
    })();
  };
  timer = setTimeout(tick, 0);
  return {
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
