/** The bulk import (issue 3, item 4) on both engines, with the sample file of the repository. */
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type GenerateOptions,
  generatePoints,
  generateReadings,
  readingsCsv,
} from "../../src/demo/generate.js";
import { insertPoints } from "../../src/demo/load.js";
import { BOM, csvLine } from "../../src/platform/spreadsheet.js";
import { importReadings } from "../../src/readings/import.js";
import { REJECTS_CSV_OPTIONS } from "../../src/readings/import-rejects.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, servicePointFixture } from "../support/factories.js";

const SAMPLE = join(import.meta.dirname, "../../samples/readings.csv");

async function world(t: TestDatabase) {
  await givenServicePoints(
    t.db,
    servicePointFixture({ id: "PDS-1001", meter: { serial: "A10001" }, readings: [], subscriptions: [] }),
    servicePointFixture({
      id: "PDS-1002",
      meter: { serial: "B20002", digits: 5 },
      readings: [],
      subscriptions: [],
    }),
  );
}

const ctx = () => ctxAs("ADMIN", "2024-08-01T10:00:00+02:00");

/** A rejects file read with csv-parse and the rejects file's options. */
const readRejects = (path: string) =>
  parse<Record<"line" | "code" | "reason" | "row", string>>(readFileSync(path), {
    ...REJECTS_CSV_OPTIONS,
    info: false,
    columns: true,
  });

