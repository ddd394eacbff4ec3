/**
 * Figure 5: R13's reports over a large history on PostgreSQL: one page of each report as the API serves
 * it (the first 50 rows and the report's total) and the CSV export. Data: N cases over two years, their
 * parties, service points, subscriptions, two comments each, R9 findings on 5% of them, and 10 readings
 * per service point, generated set-based. Baseline of each page, interleaved: a primary-key lookup of one
 * case on the same database through the same Kysely pool (the floor of any request).
 */
import { sql } from "kysely";
import { R9_COMMENT } from "../src/move-in/wording.js";
import { NEW_CUSTOMERS_COLUMNS } from "../src/reports/columns.js";
import { toCsv } from "../src/reports/csv.js";
import {
  casesByEntity,
  intermediateConsumptionPage,
  newCustomersBatches,
  newCustomersPage,
  periodInstants,
} from "../src/reports/queries.js";
import {
  benchDatabase,
  client,
  explain,
  type Figure,
  figure,
  interleave,
  log,
  median,
  round,
  type Section,
  timed,
  withRss,
} from "./lib.js";

const ENTITIES = 12;

/** Set-based generation; `n` cases, `perSp` readings per service point. */
export function generation(n: number, perSp: number): string[] {
  return [
    `insert into service_points (id, address, owner_name, created_at)
     select 'PDS-' || lpad(g::text, 8, '0'), g || ' rue de la Source, 69003 Lyon',
            case when g % 3 = 0 then 'SCI ' || (g % 997) else null end, '2022-01-01'
       from generate_series(1, ${n}) g`,
    `insert into meters (service_point_id, serial, remote_reading, digits, start_index, created_at)
     select 'PDS-' || lpad(g::text, 8, '0'), 'M' || g, g % 4 = 0, 6, 0, '2022-01-01' from generate_series(1, ${n}) g`,
    `insert into parties (id, name, email, postal_address, role, created_at)
     select 'PER-' || lpad(g::text, 8, '0'), 'Client ' || g, case when g % 5 = 0 then null else 'c' || g || '@example.fr' end,
            g || ' rue de la Source, 69003 Lyon', 'SUBSCRIBER', '2022-01-01' from generate_series(1, ${n}) g`,
    // Cases spread over 2023–2024, 12 entities, the three types, mostly closed.
    `insert into cases (id, type, status, entity, service_point_id, party_id, move_in, created_at, created_by, closed_at)
     select 'CASE-' || lpad(g::text, 8, '0'),
            (array['ARR_SPECIAL','ARR_SPECIAL','ARR_SPECIAL','ARR_INTERVENTION','ARR_INTERVENTION','INT_EUROS'])[1 + g % 6],
            case when g % 7 = 0 then 'OPEN' else 'CLOSED' end,
            'FO-' || (g % ${ENTITIES}), 'PDS-' || lpad(g::text, 8, '0'), 'PER-' || lpad(g::text, 8, '0'),
            jsonb_build_object('date', '2024-01-01', 'index', 1000 + g % 50, 'proofRequested', true),
            timestamptz '2023-01-01 08:00+01' + (g::float8 / ${n}) * interval '730 days', 'fo.bench',
            null
       from generate_series(1, ${n}) g`,
    `insert into subscriptions (id, service_point_id, party_id, start_date, start_index, start_source, case_id,
                                created_at, created_by, entity)
     select 'SUB-' || lpad(g::text, 8, '0'), 'PDS-' || lpad(g::text, 8, '0'), 'PER-' || lpad(g::text, 8, '0'),
            date '2023-01-01' + (g::float8 / ${n} * 730)::int, 1000 + g % 50,
            (array['DECLARED','PROOF','PREDECESSOR','PRESCRIPTION'])[1 + g % 4],
            'CASE-' || lpad(g::text, 8, '0'),
            timestamptz '2023-01-01 09:00+01' + (g::float8 / ${n}) * interval '730 days',
            case when g % 10 = 0 then 'given' else 'fo.bench' end, 'FO-' || (g % ${ENTITIES})
       from generate_series(1, ${n}) g`,
    `insert into case_comments (case_id, body, created_at, author, entity)
     select 'CASE-' || lpad(g::text, 8, '0'),
            case when k = 2 and g % 20 = 0 then '${R9_COMMENT}'
                 else 'Écart de consommation de +12 m3 avec le prédécesseur, au-delà de la tolérance de 5 m3.' end,
            timestamptz '2023-01-01 09:00+01' + (g::float8 / ${n}) * interval '730 days', 'fo.bench', 'FO-' || (g % ${ENTITIES})
       from generate_series(1, ${n}) g cross join generate_series(1, 2) k`,
    `insert into intermediate_consumptions (case_id, service_point_id, subscription_id, from_date, from_index,
                                            to_date, to_index, volume, created_at)
     select 'CASE-' || lpad(g::text, 8, '0'), 'PDS-' || lpad(g::text, 8, '0'), 'SUB-' || lpad(g::text, 8, '0'),
            date '2022-12-01' + (g::float8 / ${n} * 730)::int, 1000,
            date '2023-01-01' + (g::float8 / ${n} * 730)::int, 1000 + 6 + g % 40, 6 + g % 40,
            timestamptz '2023-01-01 09:00+01' + (g::float8 / ${n}) * interval '730 days'
       from generate_series(20, ${n}, 20) g`,
    `insert into readings (id, service_point_id, meter_id, reading_date, index_m3, type, status, usage_m3,
                           recorded_at, recorded_by, entity)
     select 'RDG-' || lpad(((g - 1) * ${perSp} + k)::text, 10, '0'), 'PDS-' || lpad(g::text, 8, '0'), g,
            date '2022-01-01' + k * 90, 100 + k * 30, 'NORMAL', 'VALID', 30,
            '2024-12-31', 'import', 'IMPORT'
       from generate_series(1, ${n}) g cross join generate_series(1, ${perSp}) k`,
    "vacuum analyze",
  ];
}

