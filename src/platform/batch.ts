/**
 * Batch inserts (issue 15, point 3): each row travels with its ordinal `i`, its place in the caller's
 * list, and gets its id in the same row of the statement that inserts it; what the statement returns is
 * put back in the caller's order by that ordinal, never by the position RETURNING gives it (PostgreSQL
 * promises no order).
 */

/** The rows with their ordinal `i` (0, 1, …), as they travel to a batch insert. */
export function withOrdinals<T extends object>(rows: readonly T[]): Array<T & { i: number }> {
  return rows.map((r, i) => ({ ...r, i }));
}

/** The rows a batch insert returned, each at the place its ordinal `i` names; throws when one is missing. */
export function byOrdinal<T extends { i: number | string }>(rows: readonly T[], n: number): T[] {
  const out: Array<T | undefined> = Array.from({ length: n }, () => undefined);
  for (const r of rows) out[Number(r.i)] = r;
  const missing = out.indexOf(undefined);
  if (missing >= 0 || out.length !== n)
    throw new Error(`batch insert: no row returned for ordinal ${missing}`);
  return out as T[];
}

/** The one row of a batch of one (a single write made through its table's batch function). */
export function only<T>(rows: readonly T[]): T {
  const [row] = rows;
  if (rows.length !== 1 || row === undefined) throw new Error(`expected one row, got ${rows.length}`);
  return row;
}
