/**
 * Webhook endpoints of the event feed (SPEC §8): registered by an administrator (API, `ecart webhook`,
 * the console's « Webhooks » page) with a secret that signs every delivery (Standard Webhooks). Each
 * endpoint reads the feed in order from the last event it acknowledged; its state (pending events,
 * attempts on the head event, next attempt, last status and error) and its attempts are shown.
 * Changes are audited in the transaction that makes them. The deliveries: webhook-worker.ts.
 */
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { audit } from "../platform/audit.js";
import type { Context } from "../platform/context.js";
import type { Database } from "../platform/db.js";
import { EcartError, ErrorCode } from "../platform/errors.js";
import { lastPosition } from "../platform/events.js";

/** A new secret, in the Standard Webhooks form (`whsec_` and 24 random bytes in base64). */
export const newWebhookSecret = () => `whsec_${randomBytes(24).toString("base64")}`;

/** Longest URL accepted. */
const MAX_URL = 2000;

/** An endpoint as the API and the console show it (never its secret, but at creation). */
export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string | null;
  active: boolean;
  /** The last event acknowledged, and how many wait after it. */
  deliveredPosition: number;
  pending: number;
  /** Failed attempts on the head event since it was last acknowledged. */
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  createdAt: string;
  createdBy: string;
  disabledAt: string | null;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** Refuses a URL that is not http(s), or not a URL. */
function checkedUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new EcartError(ErrorCode.INVALID_INPUT, "Adresse (URL) invalide.", "invalid URL", "url");
  }
  if ((u.protocol !== "https:" && u.protocol !== "http:") || raw.length > MAX_URL)
    throw new EcartError(
      ErrorCode.INVALID_INPUT,
      "L'adresse doit commencer par https:// (ou http://) et compter 2 000 caractères au plus.",
      "URL must be http(s)",
      "url",
    );
  return u.toString();
}

/**
 * Registers an endpoint: it receives the events after the current last one (or all of them, `fromStart`).
 * Returns it with its secret, shown this once.
 */
export async function addWebhookEndpoint(
  db: Database,
  ctx: Context,
  input: { url: string; description?: string | null; fromStart?: boolean },
): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
  const url = checkedUrl(input.url);
  const secret = newWebhookSecret();
  const id = await db.kysely.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("webhook_endpoints")
      .values({
        url,
        description: input.description?.trim() || null,
        secret,
        delivered_position: input.fromStart ? 0 : await lastPosition(trx),
        created_at: ctx.now,
        created_by: ctx.actor.user,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await audit(trx, ctx, "webhook.created", "webhook", row.id, { url, fromStart: input.fromStart ?? false });
    return row.id;
  });
  return { endpoint: await webhookEndpoint(db, id), secret };
}

/** Stops (or resumes) deliveries to an endpoint; what it has not received waits for it. Idempotent. */
export async function setWebhookActive(
  db: Database,
  ctx: Context,
  id: string,
  active: boolean,
): Promise<WebhookEndpointView> {
  await db.kysely.transaction().execute(async (trx) => {
    const cur = await trx
      .selectFrom("webhook_endpoints")
      .select(["active"])
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
    if (!cur) throw unknownWebhook(id);
    if (cur.active === active) return;
    await trx
      .updateTable("webhook_endpoints")
      .set(
        active
          ? { active: true, disabled_at: null, disabled_by: null, next_attempt_at: null, attempts: 0 }
          : { active: false, disabled_at: ctx.now, disabled_by: ctx.actor.user },
      )
      .where("id", "=", id)
      .execute();
    await audit(trx, ctx, active ? "webhook.enabled" : "webhook.disabled", "webhook", id);
  });
  return webhookEndpoint(db, id);
}

const unknownWebhook = (id: string) =>
  new EcartError(
    ErrorCode.UNKNOWN_REFERENCE,
    `Point de réception inconnu : ${id}.`,
    `unknown webhook ${id}`,
    "id",
  );

const VIEW = sql<WebhookEndpointView & { pending: number }>`
  select e.id, e.url, e.description, e.active, e.delivered_position as "deliveredPosition",
         (select count(*) from events v where v.position > e.delivered_position)::int as pending,
         e.attempts, e.next_attempt_at as "nextAttemptAt", e.last_status as "lastStatus",
         e.last_error as "lastError", e.last_attempt_at as "lastAttemptAt", e.last_success_at as "lastSuccessAt",
         e.created_at as "createdAt", e.created_by as "createdBy", e.disabled_at as "disabledAt"
    from webhook_endpoints e`;

const viewOf = (r: WebhookEndpointView): WebhookEndpointView => ({
  ...r,
  deliveredPosition: Number(r.deliveredPosition),
  pending: Number(r.pending),
  nextAttemptAt: iso(r.nextAttemptAt),
  lastAttemptAt: iso(r.lastAttemptAt),
  lastSuccessAt: iso(r.lastSuccessAt),
  createdAt: iso(r.createdAt) as string,
  disabledAt: iso(r.disabledAt),
});

/** Every endpoint, oldest first. */
export async function listWebhookEndpoints(db: Database): Promise<WebhookEndpointView[]> {
  const rows = await sql<WebhookEndpointView>`${VIEW} order by e.id`.execute(db.kysely);
  return rows.rows.map(viewOf);
}

/** One endpoint (UNKNOWN_REFERENCE when there is none). */
export async function webhookEndpoint(db: Database, id: string): Promise<WebhookEndpointView> {
  const rows = await sql<WebhookEndpointView>`${VIEW} where e.id = ${id}`.execute(db.kysely);
  const r = rows.rows[0];
  if (!r) throw unknownWebhook(id);
  return viewOf(r);
}

export interface WebhookAttemptView {
  eventPosition: number;
  eventId: string;
  attempt: number;
  startedAt: string;
  finishedAt: string | null;
  outcome: "DELIVERED" | "FAILED" | "INTERRUPTED" | null;
  statusCode: number | null;
  error: string | null;
}

/** An endpoint's latest attempts, newest first. */
export async function webhookAttempts(db: Database, id: string, limit = 50): Promise<WebhookAttemptView[]> {
  await webhookEndpoint(db, id);
  const rows = await db.kysely
    .selectFrom("webhook_attempts")
    .selectAll()
    .where("endpoint_id", "=", id)
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map((a) => ({
    eventPosition: Number(a.event_position),
    eventId: a.event_id,
    attempt: a.attempt,
    startedAt: iso(a.started_at) as string,
    finishedAt: iso(a.finished_at),
    outcome: a.outcome,
    statusCode: a.status_code,
    error: a.error,
  }));
}