interface PageQuery {
  id: string;
  label: string;
  run: () => Promise<unknown>;
}

export async function benchReports(quick: boolean): Promise<Section> {
  const n = Number(process.env.BENCH_REPORT_CASES ?? (quick ? 50_000 : 1_000_000));
  const perSp = Number(process.env.BENCH_REPORT_READINGS_PER_SP ?? 10);
  const bench = await benchDatabase("reports", 4);
  const notes: string[] = [];
  const figures: Figure[] = [];
  const plans: Record<string, string[]> = {};
  try {
    const c = await client(bench.url);
    try {
      const gen = await timed(async () => {
        for (const s of generation(n, perSp)) {
          const t = await timed(() => c.query(s));
          log(`reports: ${s.trim().split("\n")[0]?.slice(0, 60)}… ${t.seconds.toFixed(1)} s`);
        }
      });
      const size = (await c.query("select pg_size_pretty(pg_database_size(current_database())) as s")).rows[0]
        .s;
      notes.push(
        `${quick ? "QUICK MODE (smaller than the target scale): " : ""}${n.toLocaleString("en")} cases, subscriptions and service points, ${(2 * n).toLocaleString("en")} comments, ${(n / 20).toLocaleString("en")} R9 findings, ${(n * perSp).toLocaleString("en")} readings; database ${size}, generated in ${gen.seconds.toFixed(0)} s`,
      );
      const k = bench.db.kysely;
      const month = { from: "2024-06-01", to: "2024-06-30" };
      const pages: PageQuery[] = [
        { id: "cases_by_entity.all", label: "cases by entity, whole history", run: () => casesByEntity(k) },
        {
          id: "cases_by_entity.month",
          label: "cases by entity, one month",
          run: () => casesByEntity(k, month),
        },
        {
          id: "new_customers.first",
          label: "new customers, first page + total",
          run: () => newCustomersPage(k, { limit: 50 }),
        },
        {
          id: "new_customers.month",
          label: "new customers, one month, first page + total",
          run: () => newCustomersPage(k, { ...month, limit: 50 }),
        },
        {
          id: "new_customers.early_month",
          label: "new customers, an early month, first page + total",
          run: () => newCustomersPage(k, { from: "2023-02-01", to: "2023-02-28", limit: 50 }),
        },
        {
          id: "new_customers.entity",
          label: "new customers, one entity, first page + total",
          run: () => newCustomersPage(k, { entity: "FO-3", limit: 50 }),
        },
        {
          id: "intermediate.first",
          label: "intermediate consumption, first page + total",
          run: () => intermediateConsumptionPage(k, { limit: 50 }),
        },
        {
          id: "intermediate.month",
          label: "intermediate consumption, one month, first page + total",
          run: () => intermediateConsumptionPage(k, { ...month, limit: 50 }),
        },
        {
          id: "intermediate.entity",
          label: "intermediate consumption, one entity, first page + total",
          run: () => intermediateConsumptionPage(k, { entity: "FO-4", limit: 50 }),
        },
        {
          id: "intermediate.owner",
          label: "intermediate consumption, part of an owner's name, first page + total",
          run: () => intermediateConsumptionPage(k, { owner: "sci 99", limit: 50 }),
        },
      ];
      const baseline = async () => {
        const t = await timed(() =>
          k
            .selectFrom("cases")
            .selectAll()
            .where("id", "=", `CASE-${String(1 + Math.floor(Math.random() * n)).padStart(8, "0")}`)
            .execute(),
        );
        return t.seconds * 1000;
      };
      for (const p of pages) {
        await p.run(); // warm the cache and the plan (and fold the generation's count changes)
        const r = await interleave(quick ? 5 : 9, baseline, async () => (await timed(p.run)).seconds * 1000);
        const ms = median(r.subject);
        const base = median(r.baseline);
        figures.push(
          figure({
            id: `reports.${p.id}_ms`,
            label: `report page: ${p.label}`,
            value: round(ms, 1),
            unit: "ms",
            baseline: { label: "PK lookup of one case", value: round(base, 2) },
            ratio: round(base / ms, 4),
            target: "< 100 ms",
            ok: ms < 100,
          }),
        );
      }
      // Plans of every SELECT behind each page (EXPLAIN (ANALYZE, BUFFERS)), compiled by Kysely.
      for (const p of pages) {
        const statements = (await captureSql(p.run)).filter((q) => /^\s*select\b/i.test(q.sql));
        for (const [i, q] of statements.entries())
          plans[`${p.id}#${i + 1}`] = await explain(c, q.sql, q.parameters as unknown[]);
      }

      // The same answers by the query shapes used before migrations 510–513 (median of 3, same run).
      const before: Record<string, number> = {};
      const previous: Record<string, string> = {
        "cases_by_entity.all (group-by of every case)":
          "select entity, type, status, count(*)::int from cases group by entity, type, status order by 1, 2, 3",
        "new_customers.month rows (Paris day of each row)": `select s.id from subscriptions s join parties p on p.id = s.party_id join service_points sp on sp.id = s.service_point_id
           where s.created_by <> 'given' and (s.created_at at time zone 'Europe/Paris')::date between '${month.from}' and '${month.to}'
           order by s.created_at desc, s.id limit 50`,
        "new_customers total (count of the joined rows)": `select count(*) from subscriptions s join parties p on p.id = s.party_id join service_points sp on sp.id = s.service_point_id
           where s.created_by <> 'given'`,
        "intermediate total (joined rows, R9 comment probed per finding)": `select count(*) from intermediate_consumptions ic join service_points sp on sp.id = ic.service_point_id
           join subscriptions s on s.id = ic.subscription_id join cases c on c.id = ic.case_id
           where exists (select 1 from case_comments cc where cc.case_id = ic.case_id and cc.body = '${R9_COMMENT}')`,
        // Before 512 and 513 (with 511's index): the entity read from each finding's case; the owner's name
        // matched on every service point.
        "intermediate.entity total (entity looked up in cases per finding)": `select count(*) from intermediate_consumptions ic
           where exists (select 1 from case_comments cc where cc.case_id = ic.case_id and cc.body = '${R9_COMMENT}')
             and exists (select 1 from cases fc where fc.id = ic.case_id and fc.entity = 'FO-4')`,
        "intermediate.owner total (owner's name matched without the trigram index)": `select count(*) from intermediate_consumptions ic
           where exists (select 1 from case_comments cc where cc.case_id = ic.case_id and cc.body = '${R9_COMMENT}')
             and exists (select 1 from service_points fsp where fsp.id = ic.service_point_id and fsp.owner_name ilike '%sci 99%')`,
      };
      /** The indexes each previous shape ran without (dropped in a transaction that is rolled back). */
      const withoutIndexes = (label: string) =>
        label.startsWith("intermediate.entity")
          ? ["intermediate_consumptions_entity_to_date"]
          : label.startsWith("intermediate.owner")
            ? ["service_points_owner_name_trgm"]
            : ["case_comments_r9"];
      for (const [label, text] of Object.entries(previous)) {
        await c.query("begin");
        try {
          for (const index of withoutIndexes(label)) await c.query(`drop index ${index}`);
          await c.query(text);
          const ms: number[] = [];
          for (let i = 0; i < 3; i++) ms.push((await timed(() => c.query(text))).seconds * 1000);
          before[label] = round(median(ms), 1);
        } finally {
          await c.query("rollback");
        }
      }
      notes.push(
        `previous query shapes, same data (ms, median of 3): ${Object.entries(before)
          .map(([id, ms]) => `${id} ${ms}`)
          .join("; ")}`,
      );

      // CSV export: the new customers report, streamed in keyset batches, written to nowhere; RSS growth.
      const csvRows = Number(process.env.BENCH_CSV_ROWS ?? (quick ? 20_000 : 100_000));
      const csvFrom = "2024-01-01";
      const csvTo = new Date(Date.parse("2024-01-01") + Math.ceil((csvRows / n) * 730) * 86_400_000)
        .toISOString()
        .slice(0, 10);
      const exportCsv = () =>
        toCsv(NEW_CUSTOMERS_COLUMNS, newCustomersBatches(k, { from: csvFrom, to: csvTo }));
      global.gc?.();
      const csv = await withRss(async () => {
        let bytes = 0;
        let lines = 0;
        const firstLast: number[] = [];
        const rssMb: number[] = [];
        let t = Date.now();
        let at = 0;
        for await (const chunk of exportCsv()) {
          bytes += Buffer.byteLength(chunk);
          lines += chunk.split("\r\n").length - 1;
          if (lines - at >= 5000) {
            firstLast.push(Date.now() - t);
            rssMb.push(round(process.memoryUsage.rss() / 2 ** 20));
            t = Date.now();
            at = lines;
          }
        }
        return { bytes, lines, msPer5000: firstLast, rssMb };
      });
      const exportSeconds = await timed(async () => {
        for await (const _ of exportCsv());
      });
      const { since, before: until } = periodInstants({ from: csvFrom, to: csvTo });
      const csvSql = `select s.id, p.id, p.name, s.service_point_id, sp.address, s.start_date, s.start_index, s.start_source, s.entity, s.case_id, s.created_at
                   from subscriptions s join parties p on p.id = s.party_id join service_points sp on sp.id = s.service_point_id
                  where s.created_by <> 'given' and s.created_at >= '${since?.toISOString()}' and s.created_at < '${until?.toISOString()}'
                  order by s.created_at desc, s.id`;
      const copy = await timed(() =>
        c.query(`copy (${csvSql}) to '/dev/null' with (format csv, delimiter ';')`).catch(() => null),
      );
      // What one batch cost at the end of the export when it paged by OFFSET (before keyset batches).
      const lastOffsetBatch = await timed(() =>
        c.query(`${csvSql} limit 1000 offset ${Math.max(0, csv.value.lines - 1001)}`),
      );
      const growth = csv.endMb - csv.startMb;
      const msPer = csv.value.msPer5000;
      figures.push(
        figure({
          id: "reports.csv_rss_growth_mb",
          label: `CSV export, new customers (${csv.value.lines.toLocaleString("en")} lines): RSS growth`,
          value: round(Math.max(0, csv.peakMb - csv.startMb), 1),
          unit: "MB",
          baseline: null,
          target: "constant memory",
          ok: csv.peakMb - csv.startMb < 64,
          note: `start ${round(csv.startMb)} MB, peak ${round(csv.peakMb)} MB, end ${round(csv.endMb)} MB`,
        }),
        figure({
          id: "reports.csv_rows_per_s",
          label: "CSV export, new customers, rows/s",
          value: Math.round((csv.value.lines - 1) / exportSeconds.seconds),
          unit: "rows/s",
          baseline: copy.value
            ? {
                label: "COPY (same query) TO /dev/null in the server",
                value: Math.round((csv.value.lines - 1) / copy.seconds),
              }
            : null,
          ratio: copy.value ? round(copy.seconds / exportSeconds.seconds, 4) : null,
          target: null,
        }),
      );
      notes.push(
        `CSV: ${csv.value.lines.toLocaleString("en")} lines, ${round(csv.value.bytes / 2 ** 20, 1)} MB, RSS start ${round(csv.startMb)} → peak ${round(csv.peakMb)} → end ${round(csv.endMb)} MB (growth ${round(growth, 1)} MB); ms per 5,000 lines, first → last: ${msPer.slice(0, 2).join(", ")} … ${msPer.slice(-2).join(", ")} (keyset batches of 1,000: each starts where the last ended); RSS every 5,000 lines (MB): ${csv.value.rssMb.join(", ")}; the last 1,000 rows by OFFSET paging (before) took ${round(lastOffsetBatch.seconds * 1000)} ms`,
      );

      // Steady state of the kept counts: 1,000 commands each close or reopen one case (one statement
      // each, as commands write), then the report folds their changes and reads.
      const writes = await timed(async () => {
        for (let i = 0; i < 1000; i++)
          await sql`update cases set status = case status when 'OPEN' then 'CLOSED' else 'OPEN' end
                     where id = ${`CASE-${String(1 + Math.floor(Math.random() * n)).padStart(8, "0")}`}`.execute(
            k,
          );
      });
      const pending = Number((await c.query("select count(*)::int as n from case_count_changes")).rows[0].n);
      const fold = await timed(() => casesByEntity(k));
      const after = await timed(() => casesByEntity(k));
      notes.push(
        `kept counts: 1,000 single-case updates took ${round(writes.seconds, 2)} s (triggers included) and left ${pending} pending changes; the next whole-history report (fold + read) took ${round(fold.seconds * 1000, 1)} ms, the one after ${round(after.seconds * 1000, 1)} ms`,
      );
      return { name: "R13 reports (PostgreSQL)", figures, notes, details: { plans, before } };
    } finally {
      await c.end();
    }
  } finally {
    await bench.drop();
  }
}

/** The SQL and parameters of every query a report runs (to EXPLAIN them). */
async function captureSql(
  run: () => Promise<unknown>,
): Promise<Array<{ sql: string; parameters: readonly unknown[] }>> {
  const captured: Array<{ sql: string; parameters: readonly unknown[] }> = [];
  const proto = (await import("pg")).default.Client.prototype as unknown as {
    query: (...a: unknown[]) => unknown;
  };
  const original = proto.query;
  proto.query = function (this: unknown, ...a: unknown[]) {
    const q = a[0] as { text?: string; values?: unknown[] } | string;
    if (typeof q === "string") captured.push({ sql: q, parameters: (a[1] as unknown[]) ?? [] });
    else if (q?.text) captured.push({ sql: q.text, parameters: q.values ?? [] });
    return original.apply(this, a);
  };
  try {
    await run();
  } finally {
    proto.query = original;
  }
  return captured;
}
