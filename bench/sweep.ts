/**
 * Figure 4: the deadline sweep (R8) over N expired proof tasks on PostgreSQL (N = BENCH_SWEEP_CASES per
 * measured sweep). Two template move-ins a week apart are made by the application (loadGiven +
 * `execute(moveIn)`: party, CUSTOMER reading, ARR_SPECIAL case, comments, AWAIT_PROOF task,
 * PROOF_REQUEST outbox row, audit); `cloneWorld` copies them with set-based SQL into two halves of
 * N + WARM_CASES. As the daily sweep would, each half gets its R18 reminders on its reminder day, before
 * it expires: the first half's are measured (figure 4b), the second's are not. Then each half: a warm-up
 * sweep (excluded), then the measured sweep of N cases (one sweeper, then SWEEPERS at once), which has
 * no reminder left to send. Baselines, same database, same run: one set-based SQL statement doing the
 * same inserts and updates (SET_BASED_SWEEP, SET_BASED_REMINDERS) for the first half, each run in a
 * transaction that is rolled back, before the real work. The baseline's events go straight into the
 * feed with their positions, the rows the sweep's commit writes (migration 970), without the staging.
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import { REMINDER_BATCH, sendProofReminders } from "../src/move-in/remind.js";
import {
  DEFAULT_SWEEP_BATCH,
  DEFAULT_SWEEP_WORKERS,
  evenBatch,
  sweepDeadlines,
} from "../src/move-in/sweep.js";
import { makeConfig } from "../src/platform/config.js";
import { type Context, SYSTEM_ACTOR } from "../src/platform/context.js";
import { addDays, localDate } from "../src/platform/dates.js";
import { type Database, openDatabase } from "../src/platform/db.js";
import { execute } from "../src/registry.js";
import { loadGiven } from "../src/scenarios/given.js";
import { benchDatabase, client, explain, figure, log, median, round, type Section, timed } from "./lib.js";
import { cloneWorld } from "./worlds.js";

const GIVEN_CTX: Context = {
  actor: { user: "given", role: "SYSTEM", entity: "GIVEN" },
  now: new Date("2024-03-01T09:00:00+01:00"),
  config: makeConfig(),
};
const FO_CTX: Context = {
  actor: { user: "fo.bench", role: "FO", entity: "FO-LYON" },
  now: new Date("2024-03-05T10:00:00+01:00"),
  config: makeConfig(),
};
/** The first half's reminder day is 2024-03-15 (due 2024-03-20, R18's 5 days before): its reminders go out on the 16th. */
const REMIND_FIRST = new Date("2024-03-16T09:00:00+01:00");
/** The second half's reminders (due 2024-03-27), after the first half's deadline has passed: not measured. */
const REMIND_SECOND = new Date("2024-03-23T09:00:00+01:00");
/** After the first half's deadline (due 2024-03-20, expired from 2024-03-21 00:00 Paris), before the second's. */
const FIRST_SWEEP = new Date("2024-03-25T09:00:00+01:00");
/** After the second half's deadline (due 2024-03-27). */
const SWEEP_AT = new Date("2024-04-01T09:00:00+02:00");

/** The template service point: its predecessor left on 2024-01-15 at 1000 m3 (the shared scenarios' world). */
export async function givenTemplate(db: Parameters<typeof loadGiven>[0], tag = "TPL"): Promise<string> {
  const id = `PDS-${tag}`;
  await loadGiven(db, GIVEN_CTX, [
    {
      id,
      address: "12 rue des Lilas, 69003 Lyon",
      owner: { name: "SCI Les Lilas" },
      meter: { serial: "A12345", remoteReading: false },
      readings: [{ date: "2023-06-01", index: 950, type: "NORMAL" }],
      subscriptions: [
        {
          id: `AB-${tag}`,
          tags: [],
          customer: { id: `C-${tag}`, name: "Paul Durand", email: "paul@example.fr" },
          start: { date: "2019-01-01", index: 500 },
          end: { date: "2024-01-15", index: 1000 },
        },
      ],
    },
  ]);
  return id;
}

