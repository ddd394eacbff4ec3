/**
 * `ecart import readings FILE.csv` (docs/readings-import.md): streams the file, checks every row,
 * computes each reading's plausibility in date order per meter from a history state carried in
 * memory (one query per batch for the meters met for the first time, never one per row), loads
 * batches by COPY, writes every refused row to a rejects file. Idempotent and resumable: a row
 * already in the database (same import key) is skipped.
 */

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { type Readable, Transform } from "node:stream";
import { parse } from "csv-parse";
import { sql } from "kysely";
import { type Context, today } from "../platform/context.js";
import type { Database } from "../platform/db.js";
import type { ReadingType } from "../platform/schema.js";
import { ENTERED_TYPES } from "./commands.js";
import {
  applyReading,
  type MeterHistory,
  meterInPlace,
  plausibilityInput,
  replacedMeter,
  withDays,
} from "./history.js";
import { type BatchLoader, batchLoader, copyFields, copyLine } from "./import-load.js";
import {
  type ImportRow,
  isHeader,
  type ParsedRow,
  parseImportRecord,
  REJECT_REASONS,
  type RejectCode,
} from "./import-rows.js";
import { checkReading, newVerdict, type Verdict, warningsOf } from "./plausibility.js";
import { lastReadingDates, loadMeterHistories } from "./store.js";

/** Rows per batch (one transaction, one COPY): large enough for speed, small enough to keep memory flat. */
export const DEFAULT_BATCH_ROWS = 5000;

/**
 * Service points whose meter histories stay in memory between batches. Past it the oldest met are
 * dropped (their state is committed; met again, it is read back from the database): memory stays
 * bounded however many meters the file names.
 */
export const MAX_CACHED_SERVICE_POINTS = 200_000;

export interface ImportProgress {
  bytes: number;
  totalBytes: number | null;
  lines: number;
  inserted: number;
  alreadyPresent: number;
  rejected: number;
  rowsPerSecond: number;
}

export interface ImportSummary extends Omit<ImportProgress, "bytes" | "totalBytes" | "rowsPerSecond"> {
  suspect: number;
  lowUsage: number;
  rollovers: number;
  batches: number;
  seconds: number;
  rowsPerSecond: number;
  /** Highest heap use seen between batches, in MB (it stays flat as the file grows). */
  peakHeapMb: number;
}

export interface ImportOptions {
  /** Where refused rows go (CSV: line, code, reason). */
  rejectsPath: string;
  /** A name for the audit trail (the file's name). */
  source: string;
  totalBytes?: number | null;
  batchRows?: number;
  onProgress?: (p: ImportProgress) => void;
  /** Reading types accepted besides the file format's (the demo loads MOVE_IN / MOVE_OUT this way). */
  extraTypes?: readonly ReadingType[];
  /** Service points kept in memory (default MAX_CACHED_SERVICE_POINTS). */
  cachedServicePoints?: number;
}

/** One refused row as a line of the rejects file: line;code;reason (CSV, quoted when needed). */
export function rejectLine(line: number, code: RejectCode | string, reason: string): string {
  const q = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return `${line},${q(code)},${q(reason)}\n`;
}

/** A service point as carried in memory across the file. */
interface Point {
  /** Its meters' histories; null when the service point is unknown. */
  meters: MeterHistory[] | null;
  /** Its last reading's date (in the database or loaded by this import): a later row cannot be there already. */
  lastDate: string | null;
}
type Cache = Map<string, Point>;