describe.each(ENGINES)("import readings (%s)", (engine) => {
  let t: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), "ecart-import-"));
  beforeAll(async () => {
    t = await createTestDatabase(engine);
    await world(t);
  });
  afterAll(async () => t?.drop());

  it("loads the valid rows with their plausibility and writes every refused row with line, code and French reason", async () => {
    const rejectsPath = join(dir, "rejects1.csv");
    const s = await importReadings(t.db, ctx(), createReadStream(SAMPLE), {
      rejectsPath,
      source: "readings.csv",
    });
    expect(s).toMatchObject({
      lines: 17,
      inserted: 9,
      alreadyPresent: 0,
      rejected: 8,
      suspect: 1,
      lowUsage: 1,
      rollovers: 1,
    });
    const text = readFileSync(rejectsPath, "utf8");
    expect(text.startsWith(`${BOM}line;code;reason;row\r\n`)).toBe(true);
    const rejects = readRejects(rejectsPath);
    const byLine = Object.fromEntries(rejects.map((r) => [Number(r.line), r.code]));
    expect(byLine).toEqual({
      11: "INVALID_DATE",
      12: "INDEX_NOT_M3",
      13: "INDEX_NOT_M3",
      14: "INVALID_TYPE",
      15: "UNKNOWN_SERVICE_POINT",
      16: "UNKNOWN_METER",
      17: "OUT_OF_ORDER",
      18: "COLUMNS",
    });
    expect(rejects.find((r) => r.line === "12")?.reason).toContain("seuls les m3 doivent être saisis");
    // Each refused row as the file wrote it.
    expect(rejects.find((r) => r.line === "12")?.row).toBe("PDS-1001,,2024-07-10,1049.5,NORMAL");
    expect(rejects.find((r) => r.line === "18")?.row).toBe("PDS-1001,,2024-07-10");
    const rows = await t.db.kysely
      .selectFrom("reading_states")
      .select([
        "service_point_id",
        "reading_date",
        "index_m3",
        "effective_status",
        "warnings",
        "suggested_index",
        "usage_m3",
        "import_key",
      ])
      .orderBy("service_point_id")
      .orderBy("reading_date")
      .execute();
    expect(
      rows.map((r) => [
        r.service_point_id,
        r.reading_date,
        r.index_m3,
        r.effective_status,
        r.warnings,
        r.suggested_index,
      ]),
    ).toEqual([
      ["PDS-1001", "2024-01-10", 1000, "VALID", [], null],
      ["PDS-1001", "2024-02-10", 1010, "VALID", [], null],
      ["PDS-1001", "2024-03-10", 1019, "VALID", [], null],
      ["PDS-1001", "2024-04-10", 10295, "SUSPECT", [], 1029],
      ["PDS-1001", "2024-05-10", 1038, "VALID", [], null],
      ["PDS-1001", "2024-06-10", 1038, "VALID", ["LOW_USAGE"], null],
      ["PDS-1002", "2024-01-10", 99990, "VALID", [], null],
      ["PDS-1002", "2024-02-10", 2, "VALID", ["ROLLOVER"], null],
      ["PDS-1002", "2024-03-10", 13, "VALID", [], null],
    ]);
    expect(rows.every((r) => r.import_key !== null)).toBe(true);
    expect(rows.find((r) => r.index_m3 === 2)?.usage_m3).toBe(12);
    const audit = await t.db.kysely
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "readings.imported")
      .execute();
    expect(audit).toHaveLength(1);
  });

  it("adds nothing when the same file is imported again", async () => {
    const rejectsPath = join(dir, "rejects2.csv");
    const s = await importReadings(t.db, ctx(), createReadStream(SAMPLE), {
      rejectsPath,
      source: "readings.csv",
    });
    expect(s).toMatchObject({ lines: 17, inserted: 0, alreadyPresent: 9, rejected: 8 });
    const n = await t.db.kysely
      .selectFrom("readings")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(9);
  });

  it("loads a rejects file corrected in a spreadsheet: the corrected rows, the others refused again", async () => {
    // The rejects of the first test, corrected as a person would in French Excel and saved as CSV
    // (UTF-8, `;`): two dates and an index fixed, a row dropped by emptying its cell, the rest left.
    const rejects = readRejects(join(dir, "rejects1.csv"));
    const fixes: Record<string, string> = {
      "11": "PDS-1001,,2024-04-30,1040,NORMAL", // was 2024-04-31 (INVALID_DATE)
      "12": "PDS-1001,,2024-07-10,1049,NORMAL", // was 1049.5 (INDEX_NOT_M3)
      "16": "PDS-1002,B20002,2024-04-10,25,NORMAL", // was meter ZZZ999 (UNKNOWN_METER)
      "13": "", // dropped
    };
    const corrected = join(dir, "corrected.csv");
    writeFileSync(
      corrected,
      BOM +
        csvLine(["line", "code", "reason", "row"]) +
        rejects.map((r) => csvLine([r.line, r.code, r.reason, fixes[r.line] ?? r.row])).join(""),
    );
    const again = join(dir, "rejects-again.csv");
    const s = await importReadings(t.db, ctx(), createReadStream(corrected), {
      rejectsPath: again,
      source: "corrected.csv",
    });
    // 11 (2024-04-30) comes after PDS-1001's 2024-06-10 reading: refused as out of order, rightly.
    expect(s).toMatchObject({ lines: 7, inserted: 2, rejected: 5 });
    const left = readRejects(again);
    // Line numbers are the corrected file's (header = 1); each row still as written.
    expect(left.map((r) => [r.code, r.row])).toEqual([
      ["OUT_OF_ORDER", fixes["11"]],
      ["INVALID_TYPE", "PDS-1001,,2024-07-10,1049,MOVE_IN"],
      ["UNKNOWN_SERVICE_POINT", "PDS-XX,,2024-07-10,1049,NORMAL"],
      ["OUT_OF_ORDER", "PDS-1001,,2024-01-01,990,NORMAL"],
      ["COLUMNS", "PDS-1001,,2024-07-10"],
    ]);
    expect(left.map((r) => r.line)).toEqual(["2", "5", "6", "8", "9"]);
    const loaded = await t.db.kysely
      .selectFrom("readings")
      .select(["service_point_id", "reading_date", "index_m3"])
      .where((eb) =>
        eb.or([
          eb.and([eb("service_point_id", "=", "PDS-1001"), eb("reading_date", "=", "2024-07-10")]),
          eb.and([eb("service_point_id", "=", "PDS-1002"), eb("reading_date", "=", "2024-04-10")]),
        ]),
      )
      .orderBy("service_point_id")
      .execute();
    expect(loaded.map((r) => [r.service_point_id, r.reading_date, r.index_m3])).toEqual([
      ["PDS-1001", "2024-07-10", 1049],
      ["PDS-1002", "2024-04-10", 25],
    ]);
    // The rejects of the reload load again as they are: nothing new, the same refusals.
    const third = await importReadings(t.db, ctx(), createReadStream(again), {
      rejectsPath: join(dir, "rejects-third.csv"),
      source: "rejects-again.csv",
    });
    expect(third).toMatchObject({ lines: 5, inserted: 0, rejected: 5 });
    expect(readRejects(join(dir, "rejects-third.csv")).map((r) => r.row)).toEqual(left.map((r) => r.row));
  });
});

