/**
 * A/B of the readings import's options on the same file, interleaved, each run into a fresh database
 * (development aid, not part of `npm run bench`):
 *   npx tsx bench/ab-import.ts ROWS SERVICE_POINTS ROUNDS VARIANT… (a variant: env assignments, e.g. BENCH_IMPORT_CONNECTIONS=1;
 *   TREE=DIR runs the import and the migrations of another copy of the sources, e.g. `git archive BASE src bench | tar -x -C DIR`)
 * Prints rows/s, the import process's CPU seconds and peak RSS per run.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundled } from "../test/support/bundle.js";
import { SERVICE_POINTS_SQL, writeImportFiles } from "./import-data.js";
import { benchDatabase, client, log, round } from "./lib.js";

const here = dirname(fileURLToPath(import.meta.url));

async function main() {
  const [rowsArg, spArg, roundsArg, ...variants] = process.argv.slice(2);
  const rows = Number(rowsArg);
  const sps = Number(spArg);
  const csv = `/tmp/ecart-ab-${rows}.csv`;
  const copy = `/tmp/ecart-ab-${rows}.copy`;
  await writeImportFiles(rows, sps, csv, copy);
  for (let r = 0; r < Number(roundsArg); r++)
    for (const v of variants.length ? variants : [""]) {
      const env = { ...process.env };
      for (const kv of v.split(",").filter(Boolean)) {
        const [k, val] = kv.split("=");
        env[k as string] = val;
      }
      const script = await bundled(join(env.TREE ? join(env.TREE, "bench") : here, "import-child.ts"));
      const bench = await benchDatabase(
        "ab",
        2,
        env.TREE ? join(env.TREE, "src/platform/migrations") : undefined,
      );
      const c = await client(bench.url);
      for (const s of SERVICE_POINTS_SQL(sps)) await c.query(s);
      await c.query("vacuum analyze");
      await c.end();
      const t0 = process.hrtime.bigint();
      const proc = spawn(
        "/usr/bin/time",
        [
          "-f",
          "%U %S",
          process.execPath,
          ...(env.PROF ? ["--cpu-prof", `--cpu-prof-dir=${env.PROF}`] : []),
          script,
          "pg",
          bench.url,
          csv,
        ],
        {
          env,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let out = "";
      let err = "";
      proc.stdout.on("data", (d: Buffer) => {
        out += d;
      });
      proc.stderr.on("data", (d: Buffer) => {
        err += d;
      });
      await new Promise((res) => proc.on("exit", res));
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const res = JSON.parse(out.trim().split("\n").at(-1) as string);
      const [u, s] = err.trim().split("\n").at(-1)?.split(" ").map(Number) ?? [0, 0];
      log(
        `${v || "default"}: ${round(rows / res.seconds)} rows/s (${round(res.seconds, 1)} s, wall ${round(wall, 1)}), import CPU ${round((u ?? 0) + (s ?? 0), 1)} s, RSS ${round(res.maxRssMb)} MB, inserted ${res.summary.inserted}`,
      );
      await bench.drop();
    }
  rmSync(csv, { force: true });
  rmSync(copy, { force: true });
  rmSync(`${csv}.rejects.csv`, { force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