/** Imports a readings file; see the module comment. */
export async function importReadings(
  db: Database,
  ctx: Context,
  input: Readable,
  opts: ImportOptions,
): Promise<ImportSummary> {
  const started = Date.now();
  const loader = batchLoader(db);
  const rejects = createWriteStream(opts.rejectsPath);
  rejects.write("line,code,reason\n");
  const batchRows = opts.batchRows ?? DEFAULT_BATCH_ROWS;
  const day = today(ctx);
  const types = new Set<string>([...ENTERED_TYPES, ...(opts.extraTypes ?? [])]);
  const cache: Cache = new Map();
  const sum: ImportSummary = {
    lines: 0,
    inserted: 0,
    alreadyPresent: 0,
    rejected: 0,
    suspect: 0,
    lowUsage: 0,
    rollovers: 0,
    batches: 0,
    seconds: 0,
    rowsPerSecond: 0,
    peakHeapMb: 0,
  };
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  const parser = input.pipe(counter).pipe(
    parse({
      delimiter: [",", ";"],
      relax_column_count: true,
      skip_empty_lines: true,
      bom: true,
      info: true,
      trim: true,
      // A malformed line (an unbalanced quote) is refused with a code, not a crash of the whole import.
      skip_records_with_error: true,
    }),
  );
  const malformed: Array<{ line: number; message: string }> = [];
  parser.on("skip", (err: Error & { lines?: number }) => {
    malformed.push({ line: err.lines ?? 0, message: err.message });
  });
  const progress = () =>
    opts.onProgress?.({
      bytes,
      totalBytes: opts.totalBytes ?? null,
      lines: sum.lines,
      inserted: sum.inserted,
      alreadyPresent: sum.alreadyPresent,
      rejected: sum.rejected,
      rowsPerSecond: Math.round(sum.lines / Math.max((Date.now() - started) / 1000, 0.001)),
    });
  const writeReject = async (r: { line: number; code: RejectCode; reason: string }) => {
    sum.rejected++;
    if (!rejects.write(rejectLine(r.line, r.code, r.reason))) await once(rejects, "drain");
  };

  let batch: ParsedRow[] = [];
  let first = true;
  const verdict = newVerdict();
  // The last batch's load (COPY and commit) runs while the next batch is read and parsed.
  let loading = null as Promise<void> | null;
  const settle = async () => {
    const l = loading;
    loading = null;
    await l;
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    // Checks run against committed data only: the batch before is in the database (its keys, its histories).
    await settle();
    trimCache(cache, opts.cachedServicePoints ?? MAX_CACHED_SERVICE_POINTS);
    const checked = await checkBatch(db, loader, ctx, cache, rows, sum, writeReject, verdict);
    sum.batches++;
    if (checked) {
      const l = loader
        .load(checked.text, checked.count, {
          at: ctx.now,
          actor: ctx.actor.user,
          role: ctx.actor.role,
          entity: ctx.actor.entity,
          details: {
            file: opts.source,
            lines: [checked.firstLine, checked.lastLine],
            inserted: checked.count,
          },
        })
        .then(() => {
          sum.inserted += checked.count;
          progress();
        });
      l.catch(() => {}); // awaited by settle(); this only marks it handled while the next batch is read
      loading = l;
    } else progress();
    sum.peakHeapMb = Math.max(sum.peakHeapMb, Math.round(process.memoryUsage().heapUsed / 1048576));
  };
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      while (malformed.length > 0) {
        const m = malformed.shift() as { line: number; message: string };
        sum.lines++;
        await writeReject({ line: m.line, code: "MALFORMED", reason: REJECT_REASONS.MALFORMED });
      }
      if (first) {
        first = false;
        if (isHeader(record)) continue;
      }
      sum.lines++;
      batch.push(parseImportRecord(record, info.lines, day, types));
      if (batch.length >= batchRows) await flush();
    }
    for (const m of malformed.splice(0)) {
      sum.lines++;
      await writeReject({ line: m.line, code: "MALFORMED", reason: REJECT_REASONS.MALFORMED });
    }
    await flush();
    await settle();
  } finally {
    await loading?.catch(() => {});
    rejects.end();
    await once(rejects, "close").catch(() => {});
  }
  sum.seconds = (Date.now() - started) / 1000;
  sum.rowsPerSecond = Math.round(sum.lines / Math.max(sum.seconds, 0.001));
  progress();
  return sum;
}

/** Drops the service points met first until `max` are left (called between batches, everything committed). */
function trimCache(cache: Cache, max: number): void {
  let extra = cache.size - max;
  if (extra <= 0) return;
  for (const sp of cache.keys()) {
    cache.delete(sp);
    if (--extra === 0) break;
  }
}

/**
 * The histories and last reading dates of service points met for the first time, in one transaction
 * (without JIT: its compilation cost more than the queries).
 */
async function loadPoints(db: Database, servicePoints: string[]): Promise<Map<string, Point>> {
  return db.kysely.transaction().execute(async (trx) => {
    await sql`set local jit = off`.execute(trx);
    const histories = await loadMeterHistories(trx, servicePoints);
    const last = await lastReadingDates(trx, servicePoints);
    const out = new Map<string, Point>();
    for (const sp of servicePoints)
      out.set(sp, { meters: histories.get(sp)?.map(withDays) ?? null, lastDate: last.get(sp) ?? null });
    return out;
  });
}

