/**
 * Figure 1: the readings bulk import (`importReadings`, what `ecart import readings` runs) with
 * plausibility, on PostgreSQL (1M rows; 10M in full mode; BENCH_IMPORT_ROWS=3000000,… sets the sizes)
 * and on PGlite. Each import runs in its own process (bench/import-child.ts; on PostgreSQL bundled by
 * esbuild so that its peak RSS is the import's own, not the TypeScript loader's). Baselines, same run, same rows: a
 * plain COPY of the rows (same columns, already computed) into an unindexed table, run before and after
 * the import (median); and a COPY of the same rows into a table like `readings` (its id default,
 * checks, keys, index and its statement-level reference check, migration 520), the floor of any load into `readings`.
 */
import { spawn } from "node:child_process";
import { createReadStream, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { from as copyFrom } from "pg-copy-streams";
import { COPY_COLUMNS } from "../src/readings/import-load.js";
import { bundled } from "../test/support/bundle.js";
import { INDEXED_TABLE_SQL, PLAIN_TABLE_SQL, SERVICE_POINTS_SQL, writeImportFiles } from "./import-data.js";
import {
  benchDatabase,
  client,
  type Figure,
  figure,
  log,
  median,
  round,
  type Section,
  timed,
} from "./lib.js";

const here = dirname(fileURLToPath(import.meta.url));

interface ChildResult {
  summary: {
    lines: number;
    inserted: number;
    rejected: number;
    suspect: number;
    alreadyPresent: number;
    peakHeapMb: number;
  };
  seconds: number;
  maxRssMb: number;
  baseline?: number[];
}

/** Runs the child: bundled for PostgreSQL; through tsx for PGlite (it migrates, and finds its SQL files next to its sources). */
async function child(args: string[]): Promise<ChildResult> {
  const script =
    args[0] === "pg"
      ? [await bundled(join(here, "import-child.ts"))]
      : ["--import", "tsx", join(here, "import-child.ts")];
  const proc = spawn(process.execPath, [...script, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  proc.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const code = await new Promise<number>((resolve) => proc.on("exit", (c) => resolve(c ?? 1)));
  if (code !== 0) throw new Error(`import child exited with ${code}`);
  return JSON.parse(out.trim().split("\n").at(-1) as string) as ChildResult;
}

/** Seconds to COPY the baseline file into `table` (emptied first). */
async function copyInto(url: string, copyFile: string, table: "readings_plain" | "readings_indexed") {
  const c = await client(url);
  try {
    await c.query(PLAIN_TABLE_SQL);
    for (const s of INDEXED_TABLE_SQL) await c.query(s);
    await c.query(`truncate ${table}`);
    await c.query("checkpoint").catch(() => {});
    const t = await timed(() =>
      pipeline(
        createReadStream(copyFile, { highWaterMark: 1 << 20 }),
        c.query(copyFrom(`copy ${table} (${COPY_COLUMNS.join(", ")}) from stdin with (format text)`)),
      ),
    );
    await c.query(`truncate ${table}`);
    return t.seconds;
  } finally {
    await c.end();
  }
}

const plainCopy = (url: string, copyFile: string) => copyInto(url, copyFile, "readings_plain");

async function postgresRun(
  rows: number,
  servicePoints: number,
): Promise<{ figures: Figure[]; notes: string[]; details: unknown }> {
  const csv = `/tmp/ecart-bench-import-${rows}.csv`;
  const copy = `/tmp/ecart-bench-import-${rows}.copy`;
  const bench = await benchDatabase(`import${rows >= 1e6 ? `${rows / 1e6}m` : rows}`, 2);
  try {
    const gen = await timed(() => writeImportFiles(rows, servicePoints, csv, copy));
    const c = await client(bench.url);
    for (const s of SERVICE_POINTS_SQL(servicePoints)) await c.query(s);
    await c.query("vacuum analyze");
    await c.end();
    log(
      `import: ${rows} rows written (${round(statSync(csv).size / 2 ** 20)} MB) in ${gen.seconds.toFixed(0)} s; baseline COPY…`,
    );
    const base1 = await plainCopy(bench.url, copy);
    log(`import: baseline ${round(rows / base1)} rows/s; COPY into a table like readings…`);
    const floor = await copyInto(bench.url, copy, "readings_indexed");
    log(`import: like readings ${round(rows / floor)} rows/s; import…`);
    const r = await child(["pg", bench.url, csv]);
    log(`import: ${round(r.summary.lines / r.seconds)} rows/s; baseline again…`);
    const base2 = await plainCopy(bench.url, copy);
    if (r.summary.inserted + r.summary.rejected !== rows)
      throw new Error(`import: ${r.summary.inserted} inserted + ${r.summary.rejected} rejected ≠ ${rows}`);
    const c2 = await client(bench.url);
    const inDb = (
      await c2.query(
        "select count(*)::int as n, count(*) filter (where status = 'SUSPECT')::int as s from readings",
      )
    ).rows[0];
    await c2.end();
    if (inDb.n !== r.summary.inserted)
      throw new Error(`import: ${inDb.n} rows in the database, ${r.summary.inserted} reported`);
    const rate = r.summary.lines / r.seconds;
    const baseRate = rows / median([base1, base2]);
    const floorRate = rows / floor;
    const label = rows >= 1e6 ? `${rows / 1e6}M` : rows.toLocaleString("en");
    return {
      figures: [
        figure({
          id: `import.pg_${label}_rows_per_s`,
          label: `import ${label} rows with plausibility, PostgreSQL`,
          value: Math.round(rate),
          unit: "rows/s",
          baseline: { label: "plain COPY, same rows, unindexed table", value: Math.round(baseRate) },
          ratio: round(rate / baseRate, 4),
          target: "≥ 250,000/s, ratio ≥ 0.6",
          ok: rate >= 250_000 && rate / baseRate >= 0.6,
        }),
        figure({
          id: `import.pg_${label}_vs_copy_like_readings`,
          label: `import ${label} rows vs a COPY into a table like readings (ids, keys, index, reference checks)`,
          value: Math.round(rate),
          unit: "rows/s",
          baseline: {
            label: "COPY, same rows, one unpartitioned table like readings",
            value: Math.round(floorRate),
          },
          ratio: round(rate / floorRate, 4),
          target: null,
        }),
        figure({
          id: `import.pg_${label}_peak_rss_mb`,
          label: `import ${label} rows, peak RSS of the import process`,
          value: round(r.maxRssMb, 1),
          unit: "MB",
          baseline: null,
          target: "< 300 MB, flat in N",
          ok: r.maxRssMb < 300,
        }),
      ],
      notes: [
        `PostgreSQL ${label}: ${servicePoints.toLocaleString("en")} service points × ${Math.ceil(rows / servicePoints)} monthly readings, ${r.summary.suspect.toLocaleString("en")} SUSPECT (slips), ${r.summary.rejected} rejected; import ${round(r.seconds, 1)} s, baseline COPY ${round(base1, 1)} / ${round(base2, 1)} s, COPY into a table like readings ${round(floor, 1)} s; peak heap ${r.summary.peakHeapMb} MB`,
      ],
      details: {
        rows,
        servicePoints,
        importSeconds: r.seconds,
        baselineSeconds: [base1, base2],
        likeReadingsSeconds: floor,
        summary: r.summary,
        maxRssMb: r.maxRssMb,
        readingsInDb: inDb,
      },
    };
  } finally {
    await bench.drop();
    rmSync(csv, { force: true });
    rmSync(copy, { force: true });
    rmSync(`${csv}.rejects.csv`, { force: true });
  }
}

async function pgliteRun(
  rows: number,
  servicePoints: number,
): Promise<{ figures: Figure[]; notes: string[]; details: unknown }> {
  const csv = `/tmp/ecart-bench-import-lite-${rows}.csv`;
  const copy = `/tmp/ecart-bench-import-lite-${rows}.copy`;
  try {
    await writeImportFiles(rows, servicePoints, csv, copy);
    const r = await child(["pglite", String(servicePoints), csv, copy, "1"]);
    if (r.summary.inserted + r.summary.rejected !== rows)
      throw new Error(`pglite import: ${r.summary.inserted} inserted of ${rows}`);
    const rate = r.summary.lines / r.seconds;
    const baseRate = rows / median(r.baseline ?? []);
    return {
      figures: [
        figure({
          id: "import.pglite_rows_per_s",
          label: `import ${rows.toLocaleString("en")} rows with plausibility, PGlite`,
          value: Math.round(rate),
          unit: "rows/s",
          baseline: { label: "PGlite plain COPY, same rows, unindexed table", value: Math.round(baseRate) },
          ratio: round(rate / baseRate, 4),
          target: null,
        }),
      ],
      notes: [
        `PGlite (in memory) ${rows.toLocaleString("en")} rows: import ${round(r.seconds, 1)} s, baseline COPY ${(r.baseline ?? []).map((x) => round(x, 1)).join(" / ")} s, process peak RSS ${round(r.maxRssMb)} MB (includes the in-memory database)`,
      ],
      details: {
        rows,
        importSeconds: r.seconds,
        baselineSeconds: r.baseline,
        summary: r.summary,
        maxRssMb: r.maxRssMb,
      },
    };
  } finally {
    rmSync(csv, { force: true });
    rmSync(copy, { force: true });
    rmSync(`${csv}.rejects.csv`, { force: true });
  }
}

export async function benchImport(quick: boolean): Promise<Section> {
  const servicePoints = Number(process.env.BENCH_IMPORT_SERVICE_POINTS ?? 100_000);
  const sizes = process.env.BENCH_IMPORT_ROWS
    ? process.env.BENCH_IMPORT_ROWS.split(",").map(Number)
    : quick
      ? [1_000_000]
      : [1_000_000, 10_000_000];
  const figures: Figure[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = {};
  for (const rows of sizes) {
    const r = await postgresRun(rows, servicePoints);
    figures.push(...r.figures);
    notes.push(...r.notes);
    details[`pg_${rows}`] = r.details;
  }
  const liteRows = quick ? 100_000 : 1_000_000;
  const lite = await pgliteRun(liteRows, Math.min(servicePoints, liteRows / 10));
  figures.push(...lite.figures);
  notes.push(...lite.notes);
  details.pglite = lite.details;
  if (sizes.length >= 2) {
    const rss = sizes.map((n) => round((details[`pg_${n}`] as { maxRssMb: number }).maxRssMb));
    notes.push(
      `peak RSS ${sizes.map((n) => `${n / 1e6}M`).join(" → ")} rows: ${rss.join(" → ")} MB (same ${servicePoints.toLocaleString("en")} service points: the carried histories are per meter, not per row)`,
    );
  } else
    notes.push(
      `${quick ? "QUICK MODE: " : ""}${sizes.map((n) => n.toLocaleString("en")).join(", ")} rows on PostgreSQL only (1M and 10M in full mode), ${liteRows.toLocaleString("en")} on PGlite`,
    );
  return { name: "readings import", figures, notes, details };
}
