/**
 * Benchmark helpers: figures with their same-run baseline, medians of interleaved rounds,
 * memory sampling, and throw-away PostgreSQL databases (`ecart_bench_*`).
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import pg from "pg";
import { type Database, openDatabase } from "../src/platform/db.js";
import { migrate } from "../src/platform/migrate.js";

export const PG_ADMIN_URL = process.env.ECART_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** One line of the results table. */
export interface Figure {
  /** Section and name, e.g. "sweep.cases_per_s". */
  id: string;
  label: string;
  value: number;
  unit: string;
  /** The same-run baseline this figure is compared with (null for absolute figures such as memory). */
  baseline: { label: string; value: number } | null;
  /** value / baseline.value (or the inverse for latencies, so that higher is always better). */
  ratio: number | null;
  /** The target, in words, and whether it is met (null: no target). */
  target: string | null;
  ok: boolean | null;
  note?: string;
}

export interface Section {
  name: string;
  figures: Figure[];
  notes: string[];
  /** Extra details kept in results.json (plans, profiles, sizes). */
  details?: Record<string, unknown>;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export const round = (x: number, digits = 2): number => {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
};

/** Wall-clock seconds of an async function. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, value };
}

/**
 * Runs baseline and subject alternately `rounds` times (baseline first, then subject, then baseline…)
 * so that the shared machine's noise hits both alike; returns each side's samples.
 */
export async function interleave(
  rounds: number,
  baseline: () => Promise<number>,
  subject: () => Promise<number>,
): Promise<{ baseline: number[]; subject: number[] }> {
  const b: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      b.push(await baseline());
      s.push(await subject());
    } else {
      s.push(await subject());
      b.push(await baseline());
    }
  }
  return { baseline: b, subject: s };
}

/** Samples this process's RSS every `everyMs` while `fn` runs: start, peak, end (MB). */
export async function withRss<T>(
  fn: () => Promise<T>,
  everyMs = 25,
): Promise<{ value: T; startMb: number; peakMb: number; endMb: number }> {
  const mb = () => process.memoryUsage.rss() / 2 ** 20;
  const startMb = mb();
  let peakMb = startMb;
  const timer = setInterval(() => {
    peakMb = Math.max(peakMb, mb());
  }, everyMs);
  try {
    const value = await fn();
    peakMb = Math.max(peakMb, mb());
    return { value, startMb, peakMb, endMb: mb() };
  } finally {
    clearInterval(timer);
  }
}

/** Peak resident memory (VmHWM) of a process, in MB, from /proc (Linux). */
export function peakRssOfPid(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export async function adminQuery(text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

export interface BenchDatabase {
  name: string;
  url: string;
  db: Database;
  drop(): Promise<void>;
}

/** A fresh, migrated PostgreSQL database named `ecart_bench_<tag>_<random>`, dropped by `drop()`. */
export async function benchDatabase(
  tag: string,
  poolSize = 10,
  migrationsDir?: string,
): Promise<BenchDatabase> {
  const name = `ecart_bench_${tag}_${randomBytes(4).toString("hex")}`;
  await adminQuery(`create database ${name}`);
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  const db = await openDatabase({ url, poolSize });
  await migrate(db, migrationsDir);
  return {
    name,
    url,
    db,
    async drop() {
      await db.close().catch(() => {});
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}

/** A plain pg client on a database URL (COPY, EXPLAIN, set-based SQL). */
export async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

/** EXPLAIN (ANALYZE, BUFFERS) of a query, as text lines. */
export async function explain(c: pg.Client, text: string, params: unknown[] = []): Promise<string[]> {
  const r = await c.query(`explain (analyze, buffers) ${text}`, params);
  return r.rows.map((row: Record<string, string>) => row["QUERY PLAN"] as string);
}

export function load(): number[] {
  return loadavg().map((x) => round(x, 2));
}

export function figure(
  f: Omit<Figure, "ratio" | "ok"> & { ratio?: number | null; ok?: boolean | null },
): Figure {
  return { ratio: null, ok: null, ...f };
}

/** Prints a log line to stderr so stdout keeps the table. */
export function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** CPU time (user + system) a process has used so far, in clock ticks (1/100 s), from /proc; 0 once gone. */
export function cpuTicksOfPid(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** CPU ticks used so far by each PostgreSQL process of this machine (server, backends, workers), by pid. */
export function postgresTicks(): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, "utf8").startsWith("postgres"))
        ticks.set(Number(d), cpuTicksOfPid(Number(d)));
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks;
}

/**
 * The PostgreSQL CPU ticks used between two readings of `postgresTicks`: by the processes alive at the end
 * (a process that ended in between, an autovacuum worker say, is not counted: an undercount, never less
 * than nothing).
 */
export function postgresTicksSince(before: Map<number, number>): number {
  let used = 0;
  for (const [pid, t] of postgresTicks()) used += t - (before.get(pid) ?? 0);
  return used;
}

/** CPU µs per request of a load run: the server process, PostgreSQL, and this process (the load generator). */
export interface CpuPerRequest {
  server: number;
  postgres: number;
  loadgen: number;
}

/** Runs `fn` (a load of `requests(result)` requests against `pid`) and says its CPU per request. */
export async function cpuPerRequest<T>(
  pid: number,
  fn: () => Promise<T>,
  requests: (r: T) => number,
): Promise<{ value: T; cpu: CpuPerRequest }> {
  const s0 = cpuTicksOfPid(pid);
  const p0 = postgresTicks();
  const c0 = process.cpuUsage();
  const value = await fn();
  const c = process.cpuUsage(c0);
  const n = Math.max(1, requests(value));
  const us = (ticks: number) => round((ticks * 10_000) / n, 0);
  return {
    value,
    cpu: {
      server: us(cpuTicksOfPid(pid) - s0),
      postgres: us(postgresTicksSince(p0)),
      loadgen: round((c.user + c.system) / n, 0),
    },
  };
}
