/**
 * Issue 15, point 6: a move-in with nothing to compare with (no predecessor, no VALID reading) keeps a
 * termination without index (null), never a made-up 0; every reader copes; migration 751 clears the
 * figure older cases stored. On PGlite and on the PostgreSQL server.
 */
import { readFileSync } from "node:fs";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_IDENTITY } from "../../src/communications/identity.js";
import { composeMessage, type MessageMeta } from "../../src/communications/templates.js";
import type { MoveInFacts } from "../../src/platform/schema.js";
import { execute } from "../../src/registry.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

const MIGRATION_751 = new URL(
  "../../src/platform/migrations/751_move_in_without_termination_index.sql",
  import.meta.url,
);

const meta: MessageMeta = {
  id: "MSG-000001",
  createdAt: new Date("2024-03-05T09:00:00Z"),
  identity: DEFAULT_IDENTITY,
  channel: "EMAIL",
  timeZone: "Europe/Paris",
};

describe.each(ENGINES)("a move-in without termination on %s", (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  const moveInOf = async (caseId: string) =>
    (
      await t.db.kysely
        .selectFrom("cases")
        .select("move_in")
        .where("id", "=", caseId)
        .executeTakeFirstOrThrow()
    ).move_in as MoveInFacts;

  /** A new service point: never occupied, never read. */
  const vacant = async () => {
    const sp = servicePointFixture({ readings: [], subscriptions: [] });
    await givenServicePoints(t.db, sp);
    return sp;
  };

  it("stores no index, asks for a proof without one, and subscribes at the visit's reading", async () => {
    const sp = await vacant();
    const r = await execute(
      t.db,
      ctxAs("FO"),
      "moveIn",
      moveInRequest(sp.id, { index: null, reconnection: true, proof: "WILL_SEND" }),
    );
    expect(r.outcome).toBe("CASE_OPENED");
    const facts = await moveInOf(r.case as string);
    expect(facts.termination).toEqual({
      date: "2024-03-02",
      index: null,
      source: "NONE",
      subscription: null,
    });

    // BO asks for a proof before the visit: the letter names no predecessor's index.
    const asked = await execute(t.db, ctxAs("BO"), "requestProof", { case: r.case });
    expect(asked.outcome).toBe("PROOF_REQUESTED");
    const message = await t.db.kysely
      .selectFrom("communications")
      .select(["template", "payload"])
      .where("case_id", "=", r.case as string)
      .executeTakeFirstOrThrow();
    expect(message.template).toBe("PROOF_REQUEST");
    const text = JSON.stringify(composeMessage("PROOF_REQUEST", message.payload, meta));
    expect(text).not.toMatch(/ancien occupant/);
    expect(text).toMatch(/index relevé lors de la remise en eau/);

    // The visit's reading is the start (nothing to compare it with).
    const visit = await execute(t.db, ctxAs("BO", "2024-03-06T10:00:00+01:00"), "interventionReport", {
      case: r.case,
      date: "2024-03-06",
      index: 17,
    });
    expect(visit.outcome).toBe("SUBSCRIBED");
    const sub = await t.db.kysely
      .selectFrom("subscriptions")
      .selectAll()
      .where("id", "=", visit.subscription as string)
      .executeTakeFirstOrThrow();
    expect([sub.start_date, Number(sub.start_index), sub.start_source]).toEqual([
      "2024-03-02",
      17,
      "INTERVENTION",
    ]);
  });

  it("a proof without index, with nothing to fall back on, is refused (no start at a made-up 0)", async () => {
    const sp = await vacant();
    const r = await execute(
      t.db,
      ctxAs("FO"),
      "moveIn",
      moveInRequest(sp.id, { index: null, reconnection: true, proof: "WILL_SEND" }),
    );
    const proof = await execute(t.db, ctxAs("BO"), "receiveProof", {
      case: r.case,
      kind: "SALE_DEED",
      date: "2024-03-02",
    }).catch((e: unknown) => e);
    expect(proof).toMatchObject({ code: "TERMINATION_UNKNOWN" });
    expect(
      await t.db.kysely
        .selectFrom("subscriptions")
        .select("id")
        .where("service_point_id", "=", sp.id)
        .execute(),
    ).toEqual([]);
  });

  it("migration 751 clears the index older cases made up", async () => {
    const sp = await vacant();
    const r = await execute(
      t.db,
      ctxAs("FO"),
      "moveIn",
      moveInRequest(sp.id, { index: null, reconnection: true, proof: "WILL_SEND" }),
    );
    await sql`update cases set move_in = jsonb_set(move_in, '{termination,index}', '0') where id = ${r.case}`.execute(
      t.db.kysely,
    );
    expect((await moveInOf(r.case as string)).termination.index).toBe(0);
    await t.db.execScript(readFileSync(MIGRATION_751, "utf8"));
    expect((await moveInOf(r.case as string)).termination).toMatchObject({ index: null, source: "NONE" });
  });
});
