/**
 * R10 with a prescription length other than the consumer code's two years (ECART_PRESCRIPTION_YEARS): the
 * start, the case's comment and the confirmation letter all name the length in force, never « biennale »
 * nor « deux ans » (the letter once said both whatever the setting). Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_IDENTITY } from "../../src/communications/identity.js";
import { renderEmail } from "../../src/communications/templates.js";
import { makeConfig } from "../../src/platform/config.js";
import { execute } from "../../src/registry.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

describe.each(ENGINES)("a prescription of another length than two years (%s)", (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  /** The r10 scenarios' world: termination 1000 on 10/01/2021, a move-in 300 m3 above, a proof of 09/03/2022. */
  async function prescribedProof(prescriptionYears: number) {
    const sp = servicePointFixture({
      readings: [
        { date: "2022-01-01", index: 1100, type: "NORMAL" },
        { date: "2022-05-01", index: 1221, type: "NORMAL" },
      ],
    });
    const predecessor = sp.subscriptions?.[0];
    if (predecessor) predecessor.end = { date: "2021-01-10", index: 1000 };
    await givenServicePoints(t.db, sp);
    const mi = await execute(
      t.db,
      ctxAs("FO"),
      "moveIn",
      moveInRequest(sp.id, { date: "2024-03-01", index: 1300 }),
    );
    const bo = { ...ctxAs("BO", "2024-03-10T10:00:00+01:00"), config: makeConfig({ prescriptionYears }) };
    const r = await execute(t.db, bo, "receiveProof", {
      case: mi.case,
      kind: "SALE_DEED",
      date: "2022-03-09",
      index: 1167,
      prescriptionInvoked: true,
    });
    const k = t.db.kysely;
    const start = await k
      .selectFrom("subscriptions")
      .select(["start_date", "start_source"])
      .where("id", "=", r.subscription as string)
      .executeTakeFirstOrThrow();
    const comments = await k
      .selectFrom("case_comments")
      .select("body")
      .where("case_id", "=", mi.case as string)
      .execute();
    const letter = await k
      .selectFrom("communications")
      .select("payload")
      .where("case_id", "=", mi.case as string)
      .where("template", "=", "CONFIRMATION_PROOF")
      .executeTakeFirstOrThrow();
    const meta = {
      id: "MSG-1",
      createdAt: new Date("2024-03-10T10:00:00+01:00"),
      identity: DEFAULT_IDENTITY,
      channel: "EMAIL" as const,
      timeZone: "Europe/Paris",
    };
    return {
      start,
      comment: comments.map((c) => c.body).join("\n"),
      payload: letter.payload as Record<string, unknown>,
      text: renderEmail("CONFIRMATION_PROOF", letter.payload as Record<string, unknown>, meta).text,
    };
  }

  it("one year: the start a year before processing, and every text names « la prescription d'un an »", async () => {
    const p = await prescribedProof(1);
    expect(p.start).toMatchObject({ start_date: "2023-03-10", start_source: "PRESCRIPTION" });
    expect(p.payload.prescriptionYears).toBe(1);
    expect(p.comment).toContain("(prescription d'un an opposée par le client)");
    expect(p.text).toContain(
      "Conformément à la prescription d'un an que vous avez invoquée, votre abonnement prend effet le 10 mars 2023, un an avant",
    );
    expect(`${p.comment}\n${p.text}`).not.toMatch(/biennale|L218-2|deux ans/);
  });

  it("two years (the default): the consumer code's biennial prescription, as before", async () => {
    const p = await prescribedProof(2);
    expect(p.start).toMatchObject({ start_date: "2022-03-10", start_source: "PRESCRIPTION" });
    expect(p.comment).toContain("(prescription biennale opposée par le client)");
    expect(p.text).toContain("prescription biennale que vous avez invoquée (article L218-2");
    expect(p.text).toContain("deux ans avant le traitement");
  });
});
