/**
 * The outbox worker (SPEC §5): delivers PENDING messages, retries failures with exponential
 * backoff, and never hands a message to SMTP twice on its own. See docs/communications.md.
 *
 * Each attempt is claimed and committed (SENDING, attempt n, lease) before anything leaves
 * the process. A SENDING row whose lease has run out belongs to a worker that died: if it
 * went to a file, it is delivered again (same file name, atomic rename: one file); if it went
 * to SMTP, nobody can know whether the relay took it, so it becomes FAILED/INTERRUPTED for an
 * advisor to check and retry, rather than risking a second email.
 */
import { hostname } from "node:os";
import type { Selectable } from "kysely";
import { audit } from "../platform/audit.js";
import { makeConfig } from "../platform/config.js";
import { type Context, SYSTEM_ACTOR } from "../platform/context.js";
import type { Database } from "../platform/db.js";
import { runEvery } from "../platform/loop.js";
import type { CommunicationTable } from "../platform/schema.js";
import { messageIdFor } from "./render.js";
import {
  type Delivered,
  type DeliveryConfig,
  DeliveryError,
  deliver,
  deliveryConfigFromEnv,
  transportFor,
} from "./transport.js";

/** Attempts before a message is given up (FAILED/EXHAUSTED) and left to an advisor. */
export const DEFAULT_MAX_ATTEMPTS = 6;
/** Wait after the first failed attempt; it doubles after each failure. */
export const BACKOFF_BASE_MS = 60_000;
/** Longest wait between two attempts. */
export const BACKOFF_MAX_MS = 60 * 60_000;
/** How long a claim holds: far beyond an SMTP exchange's timeouts (3 × 30 s). */
export const DEFAULT_LEASE_MS = 10 * 60_000;
/** Messages delivered per pass at most. */
export const DEFAULT_BATCH = 20;
/** How often the server's worker looks for due messages. */
export const DEFAULT_EVERY_MS = 5_000;

/** Wait before the next attempt after `failures` failed attempts: base·2^(failures−1), capped at max. */
export function retryDelayMs(failures: number, baseMs = BACKOFF_BASE_MS, maxMs = BACKOFF_MAX_MS): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
}

export interface WorkerOptions {
  config?: DeliveryConfig;
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  leaseMs?: number;
  batchSize?: number;
  now?: () => Date;
  workerId?: string;
  /** Once aborted (the server stopping), the message in hand is finished and no other is claimed. */
  signal?: AbortSignal;
  /** Test seams around the transport call (the crash tests stop the process there). */
  hooks?: {
    beforeSend?: (id: string, attempt: number) => Promise<void> | void;
    afterSend?: (id: string, attempt: number, d: Delivered) => Promise<void> | void;
  };
}

export interface PassResult {
  sent: string[];
  /** Failed this time, to be tried again later. */
  retrying: string[];
  /** Given up: FAILED (retries used up, or interrupted with an unknown outcome). */
  failed: string[];
  /** Interrupted file deliveries put back in the queue. */
  requeued: string[];
}

type Row = Selectable<CommunicationTable>;

const workerCtx = (now: Date, worker: string): Context => ({
  actor: { ...SYSTEM_ACTOR, user: `outbox-worker@${worker}` },
  now,
  config: makeConfig(),
});

const defaultWorkerId = () => `${hostname()}:${process.pid}`;

