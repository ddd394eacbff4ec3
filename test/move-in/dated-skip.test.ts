/**
 * Migration 930: the move-in facts read the readings of the termination's dates (`ecart_readings_on`) only
 * when the meters' summaries say they can change the decision (`datedReadingsMatter`, a second statement then).
 * The decision — the termination (`terminationFrom`, and `terminationOf`) and its SUSPECT warning
 * (`statusOfReading`) — must be the one the readings themselves give, read always: checked on named
 * worlds (the boundaries of the skip) and on seeded random ones, on PGlite and on the PostgreSQL server.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// mulberry32, seeded: a failure replays.
import { prng as random } from "../../src/demo/generate.js";
import { statusOfReading, terminationFrom } from "../../src/move-in/rules/termination.js";
import { loadMoveInFacts, terminationOf } from "../../src/move-in/store.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";

const END = "2024-01-15";
const DAY_AFTER = "2024-01-16";
const MOVE_IN = "2024-03-02";

interface WorldMeter {
  serial: string;
  installedOn?: string | null;
  removedOn?: string | null;
  startIndex?: number;
}
interface WorldReading {
  /** The serial of its meter; null: no meter. */
  meter: string | null;
  date: string;
  index: number;
  type?: string;
  status?: "VALID" | "SUSPECT";
  /** Replaced afterwards by a reading of this status, same meter, date and index. */
  correctedAs?: "VALID" | "SUSPECT";
  confirmed?: boolean;
}
interface World {
  meters: WorldMeter[];
  /** The predecessor's end (none: no ended subscription). */
  end?: { date: string; index: number } | null;
  readings: WorldReading[];
}

/** The decision the facts give: the termination and whether its reading is SUSPECT now. */
interface Decision {
  termination: ReturnType<typeof terminationFrom>;
  suspect: boolean;
}

