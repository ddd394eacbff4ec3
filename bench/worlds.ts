/**
 * Large worlds made fast and exactly: the application writes ONE template world through its own
 * code (loadGiven, then commands via `execute`), then set-based SQL copies every row of every table
 * N times with `generate_series`, giving each copy its own ids. Generated ids keep their readable
 * form (`CASE-000042`: the template's number + its table's highest number × copy), the sequences are
 * moved past them, identity columns are shifted the same way, and every id found inside a text or
 * jsonb column (payloads, JSON facts) is replaced by the copy's. So each copy is, column for column,
 * what the commands would have written for it. Tables derived from others by triggers (their comment
 * starts with "derived:") are not copied: the copies' own inserts keep them. A reference is a foreign
 * key, or a column named after a copied table (`service_point_id` → `service_points`' primary key) for the
 * references a schema checks otherwise (readings' are checked by a statement trigger, migration 520).
 */
import type pg from "pg";
import { log } from "./lib.js";

interface Column {
  name: string;
  type: string;
  identity: boolean;
  defaultExpr: string | null;
}

interface IdInfo {
  table: string;
  /** SQL giving the copy's id, with `g` the copy number. */
  expr: string;
}

const SEQ_ID = /^([A-Z]+)-(\d+)$/;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Tables in an order where every non-null foreign key of the template points at a table already copied. */
function insertOrder(tables: string[], edges: Array<{ from: string; to: string }>): string[] {
  const out: string[] = [];
  const left = new Set(tables);
  while (left.size) {
    const ready = [...left].filter((t) => !edges.some((e) => e.from === t && e.to !== t && left.has(e.to)));
    if (!ready.length) throw new Error(`foreign-key cycle among ${[...left].join(", ")}`);
    for (const t of ready.sort()) {
      out.push(t);
      left.delete(t);
    }
  }
  return out;
}

export interface CloneReport {
  /** The template's own text ids (its copies carry none of them). */
  templateIds: string[];
  tables: Array<{ table: string; templateRows: number; inserted: number; seconds: number }>;
  idsMapped: number;
}

/**
 * Copies every row of every non-empty table `copies` times (copy numbers 1..copies); the template
 * keeps copy number 0. Call on a database holding only the template world.
 */
