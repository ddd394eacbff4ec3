/**
 * SPEC §8's event feed: each decision appends its event in its own transaction (both engines); positions
 * follow commit order even when the transactions began the other way round (PostgreSQL); the feed pages
 * in order for an INTEGRATION token only.
 */
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepDeadlines } from "../../src/move-in/sweep.js";
import { makeConfig } from "../../src/platform/config.js";
import { appendEvents, eventsAfter, type FeedEvent, lastPosition } from "../../src/platform/events.js";
import { execute } from "../../src/registry.js";
import { type TestApi, testApi } from "../http/helpers.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

describe.each(ENGINES)("event feed on %s", (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  /** The events a step appended. */
  async function during(step: () => Promise<unknown>): Promise<FeedEvent[]> {
    const from = await lastPosition(t.db);
    await step();
    return eventsAfter(t.db, from, 1000);
  }

  it("subscription.started: a move-in within tolerance, with the customer and the start figures", async () => {
    const sp = servicePointFixture();
    await givenServicePoints(t.db, sp);
    let sub = "";
    const ev = await during(async () => {
      sub = (await execute(t.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id))).subscription as string;
    });
    expect(ev.map((e) => e.type)).toEqual(["subscription.started"]);
    expect(ev[0]?.payload).toMatchObject({
      subscription: sub,
      servicePoint: sp.id,
      customer: { name: "Jeanne Martin", email: "jeanne@example.fr" },
      start: { date: "2024-03-02", index: 1004, source: "DECLARED" },
      by: "fo.test",
    });
    expect(ev[0]?.id).toMatch(/^evt_[0-9a-f]{32}$/);
  });

  it("case.opened, then intermediate_consumption.found, subscription.started and case.closed on the proof", async () => {
    const sp = servicePointFixture();
    await givenServicePoints(t.db, sp);
    let caseId = "";
    const opened = await during(async () => {
      const r = await execute(t.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: 1030 }));
      caseId = r.case as string;
    });
    expect(opened.map((e) => e.type)).toEqual(["case.opened"]);
    expect(opened[0]?.payload).toMatchObject({ case: caseId, type: "ARR_SPECIAL", servicePoint: sp.id });
    const proof = await during(() =>
      execute(t.db, ctxAs("BO"), "receiveProof", {
        case: caseId,
        kind: "SALE_DEED",
        date: "2024-02-01",
        index: 1020,
      }),
    );
    expect(proof.map((e) => e.type)).toEqual([
      "subscription.started",
      "intermediate_consumption.found",
      "case.closed",
    ]);
    const sub = proof[0]?.payload.subscription;
    expect(proof[0]?.payload).toMatchObject({ start: { date: "2024-02-01", index: 1020, source: "PROOF" } });
    expect(proof[1]?.payload).toMatchObject({
      case: caseId,
      servicePoint: sp.id,
      subscription: sub,
      from: { date: "2024-01-15", index: 1000 },
      to: { date: "2024-02-01", index: 1020 },
      volume: 20,
    });
    expect(proof[2]?.payload).toMatchObject({ case: caseId, subscription: sub, type: "ARR_SPECIAL" });
  });

  it("subscription.ended on a move-out, reading.corrected on its correction", async () => {
    const sp = servicePointFixture({ subscriptions: [] });
    sp.subscriptions = [
      {
        id: `AB-E-${sp.id}`,
        tags: [],
        customer: { id: `C-E-${sp.id}`, name: "Paul Durand" },
        start: { date: "2019-01-01", index: 500 },
      },
    ];
    await givenServicePoints(t.db, sp);
    const ended = await during(() =>
      execute(t.db, ctxAs("FO"), "moveOut", {
        subscription: `AB-E-${sp.id}`,
        date: "2024-02-20",
        index: 1010,
      }),
    );
    expect(ended.map((e) => e.type)).toEqual(["subscription.ended"]);
    expect(ended[0]?.payload).toMatchObject({
      subscription: `AB-E-${sp.id}`,
      servicePoint: sp.id,
      customer: `C-E-${sp.id}`,
      end: { date: "2024-02-20", index: 1010 },
    });
    const reading = ended[0]?.payload.reading as string;
    const corrected = await during(() =>
      execute(t.db, ctxAs("BO"), "correctReading", { reading, index: 1001, reason: "saisie erronée" }),
    );
    expect(corrected.map((e) => e.type)).toEqual(["reading.corrected"]);
    expect(corrected[0]?.payload).toMatchObject({
      replaces: reading,
      servicePoint: sp.id,
      meter: "A12345",
      type: "MOVE_OUT",
      date: "2024-02-20",
      before: 1010,
      index: 1001,
      reason: "saisie erronée",
      subscription: `AB-E-${sp.id}`,
    });
  });

  it("the deadline sweep's batch appends subscription.started and case.closed for each case", async () => {
    const sp = servicePointFixture();
    await givenServicePoints(t.db, sp);
    const r = await execute(t.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: 1030 }));
    const ev = await during(() => sweepDeadlines(t.db, new Date("2024-03-25T10:00:00+01:00"), makeConfig()));
    const mine = ev.filter((e) => e.payload.servicePoint === sp.id);
    expect(mine.map((e) => e.type)).toEqual(["subscription.started", "case.closed"]);
    expect(mine[0]?.payload).toMatchObject({
      case: r.case,
      start: { date: "2024-01-15", index: 1000, source: "PREDECESSOR" },
    });
    expect(mine[1]?.payload).toMatchObject({ case: r.case });
  });

  it("a command that fails appends nothing; positions are gapless and follow the order of the writes", async () => {
    const before = await lastPosition(t.db);
    await expect(
      execute(t.db, ctxAs("FO"), "moveOut", { subscription: "NOPE", date: "2024-02-20", index: 1 }),
    ).rejects.toThrow();
    expect(await lastPosition(t.db)).toBe(before);
    const all = await eventsAfter(t.db, 0, 1000);
    expect(all.map((e) => e.position)).toEqual(all.map((_, i) => i + 1));
  });

  it("positions are given at commit, once per transaction: rows written straight first, then the staged ones in order, savepoints rolled back left out (migrations 960, 970)", async () => {
    const before = await lastPosition(t.db);
    const staged = (trx: Parameters<typeof appendEvents>[0], tag: string) =>
      appendEvents(
        trx,
        ctxAs("FO"),
        [1, 2, 3].map((i) => ({
          type: "case.closed" as const,
          payload: { case: tag, type: "ARR_SPECIAL", servicePoint: `n${i}`, subscription: null },
        })),
      );
    const direct = sql`insert into events (type, payload, occurred_at)
          select 'case.closed', jsonb_build_object('case', 'direct', 'servicePoint', 'n' || i), now()
            from generate_series(1, 3) i`;
    await t.db.kysely.transaction().execute(async (trx) => {
      await sql`savepoint a`.execute(trx);
      await staged(trx, "rolled-back");
      await sql`rollback to savepoint a`.execute(trx);
      await staged(trx, "kept-1");
      await sql`savepoint b`.execute(trx);
      await direct.execute(trx);
      await sql`release savepoint b`.execute(trx);
      await sql`savepoint c`.execute(trx);
      await staged(trx, "rolled-back");
      await direct.execute(trx);
      await sql`rollback to savepoint c`.execute(trx);
      await staged(trx, "kept-2");
      // Nothing is positioned before commit; the staged events are not in the feed's table yet.
      const unpositioned = await trx
        .selectFrom("events")
        .select("seq")
        .where("position", "is", null)
        .execute();
      expect(unpositioned).toHaveLength(3);
      const waiting = await sql<{ n: number }>`select count(*)::int as n from events_staged`.execute(trx);
      expect(waiting.rows[0]?.n).toBe(6);
    });
    const mine = await eventsAfter(t.db, before, 100);
    expect(mine.map((e) => [e.position - before, e.payload.case, e.payload.servicePoint])).toEqual([
      [1, "direct", "n1"],
      [2, "direct", "n2"],
      [3, "direct", "n3"],
      [4, "kept-1", "n1"],
      [5, "kept-1", "n2"],
      [6, "kept-1", "n3"],
      [7, "kept-2", "n1"],
      [8, "kept-2", "n2"],
      [9, "kept-2", "n3"],
    ]);
    const left = await sql<{ pending: number; staged: number; unpositioned: number }>`
      select (select count(*) from events_pending)::int as pending, (select count(*) from events_staged)::int as staged,
             (select count(*) from events where position is null)::int as unpositioned`.execute(t.db.kysely);
    expect(left.rows[0]).toEqual({ pending: 0, staged: 0, unpositioned: 0 });
  });

  it("events are never changed nor deleted", async () => {
    await expect(t.db.kysely.updateTable("events").set({ type: "x" }).execute()).rejects.toThrow(
      /APPEND_ONLY/,
    );
    await expect(t.db.kysely.deleteFrom("events").execute()).rejects.toThrow(/APPEND_ONLY/);
    // Nor re-positioned, nor changed along with the one update allowed (a position given to none).
    await expect(t.db.kysely.updateTable("events").set({ position: 999_999 }).execute()).rejects.toThrow(
      /APPEND_ONLY/,
    );
    const before = await lastPosition(t.db);
    await expect(
      t.db.kysely.transaction().execute(async (trx) => {
        await sql`insert into events (type, payload, occurred_at) values ('case.opened', '{}', now())`.execute(
          trx,
        );
        await trx
          .updateTable("events")
          .set({ position: 888_888, type: "case.closed" })
          .where("position", "is", null)
          .execute();
      }),
    ).rejects.toThrow(/APPEND_ONLY/);
    expect(await lastPosition(t.db)).toBe(before);
  });
});

