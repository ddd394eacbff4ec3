/**
 * CPU per request of the move-in check and of the bare route, for quick A/B work on one side at a time:
 * `tsx bench/cpu-probe.ts [service points] [seconds]` (`PROBE=app` or `bare` for one side). Keeps its world
 * in database `ecart_probe_<N>` between runs (drop it to build it again); the bench's `http` section
 * measures the same, interleaved, on a fresh world.
 */
import { sql } from "kysely";
import { createApiToken } from "../src/accounts/store.js";
import { openDatabase } from "../src/platform/db.js";
import { migrate } from "../src/platform/migrate.js";
import { checkWorld, load, startServer, stop } from "./http.js";
import { adminQuery, cpuPerRequest, log, PG_ADMIN_URL } from "./lib.js";

const CLOCK = new Date("2024-03-05T10:00:00+01:00");

async function main() {
  const n = Number(process.argv[2] ?? 20_000);
  const seconds = Number(process.argv[3] ?? 5);
  const name = `ecart_probe_${n}`;
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  const exists = (await adminQuery(`select 1 from pg_database where datname = '${name}'`)).rowCount;
  if (!exists) await adminQuery(`create database ${name}`);
  const db = await openDatabase({ url, poolSize: 4 });
  let auth: Record<string, string>;
  try {
    await migrate(db);
    if (!exists) {
      auth = (await checkWorld({ name, url, db, drop: async () => {} }, n - 1)).auth;
      log(`${name} built`);
    } else {
      const account = await sql<{ id: number }>`select id from accounts where username = 'fo.bench'`.execute(
        db.kysely,
      );
      const id = account.rows[0]?.id;
      if (id === undefined) throw new Error(`${name} has no bench account: drop it`);
      auth = { authorization: `Bearer ${await createApiToken(db.kysely, id, "probe", CLOCK)}` };
    }
  } finally {
    await db.close();
  }
  for (const mode of (process.env.PROBE ?? "app,bare").split(",") as Array<"app" | "bare">) {
    const server = await startServer(mode, url);
    try {
      const path = mode === "app" ? "/api/move-ins/check" : "/bare";
      const headers = mode === "app" ? auth : {};
      await load(server.port, path, headers, n, 2);
      const { value: r, cpu } = await cpuPerRequest(
        server.proc.pid ?? 0,
        () => load(server.port, path, headers, n, seconds),
        (x) => x.requests.total,
      );
      process.stdout.write(
        `${mode}: ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms; CPU µs per request: server ${cpu.server}, PostgreSQL ${cpu.postgres}, load generator ${cpu.loadgen}\n`,
      );
    } finally {
      await stop(server);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
