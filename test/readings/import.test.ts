/** The bulk import (issue 3, item 4) on both engines, with the sample file of the repository. */
import { createReadStream, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importReadings } from "../../src/readings/import.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, servicePointFixture } from "../support/factories.js";

const SAMPLE = join(import.meta.dirname, "../../samples/readings.csv");

async function world(t: TestDatabase) {
  await givenServicePoints(
    t.db,
    servicePointFixture({ id: "PDS-S1", meter: { serial: "A10001" }, readings: [], subscriptions: [] }),
    servicePointFixture({
      id: "PDS-S2",
      meter: { serial: "B20002", digits: 5 },
      readings: [],
      subscriptions: [],
    }),
  );
}

const ctx = () => ctxAs("ADMIN", "2024-08-01T10:00:00+02:00");

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
    const rejects = readFileSync(rejectsPath, "utf8").trim().split("\n");
    expect(rejects[0]).toBe("line,code,reason");
    const byLine = Object.fromEntries(
      rejects.slice(1).map((l) => [Number(l.split(",")[0]), l.split(",")[1]]),
    );
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
    expect(rejects.find((l) => l.startsWith("12,"))).toContain("seuls les m3 doivent être saisis");
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
      ["PDS-S1", "2024-01-10", 1000, "VALID", [], null],
      ["PDS-S1", "2024-02-10", 1010, "VALID", [], null],
      ["PDS-S1", "2024-03-10", 1019, "VALID", [], null],
      ["PDS-S1", "2024-04-10", 10295, "SUSPECT", [], 1029],
      ["PDS-S1", "2024-05-10", 1038, "VALID", [], null],
      ["PDS-S1", "2024-06-10", 1038, "VALID", ["LOW_USAGE"], null],
      ["PDS-S2", "2024-01-10", 99990, "VALID", [], null],
      ["PDS-S2", "2024-02-10", 2, "VALID", ["ROLLOVER"], null],
      ["PDS-S2", "2024-03-10", 13, "VALID", [], null],
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
});
