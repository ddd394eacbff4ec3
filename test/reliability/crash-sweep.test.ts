/**
 * Promise 2 (sweep) — a sweeper process killed with SIGKILL at random moments: afterwards every
 * expired deadline has been processed exactly once (one subscription, one confirmation, one
 * comment per case), every task on its reminder day reminded exactly once (R18: one PROOF_REMINDER,
 * one reminder row), and nothing is half-written.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepDeadlines } from "../../src/move-in/sweep.js";
import { makeConfig } from "../../src/platform/config.js";
import { execute } from "../../src/registry.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";
import { runAndKill } from "./crash.js";
import { brokenInvariants, prng, recordFigures, SEED, scale } from "./support.js";

const KILLS = scale(5, 20);
const CASES_PER_ROUND = scale(8, 15);
const AT = "2024-04-01T09:00:00+02:00";
/** A move-in asked for then is due on 4 April, reminded from 30 March: at AT, a reminder is due. */
const REMIND_ASKED = "2024-03-20T10:00:00+01:00";
const REMINDED_PER_ROUND = scale(3, 6);
/** Kills land within this many milliseconds of their mark: the sweeper's start, or its first commit. */
const KILL_WINDOW_MS = 40;

describe.runIf(ENGINES.includes("postgres"))("a sweeper killed with SIGKILL (PostgreSQL)", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("postgres", 4);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it(`${KILLS} kills at random moments: every deadline processed exactly once`, async () => {
    const rand = prng(SEED);
    const outcomes: Array<{
      killed: boolean;
      mark: string;
      afterMs: number;
      processed: number;
      leftOpen: number;
    }> = [];
    const caseIds: string[] = [];
    const remindedIds: string[] = [];
    const k = t.db.kysely;
    const tasksIn = async (status: "OPEN" | "EXPIRED") =>
      Number(
        (
          await k
            .selectFrom("tasks")
            .select(k.fn.countAll<number>().as("n"))
            .where("status", "=", status)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const remindedCount = async () =>
      Number(
        (
          await k
            .selectFrom("proof_reminders")
            .select(k.fn.countAll<number>().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    for (let round = 0; round < KILLS; round++) {
      const sps = Array.from({ length: CASES_PER_ROUND }, () => servicePointFixture());
      await givenServicePoints(t.db, ...sps);
      for (const sp of sps) {
        const r = await execute(t.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: 1012 }));
        caseIds.push(r.case as string);
      }
      const toRemind = Array.from({ length: REMINDED_PER_ROUND }, () => servicePointFixture());
      await givenServicePoints(t.db, ...toRemind);
      for (const sp of toRemind) {
        const r = await execute(
          t.db,
          ctxAs("FO", REMIND_ASKED),
          "moveIn",
          moveInRequest(sp.id, { index: 1012 }),
        );
        remindedIds.push(r.case as string);
      }
      const doneBefore = await tasksIn("EXPIRED");
      // Kill up to 40 ms after the start (before the first claim or mid-batch) or, every other round,
      // after the first batch committed (between batches, mid-batch, or after): tied to the sweeper's
      // progress, not to the clock, so kills land in the work however fast the machine is.
      const delay = Math.floor(rand() * KILL_WINDOW_MS);
      const mark = round % 2 === 0 ? { line: "READY", nth: 0 } : { line: "BATCH", nth: 1 };
      const o = await runAndKill("sweep-child.ts", [t.url as string, AT], delay, {}, mark);
      outcomes.push({
        killed: o.killed,
        mark: mark.line,
        afterMs: o.afterMs,
        processed: (await tasksIn("EXPIRED")) - doneBefore,
        leftOpen: (await tasksIn("OPEN")) - (await remindedCount()),
      });
      // Whatever the moment, what was committed is whole.
      expect(await brokenInvariants(t.db)).toEqual({});
    }
    // The next sweep finishes the work the killed ones left.
    const last = await sweepDeadlines(t.db, new Date(AT), makeConfig());
    expect(last.failed).toEqual([]);

    const subs = await k
      .selectFrom("subscriptions")
      .select(["case_id", "start_source"])
      .where("case_id", "in", caseIds)
      .execute();
    expect(subs).toHaveLength(caseIds.length);
    expect(new Set(subs.map((s) => s.case_id)).size).toBe(caseIds.length);
    expect(subs.every((s) => s.start_source === "PREDECESSOR")).toBe(true);
    const messages = await k
      .selectFrom("communications")
      .select("case_id")
      .where("template", "=", "CONFIRMATION_PREDECESSOR_INDEX")
      .execute();
    expect(messages).toHaveLength(caseIds.length);
    const comments = await k
      .selectFrom("case_comments")
      .select("case_id")
      .where("body", "like", "Délai dépassé%")
      .execute();
    expect(comments).toHaveLength(caseIds.length);
    const open = await k
      .selectFrom("tasks")
      .select("case_id")
      .where("status", "=", "OPEN")
      .where("case_id", "not in", remindedIds)
      .execute();
    expect(open).toEqual([]);
    // R18: each task on its reminder day reminded once, whatever the kills; none of the expired ones.
    const reminders = await k
      .selectFrom("communications")
      .select("case_id")
      .where("template", "=", "PROOF_REMINDER")
      .execute();
    expect(reminders.map((m) => m.case_id).sort()).toEqual([...remindedIds].sort());
    const rows = await k.selectFrom("proof_reminders").select(["case_id", "communication_id"]).execute();
    expect(rows).toHaveLength(remindedIds.length);
    expect(rows.every((r) => r.communication_id !== null)).toBe(true);
    expect(await brokenInvariants(t.db)).toEqual({});

    const killedMidway = outcomes.filter((o) => o.killed && o.leftOpen > 0);
    // The seed must put at least one kill in the middle of the work, or the test proves little.
    expect(killedMidway.length, JSON.stringify(outcomes)).toBeGreaterThan(0);
    recordFigures("crash-sweep", {
      kills: KILLS,
      casesPerRound: CASES_PER_ROUND,
      killedBeforeFinishing: killedMidway.length,
      cases: caseIds.length,
      reminded: remindedIds.length,
      outcomes,
    });
  });
});
