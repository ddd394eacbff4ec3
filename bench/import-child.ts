/**
 * One import run in its own process, so that its peak memory is its own:
 *   tsx bench/import-child.ts pg URL FILE.csv
 *   tsx bench/import-child.ts pglite SERVICE_POINTS FILE.csv BASELINE.copy ROUNDS
 * Prints one JSON line: the import summary, the process's peak RSS (MB) and, on PGlite, the baseline
 * COPY timings measured in the same process (baseline, import, baseline).
 */
import { createReadStream, readFileSync } from "node:fs";
import { makeConfig } from "../src/platform/config.js";
import type { Context } from "../src/platform/context.js";
import { type Database, freshEmbeddedDatabase, openDatabase } from "../src/platform/db.js";
import { importReadings } from "../src/readings/import.js";
import { COPY_COLUMNS } from "../src/readings/import-load.js";
import { PLAIN_TABLE_SQL, SERVICE_POINTS_SQL } from "./import-data.js";

/** Import day: after every generated reading date (the import refuses future dates). */
const IMPORT_NOW = new Date("2035-01-01T10:00:00+01:00");

const CTX: Context = {
  actor: { user: "import:bench.csv", role: "SYSTEM", entity: "IMPORT" },
  now: IMPORT_NOW,
  config: makeConfig(),
};

async function run(db: Database, file: string) {
  return importReadings(db, CTX, createReadStream(file), {
    rejectsPath: `${file}.rejects.csv`,
    source: "bench.csv",
    ...(process.env.BATCH ? { batchRows: Number(process.env.BATCH) } : {}),
    ...(process.env.BENCH_IMPORT_CONNECTIONS
      ? { connections: Number(process.env.BENCH_IMPORT_CONNECTIONS) }
      : {}),
  });
}

async function main() {
  const [engine, target, file, baselineFile, roundsArg] = process.argv.slice(2);
  if (!engine || !target || !file)
    throw new Error("usage: import-child pg URL FILE | pglite N FILE BASELINE ROUNDS");
  if (engine === "pg") {
    const db = await openDatabase({ url: target, poolSize: 4 });
    const t0 = Date.now();
    const summary = await run(db, file);
    const seconds = (Date.now() - t0) / 1000;
    await db.close();
    const maxRssMb = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(`${JSON.stringify({ summary, seconds, maxRssMb })}\n`);
    return;
  }
  // PGlite: in memory, migrated; baseline COPY into an unindexed table, the import, the baseline again.
  const db = await freshEmbeddedDatabase();
  const lite = db.pglite;
  if (!lite || !baselineFile) throw new Error("pglite needs a baseline file");
  for (const s of SERVICE_POINTS_SQL(Number(target))) await lite.exec(s);
  await lite.exec(PLAIN_TABLE_SQL);
  const blob = new Blob([readFileSync(baselineFile)]);
  const baseline: number[] = [];
  const copy = async () => {
    await lite.exec("truncate readings_plain");
    const t0 = Date.now();
    await lite.query(
      `copy readings_plain (${COPY_COLUMNS.join(", ")}) from '/dev/blob' with (format text)`,
      [],
      { blob },
    );
    baseline.push((Date.now() - t0) / 1000);
  };
  const rounds = Number(roundsArg ?? 1);
  await copy();
  const t0 = Date.now();
  const summary = await run(db, file);
  const seconds = (Date.now() - t0) / 1000;
  for (let i = 1; i < rounds; i++) await copy();
  await copy();
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  await db.close();
  process.stdout.write(`${JSON.stringify({ summary, seconds, maxRssMb, baseline })}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
