/**
 * `npm run soak`: the long versions of the reliability tests (test/reliability/**), bounded in
 * time, on loopback only. Each test scales itself up when ECART_SOAK=1 and writes its figures
 * to a temporary folder; this runner collects them into soak/last-run.json (see docs/reliability.md),
 * with the run before it under `previous`.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MAX_MINUTES = Number(process.env.ECART_SOAK_MAX_MINUTES ?? 25);
const resultsDir = join(tmpdir(), `ecart-soak-results-${process.pid}`);
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

const started = Date.now();
const child = spawn(
  "npx",
  [
    "vitest",
    "run",
    "test/reliability",
    "--testTimeout=900000",
    "--hookTimeout=300000",
    "--maxWorkers=1",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${join(resultsDir, "vitest.out")}`,
  ],
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
  let tests: unknown = "not reported (stopped by the time bound?)";
  try {
    const v = JSON.parse(readFileSync(join(resultsDir, "vitest.out"), "utf8")) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      testResults: Array<{ name: string; status: string; assertionResults: Array<{ title: string; status: string; duration?: number }> }>;
    };
    tests = {
      passed: v.numPassedTests,
      failed: v.numFailedTests,
      skipped: v.numPendingTests,
      files: v.testResults.map((f) => ({
        file: f.name.replace(/^.*test\/reliability\//, ""),
        status: f.status,
        tests: f.assertionResults.map((a) => `${a.status} ${Math.round((a.duration ?? 0) / 1000)}s ${a.title}`),
      })),
    };
  } catch {
    /* keep the note */
  }
  const report = {
    finishedAt: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    exitCode: code,
    tests,
    figures,
  };
  // The run before this one is kept beside it (issue 19 asks for two runs in a row, each with its seeds).
  const file = join("soak", "last-run.json");
  let previous: unknown = null;
  try {
    const { previous: _older, ...before } = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    previous = before;
  } catch {
    /* first run here */
  }
  writeFileSync(file, `${JSON.stringify({ ...report, previous }, null, 2)}\n`);
  console.log(JSON.stringify(report, null, 2));
  process.exit(code ?? 1);
});
