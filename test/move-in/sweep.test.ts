/**
 * R8 deadline sweep: a function of the clock, each expired case processed exactly once, even with two
 * sweepers. A claimed batch is processed set-based and writes what one case at a time writes; a batch
 * whose write fails is processed one case at a time, so one bad case never blocks the others.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Expiry, expireCase } from "../../src/move-in/expire.js";
import { evenBatch, sweepDeadlines } from "../../src/move-in/sweep.js";
import { makeConfig } from "../../src/platform/config.js";
import { SYSTEM_ACTOR } from "../../src/platform/context.js";
import { type Database, openDatabase } from "../../src/platform/db.js";
import { execute } from "../../src/registry.js";
import type { GivenServicePoint } from "../../src/scenarios/format.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

async function openGapCases(t: TestDatabase, n: number) {
  const sps = Array.from({ length: n }, () => servicePointFixture());
  await givenServicePoints(t.db, ...sps);
  for (const sp of sps) {
    const r = await execute(t.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: 1012 }));
    expect(r.outcome).toBe("CASE_OPENED");
  }
  return sps;
}

describe("evenBatch: the workers' batches evened out", () => {
  it("keeps the largest batch that gives each worker the same number of rounds", () => {
    expect(evenBatch(100_000, 2, 1000)).toBe(1000);
    expect(evenBatch(5000, 2, 1000)).toBe(834); // 6 batches, 3 per worker (not 5: 3 on one, 2 on the other)
    expect(evenBatch(8, 2, 2)).toBe(2);
    expect(evenBatch(3, 2, 1000)).toBe(2);
    expect(evenBatch(0, 2, 1000)).toBe(1000);
    expect(evenBatch(5000, 1, 1000)).toBe(1000);
    for (const workers of [2, 3, 4])
      for (const max of [1, 7, 100])
        for (let due = 1; due <= 1000; due++) {
          const b = evenBatch(due, workers, max);
          expect(b).toBeGreaterThanOrEqual(1);
          expect(b).toBeLessThanOrEqual(max);
          // No more rounds per worker than batches of `max` would need.
          expect(Math.ceil(due / b)).toBeLessThanOrEqual(workers * Math.ceil(due / (workers * max)));
        }
  });
});

describe.each(ENGINES)("deadline sweep on %s", (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("does nothing on day 15 and subscribes at the predecessor's index from day 16", async () => {
    await openGapCases(t, 3);
    const config = makeConfig();
    const day15 = await sweepDeadlines(t.db, new Date("2024-03-20T23:59:00+01:00"), config);
    // The due day: nothing expires, and each customer is reminded once (R18).
    expect(day15).toEqual({ subscribed: 0, skipped: 0, failed: [], reminded: 3 });
    const day16 = await sweepDeadlines(t.db, new Date("2024-03-21T00:00:00+01:00"), config);
    expect(day16.subscribed).toBe(3);
    const again = await sweepDeadlines(t.db, new Date("2024-03-22T00:00:00+01:00"), config);
    expect(again.subscribed).toBe(0);
    const subs = await t.db.kysely
      .selectFrom("subscriptions")
      .select(["start_date", "start_index", "start_source"])
      .where("start_source", "=", "PREDECESSOR")
      .execute();
    expect(subs).toHaveLength(3);
    expect(subs.every((s) => s.start_date === "2024-01-15" && s.start_index === 1000)).toBe(true);
    const tasks = await t.db.kysely.selectFrom("tasks").select("status").execute();
    expect(tasks.every((x) => x.status === "EXPIRED")).toBe(true);
  });

  it("claims no further batch once told to stop (the server stopping), and leaves the rest to the next sweep", async () => {
    await openGapCases(t, 5);
    const config = makeConfig();
    const now = new Date("2024-04-01T09:00:00+02:00");
    const already = new AbortController();
    already.abort();
    expect(await sweepDeadlines(t.db, now, config, { signal: already.signal })).toEqual({
      subscribed: 0,
      skipped: 0,
      failed: [],
      reminded: 0,
    });
    const stop = new AbortController();
    const first = await sweepDeadlines(t.db, now, config, {
      batchSize: 2,
      workers: 1,
      signal: stop.signal,
      onBatch: () => stop.abort(), // the stop arrives while the first batch commits
    });
    expect(first.subscribed).toBe(2);
    expect((await sweepDeadlines(t.db, now, config)).subscribed).toBe(3);
  });
});

describe.runIf(ENGINES.includes("postgres"))("two sweepers at once on PostgreSQL", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("postgres");
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("process every expired case exactly once", async () => {
    const n = 120;
    await openGapCases(t, n);
    const other = await openDatabase({ url: t.url as string, poolSize: 4 });
    try {
      const now = new Date("2024-04-01T09:00:00+02:00");
      const config = makeConfig();
      const [a, b] = await Promise.all([
        sweepDeadlines(t.db, now, config, { batchSize: 10 }),
        sweepDeadlines(other, now, config, { batchSize: 10 }),
      ]);
      expect(a.failed).toEqual([]);
      expect(b.failed).toEqual([]);
      expect(a.subscribed + b.subscribed).toBe(n);
      const k = t.db.kysely;
      const subs = await k
        .selectFrom("subscriptions")
        .select("case_id")
        .where("start_source", "=", "PREDECESSOR")
        .execute();
      expect(new Set(subs.map((s) => s.case_id)).size).toBe(n);
      expect(subs).toHaveLength(n);
      const confirmations = await k
        .selectFrom("communications")
        .select("case_id")
        .where("template", "=", "CONFIRMATION_PREDECESSOR_INDEX")
        .execute();
      expect(confirmations).toHaveLength(n);
      const comments = await k
        .selectFrom("case_comments")
        .select("case_id")
        .where("body", "like", "Délai dépassé%")
        .execute();
      expect(comments).toHaveLength(n);
    } finally {
      await other.close();
    }
  });
});

/** When the sweeps below run: every proof deadline of the worlds below has passed. */
const AT = new Date("2024-04-01T09:00:00+02:00");

