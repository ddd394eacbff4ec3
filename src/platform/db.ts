/**
 * Opens the database: PGlite (embedded, the default) or a PostgreSQL server when a
 * `postgres://` URL is given. Both are reached through Kysely's Postgres dialect, so
 * the same SQL and the same migrations run on both.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { type CompiledQuery, Kysely, PostgresDialect, type RawBuilder, sql, type Transaction } from "kysely";
import pg from "pg";
import { type DataLock, lockDataFolder } from "./data-lock.js";
import { MIGRATIONS_DIR, migrate } from "./migrate.js";
import type { DB } from "./schema.js";

export type DbKind = "pglite" | "postgres";

/** A command's transaction: every store function and command handler runs in one. */
export type Trx = Transaction<DB>;

/** `column = any(ids)`: one bind parameter for a whole list of ids (each id once). */
export const anyOf = (ids: readonly string[]) => sql<string>`any(${[...new Set(ids)]}::text[])`;

export interface Database {
  readonly kind: DbKind;
  readonly kysely: Kysely<DB>;
  /** Runs a multi-statement SQL script (migrations) outside Kysely. */
  execScript(sql: string): Promise<void>;
  /** The PGlite instance, when embedded (for COPY and other embedded-only paths). */
  readonly pglite?: PGlite;
  /** The pg pool, when on a server. */
  readonly pool?: pg.Pool;
  /** How the connections are used now (the metrics read it). */
  poolStats(): PoolStats;
  close(): Promise<void>;
}

/** Connections of the pool: at most `max`, `open` of them, `idle` of those free, `waiting` callers queued. */
export interface PoolStats {
  max: number;
  open: number;
  idle: number;
  waiting: number;
}

/** Postgres type ids whose text form we keep or convert the same way on both drivers. */
const OID = { INT8: 20, NUMERIC: 1700, DATE: 1082, TIMESTAMP: 1114 } as const;

const toNumber = (v: string) => Number(v);
const asIs = (v: string) => v;

pg.types.setTypeParser(OID.INT8, toNumber);
pg.types.setTypeParser(OID.NUMERIC, toNumber);
pg.types.setTypeParser(OID.DATE, asIs);

/** Contrib extensions the migrations create (pg_trgm: migration 513), loaded in every PGlite instance. */
const EXTENSIONS = { pg_trgm };

/** A minimal async mutex: PGlite is one session, so a transaction must own it. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  /** Callers holding the lock (0 or 1) or waiting for it. */
  queued = 0;
  lock(): Promise<() => void> {
    let release!: () => void;
    this.queued++;
    const next = new Promise<void>((r) => {
      release = () => {
        this.queued--;
        r();
      };
    });
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => next);
    return ready;
  }
}

const COMMAND_RE = /^\s*(?:with\b[\s\S]*?\)\s*)?(insert|update|delete|merge|select)\b/i;

/** Adapts PGlite to the small part of pg.Pool that Kysely's PostgresDialect uses. */
function pglitePool(db: PGlite) {
  const mutex = new Mutex();
  const client = {
    async query(text: string, params: unknown[] = []) {
      const res = await db.query<Record<string, unknown>>(text, params as unknown[]);
      const command = (COMMAND_RE.exec(text)?.[1] ?? "SELECT").toUpperCase();
      return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length, command };
    },
  };
  return {
    async connect() {
      const release = await mutex.lock();
      return { ...client, release };
    },
    async end() {},
    mutex,
  };
}

export interface OpenOptions {
  /** `postgres://…` for a server; a folder for PGlite; `memory://` (or undefined) for an in-memory PGlite. */
  url?: string;
  /** Pool size on a server. */
  poolSize?: number;
}

/**
 * A pooled PostgreSQL connection idle this long is closed. pg's default (10 s) closed a server's
 * connections between two bursts of requests, and each new one starts cold (docs/performance.md, figure
 * 3, session 15); longer than a minute would outlast some firewalls' and load balancers' idle timeouts
 * (Azure's 4 minutes), which drop a connection without a word.
 */
export const POOL_IDLE_MS = 60_000;

