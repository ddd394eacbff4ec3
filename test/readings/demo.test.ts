/** `ecart demo` (issue 3, item 5): a consistent, seeded data set made through the real commands. */
import { afterAll, describe, expect, it } from "vitest";
import { runDemo } from "../../src/demo/demo.js";
import { makeConfig } from "../../src/platform/config.js";
import type { Database } from "../../src/platform/db.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";

/** The demo's last day is "today", at 08:00 in Paris: nothing may be dated later that day. */
const NOW = new Date("2025-06-30T06:00:00Z");
const OPTS = { servicePoints: 40, seed: 11, years: 2, until: "2025-06-30", moveShare: 0.6, now: NOW };

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

/** Issue 16, point 13: contests and INT_EUROS cases for EUROS, the procedure's 89954, nothing in the future, addresses that agree. */
async function expectEveryRoleHasWork(db: Database) {
  const k = db.kysely;
  const contests = await k.selectFrom("contests").select(["status", "regularization_case_id"]).execute();
  expect(contests.some((c) => c.status === "OPEN")).toBe(true);
  expect(contests.some((c) => c.status !== "OPEN" && c.regularization_case_id === null)).toBe(true);
  expect(contests.filter((c) => c.regularization_case_id !== null).length).toBeGreaterThanOrEqual(2);
  const euros = await k.selectFrom("cases").select("status").where("type", "=", "INT_EUROS").execute();
  expect(euros.some((c) => c.status === "OPEN")).toBe(true);
  // The procedure's own example: 89954 typed for 899, left for the back office to correct.
  const slip = await k
    .selectFrom("reading_states")
    .select(["index_m3", "effective_status", "suggested_index"])
    .where("service_point_id", "=", "PDS-TILLEULS")
    .where("reading_date", "=", "2024-04-02")
    .executeTakeFirstOrThrow();
  expect(slip).toEqual({ index_m3: 89954, effective_status: "SUSPECT", suggested_index: 899 });
  // Nothing dated after the real time, though the demo ends today.
  for (const table of ["communications", "cases", "contests", "case_comments"] as const) {
    const latest = await k
      .selectFrom(table)
      .select((e) => e.fn.max("created_at").as("latest"))
      .executeTakeFirstOrThrow();
    expect(new Date(latest.latest as unknown as string).getTime(), table).toBeLessThanOrEqual(NOW.getTime());
  }
  // A street is in one town only.
  const towns = new Map<string, Set<string>>();
  for (const { address } of await k.selectFrom("service_points").select("address").execute()) {
    const m = /^\d+ ([^,]+)(?:, appartement \d+)?, (\d{5} .+)$/.exec(address);
    expect(m, address).not.toBeNull();
    const set = towns.get(m?.[1] as string) ?? new Set();
    set.add(m?.[2] as string);
    towns.set(m?.[1] as string, set);
  }
  for (const [street, set] of towns) expect([...set], street).toHaveLength(1);
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
    await expectEveryRoleHasWork(a.db);
    // A second database filled from the same seed holds the same data.
    const b = await createTestDatabase("pglite");
    dbs.push(b);
    await runDemo(b.db, makeConfig(), OPTS);
    expect(await fingerprint(b.db)).toEqual(f);
    await expect(runDemo(b.db, makeConfig(), OPTS)).rejects.toThrow(/not empty/);
  }, 300_000);
});
