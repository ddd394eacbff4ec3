/**
 * The server's background jobs: the deadline sweep (R8), the outbox worker and the webhook worker (SPEC
 * §8), each running, pausing, running again (never two runs of one at once), each logged as one JSON line
 * per run that did something, the sweeps counted in the metrics. Stopping them finishes the batch, the
 * message or the delivery in hand.
 */
import type { FastifyBaseLogger } from "fastify";
import type { DeliveryConfig } from "../communications/transport.js";
import { startOutboxWorker } from "../communications/worker.js";
import type { Metrics } from "../http/metrics.js";
import { startWebhookWorker } from "../integration/webhook-worker.js";
import { DEFAULT_SWEEP_BATCH, sweepDeadlines } from "../move-in/sweep.js";
import type { EcartConfig } from "../platform/config.js";
import { localDate } from "../platform/dates.js";
import type { Database } from "../platform/db.js";
import { runEvery } from "../platform/loop.js";
import { ensurePartitionsAhead } from "../readings/partitions.js";

export interface Jobs {
  stopSweep(): Promise<void>;
  stopOutbox(): Promise<void>;
  stopWebhooks(): Promise<void>;
  stopPartitions(): Promise<void>;
}

/** How often the server prepares readings' partitions ahead (this month and the next ones). */
const PARTITIONS_EVERY_MS = 3_600_000;

export interface JobOptions {
  config: EcartConfig;
  delivery: DeliveryConfig;
  logger: FastifyBaseLogger;
  metrics: Metrics;
  sweepEveryMs: number;
  sweepBatch?: number;
  outboxEveryMs?: number;
}

/** Starts the sweep (at once, then every `sweepEveryMs` after each run), the outbox and the webhook workers. */
export function startJobs(db: Database, o: JobOptions): Jobs {
  const sweeps = runEvery(async (signal) => {
    const started = performance.now();
    let cases = 0;
    try {
      const r = await sweepDeadlines(db, new Date(), o.config, {
        batchSize: o.sweepBatch ?? DEFAULT_SWEEP_BATCH,
        signal,
        onBatch: (n) => {
          cases += n;
          o.logger.debug({ event: "sweep.batch", cases: n }, "sweep batch committed");
        },
      });
      const seconds = (performance.now() - started) / 1000;
      o.metrics.observeSweep(seconds, r);
      const stoppedEarly = signal.aborted;
      if (r.subscribed + r.skipped + r.failed.length > 0 || stoppedEarly)
        o.logger.info(
          {
            event: "sweep",
            subscribed: r.subscribed,
            skipped: r.skipped,
            failed: r.failed.length,
            failedTasks: r.failed.map((f) => f.task),
            ms: Math.round(seconds * 1000),
            stoppedEarly,
          },
          stoppedEarly ? "sweep stopped early: the rest is left to the next one" : "sweep",
        );
    } catch (e) {
      o.metrics.observeSweep((performance.now() - started) / 1000, null);
      o.logger.error({ event: "sweep.failed", err: e, casesDone: cases }, "sweep failed");
    }
  }, o.sweepEveryMs);
  const stopOutbox = startOutboxWorker(db, {
    config: o.delivery,
    everyMs: o.outboxEveryMs,
    log: (line) => o.logger.info({ event: "outbox" }, line),
  });
  const webhooks = startWebhookWorker(db, { log: (line) => o.logger.info({ event: "webhooks" }, line) });
  const partitions = runEvery(async () => {
    try {
      const made = await ensurePartitionsAhead(db.kysely, localDate(new Date(), o.config.timeZone));
      if (made > 0)
        o.logger.info({ event: "readings.partitions", made }, "readings partitions created ahead");
    } catch (e) {
      o.logger.error({ event: "readings.partitions.failed", err: e }, "readings partitions not prepared");
    }
  }, PARTITIONS_EVERY_MS);
  return {
    stopSweep: () => sweeps.stop(),
    stopOutbox,
    stopWebhooks: () => webhooks.stop(),
    stopPartitions: () => partitions.stop(),
  };
}