/** SENDING rows whose lease ran out: their worker died. Decides each one safely (see header). */
export async function recoverAbandoned(
  db: Database,
  opts: WorkerOptions = {},
): Promise<Pick<PassResult, "failed" | "requeued">> {
  const now = (opts.now ?? (() => new Date()))();
  const worker = opts.workerId ?? defaultWorkerId();
  const out = { failed: [] as string[], requeued: [] as string[] };
  await db.kysely.transaction().execute(async (trx) => {
    const stale = await trx
      .selectFrom("communications")
      .selectAll()
      .where("status", "=", "SENDING")
      .where("lease_until", "<", now)
      .orderBy("id")
      .forUpdate()
      .skipLocked()
      .execute();
    for (const m of stale) {
      const idempotent = m.transport === "FILE";
      const error = idempotent
        ? `attempt ${m.attempts} interrupted (the worker stopped); file delivery is idempotent, delivering again`
        : `attempt ${m.attempts} interrupted while handing the message to SMTP: the relay may have accepted it. ` +
          `Check with the recipient before retrying; a retry reuses Message-ID ${m.message_id}`;
      await trx
        .updateTable("communications")
        .set(
          idempotent
            ? { status: "PENDING", next_attempt_at: now, lease_until: null, last_error: error }
            : { status: "FAILED", failure: "INTERRUPTED", lease_until: null, last_error: error },
        )
        .where("id", "=", m.id)
        .execute();
      await trx
        .updateTable("communication_attempts")
        .set({ finished_at: now, outcome: idempotent ? "REQUEUED" : "INTERRUPTED", error })
        .where("communication_id", "=", m.id)
        .where("attempt", "=", m.attempts)
        .execute();
      if (!idempotent) {
        await audit(trx, workerCtx(now, worker), "communication.interrupted", "communication", m.id, {
          attempt: m.attempts,
          messageId: m.message_id,
        });
      }
      (idempotent ? out.requeued : out.failed).push(m.id);
    }
  });
  return out;
}

/** Claims the next due message: SENDING, attempt n, lease, committed before any delivery starts. */
async function claim(
  db: Database,
  config: DeliveryConfig,
  now: Date,
  opts: WorkerOptions,
  worker: string,
): Promise<Row[]> {
  return db.kysely.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom("communications")
      .selectAll()
      .where("status", "=", "PENDING")
      .where((eb) => eb.or([eb("next_attempt_at", "is", null), eb("next_attempt_at", "<=", now)]))
      .orderBy("next_attempt_at")
      .orderBy("id")
      .limit(1)
      .forUpdate()
      .skipLocked()
      .execute();
    const claimed: Row[] = [];
    for (const m of due) {
      const attempt = m.attempts + 1;
      const transport = transportFor(config, m.channel);
      const messageId = messageIdFor(m, config.identity.from);
      const leaseUntil = new Date(now.getTime() + (opts.leaseMs ?? DEFAULT_LEASE_MS));
      await trx
        .updateTable("communications")
        .set({
          status: "SENDING",
          attempts: attempt,
          lease_until: leaseUntil,
          transport,
          message_id: messageId,
        })
        .where("id", "=", m.id)
        .execute();
      await trx
        .insertInto("communication_attempts")
        .values({ communication_id: m.id, attempt, transport, worker, started_at: now })
        .execute();
      claimed.push({
        ...m,
        status: "SENDING",
        attempts: attempt,
        lease_until: leaseUntil,
        transport,
        message_id: messageId,
      });
    }
    return claimed;
  });
}

async function recordSent(db: Database, m: Row, d: Delivered, now: Date, worker: string) {
  await db.kysely.transaction().execute(async (trx) => {
    // Keyed on the attempt: a late answer still records a message that was not re-claimed since.
    await trx
      .updateTable("communications")
      .set({
        status: "SENT",
        sent_at: now,
        artifact_path: d.artifactPath,
        transport: d.transport,
        lease_until: null,
        failure: null,
        last_error: null,
      })
      .where("id", "=", m.id)
      .where("attempts", "=", m.attempts)
      .execute();
    await trx
      .updateTable("communication_attempts")
      .set({ finished_at: now, outcome: "SENT", error: null })
      .where("communication_id", "=", m.id)
      .where("attempt", "=", m.attempts)
      .execute();
    await audit(trx, workerCtx(now, worker), "communication.sent", "communication", m.id, {
      attempt: m.attempts,
      transport: d.transport,
      messageId: d.messageId,
      detail: d.detail,
    });
  });
}