describe.runIf(ENGINES.includes("postgres"))("event positions follow commit order (PostgreSQL)", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("postgres", 2);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it.each([
    ["staged, as appendEvents writes them", "events_staged"],
    ["inserted straight into the feed's table", "events"],
  ])(
    "a transaction that wrote its event first but commits last gets the later position (%s)",
    async (_, table) => {
      const a = new pg.Client({ connectionString: t.url as string });
      const b = new pg.Client({ connectionString: t.url as string });
      await a.connect();
      await b.connect();
      try {
        const before = await lastPosition(t.db);
        const insert = (c: pg.Client, tag: string) =>
          c.query(
            `insert into ${table} (type, payload, occurred_at) values ('case.opened', jsonb_build_object('tag', $1::text), now())`,
            [tag],
          );
        await a.query("begin");
        await insert(a, "first-written");
        await b.query("begin");
        await insert(b, "second-written");
        // A reader now sees nothing: neither has a position yet.
        expect(await eventsAfter(t.db, before, 10)).toEqual([]);
        await b.query("commit");
        const seen = await eventsAfter(t.db, before, 10);
        expect(seen.map((e) => [e.position - before, e.payload.tag])).toEqual([[1, "second-written"]]);
        await a.query("commit");
        // Paging on from what was read finds the other one after it: nothing appeared below it.
        const next = await eventsAfter(t.db, seen.at(-1)?.position ?? 0, 10);
        expect(next.map((e) => [e.position - before, e.payload.tag])).toEqual([[2, "first-written"]]);
      } finally {
        await a.end();
        await b.end();
      }
    },
  );
});

