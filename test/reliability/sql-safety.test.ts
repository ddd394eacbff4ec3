// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the probes and justifications quote source code with ${…} on purpose.
/**
 * Promise 4 (SQL) — SQL is built with parameters only. Kysely's builder and its `sql` template
 * bind every `${value}` as a parameter; what could splice text into SQL is listed here, each with
 * why it is safe. A new use anywhere in src/** (migrations aside) fails this test until justified.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(import.meta.dirname, "..", "..", "src");

/** Patterns that put text into SQL without a parameter. */
const RISKY: Array<{ name: string; re: RegExp }> = [
  { name: "sql.raw", re: /\bsql\s*\.\s*raw\s*\(/ },
  { name: "sql.lit", re: /\bsql\s*\.\s*lit\s*\(/ },
  { name: "sql.id/ref/table from a variable", re: /\bsql\s*\.\s*(id|ref|table)\s*\(\s*[a-zA-Z_]/ },
  { name: "query() with an interpolated template", re: /\.query\s*\(\s*`[^`]*\$\{/ },
  { name: "query() with string concatenation", re: /\.query\s*\(\s*["'`][^"'`]*["'`]\s*\+/ },
  { name: "exec/execScript with an interpolated template", re: /\b(exec|execScript)\s*\(\s*`[^`]*\$\{/ },
  {
    name: "SQL keyword in a string concatenation",
    re: /["'`]\s*(select|insert|update|delete)\b[^"'`]*["'`]\s*\+\s*[a-zA-Z_]/i,
  },
];

/**
 * Every remaining use, by file and pattern, and why it is safe. Keys are "path: pattern".
 * A line may be listed only if no user input can reach the spliced text.
 */
const JUSTIFIED: Record<string, string> = {
  "platform/migrate.ts: query() with an interpolated template":
    "pg_advisory_lock/unlock(${MIGRATION_LOCK}): a numeric constant of the module, no input.",
  "platform/migrate.ts: exec/execScript with an interpolated template":
    "the migration runner wraps each migration file of src/platform/migrations (read from disk, never from input) in begin/commit and records its file name, quotes doubled.",
  "platform/reset.ts: sql.raw":
    "the scenario worker's reset names tables, sequences and columns read from the catalog (`oid::regclass::text` and `quote_ident`, quoted by PostgreSQL itself), never from input; a column name inside a string literal has its quotes doubled.",
  "reports/counts.ts: sql.id/ref/table from a variable":
    "fold() names the tables and key columns of CASE_COUNTS or SUBSCRIPTION_COUNTS, constants of the module typed `as const`; no input reaches them.",
};

function* files(dir: string): Generator<string> {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) {
      if (f !== "migrations") yield* files(p);
    } else if (/\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f)) yield p;
  }
}

describe("SQL only with parameters", () => {
  it("finds no unparameterised SQL in src/** but the justified uses", () => {
    const found = new Map<string, string[]>();
    for (const file of files(SRC)) {
      const text = readFileSync(file, "utf8");
      const rel = relative(SRC, file).replaceAll("\\", "/");
      for (const { name, re } of RISKY) {
        // On the whole text: a template may span lines.
        const hits = [...text.matchAll(new RegExp(re.source, `${re.flags}g`))].map((m) => m[0].slice(0, 120));
        if (hits.length > 0) found.set(`${rel}: ${name}`, hits);
      }
    }
    const unjustified = [...found.entries()].filter(([k]) => !(k in JUSTIFIED));
    expect(unjustified, "new unparameterised SQL: use the sql`` template or justify it here").toEqual([]);
    // A justification whose use disappeared is removed, so that the list stays true.
    expect(Object.keys(JUSTIFIED).filter((k) => !found.has(k))).toEqual([]);
  });

  it("detects what it claims to detect", () => {
    const probe = (line: string) => RISKY.some(({ re }) => re.test(line));
    expect(probe("await sql.raw(`select * from ${t}`).execute(db)")).toBe(true);
    expect(probe("await client.query(`select * from x where id = '${id}'`)")).toBe(true);
    expect(probe("await client.query('select * from x where id = ' + id)")).toBe(true);
    expect(probe('const q = "select * from x where a = " + a')).toBe(true);
    expect(probe("await sql`select * from x where id = ${id}`.execute(db)")).toBe(false);
    expect(probe("await client.query(AUDIT_SQL, params)")).toBe(false);
  });
});
