/**
 * Figure 3: move-in decisions over HTTP on PostgreSQL: `POST /api/move-ins/check` (the read-only move-in
 * check, bearer token of an FO account) with N service points loaded, under autocannon (keep-alive,
 * 16 connections), against a bare Fastify route doing one indexed SELECT (the service point by primary key)
 * on the same database. Each server runs in its own process (bench/http-server.ts); the load generator
 * runs here. Rounds alternate bare / app, each after a short unmeasured warm-up of its own; medians are
 * reported.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon, { type Result } from "autocannon";
import { sql } from "kysely";
import { createAccount, createApiToken } from "../src/accounts/store.js";
import {
  type BenchDatabase,
  benchDatabase,
  type CpuPerRequest,
  client,
  cpuPerRequest,
  figure,
  interleave,
  log,
  median,
  peakRssOfPid,
  round,
  type Section,
  timed,
} from "./lib.js";
import { givenTemplate } from "./sweep.js";
import { cloneWorld } from "./worlds.js";

const here = dirname(fileURLToPath(import.meta.url));
export const CONNECTIONS = 16;

export interface Server {
  proc: ChildProcess;
  port: number;
}

/** Spawns `node <args>` (stdout piped) and waits for its `PORT <n>` line. */
export async function spawnServer(what: string, args: string[]): Promise<Server> {
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.on("exit", (code) => reject(new Error(`${what} exited with ${code}`)));
  });
  return { proc, port };
}

export async function startServer(mode: "app" | "bare", url: string): Promise<Server> {
  const profile = process.env.BENCH_PROFILE_DIR;
  return spawnServer(`${mode} server`, [
    ...(profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : []),
    "--import",
    "tsx",
    join(here, "http-server.ts"),
    mode,
    url,
  ]);
}

export async function stop(s: Server): Promise<void> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    s.proc.once("exit", () => resolve());
    s.proc.kill("SIGTERM");
  });
}

/** Random service point ids among the loaded ones (the template and its copies). */
export function pickId(n: number): string {
  const g = Math.floor(Math.random() * n);
  return g === 0 ? "PDS-TPL" : `PDS-TPL-${g}`;
}

function moveInBody(servicePoint: string): string {
  return JSON.stringify({
    servicePoint,
    customer: { name: "Jeanne Martin", email: "jeanne@example.fr", address: "12 rue des Lilas, 69003 Lyon" },
    date: "2024-03-02",
    // Half within tolerance (subscribed at once), half beyond (a case awaiting a proof).
    index: Math.random() < 0.5 ? 1004 : 1012,
    reconnection: false,
    proof: "WILL_SEND",
  });
}