describe.each(ENGINES)("GET /api/events on %s", (engine) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await testApi(engine);
  });
  afterAll(() => api.close());

  it("pages in order for an INTEGRATION token, refuses the other roles", async () => {
    const sp = servicePointFixture();
    await givenServicePoints(api.tdb.db, sp);
    await execute(api.tdb.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: 1030 }));
    const other = servicePointFixture();
    await givenServicePoints(api.tdb.db, other);
    await execute(api.tdb.db, ctxAs("FO"), "moveIn", moveInRequest(other.id));
    const first = await api.as("INTEGRATION", { method: "GET", url: "/api/events?after=0&limit=1" });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().items.map((e: FeedEvent) => [e.position, e.type])).toEqual([[1, "case.opened"]]);
    const rest = await api.as("INTEGRATION", {
      method: "GET",
      url: `/api/events?after=${first.json().last}&limit=10`,
    });
    expect(rest.json().items.map((e: FeedEvent) => [e.position, e.type])).toEqual([
      [2, "subscription.started"],
    ]);
    expect(rest.json().last).toBe(2);
    const empty = await api.as("INTEGRATION", { method: "GET", url: "/api/events?after=2" });
    expect(empty.json()).toEqual({ items: [], last: 2 });
    for (const role of ["FO", "BO", "ADMIN", "SUPERVISOR"] as const) {
      const res = await api.as(role, { method: "GET", url: "/api/events" });
      expect(res.statusCode).toBe(403);
    }
  });
});
