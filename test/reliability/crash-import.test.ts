/**
 * Promise 2 (import) — a readings import process killed with SIGKILL at random moments, then run
 * again each time: afterwards every row of the file is in the database exactly once, each batch's
 * audit entry matches what it loaded, and a last run adds nothing.
 */
import { createReadStream, createWriteStream, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type GenerateOptions,
  generatePoints,
  generateReadings,
  readingsCsv,
} from "../../src/demo/generate.js";
import { insertPoints } from "../../src/demo/load.js";
import { importReadings } from "../../src/readings/import.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs } from "../support/factories.js";
import { runAndKill } from "./crash.js";
import { prng, recordFigures, SEED, scale } from "./support.js";

const KILLS = scale(5, 20);
const o: GenerateOptions = {
  seed: 7,
  servicePoints: scale(60, 300),
  from: "2021-01-01",
  to: "2022-06-30",
  remoteShare: 0.2,
  slipRate: 0.01,
  idPrefix: "IMPK",
};

describe.runIf(ENGINES.includes("postgres"))("a readings import killed with SIGKILL (PostgreSQL)", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("postgres", 4);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it(
    `${KILLS} kills at random moments, each followed by a new run: every row exactly once`,
    async () => {
      const rand = prng(SEED + 1);
      await insertPoints(t.db, generatePoints(o));
      const file = join(mkdtempSync(join(tmpdir(), "ecart-rel-import-")), "readings.csv");
      let rows = 0;
      const counted = (function* () {
        for (const r of generateReadings(o)) {
          rows++;
          yield r;
        }
      })();
      await pipeline(Readable.from(readingsCsv(counted)), createWriteStream(file));
      const count = async () =>
        Number(
          (
            await t.db.kysely
              .selectFrom("readings")
              .select((eb) => eb.fn.countAll<number>().as("n"))
              .executeTakeFirstOrThrow()
          ).n,
        );
      // How long the whole import takes on this machine (into a scratch database), so that the kills
      // land while it runs however fast it is: within the first 60% of that time (timings vary by run).
      const scratch = await createTestDatabase("postgres", 2);
      let fullRunMs: number;
      try {
        await insertPoints(scratch.db, generatePoints(o));
        const whole = await runAndKill("import-child.ts", [scratch.url as string, file, "150"], 600_000);
        expect(whole.killed).toBe(false);
        fullRunMs = whole.afterMs;
      } finally {
        await scratch.drop();
      }
      const outcomes: Array<{ killed: boolean; mark: string; afterMs: number; rowsIn: number }> = [];
      for (let i = 0; i < KILLS; i++) {
        // Every other run is killed counting from its first batch that added rows rather than from its
        // start: a run resumed over a long prefix spends its first moments finding rows already loaded,
        // and a clock from the start alone would seldom kill it while it loads new ones.
        // The first run is killed as soon as a batch has added rows: whatever the clock does on a loaded
        // machine (a timed first kill may land after a whole load, and then no later run loads anything),
        // one kill lands mid-way, which is what the test is about. The others are timed at random.
        const first = i === 0;
        const fromStart = !first && i % 2 === 0;
        const drawn = Math.floor(rand() * fullRunMs * (fromStart ? 0.6 : 0.1));
        const r = await runAndKill(
          "import-child.ts",
          [t.url as string, file, "150"],
          first ? 0 : drawn,
          {},
          fromStart ? { line: "READY", nth: 0 } : { line: "LOADED", nth: 1 },
        );
        outcomes.push({
          killed: r.killed,
          mark: fromStart ? "READY" : "LOADED",
          afterMs: r.afterMs,
          rowsIn: await count(),
        });
      }
      const last = await importReadings(t.db, ctxAs("ADMIN", new Date()), createReadStream(file), {
        rejectsPath: `${file}.last.rej`,
        source: "crash.csv",
        batchRows: 500,
      });
      expect(last.rejected).toBe(0);
      expect(last.inserted + last.alreadyPresent).toBe(rows);
      expect(await count()).toBe(rows);
      const dupKeys = await t.db.kysely
        .selectFrom("readings")
        .select("import_key")
        .groupBy("import_key")
        .having((eb) => eb.fn.countAll(), ">", 1)
        .execute();
      expect(dupKeys).toEqual([]);
      // No half batch: the audit entries of the batches account for exactly the rows loaded.
      const audited = await t.db.kysely
        .selectFrom("audit_log")
        .select("details")
        .where("action", "=", "readings.imported")
        .execute();
      const auditedRows = audited.reduce(
        (n, a) => n + Number((a.details as { inserted: number }).inserted),
        0,
      );
      expect(auditedRows).toBe(rows);
      const again = await importReadings(t.db, ctxAs("ADMIN", new Date()), createReadStream(file), {
        rejectsPath: `${file}.again.rej`,
        source: "crash.csv",
      });
      expect(again).toMatchObject({ inserted: 0, alreadyPresent: rows, rejected: 0 });
      const killedMidway = outcomes.filter((x) => x.killed && x.rowsIn < rows).length;
      expect(killedMidway).toBeGreaterThan(0);
      recordFigures("crash-import", {
        kills: KILLS,
        fullRunMs,
        killedBeforeFinishing: killedMidway,
        rows,
        auditedBatches: audited.length,
        outcomes,
      });
    },
    scale(120_000, 900_000),
  );
});