/** A service point like servicePointFixture's, every id fixed by `name` (two databases built alike match). */
const place = (name: string): GivenServicePoint =>
  servicePointFixture({
    id: `PDS-${name}`,
    subscriptions: [
      {
        id: `AB-${name}`,
        tags: [],
        customer: { id: `C-${name}`, name: "Paul Durand", email: "paul@example.fr" },
        start: { date: "2019-01-01", index: 500 },
        end: { date: "2024-01-15", index: 1000 },
      },
    ],
  });

/** SQL changes that make a case impossible to process, as a corrupted row would. */
const BREAK = {
  /** No termination index: refused when decided (R8 needs the predecessor's index). */
  noTermination: sql`jsonb_set(jsonb_set(move_in, '{termination,source}', '"NONE"'), '{termination,index}', 'null')`,
  /** A negative index: refused by the database when the subscription is written. */
  negativeIndex: sql`jsonb_set(move_in, '{termination,index}', '-1')`,
};

/**
 * Expired cases of every kind the sweep meets, the same in every database it is built in. `broken`
 * adds a case whose write fails (a whole batch holding it fails).
 */
async function mixedWorld(db: Database, opts: { broken: boolean }) {
  const names = ["GAP", "LETTER", "VISIT", "SUBSCRIBED", "OPEN-OCC", "PAST-OCC", "TWO", "NONE", "BROKEN"];
  await givenServicePoints(db, ...names.map(place));
  const fo = ctxAs("FO");
  const moveIn = async (name: string, over: Record<string, unknown> = {}, ctx = fo) =>
    (await execute(db, ctx, "moveIn", moveInRequest(`PDS-${name}`, over))) as {
      case: string;
      subscription: string | null;
    };
  const setMoveIn = (caseId: string, to: ReturnType<typeof sql>) =>
    sql`update cases set move_in = ${to} where id = ${caseId}`.execute(db.kysely);
  const cases: Record<string, string> = {};
  // A gap of 12 m3: a proof is asked; none comes (R8 subscribes at the predecessor's index).
  cases.gap = (await moveIn("GAP", { index: 1012 })).case;
  // The same without an email: the confirmation goes by letter.
  cases.letter = (
    await moveIn("LETTER", { index: 1012, customer: { name: "Luc Bernard", address: "3 rue Neuve, Lyon" } })
  ).case;
  // Reconnection, a gap, no proof (R5): subscribed on expiry, the case stays open for the visit.
  cases.visit = (await moveIn("VISIT", { index: 1012, reconnection: true, proof: "NONE" })).case;
  // Subscribed at the move-in (reconnection within tolerance) with a task left open by hand: only the task closes.
  cases.subscribed = (await moveIn("SUBSCRIBED", { index: 1004, reconnection: true })).case;
  await db.kysely
    .insertInto("tasks")
    .values({
      case_id: cases.subscribed,
      kind: "AWAIT_PROOF",
      due_date: "2024-03-20",
      due_at: new Date("2024-03-21T00:00:00+01:00"),
      status: "OPEN",
      created_at: fo.now,
    })
    .execute();
  // Another occupant moved in since the termination (still there, or gone since): left to BO.
  cases.openOccupant = (await moveIn("OPEN-OCC", { index: 1012 })).case;
  await moveIn("OPEN-OCC", { index: 1003, customer: { name: "Paul Lefèvre" } });
  cases.pastOccupant = (await moveIn("PAST-OCC", { index: 1012 })).case;
  const paul = await moveIn("PAST-OCC", { index: 1003, customer: { name: "Paul Lefèvre" } });
  await execute(db, ctxAs("FO", "2024-03-12T10:00:00+01:00"), "moveOut", {
    subscription: paul.subscription,
    date: "2024-03-10",
    index: 1010,
  });
  // Two newcomers waiting at one service point (the second a day later): the first is subscribed, the
  // second finds it there and is left to BO.
  cases.twoFirst = (await moveIn("TWO", { index: 1012 })).case;
  cases.twoSecond = (
    await moveIn(
      "TWO",
      { index: 1012, customer: { name: "Marc Petit" } },
      ctxAs("FO", "2024-03-06T10:00:00+01:00"),
    )
  ).case;
  // No termination index: refused when decided; its task stays open.
  cases.none = (await moveIn("NONE", { index: 1012 })).case;
  await setMoveIn(cases.none, BREAK.noTermination);
  if (opts.broken) {
    cases.broken = (await moveIn("BROKEN", { index: 1012 })).case;
    await setMoveIn(cases.broken, BREAK.negativeIndex);
  }
  return cases;
}

