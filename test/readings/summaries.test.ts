/**
 * Migration 910: `reading_summaries` holds, for every meter of a service point, what its readings say now
 * (latest date; first and last reading VALID now), whatever wrote them: inserts through `readings` or
 * straight into a partition, corrections, confirmations, concurrent transactions. Checked against an
 * oracle computed here from the raw rows, after seeded random operations, on both engines; and the
 * histories read from the summaries are those read from `readings` itself.
 */
import { type RawBuilder, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// mulberry32, seeded: a failure replays.
import { prng as random } from "../../src/demo/generate.js";
import { migrate } from "../../src/platform/migrate.js";
import { loadMeterHistories } from "../../src/readings/store.js";
import { createTestDatabase, databaseBefore, ENGINES, type TestDatabase } from "../support/databases.js";

interface Summary {
  service_point_id: string;
  meter_key: number;
  seen_date: string;
  first_id: string | null;
  first_date: string | null;
  first_index: number | null;
  last_id: string | null;
  last_date: string | null;
  last_index: number | null;
  /** Readings SUSPECT now (migration 930). */
  suspect_count: number;
}

/** The summaries as the raw rows say they should be (SPEC §4: VALID or confirmed, and not replaced). */
async function oracle(t: TestDatabase): Promise<Summary[]> {
  const rows = (
    await sql<{
      id: string;
      sp: string;
      meter: number | null;
      date: string;
      index: number;
      status: string;
      replaced: boolean;
      confirmed: boolean;
    }>`select r.id, r.service_point_id as sp, r.meter_id as meter, r.reading_date::text as date,
              r.index_m3::int as index, r.status,
              exists (select 1 from readings c where c.replaces_id = r.id) as replaced,
              exists (select 1 from reading_confirmations k where k.reading_id = r.id) as confirmed
         from readings r`.execute(t.db.kysely)
  ).rows;
  const out = new Map<string, Summary>();
  const before = (a: { date: string; id: string }, b: { date: string; id: string }) =>
    a.date < b.date || (a.date === b.date && a.id < b.id);
  for (const r of rows) {
    const key = `${r.sp}|${r.meter ?? 0}`;
    const s = out.get(key) ?? {
      service_point_id: r.sp,
      meter_key: Number(r.meter ?? 0),
      seen_date: r.date,
      first_id: null,
      first_date: null,
      first_index: null,
      last_id: null,
      last_date: null,
      last_index: null,
      suspect_count: 0,
    };
    if (r.date > s.seen_date) s.seen_date = r.date;
    if (r.status === "SUSPECT" && !r.confirmed && !r.replaced) s.suspect_count++;
    if ((r.status === "VALID" || r.confirmed) && !r.replaced) {
      if (s.first_id === null || before(r, { date: s.first_date as string, id: s.first_id }))
        Object.assign(s, { first_id: r.id, first_date: r.date, first_index: r.index });
      if (s.last_id === null || before({ date: s.last_date as string, id: s.last_id }, r))
        Object.assign(s, { last_id: r.id, last_date: r.date, last_index: r.index });
    }
    out.set(key, s);
  }
  return [...out.values()].sort((a, b) =>
    `${a.service_point_id}|${a.meter_key}`.localeCompare(`${b.service_point_id}|${b.meter_key}`),
  );
}

async function summaries(t: TestDatabase): Promise<Summary[]> {
  const rows = (
    await sql<Summary>`select service_point_id, meter_key::int as meter_key, seen_date::text as seen_date,
                              first_id, first_date::text as first_date, first_index::int as first_index,
                              last_id, last_date::text as last_date, last_index::int as last_index,
                              suspect_count::int as suspect_count
                         from reading_summaries`.execute(t.db.kysely)
  ).rows;
  return rows
    .map((r) => ({ ...r, meter_key: Number(r.meter_key), suspect_count: Number(r.suspect_count) }))
    .sort((a, b) =>
      `${a.service_point_id}|${a.meter_key}`.localeCompare(`${b.service_point_id}|${b.meter_key}`),
    );
}

/** Histories by service point then meter, whatever order the query gave them in. */
const sorted = (m: Awaited<ReturnType<typeof loadMeterHistories>>) =>
  [...m.entries()]
    .map(([sp, hs]) => [sp, [...hs].sort((a, b) => (a.meterId ?? 0) - (b.meterId ?? 0))] as const)
    .sort(([a], [b]) => a.localeCompare(b));

const SPS = ["PDS-S1", "PDS-S2", "PDS-S3", "PDS-S4"];

describe.each(ENGINES)("reading summaries (%s)", (engine) => {
  let t: TestDatabase;
  const q = <R>(s: RawBuilder<R>) => s.execute(t.db.kysely);
  let meters: number[] = [];

  beforeAll(async () => {
    t = await createTestDatabase(engine);
    await q(sql`insert into service_points (id, address, created_at)
      select u.id, 'rue', '2020-01-01' from unnest(${SPS}::text[]) as u(id)`);
    // PDS-S1 and PDS-S2 have a meter each; PDS-S3 two (one replaced); PDS-S4 none.
    const m = await q(sql<{ id: number }>`insert into meters (service_point_id, serial, digits, start_index,
                                                              removed_on, created_at)
      values ('PDS-S1', 'M1', 6, 0, null, now()), ('PDS-S2', 'M2', 6, 0, null, now()),
             ('PDS-S3', 'M3', 6, 0, '2024-01-01', now()), ('PDS-S3', 'M4', 6, 0, null, now()) returning id`);
    meters = m.rows.map((r) => Number(r.id));
  });
  afterAll(async () => t?.drop());

  /** One reading row of a service point's meter (or none for PDS-S4). */
  const row = (rnd: () => number) => {
    const i = Math.floor(rnd() * SPS.length);
    const sp = SPS[i] as string;
    const meter =
      i === 3 ? null : i === 2 ? (meters[2 + Math.floor(rnd() * 2)] as number) : (meters[i] as number);
    const day = Math.floor(rnd() * 1500);
    const date = new Date(Date.UTC(2022, 0, 1 + day)).toISOString().slice(0, 10);
    return { sp, meter, date, index: Math.floor(rnd() * 5000), status: rnd() < 0.3 ? "SUSPECT" : "VALID" };
  };

  const insertRows = (rs: ReturnType<typeof row>[], table = "readings") =>
    q(sql<{ id: string }>`insert into ${sql.table(table)} (service_point_id, meter_id, reading_date, index_m3,
                              type, status, recorded_at, recorded_by, entity)
      select x.sp, x.meter, x.date, x.index, 'NORMAL', x.status, now(), 'test', 'TEST'
        from jsonb_to_recordset(${JSON.stringify(rs)}::jsonb) as x(sp text, meter bigint, date date, index bigint, status text)
      returning id`);

  /** The id of a random reading that a correction could still replace or a confirmation confirm. */
  const pick = async (rnd: () => number, status?: string) => {
    const r = await q(sql<{ id: string; sp: string; meter: number | null; date: string }>`
      select s.id, s.service_point_id as sp, s.meter_id as meter, s.reading_date::text as date
        from reading_states s
       where s.effective_status ${status ? sql`= ${status}` : sql`<> 'REPLACED'`}
       order by s.id`);
    return r.rows[Math.floor(rnd() * r.rows.length)];
  };

  it("hold what the readings say after random inserts, corrections and confirmations", async () => {
    const rnd = random(910);
    for (let step = 0; step < 40; step++) {
      const op = rnd();
      if (op < 0.45) {
        // A batch through `readings` (the import's COPY and the commands' inserts fire the same trigger).
        await insertRows(Array.from({ length: 1 + Math.floor(rnd() * 30) }, () => row(rnd)));
      } else if (op < 0.6) {
        // Straight into one month's partition (its own statement triggers).
        const r = row(rnd);
        r.date = `2023-05-${String(1 + Math.floor(rnd() * 28)).padStart(2, "0")}`;
        await insertRows([r], "readings_before");
      } else if (op < 0.85) {
        const old = await pick(rnd);
        if (!old) continue;
        const status = rnd() < 0.3 ? "SUSPECT" : "VALID";
        // PDS-S3's corrections move a reading to its other meter half the time (both meters change).
        const meter =
          old.sp === "PDS-S3" && rnd() < 0.5 ? meters[old.meter === meters[2] ? 3 : 2] : old.meter;
        await q(sql`insert into readings (service_point_id, meter_id, reading_date, index_m3, type, status,
                                         replaces_id, reason, recorded_at, recorded_by, entity)
          values (${old.sp}, ${meter}, ${old.date}::date + ${Math.floor(rnd() * 5) - 2}::int,
                  ${Math.floor(rnd() * 5000)}, 'CUSTOMER', ${status}, ${old.id}, 'correction', now(), 'bo', 'BO')`);
      } else if (op < 0.95) {
        const suspect = await pick(rnd, "SUSPECT");
        if (!suspect) continue;
        await q(sql`insert into reading_confirmations values (${suspect.id}, 'fuite', now(), 'bo', 'BO')`);
      } else {
        // A replaced reading entered SUSPECT, confirmed after its correction: it stays REPLACED.
        const replaced = await q(sql<{ id: string }>`select r.id from readings r
          where r.status = 'SUSPECT' and exists (select 1 from reading_replacements x where x.replaces_id = r.id)
            and not exists (select 1 from reading_confirmations k where k.reading_id = r.id) order by r.id`);
        const one = replaced.rows[Math.floor(rnd() * replaced.rows.length)];
        if (!one) continue;
        await q(sql`insert into reading_confirmations values (${one.id}, 'fuite', now(), 'bo', 'BO')`);
      }
      if (step % 10 === 9) expect(await summaries(t)).toEqual(await oracle(t));
    }
    expect((await summaries(t)).length).toBeGreaterThanOrEqual(5);
    expect((await summaries(t)).some((s) => s.suspect_count > 1)).toBe(true);
  });

  it("give the same histories as the readings themselves, up to any date", async () => {
    const rnd = random(18);
    for (let i = 0; i < 12; i++) {
      const upTo =
        i === 0
          ? undefined
          : new Date(Date.UTC(2022, 0, 1 + Math.floor(rnd() * 1600))).toISOString().slice(0, 10);
      const fromSummaries = await loadMeterHistories(t.db.kysely, SPS, { upTo });
      // Leaving out a reading that does not exist reads every history from `readings`.
      const fromReadings = await loadMeterHistories(t.db.kysely, SPS, { upTo, excludeId: "RDG-NONE" });
      expect(sorted(fromSummaries)).toEqual(sorted(fromReadings));
    }
  });

  it.skipIf(engine !== "postgres")(
    "hold under concurrent inserts, corrections and confirmations",
    async () => {
      const pool = t.db.pool as NonNullable<TestDatabase["db"]["pool"]>;
      const rnd = random(7);
      for (let round = 0; round < 6; round++) {
        const old = await pick(rnd);
        const suspect = await pick(rnd, "SUSPECT");
        const batches = [0, 1, 2].map(() => Array.from({ length: 20 }, () => row(rnd)));
        const work = [
          ...batches.map(async (b) => {
            const c = await pool.connect();
            try {
              await c.query("begin");
              await c.query(
                `insert into readings (service_point_id, meter_id, reading_date, index_m3, type, status,
                                     recorded_at, recorded_by, entity)
               select x.sp, x.meter, x.date, x.index, 'NORMAL', x.status, now(), 'test', 'TEST'
                 from jsonb_to_recordset($1::jsonb) as x(sp text, meter bigint, date date, index bigint, status text)`,
                [JSON.stringify(b)],
              );
              await new Promise((r) => setTimeout(r, 20));
              await c.query("commit");
            } finally {
              c.release();
            }
          }),
          old &&
            pool.query(
              `insert into readings (service_point_id, meter_id, reading_date, index_m3, type, status, replaces_id,
                                   reason, recorded_at, recorded_by, entity)
             values ($1, $2, $3::date, 7, 'CUSTOMER', $5, $4, 'correction', now(), 'bo', 'BO')`,
              [old.sp, old.meter, old.date, old.id, round % 2 ? "SUSPECT" : "VALID"],
            ),
          suspect &&
            pool.query(`insert into reading_confirmations values ($1, 'fuite', now(), 'bo', 'BO')`, [
              suspect.id,
            ]),
        ];
        await Promise.all(work);
        expect(await summaries(t)).toEqual(await oracle(t));
      }
    },
  );
});

describe.each(ENGINES)("migration 930 on a database holding readings (%s)", (engine) => {
  it("counts the readings SUSPECT now of every meter", async () => {
    const t = await databaseBefore(engine, "930_reading_summaries_suspects.sql");
    const q = <R>(s: RawBuilder<R>) => s.execute(t.db.kysely);
    try {
      await q(sql`insert into service_points (id, address) values ('PDS-M1', 'rue'), ('PDS-M2', 'rue')`);
      await q(sql`insert into meters (service_point_id, serial, start_index) values ('PDS-M1', 'M1', 0)`);
      // Every 3rd reading SUSPECT, on PDS-M1's meter or on PDS-M2 (no meter).
      await q(sql`insert into readings (service_point_id, meter_id, reading_date, index_m3, type, status,
                                        recorded_at, recorded_by, entity)
        select case when g % 2 = 0 then 'PDS-M1' else 'PDS-M2' end,
               case when g % 2 = 0 then (select min(id) from meters) end, date '2023-01-01' + g, g, 'NORMAL',
               case when g % 3 = 0 then 'SUSPECT' else 'VALID' end, now(), 'test', 'TEST'
          from generate_series(1, 60) g`);
      const suspects = await q(
        sql<{ id: string }>`select id from readings where status = 'SUSPECT' order by id`,
      );
      const [a, b, c] = suspects.rows.map((r) => r.id);
      await q(sql`insert into reading_confirmations values (${a}, 'fuite', now(), 'bo', 'BO')`);
      await q(sql`insert into readings (service_point_id, meter_id, reading_date, index_m3, type, status,
                                        replaces_id, reason, recorded_at, recorded_by, entity)
        select service_point_id, meter_id, reading_date, 1, 'CUSTOMER', 'VALID', id, 'typo', now(), 'bo', 'BO'
          from readings where id = ${b}`);
      // Confirmed once replaced: still REPLACED, not SUSPECT.
      await q(sql`insert into readings (service_point_id, meter_id, reading_date, index_m3, type, status,
                                        replaces_id, reason, recorded_at, recorded_by, entity)
        select service_point_id, meter_id, reading_date, 1, 'CUSTOMER', 'VALID', id, 'typo', now(), 'bo', 'BO'
          from readings where id = ${c}`);
      await q(sql`insert into reading_confirmations values (${c}, 'fuite', now(), 'bo', 'BO')`);
      await migrate(t.db);
      const after = await summaries(t);
      expect(after).toEqual(await oracle(t));
      expect(after.map((s) => s.suspect_count).reduce((x, y) => x + y, 0)).toBe(20 - 3);
    } finally {
      await t.drop();
    }
  }, 120_000);
});
