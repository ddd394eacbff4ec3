/**
 * Promise 1 — concurrency on the machine's PostgreSQL: many move-ins, proofs and sweeps at once on
 * one service point, from separate connection pools. Never two open subscriptions, never two
 * open move-in cases for one move-in, every loser gets a 409 or the first result.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepDeadlines } from "../../src/move-in/sweep.js";
import { makeConfig } from "../../src/platform/config.js";
import { type Database, openDatabase } from "../../src/platform/db.js";
import { HTTP_STATUS } from "../../src/platform/errors.js";
import { type CommandResult, execute } from "../../src/registry.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";
import { brokenInvariants, recordFigures, SOAK, scale, settle } from "./support.js";

const N = 50;
const ROUNDS = scale(1, 5);
const NOW = "2024-04-01T09:00:00+02:00";

describe.runIf(ENGINES.includes("postgres"))("50 parallel commands on one service point (PostgreSQL)", () => {
  let t: TestDatabase;
  const pools: Database[] = [];
  /** Round-robin over three independent pools: the commands really race on separate connections. */
  const on = (i: number) => pools[i % pools.length] as Database;
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    t = await createTestDatabase("postgres", 10);
    pools.push(t.db);
    for (let i = 0; i < 2; i++) pools.push(await openDatabase({ url: t.url as string, poolSize: 8 }));
  });
  afterAll(async () => {
    for (const p of pools.slice(1)) await p.close();
    await t?.drop();
    recordFigures("concurrency", figures);
  });

  const openSubs = async (sp: string) =>
    t.db.kysely
      .selectFrom("subscriptions")
      .select("id")
      .where("service_point_id", "=", sp)
      .where("end_date", "is", null)
      .execute();

  it("50 different newcomers: one subscribed, 49 told 409, one party written", async () => {
    const started = Date.now();
    for (let round = 0; round < ROUNDS; round++) {
      const sp = servicePointFixture();
      await givenServicePoints(t.db, sp);
      const partiesBefore = await t.db.kysely.selectFrom("parties").select("id").execute();
      const { ok, refused, other } = await settle(
        Array.from({ length: N }, (_, i) =>
          execute(
            on(i),
            ctxAs("FO", NOW),
            "moveIn",
            moveInRequest(sp.id, { customer: { name: `Nouvel Occupant ${i}`, email: `n${i}@example.fr` } }),
          ),
        ),
      );
      expect(other).toEqual([]);
      expect(ok).toHaveLength(1);
      expect(ok[0]).toMatchObject({ outcome: "SUBSCRIBED" });
      expect(refused).toHaveLength(N - 1);
      for (const e of refused) {
        expect(["PREDECESSOR_NOT_TERMINATED", "CONFLICT"]).toContain(e.code);
        expect(HTTP_STATUS[e.code]).toBe(409);
      }
      expect(await openSubs(sp.id)).toHaveLength(1);
      const partiesAfter = await t.db.kysely.selectFrom("parties").select("id").execute();
      expect(partiesAfter.length - partiesBefore.length).toBe(1);
    }
    figures.newcomers = { rounds: ROUNDS, commandsPerRound: N, ms: Date.now() - started };
  });

  it("50 copies of one move-in (with a gap), half with one idempotency key: one case, all get its id", async () => {
    const started = Date.now();
    for (let round = 0; round < ROUNDS; round++) {
      const sp = servicePointFixture();
      await givenServicePoints(t.db, sp);
      const req = moveInRequest(sp.id, { index: 1012 });
      const { ok, refused, other } = await settle(
        Array.from({ length: N }, (_, i) =>
          execute(on(i), ctxAs("FO", NOW), "moveIn", req, {
            idempotencyKey: i % 2 === 0 ? `dup-${sp.id}` : undefined,
          }),
        ),
      );
      expect(other).toEqual([]);
      // A loser either gets the first result (duplicate) or a clear 409 to retry.
      for (const e of refused) expect(e.code).toBe("CONFLICT");
      const caseIds = new Set(ok.map((r) => r.case));
      expect(caseIds.size).toBe(1);
      expect(ok.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(ok.every((r) => r.outcome === "CASE_OPENED")).toBe(true);
      const cases = await t.db.kysely
        .selectFrom("cases")
        .select("id")
        .where("service_point_id", "=", sp.id)
        .execute();
      expect(cases).toHaveLength(1);
      const requests = await t.db.kysely
        .selectFrom("communications")
        .select("id")
        .where("service_point_id", "=", sp.id)
        .execute();
      expect(requests).toHaveLength(1);
    }
    figures.duplicates = { rounds: ROUNDS, commandsPerRound: N, ms: Date.now() - started };
  });

  it("proofs, sweeps, duplicates and other newcomers all at once: one subscription, coded losers only", async () => {
    const started = Date.now();
    const tally: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const sp = servicePointFixture();
      await givenServicePoints(t.db, sp);
      // Jeanne moved in on 2 March with a 12 m3 gap: a case waits for her proof until 17 March.
      const opened = await execute(t.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: 1012 }));
      expect(opened.outcome).toBe("CASE_OPENED");
      const caseId = opened.case as string;
      const config = makeConfig();
      type Done =
        | { sweep: Awaited<ReturnType<typeof sweepDeadlines>>; result?: undefined }
        | { result: CommandResult; sweep?: undefined };
      type Op = () => Promise<Done>;
      const cmd = (p: Promise<CommandResult>): Promise<Done> => p.then((result) => ({ result }));
      const ops: Op[] = [];
      for (let i = 0; i < N; i++) {
        const db = on(i);
        const kind = i % 5;
        if (kind === 0)
          ops.push(async () => ({
            sweep: await sweepDeadlines(db, new Date(NOW), config, { batchSize: 5 }),
          }));
        else if (kind === 1 || kind === 2)
          ops.push(() =>
            cmd(
              execute(db, ctxAs("BO", NOW), "receiveProof", {
                case: caseId,
                kind: "ENTRY_INVENTORY",
                date: "2024-02-20",
                index: 1010,
              }),
            ),
          );
        else if (kind === 3)
          ops.push(() => cmd(execute(db, ctxAs("FO", NOW), "moveIn", moveInRequest(sp.id, { index: 1012 }))));
        else
          ops.push(() =>
            cmd(
              execute(
                db,
                ctxAs("FO", NOW),
                "moveIn",
                moveInRequest(sp.id, { customer: { name: `Autre ${i}` }, index: 1003 }),
              ),
            ),
          );
      }
      // Shuffle deterministically so that the kinds interleave differently each round.
      const order = ops
        .map((op, i) => ({ op, k: (i * 7919 + round * 104729) % 1009 }))
        .sort((a, b) => a.k - b.k);
      const { ok, refused, other } = await settle(order.map(({ op }) => op()));
      expect(other).toEqual([]);
      for (const e of refused) {
        expect(HTTP_STATUS[e.code]).toBe(409);
        tally[e.code] = (tally[e.code] ?? 0) + 1;
      }
      for (const r of ok) {
        if (r.sweep) {
          // A sweeper that lost a race reports the task as failed; it stays open for the next sweep.
          for (const f of r.sweep.failed)
            expect(f.error).toMatch(/duplicate key|could not serialize|deadlock/);
          tally.sweepFailedRetried = (tally.sweepFailedRetried ?? 0) + r.sweep.failed.length;
        } else tally[r.result.outcome] = (tally[r.result.outcome] ?? 0) + 1;
      }
      expect(await openSubs(sp.id)).toHaveLength(1);
      // Nothing left behind: a last sweep settles the retried tasks; no open task is overdue after it.
      await sweepDeadlines(t.db, new Date(NOW), config);
      const overdue = await t.db.kysely
        .selectFrom("tasks")
        .select("id")
        .where("case_id", "=", caseId)
        .where("status", "=", "OPEN")
        .execute();
      expect(overdue).toEqual([]);
      const subsOfCase = await t.db.kysely
        .selectFrom("subscriptions")
        .select("id")
        .where("case_id", "=", caseId)
        .execute();
      expect(subsOfCase.length).toBeLessThanOrEqual(1);
    }
    expect(await brokenInvariants(t.db)).toEqual({});
    figures.mixed = { rounds: ROUNDS, commandsPerRound: N, outcomes: tally, ms: Date.now() - started };
  });

  it("sweepers at once on the reminder day, from three pools: one PROOF_REMINDER per open task (R18)", async () => {
    const started = Date.now();
    const cases: string[] = [];
    for (let i = 0; i < 20; i++) {
      const sp = servicePointFixture();
      await givenServicePoints(t.db, sp);
      // Asked for on 25 March: due on 9 April, reminded from the 4th.
      const r = await execute(
        t.db,
        ctxAs("FO", "2024-03-25T10:00:00+01:00"),
        "moveIn",
        moveInRequest(sp.id, { index: 1012 }),
      );
      cases.push(r.case as string);
    }
    const at = new Date("2024-04-05T09:00:00+02:00");
    const config = makeConfig();
    const sweeps = await Promise.all(
      Array.from({ length: 6 }, (_, i) => sweepDeadlines(on(i), at, config, { batchSize: 3 })),
    );
    const sent = await t.db.kysely
      .selectFrom("communications")
      .select("case_id")
      .where("template", "=", "PROOF_REMINDER")
      .where("case_id", "in", cases)
      .execute();
    expect(sent).toHaveLength(cases.length);
    expect(new Set(sent.map((m) => m.case_id)).size).toBe(cases.length);
    expect(sweeps.reduce((n, r) => n + r.reminded, 0)).toBeGreaterThanOrEqual(cases.length);
    // The key itself refuses a second reminder of a task, whoever writes it.
    const one = await t.db.kysely
      .selectFrom("proof_reminders")
      .selectAll()
      .limit(1)
      .executeTakeFirstOrThrow();
    await expect(
      t.db.kysely
        .insertInto("proof_reminders")
        .values({ task_id: one.task_id, case_id: one.case_id, communication_id: null, sent_at: at })
        .execute(),
    ).rejects.toThrow(/duplicate key/);
    figures.reminders = { sweepers: sweeps.length, tasks: cases.length, ms: Date.now() - started };
  });

  it.runIf(SOAK)("soak: the invariants still hold after every round", async () => {
    expect(await brokenInvariants(t.db)).toEqual({});
  });
});
