/**
 * The records of an import file with their line numbers, as csv-parse reads them (comma or semicolon,
 * fields trimmed, empty lines skipped, a BOM accepted, malformed lines skipped and reported).
 *
 * csv-parse reads the general case. A fast path splits the plain lines that make up almost every
 * export (printable ASCII, no quote, `\n` or `\r\n` endings) itself, where csv-parse with line numbers
 * costs about 6 µs a row: it gives them exactly the fields and line numbers csv-parse would
 * (test/readings/import-csv.test.ts compares the two). At the first line it cannot be sure of (a
 * quote, a non-ASCII or control character, another line ending), the rest of the file, from the start
 * of that line, goes to csv-parse.
 */
import { once } from "node:events";
import { type Options, parse } from "csv-parse";

/** Options of csv-parse for an import file (the general case). */
export const CSV_OPTIONS: Options = {
  delimiter: [",", ";"],
  relax_column_count: true,
  skip_empty_lines: true,
  bom: true,
  info: true,
  trim: true,
  // A malformed line (an unbalanced quote) is refused with a code, not a crash of the whole import.
  skip_records_with_error: true,
};

/** Records read so far, in file order: fields, the (1-based) line each ends on, and its text as written. */
export interface RecordChunk {
  records: string[][];
  lines: number[];
  /** Each record's text in the file, line ending aside (the rejects file carries a refused row's). */
  raws: string[];
}

/** Reports a malformed line that was skipped: its line number, csv-parse's message, the text it read. */
export type OnMalformed = (line: number, message: string, raw: string) => void;

/** A record's text as csv-parse read it, without the line endings around it. */
export const rawRecord = (raw: string | undefined): string => (raw ?? "").replace(/^[\r\n]+|[\r\n]+$/g, "");

/** A line the fast path splits itself: printable ASCII without a quote (csv-parse treats it as plain text). */
const PLAIN_LINE = /^[\x20\x21\x23-\x7e]*$/;
const DELIMITERS = /[,;]/;

/** A plain line's fields, trimmed (of spaces: the only blank a plain line can hold). */
function fieldsOf(l: string): string[] {
  const fields = l.split(DELIMITERS);
  if (l.includes(" ")) for (let i = 0; i < fields.length; i++) fields[i] = (fields[i] as string).trim();
  return fields;
}

/**
 * Reads `input` (bytes) as import records, in chunks; `onMalformed` hears each skipped malformed line
 * (its line number, csv-parse's message and text).
 */
export async function* importRecords(
  input: AsyncIterable<Buffer | string>,
  onMalformed: OnMalformed,
): AsyncGenerator<RecordChunk> {
  const it = input[Symbol.asyncIterator]();
  let pending: Buffer = Buffer.alloc(0); // the start of a line not ended yet
  let line = 0; // lines read so far
  let crlf: boolean | null = null; // the file's line ending, once seen (csv-parse keeps the first it meets)
  let first = true;
  for (;;) {
    const next = await it.next();
    const v = next.value;
    let buf: Buffer = next.done
      ? pending
      : Buffer.concat([pending, typeof v === "string" ? Buffer.from(v) : (v as Buffer)]);
    if (first) {
      if (buf.length < 3 && !next.done) {
        pending = buf;
        continue;
      }
      first = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    // Whole lines only (a line feed is never inside a UTF-8 sequence); latin1 keeps one character per
    // byte, and a plain line is ASCII: character offsets are byte offsets.
    const upTo = next.done ? buf.length : buf.lastIndexOf(10) + 1;
    const text = buf.toString("latin1", 0, upTo);
    const out: RecordChunk = { records: [], lines: [], raws: [] };
    let start = 0;
    let fallback = -1; // where csv-parse takes over
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl < 0) break;
      let end = nl;
      if (text.charCodeAt(nl - 1) === 13 && nl > start) end = nl - 1;
      const isCrlf = end !== nl;
      const l = text.slice(start, end);
      if ((crlf !== null && crlf !== isCrlf) || !PLAIN_LINE.test(l)) {
        fallback = start;
        break;
      }
      crlf = isCrlf;
      line++;
      start = nl + 1;
      if (l.trim() === "") continue;
      out.records.push(fieldsOf(l));
      out.lines.push(line);
      out.raws.push(l);
    }
    if (fallback < 0 && next.done && start < text.length) {
      // The last line, without an ending.
      const l = text.slice(start);
      if (!PLAIN_LINE.test(l)) fallback = start;
      else {
        line++;
        start = text.length;
        if (l.trim() !== "") {
          out.records.push(fieldsOf(l));
          out.lines.push(line);
          out.raws.push(l);
        }
      }
    }
    if (out.records.length > 0) yield out;
    if (fallback >= 0) {
      yield* general(buf.subarray(fallback), next.done ? null : it, line, crlf, onMalformed);
      return;
    }
    if (next.done) return;
    pending = buf.subarray(start);
  }
}

/**
 * The rest of the file through csv-parse: `head` (from the start of a line) then what `rest` still
 * gives; line numbers follow the `linesBefore` already read; `crlf` is the line ending csv-parse would
 * have found at the start of the file (null: none met yet, it finds it itself).
 */
async function* general(
  head: Buffer,
  rest: AsyncIterator<Buffer | string> | null,
  linesBefore: number,
  crlf: boolean | null,
  onMalformed: OnMalformed,
): AsyncGenerator<RecordChunk> {
  const parser = parse({
    ...CSV_OPTIONS,
    raw: true,
    bom: false, // already taken off
    ...(crlf === null ? {} : { record_delimiter: crlf ? "\r\n" : "\n" }),
  });
  parser.on("skip", (err: Error & { lines?: number }, raw?: string) =>
    onMalformed((err.lines ?? 0) + linesBefore, err.message, rawRecord(raw)),
  );
  const feed = (async () => {
    // The head goes with the next chunk: csv-parse then sees no cut the file did not have.
    const n = rest ? await rest.next() : { done: true as const, value: undefined };
    parser.write(
      n.done ? head : Buffer.concat([head, typeof n.value === "string" ? Buffer.from(n.value) : n.value]),
    );
    if (rest && !n.done)
      for (;;) {
        const m = await rest.next();
        if (m.done) break;
        if (!parser.write(m.value)) await once(parser, "drain");
      }
    parser.end();
  })();
  feed.catch((e: Error) => parser.destroy(e));
  let out: RecordChunk = { records: [], lines: [], raws: [] };
  for await (const { record, info, raw } of parser as AsyncIterable<{
    record: string[];
    info: { lines: number };
    raw: string;
  }>) {
    out.records.push(record);
    out.lines.push(info.lines + linesBefore);
    out.raws.push(rawRecord(raw));
    if (out.records.length >= 1000) {
      yield out;
      out = { records: [], lines: [], raws: [] };
    }
  }
  await feed;
  if (out.records.length > 0) yield out;
}