/** A checked batch: its readings as COPY text, how many, and the file lines they span. */
interface CheckedBatch {
  text: string;
  count: number;
  firstLine: number;
  lastLine: number;
}

/** Checks a batch against the database and the carried histories; returns what passes, to be loaded in one transaction. */
async function checkBatch(
  db: Database,
  loader: BatchLoader,
  ctx: Context,
  cache: Cache,
  batch: ParsedRow[],
  sum: ImportSummary,
  writeReject: (r: { line: number; code: RejectCode; reason: string }) => Promise<void>,
  v: Verdict,
): Promise<CheckedBatch | null> {
  const rows = batch.filter((p): p is { ok: true; row: ImportRow } => p.ok).map((p) => p.row);
  const unseen = [...new Set(rows.map((r) => r.servicePoint).filter((sp) => !cache.has(sp)))];
  if (unseen.length > 0) for (const [sp, point] of await loadPoints(db, unseen)) cache.set(sp, point);
  // Only a row dated on or before its service point's last reading can be in the database already (the
  // key says the service point and the date): the others need no look-up.
  const present = await loader.existingKeys(
    rows
      .filter((r) => {
        const point = cache.get(r.servicePoint);
        return point?.meters && point.lastDate !== null && r.date <= point.lastDate;
      })
      .map((r) => r.key),
  );
  const inBatch = new Set<string>();
  // The same last three columns on every line of the batch.
  const tail = copyLine([ctx.now.toISOString(), ctx.actor.user, ctx.actor.entity]);
  const cfg = ctx.config.plausibility;
  let text = "";
  let count = 0;
  let firstLine = 0;
  let lastLine = 0;
  for (const p of batch) {
    if (!p.ok) {
      await writeReject(p);
      continue;
    }
    const r = p.row;
    if (present.has(r.key) || inBatch.has(r.key)) {
      sum.alreadyPresent++;
      continue;
    }
    const point = cache.get(r.servicePoint) as Point;
    const meters = point.meters;
    if (!meters) {
      await writeReject({
        line: r.line,
        code: "UNKNOWN_SERVICE_POINT",
        reason: `${REJECT_REASONS.UNKNOWN_SERVICE_POINT} (${r.servicePoint})`,
      });
      continue;
    }
    const at =
      r.meter === null
        ? meterInPlace(meters, r.date)
        : meters.find((m) => m.serial?.replace(/\s+/g, "").toUpperCase() === r.meter);
    if (!at) {
      await writeReject({
        line: r.line,
        code: "UNKNOWN_METER",
        reason: `${REJECT_REASONS.UNKNOWN_METER} (${r.meter ?? "aucun compteur"})`,
      });
      continue;
    }
    if (at.lastDate && r.date < at.lastDate) {
      await writeReject({
        line: r.line,
        code: "OUT_OF_ORDER",
        reason: `${REJECT_REASONS.OUT_OF_ORDER} (dernier relevé au ${at.lastDate})`,
      });
      continue;
    }
    const replaced = replacedMeter(at, meters);
    checkReading(replaced ? plausibilityInput(at, replaced) : at, r.day, r.index, cfg, v);
    applyReading(at, { date: r.date, index: r.index, day: r.day }, v.status === "VALID");
    inBatch.add(r.key);
    if (point.lastDate === null || point.lastDate < r.date) point.lastDate = r.date;
    if (v.status === "SUSPECT") sum.suspect++;
    if (v.lowUsage) sum.lowUsage++;
    if (v.rollover) sum.rollovers++;
    const expected = v.hasPrevious;
    text += copyFields([
      r.servicePoint,
      at.meterId,
      r.date,
      r.index,
      r.type,
      v.status,
      expected ? v.usage : null,
      expected ? v.usageLo : null,
      expected ? v.usageHi : null,
      expected ? v.indexLo : null,
      expected ? v.indexHi : null,
      v.suggestedIndex,
      v.lowUsage || v.rollover ? `{${warningsOf(v).join(",")}}` : "{}",
      r.key,
    ]);
    text += `\t${tail}`;
    count++;
    if (!firstLine) firstLine = r.line;
    lastLine = r.line;
  }
  return count === 0 ? null : { text, count, firstLine, lastLine };
}
