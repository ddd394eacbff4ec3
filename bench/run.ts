/**
 * `npm run bench` (full) or `npm run bench -- --quick` (under two minutes): every figure of issue 7 with
 * its baseline measured in the same run, printed as a table and written to bench/results.json.
 * `--only=a,b` runs some sections (plausibility, sweep, reports, import, http, instances, reference).
 */
import { execSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Figure, load, log, round, type Section } from "./lib.js";

const here = dirname(fileURLToPath(import.meta.url));

type Runner = (quick: boolean) => Promise<Section | Section[]>;

const SECTIONS: Record<string, () => Promise<Runner>> = {
  plausibility: async () => (await import("./plausibility.js")).benchPlausibility,
  import: async () => (await import("./import.js")).benchImport,
  http: async () => (await import("./http.js")).benchHttp,
  sweep: async () => (await import("./sweep.js")).benchSweep,
  reports: async () => (await import("./reports.js")).benchReports,
  reference: async () => (await import("./reference.js")).benchReference,
  instances: async () => (await import("./instances.js")).benchInstances,
};

function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined) return "";
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString("en");
  return String(round(x, 3));
}

function table(sections: Section[]): string {
  const head = ["figure", "value", "unit", "baseline", "ratio", "target", "ok"];
  const rows: string[][] = [];
  for (const s of sections)
    for (const f of s.figures)
      rows.push([
        f.label,
        fmt(f.value),
        f.unit,
        f.baseline ? `${fmt(f.baseline.value)} (${f.baseline.label})` : "",
        fmt(f.ratio),
        f.target ?? "",
        f.ok === null ? "" : f.ok ? "yes" : "NO",
      ]);
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(width[i] as number)).join(" | ")} |`;
  return [line(head), `|${width.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

function sh(cmd: string): string {
  try {
    return execSync(cmd, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

async function main() {
  const args = process.argv.slice(2);
  const quick = args.includes("--quick");
  const only = args
    .find((a) => a.startsWith("--only="))
    ?.slice(7)
    .split(",");
  const names = only ?? ["plausibility", "sweep", "reports", "import", "http", "instances", "reference"];
  const started = new Date();
  const loadBefore = load();
  const sections: Section[] = [];
  for (const name of names) {
    const make = SECTIONS[name];
    if (!make) throw new Error(`unknown section ${name}`);
    log(`section ${name} (load ${load().join(" ")})`);
    const t0 = Date.now();
    try {
      const out = await (await make())(quick);
      for (const s of Array.isArray(out) ? out : [out]) {
        s.notes.push(`section time ${round((Date.now() - t0) / 1000, 1)} s, load after ${load().join(" ")}`);
        sections.push(s);
      }
    } catch (e) {
      log(`section ${name} failed: ${(e as Error).stack ?? e}`);
      sections.push({ name, figures: [], notes: [`FAILED: ${(e as Error).message}`] });
    }
  }
  const machine = {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? "",
    memoryMb: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    postgres: sh(
      `psql "${process.env.ECART_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"}" -Atc "show server_version"`,
    ),
    loadBefore,
    loadAfter: load(),
  };
  const results = {
    mode: quick ? "quick" : "full",
    startedAt: started.toISOString(),
    seconds: round((Date.now() - started.getTime()) / 1000, 1),
    machine,
    sections,
    figures: sections.flatMap((s) => s.figures) as Figure[],
  };
  const out = join(here, only ? `results.${quick ? "quick" : "full"}.partial.json` : "results.json");
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  sh(`npx biome format --write "${out}"`); // the repository's JSON style, so that biome check passes
  process.stdout.write(
    `\nÉcart bench (${results.mode}), ${machine.nproc} cores, ${machine.memoryMb} MB, load ${loadBefore.join(" ")} → ${machine.loadAfter.join(" ")}, ${results.seconds} s\n\n`,
  );
  process.stdout.write(`${table(sections)}\n\n`);
  for (const s of sections) for (const n of s.notes) process.stdout.write(`- ${s.name}: ${n}\n`);
  process.stdout.write(`\nwritten ${out}\n`);
}

let finished = false;
// A promise that never settles lets the event loop empty and node exit 0 without a word: say so, fail.
process.on("exit", (code) => {
  if (!finished && code === 0) {
    process.stderr.write(
      "bench: the run stopped before its end (a promise never settled); no results written\n",
    );
    process.exitCode = 1;
  }
});

main()
  .then(() => {
    finished = true;
  })
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