export async function load(
  port: number,
  path: string,
  headers: Record<string, string>,
  n: number,
  seconds: number,
  pick: (n: number) => string = pickId,
): Promise<Result> {
  const r = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: "POST",
        path,
        headers: { "content-type": "application/json", ...headers },
        setupRequest: (req) => ({ ...req, body: moveInBody(pick(n)) }),
      },
    ],
  });
  if (r.non2xx > 0 || r.errors > 0)
    throw new Error(`${path}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return r;
}

/**
 * `ECART_BENCH_PREWARM=1`: every table and index of the world read into PostgreSQL's buffers (`pg_prewarm`),
 * as a server whose `shared_buffers` hold the data would have them after its first hours. For a run against
 * such a server (`ECART_BENCH_PG_URL`); on the machine's default server (128 MB) most would be evicted again.
 */
async function prewarm(c: Awaited<ReturnType<typeof client>>): Promise<void> {
  await c.query("create extension if not exists pg_prewarm");
  await c.query(
    "select pg_prewarm(oid) from pg_class where relkind in ('r', 'i') and relnamespace = 'public'::regnamespace",
  );
}

/**
 * The check's world: the template world (by default one service point whose predecessor left on
 * 2024-01-15 at 1000 m3, `PDS-TPL`) and `copies` copies of it (`PDS-TPL-1`…), vacuumed and analyzed,
 * and an FO account's bearer token.
 */
export async function checkWorld(
  bench: BenchDatabase,
  copies: number,
  template: (db: BenchDatabase["db"]) => Promise<unknown> = (db) => givenTemplate(db, "TPL"),
): Promise<{ auth: Record<string, string>; seconds: number }> {
  await template(bench.db);
  const c = await client(bench.url);
  let seconds: number;
  try {
    seconds = (await timed(() => cloneWorld(c, copies))).seconds;
    await c.query("vacuum analyze");
    // The copy's dirty pages written now, not by a checkpoint during the first measured rounds.
    const flushed = await timed(() => c.query("checkpoint"));
    log(`  checkpoint after the copy: ${flushed.seconds.toFixed(1)} s`);
    if (process.env.ECART_BENCH_PREWARM === "1") await prewarm(c);
  } finally {
    await c.end();
  }
  const now = new Date("2024-03-05T10:00:00+01:00");
  const account = await createAccount(
    bench.db.kysely,
    { username: "fo.bench", role: "FO", entity: "FO-LYON", password: null },
    now,
  );
  const token = await createApiToken(bench.db.kysely, account.id, "bench", now);
  return { auth: { authorization: `Bearer ${token}` }, seconds };
}

export async function benchHttp(quick: boolean): Promise<Section> {
  const n = Number(process.env.BENCH_HTTP_SERVICE_POINTS ?? (quick ? 20_000 : 1_000_000));
  const seconds = quick ? 3 : 10;
  // Five rounds a side at full size: the host's rate swings by half between rounds minutes apart.
  const rounds = quick ? 2 : 5;
  // Each measured round starts warm, after a few unmeasured seconds of its own route: otherwise a round
  // pays for the other side's round before it, whose pages evicted its own from PostgreSQL's buffers
  // (docs/performance.md, figure 3, session 15).
  const warmSeconds = quick ? 1 : 3;
  // And the first round after a long warm-up of each side: at 1M service points the check ran slower for a
  // minute or more after the world's load (PostgreSQL 289–539 µs a check in the first two rounds after 2 s,
  // 197–264 after 30 s in three runs; docs/performance.md, figure 3, session 15).
  const firstWarmSeconds = quick ? 2 : 30;
  const bench = await benchDatabase("http", 4);
  const notes: string[] = [];
  try {
    const { auth, seconds: genSeconds } = await checkWorld(bench, n - 1);
    log(`http: ${n} service points loaded in ${genSeconds.toFixed(0)} s`);
    const partitions = await sql<{ n: number }>`
      select count(*)::int as n from pg_inherits where inhparent = 'readings'::regclass`.execute(
      bench.db.kysely,
    );

    const app = await startServer("app", bench.url);
    const bare = await startServer("bare", bench.url);
    try {
      // Warm-up: JIT, pools, plans, caches (firstWarmSeconds).
      await load(app.port, "/api/move-ins/check", auth, n, firstWarmSeconds);
      await load(bare.port, "/bare", {}, n, firstWarmSeconds);
      const appRuns: Result[] = [];
      const bareRuns: Result[] = [];
      const appCpu: CpuPerRequest[] = [];
      const bareCpu: CpuPerRequest[] = [];
      /** One round against a server: its load, and its CPU per request, kept in the side's lists. */
      const oneRound =
        (
          server: Server,
          path: string,
          headers: Record<string, string>,
          runs: Result[],
          cpus: CpuPerRequest[],
        ) =>
        async () => {
          await load(server.port, path, headers, n, warmSeconds);
          const { value: r, cpu } = await cpuPerRequest(
            server.proc.pid ?? 0,
            () => load(server.port, path, headers, n, seconds),
            (x) => x.requests.total,
          );
          runs.push(r);
          cpus.push(cpu);
          return r.requests.average;
        };
      await interleave(
        rounds,
        oneRound(bare, "/bare", {}, bareRuns, bareCpu),
        oneRound(app, "/api/move-ins/check", auth, appRuns, appCpu),
      );
      const cpuOf = (runs: CpuPerRequest[]) => ({
        server: median(runs.map((c) => c.server)),
        postgres: median(runs.map((c) => c.postgres)),
        loadgen: median(runs.map((c) => c.loadgen)),
      });
      const cpu = { app: cpuOf(appCpu), bare: cpuOf(bareCpu) };
      const cpuTotal = (c: CpuPerRequest) => c.server + c.postgres + c.loadgen;
      const rps = median(appRuns.map((r) => r.requests.average));
      const bareRps = median(bareRuns.map((r) => r.requests.average));
      const p50 = median(appRuns.map((r) => r.latency.p50));
      const p99 = median(appRuns.map((r) => r.latency.p99));
      const bareP50 = median(bareRuns.map((r) => r.latency.p50));
      const bareP99 = median(bareRuns.map((r) => r.latency.p99));
      const appRss = app.proc.pid ? peakRssOfPid(app.proc.pid) : null;
      // Each round's check against the bare round run next to it: how far the host moved the ratio.
      const roundRatios = appRuns.map((r, i) =>
        round(r.requests.average / (bareRuns[i]?.requests.average ?? Number.NaN), 3),
      );
      notes.push(
        `${quick ? "QUICK MODE (fewer service points than the 1,000,000 target): " : ""}${n.toLocaleString("en")} service points (each with meter, 3 readings, an ended subscription; ${genSeconds.toFixed(0)} s to load), autocannon ${CONNECTIONS} connections keep-alive, ${firstWarmSeconds} s warm-up a side, then ${rounds} × ${seconds} s per side, each after ${warmSeconds} s of its own unmeasured, interleaved; app server peak RSS ${appRss ? round(appRss) : "?"} MB; pool ${10} connections each; CPU per request (medians; server process, every PostgreSQL process, load generator): check ${cpu.app.server} + ${cpu.app.postgres} + ${cpu.app.loadgen} µs, bare ${cpu.bare.server} + ${cpu.bare.postgres} + ${cpu.bare.loadgen} µs; readings in ${partitions.rows[0]?.n ?? "?"} partitions (the world's readings dated 2019-01-01 to 2024-01-15); one statement per request on both sides (the check reads its bearer token's account and the move-in facts together; the bare route one service point by primary key); each round's ratio ${roundRatios.join(", ")}`,
      );
      return {
        name: "move-in check over HTTP (PostgreSQL)",
        figures: [
          figure({
            id: "http.check_rps",
            label: "POST /api/move-ins/check, requests/s",
            value: Math.round(rps),
            unit: "req/s",
            baseline: { label: "bare Fastify route, one indexed SELECT", value: Math.round(bareRps) },
            ratio: round(rps / bareRps, 4),
            target: "≥ 3,000/s, ratio ≥ 0.4",
            ok: rps >= 3000 && rps / bareRps >= 0.4,
          }),
          figure({
            id: "http.check_cpu_us",
            label: "POST /api/move-ins/check, CPU per request (server + PostgreSQL + load generator)",
            value: cpuTotal(cpu.app),
            unit: "µs",
            baseline: { label: "bare route, same measure", value: cpuTotal(cpu.bare) },
            ratio: round(cpuTotal(cpu.bare) / Math.max(cpuTotal(cpu.app), 1), 4),
            target: null,
          }),
          figure({
            id: "http.check_p50_ms",
            label: "POST /api/move-ins/check, p50 latency",
            value: p50,
            unit: "ms",
            baseline: { label: "bare route p50", value: bareP50 },
            ratio: round(bareP50 / Math.max(p50, 0.001), 4),
            target: null,
          }),
          figure({
            id: "http.check_p99_ms",
            label: "POST /api/move-ins/check, p99 latency",
            value: p99,
            unit: "ms",
            baseline: { label: "bare route p99", value: bareP99 },
            ratio: round(bareP99 / Math.max(p99, 0.001), 4),
            target: "< 25 ms",
            ok: p99 < 25,
          }),
        ],
        notes,
        details: {
          roundRatios,
          cpuPerRequestUs: { app: appCpu, bare: bareCpu },
          app: appRuns.map((r) => ({
            rps: r.requests.average,
            p50: r.latency.p50,
            p99: r.latency.p99,
            total: r.requests.total,
          })),
          bare: bareRuns.map((r) => ({
            rps: r.requests.average,
            p50: r.latency.p50,
            p99: r.latency.p99,
            total: r.requests.total,
          })),
        },
      };
    } finally {
      await stop(app);
      await stop(bare);
    }
  } finally {
    await bench.drop();
  }
}
