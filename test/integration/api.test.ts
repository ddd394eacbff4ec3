/**
 * SPEC §8 over the API for an INTEGRATION token: the rows of the three files one at a time (the same
 * checks and upsert as the CSV import), a meter exchange, REMOTE readings one or a batch; R14: the
 * role has no login and no business command, and advisors cannot type REMOTE readings.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccountAudited } from "../../src/accounts/admin.js";
import { userCommand } from "../../src/accounts/cli.js";
import { eventsAfter, lastPosition } from "../../src/platform/events.js";
import { memorySink, type TestApi, testApi } from "../http/helpers.js";
import { ENGINES } from "../support/databases.js";

describe.each(ENGINES)("integration API on %s", (engine) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await testApi(engine);
  });
  afterAll(() => api.close());

  const put = (url: string, payload: object) => api.as("INTEGRATION", { method: "PUT", url, payload });
  const post = (url: string, payload: object) => api.as("INTEGRATION", { method: "POST", url, payload });

  it("a service point, its meter and a subscription, one at a time: inserted, then unchanged, then updated", async () => {
    const sp = { address: "3 rue Garibaldi, 69003 Lyon", ownerName: "SCI Garibaldi" };
    expect((await put("/api/service-points/PDS-A1", sp)).json()).toEqual({ outcome: "INSERTED" });
    expect((await put("/api/service-points/PDS-A1", sp)).json()).toEqual({ outcome: "UNCHANGED" });
    expect((await put("/api/service-points/PDS-A1", { ...sp, ownerName: null })).json()).toEqual({
      outcome: "UPDATED",
    });
    const meter = { remote: true, installedOn: "2015-06-01", installedIndex: 0 };
    expect((await put("/api/service-points/PDS-A1/meters/M-1", meter)).json()).toEqual({
      outcome: "INSERTED",
    });
    expect((await put("/api/service-points/PDS-A1/meters/M-1", meter)).json()).toEqual({
      outcome: "UNCHANGED",
    });
    // Its dials, given later: updated; a body without them leaves them; out of 3 to 12, refused.
    const dials = (digits?: number | null) =>
      put("/api/service-points/PDS-A1/meters/M-1", { ...meter, digits });
    expect((await dials(6)).json()).toEqual({ outcome: "UPDATED" });
    expect((await put("/api/service-points/PDS-A1/meters/M-1", meter)).json()).toEqual({
      outcome: "UNCHANGED",
    });
    const badDials = await dials(13);
    expect(badDials.statusCode).toBe(400);
    expect(badDials.json().error).toMatchObject({ code: "INVALID_INPUT", field: "digits" });
    const m1 = await api.tdb.db.kysely
      .selectFrom("meters")
      .select("digits")
      .where("serial", "=", "M-1")
      .executeTakeFirstOrThrow();
    expect(m1.digits).toBe(6);
    const sub = {
      servicePoint: "PDS-A1",
      customer: { id: "C-A1", name: "Claire Faure", email: "claire@example.fr" },
      start: { date: "2020-02-01", index: 400 },
      tags: ["euros"],
    };
    expect((await put("/api/subscriptions/AB-A1", sub)).json()).toEqual({ outcome: "INSERTED" });
    expect((await put("/api/subscriptions/AB-A1", sub)).json()).toEqual({ outcome: "UNCHANGED" });
    const moved = await put("/api/subscriptions/AB-A1", {
      ...sub,
      start: { date: "2020-02-01", index: 401 },
    });
    expect(moved.statusCode).toBe(409);
    expect(moved.json().error).toMatchObject({ code: "FACT_ALREADY_DECIDED", field: "start_index" });
    expect(moved.json().error.message).toMatch(/a commencé le 01\/02\/2020 à l'index 400 m3/);
    const bad = await put("/api/subscriptions/AB-A2", {
      ...sub,
      start: { date: "2020-02-01", index: "4,5" },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("INDEX_NOT_M3");
    const unknown = await put("/api/subscriptions/AB-A3", { ...sub, servicePoint: "PDS-NONE" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe("UNKNOWN_SERVICE_POINT");
    // An end given later is a move-out, with its event.
    const from = await lastPosition(api.tdb.db);
    const ended = await put("/api/subscriptions/AB-A1", { ...sub, end: { date: "2024-02-01", index: 1400 } });
    expect(ended.json()).toEqual({ outcome: "UPDATED" });
    const ev = await eventsAfter(api.tdb.db, from, 10);
    expect(ev.map((e) => [e.type, e.payload.subscription])).toEqual([["subscription.ended", "AB-A1"]]);
  });

  it("a meter exchange: removal and installation readings enter the history", async () => {
    const res = await post("/api/service-points/PDS-A1/meter-exchanges", {
      date: "2024-02-10",
      removed: { index: 1410 },
      installed: { serial: "M-2", index: 5 },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ removed: "UPDATED", installed: "INSERTED" });
    const meters = await api.tdb.db.kysely
      .selectFrom("meters")
      .select(["serial", "remote_reading", "removed_on", "start_index"])
      .where("service_point_id", "=", "PDS-A1")
      .orderBy("serial")
      .execute();
    expect(meters).toEqual([
      { serial: "M-1", remote_reading: true, removed_on: "2024-02-10", start_index: 0 },
      { serial: "M-2", remote_reading: true, removed_on: null, start_index: 5 },
    ]);
    const again = await post("/api/service-points/PDS-A1/meter-exchanges", {
      date: "2024-02-12",
      removed: { serial: "M-1", index: 1410 },
      installed: { serial: "M-3", index: 0 },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe("FACT_ALREADY_DECIDED");
  });

  it("REMOTE readings, one or a batch, idempotent; nobody else may type one", async () => {
    const one = await post("/api/service-points/PDS-A1/readings", {
      date: "2024-02-20",
      index: 12,
      type: "REMOTE",
    });
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json().items).toMatchObject([{ date: "2024-02-20", index: 12, duplicate: false }]);
    const batch = await post("/api/service-points/PDS-A1/readings", {
      readings: [
        { date: "2024-02-22", index: 14 },
        { date: "2024-02-20", index: 12 },
        { date: "2024-02-21", index: 13 },
      ],
    });
    expect(batch.statusCode, batch.body).toBe(200);
    expect(batch.json().items.map((r: { duplicate: boolean }) => r.duplicate)).toEqual([false, true, false]);
    expect(batch.json().items[1].reading).toBe(one.json().items[0].reading);
    const rows = await api.tdb.db.kysely
      .selectFrom("readings")
      .innerJoin("meters", "meters.id", "readings.meter_id")
      .select(["reading_date", "meters.serial", "status"])
      .where("readings.service_point_id", "=", "PDS-A1")
      .where("type", "=", "REMOTE")
      .orderBy("reading_date")
      .execute();
    expect(rows.map((r) => [r.reading_date, r.serial, r.status])).toEqual([
      ["2024-02-20", "M-2", "VALID"],
      ["2024-02-21", "M-2", "VALID"],
      ["2024-02-22", "M-2", "VALID"],
    ]);
    const normal = await post("/api/service-points/PDS-A1/readings", {
      date: "2024-02-23",
      index: 15,
      type: "NORMAL",
    });
    expect(normal.statusCode).toBe(403);
    const fo = await api.as("FO", {
      method: "POST",
      url: "/api/service-points/PDS-A1/readings",
      payload: { date: "2024-02-23", index: 15, type: "REMOTE" },
    });
    expect(fo.statusCode).toBe(403);
    expect(fo.json().error).toMatchObject({ code: "FORBIDDEN", field: "type" });
    const foNormal = await api.as("FO", {
      method: "POST",
      url: "/api/service-points/PDS-A1/readings",
      payload: { date: "2024-02-23", index: 15, type: "CUSTOMER" },
    });
    expect(foNormal.statusCode, foNormal.body).toBe(200);
  });

  it("INTEGRATION: no business command, no reads of cases, no password, no login", async () => {
    const moveIn = await post("/api/move-ins", {});
    expect(moveIn.statusCode).toBe(403);
    const cases = await api.as("INTEGRATION", { method: "GET", url: "/api/cases" });
    expect(cases.statusCode).toBe(403);
    const admin = { id: 0, username: "admin.test", role: "ADMIN" as const, entity: "SIEGE" };
    await expect(
      createAccountAudited(
        api.tdb.db.kysely,
        admin,
        { username: "cis2", role: "INTEGRATION", entity: "CIS", password: "longenough" },
        new Date(),
      ),
    ).rejects.toMatchObject({ code: "INVALID_INPUT", field: "password" });
    const out = memorySink();
    const err = memorySink();
    expect(
      await userCommand(api.tdb.db, ["add", "cis", "--role", "INTEGRATION"], out.stream, err.stream),
    ).toBe(0);
    expect(out.text()).toMatch(/account cis created \(role INTEGRATION, entity INTEGRATION\)/);
    const tok = memorySink();
    expect(await userCommand(api.tdb.db, ["token", "cis"], tok.stream, err.stream)).toBe(0);
    const token = tok.text().trim();
    const feed = await api.app.inject({
      method: "GET",
      url: "/api/events",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(feed.statusCode).toBe(200);
    const login = await api.app.inject({
      method: "POST",
      url: "/api/session",
      payload: { username: "cis", password: "anything-at-all" },
      headers: { "x-requested-with": "ecart" },
    });
    expect(login.statusCode).toBe(401);
  });
});