/** The template move-in: 1012 m3 declared against 1000 (gap 12 > 5): a case awaiting a proof. */
export async function templateMoveIn(
  db: Parameters<typeof loadGiven>[0],
  tag: string,
  ctx: Context,
): Promise<string> {
  const id = await givenTemplate(db, tag);
  const r = await execute(db, ctx, "moveIn", {
    servicePoint: id,
    customer: { name: "Jeanne Martin", email: "jeanne@example.fr", address: "12 rue des Lilas, 69003 Lyon" },
    date: "2024-03-02",
    index: 1012,
    reconnection: false,
    proof: "WILL_SEND",
  });
  if (r.outcome !== "CASE_OPENED") throw new Error(`template move-in: ${r.outcome}`);
  return r.case as string;
}

/**
 * R18's writes as one set-based statement (the reminders' baseline): $1 the instant, $2..$3 the due
 * dates reminded, $4 the time zone of the request's date. A PROOF_REMINDER message, its proof_reminders row and two audit entries per task.
 */
export const SET_BASED_REMINDERS = `
with due as (
  select t.id as task_id, t.due_date, t.created_at, c.id as case_id, c.service_point_id, c.party_id, c.move_in
    from tasks t join cases c on c.id = t.case_id
   where t.status = 'OPEN' and t.kind = 'AWAIT_PROOF' and t.due_date between $2 and $3 and c.status = 'OPEN'
     and not exists (select 1 from proof_reminders r where r.task_id = t.id)
   for update of t, c skip locked
), ob as (
  insert into communications (template, channel, recipient_name, to_address, party_id, case_id, service_point_id,
                              payload, next_attempt_at, created_at)
  select 'PROOF_REMINDER', case when p.email is null then 'LETTER' else 'EMAIL' end, p.name,
         coalesce(p.email, p.postal_address, sp.address), p.id, d.case_id, d.service_point_id,
         jsonb_build_object('servicePoint', jsonb_build_object('id', sp.id, 'address', sp.address),
                            'caseId', d.case_id, 'termination', d.move_in->'termination',
                            'declared', jsonb_build_object('date', d.move_in->'date', 'index', d.move_in->'index'),
                            'gap', d.move_in->'gap', 'askedOn', (d.created_at at time zone $4)::date,
                            'dueDate', d.due_date),
         $1, $1
    from due d join parties p on p.id = d.party_id join service_points sp on sp.id = d.service_point_id
  returning id, case_id
), pr as (
  insert into proof_reminders (task_id, case_id, communication_id, sent_at)
  select d.task_id, d.case_id, ob.id, $1 from due d join ob on ob.case_id = d.case_id
  returning task_id
), au as (
  insert into audit_log (at, actor, role, entity, action, object_type, object_id, details)
  select $1, 'system', 'SYSTEM', 'SYSTEM', a.action, a.type, a.id, null
    from (select 'communication.queued' as action, 'communication' as type, id from ob
          union all select 'task.reminded', 'task', task_id from pr) a
)
select (select count(*) from pr)::int as reminded`;

