/**
 * The figures an operator watches (docs/operations.md, `GET /metrics`): open cases and tasks, tasks past
 * their deadline, the outbox's queue, webhook deliveries waiting, what the imports counted. A handful of
 * grouped counts, each on an index or a small table, read together at each scrape.
 */
import { sql, type Transaction } from "kysely";
import type { Database } from "../platform/db.js";
import type { DB } from "../platform/schema.js";

export interface OperationalFigures {
  /** Open cases by type. */
  openCases: Record<string, number>;
  /** Open tasks by kind, and how many of them are past their deadline. */
  openTasks: Record<string, { open: number; pastDue: number }>;
  /** Messages to customers by status. */
  outbox: Record<string, number>;
  /** Age in seconds of the oldest message still waiting (PENDING), 0 when none. */
  oldestPendingSeconds: number;
  /** Webhook deliveries waiting: events not yet acknowledged by an active endpoint, added up over them. */
  webhooksPending: number;
  /** What the finished imports counted, since the database was created (import_runs). */
  imports: { runs: number; loaded: number; alreadyPresent: number; rejected: number };
}

const count = (n: unknown) => Number(n ?? 0);

/** Reads the figures at `now`, one query after the other on one connection (a scrape takes no more). */
export async function operationalFigures(db: Database, now: Date): Promise<OperationalFigures> {
  return db.kysely.transaction().execute(async (k) => {
    const cases = await k
      .selectFrom("cases")
      .select(["type", (eb) => eb.fn.countAll<string>().as("n")])
      .where("status", "=", "OPEN")
      .groupBy("type")
      .execute();
    const tasks = await k
      .selectFrom("tasks")
      .select([
        "kind",
        (eb) => eb.fn.countAll<string>().as("n"),
        sql<string>`count(*) filter (where due_at < ${now})`.as("past_due"),
      ])
      .where("status", "=", "OPEN")
      .groupBy("kind")
      .execute();
    const outbox = await k
      .selectFrom("communications")
      .select([
        "status",
        (eb) => eb.fn.countAll<string>().as("n"),
        sql<Date | null>`min(created_at) filter (where status = 'PENDING')`.as("oldest"),
      ])
      .groupBy("status")
      .execute();
    const imports = await k
      .selectFrom("import_runs")
      .select([
        (eb) => eb.fn.countAll<string>().as("runs"),
        (eb) => eb.fn.sum<string>("inserted").as("loaded"),
        (eb) => eb.fn.sum<string>("already_present").as("already_present"),
        (eb) => eb.fn.sum<string>("rejected").as("rejected"),
      ])
      .executeTakeFirstOrThrow();
    const webhooks = await webhooksPending(k);
    const oldest = outbox.find((r) => r.status === "PENDING")?.oldest ?? null;
    return {
      openCases: Object.fromEntries(cases.map((r) => [r.type, count(r.n)])),
      openTasks: Object.fromEntries(
        tasks.map((r) => [r.kind, { open: count(r.n), pastDue: count(r.past_due) }]),
      ),
      outbox: Object.fromEntries(outbox.map((r) => [r.status, count(r.n)])),
      oldestPendingSeconds: oldest ? Math.max(0, (now.getTime() - new Date(oldest).getTime()) / 1000) : 0,
      webhooksPending: webhooks,
      imports: {
        runs: count(imports.runs),
        loaded: count(imports.loaded),
        alreadyPresent: count(imports.already_present),
        rejected: count(imports.rejected),
      },
    };
  });
}

/**
 * Webhook deliveries waiting: for each active endpoint, the events of the feed past the last one it
 * acknowledged (SPEC §8: each endpoint reads the feed in order), added up.
 */
async function webhooksPending(k: Transaction<DB>): Promise<number> {
  const r = await sql<{ n: string | null }>`
    select sum(p.n) as n from webhook_endpoints e
    cross join lateral (select count(*) as n from events v where v.position > e.delivered_position) p
    where e.active`.execute(k);
  return count(r.rows[0]?.n);
}
