/**
 * The scenario worker (src/scenarios/worker.ts) replays many files on one embedded database, reset to its
 * migrated baseline between them: each file must print exactly what it prints on a new database.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, freshEmbeddedDatabase } from "../../src/platform/db.js";
import { type Baseline, fingerprint, resetToBaseline, takeBaseline } from "../../src/platform/reset.js";
import { replayFile } from "../../src/scenarios/replay.js";

const DIR = join(import.meta.dirname, "..", "..", "scenarios");
/** A few files that create every kind of object (cases, contests, readings, the sweep's messages). */
const FILES = ["r04", "r08", "r09", "r16", "r18"].flatMap((rule) => {
  const f = readdirSync(DIR)
    .sort()
    .find((n) => n.startsWith(`${rule}-`) && n.endsWith(".json"));
  return f ? [join(DIR, f)] : [];
});

describe("scenario worker: reset to the migrated baseline", () => {
  let db: Database;
  let base: Baseline;
  beforeAll(async () => {
    db = await freshEmbeddedDatabase();
    base = await takeBaseline(db);
  }, 120_000);
  afterAll(() => db.close());

  it("replays several files in a row on one database, each as on a new one", async () => {
    expect(FILES.length).toBeGreaterThanOrEqual(4);
    for (const file of FILES) {
      await resetToBaseline(db, base, true);
      const warm = await replayFile([file], db);
      const cold = await replayFile([file]);
      expect(warm.code).toBe(0);
      expect(JSON.parse(warm.stdout)).toEqual(JSON.parse(cold.stdout));
    }
  }, 300_000);

  it("gives back the rows and sequence positions of a new database, TRUNCATE guards notwithstanding", async () => {
    await resetToBaseline(db, base);
    await replayFile([FILES[0] as string], db);
    expect(await fingerprint(db)).not.toBe(base.print);
    await resetToBaseline(db, base);
    const fresh = await freshEmbeddedDatabase();
    try {
      expect(await fingerprint(db)).toBe(await fingerprint(fresh));
      // The guards are still there: a plain TRUNCATE is refused outside the reset.
      await expect(sql`truncate readings`.execute(db.kysely)).rejects.toThrow();
    } finally {
      await fresh.close();
    }
  });

  it("never empties a server's database", async () => {
    const server = { ...db, kind: "postgres" } as Database;
    await expect(resetToBaseline(server, base)).rejects.toThrow(/embedded scenario databases only/);
  });

  it("refuses to go on when a reset does not reach the baseline", async () => {
    await sql`create table stray (x int)`.execute(db.kysely);
    await sql`insert into stray values (1)`.execute(db.kysely);
    try {
      await expect(resetToBaseline(db, base, true)).rejects.toThrow(/baseline/);
    } finally {
      await sql`drop table stray`.execute(db.kysely);
    }
  });
});
