/**
 * Migration 900 and src/readings/partitions.ts: `readings` partitioned by month. A database filled under
 * the former schema is converted without losing or changing a row; the append-only guards, the
 * references checks and "replaced at most once" hold on the parent and on every partition; months are
 * prepared ahead and a reading of an unprepared month lands in the default partition. On both engines.
 */
import { type RawBuilder, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/platform/db.js";
import { migrate } from "../../src/platform/migrate.js";
import { ensurePartitionsAhead, ensureReadingPartitions, monthSpan } from "../../src/readings/partitions.js";
import { databaseBefore, ENGINES } from "../support/databases.js";

const CONVERSION = "900_readings_partitioned.sql";

const READINGS = sql<Record<string, unknown>>`select * from readings order by id`;

describe.each(ENGINES)("readings partitioned by month (%s)", (engine) => {
  let t: { db: Database; drop(): Promise<void> };
  let before: Record<string, unknown>[];
  const q = <R>(s: RawBuilder<R>) => s.execute(t.db.kysely);
  const insert = (sp: string, date: string, replaces: string | null = null, table = "readings") =>
    q(sql<{
      id: string;
    }>`insert into ${sql.table(table)} (service_point_id, reading_date, index_m3, type, status, replaces_id,
            recorded_at, recorded_by, entity)
          values (${sp}, ${date}::date, 10, 'NORMAL', 'VALID', ${replaces}, now(), 'test', 'E') returning id`);

  beforeAll(async () => {
    t = await databaseBefore(engine, CONVERSION);
    // The former schema, filled: 3 service points, 2 meters, 600 readings over 20 months, imports keys,
    // a correction and a confirmation.
    await q(sql`insert into service_points (id, address, created_at)
      select 'PDS-P' || g, g || ' rue', '2020-01-01' from generate_series(1, 3) g`);
    await q(sql`insert into meters (service_point_id, serial, digits, start_index, created_at)
      select 'PDS-P' || g, 'M' || g, 6, 0, '2020-01-01' from generate_series(1, 2) g`);
    await q(sql`insert into readings (service_point_id, meter_id, reading_date, index_m3, type, status, usage_m3,
        warnings, import_key, recorded_at, recorded_by, entity)
      select 'PDS-P' || (1 + g % 3), (select min(id) from meters), date '2023-01-01' + g, g, 'NORMAL',
        case when g % 7 = 0 then 'SUSPECT' else 'VALID' end, g % 5, case when g % 11 = 0 then '{LOW_USAGE}'::text[] else '{}' end,
        case when g % 2 = 0 then 'k' || g end, timestamptz '2024-01-01 10:00+01' + g * interval '1 hour', 'import', 'IMPORT'
      from generate_series(1, 600) g`);
    await q(sql`insert into readings (service_point_id, reading_date, index_m3, type, status, replaces_id, reason,
        recorded_at, recorded_by, entity)
      values ('PDS-P2', '2023-01-02', 3, 'CUSTOMER', 'VALID', 'RDG-000000001', 'typo', now(), 'bo', 'BO')`);
    await q(sql`insert into reading_confirmations values ('RDG-000000007', 'fuite', now(), 'bo', 'BO')`);
    before = (await q(READINGS)).rows;
    expect(before).toHaveLength(601);
    await migrate(t.db);
  }, 120_000);
  afterAll(async () => t?.drop());

  it("converts every row unchanged into monthly partitions, none before or after them", async () => {
    expect((await q(READINGS)).rows).toEqual(before);
    const parts = await q(sql<{ name: string; n: number }>`
      select c.relname as name, (select count(*)::int from readings r where r.tableoid = c.oid) as n
        from pg_inherits i join pg_class c on c.oid = i.inhrelid
       where i.inhparent = 'readings'::regclass order by 1`);
    const byName = new Map(parts.rows.map((p) => [p.name, Number(p.n)]));
    expect(byName.get("readings_before")).toBe(0);
    expect(byName.get("readings_after")).toBe(0);
    expect(byName.get("readings_2023_01")).toBe(31);
    expect(byName.get("readings_2024_08")).toBe(23); // up to 2023-01-01 + 600 days = 2024-08-23
    expect([...byName.values()].reduce((a, b) => a + b, 0)).toBe(601);
    const states = await q(sql<{ id: string; s: string }>`
      select id, effective_status as s from reading_states where id in ('RDG-000000001', 'RDG-000000007')
       order by id`);
    expect(states.rows).toEqual([
      { id: "RDG-000000001", s: "REPLACED" },
      { id: "RDG-000000007", s: "VALID" },
    ]);
    // New ids continue the sequence.
    expect((await insert("PDS-P1", "2024-08-30")).rows[0]?.id).toBe("RDG-000000602");
  });

  const where = async (rid: unknown) =>
    (await q(sql<{ t: string }>`select tableoid::regclass::text as t from readings where id = ${rid}`))
      .rows[0]?.t;

  it("refuses UPDATE, DELETE and TRUNCATE on readings and on every partition, also after months are added", async () => {
    expect(await where((await insert("PDS-P2", "1990-01-01")).rows[0]?.id)).toBe("readings_before");
    expect(await where((await insert("PDS-P2", "2050-01-01")).rows[0]?.id)).toBe("readings_after");
    const guarded = async (table: string) => {
      await expect(q(sql`update ${sql.table(table)} set index_m3 = index_m3 + 1`)).rejects.toThrow(
        /APPEND_ONLY/,
      );
      await expect(q(sql`delete from ${sql.table(table)}`)).rejects.toThrow(/APPEND_ONLY/);
      await expect(q(sql`truncate ${sql.table(table)}`)).rejects.toThrow(/APPEND_ONLY/);
    };
    for (const table of ["readings", "readings_2023_05", "readings_before", "readings_after"])
      await guarded(table);
    // Months made after the conversion (readings_after detached and attached again) carry the same guards.
    expect(await ensureReadingPartitions(t.db.kysely, "2031-02-10", "2031-02-10")).toBeGreaterThan(40);
    expect(await where((await insert("PDS-P1", "2031-02-11")).rows[0]?.id)).toBe("readings_2031_02");
    expect(await where((await insert("PDS-P1", "2029-07-11")).rows[0]?.id)).toBe("readings_2029_07");
    expect(await where((await insert("PDS-P1", "2040-03-11")).rows[0]?.id)).toBe("readings_after");
    for (const table of ["readings_2031_02", "readings_2029_07", "readings_after"]) await guarded(table);
    await expect(q(sql`truncate reading_replacements`)).rejects.toThrow(/APPEND_ONLY/);
    expect((await q(READINGS)).rows.length).toBe(607);
  });

  it("checks references and 'replaced at most once' through the parent and directly on a partition", async () => {
    for (const table of ["readings", "readings_2023_03"]) {
      await expect(insert("PDS-NOPE", "2023-03-05", null, table)).rejects.toMatchObject({ code: "23503" });
      await expect(insert("PDS-P1", "2023-03-05", "RDG-NOPE", table)).rejects.toMatchObject({
        code: "23503",
      });
      // RDG-000000001 was replaced before the conversion; RDG-000000002 is replaced once, not twice.
      await expect(insert("PDS-P1", "2023-03-05", "RDG-000000001", table)).rejects.toMatchObject({
        code: "23505",
      });
    }
    await insert("PDS-P3", "2023-03-06", "RDG-000000002", "readings_2023_03");
    await expect(insert("PDS-P3", "2023-04-06", "RDG-000000002")).rejects.toMatchObject({ code: "23505" });
    // Two corrections of one reading in one statement: refused whole.
    await expect(
      q(sql`insert into readings (service_point_id, reading_date, index_m3, type, status, replaces_id, recorded_at, recorded_by, entity)
        select 'PDS-P1', '2023-05-01', 1, 'NORMAL', 'VALID', 'RDG-000000003', now(), 't', 'E' from generate_series(1, 2)`),
    ).rejects.toMatchObject({ code: "23505" });
    await expect(
      q(sql`insert into reading_confirmations values ('RDG-NOPE', 'x', now(), 'bo', 'BO')`),
    ).rejects.toMatchObject({ code: "23503" });
    const replaced = await q(sql<{ n: number }>`select count(*)::int as n from reading_replacements`);
    expect(Number(replaced.rows[0]?.n)).toBe(2);
  });

  it("prepares months ahead; a month before the first or past a reading in readings_after is not made", async () => {
    expect(monthSpan("2026-11-20", 3)).toEqual({ first: "2026-11-01", last: "2027-02-01" });
    expect(await ensurePartitionsAhead(t.db.kysely, "2031-11-20")).toBe(12); // 2031-03 … 2032-02
    expect(await ensurePartitionsAhead(t.db.kysely, "2031-11-20")).toBe(0);
    const made = async (day: string) =>
      (await q(sql<{ p: string }>`select ecart_readings_partition(${day}::date) as p`)).rows[0]?.p;
    expect(await made("1990-05-03")).toBe("readings_before");
    expect(await made("2049-12-31")).toBe("readings_after"); // more than ten years past the last month
    expect(await made("2035-06-01")).toBe("readings_2035_06");
    expect(await where((await insert("PDS-P1", "2035-09-15")).rows[0]?.id)).toBe("readings_after");
    expect(await made("2035-08-01")).toBe("readings_2035_08");
    // readings_after holds a reading of 2035-09: that month stays there, never moved.
    expect(await made("2035-09-01")).toBe("readings_after");
    expect(await made("2035-12-01")).toBe("readings_after");
    expect(await where((await insert("PDS-P1", "2035-08-20")).rows[0]?.id)).toBe("readings_2035_08");
    const plan = await q(
      sql<
        Record<string, string>
      >`explain select max(reading_date) from readings where service_point_id = 'PDS-P1'`,
    );
    expect(JSON.stringify(plan.rows)).not.toMatch(/Merge Append/);
  });
});
