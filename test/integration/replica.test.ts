/**
 * Issue 18 point 4: with DATABASE_REPLICA_URL, the reports and their exports read a streaming replica and
 * every write goes to the primary; the reports page says how far behind the replica is. A real primary
 * (wal_level=replica) and a standby made by pg_basebackup -R are started here on free ports, run as the
 * `postgres` user when the tests run as root. Skipped, saying why, where the binaries are missing.
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createApiToken } from "../../src/accounts/store.js";

import { buildApp } from "../../src/http/app.js";
import { type Database, openDatabase } from "../../src/platform/db.js";
import { migrate } from "../../src/platform/migrate.js";
import { givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

const BIN = {
  initdb: "/usr/local/bin/initdb",
  pg_ctl: "/usr/local/bin/pg_ctl",
  basebackup: "/usr/bin/pg_basebackup",
};
const NOW = new Date("2024-03-05T10:00:00+01:00");

/** Why the test cannot run here, or null. */
function missing(): string | null {
  for (const [name, path] of Object.entries(BIN))
    if (!existsSync(path)) return `${name} not found at ${path}`;
  if (process.getuid?.() === 0) {
    try {
      execFileSync("id", ["-u", "postgres"], { stdio: "ignore" });
    } catch {
      return "running as root and no `postgres` user to run PostgreSQL as";
    }
  }
  return null;
}
const why = missing();
if (why) console.warn(`replica.test.ts skipped: ${why}`);