/** The sweep's writes as one set-based statement (the baseline). */
export const SET_BASED_SWEEP = `
with due as (
  select t.id as task_id, c.id as case_id, c.service_point_id, c.party_id, c.move_in
    from tasks t join cases c on c.id = t.case_id
   where t.status = 'OPEN' and t.due_at <= $1 and c.status = 'OPEN'
   for update of t, c skip locked
), subs as (
  insert into subscriptions (service_point_id, party_id, start_date, start_index, start_source, case_id,
                             created_at, created_by, entity)
  select service_point_id, party_id, (move_in->'termination'->>'date')::date,
         (move_in->'termination'->>'index')::bigint, 'PREDECESSOR', case_id, $1, 'system', 'SYSTEM'
    from due
  returning id, case_id, service_point_id, party_id, start_date, start_index
), rd as (
  insert into readings (service_point_id, meter_id, reading_date, index_m3, type, status, usage_m3,
                        recorded_at, recorded_by, entity)
  select s.service_point_id, m.id, s.start_date, s.start_index, 'MOVE_IN', 'VALID', 0, $1, 'system', 'SYSTEM'
    from subs s left join meters m on m.service_point_id = s.service_point_id and m.removed_on is null
  returning id, service_point_id
), ev as (
  insert into events (position, type, payload, occurred_at)
  select nextval('event_position_seq'), e.type, e.payload, $1
    from (select s.case_id, 1 as k, 'subscription.started' as type,
                 jsonb_build_object('subscription', s.id, 'servicePoint', s.service_point_id,
                   'customer', jsonb_build_object('id', p.id, 'name', p.name, 'email', p.email, 'phone', p.phone,
                                                  'postalAddress', p.postal_address),
                   'start', jsonb_build_object('date', s.start_date, 'index', s.start_index, 'source', 'PREDECESSOR'),
                   'reading', r.id, 'case', s.case_id, 'tags', '[]'::jsonb, 'by', 'system') as payload
            from subs s join parties p on p.id = s.party_id join rd r on r.service_point_id = s.service_point_id
          union all
          select s.case_id, 2, 'case.closed',
                 jsonb_build_object('case', s.case_id, 'type', 'ARR_SPECIAL', 'servicePoint', s.service_point_id,
                                    'subscription', s.id, 'by', 'system')
            from subs s) e
   order by e.case_id, e.k
  returning seq
), cm as (
  insert into case_comments (case_id, body, created_at, author, entity)
  select case_id, 'Délai dépassé sans justificatif reçu : abonnement mis en place avec l''index (' || start_index ||
         ' m3) et la date de résiliation (' || to_char(start_date, 'DD/MM/YYYY') || ') du prédécesseur.',
         $1, 'system', 'SYSTEM'
    from subs
), ob as (
  insert into communications (template, channel, recipient_name, to_address, party_id, case_id, service_point_id,
                              payload, next_attempt_at, created_at)
  select 'CONFIRMATION_PREDECESSOR_INDEX', case when p.email is null then 'LETTER' else 'EMAIL' end, p.name,
         coalesce(p.email, p.postal_address), p.id, s.case_id, s.service_point_id,
         jsonb_build_object('servicePoint', jsonb_build_object('id', sp.id, 'address', sp.address),
                            'caseId', s.case_id, 'start', jsonb_build_object('date', s.start_date, 'index', s.start_index)),
         $1, $1
    from subs s join parties p on p.id = s.party_id join service_points sp on sp.id = s.service_point_id
  returning id
), tk as (
  update tasks set status = 'EXPIRED', closed_at = $1, closed_by = 'system' where id in (select task_id from due)
  returning id
), cs as (
  update cases c set subscription_id = s.id, status = 'CLOSED', closed_at = $1, closed_by = 'system'
    from subs s where c.id = s.case_id
  returning c.id
), pr as (
  update parties p set role = 'SUBSCRIBER' from subs s where p.id = s.party_id returning p.id
), au as (
  insert into audit_log (at, actor, role, entity, action, object_type, object_id, details)
  select $1, 'system', 'SYSTEM', 'SYSTEM', a.action, a.type, a.id, null
    from (select 'subscription.created' as action, 'subscription' as type, id from subs
          union all select 'task.expired', 'task', id from tk
          union all select 'communication.queued', 'communication', id from ob
          union all select 'case.closed', 'case', id from cs) a
)
select (select count(*) from subs)::int as subscribed, (select count(*) from rd)::int as readings,
       (select count(*) from pr)::int as parties, (select count(*) from ev)::int as events`;

