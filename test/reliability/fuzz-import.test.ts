/**
 * Promise 3 (import) — a fast-check fuzzer against the readings CSV import: files of rows spoiled
 * in one field (wrong types, decimals, huge and negative numbers, bad and future dates, unknown
 * service points and meters, odd unicode, injection attempts). Every bad row is refused with a code
 * in the rejects file, never loaded; the counts add up; a file with no good row changes nothing.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importReadings } from "../../src/readings/import.js";
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

/** Lines that are not CSV at all (unbalanced quotes). */
const MALFORMED = ['"unclosed,quote', 'a,"b"c,d,e,f'];

describe("fuzzing the readings import (PGlite)", () => {
  let t: TestDatabase;
  let sp: string;
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

  const run = (text: string, rejectsPath: string) =>
    importReadings(t.db, ctxAs("ADMIN", NOW), Readable.from([Buffer.from(text)]), {
      rejectsPath,
      source: "fuzz.csv",
    });

  it(`${RUNS} files of spoiled rows: each refused with a code, none loaded, nothing changed`, async () => {
    const tally = { files: 0, rows: 0, rejected: 0, loaded: 0, byCode: {} as Record<string, number> };
    let n = 0;
    const property = fc.asyncProperty(
      fc.array(badLine, { minLength: 1, maxLength: 12 }),
      fc.boolean(),
      async (bad, header) => {
        n++;
        const good = [sp, "A12345", "2024-02-20", "1010", "NORMAL"];
        const lines = bad.map(([at, value]) => {
          const row = [...good];
          row[at] = value;
          return row.map(q).join(",");
        });
        const text = `${header ? "service_point,meter,date,index,type\n" : ""}${lines.join("\n")}\n`;
        const before = await fingerprint(t.db);
        const rejectsPath = join(dir, `r${n}.csv`);
        const s = await run(text, rejectsPath);
        tally.files++;
        tally.rows += s.lines;
        tally.rejected += s.rejected;
        tally.loaded += s.inserted;
        expect(s.inserted + s.alreadyPresent + s.rejected).toBe(s.lines);
        const rejects = readFileSync(rejectsPath, "utf8").trim().split("\n").slice(1);
        expect(rejects).toHaveLength(s.rejected);
        for (const r of rejects) {
          const code = r.split(",")[1] as string;
          expect(Object.keys(REJECT_REASONS), r).toContain(code);
          tally.byCode[code] = (tally.byCode[code] ?? 0) + 1;
        }
        if (s.inserted === 0) expect(await fingerprint(t.db)).toEqual(before);
        // A spoiled field can, rarely, still be a valid reading (e.g. another whole index): loaded once only.
        if (s.inserted > 0) expect((await run(text, `${rejectsPath}.again`)).inserted).toBe(0);
      },
    );
    await fc.assert(property, { numRuns: RUNS, seed: SEED, endOnFailure: true });
    expect(tally.rejected).toBeGreaterThan(tally.rows / 2);
    recordFigures("fuzz-import", { runs: RUNS, ...tally });
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
    expect(await fingerprint(t.db)).toEqual(before);
  });
});
