/** Reading history on both engines: index at a date (remote, interpolated, per meter, across a rollover), corrections, the move-in's same-meter reference. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { terminationOf } from "../../src/move-in/store.js";
import { indexAtDate, loadMeterHistories, plausibilityInputOf } from "../../src/readings/store.js";
import { execute } from "../../src/registry.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

describe.each(ENGINES)("reading history (%s)", (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
    await givenServicePoints(
      t.db,
      servicePointFixture({
        id: "PDS-REM",
        meter: { serial: "T1", remoteReading: true },
        readings: [
          { date: "2024-02-01", index: 2000, type: "REMOTE" },
          { date: "2024-02-02", index: 2001, type: "REMOTE" },
          { date: "2024-02-02", index: 2002, type: "NORMAL" },
          { date: "2024-02-06", index: 2003, type: "REMOTE" },
          { date: "2024-02-07", index: 2004, type: "NORMAL" },
        ],
        subscriptions: [],
      }),
      servicePointFixture({
        id: "PDS-ROLL",
        meter: { serial: "W1", digits: 4 },
        readings: [
          { date: "2024-01-01", index: 9980, type: "NORMAL" },
          { date: "2024-01-21", index: 10, type: "NORMAL" },
        ],
        subscriptions: [],
      }),
      servicePointFixture({
        id: "PDS-NEW",
        meter: null,
        meters: [
          { serial: "OLD", removedOn: "2024-02-01" },
          { serial: "NEW", installedOn: "2024-02-01", startIndex: 7 },
        ],
        readings: [
          { date: "2023-02-01", index: 600, type: "NORMAL" },
          { date: "2024-01-31", index: 965, type: "NORMAL" },
          { date: "2024-03-02", index: 37, type: "NORMAL" },
        ],
        subscriptions: [],
      }),
    );
  });
  afterAll(async () => t?.drop());

  const at = (sp: string, date: string, remoteOnly = false) =>
    t.db.kysely.transaction().execute((trx) => indexAtDate(trx, sp, date, { remoteOnly }));

  it("takes the day's reading, a remote one first, marked not interpolated", async () => {
    expect(await at("PDS-REM", "2024-02-02")).toMatchObject({
      index: 2001,
      interpolated: false,
      basis: [{ type: "REMOTE" }],
    });
  });
  it("interpolates between the neighbours, rounded down, and says so", async () => {
    // 2001 (02/02) → 2003 (06/02): 04/02 is 2002, 05/02 is 2002.5 → 2002
    expect(await at("PDS-REM", "2024-02-05", true)).toMatchObject({ index: 2002, interpolated: true });
    expect((await at("PDS-REM", "2024-02-05", true))?.basis.map((b) => b.date)).toEqual([
      "2024-02-02",
      "2024-02-06",
    ]);
    expect(await at("PDS-REM", "2024-03-01", true)).toBeNull();
    expect(await at("PDS-REM", "2024-01-01")).toBeNull();
  });
  it("interpolates across a rollover", async () => {
    // 9980 → 10 over 20 days on a 4-digit meter is 30 m3: day 10 is 9995; day 15 is 9980 + 22.5 → 10002, shown 0002
    expect(await at("PDS-ROLL", "2024-01-11")).toMatchObject({ index: 9995, interpolated: true });
    expect(await at("PDS-ROLL", "2024-01-16")).toMatchObject({ index: 2, interpolated: true });
  });
  it("never mixes a replaced meter's readings with the new one's", async () => {
    // The new meter: 7 on 01/02 (installation) → 37 on 02/03: 15/02 is 7 + 30 × 14/30 = 21
    expect(await at("PDS-NEW", "2024-02-15")).toMatchObject({
      index: 21,
      interpolated: true,
      basis: [{ type: "INSTALLATION" }, { index: 37 }],
    });
    expect(await at("PDS-NEW", "2023-08-01")).toMatchObject({ interpolated: true });
    // The new meter's last VALID reading stands in for a termination (no predecessor here).
    const last = await t.db.kysely.transaction().execute((trx) => terminationOf(trx, "PDS-NEW"));
    expect(last).toMatchObject({ date: "2024-03-02", index: 37, source: "READING" });
  });
  it("checked the new meter's first reading against its start index, not the old meter's last index", async () => {
    const r = await t.db.kysely
      .selectFrom("readings")
      .selectAll()
      .where("service_point_id", "=", "PDS-NEW")
      .where("reading_date", "=", "2024-03-02")
      .executeTakeFirstOrThrow();
    expect(r).toMatchObject({ status: "VALID", usage_m3: 30 });
  });

  it("a correction replaces, never deletes: old REPLACED with the new one pointing at it, who and why; the history skips it", async () => {
    const sp = servicePointFixture({
      readings: [{ date: "2023-06-01", index: 950, type: "NORMAL" }],
      subscriptions: [],
    });
    await givenServicePoints(t.db, sp);
    const bad = await execute(t.db, ctxAs("FO", "2023-07-01T10:00:00+02:00"), "recordReading", {
      servicePoint: sp.id,
      date: "2023-07-01",
      index: 9600,
      type: "CUSTOMER",
    });
    const fixed = await execute(t.db, ctxAs("BO", "2023-07-02T10:00:00+02:00"), "correctReading", {
      reading: bad.reading,
      index: 960,
      reason: "Index mal lu par le client",
    });
    const rows = await t.db.kysely
      .selectFrom("reading_states")
      .selectAll()
      .where("service_point_id", "=", sp.id)
      .orderBy("id")
      .execute();
    expect(rows.map((r) => [r.index_m3, r.effective_status])).toEqual([
      [950, "VALID"],
      [9600, "REPLACED"],
      [960, "VALID"],
    ]);
    expect(rows[2]).toMatchObject({
      id: fixed.reading,
      replaces_id: bad.reading,
      reason: "Index mal lu par le client",
      recorded_by: "bo.test",
      entity: "BO-LYON",
    });
    const h = await t.db.kysely
      .transaction()
      .execute(async (trx) =>
        plausibilityInputOf(
          (await loadMeterHistories(trx, [sp.id], { upTo: "2023-08-01" })).get(sp.id) ?? [],
          rows[0]?.meter_id ?? null,
        ),
      );
    expect(h.previous).toEqual({ date: "2023-07-01", index: 960 });
    await expect(
      t.db.kysely
        .deleteFrom("readings")
        .where("id", "=", bad.reading as string)
        .execute(),
    ).rejects.toThrow(/APPEND_ONLY/);
  });

  it("flags a suspect termination index in the move-in's result and in the case comment", async () => {
    const sp = servicePointFixture({
      subscriptions: [
        {
          id: "AB-SUSP",
          customer: { id: "C-SUSP", name: "Paul Durand" },
          start: { date: "2023-01-01", index: 900 },
          end: { date: "2024-01-15", index: 10000 },
        },
      ],
    });
    await givenServicePoints(t.db, sp);
    const r = await execute(t.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id));
    expect(r.warnings).toEqual(["TERMINATION_INDEX_SUSPECT"]);
    const comments = await t.db.kysely
      .selectFrom("case_comments")
      .select("body")
      .where("case_id", "=", r.case as string)
      .execute();
    expect(comments.some((c) => c.body.includes("est suspect dans l'historique"))).toBe(true);
  });
});
