/**
 * The path past one machine, measured on one (issue 18 point 5): several `ecart serve` processes (each
 * its own pool, its background jobs on, the deadline sweep every SWEEP_EVERY_MS) on one PostgreSQL
 * database, behind a round-robin load balancer (bench/balancer.ts, its own process). `POST
 * /api/move-ins/check` under autocannon through the balancer with one instance and with two, and the
 * bare route (bench/http-server.ts) through the same balancer as the baseline: rounds rotate the three
 * sides, medians are reported with the CPU each process used (/proc), which says what bounds the rate.
 * Then, under the same load on two instances, a few thousand proof deadlines expire at once: both
 * instances' sweeps take them, and every case must end subscribed exactly once (the sweep bench's check).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Result } from "autocannon";
import { DEFAULT_SWEEP_BATCH } from "../src/move-in/sweep.js";
import { makeConfig } from "../src/platform/config.js";
import type { Context } from "../src/platform/context.js";
import {
  CONNECTIONS,
  load as cannon,
  checkWorld,
  type Server,
  spawnServer,
  startServer,
  stop,
} from "./http.js";
import { benchDatabase, client, figure, load, log, median, round, type Section, timed } from "./lib.js";
import { cpuSince, givenTemplate, processCpuMs, serverCpuMs, sweptOnce, templateMoveIn } from "./sweep.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
/** The instances' sweep interval: short, so that deadlines expiring mid-load are taken within it. */
const SWEEP_EVERY_MS = 250;
const CHECK = "/api/move-ins/check";

/** A free TCP port on loopback (the instances are given theirs, as PORT). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** `ecart serve` on `url`, as in production but quiet (warnings and errors only: no line per request). */
async function startInstance(url: string, outbox: string, sweepBatch: number): Promise<Server> {
  const port = await freePort();
  const proc: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: {
      ...process.env,
      DATABASE_URL: url,
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      ECART_SWEEP_EVERY_MS: String(SWEEP_EVERY_MS),
      ECART_SWEEP_BATCH: String(sweepBatch),
      ECART_OUTBOX_DIR: outbox,
      ECART_DEMO_ACCOUNTS: "0",
    },
  });
  let exited: number | null = null;
  proc.once("exit", (code) => {
    exited = code ?? -1;
  });
  for (const t0 = Date.now(); Date.now() - t0 < 90_000; await new Promise((r) => setTimeout(r, 200))) {
    if (exited !== null) throw new Error(`ecart serve exited with ${exited}`);
    const ready = await fetch(`http://127.0.0.1:${port}/api/ready`).catch(() => null);
    if (ready?.status === 200) return { proc, port };
  }
  proc.kill("SIGTERM");
  throw new Error("ecart serve not ready within 90 s");
}

/** Busy and total CPU milliseconds of the whole machine so far (/proc/stat), or null. */
function machineCpuMs(): { busy: number; total: number } | null {
  try {
    const f = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    const total = f.reduce((a, b) => a + b, 0) * 10;
    return { busy: total - ((f[3] ?? 0) + (f[4] ?? 0)) * 10, total };
  } catch {
    return null;
  }
}

/** Cores used over a run, by who used them. */
type Cores = Record<"apps" | "postgres" | "balancer" | "bare" | "autocannon" | "machine", number | null>;

