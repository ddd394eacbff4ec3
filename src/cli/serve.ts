/**
 * `ecart serve`: the product's long-running process. The HTTP API and the console (web/dist) on
 * HOST:PORT (127.0.0.1:8080 by default), the deadline sweep on a timer, the outbox worker, the webhook worker.
 */
import { resolve } from "node:path";
import { countAccounts, createAccount } from "../accounts/store.js";
import { startOutboxWorker } from "../communications/worker.js";
import { buildApp, loggerOptions } from "../http/app.js";
import { parseTrustProxy } from "../http/network.js";
import { startWebhookWorker } from "../integration/webhook-worker.js";
import { sweepDeadlines } from "../move-in/sweep.js";
import { makeConfig } from "../platform/config.js";
import { type Database, openDatabase } from "../platform/db.js";
import { migrate } from "../platform/migrate.js";
import type { AccountRole } from "../platform/schema.js";
import { databaseUrl } from "./database.js";

/** How often the sweep runs: deadlines end at midnight, a minute is ample. */
export const SWEEP_EVERY_MS = Number(process.env.ECART_SWEEP_EVERY_MS ?? 60_000);
/** Default port and interface: local only unless HOST says otherwise. */
export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = "127.0.0.1";
/** The password of the demo accounts (ECART_DEMO_ACCOUNTS=1 on a fresh database only); documented in the README. */
export const DEMO_PASSWORD = "ecart-demo";
/** The demo accounts: one per role. */
export const DEMO_ACCOUNTS: ReadonlyArray<{ username: string; role: AccountRole; entity: string }> = [
  { username: "admin", role: "ADMIN", entity: "SIEGE" },
  { username: "fo", role: "FO", entity: "FO-LYON" },
  { username: "bo", role: "BO", entity: "BO-LYON" },
  { username: "euros", role: "EUROS", entity: "EUROS" },
  { username: "superviseur", role: "SUPERVISOR", entity: "PILOTAGE" },
];

/** On a database without accounts: the demo accounts when asked for, else how to create the first admin. */
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
    await createAccount(db.kysely, { ...a, password: DEMO_PASSWORD }, new Date());
  log(
    `demo accounts created, password "${DEMO_PASSWORD}": ${DEMO_ACCOUNTS.map((a) => `${a.username} (${a.role})`).join(", ")}`,
  );
}

export async function serve(_args: string[]): Promise<number> {
  const db = await openDatabase({ url: databaseUrl() });
  await migrate(db);
  const config = makeConfig();
  const log = (msg: string) => process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
  await bootstrapAccounts(db, process.env.ECART_DEMO_ACCOUNTS === "1", log);
  const sweep = async () => {
    try {
      const r = await sweepDeadlines(db, new Date(), config);
      if (r.subscribed + r.skipped + r.failed.length > 0) log(`sweep: ${JSON.stringify(r)}`);
    } catch (e) {
      log(`sweep failed: ${(e as Error).message}`);
    }
  };
  const app = await buildApp({
    db,
    config,
    logger: loggerOptions(),
    webDist: resolve("web/dist"),
    trustProxy: parseTrustProxy(process.env.ECART_TRUST_PROXY),
  });
  const port = Number(process.env.PORT ?? DEFAULT_PORT);
  const host = process.env.HOST ?? DEFAULT_HOST;
  await app.listen({ port, host });
  log(
    `ecart serve: http://${host}:${port}/ (API /api, docs /docs); database ${db.kind}; deadline sweep every ${SWEEP_EVERY_MS / 1000}s`,
  );
  await sweep();
  const timer = setInterval(sweep, SWEEP_EVERY_MS);
  const stopOutbox = startOutboxWorker(db, { log });
  const webhooks = startWebhookWorker(db, { log });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  clearInterval(timer);
  await app.close();
  await stopOutbox();
  await webhooks.stop();
  await db.close();
  return 0;
}
