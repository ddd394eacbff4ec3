/**
 * R13 at scale, same contents: the kept counts (migration 510) give what a group-by over the rows gives,
 * whatever was inserted, updated or deleted and whether or not the changes were folded; periods are
 * Europe/Paris days (DST included); the CSV's keyset batches give the report's rows in the report's order.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R9_COMMENT } from "../../src/move-in/wording.js";
import { caseCounts } from "../../src/reports/counts.js";
import {
  casesByEntity,
  countIntermediateConsumption,
  countNewCustomers,
  intermediateConsumption,
  intermediateConsumptionBatches,
  newCustomers,
  newCustomersBatches,
} from "../../src/reports/queries.js";
import { prng } from "../reliability/support.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";

const N = 240;
const ENTITIES = ["FO-LYON", "BO-LYON", "FO-PARIS"];
const TYPES = ["ARR_SPECIAL", "ARR_INTERVENTION", "INT_EUROS"] as const;
const SOURCES = ["DECLARED", "PROOF", "PREDECESSOR"] as const;

/** Instants around Paris midnights and both 2024 DST changes, some shared to the microsecond. */
function instant(i: number, r: () => number): string {
  const edges = [
    "2024-03-30T23:00:00Z",
    "2024-03-31T22:00:00Z",
    "2024-10-26T22:00:00Z",
    "2024-10-27T23:00:00Z",
  ];
  const edge = Date.parse(edges[i % edges.length] as string);
  if (i % 9 === 0) return "2024-03-31T21:59:59.999999Z"; // ties: same instant, ids decide the order
  const offsetMs = Math.floor((r() - 0.5) * 4 * 3_600_000);
  const micros = String(Math.floor(r() * 1000)).padStart(3, "0");
  return new Date(edge + offsetMs).toISOString().replace("Z", `${micros}Z`);
}

async function seed(t: TestDatabase) {
  const k = t.db.kysely;
  const r = prng(7);
  for (let i = 0; i < N; i++) {
    const id = String(i).padStart(4, "0");
    await k
      .insertInto("service_points")
      .values({ id: `PDS-R${id}`, address: `${i} rue du Rapport`, owner_name: i % 3 ? null : `SCI ${i % 4}` })
      .execute();
    await k
      .insertInto("parties")
      .values({ id: `PER-R${id}`, name: `Client ${i}`, role: "SUBSCRIBER", created_at: new Date() })
      .execute();
    const at = instant(i, r);
    await sql`insert into cases (id, type, status, entity, service_point_id, party_id, created_at, created_by)
              values (${`CASE-R${id}`}, ${TYPES[i % 3]}, ${i % 4 ? "CLOSED" : "OPEN"}, ${ENTITIES[i % 3]},
                      ${`PDS-R${id}`}, ${`PER-R${id}`}, ${at}::timestamptz, 'fo.test')`.execute(k);
    await sql`insert into subscriptions (id, service_point_id, party_id, start_date, start_index, start_source,
                                         case_id, created_at, created_by, entity)
              values (${`SUB-R${id}`}, ${`PDS-R${id}`}, ${`PER-R${id}`}, '2024-01-01', ${1000 + i},
                      ${SOURCES[i % 3]}, ${`CASE-R${id}`}, ${at}::timestamptz,
                      ${i % 10 === 3 ? "given" : "fo.test"}, ${ENTITIES[(i + 1) % 3]})`.execute(k);
    if (i % 4 === 1) {
      await k
        .insertInto("case_comments")
        .values({
          case_id: `CASE-R${id}`,
          body: i % 8 === 1 ? R9_COMMENT : "autre",
          created_at: new Date(),
          author: "t",
          entity: "E",
        })
        .execute();
      // Some findings withdrawn (R16: their corrected volume within tolerance); the comments say nothing of it.
      await sql`insert into intermediate_consumptions (case_id, service_point_id, subscription_id, from_date,
                  from_index, to_date, to_index, volume, created_at, withdrawn_at)
                values (${`CASE-R${id}`}, ${`PDS-R${id}`}, ${`SUB-R${id}`}, '2023-12-01', 1000,
                        ${i % 3 ? "2024-01-01" : "2024-02-01"}, ${1000 + i}, ${i}, now(),
                        ${i % 16 === 13 ? new Date() : null})`.execute(k);
    }
  }
}

