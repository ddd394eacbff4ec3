/**
 * PostgreSQL's share of the readings import, piece by piece (development aid, not part of `npm run bench`):
 *   npx tsx bench/pg-split-import.ts ROWS SERVICE_POINTS ROUNDS VARIANT…
 * The bench's rows, already computed (COPY text), loaded in the import's batches (5,000 rows, one
 * transaction each, one connection) into a fresh migrated database per run. A variant names where the
 * rows go and what is dropped first, joined by "+":
 *   parent | partition          COPY into `readings` (routed) or into the month's partition by name
 *   -trigger                    without the references trigger (on readings and every partition)
 *   -importkey | -spdate | -pk  without that index
 *   sql:FILE                    with FILE's SQL run first (a migration being weighed)
 *   tree:DIR                    the database migrated by DIR's migrations (another copy of the sources)
 * Prints seconds and µs per row for each run.
 */
import { readFileSync, rmSync } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { COPY_COLUMNS } from "../src/readings/import-load.js";
import { SERVICE_POINTS_SQL, writeImportFiles } from "./import-data.js";
import { benchDatabase, client, load, log, round } from "./lib.js";

const BATCH = Number(process.env.BATCH ?? 5000);

async function main() {
  const [rowsArg, spArg, roundsArg, ...variants] = process.argv.slice(2);
  const rows = Number(rowsArg);
  const sps = Number(spArg);
  const csv = `/tmp/ecart-split-${rows}.csv`;
  const copy = `/tmp/ecart-split-${rows}.copy`;
  await writeImportFiles(rows, sps, csv, copy);
  const lines = readFileSync(copy, "latin1").split("\n").filter(Boolean);
  rmSync(csv, { force: true });
  rmSync(copy, { force: true });
  // Batches as the import makes them (file order), each split by month.
  const batches: Array<Map<string, string>> = [];
  for (let i = 0; i < lines.length; i += BATCH) {
    const byMonth = new Map<string, string>();
    for (const l of lines.slice(i, i + BATCH)) {
      const month = (l.split("\t")[2] as string).slice(0, 7).replace("-", "_");
      byMonth.set(month, `${byMonth.get(month) ?? ""}${l}\n`);
    }
    batches.push(byMonth);
  }
  for (let r = 0; r < Number(roundsArg); r++)
    for (const v of variants) {
      const parts = v.split("+");
      const tree = parts.find((p) => p.startsWith("tree:"))?.slice(5);
      const bench = await benchDatabase("split", 2, tree ? `${tree}/src/platform/migrations` : undefined);
      const c = await client(bench.url);
      for (const s of SERVICE_POINTS_SQL(sps)) await c.query(s);
      const months = [...new Set(batches.flatMap((b) => [...b.keys()]))];
      for (const m of months)
        await c.query("select ecart_readings_partition($1::date)", [`${m.replace("_", "-")}-01`]);
      for (const p of parts) if (p.startsWith("sql:")) await c.query(readFileSync(p.slice(4), "utf8"));
      if (parts.includes("-trigger")) {
        const t = await c.query<{ rel: string }>(
          "select tgrelid::regclass::text as rel from pg_trigger where tgname = 'readings_references'",
        );
        for (const x of t.rows) await c.query(`drop trigger readings_references on ${x.rel}`);
      }
      if (parts.includes("-importkey")) await c.query("drop index readings_import_key_sp");
      if (parts.includes("-spdate")) await c.query("drop index readings_sp_date");
      if (parts.includes("-pk")) await c.query("alter table readings drop constraint readings_pkey");
      await c.query("vacuum analyze");
      await c.query("checkpoint");
      const direct = parts.includes("partition");
      const t0 = process.hrtime.bigint();
      for (const b of batches) {
        await c.query("begin");
        for (const [m, text] of b) {
          const table = direct ? `readings_${m}` : "readings";
          await pipeline(
            Readable.from([text]),
            c.query(copyFrom(`copy ${table} (${COPY_COLUMNS.join(", ")}) from stdin with (format text)`)),
          );
        }
        await c.query("commit");
      }
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      const n = (await c.query<{ n: number }>("select count(*)::int as n from readings")).rows[0]?.n;
      await c.end();
      log(
        `${v}: ${round(s, 2)} s, ${round((s * 1e6) / rows, 2)} µs/row, ${n} rows, load ${load().join(" ")}`,
      );
      await bench.drop();
    }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