/** Opens a database from a URL: `postgres://…`, a folder path, or `memory://`. */
export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  const url = opts.url ?? "memory://";
  if (/^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.poolSize ?? 10,
      idleTimeoutMillis: POOL_IDLE_MS,
      // Idle connections do not hold a command-line process open: it ends when its work does.
      allowExitOnIdle: true,
    });
    pool.on("error", () => {
      /* an idle client dropped by the server: the pool replaces it */
    });
    const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return {
      kind: "postgres",
      kysely,
      pool,
      poolStats: () => ({
        max: pool.options.max ?? 10,
        open: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
      }),
      async execScript(script) {
        const c = await pool.connect();
        try {
          await c.query(script);
        } finally {
          c.release();
        }
      },
      async close() {
        await kysely.destroy();
      },
    };
  }
  const dataDir = url === "memory://" ? undefined : url.replace(/^file:\/\//, "");
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  // One process at a time on a data folder: refused (DATA_FOLDER_IN_USE) while another one has it open.
  const lock = dataDir ? lockDataFolder(dataDir) : undefined;
  try {
    const pglite = new PGlite({
      dataDir,
      parsers: { [OID.INT8]: toNumber, [OID.NUMERIC]: toNumber, [OID.DATE]: asIs },
      extensions: EXTENSIONS,
    });
    await pglite.waitReady;
    return wrapPglite(pglite, lock);
  } catch (e) {
    lock?.release();
    throw e;
  }
}

/**
 * A fresh, migrated, in-memory PGlite. The first call on a machine migrates an empty
 * database and keeps a snapshot (keyed by the migrations' content) in the OS temp folder;
 * later calls start from it, about three times faster than initdb plus migrations.
 */
export async function freshEmbeddedDatabase(): Promise<Database> {
  const h = createHash("sha256");
  for (const f of readdirSync(MIGRATIONS_DIR).sort())
    h.update(f).update(readFileSync(join(MIGRATIONS_DIR, f)));
  const snap = join(tmpdir(), `ecart-pglite-${h.digest("hex").slice(0, 16)}.tar`);
  if (existsSync(snap)) {
    try {
      return await openEmbedded(new Blob([readFileSync(snap)]));
    } catch {
      /* a damaged snapshot: rebuild it below */
    }
  }
  const db = await openDatabase({ url: "memory://" });
  await migrate(db);
  const dump = await (db.pglite as PGlite).dumpDataDir("none");
  const tmp = `${snap}.${process.pid}`;
  writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
  renameSync(tmp, snap);
  return db;
}

async function openEmbedded(loadDataDir: Blob): Promise<Database> {
  const pglite = new PGlite({
    loadDataDir,
    parsers: { [OID.INT8]: toNumber, [OID.NUMERIC]: toNumber, [OID.DATE]: asIs },
    extensions: EXTENSIONS,
  });
  await pglite.waitReady;
  return wrapPglite(pglite);
}

function wrapPglite(pglite: PGlite, lock?: DataLock): Database {
  const pool = pglitePool(pglite);
  // biome-ignore lint/suspicious/noExplicitAny: Kysely only calls connect/end on the pool.
  const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool: pool as any }) });
  return {
    kind: "pglite",
    kysely,
    pglite,
    // One embedded session: in use while a caller holds the lock, the others wait.
    poolStats: () => ({
      max: 1,
      open: 1,
      idle: pool.mutex.queued === 0 ? 1 : 0,
      waiting: Math.max(0, pool.mutex.queued - 1),
    }),
    async execScript(script) {
      const release = await pool.mutex.lock();
      try {
        await pglite.exec(script);
      } finally {
        release();
      }
    },
    async close() {
      try {
        await kysely.destroy();
        await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}

/**
 * Runs a hot read statement as a named prepared statement on a server: parsed and planned once per pool
 * connection, then only bound and executed. On PGlite it runs as any other query. One name, one text.
 */
export async function executePrepared<R>(db: Database, name: string, query: CompiledQuery<R>): Promise<R[]> {
  if (db.pool)
    return (await db.pool.query({ name, text: query.sql, values: [...query.parameters] })).rows as R[];
  return (await db.kysely.executeQuery(query)).rows;
}

/** A read statement given the database (prepared, `executePrepared`) or in a transaction (as it is). */
export async function executeRead<R>(at: Database | Trx, name: string, query: RawBuilder<R>): Promise<R[]> {
  return "kysely" in at
    ? executePrepared(at, name, query.compile(at.kysely))
    : (await query.execute(at)).rows;
}
