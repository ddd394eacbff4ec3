/** Applies the SQL files of `migrations/` in name order, each once, on PGlite or PostgreSQL. */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import type { Database } from "./db.js";

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "migrations");

/** Advisory lock key shared by every process migrating the same server database. */
const MIGRATION_LOCK = 7_242_001;

type Exec = (script: string) => Promise<Array<{ name: string }>>;

/** The migration files of `dir`, in the order they apply. */
export function migrationFiles(dir = MIGRATIONS_DIR): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith(".sql"))
    .sort();
}

/** The migrations of `dir` the database has not applied yet (every one when it was never migrated). */
export async function pendingMigrations(db: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  const r = await sql<{ name: string }>`select name from schema_migrations`
    .execute(db.kysely)
    .catch((e: { code?: string }) => {
      if (e.code === "42P01") return { rows: [] }; // no schema_migrations table: never migrated
      throw e;
    });
  const done = new Set(r.rows.map((x) => x.name));
  return migrationFiles(dir).filter((f) => !done.has(f));
}

async function applyAll(exec: Exec, dir: string): Promise<string[]> {
  await exec(
    "create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())",
  );
  const done = new Set((await exec("select name from schema_migrations")).map((r) => r.name));
  const applied: string[] = [];
  for (const f of migrationFiles(dir)) {
    if (done.has(f)) continue;
    const body = readFileSync(join(dir, f), "utf8");
    await exec(
      `begin;\n${body}\n;insert into schema_migrations(name) values ('${f.replace(/'/g, "''")}');\ncommit;`,
    );
    applied.push(f);
  }
  return applied;
}

/** Brings the schema up to date; safe when several processes start at once on a server. */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  if (db.pool) {
    const client = await db.pool.connect();
    try {
      await client.query(`select pg_advisory_lock(${MIGRATION_LOCK})`);
      return await applyAll(async (s) => {
        const r = await client.query(s);
        const last = Array.isArray(r) ? r[r.length - 1] : r;
        return last?.rows ?? [];
      }, dir);
    } finally {
      await client.query(`select pg_advisory_unlock(${MIGRATION_LOCK})`).catch(() => {});
      client.release();
    }
  }
  const lite = db.pglite;
  if (!lite) throw new Error("database has neither a pool nor an embedded engine");
  return applyAll(async (s) => {
    const r = await lite.exec(s);
    return (r[r.length - 1]?.rows ?? []) as Array<{ name: string }>;
  }, dir);
}
