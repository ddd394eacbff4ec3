/**
 * Figure 1: the readings bulk import (`importReadings`, what `ecart import readings` runs) with
 * plausibility, on PostgreSQL (1M rows; 10M in full mode) and on PGlite. Each import runs in its own
 * process (bench/import-child.ts) so that its peak RSS is its own. Baseline, same run, same rows:
 * a plain COPY of the rows (same columns, already computed) into an unindexed table, run before and
 * after the import (median).
 */
import { spawn } from "node:child_process";
import { createReadStream, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { from as copyFrom } from "pg-copy-streams";
import { COPY_COLUMNS } from "../src/readings/import-load.js";
import { PLAIN_TABLE_SQL, SERVICE_POINTS_SQL, writeImportFiles } from "./import-data.js";
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

async function child(args: string[]): Promise<ChildResult> {
  const proc = spawn(process.execPath, ["--import", "tsx", join(here, "import-child.ts"), ...args], {
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

async function plainCopy(url: string, copyFile: string): Promise<number> {
  const c = await client(url);
  try {
    await c.query(PLAIN_TABLE_SQL);
    await c.query("truncate readings_plain");
    await c.query("checkpoint").catch(() => {});
    const t = await timed(() =>
      pipeline(
        createReadStream(copyFile, { highWaterMark: 1 << 20 }),
        c.query(copyFrom(`copy readings_plain (${COPY_COLUMNS.join(", ")}) from stdin with (format text)`)),
      ),
    );
    return t.seconds;
  } finally {
    await c.end();
  }
}

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
    log(`import: baseline ${round(rows / base1)} rows/s; import…`);
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
        `PostgreSQL ${label}: ${servicePoints.toLocaleString("en")} service points × ${Math.ceil(rows / servicePoints)} monthly readings, ${r.summary.suspect.toLocaleString("en")} SUSPECT (slips), ${r.summary.rejected} rejected; import ${round(r.seconds, 1)} s, baseline COPY ${round(base1, 1)} / ${round(base2, 1)} s; peak heap ${r.summary.peakHeapMb} MB`,
      ],
      details: {
        rows,
        servicePoints,
        importSeconds: r.seconds,
        baselineSeconds: [base1, base2],
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
  const sizes = quick ? [1_000_000] : [1_000_000, 10_000_000];
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
  if (sizes.length === 2) {
    const [a, b] = sizes.map((n) => (details[`pg_${n}`] as { maxRssMb: number }).maxRssMb);
    notes.push(
      `peak RSS 1M → 10M rows: ${round(a as number)} → ${round(b as number)} MB (same ${servicePoints.toLocaleString("en")} service points: the carried histories are per meter, not per row)`,
    );
  } else notes.push("QUICK MODE: 1M rows on PostgreSQL only (10M in full mode), 100,000 on PGlite");
  return { name: "readings import", figures, notes, details };
}