/** R8 one case at a time, each in its own transaction (what a batch must equal). */
async function expireOneByOne(db: Database) {
  const ctx = { actor: SYSTEM_ACTOR, now: AT, config: makeConfig() };
  const due = await db.kysely
    .selectFrom("tasks as t")
    .innerJoin("cases as c", "c.id", "t.case_id")
    .select("c.id")
    .distinct()
    .select("t.due_at")
    .where("t.status", "=", "OPEN")
    .where("t.due_at", "<=", AT)
    .where("c.status", "=", "OPEN")
    .orderBy("t.due_at")
    .orderBy("c.id")
    .execute();
  const outcomes: Record<string, Expiry | string> = {};
  for (const { id } of due) {
    try {
      outcomes[id] = await db.kysely.transaction().execute(async (trx) => {
        const c = await trx
          .selectFrom("cases")
          .selectAll()
          .where("id", "=", id)
          .forUpdate()
          .executeTakeFirstOrThrow();
        return expireCase(trx, ctx, c);
      });
    } catch (e) {
      outcomes[id] = (e as Error).message;
    }
  }
  return outcomes;
}

/** Everything the sweep wrote at AT, ids of rows it created replaced by the case they belong to. */
async function written(db: Database) {
  const k = db.kysely;
  const subs = await k.selectFrom("subscriptions").select(["id", "case_id"]).execute();
  const msgs = await k.selectFrom("communications").select(["id", "case_id"]).execute();
  const names = new Map<string, string>([
    ...subs.map((s) => [s.id, `SUB@${s.case_id}`] as [string, string]),
    ...msgs.map((m) => [m.id, `MSG@${m.case_id}`] as [string, string]),
  ]);
  const named = (v: unknown) =>
    JSON.parse(JSON.stringify(v ?? null).replace(/(SUB|MSG)-\d+/g, (id) => names.get(id) ?? id));
  const byKey = (rows: unknown[]) =>
    rows.map(named).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return {
    subscriptions: byKey(
      await k
        .selectFrom("subscriptions")
        .select([
          "case_id",
          "service_point_id",
          "party_id",
          "start_date",
          "start_index",
          "start_source",
          "tags",
        ])
        .select(["created_by", "entity"])
        .where("created_at", "=", AT)
        .execute(),
    ),
    readings: byKey(
      await k
        .selectFrom("readings")
        .select(["service_point_id", "meter_id", "reading_date", "index_m3", "type", "status", "usage_m3"])
        .select(["expected_usage_lo", "expected_usage_hi", "expected_index_lo", "expected_index_hi"])
        .select(["suggested_index", "warnings", "recorded_by", "entity"])
        .where("recorded_at", "=", AT)
        .execute(),
    ),
    // In their order, case by case.
    comments: named(
      await k
        .selectFrom("case_comments")
        .select(["case_id", "body", "author", "entity"])
        .where("created_at", "=", AT)
        .orderBy("case_id")
        .orderBy("id")
        .execute(),
    ),
    messages: byKey(
      await k
        .selectFrom("communications")
        .select(["case_id", "template", "channel", "recipient_name", "to_address", "party_id"])
        .select(["service_point_id", "payload", "status"])
        .where("created_at", "=", AT)
        .execute(),
    ),
    tasks: byKey(
      await k.selectFrom("tasks").select(["id", "case_id", "status", "closed_at", "closed_by"]).execute(),
    ),
    cases: byKey(
      await k
        .selectFrom("cases")
        .select(["id", "status", "subscription_id", "closed_at", "closed_by"])
        .execute(),
    ),
    parties: byKey(await k.selectFrom("parties").select(["id", "role"]).execute()),
    // In their order, object by object, objects ordered by their names (ids are drawn in the order the
    // workers happen to write, which differs from one run to the next).
    audit: (
      named(
        await k
          .selectFrom("audit_log")
          .select(["action", "object_type", "object_id", "details", "actor", "role", "entity"])
          .where("at", "=", AT)
          .orderBy("id")
          .execute(),
      ) as Array<{ object_type: string; object_id: string }>
    ).sort((a, b) => {
      const [x, y] = [`${a.object_type} ${a.object_id}`, `${b.object_type} ${b.object_id}`];
      return x < y ? -1 : x > y ? 1 : 0;
    }),
  };
}

