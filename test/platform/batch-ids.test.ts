/**
 * Issue 15, point 3: a batch insert puts each returned id back on its own input row by the ordinal the
 * row carried, never by the position RETURNING gives it. Here every result set comes back reversed (a
 * Kysely plugin), which PostgreSQL is free to do: mapping by position would give each row another's id.
 * On PGlite and on the PostgreSQL server.
 */
import type { KyselyPlugin, Transaction } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addComments, addTasks, openCase } from "../../src/cases/store.js";
import { enqueue } from "../../src/communications/outbox.js";
import { proofDeadline } from "../../src/move-in/rules/deadline.js";
import { insertSubscriptions } from "../../src/move-in/store.js";
import { byOrdinal } from "../../src/platform/batch.js";
import type { DB } from "../../src/platform/schema.js";
import { appendReadings } from "../../src/readings/store.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, servicePointFixture } from "../support/factories.js";

/** Every result set in reverse order. */
const reversed: KyselyPlugin = {
  transformQuery: (a) => a.node,
  transformResult: async (a) => ({ ...a.result, rows: [...a.result.rows].reverse() }),
};

describe("byOrdinal", () => {
  it("puts rows at the place their ordinal names, whatever order they come in", () => {
    expect(
      byOrdinal(
        [
          { i: 2, id: "c" },
          { i: 0, id: "a" },
          { i: "1", id: "b" },
        ],
        3,
      ).map((r) => r.id),
    ).toEqual(["a", "b", "c"]);
  });
  it("throws when a row is missing", () => {
    expect(() => byOrdinal([{ i: 0, id: "a" }], 2)).toThrow(/ordinal 1/);
  });
});

describe.each(ENGINES)("batch inserts on %s match ids by ordinal", (engine) => {
  let t: TestDatabase;
  const sps = [servicePointFixture(), servicePointFixture(), servicePointFixture()];
  const ctx = ctxAs("BO");
  beforeAll(async () => {
    t = await createTestDatabase(engine);
    await givenServicePoints(t.db, ...sps);
  });
  afterAll(async () => {
    await t?.drop();
  });

  /** Runs `f` in a transaction (committed) whose result rows all come back reversed. */
  const inReverse = <T>(f: (trx: Transaction<DB>) => Promise<T>) =>
    t.db.kysely.transaction().execute((trx) => f(trx.withPlugin(reversed)));

  it("readings", async () => {
    const input = sps.map((sp, k) => ({
      servicePointId: sp.id,
      meterId: null,
      date: "2024-02-01",
      index: 1010 + k,
      type: "NORMAL" as const,
    }));
    const out = await inReverse((trx) => appendReadings(trx, ctx, input));
    const rows = await t.db.kysely
      .selectFrom("readings")
      .select(["id", "service_point_id", "index_m3"])
      .where(
        "id",
        "in",
        out.map((r) => r.id),
      )
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    input.forEach((r, k) => {
      const row = byId.get(out[k]?.id as string);
      expect(row?.service_point_id).toBe(r.servicePointId);
      expect(Number(row?.index_m3)).toBe(r.index);
    });
  });

  it("subscriptions, their MOVE_IN readings, tasks and outbox messages", async () => {
    const parties = sps.map((sp) => sp.subscriptions?.[0]?.customer.id as string);
    const subs = sps.map((sp, k) => ({
      servicePointId: sp.id,
      meterId: null,
      partyId: parties[k] as string,
      caseId: null,
      date: "2024-03-01",
      index: 1020 + k,
      source: "DECLARED" as const,
    }));
    const { out, tasks, messages, cases } = await inReverse(async (trx) => {
      const out = await insertSubscriptions(trx, ctx, subs);
      const cases: string[] = [];
      for (const [k, sp] of sps.entries())
        cases.push(
          await openCase(trx, ctx, {
            type: "ARR_SPECIAL",
            servicePointId: sp.id,
            partyId: parties[k] as string,
            moveIn: null,
          } as Parameters<typeof openCase>[2]),
        );
      const d = proofDeadline(ctx.now, 15, ctx.config.timeZone);
      const tasks = await addTasks(
        trx,
        ctx,
        cases.map((caseId, k) => ({
          caseId,
          kind: k === 1 ? "SUBSCRIBE_AT_PREDECESSOR" : "AWAIT_PROOF",
          deadline: d,
        })),
      );
      await addComments(
        trx,
        ctx,
        cases.map((caseId) => ({ caseId, body: `note ${caseId}` })),
      );
      const messages = await enqueue(
        trx,
        ctx,
        sps.map((sp, k) => ({
          template: "PROOF_REQUEST" as const,
          to: { id: parties[k] as string, name: `N${k}`, email: `n${k}@example.fr`, postal_address: null },
          facts: {
            servicePoint: { id: sp.id, address: sp.address },
            meterSerial: null,
            caseId: cases[k] as string,
          },
        })),
      );
      return { out, tasks, messages, cases };
    });
    const k = t.db.kysely;
    for (const [n, s] of subs.entries()) {
      const sub = await k
        .selectFrom("subscriptions")
        .selectAll()
        .where("id", "=", out[n]?.id as string)
        .executeTakeFirstOrThrow();
      expect([sub.service_point_id, Number(sub.start_index)]).toEqual([s.servicePointId, s.index]);
      const reading = await k
        .selectFrom("readings")
        .selectAll()
        .where("id", "=", out[n]?.readingId as string)
        .executeTakeFirstOrThrow();
      expect([reading.service_point_id, reading.type, Number(reading.index_m3)]).toEqual([
        s.servicePointId,
        "MOVE_IN",
        s.index,
      ]);
      const task = await k
        .selectFrom("tasks")
        .selectAll()
        .where("id", "=", tasks[n] as string)
        .executeTakeFirstOrThrow();
      expect([task.case_id, task.kind]).toEqual([
        cases[n],
        n === 1 ? "SUBSCRIBE_AT_PREDECESSOR" : "AWAIT_PROOF",
      ]);
      const message = await k
        .selectFrom("communications")
        .selectAll()
        .where("id", "=", messages[n] as string)
        .executeTakeFirstOrThrow();
      expect([message.case_id, message.recipient_name]).toEqual([cases[n], `N${n}`]);
    }
    // The audit entries name each object with its own row's facts.
    const audited = await k
      .selectFrom("audit_log")
      .select(["object_id", "details"])
      .where("action", "in", ["subscription.created", "task.created"])
      .where("object_id", "in", [...out.map((o) => o.id), ...tasks])
      .execute();
    for (const [n, s] of subs.entries()) {
      const a = audited.find((x) => x.object_id === out[n]?.id);
      expect((a?.details as { start?: { index: number } } | undefined)?.start?.index).toBe(s.index);
      const at = audited.find((x) => x.object_id === tasks[n]);
      expect((at?.details as { case?: string } | undefined)?.case).toBe(cases[n]);
    }
  });
});
