/**
 * `ecart import service-points|meters|subscriptions FILE` (SPEC §8, docs/integration.md): streams a CIS
 * export, checks each row (rows.ts), and writes batches through the one write path (reference.ts), each
 * batch in one transaction: a killed import leaves whole batches, and running it again finds them
 * UNCHANGED and goes on. Rows of one service point are never split between two batches. Every refused row
 * goes to the rejects file (line, code, French reason) while the rest loads.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { parse } from "csv-parse";
import { type Context, today } from "../platform/context.js";
import type { Database } from "../platform/db.js";
import { asConflict, EcartError, ErrorCode } from "../platform/errors.js";
import { REJECTS_HEADER, rejectLine } from "../readings/import-rejects.js";
import { applyReferenceRows, type RowResult } from "./reference.js";
import { fieldsOf, headerOf, isRefusal, parseRow, type ReferenceKind, type RowOf } from "./rows.js";

/** Rows per batch (one transaction): a batch grows past it only to keep a service point's rows together. */
export const DEFAULT_REFERENCE_BATCH = 2000;

/** A CSV line that cannot be read (an unbalanced quote): refused as INVALID_INPUT, the rest of the file goes on. */
const malformedError = new EcartError(
  ErrorCode.INVALID_INPUT,
  "ligne CSV mal formée (guillemet non fermé ou mal placé) : ligne ignorée",
  "malformed CSV line",
);

/** A file that cannot be loaded at all (no header, a required column missing): nothing is written. */
export class ReferenceFileError extends Error {
  constructor(
    readonly messageFr: string,
    messageEn: string,
  ) {
    super(messageEn);
    this.name = "ReferenceFileError";
  }
}

export interface ReferenceProgress {
  bytes: number;
  totalBytes: number | null;
  lines: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  rowsPerSecond: number;
}

export interface ReferenceSummary {
  kind: ReferenceKind;
  /** The delimiter found in the header line. */
  delimiter: ";" | ",";
  lines: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  batches: number;
  seconds: number;
  rowsPerSecond: number;
}

export interface ReferenceImportOptions {
  rejectsPath: string;
  /** The file's name, for the audit trail. */
  source: string;
  totalBytes?: number | null;
  batchRows?: number;
  onProgress?: (p: ReferenceProgress) => void;
}

/** `;` or `,`: whichever the header line (outside quotes) has more of; `,` when neither. */
export function detectDelimiter(headerLine: string): ";" | "," {
  let semi = 0;
  let comma = 0;
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === ";") semi++;
    else if (!quoted && ch === ",") comma++;
  }
  return semi > comma ? ";" : ",";
}

/** The bytes of `input` with its first line read ahead: that line, and the whole stream again. */
async function peekFirstLine(
  input: AsyncIterable<Buffer | string>,
  count: (n: number) => void,
): Promise<{ first: string; all: AsyncIterable<Buffer> }> {
  const it = input[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  for (;;) {
    const n = await it.next();
    if (n.done) break;
    const b = typeof n.value === "string" ? Buffer.from(n.value) : n.value;
    count(b.length);
    head.push(b);
    size += b.length;
    if (b.includes(10) || size > 1 << 20) break;
  }
  const buf = Buffer.concat(head);
  const nl = buf.indexOf(10);
  const first = buf.toString("utf8", 0, nl < 0 ? buf.length : nl).replace(/^\ufeff/, "");
  async function* all(): AsyncGenerator<Buffer> {
    if (buf.length > 0) yield buf;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      const b = typeof n.value === "string" ? Buffer.from(n.value) : n.value;
      count(b.length);
      yield b;
    }
  }
  return { first, all: all() };
}

/** A line of the batch: its row, or why it was refused before the database saw it. */
interface Item {
  line: number;
  raw: string;
  row: RowOf<ReferenceKind> | null;
  error: EcartError | null;
}

