/**
 * `ecart import readings FILE.csv` (docs/readings-import.md): streams the file, checks every row,
 * computes each reading's plausibility in date order per meter from a history state carried in
 * memory (one query per batch for the meters met for the first time, never one per row), loads
 * batches by COPY, writes every refused row to a rejects file. Idempotent and resumable: a row
 * already in the database (same import key) is skipped.
 */

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { sql } from "kysely";
import { type Context, today } from "../platform/context.js";
import type { Database } from "../platform/db.js";
import type { ReadingType } from "../platform/schema.js";
import { normalSerial } from "../platform/serial.js";
import { ENTERED_TYPES } from "./commands.js";
import {
  applyReading,
  type MeterHistory,
  meterInPlace,
  plausibilityInput,
  replacedMeter,
  withDays,
} from "./history.js";
import { type BatchLoader, batchLoader, copyLine, Lane, loadHistories } from "./import-load.js";
import { REJECTS_HEADER, readImportFile, rejectLine } from "./import-rejects.js";
import {
  type ImportRow,
  isHeader,
  type ParsedRow,
  parseImportRecord,
  REJECT_REASONS,
  type RejectCode,
} from "./import-rows.js";
import { recordImportRun } from "./import-runs.js";
import { PreparedMonths } from "./partitions.js";
import { checkReading, newVerdict, type Verdict, warningsOf } from "./plausibility.js";

/** Rows per batch (one transaction, one COPY): large enough for speed, small enough to keep memory flat. */
export const DEFAULT_BATCH_ROWS = 5000;

/**
 * Service points whose meter histories stay in memory between batches. Past it the oldest met are
 * dropped (their state is committed; met again, it is read back from the database): memory stays
 * bounded however many meters the file names.
 */
export const MAX_CACHED_SERVICE_POINTS = 200_000;

/**
 * COPY connections per batch on PostgreSQL, rows routed by service point: index maintenance is per
 * backend, so two backends use both cores where one left the second to the import's parsing.
 */
export const DEFAULT_COPY_CONNECTIONS = 2;

/** Rows a lane needs at least: a smaller batch loads in fewer lanes (one transaction for a small file). */
export const MIN_LANE_ROWS = 1000;

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
  /** Where refused rows go (import-rejects.ts: line, code, reason, row). */
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
  /** COPY connections per batch on PostgreSQL (default DEFAULT_COPY_CONNECTIONS; PGlite has one). */
  connections?: number;
  /** Rows a lane needs at least (default MIN_LANE_ROWS). */
  laneMinRows?: number;
}

/** A service point as carried in memory across the file. */
interface Point {
  /** Its meters' histories; null when the service point is unknown. */
  meters: MeterHistory[] | null;
  /** Its last reading's date (in the database or loaded by this import): a later row cannot be there already. */
  lastDate: string | null;
  /** The last batch that loaded a reading of it (0: none): kept in memory while that batch loads. */
  batch: number;
  /** A hash of its id: its lane is this modulo the batch's lanes. */
  hash: number;
}
type Cache = Map<string, Point>;

/**
 * Heap growth (MB) past the last full collection after which the import asks for one between batches.
 * V8 lets garbage pile up to several times the live heap before collecting it: with the carried
 * histories alive (tens of MB), the process grew past 350 MB of RSS for a heap that needs under 100.
 */
export const HEAP_SLACK_MB = 48;

let fullGc: (() => void) | null = null;

/** A full garbage collection on demand (V8's gc function, exposed for this process on first use). */
function collect(): void {
  if (!fullGc) {
    setFlagsFromString("--expose-gc");
    fullGc = runInNewContext("gc") as () => void;
  }
  fullGc();
}

