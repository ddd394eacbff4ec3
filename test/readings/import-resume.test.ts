/**
 * Issue 3, item 4: the import is resumable and idempotent. A child process imports a generated file
 * into PostgreSQL and is killed with SIGKILL halfway; the next run completes it, every row present
 * exactly once; a third run adds nothing. ECART_BIG=1 runs the same on at least a million rows and
 * checks that memory stays flat as the file grows.
 */
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, describe, expect, it } from "vitest";
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

const ROOT = join(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "ecart-resume-"));

async function writeFile(path: string, o: GenerateOptions) {
  let rows = 0;
  let slips = 0;
  const counted = (function* () {
    for (const r of generateReadings(o)) {
      rows++;
      if (r.trueIndex !== undefined) slips++;
      yield r;
    }
  })();
  await pipeline(Readable.from(readingsCsv(counted)), createWriteStream(path));
  return { rows, slips };
}

const count = async (t: TestDatabase) =>
  Number(
    (
      await t.db.kysely
        .selectFrom("readings")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

/** Runs `ecart import readings` in a child process; kills it with SIGKILL once `killAt` rows are in. */
function runChild(t: TestDatabase, file: string, batch: number, killAt: number | null) {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "src/cli/main.ts",
      "import",
      "readings",
      file,
      "--batch",
      String(batch),
      "--rejects",
      `${file}.rej`,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: t.url as string },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (b) => {
    out += b;
  });
  let err = "";
  child.stderr.on("data", (b) => {
    err += b;
  });
  let killedAt: number | null = null;
  const poll =
    killAt === null
      ? null
      : setInterval(async () => {
          if (killedAt !== null) return;
          const n = await count(t).catch(() => 0);
          if (n >= killAt && killedAt === null) {
            killedAt = n;
            child.kill("SIGKILL");
          }
        }, 30);
  return new Promise<{
    code: number | null;
    signal: string | null;
    out: string;
    err: string;
    killedAt: number | null;
  }>((resolve) => {
    child.on("exit", (code, signal) => {
      if (poll) clearInterval(poll);
      resolve({ code, signal, out, err, killedAt });
    });
  });
}

const opts = (servicePoints: number, to: string, remoteShare = 0.2): GenerateOptions => ({
  seed: 42,
  servicePoints,
  from: "2020-01-01",
  to,
  remoteShare,
  slipRate: 0.01,
  rolloverShare: 0.02,
});

describe.runIf(ENGINES.includes("postgres"))("import readings: kill -9 halfway, run again (postgres)", () => {
  let t: TestDatabase;
  afterAll(async () => t?.drop());

  it("has every row exactly once after a SIGKILL and a second run; a third run adds nothing", async () => {
    t = await createTestDatabase("postgres");
    const o = opts(300, "2022-06-30");
    await insertPoints(t.db, generatePoints(o));
    const file = join(dir, "50k.csv");
    const { rows, slips } = await writeFile(file, o);
    expect(rows).toBeGreaterThanOrEqual(50_000);

    const first = await runChild(t, file, 1000, Math.floor(rows / 3));
    expect(first.signal).toBe("SIGKILL");
    const afterKill = await count(t);
    expect(afterKill).toBeGreaterThan(0);
    expect(afterKill).toBeLessThan(rows);

    const second = await runChild(t, file, 1000, null);
    expect(second.code, second.err).toBe(0);
    const s2 = JSON.parse(second.out.trim().split("\n").at(-1) as string);
    expect(s2.rejected).toBe(0);
    expect(s2.alreadyPresent).toBe(afterKill);
    expect(s2.inserted + s2.alreadyPresent).toBe(rows);
    expect(await count(t)).toBe(rows);
    const dup = await t.db.kysely
      .selectFrom("readings")
      .select(["service_point_id", "reading_date", "type"])
      .groupBy(["service_point_id", "reading_date", "type"])
      .having((eb) => eb.fn.countAll(), ">", 1)
      .execute();
    expect(dup).toEqual([]);

    // Plausibility computed while streaming: every slip caught, genuine histories almost never suspect.
    const suspects = await t.db.kysely
      .selectFrom("readings")
      .select(["index_m3", "suggested_index"])
      .where("status", "=", "SUSPECT")
      .execute();
    expect(suspects.length).toBeGreaterThanOrEqual(slips);
    expect(suspects.length - slips).toBeLessThan(rows / 200);

    const third = await importReadings(t.db, ctxAs("ADMIN", new Date()), createReadStream(file), {
      rejectsPath: `${file}.rej3`,
      source: "50k.csv",
    });
    expect(third).toMatchObject({ inserted: 0, alreadyPresent: rows, rejected: 0 });
    expect(await count(t)).toBe(rows);
  }, 240_000);
});

describe.runIf(process.env.ECART_BIG === "1" && ENGINES.includes("postgres"))(
  "import readings: a million rows (ECART_BIG=1)",
  () => {
    let t: TestDatabase;
    afterAll(async () => t?.drop());

    it("imports 1M+ rows with a kill -9 halfway, every row once, memory flat as the file grows", async () => {
      t = await createTestDatabase("postgres");
      const small = opts(2000, "2020-03-31", 0.9);
      const big = opts(2000, "2021-08-31", 0.9);
      await insertPoints(t.db, generatePoints(big));
      const bigFile = join(dir, "big.csv");
      const { rows } = await writeFile(bigFile, big);
      expect(rows).toBeGreaterThanOrEqual(1_000_000);
      const first = await runChild(t, bigFile, 5000, Math.floor(rows / 2));
      expect(first.signal).toBe("SIGKILL");
      const second = await runChild(t, bigFile, 5000, null);
      expect(second.code, second.err).toBe(0);
      expect(await count(t)).toBe(rows);
      const s2 = JSON.parse(second.out.trim().split("\n").at(-1) as string);

      // Memory: a file about 6 times smaller, same service points, into a fresh database: the peak heap is about the same.
      const t2 = await createTestDatabase("postgres");
      try {
        await insertPoints(t2.db, generatePoints(small));
        const smallFile = join(dir, "small.csv");
        await writeFile(smallFile, small);
        const s = await runChild(t2, smallFile, 5000, null);
        const sSmall = JSON.parse(s.out.trim().split("\n").at(-1) as string);
        expect(s2.peakHeapMb).toBeLessThan(sSmall.peakHeapMb * 1.5 + 32);
      } finally {
        await t2.drop();
      }
    }, 1_800_000);
  },
);
