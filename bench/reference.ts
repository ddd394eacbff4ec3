/**
 * The reference-data import of SPEC §8 (`ecart import service-points|meters|subscriptions`, what
 * `importReference` runs): N service points with their meters and subscriptions (1M in full mode, 20,000
 * with --quick; BENCH_REFERENCE_POINTS sets it), loaded in order on PostgreSQL, then loaded again (the
 * idempotent pass: every row UNCHANGED; BENCH_REFERENCE_AGAIN=0 skips it). Baseline, same run, same rows: a
 * plain COPY of each file into an unindexed table of text columns (format csv, the file's own separator),
 * run before the import. The import is the product's own `importReference` (what the CLI runs, default
 * batch); this process's peak RSS during each import and the load average before and after are recorded.
 */

import { once } from "node:events";
import { createReadStream, createWriteStream, rmSync, statSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import { importReference, type ReferenceSummary } from "../src/integration/import.js";
import type { ReferenceKind } from "../src/integration/rows.js";
import { makeConfig } from "../src/platform/config.js";
import type { Context } from "../src/platform/context.js";
import {
  benchDatabase,
  client,
  type Figure,
  figure,
  load as loadAverage,
  log,
  round,
  type Section,
  timed,
  withRss,
} from "./lib.js";

/** Each file: its separator and columns (the samples' forms: `;` and DD/MM/YYYY, then `,` and ISO). */
const FILES: Array<{ kind: ReferenceKind; delimiter: ";" | ","; columns: string[] }> = [
  { kind: "service-points", delimiter: ";", columns: ["service_point", "address", "owner_name"] },
  {
    kind: "meters",
    delimiter: ";",
    columns: ["service_point", "serial", "remote", "installed_on", "installed_index"],
  },
  {
    kind: "subscriptions",
    delimiter: ",",
    columns: [
      "subscription",
      "service_point",
      "customer",
      "customer_name",
      "email",
      "start_date",
      "start_index",
      "end_date",
      "end_index",
    ],
  },
];

const pad = (n: number, w: number) => String(n).padStart(w, "0");

/** The i-th row of a file (no quote, no separator inside a value: the baseline COPY reads the same text). */
function rowOf(kind: ReferenceKind, i: number): string {
  const sp = `PDS-${pad(i, 7)}`;
  if (kind === "service-points")
    return `${sp};${1 + (i % 120)} rue des Lilas 69003 Lyon;${i % 3 === 0 ? `SCI ${i % 40}` : ""}`;
  if (kind === "meters")
    return `${sp};M${pad(i, 8)};${i % 5 === 0 ? "1" : "0"};${pad(1 + (i % 28), 2)}/${pad(1 + (i % 12), 2)}/2012;0`;
  const ended = i % 4 === 0;
  const start = `201${5 + (i % 4)}-${pad(1 + (i % 12), 2)}-${pad(1 + (i % 28), 2)}`;
  return `AB-${pad(i, 7)},${sp},C-${pad(i, 7)},Client ${i},${i % 2 ? `c${i}@example.fr` : ""},${start},${100 + (i % 900)},${ended ? "2023-12-31" : ""},${ended ? 2000 + (i % 900) : ""}`;
}

async function writeFile(path: string, kind: ReferenceKind, points: number, header: string) {
  const out = createWriteStream(path);
  out.write(`${header}\n`);
  let chunk = "";
  for (let i = 0; i < points; i++) {
    chunk += `${rowOf(kind, i)}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, "drain");
      chunk = "";
    }
  }
  out.end(chunk);
  await once(out, "close");
}

const ctx = (): Context => ({
  actor: { user: "import:bench", role: "SYSTEM", entity: "IMPORT" },
  now: new Date(),
  config: makeConfig(),
});

export async function benchReference(quick: boolean): Promise<Section> {
  const points = Number(process.env.BENCH_REFERENCE_POINTS ?? (quick ? 20_000 : 1_000_000));
  const bench = await benchDatabase(`reference${points}`, 4);
  const paths = FILES.map((f) => `/tmp/ecart-bench-reference-${f.kind}-${points}.csv`);
  const figures: Figure[] = [];
  const notes: string[] = [];
  const details: Record<string, unknown> = { points };
  try {
    await Promise.all(
      FILES.map((f, k) => writeFile(paths[k] as string, f.kind, points, f.columns.join(f.delimiter))),
    );
    log(
      `reference: ${points} service points, ${FILES.length} files (${paths.map((p) => round(statSync(p).size / 2 ** 20)).join(" + ")} MB)`,
    );
    const copyLoad = loadAverage().join(" ");
    // Baseline: a plain COPY of each file's rows into an unindexed table of text columns.
    const c = await client(bench.url);
    const baseline: number[] = [];
    for (const [k, f] of FILES.entries()) {
      const table = `plain_${f.kind.replace("-", "_")}`;
      await c.query(`create table ${table} (${f.columns.map((x) => `${x} text`).join(", ")})`);
      const t = await timed(() =>
        pipeline(
          createReadStream(paths[k] as string, { highWaterMark: 1 << 20 }),
          c.query(
            copyFrom(`copy ${table} from stdin with (format csv, header true, delimiter '${f.delimiter}')`),
          ),
        ),
      );
      baseline.push(t.seconds);
      await c.query(`drop table ${table}`);
    }
    await c.end();
    log(`reference: plain COPY ${baseline.map((s) => `${round(points / s)} rows/s`).join(", ")}; import…`);
    const loadOf = () => loadAverage().join(" ");
    const importLoad = loadOf();
    const load = (k: number, kind: ReferenceKind) =>
      withRss(() =>
        importReference(bench.db, ctx(), kind, createReadStream(paths[k] as string), {
          rejectsPath: `${paths[k]}.rejects.csv`,
          source: kind,
        }),
      );
    // The three files in order first (the figure of issue 13), then the same three again.
    const firsts: ReferenceSummary[] = [];
    const peaks: number[] = [];
    for (const [k, f] of FILES.entries()) {
      const { value: first, peakMb } = await load(k, f.kind);
      if (first.inserted !== points)
        throw new Error(`${f.kind}: ${first.inserted} inserted of ${points} (${first.rejected} rejected)`);
      firsts.push(first);
      peaks.push(peakMb);
      log(
        `reference: ${f.kind} ${first.rowsPerSecond} rows/s (${round(first.seconds, 1)} s, peak RSS ${round(peakMb)} MB, load ${loadOf()})`,
      );
    }
    const againLoad = loadOf();
    const agains: ReferenceSummary[] = [];
    if (process.env.BENCH_REFERENCE_AGAIN !== "0")
      for (const [k, f] of FILES.entries()) {
        const { value: again, peakMb } = await load(k, f.kind);
        if (again.unchanged !== points)
          throw new Error(`${f.kind}: ${again.unchanged} unchanged of ${points} on the second load`);
        agains.push(again);
        peaks[k] = Math.max(peaks[k] as number, peakMb);
        log(`reference: ${f.kind} again ${again.rowsPerSecond} rows/s (${round(again.seconds, 1)} s)`);
      }
    const runs = firsts.map((first, k) => ({ first, again: agains[k] ?? null }));
    const label = points >= 1e6 ? `${points / 1e6}M` : points.toLocaleString("en");
    for (const [k, f] of FILES.entries()) {
      const r = runs[k] as (typeof runs)[number];
      const rate = points / r.first.seconds;
      const base = points / (baseline[k] as number);
      figures.push(
        figure({
          id: `reference.${f.kind}_${label}_rows_per_s`,
          label: `import ${label} ${f.kind} (upsert, checks, history readings), PostgreSQL`,
          value: Math.round(rate),
          unit: "rows/s",
          baseline: { label: "plain COPY of the same rows, unindexed text table", value: Math.round(base) },
          ratio: round(rate / base, 4),
          target: null,
        }),
      );
      if (r.again)
        figures.push(
          figure({
            id: `reference.${f.kind}_${label}_again_rows_per_s`,
            label: `the same ${f.kind} file again (every row UNCHANGED)`,
            value: Math.round(points / r.again.seconds),
            unit: "rows/s",
            baseline: { label: "plain COPY of the same rows, unindexed text table", value: Math.round(base) },
            ratio: round(points / r.again.seconds / base, 4),
            target: null,
          }),
        );
    }
    const total = runs.reduce((s, r) => s + r.first.seconds, 0);
    const totalBase = baseline.reduce((s, x) => s + x, 0);
    figures.push(
      figure({
        id: `reference.all_${label}_rows_per_s`,
        label: `${label} service points with their meters and subscriptions, three files in order`,
        value: Math.round((3 * points) / total),
        unit: "rows/s",
        baseline: {
          label: "plain COPY of the same three files",
          value: Math.round((3 * points) / totalBase),
        },
        ratio: round(totalBase / total, 4),
        target: null,
      }),
    );
    const peakMb = Math.max(...peaks);
    figures.push(
      figure({
        id: `reference.peak_rss_${label}_mb`,
        label: `peak RSS of the importing process, ${label} service points (PostgreSQL server not counted)`,
        value: round(peakMb, 1),
        unit: "MB",
        baseline: null,
        target: null,
      }),
    );
    notes.push(
      `${label} service points: import ${runs.map((r) => round(r.first.seconds, 1)).join(" + ")} s, again ${agains.length ? agains.map((a) => round(a.seconds, 1)).join(" + ") : "(skipped)"} s, plain COPY ${baseline.map((s) => round(s, 2)).join(" + ")} s; a quarter of the subscriptions ended (MOVE_IN and MOVE_OUT readings), the rest running`,
    );
    notes.push(
      `load average at the COPY ${copyLoad}, at the import ${importLoad}, at the again pass ${againLoad}, at the end ${loadOf()}; peak RSS per file ${peaks.map((p) => round(p)).join(" / ")} MB`,
    );
    details.runs = runs;
    details.baselineSeconds = baseline;
    details.peakRssMb = peaks;
    details.load = { copy: copyLoad, import: importLoad, again: againLoad, end: loadOf() };
  } finally {
    await bench.drop();
    for (const p of paths) {
      rmSync(p, { force: true });
      rmSync(`${p}.rejects.csv`, { force: true });
    }
  }
  return { name: "reference", figures, notes, details };
}
