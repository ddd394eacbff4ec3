/**
 * R18 in the sweep: PROOF_REMINDER once per open AWAIT_PROOF task, from its reminder day (due − 5 days
 * by default) to its due day; none after the due day, none once the case is closed or an entry proof
 * accepted, none when the proof was asked for after the reminder day; 0 days turns it off. Once under
 * two sweepers at once: the reminder's key (the task) decides, not a check before an insert.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepDeadlines } from "../../src/move-in/sweep.js";
import { makeConfig } from "../../src/platform/config.js";
import { openDatabase } from "../../src/platform/db.js";
import { execute } from "../../src/registry.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

/** A move-in beyond tolerance on 5 March 2024 (Paris): the proof is due on the 20th, the reminder day is the 15th. */
async function openGapCase(t: TestDatabase, at = "2024-03-05T10:00:00+01:00") {
  const sp = servicePointFixture();
  await givenServicePoints(t.db, sp);
  const r = await execute(t.db, ctxAs("FO", at), "moveIn", moveInRequest(sp.id, { index: 1012 }));
  expect(r.outcome).toBe("CASE_OPENED");
  return r.case as string;
}

const remindersOf = (t: TestDatabase, caseId: string) =>
  t.db.kysely
    .selectFrom("communications")
    .select(["template", "channel", "to_address", "payload"])
    .where("case_id", "=", caseId)
    .where("template", "=", "PROOF_REMINDER")
    .execute();

const paris = (day: string, time = "09:00:00") => new Date(`${day}T${time}+01:00`);

describe.each(ENGINES)("R18 reminders in the sweep on %s", (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("the day before the reminder day: none; the reminder day: one, with the case's figures; the due day: no second", async () => {
    const caseId = await openGapCase(t);
    const config = makeConfig();
    await sweepDeadlines(t.db, paris("2024-03-14", "23:59:00"), config);
    expect(await remindersOf(t, caseId)).toHaveLength(0);
    const onDay = await sweepDeadlines(t.db, paris("2024-03-15", "00:00:00"), config);
    expect(onDay.reminded).toBeGreaterThanOrEqual(1);
    const sent = await remindersOf(t, caseId);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      channel: "EMAIL",
      to_address: "jeanne@example.fr",
      payload: {
        askedOn: "2024-03-05",
        dueDate: "2024-03-20",
        gap: 12,
        termination: { date: "2024-01-15", index: 1000 },
        declared: { date: "2024-03-02", index: 1012 },
      },
    });
    await sweepDeadlines(t.db, paris("2024-03-20", "23:00:00"), config);
    expect(await remindersOf(t, caseId)).toHaveLength(1);
    const row = await t.db.kysely
      .selectFrom("proof_reminders")
      .selectAll()
      .where("case_id", "=", caseId)
      .executeTakeFirstOrThrow();
    expect(row.communication_id).not.toBeNull();
  });

  it("a first sweep on the due day still reminds; the day after the due day never does", async () => {
    const onDue = await openGapCase(t);
    const config = makeConfig();
    await sweepDeadlines(t.db, paris("2024-03-20", "22:00:00"), config);
    expect(await remindersOf(t, onDue)).toHaveLength(1);
    const late = await openGapCase(t);
    await sweepDeadlines(t.db, paris("2024-03-21", "00:00:00"), config);
    expect(await remindersOf(t, late)).toHaveLength(0);
  });

  it("none when the proof was asked for after the reminder day (asked on the 16th for a deadline 5 days away)", async () => {
    const caseId = await openGapCase(t);
    // Reminders 16 days before the deadline: the reminder day (4 March) precedes the request (5 March).
    const config = makeConfig({ proofReminderDays: 16 });
    await sweepDeadlines(t.db, paris("2024-03-15"), config);
    expect(await remindersOf(t, caseId)).toHaveLength(0);
    const asked = await openGapCase(t);
    // 15 days before: the reminder day is the day of the request, and it goes out.
    await sweepDeadlines(t.db, paris("2024-03-15"), makeConfig({ proofReminderDays: 15 }));
    expect(await remindersOf(t, asked)).toHaveLength(1);
  });

  it("none once an entry proof was accepted (the case is closed); a meter photo does not stop it", async () => {
    const proved = await openGapCase(t);
    await execute(t.db, ctxAs("BO", "2024-03-10T10:00:00+01:00"), "receiveProof", {
      case: proved,
      kind: "SALE_DEED",
      date: "2024-03-02",
      index: 1012,
    });
    const photo = await openGapCase(t);
    const r = await execute(t.db, ctxAs("BO", "2024-03-10T10:00:00+01:00"), "receiveProof", {
      case: photo,
      kind: "METER_PHOTO",
      index: 1013,
    });
    expect(r.outcome).toBe("PROOF_ACCEPTED");
    await sweepDeadlines(t.db, paris("2024-03-16"), makeConfig());
    expect(await remindersOf(t, proved)).toHaveLength(0);
    expect(await remindersOf(t, photo)).toHaveLength(1);
  });

  it("proofReminderDays 0: no reminder on any day", async () => {
    const caseId = await openGapCase(t);
    const off = makeConfig({ proofReminderDays: 0 });
    for (const day of ["2024-03-15", "2024-03-19", "2024-03-20"]) {
      expect((await sweepDeadlines(t.db, paris(day), off)).reminded).toBe(0);
    }
    expect(await remindersOf(t, caseId)).toHaveLength(0);
  });

  it("two sweepers at once: one reminder per task", async () => {
    const cases: string[] = [];
    for (let i = 0; i < 12; i++) cases.push(await openGapCase(t, "2024-03-06T10:00:00+01:00"));
    const other = engine === "postgres" ? await openDatabase({ url: t.url as string, poolSize: 4 }) : t.db;
    try {
      const at = paris("2024-03-17");
      const config = makeConfig();
      const [a, b] = await Promise.all([sweepDeadlines(t.db, at, config), sweepDeadlines(other, at, config)]);
      for (const c of cases) expect(await remindersOf(t, c)).toHaveLength(1);
      expect(a.reminded + b.reminded).toBeGreaterThanOrEqual(cases.length);
    } finally {
      if (other !== t.db) await other.close();
    }
  });
});
