/**
 * CSV export of the reports (R13) for a French spreadsheet (`src/platform/spreadsheet.ts`: UTF-8 with a
 * BOM, `;` between fields, CRLF between lines, formulas defused); rows come from keyset-batched queries
 * and are streamed, never held all at once.
 */
import { BOM, csvLine } from "../platform/spreadsheet.js";

/** Rows fetched per query while exporting. */
export const CSV_BATCH = 1000;

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | null | undefined;
}

/**
 * Reads a query batch after batch, each from where the last one ended (keyset): `fetch(after, limit)`
 * returns up to `limit` rows that come after the key `after` (the first rows when undefined) in a fixed,
 * total order, and `keyOf` gives a row's key. Each batch costs the same however far the export has gone.
 * The next batch is read while the current one is written out: at most two batches are held.
 */
export async function* keysetBatches<T, K>(
  fetch: (after: K | undefined, limit: number) => Promise<T[]>,
  keyOf: (row: T) => K,
  size = CSV_BATCH,
): AsyncGenerator<T[]> {
  const read = (after: K | undefined) => {
    const p = fetch(after, size);
    p.catch(() => {}); // an export stopped early leaves its read-ahead unawaited: not an unhandled rejection
    return p;
  };
  let next = read(undefined);
  for (;;) {
    const rows = await next;
    const last = rows.at(-1);
    const more = rows.length === size && last !== undefined;
    if (more) next = read(keyOf(last));
    if (rows.length > 0) yield rows;
    if (!more) return;
  }
}

/** The CSV text, chunk by chunk: the BOM and header first, then one chunk per batch. */
export async function* toCsv<T>(columns: Column<T>[], rows: AsyncIterable<T[]>): AsyncGenerator<string> {
  yield BOM + csvLine(columns.map((c) => c.header));
  for await (const batch of rows) {
    yield batch.map((r) => csvLine(columns.map((c) => c.value(r)))).join("");
  }
}