/** Imports a readings file; see the module comment. */
export async function importReadings(
  db: Database,
  ctx: Context,
  input: Readable,
  opts: ImportOptions,
): Promise<ImportSummary> {
  const started = Date.now();
  const loader = batchLoader(db);
  const months = new PreparedMonths(db.kysely);
  const connections = db.pool ? Math.max(1, opts.connections ?? DEFAULT_COPY_CONNECTIONS) : 1;
  const laneMinRows = opts.laneMinRows ?? MIN_LANE_ROWS;
  const rejects = createWriteStream(opts.rejectsPath);
  rejects.write(REJECTS_HEADER);
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
  const counted = async function* () {
    for await (const chunk of input as AsyncIterable<Buffer | string>) {
      bytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
      yield chunk;
    }
  };
  const malformed: Array<{ line: number; raw: string }> = [];
  const records = readImportFile(counted(), (line, _message, raw) => malformed.push({ line, raw }));
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
  const writeReject = async (r: Refused) => {
    sum.rejected++;
    if (!rejects.write(rejectLine(r.line, r.code, r.reason, r.raw))) await once(rejects, "drain");
  };
  const malformedRow = (m: { line: number; raw: string }): Refused => ({
    line: m.line,
    code: "MALFORMED",
    reason: REJECT_REASONS.MALFORMED,
    raw: m.raw,
  });

  let batch: ParsedRow[] = [];
  /** Each row's text as written, beside `batch` (a refused row is written out with it). */
  let raws: string[] = [];
  let first = true;
  const verdict = newVerdict();
  // Batch N+1 is read, parsed and checked while batch N loads (COPY and commit); it starts loading only
  // once N is committed, so the database always holds a prefix of whole batches.
  let loading = null as Promise<void> | null;
  let loadingKeys: BatchKeys = new BatchKeys();
  let batchNo = 0;
  let heapAfterGc = process.memoryUsage().heapUsed / 1048576;
  const settle = async () => {
    const l = loading;
    loading = null;
    await l;
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    const texts = raws;
    batch = [];
    raws = [];
    batchNo++;
    // Service points the loading batch wrote stay: their state is not committed yet.
    trimCache(cache, opts.cachedServicePoints ?? MAX_CACHED_SERVICE_POINTS, batchNo - 1);
    const lanes = Math.max(1, Math.min(connections, Math.floor(rows.length / laneMinRows)));
    const checked = await checkBatch(
      db,
      loader,
      ctx,
      cache,
      rows,
      texts,
      sum,
      verdict,
      batchNo,
      loadingKeys,
      lanes,
    );
    await settle();
    // Each month's partition before its first batch loads (nothing of this import is loading now).
    await months.prepare(checked.months);
    for (const r of checked.rejects) await writeReject(r);
    sum.batches++;
    loadingKeys = checked.keys;
    if (checked.count > 0) {
      const l = loader
        .load(checked.lanes, {
          at: ctx.now,
          actor: ctx.actor.user,
          role: ctx.actor.role,
          entity: ctx.actor.entity,
          details: { file: opts.source },
        })
        .then(() => {
          sum.inserted += checked.count;
          progress();
        });
      l.catch(() => {}); // awaited by settle(); this only marks it handled while the next batch is read
      loading = l;
    } else progress();
    const heapMb = process.memoryUsage().heapUsed / 1048576;
    sum.peakHeapMb = Math.max(sum.peakHeapMb, Math.round(heapMb));
    if (heapMb > heapAfterGc + HEAP_SLACK_MB) {
      collect();
      heapAfterGc = process.memoryUsage().heapUsed / 1048576;
    }
  };
  try {
    for await (const chunk of records) {
      for (const m of malformed.splice(0)) {
        sum.lines++;
        await writeReject(malformedRow(m));
      }
      const { records: list, lines, raws: texts } = chunk;
      for (let i = 0; i < list.length; i++) {
        const record = list[i] as string[];
        if (first) {
          first = false;
          if (isHeader(record)) continue;
        }
        sum.lines++;
        batch.push(parseImportRecord(record, lines[i] as number, day, types));
        raws.push(texts[i] as string);
        if (batch.length >= batchRows) await flush();
      }
    }
    for (const m of malformed.splice(0)) {
      sum.lines++;
      await writeReject(malformedRow(m));
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
  await recordImportRun(db, ctx, opts.source, sum);
  progress();
  return sum;
}

/**
 * Drops the service points met first until `max` are left, except those the loading batch wrote (their
 * state is not committed yet); everything else they hold is in the database.
 */
function trimCache(cache: Cache, max: number, loadingBatch: number): void {
  let extra = cache.size - max;
  if (extra <= 0) return;
  for (const [sp, point] of cache) {
    if (point.batch === loadingBatch && loadingBatch > 0) continue;
    cache.delete(sp);
    if (--extra === 0) break;
  }
}

/**
 * The import keys a batch loads, as a list; made a set only when a row may repeat one (a row dated on
 * or before its service point's last reading), which a file in date order rarely has.
 */
class BatchKeys {
  private readonly list: string[] = [];
  private set: Set<string> | null = null;
  add(key: string): void {
    this.list.push(key);
    this.set?.add(key);
  }
  has(key: string): boolean {
    if (!this.set) this.set = new Set(this.list);
    return this.set.has(key);
  }
}

/**
 * The histories and last reading dates of service points met for the first time, in one transaction
 * (without JIT: its compilation cost more than the queries).
 */
async function loadPoints(db: Database, servicePoints: string[]): Promise<Map<string, Point>> {
  return db.kysely.transaction().execute(async (trx) => {
    await sql`set local jit = off`.execute(trx);
    // Service points without any reading need only their meters (the first pass of a first import).
    const { histories, last } = await loadHistories(trx, servicePoints);
    const out = new Map<string, Point>();
    for (const sp of servicePoints)
      out.set(sp, {
        meters: histories.get(sp)?.map(withDays) ?? null,
        lastDate: last.get(sp) ?? null,
        batch: 0,
        hash: idHash(sp),
      });
    return out;
  });
}

/** Rows checked between two turns of the event loop (about a millisecond of work). */
const YIELD_EVERY = 500;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A refused row: its line, code and reason, and its text as written. */
interface Refused {
  line: number;
  code: RejectCode;
  reason: string;
  raw: string;
}

/** A checked batch: its readings as COPY text by lane, how many, their months, its keys and its refused rows. */
interface CheckedBatch {
  lanes: Lane[];
  /** The months (YYYY-MM) of its readings, each once. */
  months: string[];
  count: number;
  keys: BatchKeys;
  rejects: Refused[];
}

/**
 * Checks a batch against the database and the carried histories; returns what passes, to be loaded in
 * one transaction. It runs while the batch before (`loading`, `batchNo - 1`) loads: the carried state
 * already holds that batch, and its keys are looked up in `loading` (the database may not have them yet).
 */
async function checkBatch(
  db: Database,
  loader: BatchLoader,
  ctx: Context,
  cache: Cache,
  batch: ParsedRow[],
  raws: string[],
  sum: ImportSummary,
  v: Verdict,
  batchNo: number,
  loading: BatchKeys,
  laneCount: number,
): Promise<CheckedBatch> {
  const rejects: CheckedBatch["rejects"] = [];
  const unseen = new Set<string>();
  for (const p of batch) if (p.ok && !cache.has(p.row.servicePoint)) unseen.add(p.row.servicePoint);
  if (unseen.size > 0) for (const [sp, point] of await loadPoints(db, [...unseen])) cache.set(sp, point);
  // Only a row dated on or before its service point's last reading can be in the database already (the
  // key says the service point and the date): the others need no look-up.
  const lookUp: ImportRow[] = [];
  for (const p of batch) {
    if (!p.ok) continue;
    const point = cache.get(p.row.servicePoint);
    if (point?.meters && point.lastDate !== null && p.row.date <= point.lastDate) lookUp.push(p.row);
  }
  const present = await loader.existingKeys(lookUp);
  const keys = new BatchKeys();
  // The same last three columns on every line of the batch.
  const tail = copyLine([ctx.now.toISOString(), ctx.actor.user, ctx.actor.entity]);
  const cfg = ctx.config.plausibility;
  // About 170 bytes a line: most lanes never grow.
  const lanes = Array.from(
    { length: laneCount },
    () => new Lane(Math.ceil((batch.length / laneCount) * 200)),
  );
  const months: string[] = [];
  let count = 0;
  for (let i = 0; i < batch.length; i++) {
    // Let the event loop run now and then: the loading batch's COPY data is sent from it.
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToLoop();
    const p = batch[i] as ParsedRow;
    const raw = raws[i] as string;
    if (!p.ok) {
      rejects.push({ line: p.line, code: p.code, reason: p.reason, raw });
      continue;
    }
    const r = p.row;
    const point = cache.get(r.servicePoint) as Point;
    const meters = point.meters;
    if (!meters) {
      rejects.push({
        line: r.line,
        code: "UNKNOWN_SERVICE_POINT",
        reason: `${REJECT_REASONS.UNKNOWN_SERVICE_POINT} (${r.servicePoint})`,
        raw,
      });
      continue;
    }
    // A row can repeat one already loaded (this batch, the loading one, or the database) only if it is
    // dated on or before its service point's last reading.
    if (
      point.lastDate !== null &&
      r.date <= point.lastDate &&
      (present.has(r.key) || keys.has(r.key) || loading.has(r.key))
    ) {
      sum.alreadyPresent++;
      continue;
    }
    const at =
      r.meter === null
        ? meterInPlace(meters, r.date)
        : meters.find((m) => !!m.serial && normalSerial(m.serial) === r.meter);
    if (!at) {
      rejects.push({
        line: r.line,
        code: "UNKNOWN_METER",
        reason: `${REJECT_REASONS.UNKNOWN_METER} (${r.meter ?? "aucun compteur"})`,
        raw,
      });
      continue;
    }
    if (at.lastDate && r.date < at.lastDate) {
      rejects.push({
        line: r.line,
        code: "OUT_OF_ORDER",
        reason: `${REJECT_REASONS.OUT_OF_ORDER} (dernier relevé au ${at.lastDate})`,
        raw,
      });
      continue;
    }
    const replaced = replacedMeter(at, meters);
    checkReading(replaced ? plausibilityInput(at, replaced) : at, r.day, r.index, cfg, v);
    applyReading(at, { date: r.date, index: r.index, day: r.day }, v.status === "VALID");
    keys.add(r.key);
    point.batch = batchNo;
    if (point.lastDate === null || point.lastDate < r.date) point.lastDate = r.date;
    if (v.status === "SUSPECT") sum.suspect++;
    if (v.lowUsage) sum.lowUsage++;
    if (v.rollover) sum.rollovers++;
    (lanes[point.hash % laneCount] as Lane).add(readingLine(r, at.meterId, v, tail), r.line);
    if (!r.date.startsWith(months.at(-1) ?? "-") && !months.includes(r.date.slice(0, 7)))
      months.push(r.date.slice(0, 7));
    count++;
  }
  return { lanes, months, count, keys, rejects };
}

/** A service point id's hash (FNV-1a), for its lane. */
function idHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const num = (n: number | null): string => (n === null ? "\\N" : String(n));

/**
 * A reading's COPY line (COPY_COLUMNS order) ending with `tail`. Nothing to escape: service point ids
 * are checked against SAFE_ID (no tab, backslash or line break), the date is ISO, the type and status
 * come from their lists, the key is base64url.
 */
function readingLine(r: ImportRow, meterId: number | null, v: Verdict, tail: string): string {
  const e = v.hasPrevious;
  const warnings = v.lowUsage || v.rollover ? `{${warningsOf(v).join(",")}}` : "{}";
  return `${r.servicePoint}\t${num(meterId)}\t${r.date}\t${r.index}\t${r.type}\t${v.status}\t${e ? num(v.usage) : "\\N"}\t${e ? num(v.usageLo) : "\\N"}\t${e ? num(v.usageHi) : "\\N"}\t${e ? num(v.indexLo) : "\\N"}\t${e ? num(v.indexHi) : "\\N"}\t${num(v.suggestedIndex)}\t${warnings}\t${r.key}\t${tail}`;
}
