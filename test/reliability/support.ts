/**
 * Shared by the reliability tests: the soak switch, figures for docs/reliability.md, a
 * fingerprint of every table (to prove a rejected request changed nothing) and the data
 * invariants that must hold after any mix of races and crashes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import type { Database } from "../../src/platform/db.js";
import { EcartError, HTTP_STATUS } from "../../src/platform/errors.js";

/** True under `npm run soak`: the tests run their long versions. */
export const SOAK = process.env.ECART_SOAK === "1";

/** The normal-suite figure, or the soak figure. */
export const scale = (normal: number, soak: number): number => (SOAK ? soak : normal);

/** A fixed seed in the normal suite (reproducible), a fresh one in the soak (reported with the figures). */
export const SEED = Number(process.env.ECART_SEED ?? (SOAK ? Date.now() % 2_147_483_647 : 20261127));

/** Writes one test's figures where the soak runner collects them (no-op in the normal suite). */
export function recordFigures(name: string, figures: Record<string, unknown>): void {
  const dir = process.env.ECART_SOAK_RESULTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify({ seed: SEED, ...figures }, null, 2)}\n`);
}

/** The seeded PRNG of the demo data (mulberry32): random kill moments reproducible from a seed. */
export { prng } from "../../src/demo/generate.js";

/** Every user table of the public schema, the migrations' bookkeeping excluded; a partitioned table once, not its partitions. */
export async function userTables(db: Database): Promise<string[]> {
  const r = await sql<{ t: string }>`
    select table_name as t from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' and table_name <> 'schema_migrations'
      and not (select relispartition from pg_class where oid = format('public.%I', table_name)::regclass)
    order by table_name`.execute(db.kysely);
  return r.rows.map((x) => x.t);
}

let fingerprintSql: { tables: string[]; query: string } | undefined;

/** Row count and an md5 of the whole content of every table (one round trip): equal fingerprints mean nothing changed. */
export async function fingerprint(db: Database): Promise<Record<string, string>> {
  const tables = await userTables(db);
  if (fingerprintSql?.tables.join() !== tables.join()) {
    const parts = tables.map(
      (t) =>
        `select '${t}' as t, count(*)::int || ':' || md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as f from "${t}" as x`,
    );
    fingerprintSql = { tables, query: parts.join(" union all ") };
  }
  // Table names come from information_schema, never from input: the one sql.raw of the test suite.
  const r = await sql.raw<{ t: string; f: string }>(fingerprintSql.query).execute(db.kysely);
  // Sequences are not compared: a rolled-back insert burns ids, which is harmless.
  return Object.fromEntries(r.rows.map((x) => [x.t, x.f]));
}

/** True when the error is a coded refusal whose HTTP status is a 4xx. */
export function isCoded4xx(e: unknown): e is EcartError {
  return e instanceof EcartError && HTTP_STATUS[e.code] >= 400 && HTTP_STATUS[e.code] < 500;
}

/**
 * The data invariants: each query lists the rows that break one. Empty everywhere = consistent.
 * They hold after any interleaving of commands, sweeps, and crashes at any instant.
 */
export const INVARIANTS: Record<string, string> = {
  "two open subscriptions at one service point": `
    select service_point_id from subscriptions where end_date is null
    group by service_point_id having count(*) > 1`,
  "two open move-in cases for one person at one service point": `
    select c.service_point_id, lower(trim(p.name)) from cases c join parties p on p.id = c.party_id
    where c.status = 'OPEN' and c.type in ('ARR_SPECIAL', 'ARR_INTERVENTION')
    group by 1, 2, lower(coalesce(p.email, '')) having count(*) > 1`,
  "closed move-in case without a subscription": `
    select id from cases where status = 'CLOSED' and type in ('ARR_SPECIAL', 'ARR_INTERVENTION')
    and subscription_id is null`,
  "closed case with an open task": `
    select c.id from cases c join tasks t on t.case_id = c.id where c.status = 'CLOSED' and t.status = 'OPEN'`,
  "case and subscription that do not point at each other": `
    select c.id from cases c join subscriptions s on s.id = c.subscription_id
    where c.type <> 'INT_EUROS' and s.case_id is distinct from c.id`,
  "subscription made from a case but not linked back": `
    select s.id from subscriptions s join cases c on c.id = s.case_id
    where c.type <> 'INT_EUROS' and c.subscription_id is distinct from s.id`,
  "subscription without its MOVE_IN reading": `
    select s.id from subscriptions s where s.created_by <> 'given' and not exists (
      select 1 from readings r where r.service_point_id = s.service_point_id and r.type = 'MOVE_IN'
      and r.reading_date = s.start_date and r.index_m3 = s.start_index)`,
  "subscription at the predecessor's index or from a proof without its confirmation message": `
    select s.id from subscriptions s where s.start_source in
      ('PREDECESSOR', 'PROOF', 'PROOF_DATE_PREDECESSOR_INDEX', 'PROOF_DATE_REMOTE_INDEX', 'PRESCRIPTION')
    and not exists (select 1 from communications m where m.case_id = s.case_id
      and m.template in ('CONFIRMATION_PREDECESSOR_INDEX', 'CONFIRMATION_PROOF'))`,
  "subscription with two confirmation messages": `
    select case_id from communications where template in ('CONFIRMATION_PREDECESSOR_INDEX', 'CONFIRMATION_PROOF')
    group by case_id having count(*) > 1`,
  "move-in case with two subscriptions": `
    select case_id from subscriptions where case_id is not null group by case_id having count(*) > 1`,
  "open proof request case without its request message": `
    select c.id from cases c where c.type = 'ARR_SPECIAL' and (c.move_in->>'proofRequested')::boolean
    and not exists (select 1 from communications m where m.case_id = c.id and m.template = 'PROOF_REQUEST')`,
  "case without its audit entry": `
    select c.id from cases c where not exists (
      select 1 from audit_log a where a.object_type = 'case' and a.object_id = c.id and a.action = 'case.opened')`,
  "proof reminder without its message (R18)": `
    select r.task_id from proof_reminders r where r.communication_id is null
       or not exists (select 1 from communications m where m.id = r.communication_id and m.template = 'PROOF_REMINDER')`,
  "more proof reminder messages than reminders of the case's tasks (R18)": `
    select m.case_id from communications m where m.template = 'PROOF_REMINDER' group by m.case_id
    having count(*) > (select count(*) from proof_reminders r where r.case_id = m.case_id)`,
  "subscription without its audit entry": `
    select s.id from subscriptions s where s.created_by <> 'given' and not exists (
      select 1 from audit_log a where a.object_type = 'subscription' and a.object_id = s.id
      and a.action = 'subscription.created')`,
};

/** Runs every invariant; returns the broken ones with a few offending rows. */
export async function brokenInvariants(db: Database): Promise<Record<string, unknown[]>> {
  const broken: Record<string, unknown[]> = {};
  for (const [name, query] of Object.entries(INVARIANTS)) {
    const r = await sql.raw<Record<string, unknown>>(query).execute(db.kysely);
    if (r.rows.length > 0) broken[name] = r.rows.slice(0, 5);
  }
  return broken;
}

/** Settles every promise and sorts the outcomes: results, coded refusals, anything else. */
export async function settle<T>(ps: Array<Promise<T>>) {
  const all = await Promise.allSettled(ps);
  const ok: T[] = [];
  const refused: EcartError[] = [];
  const other: unknown[] = [];
  for (const s of all) {
    if (s.status === "fulfilled") ok.push(s.value);
    else if (s.reason instanceof EcartError) refused.push(s.reason);
    else other.push(s.reason);
  }
  return { ok, refused, other };
}