/** Counts the SQL statements sent through `pg` while `fn` runs (round trips), with the time spent per statement kind. */
async function countQueries<T>(
  fn: () => Promise<T>,
): Promise<{ value: T; queries: number; byKind: Array<[string, number, number]> }> {
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  let queries = 0;
  const kinds = new Map<string, { n: number; ms: number }>();
  proto.query = function (this: unknown, ...a: unknown[]) {
    queries++;
    const q = a[0] as string | { text?: string };
    const text = (typeof q === "string" ? q : (q?.text ?? "")).replace(/\s+/g, " ");
    const kind = text.includes("seen_date") ? "plausibility history (loadMeterHistories)" : text.slice(0, 60);
    const t0 = process.hrtime.bigint();
    const out = original.apply(this, a);
    if (out && typeof (out as Promise<unknown>).then === "function") {
      (out as Promise<unknown>).then(
        () => {
          const k = kinds.get(kind) ?? { n: 0, ms: 0 };
          k.n++;
          k.ms += Number(process.hrtime.bigint() - t0) / 1e6;
          kinds.set(kind, k);
        },
        () => {},
      );
    }
    return out;
  };
  try {
    const value = await fn();
    const byKind = [...kinds.entries()]
      .map(([k, v]) => [k, v.n, round(v.ms, 0)] as [string, number, number])
      .sort((x, y) => y[2] - x[2]);
    return { value, queries, byKind };
  } finally {
    proto.query = original;
  }
}

/** Sweepers running at once in the second half (as several app instances would). */
const SWEEPERS = 4;

/**
 * Warm-up cases per half: one full batch per connection of the one sweeper. Their tasks' deadline
 * is moved a day earlier, so that a warm-up sweep takes them (and only them) before the measured one.
 */
const WARM_CASES = DEFAULT_SWEEP_WORKERS * DEFAULT_SWEEP_BATCH;
/** Sweeps the first half's warm-up cases (deadline moved from 2024-03-21 to 2024-03-20 00:00 Paris). */
const WARM_FIRST = new Date("2024-03-20T09:00:00+01:00");
/** Sweeps the second half's warm-up cases (deadline moved from 2024-03-28 to 2024-03-27 00:00 Paris). */
const WARM_SECOND = new Date("2024-03-27T09:00:00+01:00");

/** CPU milliseconds used so far by the server processes of a database (PostgreSQL on this host, Linux). */
export async function serverCpuMs(c: pg.Client, database: string): Promise<Map<number, number> | null> {
  try {
    const pids = (
      await c.query("select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", [
        database,
      ])
    ).rows.map((r) => r.pid as number);
    const out = new Map<number, number>();
    for (const pid of pids) {
      const ms = processCpuMs(pid);
      if (ms === null) return null;
      out.set(pid, ms);
    }
    return out;
  } catch {
    return null;
  }
}
/** CPU milliseconds used so far by a process of this host (Linux /proc), or null (another host, no /proc). */
export function processCpuMs(pid: number): number | null {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    const ticks = Number(f[11]) + Number(f[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS : null;
  } catch {
    return null;
  }
}
/** Linux's USER_HZ. */
const CLOCK_TICKS = 100;
export const cpuSince = (a: Map<number, number> | null, b: Map<number, number> | null): number | null =>
  a && b ? [...b].reduce((t, [pid, ms]) => t + ms - (a.get(pid) ?? 0), 0) : null;

/** Runs `fn` and measures its wall time, this process's CPU and the CPU of the database's server processes. */
async function measured<T>(c: pg.Client, database: string, fn: () => Promise<T>) {
  const pg0 = await serverCpuMs(c, database);
  const node0 = process.cpuUsage();
  const t = await timed(fn);
  const node = process.cpuUsage(node0);
  return {
    ...t,
    nodeCpuMs: (node.user + node.system) / 1000,
    serverCpuMs: cpuSince(pg0, await serverCpuMs(c, database)),
  };
}

/**
 * A baseline statement run twice on `c` (backend `pid`), each in a transaction rolled back: `n` rows per
 * second each time, and the backend's CPU ms where measurable; `wrong` names a row that did not do the
 * expected work.
 */
async function rolledBackTwice(
  c: pg.Client,
  pid: number,
  text: string,
  params: unknown[],
  n: number,
  wrong: (row: Record<string, number>) => string | null,
): Promise<{ rates: number[]; cpuMs: number[] }> {
  const rates: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < 2; i++) {
    await c.query("begin");
    const cpu0 = processCpuMs(pid);
    const t = await timed(() => c.query(text, params));
    const cpu1 = processCpuMs(pid);
    await c.query("rollback");
    const why = wrong(t.value.rows[0]);
    if (why) throw new Error(why);
    rates.push(n / t.seconds);
    if (cpu0 !== null && cpu1 !== null) cpuMs.push(cpu1 - cpu0);
  }
  return { rates, cpuMs };
}

