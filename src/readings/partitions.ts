/**
 * Readings' monthly partitions (migration 900, docs/decisions.md "Readings partitioned by month"): the
 * product creates each month's partition ahead of the readings it writes there — the months of an
 * import's batch before it loads, this month and the next ones from the server's jobs. A reading whose
 * month was not prepared lands in `readings_before` or `readings_after` and stays there (never lost,
 * never moved).
 */
import { type Kysely, sql } from "kysely";
import type { DB } from "../platform/schema.js";

/** Months prepared ahead of today by the server's jobs (creating a partition briefly locks `readings`). */
export const MONTHS_AHEAD = 3;

/** The first day of `day`'s month and of the month `months` later (ISO dates, UTC calendar). */
export function monthSpan(day: string, months: number): { first: string; last: string } {
  const y = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7)) - 1 + months;
  const end = new Date(Date.UTC(y + Math.floor(m / 12), ((m % 12) + 12) % 12, 1));
  return { first: `${day.slice(0, 7)}-01`, last: end.toISOString().slice(0, 10) };
}

/** Creates the partitions of every month from `first`'s to `last`'s that are missing; how many were made. */
export async function ensureReadingPartitions(db: Kysely<DB>, first: string, last: string): Promise<number> {
  const r = await sql<{
    made: number;
  }>`select ecart_readings_partitions(${first}::date, ${last}::date) as made`.execute(db);
  return Number(r.rows[0]?.made ?? 0);
}

/** This month's partition and the next MONTHS_AHEAD ones (the server's jobs run it hourly). */
export async function ensurePartitionsAhead(db: Kysely<DB>, today: string): Promise<number> {
  const { first, last } = monthSpan(today, MONTHS_AHEAD);
  return ensureReadingPartitions(db, first, last);
}

/**
 * The months an import has prepared, so that each is asked for once: `prepare` creates the partitions of
 * the months (YYYY-MM) not met before, one short transaction each, outside any batch's transaction.
 */
export class PreparedMonths {
  private readonly done = new Set<string>();
  constructor(private readonly db: Kysely<DB>) {}

  async prepare(months: Iterable<string>): Promise<void> {
    for (const month of months) {
      if (this.done.has(month)) continue;
      await sql`select ecart_readings_partition(${`${month}-01`}::date)`.execute(this.db);
      this.done.add(month);
    }
  }
}
