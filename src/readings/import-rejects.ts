/**
 * The rejects file of the readings import (docs/readings-import.md): one line per refused row, its line
 * number, code, French reason and the row itself as the file wrote it, made for a French spreadsheet
 * (`platform/spreadsheet.ts`: `;`, BOM, formulas defused, control characters written out). Corrected,
 * the rejects file is an import file: `readImportFile` recognises its header and reads each `row` back.
 */
import { Readable } from "node:stream";
import { type Options, parse } from "csv-parse";
import { parse as parseNow } from "csv-parse/sync";
import { BOM, csvLine, restoreControls, restoreFormula, visibleControls } from "../platform/spreadsheet.js";
import { CSV_OPTIONS, importRecords, type OnMalformed, type RecordChunk, rawRecord } from "./import-csv.js";

/** The columns of a rejects file. */
export const REJECTS_COLUMNS = ["line", "code", "reason", "row"] as const;
/** The first line of a rejects file (with the BOM that tells a spreadsheet it is UTF-8). */
export const REJECTS_HEADER = BOM + csvLine([...REJECTS_COLUMNS]);
/** The longest `row` cell written: a spreadsheet cell holds 32,767 characters at most. */
export const ROW_CELL_MAX = 32_000;
/** Ends a `row` cell cut at ROW_CELL_MAX. */
export const CUT_MARK = " […]";

/** One refused row as a line of the rejects file. */
export function rejectLine(line: number, code: string, reason: string, row: string): string {
  const cell = visibleControls(row);
  return csvLine([
    line,
    code,
    visibleControls(reason),
    cell.length > ROW_CELL_MAX ? `${cell.slice(0, ROW_CELL_MAX)}${CUT_MARK}` : cell,
  ]);
}

/** csv-parse's options for a rejects file (the separator is the header's: `;`, or `,` if resaved so). */
export const REJECTS_CSV_OPTIONS = {
  delimiter: ";",
  bom: true,
  relax_column_count: true,
  skip_empty_lines: true,
  info: true,
  skip_records_with_error: true,
} satisfies Options;

/** The options for one `row` cell read back: an import line (its line ending, if any, is `\n` or CRLF). */
const ROW_OPTIONS: Options = {
  ...CSV_OPTIONS,
  info: false,
  skip_records_with_error: false,
  record_delimiter: ["\r\n", "\n"],
};

/** The separator of a rejects file's header line, or null when `head` does not start one. */
export function rejectsSeparator(head: Buffer): string | null {
  const text = head.toString("utf8", 0, 64).replace(/^\ufeff/, "");
  for (const sep of [";", ","]) if (text.startsWith(REJECTS_COLUMNS.join(sep))) return sep;
  return null;
}

/** Bytes needed to recognise a rejects file. */
const PROBE_BYTES = 32;

/**
 * The records of an import file: a readings file (importRecords), or a rejects file whose `row` cells
 * are read back (rejectsRecords).
 */
export async function* readImportFile(
  input: AsyncIterable<Buffer | string>,
  onMalformed: OnMalformed,
): AsyncGenerator<RecordChunk> {
  const it = input[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < PROBE_BYTES && !done) {
    const n = await it.next();
    if (n.done) done = true;
    else head = Buffer.concat([head, typeof n.value === "string" ? Buffer.from(n.value) : n.value]);
  }
  async function* whole() {
    if (head.length > 0) yield head;
    if (!done)
      for (;;) {
        const n = await it.next();
        if (n.done) return;
        yield n.value;
      }
  }
  const sep = rejectsSeparator(head);
  if (sep === null) yield* importRecords(whole(), onMalformed);
  else yield* rejectsRecords(whole(), sep, onMalformed);
}

/**
 * A rejects file read back: each non-empty `row` cell (defusing and escapes undone) parsed as the import
 * line it was, at the rejects file's line number. An emptied `row` cell drops its row.
 */
async function* rejectsRecords(
  input: AsyncIterable<Buffer | string>,
  delimiter: string,
  onMalformed: OnMalformed,
): AsyncGenerator<RecordChunk> {
  const parser = parse({ ...REJECTS_CSV_OPTIONS, delimiter, raw: true, from_line: 2 });
  parser.on("skip", (err: Error & { lines?: number }, raw?: string) =>
    onMalformed(err.lines ?? 0, err.message, rawRecord(raw)),
  );
  const source = Readable.from(input);
  source.on("error", (e) => parser.destroy(e));
  source.pipe(parser);
  let out: RecordChunk = { records: [], lines: [], raws: [] };
  for await (const { record, info } of parser as AsyncIterable<{
    record: string[];
    info: { lines: number };
  }>) {
    const row = restoreControls(restoreFormula(record[REJECTS_COLUMNS.indexOf("row")] ?? ""));
    if (row.trim() === "") continue;
    let records: string[][];
    try {
      records = parseNow(row, ROW_OPTIONS) as string[][];
    } catch (e) {
      onMalformed(info.lines, (e as Error).message, row);
      continue;
    }
    for (const r of records) {
      out.records.push(r);
      out.lines.push(info.lines);
      out.raws.push(row);
    }
    if (out.records.length >= 1000) {
      yield out;
      out = { records: [], lines: [], raws: [] };
    }
  }
  if (out.records.length > 0) yield out;
}
