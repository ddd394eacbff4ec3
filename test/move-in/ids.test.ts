/** Generated ids stay unique past their padding width (lpad would truncate the millionth). */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";

describe.each(ENGINES)("ids on %s", (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("go from CASE-999999 to CASE-1000000", async () => {
    await sql`select setval('case_seq', 999998)`.execute(t.db.kysely);
    await t.db.kysely.insertInto("service_points").values({ id: "PDS-ID", address: "1 rue A" }).execute();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await t.db.kysely
        .insertInto("cases")
        .values({
          type: "ARR_SPECIAL",
          status: "CLOSED",
          entity: "E",
          service_point_id: "PDS-ID",
          party_id: null,
          created_at: new Date(),
          created_by: "t",
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      ids.push(r.id);
    }
    expect(ids).toEqual(["CASE-999999", "CASE-1000000", "CASE-1000001"]);
  });
});