/** Runs `fn` and measures the cores each part used meanwhile (CPU ms / wall ms). */
async function cores<T>(
  c: Awaited<ReturnType<typeof client>>,
  database: string,
  procs: { apps: ChildProcess[]; balancer: ChildProcess; bare: ChildProcess },
  fn: () => Promise<T>,
): Promise<{ value: T; seconds: number; cores: Cores }> {
  const pidCpu = (ps: ChildProcess[]) => {
    const xs = ps.map((p) => (p.pid ? processCpuMs(p.pid) : null));
    return xs.some((x) => x === null) ? null : (xs as number[]).reduce((a, b) => a + b, 0);
  };
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
  const before = {
    apps: pidCpu(procs.apps),
    balancer: pidCpu([procs.balancer]),
    bare: pidCpu([procs.bare]),
    pg: await serverCpuMs(c, database),
    self: process.cpuUsage(),
    machine: machineCpuMs(),
  };
  const t = await timed(fn);
  const ms = t.seconds * 1000;
  const self = process.cpuUsage(before.self);
  const m1 = machineCpuMs();
  const per = (x: number | null) => (x === null ? null : round(x / ms, 2));
  return {
    value: t.value,
    seconds: t.seconds,
    cores: {
      apps: per(diff(before.apps, pidCpu(procs.apps))),
      postgres: per(cpuSince(before.pg, await serverCpuMs(c, database))),
      balancer: per(diff(before.balancer, pidCpu([procs.balancer]))),
      bare: per(diff(before.bare, pidCpu([procs.bare]))),
      autocannon: per((self.user + self.system) / 1000),
      machine:
        before.machine && m1
          ? round((cpus().length * (m1.busy - before.machine.busy)) / (m1.total - before.machine.total), 2)
          : null,
    },
  };
}

/** The median of each part's cores over runs. */
const medianCores = (runs: Cores[]): Cores =>
  Object.fromEntries(
    (Object.keys(runs[0] ?? {}) as Array<keyof Cores>).map((k) => {
      const xs = runs.map((r) => r[k]).filter((x): x is number => x !== null);
      return [k, xs.length ? round(median(xs), 2) : null];
    }),
  ) as Cores;

/** CPU µs per request of the app, PostgreSQL and the balancer, from the cores used at `rps`. */
const perRequest = (c: Cores, rps: number) => {
  const us = (x: number | null) => (x === null ? "?" : Math.round((1e6 * x) / rps));
  return `${us(c.apps ?? null)} µs app (or bare server ${us(c.bare ?? null)}), ${us(c.postgres)} µs PostgreSQL, ${us(c.balancer)} µs balancer`;
};

const coresText = (c: Cores) =>
  `app ${c.apps ?? "?"}, PostgreSQL ${c.postgres ?? "?"}, balancer ${c.balancer ?? "?"}, bare server ${c.bare ?? "?"}, autocannon ${c.autocannon ?? "?"}; whole machine busy ${c.machine ?? "?"} of ${cpus().length}`;

/** What an instance's sweeps did, from its /metrics (loopback): cases subscribed, runs, their mean time. */
async function sweepsOf(port: number): Promise<{ subscribed: number; runs: number; meanMs: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
  const runs = num(/^ecart_sweep_duration_seconds_count (\S+)$/m);
  return {
    subscribed: num(/^ecart_sweep_cases_total\{result="subscribed"\} (\S+)$/m),
    runs,
    meanMs: round((1000 * num(/^ecart_sweep_duration_seconds_sum (\S+)$/m)) / runs, 1),
  };
}

/** The template of the i-th service point per case: PDS-TPL000, PDS-TPL001… (none a prefix of another). */
const tag = (i: number) => `TPL${String(i).padStart(3, "0")}`;

