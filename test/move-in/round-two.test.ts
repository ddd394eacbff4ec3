/**
 * Issue 12, round two of the procedure, on both engines: R8's exception for a suspect termination (in a
 * set-based sweep batch), R16's corrected termination, R9 everywhere, R6's comment, R12's regularised start.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepDeadlines } from "../../src/move-in/sweep.js";
import { R8_SUSPECT_COMMENT, R9_COMMENT } from "../../src/move-in/wording.js";
import { makeConfig } from "../../src/platform/config.js";
import { execute } from "../../src/registry.js";
import { intermediateConsumption } from "../../src/reports/queries.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

/** A service point whose occupant is still there (moveOut in the test), history 500 → 950. */
const occupied = () => {
  const sp = servicePointFixture();
  const [sub] = sp.subscriptions ?? [];
  if (!sub) throw new Error("the fixture has a subscription");
  return { ...sp, subscriptions: [{ ...sub, end: null }] };
};

describe.each(ENGINES)("round two on %s", (engine) => {
  let t: TestDatabase;
  const k = () => t.db.kysely;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  /** Move-out at `termination`, then a move-in declaring `declared` (a case opens when beyond tolerance). */
  async function world(termination: number, declared: number, over: Record<string, unknown> = {}) {
    const sp = occupied();
    await givenServicePoints(t.db, sp);
    const sub = (sp.subscriptions[0] as { id: string }).id;
    const out = await execute(t.db, ctxAs("FO", "2024-01-16T10:00:00+01:00"), "moveOut", {
      subscription: sub,
      date: "2024-01-15",
      index: termination,
    });
    const mi = await execute(t.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: declared, ...over }));
    return { sp: sp.id, predecessor: sub, moveOutReading: out.reading as string, case: mi.case as string };
  }

  const tasksOf = (caseId: string) =>
    k()
      .selectFrom("tasks")
      .select(["kind", "status", "due_date"])
      .where("case_id", "=", caseId)
      .orderBy("id")
      .execute();
  const commentsOf = async (caseId: string) =>
    (
      await k()
        .selectFrom("case_comments")
        .select("body")
        .where("case_id", "=", caseId)
        .orderBy("id")
        .execute()
    ).map((c) => c.body);

  it("R8's exception: one sweep batch holds the suspect cases and subscribes the others, for their case's entity", async () => {
    const suspect = [await world(10000, 1004), await world(10000, 1010)];
    const valid = [await world(1000, 1012), await world(1000, 990)];
    const config = makeConfig();
    const r = await sweepDeadlines(t.db, new Date("2024-03-21T09:00:00+01:00"), config);
    expect(r.failed).toEqual([]);
    expect(r.subscribed).toBeGreaterThanOrEqual(2);
    for (const w of suspect) {
      expect(await tasksOf(w.case)).toEqual([
        { kind: "AWAIT_PROOF", status: "EXPIRED", due_date: "2024-03-20" },
        { kind: "CHECK_TERMINATION", status: "OPEN", due_date: "2024-03-21" },
      ]);
      expect(await commentsOf(w.case)).toContain(R8_SUSPECT_COMMENT);
      const c = await k().selectFrom("cases").selectAll().where("id", "=", w.case).executeTakeFirstOrThrow();
      expect(c).toMatchObject({ status: "OPEN", subscription_id: null });
    }
    for (const w of valid) {
      const s = await k()
        .selectFrom("subscriptions")
        .selectAll()
        .where("case_id", "=", w.case)
        .executeTakeFirstOrThrow();
      expect(s).toMatchObject({ start_source: "PREDECESSOR", start_index: 1000, entity: "FO-LYON" });
    }
    // Later sweeps leave the held cases alone: the overdue CHECK_TERMINATION is only shown as overdue.
    const again = await sweepDeadlines(t.db, new Date("2024-04-10T09:00:00+02:00"), config);
    expect(again).toMatchObject({ subscribed: 0, failed: [] });
    for (const w of suspect)
      expect((await tasksOf(w.case)).map((x) => x.status)).toEqual(["EXPIRED", "OPEN"]);

    // R16 settles the first: corrected to 1000, the declared 1004 is within tolerance.
    const w = suspect[0] as Awaited<ReturnType<typeof world>>;
    const fixed = await execute(t.db, ctxAs("BO", "2024-03-22T09:00:00+01:00"), "correctReading", {
      reading: w.moveOutReading,
      index: 1000,
      reason: "zéro de trop",
    });
    expect(fixed).toMatchObject({ outcome: "READING_CORRECTED", case: w.case });
    const sub = await k()
      .selectFrom("subscriptions")
      .selectAll()
      .where("id", "=", fixed.subscription as string)
      .executeTakeFirstOrThrow();
    expect(sub).toMatchObject({
      start_date: "2024-03-02",
      start_index: 1004,
      start_source: "DECLARED",
      entity: "FO-LYON",
    });
    expect((await tasksOf(w.case)).map((x) => x.status)).toEqual(["EXPIRED", "DONE"]);
    const pred = await k()
      .selectFrom("subscriptions")
      .selectAll()
      .where("id", "=", w.predecessor)
      .executeTakeFirstOrThrow();
    expect(pred).toMatchObject({ end_date: "2024-01-15", end_index: 1000 });
    const history = await k()
      .selectFrom("reading_states")
      .select(["index_m3", "effective_status"])
      .where("service_point_id", "=", w.sp)
      .where("type", "=", "MOVE_OUT")
      .orderBy("id")
      .execute();
    expect(history).toEqual([
      { index_m3: 10000, effective_status: "REPLACED" },
      { index_m3: 1000, effective_status: "VALID" },
    ]);
    const letter = await k()
      .selectFrom("communications")
      .select(["payload"])
      .where("case_id", "=", w.case)
      .where("template", "=", "CONFIRMATION_DECLARED_INDEX")
      .executeTakeFirstOrThrow();
    expect(letter.payload).toMatchObject({
      termination: { date: "2024-01-15", index: 1000, previousIndex: 10000 },
      start: { date: "2024-03-02", index: 1004, source: "DECLARED" },
      gap: 4,
      proofRequested: true,
    });
    const audit = await k()
      .selectFrom("audit_log")
      .select(["action", "details"])
      .where("object_id", "=", w.predecessor)
      .where("action", "=", "subscription.end_corrected")
      .execute();
    expect(audit).toHaveLength(1);
  });

  it("R16: a subscription started at the old index gets an INT_EUROS case with both figures; a DECLARED one is left alone", async () => {
    const w = await world(1100, 1004);
    const sub = await execute(t.db, ctxAs("BO", "2024-03-06T10:00:00+01:00"), "declareNoProof", {
      case: w.case,
    });
    const r = await execute(t.db, ctxAs("BO", "2024-03-12T10:00:00+01:00"), "correctReading", {
      reading: w.moveOutReading,
      index: 1000,
      reason: "1100 pour 1000",
    });
    const c = await k()
      .selectFrom("cases")
      .selectAll()
      .where("id", "=", r.case as string)
      .executeTakeFirstOrThrow();
    expect(c).toMatchObject({ type: "INT_EUROS", status: "OPEN", subscription_id: sub.subscription });
    expect(c.regularization).toMatchObject({
      motive: "TERMINATION_CORRECTED",
      correction: { date: "2024-01-15", oldIndex: 1100, newIndex: 1000 },
    });
    const s = await k()
      .selectFrom("subscriptions")
      .selectAll()
      .where("id", "=", sub.subscription as string)
      .executeTakeFirstOrThrow();
    expect(s).toMatchObject({ start_index: 1100, start_source: "PREDECESSOR" });

    const d = await world(1100, 1102);
    const r2 = await execute(t.db, ctxAs("BO", "2024-03-12T10:00:00+01:00"), "correctReading", {
      reading: d.moveOutReading,
      index: 1000,
      reason: "1100 pour 1000",
    });
    expect(r2.case ?? null).toBeNull();
    expect(r2.subscription ?? null).toBeNull();
  });

  it("R9/R16: a finding from the old index is recomputed, and leaves the report within tolerance", async () => {
    const w = await world(1100, 1112);
    await execute(t.db, ctxAs("BO", "2024-03-06T10:00:00+01:00"), "receiveProof", {
      case: w.case,
      kind: "SALE_DEED",
      date: "2024-02-20",
      index: 1112,
      meterSerial: "A12345",
    });
    const inReport = async () =>
      (await intermediateConsumption(k(), { servicePoint: w.sp })).map((f) => f.volume);
    expect(await inReport()).toEqual([12]);
    await execute(t.db, ctxAs("BO", "2024-03-12T10:00:00+01:00"), "correctReading", {
      reading: w.moveOutReading,
      index: 1106,
      reason: "relu",
    });
    expect(await inReport()).toEqual([6]);
    const latest = await k()
      .selectFrom("readings")
      .select("id")
      .where("service_point_id", "=", w.sp)
      .where("type", "=", "MOVE_OUT")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    await execute(t.db, ctxAs("BO", "2024-03-13T10:00:00+01:00"), "correctReading", {
      reading: latest.id,
      index: 1107,
      reason: "relu encore",
    });
    expect(await inReport()).toEqual([]);
    expect(await commentsOf(w.case)).toContain(R9_COMMENT);
  });
});
