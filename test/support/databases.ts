/**
 * Integration tests run on both engines: the embedded PGlite and the machine's PostgreSQL
 * server (a database created for the test file and dropped after it).
 * Set ECART_TEST_PG=off to skip the server (never in CI).
 */
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type Database, freshEmbeddedDatabase, openDatabase } from "../../src/platform/db.js";
import { MIGRATIONS_DIR, migrate, migrationFiles } from "../../src/platform/migrate.js";

/** The server of the `postgres` engine: set by test/support/postgres-setup.ts (the configured one, or an embedded one). */
export const PG_ADMIN_URL = process.env.ECART_TEST_PG_URL || "postgres://postgres@127.0.0.1:5432/postgres";

export type Engine = "pglite" | "postgres";
export const ENGINES: Engine[] = process.env.ECART_TEST_PG === "off" ? ["pglite"] : ["pglite", "postgres"];

export interface TestDatabase {
  db: Database;
  /** The server URL of this test's database (postgres only), for a second connection or process. */
  url: string | null;
  drop(): Promise<void>;
}

/** A fresh, migrated, empty database on the engine. */
export async function createTestDatabase(engine: Engine, poolSize = 10): Promise<TestDatabase> {
  if (engine === "pglite") {
    const db = await freshEmbeddedDatabase();
    return { db, url: null, drop: () => db.close() };
  }
  const name = `ecart_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  // A copy of the migrated template made by test/support/postgres-setup.ts, else a database migrated here.
  const template = process.env.ECART_TEST_PG_TEMPLATE;
  await admin.query(`create database ${name}${template ? ` template ${template}` : ""}`);
  await admin.end();
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  const db = await openDatabase({ url, poolSize });
  if (!template) await migrate(db);
  return {
    db,
    url,
    async drop() {
      await db.close();
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/**
 * A fresh database on the engine migrated up to (not including) the migration file `before`, to be filled
 * under the former schema and then migrated (`migrate(db)`) by a test of that migration.
 */
export async function databaseBefore(engine: Engine, before: string): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), "ecart-mig-"));
  for (const f of migrationFiles().filter((f) => f < before))
    copyFileSync(join(MIGRATIONS_DIR, f), join(dir, f));
  let db: Database;
  let url: string | null = null;
  let dropServer = async () => {};
  if (engine === "pglite") db = await openDatabase({ url: "memory://" });
  else {
    const name = `ecart_t_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
    db = await openDatabase({ url, poolSize: 4 });
    dropServer = async () => {
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    };
  }
  try {
    await migrate(db, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    db,
    url,
    async drop() {
      await db.close();
      await dropServer();
    },
  };
}
