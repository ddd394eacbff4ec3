/**
 * Migration 950: `service_point_facts` holds, for every service point, its address and owner, its latest
 * ended subscription and its meters, whatever wrote `service_points`, `subscriptions` and `meters`:
 * inserts, updates, deletes, many rows in one statement, concurrent transactions. Checked against an oracle computed here from the
 * raw rows (SPEC §6: latest end date, then latest created, then greatest id), after seeded random operations, on both
 * engines; and the migration fills them in on a database that holds rows already.
 */
import { type RawBuilder, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// mulberry32, seeded: a failure replays.
import { prng as random } from "../../src/demo/generate.js";
import { migrate } from "../../src/platform/migrate.js";
import { createTestDatabase, databaseBefore, ENGINES, type TestDatabase } from "../support/databases.js";

interface Facts {
  id: string;
  address: string;
  owner_name: string | null;
  predecessor: { id: string; end_date: string; end_index: number | null } | null;
  meters: Array<{
    id: number;
    serial: string;
    digits: number | null;
    installed_on: string | null;
    start_index: number;
    removed_on: string | null;
  }>;
}

/** The facts as the raw rows say they should be. */
async function oracle(t: TestDatabase): Promise<Facts[]> {
  const q = <R>(s: RawBuilder<R>) => s.execute(t.db.kysely).then((r) => r.rows);
  const sps = await q(
    sql<{ id: string; address: string; owner_name: string | null }>`
      select id, address, owner_name from service_points order by id`,
  );
  const subs = await q(sql<{
    id: string;
    sp: string;
    end_date: string | null;
    end_index: string | null;
    created: string;
  }>`select id, service_point_id as sp, end_date::text as end_date, end_index::text as end_index,
            to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as created
       from subscriptions`);
  const meters = await q(sql<{
    id: string;
    sp: string;
    serial: string;
    digits: number | null;
    installed_on: string | null;
    start_index: string;
    removed_on: string | null;
  }>`select id::text as id, service_point_id as sp, serial, digits, installed_on::text as installed_on,
            start_index::text as start_index, removed_on::text as removed_on from meters`);
  return sps.map(({ id, address, owner_name }) => {
    const ended = subs
      .filter((s) => s.sp === id && s.end_date !== null)
      .sort((a, b) =>
        a.end_date !== b.end_date
          ? (b.end_date as string).localeCompare(a.end_date as string)
          : a.created !== b.created
            ? b.created.localeCompare(a.created)
            : b.id.localeCompare(a.id),
      );
    const p = ended[0];
    return {
      id,
      address,
      owner_name,
      predecessor: p
        ? {
            id: p.id,
            end_date: p.end_date as string,
            end_index: p.end_index === null ? null : Number(p.end_index),
          }
        : null,
      meters: meters
        .filter((m) => m.sp === id)
        .map((m) => ({
          id: Number(m.id),
          serial: m.serial,
          digits: m.digits,
          installed_on: m.installed_on,
          start_index: Number(m.start_index),
          removed_on: m.removed_on,
        }))
        .sort((a, b) => a.id - b.id),
    };
  });
}

/** The facts `service_point_facts` holds. */
async function carried(t: TestDatabase): Promise<Facts[]> {
  const r = await sql<Facts>`select service_point_id as id, address, owner_name, predecessor, meters
                               from service_point_facts order by service_point_id`.execute(t.db.kysely);
  return r.rows.map((x) => ({
    id: x.id,
    address: x.address,
    owner_name: x.owner_name,
    predecessor: x.predecessor,
    meters: x.meters.map((m) => ({ ...m, id: Number(m.id), start_index: Number(m.start_index) })),
  }));
}

const SPS = ["PDS-F1", "PDS-F2", "PDS-F3"];

async function seed(q: <R>(s: RawBuilder<R>) => Promise<unknown>): Promise<void> {
  await q(
    sql`insert into service_points (id, address) select u.id, 'rue' from unnest(${SPS}::text[]) as u(id)`,
  );
  await q(
    sql`insert into parties (id, name, role, created_at) values ('PTY-F', 'Martin', 'SUBSCRIBER', now())`,
  );
}

describe.each(ENGINES)("the facts service_point_facts holds (%s)", (engine) => {
  let t: TestDatabase;
  const q = <R>(s: RawBuilder<R>) => s.execute(t.db.kysely);

  beforeAll(async () => {
    t = await createTestDatabase(engine);
    await seed(q);
  });
  afterAll(async () => t?.drop());

  /** `n` ended subscriptions of random service points, ending zero to two days after their start. */
  const insertSubscriptions = async (rnd: () => number, n: number) => {
    const rows = Array.from({ length: n }, () => {
      const start = 1 + Math.floor(rnd() * 3000);
      return {
        sp: SPS[Math.floor(rnd() * SPS.length)] as string,
        start: new Date(Date.UTC(2015, 0, start)).toISOString().slice(0, 10),
        end: new Date(Date.UTC(2015, 0, start + Math.floor(rnd() * 3))).toISOString().slice(0, 10),
        index: Math.floor(rnd() * 900),
      };
    });
    // Periods may overlap in this test (migration 530 refuses that): its check is dropped for the test.
    await q(sql`insert into subscriptions (service_point_id, party_id, start_date, start_index, start_source,
                                          end_date, end_index, created_at, created_by, entity)
      select x.sp, 'PTY-F', x.start, 0, 'DECLARED', x.end, x.index,
             now() + (${Math.floor(rnd() * 1000)} || ' seconds')::interval, 'test', 'TEST'
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(sp text, start date, "end" date, index bigint)`);
  };

  it("hold what the rows say after random inserts, updates and deletes", async () => {
    await q(sql`alter table subscriptions disable trigger subscriptions_periods_inserted`);
    await q(sql`alter table subscriptions disable trigger subscriptions_periods_updated`);
    const rnd = random(950);
    for (let step = 0; step < 60; step++) {
      const op = rnd();
      const sp = SPS[Math.floor(rnd() * SPS.length)] as string;
      if (op < 0.3) {
        await insertSubscriptions(rnd, 1 + Math.floor(rnd() * 4));
      } else if (op < 0.45) {
        // An end moved later, a subscription reopened, or one moved to another service point.
        const kind = Math.floor(rnd() * 3);
        await q(sql`update subscriptions set
            end_date = case when ${kind} = 1 then null else end_date + ${Math.floor(rnd() * 40)}::int end,
            end_index = case when ${kind} = 1 then null else end_index end,
            service_point_id = case when ${kind} = 2 then ${sp} else service_point_id end
          where id = (select id from subscriptions order by id offset ${Math.floor(rnd() * 8)} limit 1)
            and (${kind} <> 1 or not exists (select 1 from subscriptions o
                   where o.service_point_id = subscriptions.service_point_id and o.end_date is null))
            and (${kind} <> 2 or end_date is not null)`);
      } else if (op < 0.5) {
        await q(sql`update subscriptions set tags = '{x}' where service_point_id = ${sp}`);
      } else if (op < 0.55) {
        await q(
          sql`delete from subscriptions where id = (select id from subscriptions order by id desc limit 1)`,
        );
      } else if (op < 0.7) {
        await q(sql`update meters set removed_on = coalesce(removed_on, current_date)
          where service_point_id = ${sp} and removed_on is null`);
        await q(sql`insert into meters (service_point_id, serial, digits, start_index, installed_on)
          values (${sp}, ${`M${step}`}, 6, ${Math.floor(rnd() * 99)}, '2024-01-01')`);
      } else if (op < 0.8) {
        await q(
          sql`update meters set start_index = start_index + 1, digits = 5 where service_point_id = ${sp}`,
        );
      } else if (op < 0.88) {
        // A new service point, or an owner or address changed (or either left as it was).
        if (rnd() < 0.3)
          await q(sql`insert into service_points (id, address) values (${`PDS-N${step}`}, 'quai')`);
        else
          await q(sql`update service_points set owner_name = ${`Owner ${step % 3}`},
                        address = case when ${rnd() < 0.5} then address else ${`rue ${step}`} end
                      where id = ${sp}`);
      } else {
        await q(sql`update meters set remote_reading = not remote_reading`);
      }
      if (step % 5 === 4) expect(await carried(t)).toEqual(await oracle(t));
    }
    const facts = await carried(t);
    expect(facts.filter((f) => f.predecessor !== null).length).toBeGreaterThanOrEqual(2);
    expect(facts.some((f) => f.meters.length > 1)).toBe(true);
    expect(facts.some((f) => f.owner_name !== null)).toBe(true);
    expect(facts.length).toBeGreaterThan(SPS.length);
    await q(sql`alter table subscriptions enable trigger subscriptions_periods_inserted`);
    await q(sql`alter table subscriptions enable trigger subscriptions_periods_updated`);
  });

  it.skipIf(engine !== "postgres")(
    "hold under concurrent transactions writing one service point's subscriptions and meters",
    async () => {
      const pool = t.db.pool as NonNullable<TestDatabase["db"]["pool"]>;
      await q(sql`alter table subscriptions disable trigger subscriptions_periods_inserted`);
      try {
        for (let round = 0; round < 5; round++) {
          const work = [0, 1, 2, 3].map(async (i) => {
            const c = await pool.connect();
            try {
              await c.query("begin");
              if (i % 2 === 0) {
                await c.query(
                  `insert into subscriptions (service_point_id, party_id, start_date, start_index, start_source,
                                             end_date, end_index, created_at, created_by, entity)
                   values ('PDS-F1', 'PTY-F', '2030-01-01', 0, 'DECLARED', $1::date, $2, now(), 'test', 'TEST')`,
                  [`2030-0${1 + round}-1${i}`, round * 10 + i],
                );
              } else {
                await c.query(
                  `insert into meters (service_point_id, serial, start_index, removed_on)
                   values ('PDS-F1', $1, 0, '2029-12-31')`,
                  [`C${round}-${i}`],
                );
              }
              await new Promise((r) => setTimeout(r, 20));
              await c.query("commit");
            } catch (e) {
              await c.query("rollback");
              throw e;
            } finally {
              c.release();
            }
          });
          await Promise.all(work);
          expect(await carried(t)).toEqual(await oracle(t));
        }
      } finally {
        await q(sql`alter table subscriptions enable trigger subscriptions_periods_inserted`);
      }
    },
  );
});

describe.each(ENGINES)("migration 950 on a database holding rows (%s)", (engine) => {
  it("fills in every service point's facts", async () => {
    const t = await databaseBefore(engine, "950_service_point_facts.sql");
    const q = <R>(s: RawBuilder<R>) => s.execute(t.db.kysely);
    try {
      await seed(q);
      await q(sql`insert into meters (service_point_id, serial, digits, start_index, installed_on, removed_on)
        values ('PDS-F1', 'A', 6, 10, '2020-01-01', '2023-01-01'), ('PDS-F1', 'B', 5, 0, '2023-01-01', null),
               ('PDS-F2', 'C', null, 3, null, null)`);
      await q(sql`insert into subscriptions (service_point_id, party_id, start_date, start_index, start_source,
                                            end_date, end_index, created_at, created_by, entity)
        values ('PDS-F1', 'PTY-F', '2020-01-01', 0, 'DECLARED', '2022-01-01', 40, now(), 'test', 'TEST'),
               ('PDS-F1', 'PTY-F', '2022-01-01', 40, 'DECLARED', '2023-06-01', 90, now(), 'test', 'TEST'),
               ('PDS-F1', 'PTY-F', '2023-06-01', 90, 'DECLARED', null, null, now(), 'test', 'TEST'),
               ('PDS-F2', 'PTY-F', '2021-01-01', 0, 'DECLARED', null, null, now(), 'test', 'TEST')`);
      await migrate(t.db);
      const after = await carried(t);
      expect(after).toEqual(await oracle(t));
      expect(after.map((f) => [f.id, f.predecessor?.end_index ?? null, f.meters.length])).toEqual([
        ["PDS-F1", 90, 2],
        ["PDS-F2", null, 1],
        ["PDS-F3", null, 0],
      ]);
    } finally {
      await t.drop();
    }
  }, 120_000);
});