async function recordFailure(
  db: Database,
  m: Row,
  e: unknown,
  now: Date,
  opts: WorkerOptions,
  worker: string,
): Promise<"RETRY" | "FAILED"> {
  const certain = e instanceof DeliveryError && e.certainNotSent;
  const message = (e as Error)?.message ?? String(e);
  const used = m.attempts - (m.attempts_base ?? 0);
  const max = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const outcome = certain && used < max ? "RETRY" : "FAILED";
  const error = certain ? message : `outcome unknown, the relay may have accepted the message: ${message}`;
  await db.kysely.transaction().execute(async (trx) => {
    await trx
      .updateTable("communications")
      .set(
        outcome === "RETRY"
          ? {
              status: "PENDING",
              next_attempt_at: new Date(
                now.getTime() + retryDelayMs(used, opts.backoffBaseMs, opts.backoffMaxMs),
              ),
              lease_until: null,
              last_error: error,
            }
          : {
              status: "FAILED",
              failure: certain ? "EXHAUSTED" : "INTERRUPTED",
              lease_until: null,
              last_error: error,
            },
      )
      .where("id", "=", m.id)
      .where("attempts", "=", m.attempts)
      .where("status", "=", "SENDING")
      .execute();
    await trx
      .updateTable("communication_attempts")
      .set({ finished_at: now, outcome, error })
      .where("communication_id", "=", m.id)
      .where("attempt", "=", m.attempts)
      .execute();
    if (outcome === "FAILED") {
      await audit(trx, workerCtx(now, worker), "communication.failed", "communication", m.id, {
        attempt: m.attempts,
        error,
      });
    }
  });
  return outcome;
}

/** One pass: recover abandoned claims, then deliver every due message once. */
export async function deliverDue(db: Database, opts: WorkerOptions = {}): Promise<PassResult> {
  const clock = opts.now ?? (() => new Date());
  const config = opts.config ?? deliveryConfigFromEnv();
  const worker = opts.workerId ?? defaultWorkerId();
  const result: PassResult = { sent: [], retrying: [], failed: [], requeued: [] };
  const recovered = await recoverAbandoned(db, { ...opts, workerId: worker });
  result.failed.push(...recovered.failed);
  result.requeued.push(...recovered.requeued);
  // One message claimed at a time: at most one SENDING row per worker, so a crash leaves
  // only the message really in flight to be decided by recovery.
  for (let i = 0; i < (opts.batchSize ?? DEFAULT_BATCH) && !opts.signal?.aborted; i++) {
    const [m] = await claim(db, config, clock(), opts, worker);
    if (!m) break;
    let delivered: Delivered;
    try {
      await opts.hooks?.beforeSend?.(m.id, m.attempts);
      delivered = await deliver(config, m);
    } catch (e) {
      const outcome = await recordFailure(db, m, e, clock(), opts, worker);
      (outcome === "RETRY" ? result.retrying : result.failed).push(m.id);
      continue;
    }
    await opts.hooks?.afterSend?.(m.id, m.attempts, delivered);
    await recordSent(db, m, delivered, clock(), worker);
    result.sent.push(m.id);
  }
  return result;
}

/**
 * Runs the worker on a timer (the server process calls this): a pass, a pause of `everyMs`, the next
 * pass (runEvery: passes never overlap). Returns a function that stops it: the message being delivered
 * is finished, no other is claimed, and it resolves once the pass has ended.
 */
export function startOutboxWorker(
  db: Database,
  opts: WorkerOptions & { everyMs?: number; log?: (line: string) => void } = {},
): () => Promise<void> {
  const log = opts.log ?? (() => {});
  const config = opts.config ?? deliveryConfigFromEnv();
  const loop = runEvery(async (signal) => {
    try {
      const r = await deliverDue(db, { ...opts, config, signal });
      const n = r.sent.length + r.retrying.length + r.failed.length + r.requeued.length;
      if (n > 0) log(`outbox: ${JSON.stringify(r)}`);
    } catch (e) {
      log(`outbox pass failed: ${(e as Error).message}`);
    }
  }, opts.everyMs ?? DEFAULT_EVERY_MS);
  return () => loop.stop();
}