/** The six statement kinds that took most of the SQL time, with their share of it. */
function shares(byKind: Array<[string, number, number]>): string {
  const spent = byKind.reduce((a, k) => a + k[2], 0);
  return `(of ${spent} ms) ${byKind
    .slice(0, 6)
    .map(([k, count, ms]) => `${k.trim()} ×${count} ${round((100 * ms) / spent, 0)}%`)
    .join("; ")}`;
}

/** µs of CPU per case, or "?" when not measurable here. */
const perCase = (ms: number | null, n: number) => (ms === null ? "?" : `${Math.round((1000 * ms) / n)} µs`);

/**
 * The sweep's outcome over the whole database: every expired case subscribed exactly once (one
 * PREDECESSOR subscription per case, one confirmation, one comment), no task or case left open.
 * Throws unless `expected` cases were swept so.
 */
export async function sweptOnce(c: pg.Client, expected: number) {
  const check = (
    await c.query(`select
      (select count(*) from subscriptions where start_source = 'PREDECESSOR')::int as subs,
      (select count(distinct case_id) from subscriptions where start_source = 'PREDECESSOR')::int as cases,
      (select count(*) from communications where template = 'CONFIRMATION_PREDECESSOR_INDEX')::int as msgs,
      (select count(*) from case_comments where body like 'Délai dépassé%')::int as comments,
      (select count(*) from tasks where status = 'OPEN')::int as open_tasks,
      (select count(*) from cases where status = 'OPEN')::int as open_cases`)
  ).rows[0];
  if (
    check.subs !== expected ||
    check.cases !== expected ||
    check.msgs !== expected ||
    check.comments !== expected ||
    check.open_tasks ||
    check.open_cases
  )
    throw new Error(`sweep left an inconsistent state: ${JSON.stringify(check)}`);
  return check as { subs: number; msgs: number; comments: number };
}