const asRoot = process.getuid?.() === 0;
/** Runs a PostgreSQL binary, as the `postgres` user when we are root (PostgreSQL refuses root). */
function pg(bin: string, args: string[]) {
  const [cmd, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  return execFileSync(cmd, argv, { stdio: "pipe", timeout: 120_000 }).toString();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function until(what: string, ok: () => Promise<boolean>, ms = 60_000) {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(why !== null)("reports from a streaming replica", () => {
  let dir: string;
  const started: string[] = [];
  let primary: Database;
  let replica: Database;
  let app: FastifyInstance;
  let token: { FO: string; SUPERVISOR: string };
  const as = (role: "FO" | "SUPERVISOR", o: { method: "GET" | "POST"; url: string; payload?: object }) =>
    app.inject({ ...o, headers: { authorization: `Bearer ${token[role]}` } });

  const start = (data: string, port: number) => {
    const opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c wal_level=replica -c fsync=off`;
    pg(BIN.pg_ctl, ["-D", data, "-l", `${data}.log`, "-w", "-t", "90", "-o", opts, "start"]);
    started.push(data);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ecart-replica-"));
    if (asRoot) {
      const uid = Number(execFileSync("id", ["-u", "postgres"]).toString());
      const gid = Number(execFileSync("id", ["-g", "postgres"]).toString());
      chownSync(dir, uid, gid);
    }
    const [p1, p2] = [await freePort(), await freePort()];
    pg(BIN.initdb, ["-D", join(dir, "primary"), "-U", "postgres", "--auth=trust", "-N"]);
    start(join(dir, "primary"), p1);
    pg(BIN.basebackup, [
      "-h",
      "127.0.0.1",
      "-p",
      String(p1),
      "-U",
      "postgres",
      "-D",
      join(dir, "standby"),
      "-R",
      "-X",
      "stream",
      "-c",
      "fast",
    ]);
    start(join(dir, "standby"), p2);
    primary = await openDatabase({ url: `postgres://postgres@127.0.0.1:${p1}/postgres`, poolSize: 4 });
    replica = await openDatabase({ url: `postgres://postgres@127.0.0.1:${p2}/postgres`, poolSize: 4 });
    await migrate(primary);
    app = await buildApp({ db: primary, replica, clock: () => NOW, webDist: null });
    const fo = await createAccount(
      primary.kysely,
      { username: "fo.test", role: "FO", entity: "FO-LYON", password: null },
      NOW,
    );
    const sup = await createAccount(
      primary.kysely,
      { username: "sup.test", role: "SUPERVISOR", entity: "SUP-LYON", password: null },
      NOW,
    );
    token = {
      FO: await createApiToken(primary.kysely, fo.id, "tests", NOW),
      SUPERVISOR: await createApiToken(primary.kysely, sup.id, "tests", NOW),
    };
    // The tokens are read on the primary; the reports' tables must have reached the replica.
    await until("the schema on the replica", async () =>
      sql`select 1 from api_tokens`.execute(replica.kysely).then(
        (r) => r.rows.length === 2,
        () => false,
      ),
    );
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    await replica?.close();
    await primary?.close();
    for (const data of started.reverse()) {
      try {
        pg(BIN.pg_ctl, ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        /* already stopped */
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it("says the reports come from the replica, and how far behind it is", async () => {
    const r = await as("SUPERVISOR", { method: "GET", url: "/api/reports/freshness" });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().source).toBe("replica");
    expect(r.json().lagSeconds).toBeGreaterThanOrEqual(0);
    expect(
      (await sql<{ s: boolean }>`select pg_is_in_recovery() as s`.execute(replica.kysely)).rows[0]?.s,
    ).toBe(true);
  });

  it("writes on the primary while the reports read the replica, which catches up", async () => {
    const sp = servicePointFixture();
    await givenServicePoints(primary, sp);
    await until("the service point on the replica", async () =>
      sql`select 1 from service_points where id = ${sp.id}`
        .execute(replica.kysely)
        .then((r) => r.rows.length === 1),
    );
    const opened = () =>
      as("SUPERVISOR", { method: "GET", url: "/api/reports/cases-by-entity?entity=FO-LYON" }).then((r) => {
        if (r.statusCode !== 200) throw new Error(r.body);
        return (r.json().items as Array<{ count: number }>).reduce((n, x) => n + x.count, 0);
      });
    const before = await opened();
    await sql`select pg_wal_replay_pause()`.execute(replica.kysely);
    try {
      // A write through the API: the replica is read-only, so it can only have gone to the primary.
      const w = await as("FO", {
        method: "POST",
        url: "/api/move-ins",
        payload: moveInRequest(sp.id, { index: 1012 }),
      });
      expect(w.statusCode, w.body).toBe(200);
      const caseId = w.json().case as string;
      expect(caseId).toBeTruthy();
      const onPrimary = await sql`select 1 from cases where id = ${caseId}`.execute(primary.kysely);
      expect(onPrimary.rows).toHaveLength(1);
      // Replay paused: the report still counts what the replica has, and says it is behind.
      expect(await opened()).toBe(before);
      await new Promise((r) => setTimeout(r, 1100));
      const lag = await as("SUPERVISOR", { method: "GET", url: "/api/reports/freshness" });
      expect(lag.json().lagSeconds).toBeGreaterThan(0);
      const csv = await as("SUPERVISOR", { method: "GET", url: "/api/reports/new-customers.csv" });
      expect(csv.statusCode).toBe(200);
    } finally {
      await sql`select pg_wal_replay_resume()`.execute(replica.kysely);
    }
    await until("the replica to catch up", async () => (await opened()) === before + 1);
    await until("no lag", async () =>
      as("SUPERVISOR", { method: "GET", url: "/api/reports/freshness" }).then(
        (r) => r.json().lagSeconds === 0,
      ),
    );
  }, 120_000);

  it("reads the primary when no replica is given", async () => {
    const solo = await buildApp({ db: primary, clock: () => NOW, webDist: null });
    try {
      const r = await solo.inject({
        method: "GET",
        url: "/api/reports/freshness",
        headers: { authorization: `Bearer ${token.SUPERVISOR}` },
      });
      expect(r.json()).toEqual({ source: "primary", lagSeconds: null });
    } finally {
      await solo.close();
    }
  });
});
