/**
 * Promise 3 (import) — a fast-check fuzzer against the readings CSV import: files of rows spoiled
 * in one field (wrong types, decimals, huge and negative numbers, bad and future dates, unknown
 * service points and meters, odd unicode, injection attempts). Every bad row is refused with a code
 * in the rejects file (read back with csv-parse, as the import reads it), never loaded, shown safely
 * and carried as written; the rejects file reloads to the same refusals; the counts add up; a file
 * with no good row changes nothing.
 */
import { createReadStream, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/platform/errors.js";
import { restoreControls, restoreFormula } from "../../src/platform/spreadsheet.js";
import { importReadings } from "../../src/readings/import.js";
import { REJECTS_CSV_OPTIONS } from "../../src/readings/import-rejects.js";
import { REJECT_REASONS } from "../../src/readings/import-rows.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, servicePointFixture } from "../support/factories.js";
import { NASTY_STRINGS } from "./nasty.js";
import { fingerprint, isCoded4xx, recordFigures, SEED, scale } from "./support.js";

const RUNS = scale(60, 300);
const NOW = "2024-03-05T10:00:00+01:00";
const dir = mkdtempSync(join(tmpdir(), "ecart-rel-fuzz-import-"));

/** CSV quoting of one field (RFC 4180). */
const q = (s: string) => (/[",;\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

interface Tally {
  files: number;
  rows: number;
  rejected: number;
  loaded: number;
  byCode: Record<string, number>;
}
const newTally = (): Tally => ({ files: 0, rows: 0, rejected: 0, loaded: 0, byCode: {} });

/** A rejects file read with csv-parse, as the import reads one back (import-rejects.ts). */
const readRejects = (path: string) =>
  parse<Record<"line" | "code" | "reason" | "row", string>>(readFileSync(path), {
    ...REJECTS_CSV_OPTIONS,
    info: false,
    columns: true,
  });

/** A fingerprint without the record of import runs (each run adds one row there, refused or not). */
const withoutRuns = (f: Record<string, string>) => {
  const { import_runs: _, ...rest } = f;
  return rest;
};

/** Lines that are not CSV at all (unbalanced quotes). */
const MALFORMED = ['"unclosed,quote', 'a,"b"c,d,e,f'];

describe("fuzzing the readings import (PGlite)", () => {
  let t: TestDatabase;
  let sp: string;
  let files = 0;
  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    const fixture = servicePointFixture({ id: "FZI-1" });
    sp = fixture.id;
    await givenServicePoints(t.db, fixture);
  });
  afterAll(async () => {
    await t?.drop();
  });

  const badField = fc.oneof(
    fc.constantFrom(...NASTY_STRINGS.filter((s) => s.length < 10_000)),
    fc.string({ unit: "binary", maxLength: 30 }),
    fc.double().map(String),
    fc.integer().map(String),
  );
  /** A row spoiled in one field, kept as a proper CSV line (quoted when needed). */
  const badLine = fc.tuple(fc.nat(4), badField);

  /** The last import recorded (migration 400). */
  const lastRun = () =>
    t.db.kysely.selectFrom("import_runs").selectAll().orderBy("id", "desc").limit(1).executeTakeFirst();

  const run = (text: string, rejectsPath: string) =>
    importReadings(t.db, ctxAs("ADMIN", NOW), Readable.from([Buffer.from(text)]), {
      rejectsPath,
      source: "fuzz.csv",
    });

  /**
   * Imports a file of spoiled rows and checks it: counts add up; the rejects file, read with the import's
   * CSV parser, holds one line per refused row with a code, text a spreadsheet shows as it is (no control
   * character, no formula) and the row as written; loading the rejects file as it is refuses the same rows
   * again; a file without a good row changes nothing.
   */
  async function checkFile(bad: Array<[number, string]>, header: boolean, tally: Tally): Promise<void> {
    const n = ++files;
    const good = [sp, "A12345", "2024-02-20", "1010", "NORMAL"];
    const lines = bad.map(([at, value]) => {
      const row = [...good];
      row[at] = value;
      return row.map(q).join(",");
    });
    // As the import reads them: UTF-8 (a lone surrogate was written as U+FFFD).
    const asRead = lines.map((l) => Buffer.from(l).toString("utf8"));
    const text = `${header ? "service_point,meter,date,index,type\n" : ""}${lines.join("\n")}\n`;
    const before = await fingerprint(t.db);
    const rejectsPath = join(dir, `r${n}.csv`);
    const s = await run(text, rejectsPath);
    tally.files++;
    tally.rows += s.lines;
    tally.rejected += s.rejected;
    tally.loaded += s.inserted;
    expect(s.inserted + s.alreadyPresent + s.rejected).toBe(s.lines);
    const rejects = readRejects(rejectsPath);
    expect(rejects).toHaveLength(s.rejected);
    let from = 0;
    for (const r of rejects) {
      expect(Object.keys(REJECT_REASONS), r.code).toContain(r.code);
      expect(Object.values(ErrorCode), r.code).toContain(r.code);
      tally.byCode[r.code] = (tally.byCode[r.code] ?? 0) + 1;
      for (const cell of [r.reason, r.row]) {
        expect(cell).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
        expect(cell).not.toMatch(/^[=+\-@]/);
      }
      // The refused rows, as written, in file order.
      const row = restoreControls(restoreFormula(r.row));
      const at = asRead.indexOf(row, from);
      expect(at, row).toBeGreaterThanOrEqual(from);
      from = at + 1;
    }
    // The run itself is recorded (import_runs, read by the metrics) with what it counted; nothing else changed.
    expect(await lastRun()).toMatchObject({ lines: s.lines, inserted: s.inserted, rejected: s.rejected });
    if (s.inserted === 0) expect(withoutRuns(await fingerprint(t.db))).toEqual(withoutRuns(before));
    // The rejects file loaded as it is: the same rows refused with the same codes, nothing added.
    if (s.rejected > 0) {
      const again = await importReadings(t.db, ctxAs("ADMIN", NOW), createReadStream(rejectsPath), {
        rejectsPath: `${rejectsPath}.reloaded`,
        source: `r${n}.csv`,
      });
      expect(again).toMatchObject({ lines: s.rejected, inserted: 0, rejected: s.rejected });
      const second = readRejects(`${rejectsPath}.reloaded`);
      expect(second.map((r) => [r.code, r.row])).toEqual(rejects.map((r) => [r.code, r.row]));
    }
    // A spoiled field can, rarely, still be a valid reading (e.g. another whole index): loaded once only.
    if (s.inserted > 0) expect((await run(text, `${rejectsPath}.again`)).inserted).toBe(0);
  }

  const property = (tally: Tally) =>
    fc.asyncProperty(fc.array(badLine, { minLength: 1, maxLength: 12 }), fc.boolean(), (bad, header) =>
      checkFile(bad, header, tally),
    );

  it(`${RUNS} files of spoiled rows: each refused with a code, none loaded, nothing changed`, async () => {
    const tally = newTally();
    await fc.assert(property(tally), { numRuns: RUNS, seed: SEED, endOnFailure: true });
    expect(tally.rejected).toBeGreaterThan(tally.rows / 2);
    recordFigures("fuzz-import", { runs: RUNS, ...tally });
  });

  // Issue 19: the soak's seed 1198012843 failed at its 11th file, one row whose date held a tab and a
  // line feed inside quotes (the rejects file was read line by line). Its 11 files, and that row alone.
  it("regression: seed 1198012843 — a date field with a tab and a line feed inside quotes", async () => {
    await fc.assert(property(newTally()), { numRuns: 11, seed: 1198012843, endOnFailure: true });
    const date = String.fromCodePoint(0x10ffed, 0x76cb7, 0x9, 0x70f29, 0xa, 0x9f997, 0xe3f7c, 0x6dcb6);
    await checkFile([[2, date]], false, newTally());
  });

  // An unbalanced quote is refused with the code MALFORMED in the rejects file; the import goes on.
  it("refuses a malformed CSV line with a code instead of crashing", async () => {
    for (const bad of MALFORMED) {
      const text = `${sp},A12345,2024-02-20,1010,NORMAL\n${bad}\n${sp},A12345,2024-02-25,1011,NORMAL\n`;
      const s = await run(text, join(dir, `malformed-${MALFORMED.indexOf(bad)}.csv`)).catch((e) => {
        if (isCoded4xx(e)) return null; // refusing the whole file with a code would be acceptable too
        throw e;
      });
      if (s) expect(s.rejected).toBeGreaterThanOrEqual(1);
    }
  });

  it("refuses an oversized line without loading it", async () => {
    const huge = `${sp},A12345,2024-02-21,${"9".repeat(200_000)},NORMAL\n`;
    const before = await fingerprint(t.db);
    const s = await run(huge, join(dir, "huge.csv"));
    expect(s).toMatchObject({ inserted: 0, rejected: 1 });
    expect(withoutRuns(await fingerprint(t.db))).toEqual(withoutRuns(before));
  });
});
