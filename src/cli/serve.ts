/**
 * `ecart serve`: the product's long-running process. The HTTP API and the console (web/dist) on
 * HOST:PORT (127.0.0.1:8080 by default), `/metrics`, the deadline sweep, the outbox worker and the
 * webhook worker (serve-jobs.ts), one JSON log line per event, a clean stop on SIGTERM/SIGINT
 * (docs/operations.md).
 */
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { type LoggerOptions, pino } from "pino";
import { DEMO_PASSWORD } from "../accounts/password-policy.js";
import { countAccounts, createAccount } from "../accounts/store.js";
import { deliveryConfigFromEnv } from "../communications/transport.js";
import { buildApp, loggerOptions } from "../http/app.js";
import { createMetrics } from "../http/metrics.js";
import { isLoopbackHost } from "../http/network.js";
import { configFromEnv } from "../platform/config.js";
import { type Database, openDatabase } from "../platform/db.js";
import { migrate } from "../platform/migrate.js";
import type { AccountRole } from "../platform/schema.js";
import { stopGracefully } from "../platform/shutdown.js";
import { databaseUrl } from "./database.js";
import { checkExposure, EXPOSED_WEAK_EXIT } from "./exposure.js";
import { serveSettingsFromEnv } from "./serve-env.js";
import { startJobs } from "./serve-jobs.js";
import { describeDatabase, describeMail, figuresInForce } from "./startup.js";

/** The password of the demo accounts (ECART_DEMO_ACCOUNTS=1, loopback, a fresh database only); in the README. */
export { DEMO_PASSWORD } from "../accounts/password-policy.js";
/** The demo accounts: one per role. */
export const DEMO_ACCOUNTS: ReadonlyArray<{ username: string; role: AccountRole; entity: string }> = [
  { username: "admin", role: "ADMIN", entity: "SIEGE" },
  { username: "fo", role: "FO", entity: "FO-LYON" },
  { username: "bo", role: "BO", entity: "BO-LYON" },
  { username: "euros", role: "EUROS", entity: "EUROS" },
  { username: "superviseur", role: "SUPERVISOR", entity: "PILOTAGE" },
];

/**
 * On a database without accounts: the demo accounts when asked for (their published password is marked
 * weak: a server bound elsewhere than loopback refuses to start with them), else how to create the first admin.
 */
export async function bootstrapAccounts(
  db: Database,
  demo: boolean,
  log: (m: string) => void,
): Promise<void> {
  if ((await countAccounts(db.kysely)) > 0) return;
  if (!demo) {
    log("no account yet: create the first administrator with");
    log("  ECART_PASSWORD=… npm run --silent ecart -- user add admin --role ADMIN --entity SIEGE");
    return;
  }
  for (const a of DEMO_ACCOUNTS)
    await createAccount(db.kysely, { ...a, password: DEMO_PASSWORD }, new Date(), { demo: true });
  log(
    `demo accounts created, password "${DEMO_PASSWORD}": ${DEMO_ACCOUNTS.map((a) => `${a.username} (${a.role})`).join(", ")}`,
  );
}

export async function serve(_args: string[]): Promise<number> {
  const logger = pino(loggerOptions() as LoggerOptions);
  const config = configFromEnv(); // a bad figure stops the start, naming the variable
  const settings = serveSettingsFromEnv(); // so does a bad port, sweep pause or batch
  const { host, demo, replicaUrl } = settings;
  const url = databaseUrl();
  const db = await openDatabase({ url });
  await migrate(db);
  if (demo && !isLoopbackHost(host)) {
    logger.warn({ event: "accounts" }, `no demo accounts on HOST=${host}: they are for loopback only`);
  }
  await bootstrapAccounts(db, demo && isLoopbackHost(host), (m) => logger.info({ event: "accounts" }, m));
  const refusal = await checkExposure(db.kysely, host);
  if (refusal) {
    process.stderr.write(`${refusal.fr}\n${refusal.en}\n`);
    logger.error({ event: "refused" }, refusal.en);
    await db.close();
    return EXPOSED_WEAK_EXIT;
  }
  const metrics = createMetrics(db, { processMetrics: true });
  // Reports and exports from a read replica when one is given (issue 18 point 4); never migrated from here.
  const replica = replicaUrl ? await openDatabase({ url: replicaUrl }) : undefined;
  const app = await buildApp({
    db,
    replica,
    config,
    loggerInstance: logger,
    metrics,
    metricsToken: settings.metricsToken,
    webDist: resolve("web/dist"),
    trustProxy: settings.trustProxy,
  });
  await app.listen({ port: settings.port, host });
  const delivery = { ...deliveryConfigFromEnv(), timeZone: config.timeZone };
  const address = app.server.address() as AddressInfo;
  logger.info(
    {
      event: "started",
      url: `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}/`,
      database: describeDatabase(url),
      reportsFrom: replicaUrl ? describeDatabase(replicaUrl) : "primary",
      mail: describeMail(delivery),
      figures: figuresInForce(config),
      sweepEverySeconds: settings.sweepEveryMs / 1000,
      metrics: settings.metricsToken ? "loopback or bearer token" : "loopback only",
    },
    "ecart serve started",
  );
  const jobs = startJobs(db, {
    config,
    delivery,
    logger,
    metrics,
    sweepEveryMs: settings.sweepEveryMs,
    sweepBatch: settings.sweepBatch,
  });
  // SIGTERM/SIGINT: no new connection, the requests, the sweep batch and the delivery in hand finish,
  // then the database closes; exit 0 (shutdown.ts).
  stopGracefully(
    [
      [
        { name: "http", stop: () => app.close() },
        { name: "sweep", stop: jobs.stopSweep },
        { name: "outbox", stop: jobs.stopOutbox },
        { name: "webhooks", stop: jobs.stopWebhooks },
        { name: "partitions", stop: jobs.stopPartitions },
      ],
      [
        {
          name: "database",
          stop: async () => {
            await replica?.close();
            await db.close();
          },
        },
      ],
    ],
    logger,
  );
  return new Promise<number>(() => {}); // the process ends in stopGracefully
}
