/**
 * R12's regularised start and R9 everywhere, on both engines: EUROS closes an INT_EUROS case with a
 * start (source REGULARIZED, the MOVE_IN reading replaced and kept, the former start in the case, the
 * audit log and the event feed's `subscription.regularized`, all in one transaction); a late proof or a
 * contest's proof above the termination writes R9's comment and finding on the ARR case; one below it
 * opens INT_EUROS on the predecessor's subscription.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R9_COMMENT } from "../../src/cases/intermediate.js";
import type { NewCase } from "../../src/cases/store.js";
import { sweepDeadlines } from "../../src/move-in/sweep.js";
import { makeConfig } from "../../src/platform/config.js";
import { EcartError } from "../../src/platform/errors.js";
import { execute } from "../../src/registry.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

describe.each(ENGINES)("R12 regularised start and R9 everywhere on %s", (engine) => {
  let t: TestDatabase;
  const k = () => t.db.kysely;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  /** Termination 1000 on 15 January; a gap case subscribed at the predecessor's index by the sweep; then a late proof. */
  async function lateProof(proofIndex: number) {
    const sp = servicePointFixture();
    await givenServicePoints(t.db, sp);
    const mi = await execute(t.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: 1012 }));
    await sweepDeadlines(t.db, new Date("2024-03-22T09:00:00+01:00"), makeConfig());
    const late = await execute(t.db, ctxAs("BO", "2024-04-02T10:00:00+02:00"), "receiveProof", {
      case: mi.case,
      kind: "SALE_DEED",
      date: "2024-02-20",
      index: proofIndex,
    });
    expect(late.outcome).toBe("REGULARIZATION_OPENED");
    return {
      sp: sp.id,
      predecessor: sp.subscriptions?.[0]?.id as string,
      arr: mi.case as string,
      int: late.case as string,
      sub: late.subscription as string,
      late,
    };
  }
  const commentsOf = async (caseId: string) =>
    (
      await k()
        .selectFrom("case_comments")
        .select("body")
        .where("case_id", "=", caseId)
        .orderBy("id")
        .execute()
    ).map((c) => c.body);

  it("closing with a start: source REGULARIZED, the MOVE_IN reading replaced and kept, former start in case, audit and event", async () => {
    const w = await lateProof(1009);
    const r = await execute(
      t.db,
      ctxAs("EUROS", "2024-04-05T10:00:00+02:00", "EUROS"),
      "closeRegularization",
      {
        case: w.int,
        comment: "Début régularisé d'après l'acte de vente.",
        start: { date: "2024-02-20", index: 1009 },
      },
    );
    expect(r).toMatchObject({ outcome: "REGULARIZATION_CLOSED", case: w.int, subscription: w.sub });
    const sub = await k()
      .selectFrom("subscriptions")
      .selectAll()
      .where("id", "=", w.sub)
      .executeTakeFirstOrThrow();
    expect(sub).toMatchObject({ start_date: "2024-02-20", start_index: 1009, start_source: "REGULARIZED" });
    const moveIns = await k()
      .selectFrom("reading_states")
      .select(["id", "reading_date", "index_m3", "effective_status", "replaces_id"])
      .where("service_point_id", "=", w.sp)
      .where("type", "=", "MOVE_IN")
      .orderBy("id")
      .execute();
    const old = moveIns.find((m) => m.reading_date === "2024-01-15");
    const now = moveIns.find((m) => m.reading_date === "2024-02-20");
    expect(old?.effective_status).toBe("REPLACED");
    expect(now).toMatchObject({ index_m3: 1009, effective_status: "VALID", replaces_id: old?.id });
    const c = await k().selectFrom("cases").selectAll().where("id", "=", w.int).executeTakeFirstOrThrow();
    expect(c.status).toBe("CLOSED");
    expect(c.regularization?.regularizedStart).toEqual({
      from: { date: "2024-01-15", index: 1000, source: "PREDECESSOR" },
      to: { date: "2024-02-20", index: 1009 },
    });
    expect((await commentsOf(w.int)).some((b) => b.includes("15/01/2024") && b.includes("20/02/2024"))).toBe(
      true,
    );
    const audit = await k()
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "subscription.regularized")
      .where("object_id", "=", w.sub)
      .executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({
      from: { date: "2024-01-15", index: 1000 },
      to: { date: "2024-02-20" },
    });
    const events = await k()
      .selectFrom("events")
      .select(["type", "payload"])
      .where("type", "=", "subscription.regularized")
      .execute();
    const mine = events.filter((e) => (e.payload as { subscription: string }).subscription === w.sub);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.payload).toMatchObject({
      servicePoint: w.sp,
      case: w.int,
      before: { date: "2024-01-15", index: 1000, source: "PREDECESSOR" },
      start: { date: "2024-02-20", index: 1009, source: "REGULARIZED" },
      reading: now?.id,
    });
  });

  it("an INT_EUROS case is opened naming the subscription it regularises: openCase's type says so", () => {
    const named: NewCase = { type: "INT_EUROS", servicePointId: "PDS", partyId: null, subscriptionId: "SUB" };
    // @ts-expect-error an INT_EUROS case without its subscription does not compile (npm run check)
    const unnamed: NewCase = { type: "INT_EUROS", servicePointId: "PDS", partyId: null };
    const moveIn: NewCase = { type: "ARR_SPECIAL", servicePointId: "PDS", partyId: null };
    expect([named, unnamed, moveIn].map((c) => c.subscriptionId ?? null)).toEqual(["SUB", null, null]);
  });

  it("a refused start changes nothing: before the predecessor's termination, in whole m3 only", async () => {
    const w = await lateProof(1009);
    const euros = ctxAs("EUROS", "2024-04-05T10:00:00+02:00", "EUROS");
    for (const [start, code] of [
      [{ date: "2024-01-10", index: 995 }, "DATE_BEFORE_TERMINATION"],
      [{ date: "2024-02-20", index: 1009.5 }, "INDEX_NOT_M3"],
      [{ date: "2024-04-06", index: 1030 }, "DATE_IN_FUTURE"],
    ] as const) {
      const e = await execute(t.db, euros, "closeRegularization", { case: w.int, comment: "x", start }).catch(
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(EcartError);
      expect((e as EcartError).code).toBe(code);
    }
    const sub = await k()
      .selectFrom("subscriptions")
      .selectAll()
      .where("id", "=", w.sub)
      .executeTakeFirstOrThrow();
    expect(sub.start_source).toBe("PREDECESSOR");
    const c = await k()
      .selectFrom("cases")
      .select("status")
      .where("id", "=", w.int)
      .executeTakeFirstOrThrow();
    expect(c.status).toBe("OPEN");
    const ev = await k()
      .selectFrom("events")
      .select("payload")
      .where("type", "=", "subscription.regularized")
      .execute();
    expect(ev.filter((e) => (e.payload as { subscription: string }).subscription === w.sub)).toEqual([]);
  });

  it("R9 with R12: a late proof 6 m3 above writes R9's comment and the finding on the ARR case; 5 m3 does not", async () => {
    const above = await lateProof(1006);
    expect(await commentsOf(above.arr)).toContain(R9_COMMENT);
    const f = await k()
      .selectFrom("intermediate_consumptions")
      .selectAll()
      .where("case_id", "=", above.arr)
      .executeTakeFirstOrThrow();
    expect(f).toMatchObject({ volume: 6, from_index: 1000, to_index: 1006, subscription_id: above.sub });
    const within = await lateProof(1005);
    expect(await commentsOf(within.arr)).not.toContain(R9_COMMENT);
  });

  it("R9 with R12: a late proof 6 m3 below opens a second INT_EUROS case on the predecessor's subscription", async () => {
    const w = await lateProof(994);
    expect(w.late.predecessorCase).toBeTruthy();
    const c = await k()
      .selectFrom("cases")
      .selectAll()
      .where("id", "=", w.late.predecessorCase as string)
      .executeTakeFirstOrThrow();
    expect(c).toMatchObject({ type: "INT_EUROS", status: "OPEN", subscription_id: w.predecessor });
    expect(c.regularization).toMatchObject({
      motive: "PREDECESSOR_OVERBILLED",
      termination: { date: "2024-01-15", index: 1000 },
      proof: { date: "2024-02-20", index: 994 },
    });
    expect(await commentsOf(w.arr)).not.toContain(R9_COMMENT);
  });
});
