/** What the console asks the server for (issue 16): checks before saving, the work queue, search, reports. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execute } from "../../src/registry.js";
import { ENGINES } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";
import { type TestApi, testApi } from "./helpers.js";

/** The source document's history (SPEC §4): 89954 typed on 02/04/2024 for 899. */
const tilleuls = () =>
  servicePointFixture({
    id: "PDS-TILLEULS",
    meter: { serial: "B77001", remoteReading: false },
    readings: [
      { date: "2021-10-26", index: 829, type: "NORMAL" },
      { date: "2022-05-09", index: 867, type: "ESTIMATE" },
      { date: "2022-11-17", index: 882, type: "NORMAL" },
      { date: "2022-11-18", index: 882, type: "CUSTOMER" },
    ],
    subscriptions: [],
  });

describe.each(ENGINES)("console views on %s", (engine) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await testApi(engine, { clock: () => new Date("2024-04-03T10:00:00+02:00") });
    await givenServicePoints(
      t.tdb.db,
      tilleuls(),
      servicePointFixture({ id: "PDS-GAP" }),
      servicePointFixture({ id: "PDS-VISIT" }),
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it("a reading check says SUSPECT with the source's expected range and 899, writing nothing", async () => {
    const check = (index: unknown) =>
      t.as("FO", {
        method: "POST",
        url: "/api/service-points/PDS-TILLEULS/readings/check",
        payload: { date: "2024-04-02", index, type: "CUSTOMER" },
      });
    const slip = await check(89954);
    expect(slip.statusCode).toBe(200);
    expect(slip.json()).toMatchObject({
      index: 89954,
      status: "SUSPECT",
      expected: { usage: [13, 377], index: [895, 1259] },
      suggestedIndex: 899,
    });
    expect((await check("899")).json()).toMatchObject({ status: "VALID", suggestedIndex: null });
    expect((await check("8,99")).json().error.code).toBe("INDEX_NOT_M3");
    const readings = await t.tdb.db.kysely
      .selectFrom("readings")
      .select("id")
      .where("service_point_id", "=", "PDS-TILLEULS")
      .execute();
    expect(readings).toHaveLength(4);
    // The check is offered to whoever may record a reading.
    expect(
      (
        await t.as("SUPERVISOR", {
          method: "POST",
          url: "/api/service-points/PDS-TILLEULS/readings/check",
          payload: { date: "2024-04-02", index: 1 },
        })
      ).statusCode,
    ).toBe(403);
  });

  it("the queue says what each open case waits for, for which team, since when; overdue first; by team", async () => {
    const fo = ctxAs("FO", "2024-03-02T10:00:00+01:00", "FO-LYON");
    const gap = await execute(t.tdb.db, fo, "moveIn", moveInRequest("PDS-GAP", { index: 1020 }));
    const visit = await execute(
      t.tdb.db,
      ctxAs("FO", "2024-03-20T10:00:00+01:00", "FO-VILLEURBANNE"),
      "moveIn",
      moveInRequest("PDS-VISIT", { index: null, reconnection: true, date: "2024-03-19" }),
    );
    const queue = await t.as("BO", { url: "/api/cases?queue=1&team=BO" });
    expect(queue.statusCode).toBe(200);
    const items = queue.json().items as Array<{ id: string; entity: string; waiting: unknown }>;
    expect(items.map((c) => c.id)).toEqual([gap.case, visit.case]);
    expect(items[0]?.waiting).toEqual({
      what: "AWAIT_PROOF",
      team: "BO",
      since: "2024-03-02T09:00:00.000Z",
      due: "2024-03-17",
      daysLeft: -17,
      overdue: true,
      dueSoon: false,
    });
    expect(items[1]).toMatchObject({
      entity: "FO-VILLEURBANNE",
      waiting: {
        what: "RECONNECTION_VISIT",
        team: "BO",
        due: null,
        daysLeft: null,
        overdue: false,
        dueSoon: false,
      },
    });
    expect((await t.as("EUROS", { url: "/api/cases?queue=1&team=EUROS" })).json().total).toBe(0);
    // How many are overdue is counted over the whole filter, not the page: the second page holds none of them.
    expect(queue.json().overdue).toBe(1);
    const second = (await t.as("BO", { url: "/api/cases?queue=1&team=BO&limit=1&offset=1" })).json();
    expect(second).toMatchObject({ total: 2, overdue: 1 });
    expect(second.items.map((c: { id: string }) => c.id)).toEqual([visit.case]);
    // The case itself says its open task is overdue, by the server's day: the console does not count.
    const detail = (await t.as("BO", { url: `/api/cases/${gap.case}` })).json();
    expect(detail.tasks).toMatchObject([
      { kind: "AWAIT_PROOF", due: "2024-03-17", status: "OPEN", overdue: true },
    ]);
  });

  it("report pages total the whole filter (volume, sources), not the page; CSV in French dates, Paris times and labels", async () => {
    await givenServicePoints(
      t.tdb.db,
      servicePointFixture({ id: "PDS-R9A" }),
      servicePointFixture({ id: "PDS-R9B" }),
    );
    for (const [sp, index] of [
      ["PDS-R9A", 1012],
      ["PDS-R9B", 1015],
    ] as const) {
      const opened = await execute(
        t.tdb.db,
        ctxAs("FO", "2024-03-04T09:00:00+01:00"),
        "moveIn",
        moveInRequest(sp, { index: 1030 }),
      );
      await execute(t.tdb.db, ctxAs("BO", "2024-03-05T10:00:00+01:00"), "receiveProof", {
        case: opened.case,
        kind: "ENTRY_INVENTORY",
        date: "2024-03-01",
        index,
      });
    }
    const period = "from=2024-03-01&to=2024-03-31";
    const inter = (
      await t.as("SUPERVISOR", { url: `/api/reports/intermediate-consumption?${period}&limit=1` })
    ).json();
    expect(inter).toMatchObject({ total: 2, volume: 27 });
    expect(inter.items).toHaveLength(1);
    const nc = (await t.as("SUPERVISOR", { url: `/api/reports/new-customers?${period}&limit=1` })).json();
    expect(nc.total).toBe(2);
    expect(nc.bySource).toEqual([{ source: "PROOF", count: 2 }]);
    expect(nc.items).toHaveLength(1);

    const csv = (await t.as("SUPERVISOR", { url: `/api/reports/new-customers.csv?${period}` })).body;
    const lines = csv
      .replace(/^\uFEFF/, "")
      .trimEnd()
      .split("\r\n");
    expect(lines).toHaveLength(3);
    expect(lines[1]?.split(";")).toEqual(
      expect.arrayContaining(["01/03/2024", "Justificatif (date et index)", "05/03/2024 10:00"]),
    );
    const cases = (await t.as("SUPERVISOR", { url: `/api/reports/cases-by-entity.csv?${period}` })).body;
    expect(cases).toContain("ARR Cas Particuliers;Clôturé;");
    expect(cases).not.toMatch(/ARR_SPECIAL|CLOSED|\d{4}-\d{2}-\d{2}/);
  });

  it("the queue warns of a task due within DUE_SOON_DAYS, as the server counts it: due tomorrow", async () => {
    await givenServicePoints(t.tdb.db, servicePointFixture({ id: "PDS-SOON" }));
    // Asked for on 20 March: due on 4 April, the day after the server's day (3 April).
    const soon = await execute(
      t.tdb.db,
      ctxAs("FO", "2024-03-20T10:00:00+01:00", "FO-LYON"),
      "moveIn",
      moveInRequest("PDS-SOON", { index: 1020 }),
    );
    const queue = (await t.as("BO", { url: "/api/cases?queue=1&team=BO&entity=FO-LYON" })).json();
    const item = queue.items.find((c: { id: string }) => c.id === soon.case);
    expect(item?.waiting).toMatchObject({ due: "2024-04-04", daysLeft: 1, overdue: false, dueSoon: true });
  });
});
