/**
 * `npm run soak`: the long versions of the reliability tests (test/reliability/**), bounded in
 * time, on loopback only. Each test scales itself up when ECART_SOAK=1 and writes its figures
 * to soak/results/<name>.json; this runner collects them into soak/last-run.json.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const MAX_MINUTES = Number(process.env.ECART_SOAK_MAX_MINUTES ?? 25);
const resultsDir = join("soak", "results");
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

const started = Date.now();
const child = spawn(
  "npx",
  ["vitest", "run", "test/reliability", "--testTimeout=900000", "--hookTimeout=300000", "--maxWorkers=1"],
  {
    stdio: "inherit",
    env: { ...process.env, ECART_SOAK: "1", ECART_SOAK_RESULTS: resultsDir },
    detached: true,
  },
);
const guard = setTimeout(
  () => {
    console.error(`soak: time bound of ${MAX_MINUTES} min reached, stopping`);
    if (child.pid) process.kill(-child.pid, "SIGTERM");
  },
  MAX_MINUTES * 60_000,
);
child.on("exit", (code) => {
  clearTimeout(guard);
  const figures: Record<string, unknown> = {};
  for (const f of readdirSync(resultsDir).filter((n) => n.endsWith(".json")).sort()) {
    figures[f.replace(/\.json$/, "")] = JSON.parse(readFileSync(join(resultsDir, f), "utf8"));
  }
  const report = {
    finishedAt: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    exitCode: code,
    figures,
  };
  writeFileSync(join("soak", "last-run.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report, null, 2));
  process.exit(code ?? 1);
});