describe.each(ENGINES)("the move-in facts skip the termination's dates (%s)", (engine) => {
  let t: TestDatabase;
  let seq = 0;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  /** A service point holding the world, written as raw rows (statuses as given, no plausibility). */
  async function given(w: World): Promise<string> {
    const db = t.db.kysely;
    const sp = `PDS-K${++seq}`;
    await sql`insert into service_points (id, address) values (${sp}, 'rue')`.execute(db);
    const ids = new Map<string, number>();
    for (const m of w.meters) {
      const r = await sql<{
        id: number;
      }>`insert into meters (service_point_id, serial, start_index, installed_on,
                                                                removed_on)
        values (${sp}, ${m.serial}, ${m.startIndex ?? 0}, ${m.installedOn ?? null}::date, ${m.removedOn ?? null}::date)
        returning id`.execute(db);
      ids.set(m.serial, Number(r.rows[0]?.id));
    }
    if (w.end) {
      await sql`insert into parties (id, name, role, created_at) values (${`P-${sp}`}, 'Paul', 'SUBSCRIBER', now())`.execute(
        db,
      );
      await sql`insert into subscriptions (service_point_id, party_id, start_date, start_index, start_source,
                                           end_date, end_index, created_at, created_by, entity)
        values (${sp}, ${`P-${sp}`}, '2019-01-01', 0, 'DECLARED', ${w.end.date}::date, ${w.end.index}, now(),
                'test', 'TEST')`.execute(db);
    }
    for (const r of w.readings) {
      const meter = r.meter === null ? null : (ids.get(r.meter) ?? null);
      const ins = await sql<{
        id: string;
      }>`insert into readings (service_point_id, meter_id, reading_date, index_m3,
                                                                 type, status, recorded_at, recorded_by, entity)
        values (${sp}, ${meter}, ${r.date}::date, ${r.index}, ${r.type ?? "NORMAL"}, ${r.status ?? "VALID"}, now(),
                'test', 'TEST') returning id`.execute(db);
      const id = ins.rows[0]?.id as string;
      if (r.confirmed)
        await sql`insert into reading_confirmations values (${id}, 'fuite', now(), 'bo', 'BO')`.execute(db);
      if (r.correctedAs)
        await sql`insert into readings (service_point_id, meter_id, reading_date, index_m3, type, status,
                                        replaces_id, reason, recorded_at, recorded_by, entity)
          values (${sp}, ${meter}, ${r.date}::date, ${r.index}, 'CUSTOMER', ${r.correctedAs}, ${id}, 'correction',
                  now(), 'bo', 'BO')`.execute(db);
    }
    return sp;
  }

  /**
   * The decision with the skip (the facts as the check reads them, and `terminationOf`) and without it
   * (the readings of the same dates read always, as before migration 930), and whether the readings were
   * skipped.
   */
  async function decide(sp: string): Promise<{ skip: Decision; always: Decision; skipped: boolean }> {
    const facts = await loadMoveInFacts(t.db, sp, MOVE_IN);
    const termination = terminationFrom(facts.termination);
    const direct = await t.db.kysely.transaction().execute((trx) => terminationOf(trx, sp));
    expect(direct).toEqual(termination);
    const skip = {
      termination,
      suspect: termination ? statusOfReading(facts.datedReadings, termination) === "SUSPECT" : false,
    };

    const f = facts.termination;
    const r = await sql<{
      dated: Array<{ date: string; index: number; status: string; meter_id: number | null; type: string }>;
    }>`select ecart_readings_on(${sp}, ${f.predecessor?.end_date ?? null}::date, ${f.meter?.installed_on ?? null}::date,
                                ${f.lastValid?.date ?? null}::date) as dated`.execute(t.db.kysely);
    const dated = r.rows[0]?.dated ?? [];
    // As `terminationFactsOf` reads the move-out reading's meter.
    const moveOut = dated.find((x) => x.type === "MOVE_OUT" && x.date === f.predecessor?.end_date);
    const moveOutMeterId =
      moveOut?.meter_id === null || moveOut === undefined ? null : Number(moveOut.meter_id);
    const full = terminationFrom({ ...f, moveOutMeterId });
    const always = { termination: full, suspect: full ? statusOfReading(dated, full) === "SUSPECT" : false };
    return { skip, always, skipped: facts.datedReadings.length === 0 && dated.length > 0 };
  }

  const meterA = { serial: "A" };
  const moveOut = (meter: string | null, over: Partial<WorldReading> = {}): WorldReading => ({
    meter,
    date: END,
    index: 1000,
    type: "MOVE_OUT",
    ...over,
  });
  const older = (meter: string | null, over: Partial<WorldReading> = {}): WorldReading => ({
    meter,
    date: "2023-06-01",
    index: 950,
    ...over,
  });
  const end = { date: END, index: 1000 };

  const named: Array<[string, World, { skipped: boolean; index?: number; suspect?: boolean }]> = [
    [
      "a meter with no installation date, all VALID",
      { meters: [meterA], end, readings: [older("A"), moveOut("A")] },
      { skipped: true, index: 1000 },
    ],
    [
      "a meter installed on the end date (installed_on = end_date), no other meter's reading",
      {
        meters: [{ serial: "A", installedOn: END, startIndex: 3 }],
        end,
        readings: [older("A"), moveOut("A")],
      },
      { skipped: true, index: 1000 },
    ],
    [
      "a meter installed the day after the end date (installed_on = end_date + 1), move-out on it",
      { meters: [{ serial: "A", installedOn: DAY_AFTER, startIndex: 3 }], end, readings: [moveOut("A")] },
      { skipped: false, index: 1000 },
    ],
    [
      "a meter installed the day after the end date (installed_on = end_date + 1), move-out without meter",
      { meters: [{ serial: "A", installedOn: DAY_AFTER, startIndex: 3 }], end, readings: [moveOut(null)] },
      { skipped: false, index: 3 },
    ],
    [
      "a meter installed on the end date (installed_on = end_date), move-out without meter",
      {
        meters: [{ serial: "A", installedOn: END, startIndex: 3 }],
        end,
        readings: [older(null), moveOut(null)],
      },
      { skipped: true, index: 1000 },
    ],
    [
      "a meter replaced before the end date, the move-out read on the removed one",
      {
        meters: [
          { serial: "OLD", removedOn: "2023-12-01" },
          { serial: "NEW", installedOn: "2023-12-01", startIndex: 7 },
        ],
        end,
        readings: [older("OLD"), moveOut("OLD")],
      },
      { skipped: false, index: 7 },
    ],
    [
      "a meter replaced before the end date, the move-out read on the new one",
      {
        meters: [
          { serial: "OLD", removedOn: "2023-12-01" },
          { serial: "NEW", installedOn: "2023-12-01", startIndex: 7 },
        ],
        end,
        readings: [older("OLD"), moveOut("NEW")],
      },
      { skipped: false, index: 1000 },
    ],
    [
      "a meter replaced after the end date, the move-out read on the removed one",
      {
        meters: [
          { serial: "OLD", removedOn: "2024-02-01" },
          { serial: "NEW", installedOn: "2024-02-01", startIndex: 7 },
        ],
        end,
        readings: [older("OLD"), moveOut("OLD")],
      },
      { skipped: false, index: 7 },
    ],
    [
      "the termination's reading SUSPECT",
      { meters: [meterA], end, readings: [older("A"), moveOut("A", { status: "SUSPECT" })] },
      { skipped: false, index: 1000, suspect: true },
    ],
    [
      "the termination's reading SUSPECT, confirmed",
      { meters: [meterA], end, readings: [older("A"), moveOut("A", { status: "SUSPECT", confirmed: true })] },
      { skipped: true, index: 1000, suspect: false },
    ],
    [
      "the termination's reading SUSPECT, replaced by a VALID one",
      {
        meters: [meterA],
        end,
        readings: [older("A"), moveOut("A", { status: "SUSPECT", correctedAs: "VALID" })],
      },
      { skipped: true, index: 1000, suspect: false },
    ],
    [
      "the termination's reading replaced by a SUSPECT one",
      { meters: [meterA], end, readings: [older("A"), moveOut("A", { correctedAs: "SUSPECT" })] },
      { skipped: false, index: 1000, suspect: true },
    ],
    [
      "a SUSPECT reading on another date only",
      { meters: [meterA], end, readings: [older("A", { status: "SUSPECT" }), moveOut("A")] },
      { skipped: false, index: 1000, suspect: false },
    ],
    [
      "no predecessor: the last VALID reading, a newer SUSPECT one of the same date and index",
      { meters: [meterA], readings: [older("A"), older("A", { status: "SUSPECT" })] },
      { skipped: false, index: 950, suspect: true },
    ],
    [
      "no meter, readings without one",
      { meters: [], end, readings: [older(null), moveOut(null)] },
      { skipped: true, index: 1000 },
    ],
  ];

  it.each(named)("decide as reading the readings always: %s", async (_name, world, expected) => {
    const sp = await given(world);
    const { skip, always, skipped } = await decide(sp);
    expect(skip).toEqual(always);
    expect(skipped).toBe(expected.skipped);
    if (expected.index !== undefined) expect(skip.termination?.index).toBe(expected.index);
    if (expected.suspect !== undefined) expect(skip.suspect).toBe(expected.suspect);
  });

  it("decide as reading the readings always, on random worlds", async () => {
    const rnd = random(930);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const days = ["2023-06-01", "2023-12-01", "2024-01-14", END, DAY_AFTER, "2024-02-01"];
    let skips = 0;
    let reads = 0;
    for (let i = 0; i < 40; i++) {
      const meters: WorldMeter[] = [];
      const n = pick([0, 1, 1, 2]);
      if (n === 2) {
        const swap = pick(days);
        meters.push({ serial: "OLD", removedOn: swap }, { serial: "NEW", installedOn: swap, startIndex: 5 });
      } else if (n === 1) {
        meters.push({ serial: "NEW", installedOn: pick([null, ...days]), startIndex: 5 });
      }
      const serials = [null, ...meters.map((m) => m.serial)];
      const readings = Array.from({ length: Math.floor(rnd() * 5) }, (): WorldReading => {
        const status = rnd() < 0.25 ? "SUSPECT" : "VALID";
        return {
          meter: pick(serials),
          date: pick(days),
          index: pick([950, 1000, 1000]),
          type: pick(["NORMAL", "MOVE_OUT", "MOVE_OUT"]),
          status,
          ...(status === "SUSPECT" && rnd() < 0.3 ? { confirmed: true } : {}),
          ...(rnd() < 0.2 ? { correctedAs: rnd() < 0.5 ? "SUSPECT" : "VALID" } : {}),
        };
      });
      const world: World = { meters, end: rnd() < 0.8 ? end : null, readings };
      const sp = await given(world);
      const { skip, always, skipped } = await decide(sp);
      expect(skip, JSON.stringify(world)).toEqual(always);
      if (skipped) skips++;
      else reads++;
    }
    // Both branches were taken.
    expect(skips).toBeGreaterThan(3);
    expect(reads).toBeGreaterThan(3);
  });
});
