/**
 * Migration 520: readings' references (service point, meter, replaced reading) are checked once per
 * statement instead of by foreign keys; what the foreign keys' row locks protected (the referenced rows)
 * can no longer be deleted, truncated or renumbered. On both engines.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { givenServicePoints, servicePointFixture } from "../support/factories.js";

describe.each(ENGINES)("readings' references (%s)", (engine) => {
  let t: TestDatabase;
  let meterId: number;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
    await givenServicePoints(t.db, servicePointFixture({ id: "PDS-REF1", readings: [], subscriptions: [] }));
    const m = await sql<{ id: string }>`select id from meters where service_point_id = 'PDS-REF1'`.execute(
      t.db.kysely,
    );
    meterId = Number(m.rows[0]?.id);
  });
  afterAll(async () => t?.drop());

  const insert = (sp: string, meter: number | null, replaces: string | null, date = "2024-01-10") =>
    sql<{
      id: string;
    }>`insert into readings (service_point_id, meter_id, reading_date, index_m3, type, status, replaces_id,
          recorded_at, recorded_by, entity)
        values (${sp}, ${meter}, ${date}::date, 10, 'NORMAL', 'VALID', ${replaces}, now(), 'test', 'E')
        returning id`.execute(t.db.kysely);

  it("accepts a reading naming what exists, and refuses (23503) each unknown reference, the whole statement", async () => {
    const ok = await insert("PDS-REF1", meterId, null);
    const id = ok.rows[0]?.id as string;
    await insert("PDS-REF1", null, id, "2024-01-11");
    const count = async () =>
      Number(
        (await sql<{ n: number }>`select count(*)::int as n from readings`.execute(t.db.kysely)).rows[0]?.n,
      );
    const before = await count();
    for (const bad of [
      () => insert("PDS-NOPE", null, null),
      () => insert("PDS-REF1", 987654321, null),
      () => insert("PDS-REF1", meterId, "RDG-NOPE"),
      // one bad row in a multi-row statement refuses the statement
      () =>
        sql`insert into readings (service_point_id, reading_date, index_m3, type, status, recorded_at, recorded_by, entity)
          select sp, '2024-02-01', 1, 'NORMAL', 'VALID', now(), 't', 'E'
            from unnest(array['PDS-REF1', 'PDS-NOPE']) sp`.execute(t.db.kysely),
    ])
      await expect(bad()).rejects.toMatchObject({ code: "23503" });
    expect(await count()).toBe(before);
  });

  it("refuses to delete or truncate service points and meters, or renumber a service point (a meter's id is an identity); other updates go through", async () => {
    for (const q of [
      sql`delete from service_points where id = 'PDS-REF1'`,
      sql`update service_points set id = 'PDS-REF2' where id = 'PDS-REF1'`,
      sql`truncate service_points cascade`,
      sql`delete from meters where id = ${meterId}`,
      sql`truncate meters cascade`,
    ])
      await expect(q.execute(t.db.kysely)).rejects.toThrow(/KEPT/);
    await sql`update service_points set id = id, address = address where id = 'PDS-REF1'`.execute(
      t.db.kysely,
    );
    await sql`update meters set serial = serial where id = ${meterId}`.execute(t.db.kysely);
  });
});
