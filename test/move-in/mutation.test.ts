/** R17 on both engines: a mutation is one transaction, and the API's route goes through execute(). */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execute } from "../../src/registry.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, servicePointFixture } from "../support/factories.js";

const occupied = (id: string) =>
  servicePointFixture({
    id,
    subscriptions: [
      {
        id: `AB-${id}`,
        customer: { id: `C-${id}`, name: "Julie Marchand", email: "julie@example.fr" },
        start: { date: "2021-09-01", index: 700 },
        end: null,
      },
    ],
  });

const newcomer = { name: "Omar Haddad", email: "omar@example.fr" };

describe.each(ENGINES)("R17 mutation (%s)", (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
    await givenServicePoints(t.db, occupied("PDS-M1"), occupied("PDS-M2"));
  });
  afterAll(() => t.drop());

  const k = () => t.db.kysely;

  it("ends the subscription and subscribes the newcomer at the same date and index, with a confirmation", async () => {
    const r = await execute(t.db, ctxAs("FO"), "mutation", {
      subscription: "AB-PDS-M1",
      date: "2024-03-01",
      index: 1003,
      customer: newcomer,
    });
    expect(r).toMatchObject({ outcome: "SUBSCRIBED", case: null, ended: "AB-PDS-M1", warnings: [] });
    const subs = await k()
      .selectFrom("subscriptions")
      .selectAll()
      .where("service_point_id", "=", "PDS-M1")
      .orderBy("start_date")
      .execute();
    expect(subs.map((s) => [s.id, s.start_source, s.end_date, s.end_index])).toEqual([
      ["AB-PDS-M1", "DECLARED", "2024-03-01", 1003],
      [r.subscription, "MUTATION", null, null],
    ]);
    expect(subs[1]).toMatchObject({ start_date: "2024-03-01", start_index: 1003, entity: "FO-LYON" });
    const party = await k()
      .selectFrom("parties")
      .selectAll()
      .where("id", "=", subs[1]?.party_id as string)
      .executeTakeFirstOrThrow();
    expect(party).toMatchObject({ name: "Omar Haddad", role: "SUBSCRIBER" });
    const readings = await k()
      .selectFrom("readings")
      .select(["type", "index_m3", "reading_date"])
      .where("service_point_id", "=", "PDS-M1")
      .where("reading_date", "=", "2024-03-01")
      .orderBy("id")
      .execute();
    expect(readings.map((x) => x.type)).toEqual(["MOVE_OUT", "MOVE_IN"]);
    const msg = await k()
      .selectFrom("communications")
      .selectAll()
      .where("template", "=", "CONFIRMATION_MUTATION")
      .executeTakeFirstOrThrow();
    expect(msg).toMatchObject({ channel: "EMAIL", to_address: "omar@example.fr", case_id: null });
    expect(msg.payload).toMatchObject({ subscription: { id: r.subscription, start: { index: 1003 } } });
    const audit = await k()
      .selectFrom("audit_log")
      .select("action")
      .where("object_id", "in", ["AB-PDS-M1", r.subscription as string])
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual([
      "subscription.created",
      "subscription.mutation",
      "subscription.terminated",
    ]);
  });

  it("writes nothing at all when any part fails (one transaction)", async () => {
    await sql`create function fail_mutation() returns trigger language plpgsql as $$
      begin raise exception 'mutation test failure'; end; $$`.execute(k());
    await sql`create trigger fail_mutation before insert on communications for each row
      when (new.template = 'CONFIRMATION_MUTATION') execute function fail_mutation()`.execute(k());
    try {
      const count = async (table: "readings" | "parties" | "subscriptions" | "audit_log") =>
        Number(
          (
            await k()
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<string>().as("n"))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const before = await Promise.all([
        count("readings"),
        count("parties"),
        count("subscriptions"),
        count("audit_log"),
      ]);
      await expect(
        execute(t.db, ctxAs("FO"), "mutation", {
          subscription: "AB-PDS-M2",
          date: "2024-03-01",
          index: 1003,
          customer: newcomer,
        }),
      ).rejects.toThrow(/mutation test failure/);
      const after = await Promise.all([
        count("readings"),
        count("parties"),
        count("subscriptions"),
        count("audit_log"),
      ]);
      expect(after).toEqual(before);
      const ab = await k()
        .selectFrom("subscriptions")
        .selectAll()
        .where("id", "=", "AB-PDS-M2")
        .executeTakeFirstOrThrow();
      expect(ab.end_date).toBeNull();
    } finally {
      await sql`drop trigger fail_mutation on communications`.execute(k());
      await sql`drop function fail_mutation()`.execute(k());
    }
  });

  it("is refused on an ended subscription, before its start, in the future, with a decimal", async () => {
    const code = (input: Record<string, unknown>) =>
      execute(t.db, ctxAs("BO"), "mutation", {
        subscription: "AB-PDS-M2",
        date: "2024-03-01",
        index: 1003,
        customer: newcomer,
        ...input,
      }).then(
        () => "OK",
        (e) => e.code,
      );
    expect(await code({ date: "2021-08-31" })).toBe("DATE_BEFORE_START");
    expect(await code({ date: "2024-03-06" })).toBe("DATE_IN_FUTURE");
    expect(await code({ index: "1003,5" })).toBe("INDEX_NOT_M3");
    expect(await code({ subscription: "AB-PDS-M1" })).toBe("SUBSCRIPTION_ENDED");
    expect(await code({})).toBe("OK");
  });
});