export async function cloneWorld(c: pg.Client, copies: number): Promise<CloneReport> {
  const tableRows = (
    await c.query<{ t: string }>(
      // Tables commented "derived:" (migration 510's report counts) are kept by triggers on the copied rows.
      `select table_name as t from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' and table_name <> 'schema_migrations'
          and coalesce(obj_description(format('public.%I', table_name)::regclass, 'pg_class'), '') not like 'derived:%'
          -- a partitioned table's rows are copied through it, not through each partition
          and not (select relispartition from pg_class where oid = format('public.%I', table_name)::regclass)`,
    )
  ).rows.map((r) => r.t);
  const counts = new Map<string, number>();
  for (const t of tableRows) {
    const n = Number((await c.query(`select count(*)::int as n from ${ident(t)}`)).rows[0].n);
    if (n > 0) counts.set(t, n);
  }
  const tables = [...counts.keys()];
  const cols = new Map<string, Column[]>();
  for (const r of (
    await c.query<{ t: string; name: string; type: string; identity: string; def: string | null }>(
      `select table_name as t, column_name as name, data_type as type, is_identity as identity, column_default as def
         from information_schema.columns where table_schema = 'public' and is_generated = 'NEVER'
        order by table_name, ordinal_position`,
    )
  ).rows) {
    if (!counts.has(r.t)) continue;
    const list = cols.get(r.t) ?? [];
    list.push({ name: r.name, type: r.type, identity: r.identity === "YES", defaultExpr: r.def });
    cols.set(r.t, list);
  }
  // Unique columns other than the key that the schema fills for each new row (events: `id` by its
  // default, `position` at commit by a trigger from its own sequence): the copies get theirs the same way
  // (a column with a default is left out of the insert, a nullable number is left null).
  const givenBySchema = new Map(
    (
      await c.query<{ t: string; col: string; omit: boolean }>(
        `select cl.relname as t, a.attname as col, a.atthasdef as omit from pg_index i
           join pg_class cl on cl.oid = i.indrelid
           join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
          where i.indisunique and not i.indisprimary and i.indnatts = 1
            and cl.relnamespace = 'public'::regnamespace and not cl.relispartition
            and (a.atthasdef or (not a.attnotnull and a.atttypid in ('int4'::regtype, 'int8'::regtype)))`,
      )
    ).rows.map((r) => [`${r.t}.${r.col}`, r.omit]),
  );
  const fks = (
    await c.query<{ from: string; col: string; to: string; refcol: string }>(
      `select cl.relname as "from", a.attname as col, rc.relname as "to", ra.attname as refcol
         from pg_constraint k
         join pg_class cl on cl.oid = k.conrelid join pg_class rc on rc.oid = k.confrelid
         join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
         join pg_attribute ra on ra.attrelid = k.confrelid and ra.attnum = k.confkey[1]
        where k.contype = 'f' and array_length(k.conkey, 1) = 1`,
    )
  ).rows;

  // Template rows, to find which columns hold ids and which foreign keys are used.
  const rows = new Map<string, Array<Record<string, unknown>>>();
  for (const t of tables)
    rows.set(
      t,
      (await c.query(`select to_jsonb(x) as j from ${ident(t)} x`)).rows.map((r) => r.j),
    );

  // Text primary keys → their copies' ids; identity columns → their shift.
  const ids = new Map<string, IdInfo>();
  const identityShift = new Map<string, { col: string; max: number }>();
  const sequenceMoves: string[] = [];
  const pkOf = new Map<string, string>();
  for (const t of tables) {
    const pk = (
      await c.query<{ col: string }>(
        `select a.attname as col from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
          where i.indrelid = $1::regclass and i.indisprimary`,
        [t],
      )
    ).rows;
    // A partitioned table's primary key carries its partition key too (readings: id, reading_date).
    const pkCol = pk.length === 1 ? pk[0]?.col : pk.find((x) => x.col === "id")?.col;
    if (!pkCol) continue;
    pkOf.set(t, pkCol);
    const col = (cols.get(t) ?? []).find((x) => x.name === pkCol);
    if (!col) continue;
    const values = (rows.get(t) ?? []).map((r) => r[col.name]);
    if (col.identity) {
      const max = Math.max(...values.map(Number));
      identityShift.set(t, { col: col.name, max });
      sequenceMoves.push(
        `select setval(pg_get_serial_sequence(${lit(t)}, ${lit(col.name)}), ${max * (copies + 1)})`,
      );
      continue;
    }
    if (col.type !== "text") continue;
    const seq = /nextval\('([^']+)'/.exec(col.defaultExpr ?? "")?.[1];
    const width = Number(/lpad\(.*?,\s*(\d+)/.exec(col.defaultExpr ?? "")?.[1] ?? 0);
    const numbered = values.filter((v): v is string => typeof v === "string" && SEQ_ID.test(v));
    const max = Math.max(0, ...numbered.map((v) => Number(SEQ_ID.exec(v)?.[2])));
    for (const v of values as string[]) {
      const m = SEQ_ID.exec(v);
      if (seq && m && width && String(Number(m[2])).length <= width) {
        if (String(Number(m[2]) + max * copies).length > width)
          throw new Error(`${t}: ${copies} copies overflow the ${width}-digit ids`);
        ids.set(v, {
          table: t,
          expr: `${lit(`${m[1]}-`)} || lpad((${Number(m[2])} + ${max} * g)::text, ${width}, '0')`,
        });
      } else {
        ids.set(v, { table: t, expr: `${lit(`${v}-`)} || g::text` });
      }
    }
    if (seq && max > 0) sequenceMoves.push(`select setval(${lit(seq)}, ${max * (copies + 1)})`);
  }
  const idList = [...ids.keys()].sort((a, b) => b.length - a.length);

  // Foreign keys, and the references by name that no foreign key declares.
  const refs = [...fks];
  for (const t of tables)
    for (const col of cols.get(t) ?? []) {
      const to = col.name.endsWith("_id") ? `${col.name.slice(0, -3)}s` : "";
      if (pkOf.has(to) && to !== t && !fks.some((f) => f.from === t && f.col === col.name))
        refs.push({ from: t, col: col.name, to, refcol: pkOf.get(to) as string });
    }
  const edges = refs
    .filter((f) => counts.has(f.from) && counts.has(f.to))
    .filter((f) => (rows.get(f.from) ?? []).some((r) => r[f.col] !== null && r[f.col] !== undefined))
    .map((f) => ({ from: f.from, to: f.to }));
  const order = insertOrder(tables, edges);

  const report: CloneReport = { templateIds: idList, tables: [], idsMapped: ids.size };
  for (const t of order) {
    const exprs: string[] = [];
    const names: string[] = [];
    for (const col of cols.get(t) ?? []) {
      const ref = `x.${ident(col.name)}`;
      const bySchema = givenBySchema.get(`${t}.${col.name}`);
      if (bySchema) continue; // its default gives each copy its own
      names.push(ident(col.name));
      const shift = identityShift.get(t);
      const fk = refs.find((f) => f.from === t && f.col === col.name);
      const fkShift = fk ? identityShift.get(fk.to) : undefined;
      if (bySchema === false) {
        exprs.push("null");
        continue;
      }
      if (shift && shift.col === col.name) {
        exprs.push(`${ref} + ${shift.max} * g`);
        continue;
      }
      if (fkShift && fkShift.col === fk?.refcol) {
        exprs.push(`${ref} + ${fkShift.max} * g`);
        continue;
      }
      const values = (rows.get(t) ?? []).map((r) => r[col.name]).filter((v) => v !== null && v !== undefined);
      if (col.type === "text" && values.some((v) => ids.has(v as string))) {
        const whens = idList
          .filter((id) => values.includes(id))
          .map((id) => `when ${lit(id)} then ${ids.get(id)?.expr}`);
        exprs.push(`case ${ref} ${whens.join(" ")} else ${ref} end`);
        continue;
      }
      if (col.type === "jsonb" || col.type === "json") {
        const text = values.map((v) => JSON.stringify(v)).join("\n");
        const inside = idList.filter((id) => text.includes(`"${id}"`));
        if (inside.length) {
          let e = `${ref}::text`;
          for (const id of inside) e = `replace(${e}, ${lit(`"${id}"`)}, '"' || ${ids.get(id)?.expr} || '"')`;
          exprs.push(`(${e})::${col.type}`);
          continue;
        }
      }
      if (col.type === "text" && values.some((v) => idList.some((id) => (v as string).includes(id)))) {
        let e = ref;
        for (const id of idList.filter((i) => values.some((v) => (v as string).includes(i))))
          e = `replace(${e}, ${lit(id)}, ${ids.get(id)?.expr})`;
        exprs.push(e);
        continue;
      }
      exprs.push(ref);
    }
    const overriding = (cols.get(t) ?? []).some((x) => x.identity) ? "overriding system value" : "";
    const t0 = Date.now();
    const r = await c.query(
      `insert into ${ident(t)} (${names.join(", ")}) ${overriding}
       select ${exprs.join(", ")} from ${ident(t)} x cross join generate_series(1, ${copies}) g`,
    );
    report.tables.push({
      table: t,
      templateRows: counts.get(t) ?? 0,
      inserted: r.rowCount ?? 0,
      seconds: (Date.now() - t0) / 1000,
    });
    log(`  cloned ${t}: ${r.rowCount} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  for (const s of sequenceMoves) await c.query(s);
  await c.query("analyze");
  // A missed reference would point every copy at the template: no copied row may carry a template id.
  const pattern = idList.map((s) => `"${s.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&")}"`).join("|");
  // The copies are the rows but the template's (by key; else those after the template's in insertion
  // order: a partitioned table is read partition by partition, template rows and copies mixed).
  for (const t of order) {
    const pk = pkOf.get(t);
    const templateKeys = pk ? (rows.get(t) ?? []).map((x) => String(x[pk])) : [];
    const r = await c.query(
      pk
        ? `select count(*)::int as n from (select to_jsonb(x)::text as j from ${ident(t)} x
             where x.${ident(pk)}::text <> all($1::text[]) limit 20000) s where j ~ $2`
        : `select count(*)::int as n from (select to_jsonb(x)::text as j from ${ident(t)} x offset $1 limit 20000) s where j ~ $2`,
      [pk ? templateKeys : counts.get(t), pattern],
    );
    if (r.rows[0].n > 0)
      throw new Error(`cloneWorld: ${r.rows[0].n} copied rows of ${t} still name a template id`);
  }
  return report;
}
