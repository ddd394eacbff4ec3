/**
 * Promise 1 (periods) — two subscriptions at one service point never cover the same days. The
 * partial unique index only forbids two OPEN subscriptions at once; a case decided late must not start
 * a subscription in a period another occupant has since held and ended: the commands refuse it in
 * French, and the database itself refuses any other writer (migration 530).
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepDeadlines } from "../../src/move-in/sweep.js";
import { makeConfig } from "../../src/platform/config.js";
import { execute } from "../../src/registry.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

/** Pairs of subscriptions at one service point whose [start, end) periods overlap. */
const OVERLAPS = sql<{ a: string; b: string }>`
  select x.id as a, y.id as b from subscriptions x join subscriptions y
    on x.service_point_id = y.service_point_id and x.id < y.id
  where daterange(x.start_date, x.end_date, '[)') && daterange(y.start_date, y.end_date, '[)')`;

describe.each(ENGINES)("subscription periods at one service point (%s)", (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("the straight path leaves no overlap (the detector itself works)", async () => {
    const sp = servicePointFixture();
    await givenServicePoints(t.db, sp);
    const r = await execute(t.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id));
    await execute(t.db, ctxAs("FO", "2024-03-12T10:00:00+01:00"), "moveOut", {
      subscription: r.subscription,
      date: "2024-03-10",
      index: 1010,
    });
    expect((await OVERLAPS.execute(t.db.kysely)).rows).toEqual([]);
    // An overlap written by hand, outside any command, is refused by the database itself; a period
    // starting on the day the other ended is not an overlap.
    const probe = (start: string, end: string) =>
      sql`insert into subscriptions (service_point_id, party_id, start_date, start_index, start_source, end_date, end_index, created_at, created_by, entity)
        select service_point_id, party_id, ${start}::date, 1005, 'DECLARED', ${end}::date, 1006, now(), 'probe', 'probe'
        from subscriptions where id = ${r.subscription as string}`.execute(t.db.kysely);
    await expect(probe("2024-03-05", "2024-03-06")).rejects.toMatchObject({ code: "23P01" });
    await expect(probe("2024-02-20", "2024-03-03")).rejects.toMatchObject({ code: "23P01" });
    await probe("2024-03-10", "2024-03-11");
    await probe("2024-02-20", "2024-03-02");
    // Nor may an update stretch a period over another's.
    await expect(
      sql`update subscriptions set end_date = '2024-03-03' where created_by = 'probe' and start_date = '2024-02-20'`.execute(
        t.db.kysely,
      ),
    ).rejects.toMatchObject({ code: "23P01" });
    expect((await OVERLAPS.execute(t.db.kysely)).rows).toEqual([]);
  });

  // Jeanne's gap case waits for her proof; meanwhile Paul moves in (within tolerance, subscribed
  // from 2 March) and leaves on 10 March. On day 16 the sweep must not subscribe Jeanne at the
  // predecessor's date, 15 January, over Paul's period: it leaves the case to the back office.
  it("a late decision never starts a subscription over another occupant's period", async () => {
    const sp = servicePointFixture();
    await givenServicePoints(t.db, sp);
    await execute(t.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: 1012 }));
    const paul = await execute(
      t.db,
      ctxAs("FO"),
      "moveIn",
      moveInRequest(sp.id, { customer: { name: "Paul Lefèvre" }, index: 1003 }),
    );
    expect(paul.outcome).toBe("SUBSCRIBED");
    await execute(t.db, ctxAs("FO", "2024-03-12T10:00:00+01:00"), "moveOut", {
      subscription: paul.subscription,
      date: "2024-03-10",
      index: 1010,
    });
    await sweepDeadlines(t.db, new Date("2024-04-01T09:00:00+02:00"), makeConfig());
    expect((await OVERLAPS.execute(t.db.kysely)).rows).toEqual([]);
  });
});