const NO_TERMINATION = /no termination index/;

describe.each(ENGINES)("a batch of expired cases on %s", (engine) => {
  let batched: TestDatabase;
  let single: TestDatabase;
  beforeAll(async () => {
    [batched, single] = await Promise.all([createTestDatabase(engine), createTestDatabase(engine)]);
  });
  afterAll(async () => {
    await Promise.all([batched?.drop(), single?.drop()]);
  });

  it("writes what one case at a time writes: rows, comments, messages, audit, refusals", async () => {
    const cases = await mixedWorld(batched.db, { broken: false });
    await mixedWorld(single.db, { broken: false });
    const r = await sweepDeadlines(batched.db, AT, makeConfig());
    const one = await expireOneByOne(single.db);

    expect(one).toEqual({
      [cases.gap as string]: "SUBSCRIBED",
      [cases.letter as string]: "SUBSCRIBED",
      [cases.visit as string]: "SUBSCRIBED",
      [cases.subscribed as string]: "SKIPPED",
      [cases.openOccupant as string]: "SKIPPED",
      [cases.pastOccupant as string]: "SKIPPED",
      [cases.twoFirst as string]: "SUBSCRIBED",
      [cases.twoSecond as string]: "SKIPPED",
      [cases.none as string]: expect.stringMatching(NO_TERMINATION),
    });
    expect(r.subscribed).toBe(4);
    expect(r.skipped).toBe(4);
    expect(r.failed).toEqual([{ task: expect.any(String), error: expect.stringMatching(NO_TERMINATION) }]);

    const [b, s] = [await written(batched.db), await written(single.db)];
    expect(b).toEqual(s);
    // And it is the right thing: four subscriptions at the predecessor's index, each confirmed once.
    expect(b.subscriptions).toHaveLength(4);
    expect(b.subscriptions.every((x: { start_index: number }) => x.start_index === 1000)).toBe(true);
    expect(b.messages.map((m: { channel: string }) => m.channel).sort()).toEqual([
      "EMAIL",
      "EMAIL",
      "EMAIL",
      "LETTER",
    ]);
    const bodies = (id: string) =>
      b.comments.filter((c: { case_id: string }) => c.case_id === id).map((c: { body: string }) => c.body);
    expect(bodies(cases.gap as string)).toEqual([
      "Délai dépassé sans justificatif reçu : abonnement mis en place avec l'index (1000 m3) et la date de résiliation (15/01/2024) du prédécesseur.",
    ]);
    expect(bodies(cases.twoSecond as string)).toEqual([
      `Délai de 15 jours dépassé, mais un autre occupant (abonnement SUB@${cases.twoFirst}) a été abonné sur ce point de desserte depuis la résiliation : abonnement non mis en place, à traiter par le back office.`,
    ]);
    expect(bodies(cases.subscribed as string)).toEqual([]);
    const status = (id: string) => b.cases.find((c: { id: string }) => c.id === id)?.status;
    expect(status(cases.visit as string)).toBe("OPEN");
    expect(status(cases.gap as string)).toBe("CLOSED");
    expect(status(cases.none as string)).toBe("OPEN");
  });

  it("falls back to one case at a time when the batch's write fails: the bad case stays open, the others are done", async () => {
    const t = await createTestDatabase(engine);
    try {
      await fallBack(t.db);
    } finally {
      await t.drop();
    }
  });
});

