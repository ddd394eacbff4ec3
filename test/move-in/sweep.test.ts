/** R8 deadline sweep: a function of the clock, each expired case processed exactly once, even with two sweepers. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepDeadlines } from "../../src/move-in/sweep.js";
import { makeConfig } from "../../src/platform/config.js";
import { openDatabase } from "../../src/platform/db.js";
import { execute } from "../../src/registry.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

async function openGapCases(t: TestDatabase, n: number) {
  const sps = Array.from({ length: n }, () => servicePointFixture());
  await givenServicePoints(t.db, ...sps);
  for (const sp of sps) {
    const r = await execute(t.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: 1012 }));
    expect(r.outcome).toBe("CASE_OPENED");
  }
  return sps;
}

describe.each(ENGINES)("deadline sweep on %s", (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("does nothing on day 15 and subscribes at the predecessor's index from day 16", async () => {
    await openGapCases(t, 3);
    const config = makeConfig();
    const day15 = await sweepDeadlines(t.db, new Date("2024-03-20T23:59:00+01:00"), config);
    expect(day15).toEqual({ subscribed: 0, skipped: 0, failed: [] });
    const day16 = await sweepDeadlines(t.db, new Date("2024-03-21T00:00:00+01:00"), config);
    expect(day16.subscribed).toBe(3);
    const again = await sweepDeadlines(t.db, new Date("2024-03-22T00:00:00+01:00"), config);
    expect(again.subscribed).toBe(0);
    const subs = await t.db.kysely
      .selectFrom("subscriptions")
      .select(["start_date", "start_index", "start_source"])
      .where("start_source", "=", "PREDECESSOR")
      .execute();
    expect(subs).toHaveLength(3);
    expect(subs.every((s) => s.start_date === "2024-01-15" && s.start_index === 1000)).toBe(true);
    const tasks = await t.db.kysely.selectFrom("tasks").select("status").execute();
    expect(tasks.every((x) => x.status === "EXPIRED")).toBe(true);
  });
});

describe.runIf(ENGINES.includes("postgres"))("two sweepers at once on PostgreSQL", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("postgres");
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("process every expired case exactly once", async () => {
    const n = 120;
    await openGapCases(t, n);
    const other = await openDatabase({ url: t.url as string, poolSize: 4 });
    try {
      const now = new Date("2024-04-01T09:00:00+02:00");
      const config = makeConfig();
      const [a, b] = await Promise.all([
        sweepDeadlines(t.db, now, config, { batchSize: 10 }),
        sweepDeadlines(other, now, config, { batchSize: 10 }),
      ]);
      expect(a.failed).toEqual([]);
      expect(b.failed).toEqual([]);
      expect(a.subscribed + b.subscribed).toBe(n);
      const k = t.db.kysely;
      const subs = await k
        .selectFrom("subscriptions")
        .select("case_id")
        .where("start_source", "=", "PREDECESSOR")
        .execute();
      expect(new Set(subs.map((s) => s.case_id)).size).toBe(n);
      expect(subs).toHaveLength(n);
      const confirmations = await k
        .selectFrom("communications")
        .select("case_id")
        .where("template", "=", "CONFIRMATION_PREDECESSOR_INDEX")
        .execute();
      expect(confirmations).toHaveLength(n);
      const comments = await k
        .selectFrom("case_comments")
        .select("case_id")
        .where("body", "like", "Délai dépassé%")
        .execute();
      expect(comments).toHaveLength(n);
    } finally {
      await other.close();
    }
  });
});