export async function benchInstances(quick: boolean): Promise<Section> {
  const k = Number(process.env.BENCH_INSTANCES_CASES ?? (quick ? 2_000 : 10_000));
  /** Service points for the checks per case (the checks' service points are `per × k`). */
  const per = Math.max(
    1,
    Math.round(Number(process.env.BENCH_INSTANCES_SERVICE_POINTS ?? (quick ? 20_000 : 1_000_000)) / k),
  );
  const n = per * k;
  // Quick mode's few cases in smaller batches, so that both instances' sweeps get some.
  const sweepBatch = Number(process.env.BENCH_INSTANCES_SWEEP_BATCH ?? (quick ? 250 : DEFAULT_SWEEP_BATCH));
  const seconds = quick ? 3 : 6;
  // Many short rounds: other processes load the machine in bursts, the rotation spreads them over the sides.
  const rounds = quick ? 3 : 5;
  const bench = await benchDatabase("instances", 4);
  const outbox = mkdtempSync(join(tmpdir(), "ecart-bench-outbox-"));
  const notes: string[] = [];
  const started: Server[] = [];
  try {
    // The template world: `per` service points for the checks and one where a move-in opened a case
    // awaiting a proof (as in the sweep bench); cloneWorld copies it `k - 1` times.
    const fo: Context = {
      actor: { user: "fo.bench", role: "FO", entity: "FO-LYON" },
      now: new Date("2024-03-05T10:00:00+01:00"),
      config: makeConfig(),
    };
    const { auth, seconds: genSeconds } = await checkWorld(bench, k - 1, async (db) => {
      for (let i = 0; i < per; i++) await givenTemplate(db, tag(i));
      await templateMoveIn(db, "TPM", fo);
    });
    log(`instances: ${n + k} service points and ${k} cases in ${genSeconds.toFixed(0)} s`);
    const pick = () => {
      const g = Math.floor(Math.random() * k);
      return `PDS-${tag(Math.floor(Math.random() * per))}${g ? `-${g}` : ""}`;
    };
    const c = await client(bench.url);
    try {
      // The cases' deadlines a month ahead (none due, no reminder due, until the sweep round expires
      // them); their proof requests, copied undelivered, scheduled a year ahead, out of the way.
      await c.query("update tasks set due_at = now() + interval '30 days' where status = 'OPEN'");
      await c.query(
        "update communications set next_attempt_at = now() + interval '1 year' where status = 'PENDING'",
      );
      await c.query("vacuum analyze");
      const starts = await Promise.allSettled([
        startInstance(bench.url, outbox, sweepBatch),
        startInstance(bench.url, outbox, sweepBatch),
      ]);
      for (const x of starts) if (x.status === "fulfilled") started.push(x.value);
      for (const x of starts) if (x.status === "rejected") throw x.reason;
      const [a1, a2] = started as [Server, Server];
      const bare = await startServer("bare", bench.url);
      started.push(bare);
      const balancer = (ports: number[]) =>
        spawnServer("balancer", ["--import", "tsx", join(here, "balancer.ts"), ports.join(",")]);
      const lb = {
        bare: await balancer([bare.port]),
        one: await balancer([a1.port]),
        two: await balancer([a1.port, a2.port]),
      };
      started.push(lb.bare, lb.one, lb.two);
      log("instances: two instances, the bare server and three balancers up");
      const apps = [a1.proc, a2.proc];
      const sides = {
        bare: { lb: lb.bare, path: "/bare", headers: {} as Record<string, string> },
        one: { lb: lb.one, path: CHECK, headers: auth },
        two: { lb: lb.two, path: CHECK, headers: auth },
      };
      type Side = keyof typeof sides;
      const run = (side: Side, s: number) =>
        cores(c, bench.name, { apps, balancer: sides[side].lb.proc, bare: bare.proc }, () =>
          cannon(sides[side].lb.port, sides[side].path, sides[side].headers, n, s, pick),
        );
      for (const side of ["bare", "one", "two"] as Side[]) await run(side, 2); // warm-up: JIT, pools, plans
      const runs: Record<Side, Array<{ r: Result; cores: Cores }>> = { bare: [], one: [], two: [] };
      const order: Side[] = ["bare", "one", "two"];
      for (let i = 0; i < rounds; i++)
        for (let j = 0; j < order.length; j++) {
          const side = order[(i + j) % order.length] as Side;
          const x = await run(side, seconds);
          runs[side].push({ r: x.value, cores: x.cores });
          log(
            `instances: ${side} ${Math.round(x.value.requests.average)} req/s, cores ${coresText(x.cores)}`,
          );
        }
      const stat = (side: Side) => ({
        rps: median(runs[side].map((x) => x.r.requests.average)),
        p50: median(runs[side].map((x) => x.r.latency.p50)),
        p99: median(runs[side].map((x) => x.r.latency.p99)),
        cores: medianCores(runs[side].map((x) => x.cores)),
      });
      const s = { bare: stat("bare"), one: stat("one"), two: stat("two") };
      const loadMeasured = load();

      // The sweep under load: the K proof deadlines expire at once while two instances answer checks.
      const openTasks = async () =>
        (await c.query("select count(*)::int as n from tasks where status = 'OPEN'")).rows[0].n as number;
      if ((await openTasks()) !== k) throw new Error(`expected ${k} open tasks before the sweep`);
      const sweepLoadSeconds = quick ? 6 : 15;
      let expiredAt = 0;
      let firstBatch = 0;
      let allTaken = 0;
      const sweepRound = await cores(
        c,
        bench.name,
        { apps, balancer: lb.two.proc, bare: bare.proc },
        async () => {
          const t0 = performance.now();
          const loading = cannon(lb.two.port, CHECK, auth, n, sweepLoadSeconds, pick);
          await new Promise((r) => setTimeout(r, 1000));
          await c.query("update tasks set due_at = now() - interval '1 minute' where status = 'OPEN'");
          expiredAt = performance.now() - t0;
          for (let left = k; left > 0 && performance.now() - t0 < sweepLoadSeconds * 1000 + 60_000; ) {
            await new Promise((r) => setTimeout(r, 50));
            left = await openTasks();
            if (left < k && !firstBatch) firstBatch = performance.now() - t0;
            if (left === 0) allTaken = performance.now() - t0;
          }
          return loading;
        },
      );
      if (!allTaken) throw new Error("the sweeps did not take every expired case");
      const check = await sweptOnce(c, k);
      const sweeps = await Promise.all([sweepsOf(a1.port), sweepsOf(a2.port)]);
      const split = sweeps.map((x) => x.subscribed);
      if ((split[0] ?? 0) + (split[1] ?? 0) !== k)
        throw new Error(`the instances' metrics count ${split.join(" + ")} of ${k}`);
      const sweepRate = (k * 1000) / (allTaken - expiredAt);
      const underSweep = sweepRound.value.requests.average;
      notes.push(
        `${quick ? "QUICK MODE (fewer service points than the 1,000,000 target): " : ""}${n.toLocaleString("en")} service points for the checks and ${k.toLocaleString("en")} more with a case awaiting a proof (a template world of ${per} + 1 made by the application, copied ${(k - 1).toLocaleString("en")} times by cloneWorld, ${genSeconds.toFixed(0)} s; the cases' deadlines moved a month ahead until the sweep round, their copied proof requests a year ahead); ${CONNECTIONS} autocannon connections keep-alive to a round-robin balancer (bench/balancer.ts, node:http, keep-alive agent, its own process); ${rounds} × ${seconds} s per side, the order of the three sides rotating each round; load average ${loadMeasured.join(" ")} after the rounds; load average before the section in the run's machine record`,
      );
      notes.push(
        `instances: ecart serve processes (migrations, metrics, the sweep every ${SWEEP_EVERY_MS} ms, outbox and webhook workers all on; LOG_LEVEL=warn, so no line per request), pool of 10 each, on one PostgreSQL database; with one instance behind the balancer the second stays up, idle but for its timers`,
      );
      notes.push(
        `cores used (median over rounds, CPU from /proc): bare ${coresText(s.bare.cores)} | one instance ${coresText(s.one.cores)} | two instances ${coresText(s.two.cores)}`,
      );
      notes.push(
        `CPU per request (median cores / median rate): bare ${perRequest(s.bare.cores, s.bare.rps)} | one instance ${perRequest(s.one.cores, s.one.rps)} | two instances ${perRequest(s.two.cores, s.two.rps)}`,
      );
      notes.push(
        `sweep under load: ${k.toLocaleString("en")} proof deadlines expired at once 1 s into a ${sweepLoadSeconds} s load on two instances; batches of at most ${sweepBatch} cases (ECART_SWEEP_BATCH), 2 workers each; the first batch committed ${Math.round(firstBatch - expiredAt)} ms after, the last ${Math.round(allTaken - expiredAt)} ms after (open tasks polled every 50 ms); instance 1 subscribed ${split[0]}, instance 2 ${split[1]} (their /metrics; over the whole run ${sweeps.map((x) => `${x.runs} sweeps of ${x.meanMs} ms on average`).join(", ")}); every case subscribed exactly once (${check.subs} PREDECESSOR subscriptions, ${check.msgs} confirmations, ${check.comments} comments, no task or case left open); checks meanwhile ${Math.round(underSweep)} req/s, p99 ${sweepRound.value.latency.p99} ms; cores ${coresText(sweepRound.cores)}`,
      );
      const r = (x: number) => Math.round(x);
      return {
        name: "several app instances behind a load balancer (PostgreSQL)",
        figures: [
          figure({
            id: "instances.one_rps",
            label: "check through the balancer, 1 instance, requests/s",
            value: r(s.one.rps),
            unit: "req/s",
            baseline: { label: "bare route through the same balancer", value: r(s.bare.rps) },
            ratio: round(s.one.rps / s.bare.rps, 4),
            target: null,
          }),
          figure({
            id: "instances.two_rps",
            label: "check through the balancer, 2 instances, requests/s",
            value: r(s.two.rps),
            unit: "req/s",
            baseline: { label: "1 instance through the same balancer", value: r(s.one.rps) },
            ratio: round(s.two.rps / s.one.rps, 4),
            target: null,
          }),
          figure({
            id: "instances.one_p99_ms",
            label: "check through the balancer, 1 instance, p50 / p99",
            value: s.one.p99,
            unit: `ms p99 (p50 ${s.one.p50})`,
            baseline: { label: `bare route p99 (p50 ${s.bare.p50})`, value: s.bare.p99 },
            ratio: round(s.bare.p99 / Math.max(s.one.p99, 0.001), 4),
            target: null,
          }),
          figure({
            id: "instances.two_p99_ms",
            label: "check through the balancer, 2 instances, p50 / p99",
            value: s.two.p99,
            unit: `ms p99 (p50 ${s.two.p50})`,
            baseline: { label: `bare route p99 (p50 ${s.bare.p50})`, value: s.bare.p99 },
            ratio: round(s.bare.p99 / Math.max(s.two.p99, 0.001), 4),
            target: null,
          }),
          figure({
            id: "instances.sweep_cases_per_s",
            label: `sweep on 2 instances under the check load, ${k.toLocaleString("en")} expired cases`,
            value: r(sweepRate),
            unit: "cases/s",
            baseline: null,
            target: "each case subscribed exactly once",
            ok: true,
          }),
          figure({
            id: "instances.rps_during_sweep",
            label: "check through the balancer, 2 instances, while both sweep",
            value: r(underSweep),
            unit: "req/s",
            baseline: { label: "2 instances, no sweep (median)", value: r(s.two.rps) },
            ratio: round(underSweep / s.two.rps, 4),
            target: null,
          }),
        ],
        notes,
        details: {
          runs: Object.fromEntries(
            Object.entries(runs).map(([side, xs]) => [
              side,
              xs.map((x) => ({
                rps: x.r.requests.average,
                p50: x.r.latency.p50,
                p99: x.r.latency.p99,
                cores: x.cores,
              })),
            ]),
          ),
          sweep: {
            cases: k,
            expiredAtMs: expiredAt,
            firstBatchMs: firstBatch,
            allTakenMs: allTaken,
            byInstance: sweeps,
            cores: sweepRound.cores,
          },
          loadAfterRounds: loadMeasured,
        },
      };
    } finally {
      for (const x of started.reverse()) await stop(x).catch(() => {});
      await c.end();
    }
  } finally {
    rmSync(outbox, { recursive: true, force: true });
    await bench.drop();
  }
}
