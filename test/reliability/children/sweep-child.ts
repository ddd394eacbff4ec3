/**
 * A sweeper in its own process, for the crash tests: sweeps the deadlines expired at the given
 * instant, in small batches, until none is left, saying BATCH after each commit; the parent kills it
 * (SIGKILL) at a random moment.
 * Usage (bundled by crash.ts): node sweep-child.mjs <postgres url> <ISO instant>
 */
import { sweepDeadlines } from "../../../src/move-in/sweep.js";
import { makeConfig } from "../../../src/platform/config.js";
import { openDatabase } from "../../../src/platform/db.js";

const [url, at] = process.argv.slice(2);
const db = await openDatabase({ url: url as string, poolSize: 2 });
process.stdout.write("READY\n");
const r = await sweepDeadlines(db, new Date(at as string), makeConfig(), {
  batchSize: 2,
  onBatch: () => process.stdout.write("BATCH\n"),
});
process.stdout.write(`DONE ${JSON.stringify(r)}\n`);
await db.close();