describe.each(ENGINES)("import readings: verdicts independent of batches and memory (%s)", (engine) => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    for (const t of dbs) await t.drop();
  });

  it("gives the same readings with big batches and every history kept as with tiny batches and two service points kept", async () => {
    const o: GenerateOptions = {
      seed: 11,
      servicePoints: 12,
      from: "2022-01-01",
      to: "2023-12-31",
      remoteShare: 0.25,
      slipRate: 0.03,
      rolloverShare: 0.2,
      idPrefix: "EQV-",
    };
    const file = join(mkdtempSync(join(tmpdir(), "ecart-import-eqv-")), "readings.csv");
    await pipeline(Readable.from(readingsCsv(generateReadings(o))), createWriteStream(file));
    const run = async (
      batchRows: number,
      cachedServicePoints: number,
      lanes: { connections?: number; laneMinRows?: number } = {},
    ) => {
      const t = await createTestDatabase(engine, 2);
      dbs.push(t);
      await insertPoints(t.db, generatePoints(o));
      const s = await importReadings(t.db, ctxAs("ADMIN", new Date()), createReadStream(file), {
        rejectsPath: `${file}.${batchRows}.rej`,
        source: "readings.csv",
        batchRows,
        cachedServicePoints,
        ...lanes,
      });
      const audited = await t.db.kysely
        .selectFrom("audit_log")
        .select("details")
        .where("action", "=", "readings.imported")
        .execute();
      expect(audited.reduce((n, a) => n + Number((a.details as { inserted: number }).inserted), 0)).toBe(
        s.inserted,
      );
      const rows = await t.db.kysely
        .selectFrom("readings")
        .select([
          "import_key",
          "meter_id",
          "reading_date",
          "index_m3",
          "status",
          "usage_m3",
          "expected_usage_lo",
          "expected_usage_hi",
          "expected_index_lo",
          "expected_index_hi",
          "suggested_index",
          "warnings",
        ])
        .orderBy("import_key")
        .execute();
      return { s, rows };
    };
    const whole = await run(5000, 1_000_000);
    const tiny = await run(7, 2);
    expect(whole.s.suspect).toBeGreaterThan(0);
    expect(whole.s.rollovers).toBeGreaterThan(0);
    expect(tiny.s).toMatchObject({
      lines: whole.s.lines,
      inserted: whole.s.inserted,
      rejected: whole.s.rejected,
      suspect: whole.s.suspect,
      lowUsage: whole.s.lowUsage,
      rollovers: whole.s.rollovers,
    });
    expect(tiny.rows).toEqual(whole.rows);
    // Several COPY connections per batch, rows routed by service point: the same readings.
    const lanes = await run(400, 1_000_000, { connections: 3, laneMinRows: 1 });
    expect(lanes.s).toMatchObject({ inserted: whole.s.inserted, suspect: whole.s.suspect });
    expect(lanes.rows).toEqual(whole.rows);
  }, 180_000);
});