export async function benchSweep(quick: boolean): Promise<Section> {
  // Two template move-ins a week apart, copied alike, so that two equal halves expire at different
  // instants: the first half is swept by one sweeper, the second by SWEEPERS at once. Each measured
  // sweep processes `n` expired cases (BENCH_SWEEP_CASES); the world holds 2n.
  const n = Number(process.env.BENCH_SWEEP_CASES ?? (quick ? 5_000 : 100_000));
  const copies = Math.max(1, n + WARM_CASES - 1);
  const bench = await benchDatabase("sweep", 10);
  const notes: string[] = [];
  try {
    const templateCase = await templateMoveIn(bench.db, "TPL", FO_CTX);
    await templateMoveIn(bench.db, "TPM", { ...FO_CTX, now: new Date("2024-03-12T10:00:00+01:00") });
    const c = await client(bench.url);
    const others: Database[] = [];
    try {
      const gen = await timed(() => cloneWorld(c, copies));
      log(`sweep: ${2 * (n + WARM_CASES)} expired cases generated in ${gen.seconds.toFixed(1)} s`);
      const dueBy = async (at: Date) =>
        (await c.query("select count(*)::int as n from tasks where status = 'OPEN' and due_at <= $1", [at]))
          .rows[0].n;
      const half = n + WARM_CASES;
      if ((await dueBy(FIRST_SWEEP)) !== half || (await dueBy(SWEEP_AT)) !== 2 * half)
        throw new Error(`expected ${half} then ${2 * half} expired open tasks`);
      // The warm-up cases: the last copies of each half, due a day earlier.
      for (const at of [FIRST_SWEEP, SWEEP_AT])
        await c.query(
          `update tasks set due_at = due_at - interval '1 day' where id in (
             select id from tasks where status = 'OPEN' and due_at <= $1 and due_at > $1::timestamptz - interval '6 days'
              order by id desc limit $2)`,
          [at, WARM_CASES],
        );
      if ((await dueBy(WARM_FIRST)) !== WARM_CASES || (await dueBy(WARM_SECOND)) !== half + WARM_CASES)
        throw new Error("warm-up cases not due as expected");
      // Every measured run starts from the same state: statistics and hint bits set (as on cases
      // weeks old), then a checkpoint, so that each run pays the page images of the pages it first
      // writes (as a sweep of old cases does) and no checkpoint of the generated world falls in it.
      await c.query("vacuum analyze");
      await c.query("checkpoint");

      // Baseline, twice, rolled back: the first half's writes, set-based, on `c`'s own connection.
      const cPid = (await c.query("select pg_backend_pid() as pid")).rows[0].pid as number;
      const sweepBase = await rolledBackTwice(c, cPid, SET_BASED_SWEEP, [FIRST_SWEEP], half, (row) =>
        row.subscribed === half && row.events === 2 * half
          ? null
          : `baseline: ${JSON.stringify(row)}, expected ${half} cases and ${2 * half} events`,
      );
      const baseline = sweepBase.rates;
      const baselineCpu = sweepBase.cpuMs.length ? median(sweepBase.cpuMs) : null;
      // The reminders' baseline, the same way: the first half's, over the due dates sendProofReminders
      // reminds on that day (from the day to its reminder days after).
      const config = makeConfig();
      const remindFrom = localDate(REMIND_FIRST, config.timeZone);
      const remindTo = addDays(remindFrom, config.proofReminderDays);
      const remindBaseline = (
        await rolledBackTwice(
          c,
          cPid,
          SET_BASED_REMINDERS,
          [REMIND_FIRST, remindFrom, remindTo, config.timeZone],
          half,
          (row) => (row.reminded === half ? null : `reminders' baseline: ${row.reminded}, expected ${half}`),
        )
      ).rates;
      await c.query("vacuum analyze");
      const plan = await explain(
        c,
        `select c.*, t.id from tasks t join cases c on c.id = t.case_id where t.status = 'OPEN' and t.due_at <= $1
           and c.status = 'OPEN' order by t.due_at limit 200`,
        [FIRST_SWEEP],
      );

      // Warm-up, excluded from the figures: each measured sweep is preceded by a sweep of WARM_CASES
      // cases of its half on the same connections (one batch each for the one sweeper). A new server
      // session loads its catalog caches and compiles the triggers' functions on its first statements,
      // and V8 optimises the sweep's code over its first batches: costs a running instance pays once.
      const warmUp = async (dbs: Database[], at: Date) => {
        const batchSize = Math.ceil(WARM_CASES / (dbs.length * DEFAULT_SWEEP_WORKERS));
        const t = await timed(() =>
          Promise.all(dbs.map((db) => sweepDeadlines(db, at, makeConfig(), { batchSize }))),
        );
        const done = t.value.reduce((a, r) => a + r.subscribed, 0);
        if (done !== WARM_CASES) throw new Error(`warm-up subscribed ${done} of ${WARM_CASES}`);
        return { batchSize, ms: t.seconds * 1000 };
      };
      const oneDb = await openDatabase({ url: bench.url, poolSize: DEFAULT_SWEEP_WORKERS });
      others.push(oneDb);
      // R18 on each half's reminder day, as the daily sweep sends them: the first half's measured.
      const remind = (at: Date) =>
        sendProofReminders(oneDb, { actor: SYSTEM_ACTOR, now: at, config: makeConfig() });
      await c.query("checkpoint");
      log(`sweep: reminders, ${half} due`);
      const reminders = await countQueries(() => measured(c, bench.name, () => remind(REMIND_FIRST)));
      const remindedSecond = await remind(REMIND_SECOND);
      if (reminders.value.value !== half || remindedSecond !== half)
        throw new Error(`reminded ${reminders.value.value} then ${remindedSecond}, expected ${half} each`);
      const warmOne = await warmUp([oneDb], WARM_FIRST);
      await c.query("checkpoint");
      log(`sweep: one sweeper, ${n} cases`);
      const one = await countQueries(() =>
        measured(c, bench.name, () => sweepDeadlines(oneDb, FIRST_SWEEP, makeConfig())),
      );
      const manyDbs = await Promise.all(
        Array.from({ length: SWEEPERS }, () =>
          openDatabase({ url: bench.url, poolSize: DEFAULT_SWEEP_WORKERS }),
        ),
      );
      others.push(...manyDbs);
      const warmMany = await warmUp(manyDbs, WARM_SECOND);
      await c.query("checkpoint");
      log(`sweep: ${SWEEPERS} sweepers, ${n} cases`);
      const many = await measured(c, bench.name, () =>
        Promise.all(manyDbs.map((db) => sweepDeadlines(db, SWEEP_AT, makeConfig()))),
      );
      const results = [one.value.value, ...many.value];
      const failed = results.flatMap((r) => r.failed);
      if (failed.length) throw new Error(`sweep failed on ${failed.length}: ${failed[0]?.error}`);
      if (one.value.value.subscribed !== n)
        throw new Error(`one sweeper subscribed ${one.value.value.subscribed}, expected ${n}`);
      const manySubscribed = many.value.reduce((a, r) => a + r.subscribed, 0);
      if (manySubscribed !== n)
        throw new Error(`${SWEEPERS} sweepers subscribed ${manySubscribed}, expected ${n}`);
      const all = 2 * half;
      const check = await sweptOnce(c, all);
      const reminded = (
        await c.query(`select (select count(*) from proof_reminders where communication_id is not null)::int as linked,
            (select count(*) from communications where template = 'PROOF_REMINDER')::int as msgs`)
      ).rows[0];
      if (reminded.linked !== all || reminded.msgs !== all)
        throw new Error(`reminders: ${JSON.stringify(reminded)}, expected ${all} each`);
      if (results.some((r) => r.reminded !== 0)) throw new Error("a measured sweep sent reminders");
      const templateSub = (
        await c.query(
          "select start_date::text, start_index, start_source from subscriptions where case_id = $1",
          [templateCase],
        )
      ).rows[0];
      notes.push(
        `${quick ? "QUICK MODE (each sweep over fewer cases than the 100,000 target): " : ""}each figure is one sweep over ${n.toLocaleString("en")} expired AWAIT_PROOF tasks; the world holds two halves of ${half.toLocaleString("en")} a week apart (2 real move-ins + ${(2 * half - 2).toLocaleString("en")} SQL copies, ${gen.seconds.toFixed(0)} s to generate), vacuumed and analyzed, a checkpoint before each measured run; every case subscribed exactly once (e.g. ${templateSub.start_date} @ ${templateSub.start_index}, ${templateSub.start_source}), ${check.msgs} confirmations, ${check.comments} comments, no task or case left open`,
      );
      notes.push(
        `warm-up, excluded: before each measured sweep, a sweep of ${WARM_CASES.toLocaleString("en")} more cases of its half (deadline a day earlier) on the same connections: ${Math.round(warmOne.ms)} ms for the one sweeper (batches of ${warmOne.batchSize}, one per connection), ${Math.round(warmMany.ms)} ms for the ${SWEEPERS} (batches of ${warmMany.batchSize}); a new server session loads its caches and compiles the triggers' functions on its first statements, V8 optimises the sweep over its first batches: paid once by a running instance`,
      );
      notes.push(
        `one sweeper: batches of ${evenBatch(n, DEFAULT_SWEEP_WORKERS, DEFAULT_SWEEP_BATCH)} cases (at most ${DEFAULT_SWEEP_BATCH}, evened out between the workers), ${DEFAULT_SWEEP_WORKERS} at once on their own connections; ${one.queries.toLocaleString("en")} SQL round trips, ${round(one.queries / n, 2)} per case`,
      );
      notes.push(
        `CPU per case (less sensitive to the shared machine's load than wall time, not immune to it: compare with the baseline's, same run): one sweeper ${perCase(one.value.serverCpuMs, n)} in PostgreSQL + ${perCase(one.value.nodeCpuMs, n)} in Node; ${SWEEPERS} sweepers ${perCase(many.serverCpuMs, n)} + ${perCase(many.nodeCpuMs, n)}; the set-based baseline ${perCase(baselineCpu, half)} in PostgreSQL (one connection, ${half.toLocaleString("en")} cases)`,
      );
      notes.push(
        `R18's reminders (figure 4b): the first half's ${half.toLocaleString("en")} on their reminder day (2024-03-16) by sendProofReminders on one connection, batches of ${REMINDER_BATCH}, ${reminders.queries.toLocaleString("en")} SQL round trips; CPU per reminder ${perCase(reminders.value.serverCpuMs, half)} in PostgreSQL + ${perCase(reminders.value.nodeCpuMs, half)} in Node; the second half's on 2024-03-23, not measured; the measured sweeps then have none to send (checked), as in production where each day's sweep sends that day's reminders. Time per statement kind: ${shares(reminders.byKind)}`,
      );
      notes.push(`one sweeper, time per statement kind (share in SQL): ${shares(one.byKind)}`);
      const remindRate = half / reminders.value.seconds;
      const remindBase = median(remindBaseline);
      const rate = n / one.value.seconds;
      const rateMany = n / many.seconds;
      const base = median(baseline);
      return {
        name: "deadline sweep (PostgreSQL)",
        figures: [
          figure({
            id: "sweep.cases_per_s",
            label: `sweepDeadlines, one sweeper (${DEFAULT_SWEEP_WORKERS} connections), ${n.toLocaleString("en")} expired cases`,
            value: Math.round(rate),
            unit: "cases/s",
            baseline: { label: "set-based SQL, same writes, one connection", value: Math.round(base) },
            ratio: round(rate / base, 4),
            target: "≥ 5,000/s",
            ok: rate >= 5000,
          }),
          figure({
            id: "sweep.cases_per_s_4_sweepers",
            label: `sweepDeadlines, ${SWEEPERS} sweepers at once, ${n.toLocaleString("en")} expired cases`,
            value: Math.round(rateMany),
            unit: "cases/s",
            baseline: { label: "set-based SQL, same writes, one connection", value: Math.round(base) },
            ratio: round(rateMany / base, 4),
            target: "≥ 5,000/s",
            ok: rateMany >= 5000,
          }),
          figure({
            id: "sweep.reminders_per_s",
            label: `sendProofReminders (R18), one connection, ${half.toLocaleString("en")} reminders due`,
            value: Math.round(remindRate),
            unit: "reminders/s",
            baseline: { label: "set-based SQL, same writes, one connection", value: Math.round(remindBase) },
            ratio: round(remindRate / remindBase, 4),
            target: null,
          }),
        ],
        notes,
        details: {
          casesPerSweep: n,
          reminders: {
            seconds: reminders.value.seconds,
            baselineSamples: remindBaseline,
            roundTrips: reminders.queries,
            cpuMsPerReminder: {
              server: reminders.value.serverCpuMs === null ? null : reminders.value.serverCpuMs / half,
              node: reminders.value.nodeCpuMs / half,
            },
            statementKinds: reminders.byKind,
          },
          generation: gen.value.tables,
          baselineSamples: baseline,
          oneSweeperSeconds: one.value.seconds,
          manySweepersSeconds: many.seconds,
          warmUpMs: { one: warmOne.ms, many: warmMany.ms },
          cpuMsPerCase: {
            oneSweeperServer: one.value.serverCpuMs === null ? null : one.value.serverCpuMs / n,
            oneSweeperNode: one.value.nodeCpuMs / n,
            manySweepersServer: many.serverCpuMs === null ? null : many.serverCpuMs / n,
            manySweepersNode: many.nodeCpuMs / n,
            baselineServer: baselineCpu === null ? null : baselineCpu / half,
          },
          claimPlan: plan,
          roundTrips: one.queries,
          statementKinds: one.byKind,
        },
      };
    } finally {
      for (const db of others) await db.close();
      await c.end();
    }
  } finally {
    await bench.drop();
  }
}
