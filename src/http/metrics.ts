/**
 * `GET /metrics` in Prometheus's text format (prom-client; the series are listed in docs/operations.md).
 * HTTP requests by route and status with their latency; the product's own figures as `ecart_…` series,
 * read from the database at each scrape (at most once per METRICS_DB_TTL_MS); the server's sweeps, which
 * `ecart serve` reports here. Open to a caller on the loopback interface that no proxy forwarded, or to
 * a bearer token equal to ECART_METRICS_TOKEN; anyone else gets 404, as if there were no such page.
 */
import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { SweepResult } from "../move-in/sweep.js";
import type { Database } from "../platform/db.js";
import { EcartError, ErrorCode } from "../platform/errors.js";
import { type OperationalFigures, operationalFigures } from "../reports/operations.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The route checks its caller itself (the bearer token is not an account's): the auth hook lets it by. */
    selfAuthenticated?: boolean;
  }
}

/** The database figures are read at most this often, however many scrapers ask. */
export const METRICS_DB_TTL_MS = 5_000;
/** Latency buckets of the HTTP requests, in seconds. */
export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Duration buckets of a deadline sweep, in seconds. */
export const SWEEP_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300];

export interface Metrics {
  readonly registry: Registry;
  /** A request answered: its method, route (the route's pattern, `unmatched` for none), status and seconds. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** A sweep run of this server ended: how long it took and what it did (null: it failed). */
  observeSweep(seconds: number, result: SweepResult | null): void;
}

/**
 * The metrics of one server over `db`. `processMetrics`: also Node.js's own (memory, CPU, event loop,
 * garbage collection), which `ecart serve` turns on (one process, one set).
 */
