#!/usr/bin/env node
// Runs the shared scenario checker (../shared/tools/check-scenarios.mjs) over one or more
// folders, split into shards that run side by side (one per core by default), and prints the
// checker's lines and one closing "N passed, M failed" line. Exit 0 only when all pass. Each replay
// runs the bundle (dist/ecart.mjs, built first by scripts/build-cli.mjs) rather than tsx; `--tsx`
// replays through `npm run ecart` as before.
//
//   node scripts/check-scenarios.mjs DIR [DIR…] [--shards N] [--tsx]
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const args = process.argv.slice(2);
const at = args.indexOf("--shards");
const shards = at >= 0 ? Number(args.splice(at, 2)[1]) : Math.max(1, availableParallelism());
const tsxAt = args.indexOf("--tsx");
const viaTsx = tsxAt >= 0 && args.splice(tsxAt, 1).length > 0;
const dirs = args;
if (!viaTsx) {
  const built = spawnSync(process.execPath, ["scripts/build-cli.mjs"], { stdio: "inherit" });
  if (built.status !== 0) process.exit(1);
}
const replay = viaTsx ? [] : ["--cmd", `"${process.execPath}" dist/ecart.mjs scenario run`];
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
buckets.forEach((b) => mkdirSync(b));
// Same base name in two folders: prefix with the folder so nothing is overwritten.
files.forEach(({ dir, f }, i) =>
  copyFileSync(join(dir, f), join(buckets[i % buckets.length], `${dir.replace(/\W+/g, "_")}--${f}`)),
);

const run = (dir) =>
  new Promise((done) => {
    const child = spawn(process.execPath, [checker, dir, ...replay], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.on("close", (code) => done({ code, out }));
  });

const results = await Promise.all(buckets.map(run));
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
