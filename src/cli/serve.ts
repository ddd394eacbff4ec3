/** `ecart serve`: the product's long-running process. Runs the deadline sweep on a timer. */
import { sweepDeadlines } from "../move-in/sweep.js";
import { makeConfig } from "../platform/config.js";
import { openDatabase } from "../platform/db.js";
import { migrate } from "../platform/migrate.js";
import { databaseUrl } from "./database.js";

/** How often the sweep runs: deadlines end at midnight, a minute is ample. */
export const SWEEP_EVERY_MS = Number(process.env.ECART_SWEEP_EVERY_MS ?? 60_000);

export async function serve(_args: string[]): Promise<number> {
  const db = await openDatabase({ url: databaseUrl() });
  await migrate(db);
  const config = makeConfig();
  const log = (msg: string) => process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
  const sweep = async () => {
    try {
      const r = await sweepDeadlines(db, new Date(), config);
      if (r.subscribed + r.skipped + r.failed.length > 0) log(`sweep: ${JSON.stringify(r)}`);
    } catch (e) {
      log(`sweep failed: ${(e as Error).message}`);
    }
  };
  log(`ecart serve: database ${db.kind}; deadline sweep every ${SWEEP_EVERY_MS / 1000}s`);
  await sweep();
  const timer = setInterval(sweep, SWEEP_EVERY_MS);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  clearInterval(timer);
  await db.close();
  return 0;
}
