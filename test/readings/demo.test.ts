/** `ecart demo` (issue 3, item 5): a consistent, seeded data set made through the real commands. */
import { afterAll, describe, expect, it } from "vitest";
import { runDemo } from "../../src/demo/demo.js";
import { makeConfig } from "../../src/platform/config.js";
import type { Database } from "../../src/platform/db.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";

const OPTS = { servicePoints: 40, seed: 11, years: 2, until: "2025-06-30", moveShare: 0.6 };

async function fingerprint(db: Database) {
  const k = db.kysely;
  const readings = await k
    .selectFrom("reading_states")
    .select(["service_point_id", "reading_date", "index_m3", "type", "effective_status"])
    .orderBy("service_point_id")
    .orderBy("reading_date")
    .orderBy("id")
    .execute();
  const cases = await k
    .selectFrom("cases")
    .select(["service_point_id", "type", "status"])
    .orderBy("service_point_id")
    .orderBy("id")
    .execute();
  const subs = await k
    .selectFrom("subscriptions")
    .select(["service_point_id", "start_date", "start_index", "start_source", "end_date"])
    .orderBy("service_point_id")
    .orderBy("start_date")
    .execute();
  return { readings, cases, subs };
}

describe("ecart demo", () => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    for (const t of dbs) await t.drop();
  });

  it("fills a database with seasonal histories, remote meters, slips, vacancies and open and closed cases; the same seed gives the same data", async () => {
    const a = await createTestDatabase("pglite");
    dbs.push(a);
    const s = await runDemo(a.db, makeConfig(), OPTS);
    expect(s.servicePoints).toBe(40);
    expect(s.remoteMeters).toBeGreaterThan(0);
    expect(s.readings.rejected).toBe(0);
    expect(s.readings.inserted).toBeGreaterThan(1000);
    const f = await fingerprint(a.db);
    // Vacancies: some occupants left and a successor came later; every subscription start and end is a reading.
    const ended = f.subs.filter((x) => x.end_date !== null);
    expect(ended.length).toBeGreaterThan(0);
    for (const sub of f.subs) {
      expect(
        f.readings.some(
          (r) =>
            r.service_point_id === sub.service_point_id &&
            r.reading_date === sub.start_date &&
            r.type === "MOVE_IN",
        ),
      ).toBe(true);
    }
    expect(f.readings.some((r) => r.type === "REMOTE")).toBe(true);
    expect(
      f.readings.some((r) => r.effective_status === "SUSPECT" || r.effective_status === "REPLACED"),
    ).toBe(true);
    expect(f.cases.some((c) => c.status === "OPEN")).toBe(true);
    expect(f.cases.some((c) => c.status === "CLOSED")).toBe(true);
    const suspectShare = f.readings.filter((r) => r.effective_status !== "VALID").length / f.readings.length;
    expect(suspectShare).toBeLessThan(0.02);
    // A second database filled from the same seed holds the same data.
    const b = await createTestDatabase("pglite");
    dbs.push(b);
    await runDemo(b.db, makeConfig(), OPTS);
    expect(await fingerprint(b.db)).toEqual(f);
    await expect(runDemo(b.db, makeConfig(), OPTS)).rejects.toThrow(/not empty/);
  }, 300_000);
});
