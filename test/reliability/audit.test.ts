/**
 * Promise 4 (audit, R15) — every command writes to the audit log, in its own transaction, who did
 * it (account, role, entity) and on which object; so does the deadline sweep, as the system. The
 * list of commands is the registry itself: a command added without an audit entry fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepDeadlines } from "../../src/move-in/sweep.js";
import { makeConfig } from "../../src/platform/config.js";
import type { Context } from "../../src/platform/context.js";
import { COMMANDS, type CommandResult, type CommandVerb, execute } from "../../src/registry.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";
import { roleFor, seedWorld } from "./world.js";

describe.each(ENGINES)("every write in the audit log on %s", (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine, 4);
  });
  afterAll(async () => {
    await t?.drop();
  });

  const lastId = async () =>
    Number(
      (
        await t.db.kysely
          .selectFrom("audit_log")
          .select((eb) => eb.fn.max("id").as("m"))
          .executeTakeFirst()
      )?.m ?? 0,
    );

  it("each of the registry's commands leaves entries naming the actor, role, entity and object", async () => {
    const w = await seedWorld(t.db, `AU${engine.slice(0, 2).toUpperCase()}`);
    const sps = Array.from({ length: 3 }, () => servicePointFixture());
    await givenServicePoints(t.db, ...sps);
    const [a, b, c] = sps as [(typeof sps)[0], (typeof sps)[0], (typeof sps)[0]];
    const fo = ctxAs("FO", undefined, "FO-VILLEURBANNE");
    const gap2 = await execute(t.db, fo, "moveIn", moveInRequest(a.id, { index: 1012 }));
    const visit = await execute(t.db, fo, "moveIn", moveInRequest(b.id, { index: null, reconnection: true }));
    const seen = new Set<CommandVerb>();
    const audited: Record<string, string[]> = {};

    const run = async (verb: CommandVerb, input: Record<string, unknown>): Promise<CommandResult> => {
      const ctx: Context = ctxAs(roleFor(verb), undefined, `${roleFor(verb)}-AUDIT`);
      const from = await lastId();
      const r = await execute(t.db, ctx, verb, input);
      expect(r.refusal, verb).toBeUndefined();
      const entries = await t.db.kysely.selectFrom("audit_log").selectAll().where("id", ">", from).execute();
      expect(entries.length, `${verb} wrote no audit entry`).toBeGreaterThan(0);
      for (const e of entries) {
        expect(e, verb).toMatchObject({
          actor: ctx.actor.user,
          role: ctx.actor.role,
          entity: ctx.actor.entity,
        });
        expect(e.object_id, verb).toBeTruthy();
        expect(new Date(e.at).getTime(), verb).toBe(ctx.now.getTime());
      }
      seen.add(verb);
      audited[verb] = entries.map((e) => e.action);
      return r;
    };

    const moved = await run("moveIn", moveInRequest(w.freeSp));
    const rec = await run("recordReading", {
      servicePoint: w.subscribedSp,
      date: "2024-03-03",
      index: 1006,
      type: "NORMAL",
    });
    await run("correctReading", { reading: rec.reading as string, index: 1005, reason: "Erreur de saisie" });
    const suspect = await execute(t.db, ctxAs("FO"), "recordReading", {
      servicePoint: w.subscribedSp,
      date: "2024-03-04",
      index: 9000,
      type: "NORMAL",
    });
    await run("confirmReading", { reading: suspect.reading as string, reason: "Fuite constatée sur place" });
    await run("addComment", { case: w.gapCase, body: "Client rappelé : justificatif en cours d'envoi" });
    await run("requestProof", { case: w.gapCase });
    await run("receiveProof", { case: w.gapCase, kind: "ENTRY_INVENTORY", date: "2024-02-20", index: 1010 });
    await run("declareNoProof", { case: gap2.case as string });
    await run("interventionReport", { case: visit.case as string, date: "2024-03-04", index: 1003 });
    const ct = await run("contest", {
      subscription: w.subscription,
      reason: "Je conteste l'index de départ",
    });
    await run("answerContest", {
      contest: ct.contest as string,
      answer: "Explication",
      regularizationNeeded: false,
    });
    const euros = await run("contestPersists", { contest: ct.contest as string });
    await run("closeRegularization", { case: euros.case as string, comment: "Régularisé" });
    await run("moveOut", { subscription: w.subscription, date: "2024-03-05", index: 9001 });
    await run("mutation", {
      subscription: moved.subscription as string,
      date: "2024-03-05",
      index: 1004,
      customer: { name: "Paul Durand", email: "paul.durand@example.fr" },
    });

    expect([...seen].sort()).toEqual(Object.keys(COMMANDS).sort());

    // The sweep, as the system.
    await execute(t.db, fo, "moveIn", moveInRequest(c.id, { index: 1012 }));
    const from = await lastId();
    const s = await sweepDeadlines(t.db, new Date("2024-04-01T09:00:00+02:00"), makeConfig());
    expect(s.subscribed).toBeGreaterThan(0);
    const entries = await t.db.kysely.selectFrom("audit_log").selectAll().where("id", ">", from).execute();
    expect(entries.map((e) => e.action)).toContain("subscription.created");
    for (const e of entries) expect(e).toMatchObject({ actor: "system", role: "SYSTEM", entity: "SYSTEM" });
  });
});
