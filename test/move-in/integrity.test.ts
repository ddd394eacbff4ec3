/** Append-only history, atomic commands, idempotency: on PGlite and on the PostgreSQL server. */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execute } from "../../src/registry.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

describe.each(ENGINES)("integrity on %s", (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  const count = async (table: string) =>
    Number(
      (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(t.db.kysely))
        .rows[0]?.n,
    );

  it("refuses to update, delete or truncate readings, comments, confirmations and audit entries", async () => {
    const sp = servicePointFixture();
    await givenServicePoints(t.db, sp);
    const r = await execute(t.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: 1012 }));
    expect(r.outcome).toBe("CASE_OPENED");
    // A confirmed SUSPECT reading: one row in reading_confirmations for the attempts to touch.
    const suspect = await execute(t.db, ctxAs("FO"), "recordReading", {
      servicePoint: sp.id,
      date: "2024-03-05",
      index: 99999,
      type: "NORMAL",
    });
    const confirmed = await execute(t.db, ctxAs("BO"), "confirmReading", {
      reading: suspect.reading,
      reason: "fuite constatée",
    });
    expect(confirmed.outcome).toBe("READING_CONFIRMED");
    const confirmations = await count("reading_confirmations");
    expect(confirmations).toBeGreaterThan(0);
    const k = t.db.kysely;
    const attempts = [
      sql`update reading_confirmations set reason = 'x'`,
      sql`delete from reading_confirmations`,
      sql`truncate reading_confirmations`,
      sql`update readings set index_m3 = index_m3 + 1`,
      sql`delete from readings`,
      sql`truncate readings cascade`,
      sql`update case_comments set body = 'x'`,
      sql`delete from case_comments`,
      sql`update audit_log set actor = 'x'`,
      sql`delete from audit_log`,
      sql`truncate audit_log`,
    ];
    for (const q of attempts) {
      await expect(q.execute(k)).rejects.toThrow(/APPEND_ONLY/);
    }
    expect(await count("readings")).toBeGreaterThan(0);
    expect(await count("case_comments")).toBeGreaterThan(0);
    expect(await count("reading_confirmations")).toBe(confirmations);
  });

  it("writes nothing when a command fails half-way (one transaction per command)", async () => {
    const sp = servicePointFixture();
    await givenServicePoints(t.db, sp);
    const before = {
      parties: await count("parties"),
      cases: await count("cases"),
      readings: await count("readings"),
      tasks: await count("tasks"),
      audit: await count("audit_log"),
    };
    // Make the last write of a gap move-in (the proof request in the outbox) fail.
    await t.db.execScript(`
      create function fail_outbox() returns trigger language plpgsql as $$ begin raise exception 'injected failure'; end $$;
      create trigger fail_outbox before insert on communications for each row execute function fail_outbox();`);
    try {
      await expect(
        execute(t.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: 1012 })),
      ).rejects.toThrow(/injected failure/);
    } finally {
      await t.db.execScript("drop trigger fail_outbox on communications; drop function fail_outbox();");
    }
    expect({
      parties: await count("parties"),
      cases: await count("cases"),
      readings: await count("readings"),
      tasks: await count("tasks"),
      audit: await count("audit_log"),
    }).toEqual(before);
    // And the same command then goes through.
    expect((await execute(t.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: 1012 }))).outcome).toBe(
      "CASE_OPENED",
    );
  });

  it("returns the first result for a repeated idempotency key, and refuses the key with another body", async () => {
    const sp = servicePointFixture();
    await givenServicePoints(t.db, sp);
    const ctx = ctxAs("FO");
    const first = await execute(t.db, ctx, "moveIn", moveInRequest(sp.id), { idempotencyKey: `k-${sp.id}` });
    const again = await execute(t.db, ctx, "moveIn", moveInRequest(sp.id), { idempotencyKey: `k-${sp.id}` });
    expect(first.outcome).toBe("SUBSCRIBED");
    expect(again).toMatchObject({ outcome: "SUBSCRIBED", subscription: first.subscription, duplicate: true });
    await expect(
      execute(t.db, ctx, "moveIn", moveInRequest(sp.id, { index: 1003 }), { idempotencyKey: `k-${sp.id}` }),
    ).rejects.toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });
    const subs = await t.db.kysely
      .selectFrom("subscriptions")
      .select("id")
      .where("service_point_id", "=", sp.id)
      .execute();
    expect(subs).toHaveLength(2); // the predecessor's and the newcomer's
  });

  it("checks the role before anything else, and records who did what from which entity", async () => {
    const sp = servicePointFixture();
    await givenServicePoints(t.db, sp);
    await expect(execute(t.db, ctxAs("SUPERVISOR"), "moveIn", { nonsense: true })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const r = await execute(t.db, ctxAs("FO", undefined, "FO-VILLEURBANNE"), "moveIn", moveInRequest(sp.id));
    const entry = await t.db.kysely
      .selectFrom("audit_log")
      .selectAll()
      .where("object_id", "=", r.subscription as string)
      .where("action", "=", "subscription.created")
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor: "fo.test", role: "FO", entity: "FO-VILLEURBANNE" });
  });

  it("never holds two open subscriptions at one service point (database constraint)", async () => {
    const sp = servicePointFixture();
    await givenServicePoints(t.db, sp);
    await execute(t.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id));
    await expect(
      sql`insert into subscriptions (service_point_id, party_id, start_date, start_index, start_source, created_at, created_by, entity)
          select service_point_id, party_id, '2024-03-03', 1005, 'DECLARED', now(), 'x', 'x' from subscriptions
          where service_point_id = ${sp.id} and end_date is null`.execute(t.db.kysely),
    ).rejects.toThrow(/subscriptions_one_open/);
  });
});
