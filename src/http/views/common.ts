/** Small helpers shared by the read views. */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../../platform/db.js";
import type { DB } from "../../platform/schema.js";

/** An instant as ISO 8601 text (null stays null). */
export const iso = (d: Date | string | null | undefined): string | null =>
  d == null ? null : new Date(d).toISOString();

/** Runs read-only queries in one snapshot; the database refuses any write inside. */
export const readOnly = <T>(
  db: Database | Kysely<DB>,
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> => ("kysely" in db ? db.kysely : db).transaction().setAccessMode("read only").execute(fn);

/** Escapes LIKE wildcards in user text. */
export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export interface PageQuery {
  limit?: number | undefined;
  offset?: number | undefined;
}
/** Default and largest page sizes of lists. */
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
export const pageOf = (p: PageQuery) => ({
  limit: Math.min(Math.max(1, p.limit ?? DEFAULT_LIMIT), MAX_LIMIT),
  offset: Math.max(0, p.offset ?? 0),
});