/** Imports one reference file; see the module comment. Throws ReferenceFileError for a file it cannot read. */
export async function importReference(
  db: Database,
  ctx: Context,
  kind: ReferenceKind,
  input: Readable | AsyncIterable<Buffer | string>,
  opts: ReferenceImportOptions,
): Promise<ReferenceSummary> {
  const started = Date.now();
  const batchRows = opts.batchRows ?? DEFAULT_REFERENCE_BATCH;
  const day = today(ctx);
  let bytes = 0;
  const { first, all } = await peekFirstLine(input as AsyncIterable<Buffer | string>, (n) => {
    bytes += n;
  });
  const delimiter = detectDelimiter(first);
  const sum: ReferenceSummary = {
    kind,
    delimiter,
    lines: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    batches: 0,
    seconds: 0,
    rowsPerSecond: 0,
  };
  const parser = parse({
    delimiter,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    info: true,
    raw: true,
    skip_records_with_error: true,
  });
  const malformed: Array<{ line: number; raw: string }> = [];
  parser.on("skip", (err: Error & { lines?: number; raw?: string }) =>
    malformed.push({ line: err.lines ?? 0, raw: err.raw ?? "" }),
  );
  const feed = (async () => {
    for await (const chunk of all) if (!parser.write(chunk)) await once(parser, "drain");
    parser.end();
  })();
  feed.catch((e: Error) => parser.destroy(e));

  const rejects = createWriteStream(opts.rejectsPath);
  rejects.write(REJECTS_HEADER);
  const reject = async (line: number, code: string, reason: string, row: string) => {
    sum.rejected++;
    if (!rejects.write(rejectLine(line, code, reason, row))) await once(rejects, "drain");
  };
  const progress = () =>
    opts.onProgress?.({
      bytes,
      totalBytes: opts.totalBytes ?? null,
      lines: sum.lines,
      inserted: sum.inserted,
      updated: sum.updated,
      unchanged: sum.unchanged,
      rejected: sum.rejected,
      rowsPerSecond: Math.round(sum.lines / Math.max((Date.now() - started) / 1000, 0.001)),
    });

  let header: Map<string, number> | null = null;
  // The batch's rows, and the refusals met among them (written in line order with the batch's own);
  // each with its line as the file wrote it, for the rejects file.
  let batch: Item[] = [];
  let last: RowOf<ReferenceKind> | null = null;
  let count = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    count = 0;
    const rows = items.flatMap((x) => (x.row ? [x.row] : []));
    const results = rows.length > 0 ? await writeBatch(db, ctx, kind, rows, opts.source) : [];
    if (rows.length > 0) sum.batches++;
    let k = 0;
    for (const item of items) {
      const r = item.row ? (results[k++] as RowResult) : (item.error as EcartError);
      if (r === "INSERTED") sum.inserted++;
      else if (r === "UPDATED") sum.updated++;
      else if (r === "UNCHANGED") sum.unchanged++;
      else await reject(item.line, r.code, r.messageFr, item.raw);
    }
    progress();
  };
  const skipped = () => {
    for (const m of malformed.splice(0)) {
      sum.lines++;
      batch.push({ line: m.line, raw: m.raw, row: null, error: malformedError });
    }
  };
  try {
    for await (const { record, info, raw } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
      raw: string;
    }>) {
      skipped();
      if (!header) {
        const h = headerOf(kind, record);
        if (h.missing.length > 0)
          throw new ReferenceFileError(
            `Fichier refusé : colonne(s) obligatoire(s) absente(s) de l'en-tête : ${h.missing.join(", ")} (séparateur lu : « ${delimiter} »).`,
            `missing column(s) ${h.missing.join(", ")}`,
          );
        header = h.index;
        continue;
      }
      sum.lines++;
      const line = raw.replace(/\r?\n$/, "");
      const row = parseRow(kind, fieldsOf(kind, header, record), info.lines, day);
      if (isRefusal(row)) {
        batch.push({ line: row.line, raw: line, row: null, error: row.error });
        continue;
      }
      // A batch ends only between two service points: their rows are decided together.
      if (count >= batchRows && last && last.servicePoint !== row.servicePoint) await flush();
      batch.push({ line: row.line, raw: line, row, error: null });
      last = row;
      count++;
    }
    skipped();
    if (!header)
      throw new ReferenceFileError("Fichier refusé : il est vide (pas de ligne d'en-tête).", "empty file");
    await flush();
    await feed;
  } finally {
    parser.destroy();
    rejects.end();
    await once(rejects, "close").catch(() => {});
  }
  sum.seconds = (Date.now() - started) / 1000;
  sum.rowsPerSecond = Math.round(sum.lines / Math.max(sum.seconds, 0.001));
  progress();
  return sum;
}

/**
 * One batch in one transaction. Should the database refuse it as a whole (a race with another writer,
 * a check only it makes), the batch is written again row by row, each in its own transaction: the rows
 * it refuses go to the rejects file, the others load.
 */
async function writeBatch(
  db: Database,
  ctx: Context,
  kind: ReferenceKind,
  rows: RowOf<ReferenceKind>[],
  source: string,
): Promise<RowResult[]> {
  const lines: [number, number] = [rows[0]?.line ?? 0, rows.at(-1)?.line ?? 0];
  try {
    return await db.kysely
      .transaction()
      .execute((trx) => applyReferenceRows(trx, ctx, kind, rows, { source, lines }));
  } catch (e) {
    if (rows.length === 1) return [refusalOf(e, rows[0] as RowOf<ReferenceKind>)];
  }
  const out: RowResult[] = [];
  for (const row of rows) {
    try {
      const [r] = await db.kysely
        .transaction()
        .execute((trx) => applyReferenceRows(trx, ctx, kind, [row], { source, lines: [row.line, row.line] }));
      out.push(r as RowResult);
    } catch (e) {
      out.push(refusalOf(e, row));
    }
  }
  return out;
}

/** A row the database refused: a race or a check of its own becomes CONFLICT; anything else stops the import. */
function refusalOf(e: unknown, row: { line: number }): EcartError {
  if (e instanceof EcartError) return e;
  const conflict = asConflict(e);
  if (conflict) return conflict;
  const err = e as Error;
  throw new Error(`line ${row.line}: ${err.message}`, { cause: err });
}
