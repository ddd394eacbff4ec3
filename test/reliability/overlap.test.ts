/**
 * Promise 1 (periods) — two subscriptions at one service point never cover the same days. The
 * partial unique index only forbids two OPEN subscriptions at once; it does not stop a case decided
 * late from starting a subscription in a period another occupant has since held and ended.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepDeadlines } from "../../src/move-in/sweep.js";
import { makeConfig } from "../../src/platform/config.js";
import { execute } from "../../src/registry.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

/** Pairs of subscriptions at one service point whose [start, end) periods overlap. */
const OVERLAPS = sql<{ a: string; b: string }>`
  select x.id as a, y.id as b from subscriptions x join subscriptions y
    on x.service_point_id = y.service_point_id and x.id < y.id
  where daterange(x.start_date, x.end_date, '[)') && daterange(y.start_date, y.end_date, '[)')`;

describe("subscription periods at one service point (PGlite)", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("pglite");
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
    // And it sees an overlap when there is one (written by hand, outside any command).
    await sql`insert into subscriptions (service_point_id, party_id, start_date, start_index, start_source, end_date, end_index, created_at, created_by, entity)
      select service_point_id, party_id, '2024-03-05', 1005, 'DECLARED', '2024-03-06', 1006, now(), 'probe', 'probe'
      from subscriptions where id = ${r.subscription as string}`.execute(t.db.kysely);
    expect((await OVERLAPS.execute(t.db.kysely)).rows).toHaveLength(1);
    await sql`delete from subscriptions where created_by = 'probe'`.execute(t.db.kysely);
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
