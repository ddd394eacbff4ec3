/**
 * Brings an embedded database back to the state it had when its baseline was taken (just migrated):
 * every table emptied in one TRUNCATE, the rows it held then put back, every sequence set back. The
 * scenario worker (src/scenarios/worker.ts) resets one migrated PGlite between files instead of starting
 * a new one (a second of CPU) for each.
 */
import { createHash } from "node:crypto";
import { sql } from "kysely";
import type { Database } from "./db.js";

/** What a reset restores: the tables, the rows of those that were not empty, the sequences' positions. */
export interface Baseline {
  tables: string[];
  rows: Map<string, { columns: string[]; json: string }>;
  sequences: Array<{ name: string; last: number; called: boolean }>;
  /** fingerprint() of the baseline state: a reset that does not reach it again throws. */
  print: string;
}

/** The database's own tables and sequences (every schema but PostgreSQL's). */
const OWN = sql`n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'`;

async function tablesOf(db: Database): Promise<string[]> {
  const r = await sql<{ t: string }>`
    select c.oid::regclass::text as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and ${OWN} order by 1`.execute(db.kysely);
  return r.rows.map((x) => x.t);
}

/** Columns a plain INSERT may give (generated ones are computed again). */
async function insertableColumns(db: Database, table: string): Promise<string[]> {
  const r = await sql<{ a: string }>`
    select quote_ident(attname) as a from pg_attribute
    where attrelid = ${table}::regclass and attnum > 0 and not attisdropped and attgenerated = ''
    order by attnum`.execute(db.kysely);
  return r.rows.map((x) => x.a);
}

/** A hash of every row of every table, in a stable order, and of every sequence's position. */
export async function fingerprint(db: Database): Promise<string> {
  const h = createHash("sha256");
  for (const t of await tablesOf(db)) {
    const r = await sql<{ j: string | null }>`
      select string_agg(x::text, E'\n' order by x::text) as j from ${sql.raw(t)} x`.execute(db.kysely);
    h.update(`${t}\n${r.rows[0]?.j ?? ""}\n`);
  }
  for (const s of await sequencesOf(db)) h.update(`${s.name} ${s.last} ${s.called}\n`);
  return h.digest("hex");
}

async function sequencesOf(db: Database): Promise<Baseline["sequences"]> {
  const names = await sql<{ s: string }>`
    select c.oid::regclass::text as s from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'S' and ${OWN} order by 1`.execute(db.kysely);
  const out: Baseline["sequences"] = [];
  for (const { s } of names.rows) {
    const r = await sql<{ last: number; called: boolean }>`
      select last_value::int8 as last, is_called as called from ${sql.raw(s)}`.execute(db.kysely);
    const row = r.rows[0];
    if (row) out.push({ name: s, last: Number(row.last), called: row.called });
  }
  return out;
}

/** Takes the baseline of a database as it is now (call it right after migrating). */
export async function takeBaseline(db: Database): Promise<Baseline> {
  const tables = await tablesOf(db);
  const rows: Baseline["rows"] = new Map();
  for (const t of tables) {
    const columns = await insertableColumns(db, t);
    const r = await sql<{ j: string | null }>`
      select json_agg(json_build_object(${sql.raw(columns.map((c) => `'${c.replace(/'/g, "''")}', x.${c}`).join(", "))}))::text as j
      from ${sql.raw(t)} x`.execute(db.kysely);
    const json = r.rows[0]?.j;
    if (json) rows.set(t, { columns, json });
  }
  return { tables, rows, sequences: await sequencesOf(db), print: await fingerprint(db) };
}

/**
 * Resets the database to `base`. TRUNCATE guards (migration 750…) are triggers: they do not fire with
 * session_replication_role = replica, which this transaction sets for itself only. Checks the result
 * against the baseline's fingerprint when `check` is set.
 */
export async function resetToBaseline(db: Database, base: Baseline, check = false): Promise<void> {
  // Emptying append-only tables is for the scenario worker's own embedded database, never a server's.
  if (db.kind !== "pglite") throw new Error("resetToBaseline empties embedded scenario databases only");
  await db.kysely.transaction().execute(async (trx) => {
    await sql`set local session_replication_role = replica`.execute(trx);
    await sql`truncate ${sql.raw(base.tables.join(", "))} restart identity`.execute(trx);
    for (const [t, { columns, json }] of base.rows) {
      const list = sql.raw(columns.join(", "));
      await sql`insert into ${sql.raw(t)} (${list}) overriding system value
        select ${list} from json_populate_recordset(null::${sql.raw(t)}, ${json}::json)`.execute(trx);
    }
    for (const s of base.sequences)
      await sql`select setval(${s.name}::regclass, ${s.last}, ${s.called})`.execute(trx);
  });
  if (check && (await fingerprint(db)) !== base.print)
    throw new Error("the database does not match its baseline after a reset");
}
