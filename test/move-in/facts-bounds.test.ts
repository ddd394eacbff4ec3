/**
 * The move-in facts read partitioned readings as little as they can (docs/performance.md, "Readings
 * partitioned by month"): the histories and the last VALID reading from the meters' summaries (migration
 * 910), the move-out reading's meter from the readings of the termination's candidate dates, read by
 * their dates. Each must answer as reading `readings` itself did. On PGlite and on the PostgreSQL server.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { terminationFrom } from "../../src/move-in/rules/termination.js";
import { loadMoveInFacts, terminationOf } from "../../src/move-in/store.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { givenServicePoints, servicePointFixture } from "../support/factories.js";

describe.each(ENGINES)("the move-in facts on %s", (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("reads the move-out reading's meter as termination does, a meter dated after it kept", async () => {
    // The move-out reading (2024-01-15) is on the current meter, whose installation date is later: only
    // the move-out reading's meter tells that the meter was not replaced since.
    const sp = servicePointFixture();
    await givenServicePoints(t.db, sp);
    const meter = await t.db.kysely
      .updateTable("meters")
      .set({ installed_on: "2024-02-01" })
      .where("service_point_id", "=", sp.id)
      .returning("id")
      .executeTakeFirstOrThrow();

    const facts = await loadMoveInFacts(t.db, sp.id, "2024-03-02");
    expect(facts.termination.moveOutMeterId).toBe(Number(meter.id));
    const direct = await t.db.kysely.transaction().execute((trx) => terminationOf(trx, sp.id));
    expect(terminationFrom(facts.termination)).toEqual(direct);
    expect(direct).toMatchObject({ date: "2024-01-15", index: 1000 });
  });

  it("reads the history up to the move-in date when the meter was read after it", async () => {
    const sp = servicePointFixture();
    await givenServicePoints(t.db, sp);
    const [now] = (await loadMoveInFacts(t.db, sp.id, "2024-03-02")).histories;
    const [then] = (await loadMoveInFacts(t.db, sp.id, "2023-12-01")).histories;
    expect(now).toMatchObject({ previous: { date: "2024-01-15", index: 1000 }, lastDate: "2024-01-15" });
    expect(then).toMatchObject({ previous: { date: "2023-06-01", index: 950 }, lastDate: "2023-06-01" });
  });

  it("leaves a replaced reading out of the plausibility history", async () => {
    const sp = servicePointFixture();
    await givenServicePoints(t.db, sp);
    const before = await loadMoveInFacts(t.db, sp.id, "2024-03-02");
    const last = await t.db.kysely
      .selectFrom("readings")
      .select(["id", "meter_id", "service_point_id"])
      .where("service_point_id", "=", sp.id)
      .orderBy("reading_date", "desc")
      .executeTakeFirstOrThrow();
    await sql`insert into readings (service_point_id, meter_id, reading_date, index_m3, type, status,
                                    replaces_id, recorded_at, recorded_by, entity)
              values (${sp.id}, ${last.meter_id}, '2024-01-20', 1001, 'NORMAL', 'SUSPECT', ${last.id},
                      now(), 'test', 'TEST')`.execute(t.db.kysely);
    const after = await loadMoveInFacts(t.db, sp.id, "2024-03-02");
    const [h0] = before.histories;
    const [h1] = after.histories;
    expect(h0?.previous).toEqual({ date: "2024-01-15", index: 1000 });
    expect(h1?.previous).toEqual({ date: "2023-06-01", index: 950 });
  });
});