/** The fallback test's body, on a fresh database. */
async function fallBack(db: Database) {
  const cases = await mixedWorld(db, { broken: true });
  const r = await sweepDeadlines(db, AT, makeConfig(), { batchSize: 100 });
  expect(r.subscribed).toBe(4);
  expect(r.skipped).toBe(4);
  expect(r.failed.map((f) => f.error).sort()).toEqual([
    expect.stringMatching(NO_TERMINATION),
    expect.stringMatching(/check constraint/),
  ]);
  const k = db.kysely;
  const open = await k.selectFrom("tasks").select("case_id").where("status", "=", "OPEN").execute();
  expect(open.map((t) => t.case_id).sort()).toEqual([cases.broken, cases.none].sort());
  const subs = await k
    .selectFrom("subscriptions")
    .select("id")
    .where("case_id", "=", cases.broken as string)
    .execute();
  expect(subs).toEqual([]);
  // The failed ones stay failed at the next sweep; nothing else is left.
  const again = await sweepDeadlines(db, AT, makeConfig());
  expect(again).toMatchObject({ subscribed: 0, skipped: 0 });
  expect(again.failed).toHaveLength(2);
}

describe.each(ENGINES)(
  "two sweepers at once on %s, batches mixing cases at shared service points",
  (engine) => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await createTestDatabase(engine);
    });
    afterAll(async () => {
      await t?.drop();
    });

    it("every expired case is processed exactly once and no two subscriptions overlap", async () => {
      const n = 24;
      const sps = Array.from({ length: n / 2 }, () => servicePointFixture());
      await givenServicePoints(t.db, ...sps);
      for (const sp of sps) {
        // Two newcomers per service point: one subscribed, the other left to BO, whoever sweeps them.
        await execute(t.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: 1012 }));
        await execute(
          t.db,
          ctxAs("FO"),
          "moveIn",
          moveInRequest(sp.id, { index: 1012, customer: { name: "Marc Petit" } }),
        );
      }
      const other = engine === "postgres" ? await openDatabase({ url: t.url as string, poolSize: 4 }) : t.db;
      try {
        const [a, b] = await Promise.all([
          sweepDeadlines(t.db, AT, makeConfig(), { batchSize: 5 }),
          sweepDeadlines(other, AT, makeConfig(), { batchSize: 5 }),
        ]);
        expect([...a.failed, ...b.failed]).toEqual([]);
        expect(a.subscribed + b.subscribed).toBe(n / 2);
        expect(a.skipped + b.skipped).toBe(n / 2);
      } finally {
        if (other !== t.db) await other.close();
      }
      const k = t.db.kysely;
      const subs = await k
        .selectFrom("subscriptions")
        .select(["service_point_id", "case_id"])
        .where("start_source", "=", "PREDECESSOR")
        .execute();
      expect(new Set(subs.map((s) => s.service_point_id)).size).toBe(n / 2);
      expect(new Set(subs.map((s) => s.case_id)).size).toBe(n / 2);
      const overlaps = await sql`select x.id from subscriptions x join subscriptions y
        on x.service_point_id = y.service_point_id and x.id < y.id
      where daterange(x.start_date, x.end_date, '[)') && daterange(y.start_date, y.end_date, '[)')`.execute(
        k,
      );
      expect(overlaps.rows).toEqual([]);
      const open = await k.selectFrom("tasks").select("id").where("status", "=", "OPEN").execute();
      expect(open).toEqual([]);
      const notes = await k
        .selectFrom("case_comments")
        .select("case_id")
        .where("body", "like", "Délai de 15 jours dépassé%")
        .execute();
      expect(notes).toHaveLength(n / 2);
    });
  },
);