export function createMetrics(db: Database, opts: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests answered, by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    registers,
  });
  const latency = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time to answer an HTTP request, by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: HTTP_BUCKETS,
    registers,
  });
  const sweepRuns = new Counter({
    name: "ecart_sweep_runs_total",
    help: "Deadline sweeps run by this server, by outcome (ok, failed)",
    labelNames: ["outcome"] as const,
    registers,
  });
  const sweepSeconds = new Histogram({
    name: "ecart_sweep_duration_seconds",
    help: "Duration of the deadline sweeps run by this server",
    buckets: SWEEP_BUCKETS,
    registers,
  });
  const sweepCases = new Counter({
    name: "ecart_sweep_cases_total",
    help: "Expired cases handled by this server's sweeps, by result (subscribed, skipped, failed)",
    labelNames: ["result"] as const,
    registers,
  });
  for (const outcome of ["ok", "failed"]) sweepRuns.inc({ outcome }, 0);
  for (const result of ["subscribed", "skipped", "failed"]) sweepCases.inc({ result }, 0);

  // First: read before the scrape's own queries take the connections.
  new Gauge({
    name: "ecart_db_pool_connections",
    help: "Database connections, by state: max (the pool's size), open, idle, waiting (callers queued for one)",
    labelNames: ["state"] as const,
    registers,
    collect() {
      const s = db.poolStats();
      this.set({ state: "max" }, s.max);
      this.set({ state: "open" }, s.open);
      this.set({ state: "idle" }, s.idle);
      this.set({ state: "waiting" }, s.waiting);
    },
  });

  // The database figures: one read per scrape (shared by the gauges below), kept METRICS_DB_TTL_MS.
  let last: { at: number; figures: Promise<OperationalFigures | null> } | null = null;
  const figures = () => {
    const now = Date.now();
    if (!last || now - last.at > METRICS_DB_TTL_MS) {
      const read = operationalFigures(db, new Date(now)).catch(() => null);
      last = { at: now, figures: read };
    }
    return last.figures;
  };
  const up = new Gauge({
    name: "ecart_database_up",
    help: "1 when the last read of the figures below succeeded, 0 when the database did not answer",
    registers,
    async collect() {
      this.set((await figures()) ? 1 : 0);
    },
  });
  void up;
  /** A gauge set from the figures at each scrape (no value when the database did not answer). */
  const fromFigures = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    set: (g: Gauge<L>, f: OperationalFigures) => void,
  ) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        const f = await figures();
        this.reset();
        if (f) set(this, f);
      },
    });
  fromFigures("ecart_cases_open", "Open cases, by type", ["type"], (g, f) => {
    for (const type of ["ARR_SPECIAL", "ARR_INTERVENTION", "INT_EUROS"])
      g.set({ type }, f.openCases[type] ?? 0);
  });
  fromFigures("ecart_tasks_open", "Open tasks, by kind", ["kind"], (g, f) => {
    for (const kind of ["AWAIT_PROOF", "SUBSCRIBE_AT_PREDECESSOR"])
      g.set({ kind }, f.openTasks[kind]?.open ?? 0);
  });
  fromFigures("ecart_tasks_past_due", "Open tasks whose deadline has passed, by kind", ["kind"], (g, f) => {
    for (const kind of ["AWAIT_PROOF", "SUBSCRIBE_AT_PREDECESSOR"])
      g.set({ kind }, f.openTasks[kind]?.pastDue ?? 0);
  });
  fromFigures("ecart_outbox_messages", "Messages to customers, by status", ["status"], (g, f) => {
    for (const status of ["PENDING", "SENDING", "SENT", "FAILED"]) g.set({ status }, f.outbox[status] ?? 0);
  });
  fromFigures(
    "ecart_outbox_oldest_pending_age_seconds",
    "Age of the oldest message waiting to be delivered (0 when none waits)",
    [],
    (g, f) => g.set(f.oldestPendingSeconds),
  );
  fromFigures(
    "ecart_webhook_deliveries_pending",
    "Webhook deliveries waiting: events not yet acknowledged by an active endpoint, added up over them",
    [],
    (g, f) => g.set(f.webhooksPending),
  );
  fromFigures("ecart_import_runs", "Readings imports finished, since the database was created", [], (g, f) =>
    g.set(f.imports.runs),
  );
  fromFigures(
    "ecart_import_rows",
    "Rows of the finished readings imports, by outcome (loaded, already_present, rejected), since the database was created",
    ["outcome"],
    (g, f) => {
      g.set({ outcome: "loaded" }, f.imports.loaded);
      g.set({ outcome: "already_present" }, f.imports.alreadyPresent);
      g.set({ outcome: "rejected" }, f.imports.rejected);
    },
  );
  return {
    registry,
    observeRequest(method, route, status, seconds) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
    observeSweep(seconds, result) {
      sweepRuns.inc({ outcome: result ? "ok" : "failed" });
      sweepSeconds.observe(seconds);
      if (result) {
        sweepCases.inc({ result: "subscribed" }, result.subscribed);
        sweepCases.inc({ result: "skipped" }, result.skipped);
        sweepCases.inc({ result: "failed" }, result.failed.length);
      }
    },
  };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * May this caller read the metrics: a bearer token equal to `token`, or (no token sent) a connection from
 * the loopback interface that carries no proxy's forwarding header (a proxy on the same machine would
 * otherwise open the page to everyone behind it).
 */
export function mayReadMetrics(req: FastifyRequest, token: string | undefined): boolean {
  const authz = req.headers.authorization;
  if (authz !== undefined) {
    const sent = /^Bearer\s+(\S+)$/i.exec(authz)?.[1];
    if (!token || !sent) return false;
    const a = Buffer.from(sent);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }
  const forwarded = req.headers["x-forwarded-for"] !== undefined || req.headers.forwarded !== undefined;
  return !forwarded && LOOPBACK.test(req.socket.remoteAddress ?? "");
}

/**
 * Installs the request counting (every route, answered or not) and the `/metrics` route. `token`: the
 * bearer token that opens it beyond the loopback interface (ECART_METRICS_TOKEN).
 */
export function installMetrics(app: FastifyInstance, metrics: Metrics, token?: string): void {
  app.addHook("onResponse", async (req: FastifyRequest, reply: FastifyReply) => {
    metrics.observeRequest(
      req.method,
      req.routeOptions.url ?? "unmatched",
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });
  app.get(
    "/metrics",
    { config: { access: { kind: "public" }, selfAuthenticated: true }, schema: { hide: true } },
    async (req, reply) => {
      if (!mayReadMetrics(req, token))
        throw new EcartError(ErrorCode.NOT_FOUND, "Adresse inconnue.", "metrics refused to this caller");
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  );
}
