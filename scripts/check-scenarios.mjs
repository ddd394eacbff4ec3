#!/usr/bin/env node
// Runs the shared scenario checker (../shared/tools/check-scenarios.mjs) over one or more
// folders, split into shards that run side by side (one per core by default), and prints the
// checker's lines and one closing "N passed, M failed" line. Exit 0 only when all pass. Each replay
// runs the bundle (dist/ecart.mjs, built first by scripts/build-cli.mjs) rather than tsx. Each shard
// has a scenario worker (`ecart scenario worker SOCKET`: one migrated PGlite, reset between files) and
// the checker's command for a file is `ecart scenario run --worker SOCKET FILE`, a bare node start
// (docs/scenarios.md). `--no-worker` starts a new process and database per file; `--tsx` replays
// through `npm run ecart`, a process per file, as at first.
//
//   node scripts/check-scenarios.mjs DIR [DIR…] [--shards N] [--no-worker] [--tsx]
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const args = process.argv.slice(2);
const at = args.indexOf("--shards");
const shards = at >= 0 ? Number(args.splice(at, 2)[1]) : Math.max(1, availableParallelism());
const tsxAt = args.indexOf("--tsx");
const viaTsx = tsxAt >= 0 && args.splice(tsxAt, 1).length > 0;
const noWorkerAt = args.indexOf("--no-worker");
const viaWorker = !viaTsx && !(noWorkerAt >= 0 && args.splice(noWorkerAt, 1).length > 0);
const dirs = args;
if (!viaTsx) {
  const built = spawnSync(process.execPath, ["scripts/build-cli.mjs"], { stdio: "inherit" });
  if (built.status !== 0) process.exit(1);
}
const ecart = `"${process.execPath}" dist/ecart.mjs`;
const checker = resolve("../shared/tools/check-scenarios.mjs");
const files = dirs.flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => ({ dir: d, f })),
);
if (files.length === 0) {
  console.error("no scenario files found");
  process.exit(1);
}
const root = mkdtempSync(join(tmpdir(), "ecart-scenarios-"));
const buckets = Array.from({ length: Math.min(shards, files.length) }, (_, i) => join(root, `shard-${i}`));
for (const b of buckets) mkdirSync(b);
// Same base name in two folders: prefix with the folder so nothing is overwritten.
files.forEach(({ dir, f }, i) => {
  copyFileSync(join(dir, f), join(buckets[i % buckets.length], `${dir.replace(/\W+/g, "_")}--${f}`));
});

/** Starts the worker of a shard; resolves once it listens. Its stdin open keeps it alive. */
const startWorker = (socket) =>
  new Promise((ready, fail) => {
    const w = spawn(process.execPath, ["dist/ecart.mjs", "scenario", "worker", socket], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    let said = "";
    w.stdout.on("data", (d) => {
      said += d;
      if (said.includes("ready\n")) ready(w);
    });
    w.on("exit", (code) => fail(new Error(`scenario worker exited (${code}) before it was ready`)));
  });
const workers = viaWorker
  ? await Promise.all(buckets.map((b) => startWorker(`${b}.sock`))).catch((e) => {
      console.error(e.message);
      process.exit(1);
    })
  : [];

const commandFor = (i) => {
  if (viaTsx) return [];
  return [
    "--cmd",
    viaWorker ? `${ecart} scenario run --worker "${buckets[i]}.sock"` : `${ecart} scenario run`,
  ];
};

const run = (dir, i) =>
  new Promise((done) => {
    const child = spawn(process.execPath, [checker, dir, ...commandFor(i)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.on("close", (code) => done({ code, out }));
  });

const results = await Promise.all(buckets.map(run));
await Promise.all(
  workers.map(
    (w) =>
      new Promise((gone) => {
        w.removeAllListeners("exit");
        w.on("exit", gone);
        w.stdin.end();
      }),
  ),
);
rmSync(root, { recursive: true, force: true });
let passed = 0;
let failed = 0;
for (const { out } of results) {
  for (const line of out.split("\n")) {
    const m = /^(\d+) passed, (\d+) failed$/.exec(line.trim());
    if (m) {
      passed += Number(m[1]);
      failed += Number(m[2]);
    } else if (line.trim()) console.log(line);
  }
}
console.log(`scenarios: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed === files.length && results.every((r) => r.code === 0) ? 0 : 1);