const PERIODS = [
  {},
  { from: "2024-03-31" },
  { to: "2024-03-31" },
  { from: "2024-03-31", to: "2024-03-31" },
  { from: "2024-04-01", to: "2024-10-27" },
  { from: "2024-10-27", to: "2024-10-28" },
];

describe.each(ENGINES)("R13 reports on %s", (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
    await seed(t);
  }, 120_000);
  afterAll(async () => {
    await t?.drop();
  });

  /** What cases by entity is: a group-by of the cases over their Europe/Paris creation day. */
  const groupByCases = async (p: { from?: string; to?: string; entity?: string; status?: string }) =>
    (
      await sql<{ entity: string; type: string; status: string; count: number }>`
        select entity, type, status, count(*)::int as count from cases
         where (${p.from ?? null}::date is null or (created_at at time zone 'Europe/Paris')::date >= ${p.from ?? null}::date)
           and (${p.to ?? null}::date is null or (created_at at time zone 'Europe/Paris')::date <= ${p.to ?? null}::date)
           and (${p.entity ?? null}::text is null or entity = ${p.entity ?? null})
           and (${p.status ?? null}::text is null or status = ${p.status ?? null})
         group by entity, type, status order by entity, type, status`.execute(t.db.kysely)
    ).rows;

  /** What new customers is: subscriptions not given, over their Europe/Paris creation day, newest first. */
  const listSubscriptions = async (p: { from?: string; to?: string; entity?: string }) =>
    (
      await sql<{ id: string }>`
        select id from subscriptions
         where created_by <> 'given'
           and (${p.from ?? null}::date is null or (created_at at time zone 'Europe/Paris')::date >= ${p.from ?? null}::date)
           and (${p.to ?? null}::date is null or (created_at at time zone 'Europe/Paris')::date <= ${p.to ?? null}::date)
           and (${p.entity ?? null}::text is null or entity = ${p.entity ?? null})
         order by created_at desc, id`.execute(t.db.kysely)
    ).rows.map((x) => x.id);

  const pending = async () =>
    Number(
      (await sql<{ n: number }>`select count(*)::int as n from case_count_changes`.execute(t.db.kysely))
        .rows[0]?.n,
    );

  it("counts cases by entity as a group-by of the cases does, over Paris days, before and after folding", async () => {
    const k = t.db.kysely;
    expect(await pending()).toBeGreaterThan(0); // the seed's inserts, not folded yet
    for (const p of PERIODS) expect(await caseCounts(k, p), JSON.stringify(p)).toEqual(await groupByCases(p));
    for (const p of [...PERIODS, { entity: "FO-LYON" }, { status: "OPEN", from: "2024-03-31" }])
      expect(await casesByEntity(k, p as never), JSON.stringify(p)).toEqual(await groupByCases(p));
    expect(await pending()).toBe(0);
    // Updates that move cases between keys, one that moves none, a delete; then read unfolded and folded.
    await sql`update cases set status = 'CLOSED', closed_at = now() where status = 'OPEN' and id < 'CASE-R0100'`.execute(
      k,
    );
    await sql`update cases set entity = 'BO-PARIS' where id in ('CASE-R0005', 'CASE-R0006')`.execute(k);
    await sql`update cases set closed_by = 'x' where id = 'CASE-R0007'`.execute(k);
    await sql`insert into cases (id, type, status, entity, service_point_id, created_at, created_by)
              values ('CASE-RX', 'INT_EUROS', 'OPEN', 'EUROS', 'PDS-R0001', '2024-03-31T22:00:00Z', 't')`.execute(
      k,
    );
    await sql`delete from cases where id = 'CASE-RX'`.execute(k);
    await sql`insert into cases (id, type, status, entity, service_point_id, created_at, created_by)
              values ('CASE-RY', 'INT_EUROS', 'OPEN', 'EUROS', 'PDS-R0001', '2024-03-31T21:59:59Z', 't')`.execute(
      k,
    );
    for (const p of PERIODS) expect(await caseCounts(k, p), JSON.stringify(p)).toEqual(await groupByCases(p));
    for (const p of PERIODS)
      expect(await casesByEntity(k, p), JSON.stringify(p)).toEqual(await groupByCases(p));
    // A key whose cases all moved away is not listed (count 0), as a group-by would not list it.
    const all = await casesByEntity(k);
    expect(all.every((x) => x.count > 0)).toBe(true);
    expect(all).toContainEqual({ entity: "EUROS", type: "INT_EUROS", status: "OPEN", count: 1 });
  });

  it("stays exact when folds run alongside writes", async () => {
    const k = t.db.kysely;
    const writes = Array.from({ length: 12 }, (_, i) =>
      sql`update cases set status = case status when 'OPEN' then 'CLOSED' else 'OPEN' end
           where id = ${`CASE-R${String(100 + i * 7).padStart(4, "0")}`}`.execute(k),
    );
    const folds = Array.from({ length: 6 }, () => casesByEntity(k));
    await Promise.all([...writes, ...folds]);
    expect(await casesByEntity(k)).toEqual(await groupByCases({}));
    expect(await pending()).toBe(0);
  });

  it("lists and counts new customers over Paris days, newest first, as the rows say", async () => {
    const k = t.db.kysely;
    for (const p of [...PERIODS, { entity: "BO-LYON" }, { entity: "FO-PARIS", from: "2024-03-31" }]) {
      const expected = await listSubscriptions(p);
      expect(expected.length, JSON.stringify(p)).toBeGreaterThan(0);
      const rows = await newCustomers(k, p);
      expect(
        rows.map((x) => x.subscription),
        JSON.stringify(p),
      ).toEqual(expected);
      expect(await countNewCustomers(k, p), JSON.stringify(p)).toBe(expected.length);
    }
    expect(await countNewCustomers(k, { source: "PROOF" })).toBe(
      (await newCustomers(k)).filter((x) => x.source === "PROOF").length,
    );
    // The first Paris day of summer time starts at 22:00 UTC the day before.
    const first = await newCustomers(k, { from: "2024-04-01", to: "2024-04-01" });
    expect(first.every((x) => x.createdAt >= new Date("2024-03-31T22:00:00Z"))).toBe(true);
    expect(first.every((x) => x.createdAt < new Date("2024-04-01T22:00:00Z"))).toBe(true);
  });

  /** What intermediate consumption is: the findings not withdrawn (whatever the comments say), through the cases' own entity. */
  const listFindings = async (p: { from?: string; entity?: string; owner?: string }) =>
    (
      await sql<{ id: string }>`
        select ic.case_id as id from intermediate_consumptions ic
          join cases c on c.id = ic.case_id join service_points sp on sp.id = ic.service_point_id
         where ic.withdrawn_at is null
           and (${p.from ?? null}::date is null or ic.to_date >= ${p.from ?? null}::date)
           and (${p.entity ?? null}::text is null or c.entity = ${p.entity ?? null})
           and (${p.owner ?? null}::text is null or strpos(lower(sp.owner_name), lower(${p.owner ?? null})) > 0)
         order by ic.to_date desc, ic.case_id`.execute(t.db.kysely)
    ).rows.map((x) => x.id);

  it("filters intermediate consumption by entity and by part of the owner's name as a plain join does", async () => {
    const k = t.db.kysely;
    const check = async (filters: Array<{ from?: string; entity?: string; owner?: string }>) => {
      for (const p of filters) {
        const expected = await listFindings(p);
        const rows = await intermediateConsumption(k, p);
        expect(
          rows.map((x) => x.case),
          JSON.stringify(p),
        ).toEqual(expected);
        expect(await countIntermediateConsumption(k, p), JSON.stringify(p)).toBe(expected.length);
        const entities = (
          await sql<{ id: string; entity: string }>`select id, entity from cases`.execute(k)
        ).rows.reduce((m, r) => m.set(r.id, r.entity), new Map<string, string>());
        for (const r of rows) expect(r.entity).toBe(entities.get(r.case));
      }
    };
    const filters = [
      ...ENTITIES.map((entity) => ({ entity })),
      { entity: "BO-PARIS" },
      { owner: "sci" },
      { owner: "SCI 1" },
      { owner: "i 2" },
      { owner: "cI" },
      { owner: "%" },
      { owner: "_" },
      { owner: "SCI 9" },
      { entity: "FO-LYON", owner: "sci" },
      { entity: "FO-PARIS", owner: "sci 0", from: "2024-02-01" },
    ];
    // Each filter alone finds some findings (a filter that finds none would compare nothing).
    for (const p of [...filters.slice(0, 3), { owner: "sci" }, { owner: "SCI 1" }, { owner: "i 1" }])
      expect((await listFindings(p)).length, JSON.stringify(p)).toBeGreaterThan(0);
    await check(filters);
    // The finding's copy of the entity follows its case, and is never what a writer gives.
    const [moved] = await listFindings({ entity: "FO-LYON" });
    await sql`update cases set entity = 'BO-PARIS' where id = ${moved}`.execute(k);
    expect(await listFindings({ entity: "BO-PARIS" })).toContain(moved);
    await check(filters);
    await sql`update intermediate_consumptions set entity = 'FO-PARIS' where case_id = ${moved}`.execute(k);
    await check(filters);
    await sql`update cases set entity = 'FO-LYON' where id = ${moved}`.execute(k);
    await check(filters);
  });

  it("reads the findings, not the comments: R9's phrase alone lists nothing, a withdrawn finding is gone", async () => {
    const k = t.db.kysely;
    const all = (await intermediateConsumption(k, { limit: 10_000 })).map((x) => x.case);
    const commented = await k
      .selectFrom("case_comments")
      .select("case_id")
      .where("body", "=", R9_COMMENT)
      .execute();
    const withdrawn = await k
      .selectFrom("intermediate_consumptions")
      .select("case_id")
      .where("withdrawn_at", "is not", null)
      .execute();
    expect(withdrawn.length).toBeGreaterThan(0);
    for (const w of withdrawn) expect(all).not.toContain(w.case_id);
    // Findings of cases without the comment are listed all the same.
    const uncommented = await k
      .selectFrom("intermediate_consumptions")
      .select("case_id")
      .where("withdrawn_at", "is", null)
      .where("case_id", "not in", commented.length ? commented.map((c) => c.case_id) : ["-"])
      .execute();
    expect(uncommented.length).toBeGreaterThan(0);
    for (const u of uncommented) expect(all).toContain(u.case_id);
  });

  it("gives the CSV the report's rows in the report's order, batch after batch by key", async () => {
    const k = t.db.kysely;
    for (const p of [{}, { from: "2024-03-31", to: "2024-04-01" }, { entity: "FO-LYON" }]) {
      for (const size of [1, 7, 1000]) {
        const batched: string[] = [];
        for await (const b of newCustomersBatches(k, p, size)) batched.push(...b.map((x) => x.subscription));
        expect(batched, `${JSON.stringify(p)} by ${size}`).toEqual(
          (await newCustomers(k, p)).map((x) => x.subscription),
        );
      }
    }
    const all = await intermediateConsumption(k);
    expect(all.length).toBe(await countIntermediateConsumption(k));
    expect(all.length).toBeGreaterThan(10);
    for (const p of [{}, { from: "2024-02-01" }, { owner: "sci" }, { entity: "FO-LYON", owner: "1" }]) {
      const rows = await intermediateConsumption(k, p);
      expect(rows.length, JSON.stringify(p)).toBeGreaterThan(0);
      expect(await countIntermediateConsumption(k, p), JSON.stringify(p)).toBe(rows.length);
      for (const size of [1, 4, 1000]) {
        const batched: unknown[] = [];
        for await (const b of intermediateConsumptionBatches(k, p, size)) batched.push(...b);
        expect(batched, `${JSON.stringify(p)} by ${size}`).toEqual(await intermediateConsumption(k, p));
      }
    }
  });
});
