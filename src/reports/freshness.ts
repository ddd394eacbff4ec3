/** Where the reports read from (issue 18 point 4): the primary, or a read replica and how far behind it is. */
import { sql } from "kysely";
import type { Database } from "../platform/db.js";

/** What the reports page says about its data. */
export interface Freshness {
  source: "primary" | "replica";
  /** Seconds the replica is behind the primary (0 when it has replayed all it received); null on the primary. */
  lagSeconds: number | null;
}

/**
 * Asks the database the reports read: a standby (pg_is_in_recovery) is a replica, its lag the age of the
 * last transaction it replayed, or 0 when it has replayed everything it received.
 */
export async function reportsFreshness(db: Database): Promise<Freshness> {
  if (db.kind !== "postgres") return { source: "primary", lagSeconds: null };
  const r = await sql<{ standby: boolean; lag: number | null }>`
    select pg_is_in_recovery() as standby,
      case when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
           else extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 end as lag`.execute(
    db.kysely,
  );
  const row = r.rows[0];
  if (!row?.standby) return { source: "primary", lagSeconds: null };
  return { source: "replica", lagSeconds: row.lag === null ? null : Math.max(0, Number(row.lag)) };
}
