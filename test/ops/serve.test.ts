/**
 * `ecart serve` stops cleanly (issue 17 item 3, issue 15 item 7), as a real child process: SIGTERM while a
 * request is in flight and the deadline sweep is between two batches. The request is answered, the sweep
 * commits its batch and leaves the rest, the database closes, "stopped" is logged, the exit code is 0,
 * all within 10 s; the data left is whole. The start-up line names the database, the mail transport and
 * the figures in force.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restoreEmbedded } from "../../src/platform/backup.js";
import { LOCK_FILE } from "../../src/platform/data-lock.js";
import { freshEmbeddedDatabase, openDatabase } from "../../src/platform/db.js";
import { execute } from "../../src/registry.js";
import { brokenInvariants } from "../reliability/support.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

const ROOT = join(import.meta.dirname, "../..");
/** Expired cases waiting for the sweep, and the sweep's batch: 30 batches, a stop lands between two. */
const CASES = 60;
const BATCH = 2;

interface Served {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  /** Resolves with the first log line that matches. */
  waitFor(test: (l: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: string | null; at: number }>;
}

function serve(env: Record<string, string>): Served {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: "", HOST: "127.0.0.1", PORT: "0", ECART_DEMO_ACCOUNTS: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<{
    test: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }> = [];
  let rest = "";
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  child.stdout?.on("data", (d: Buffer) => {
    rest += d.toString();
    const parts = rest.split("\n");
    rest = parts.pop() ?? "";
    for (const p of parts) {
      if (!p.trim()) continue;
      const l = JSON.parse(p) as Record<string, unknown>; // every line is JSON
      lines.push(l);
      for (const w of waiters.filter((x) => x.test(l))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  return {
    child,
    lines,
    exited,
    waitFor(test, ms = 60_000) {
      const seen = lines.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no such log line within ${ms} ms; stderr: ${stderr.slice(-2000)}`)),
          ms,
        );
        waiters.push({
          test,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
      });
    },
  };
}

describe("ecart serve, stopped by a signal", () => {
  const dir = mkdtempSync(join(tmpdir(), "ecart-serve-"));
  const data = join(dir, "data");
  beforeAll(async () => {
    // Made in memory (quick), then laid in the data folder the server opens.
    const db = await freshEmbeddedDatabase();
    const sps = Array.from({ length: CASES }, () => servicePointFixture());
    await givenServicePoints(db, ...sps);
    for (const sp of sps)
      expect((await execute(db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: 1012 }))).outcome).toBe(
        "CASE_OPENED",
      );
    const file = join(dir, "world.tar.gz");
    writeFileSync(file, Buffer.from(await (await (db.pglite as PGlite).dumpDataDir("gzip")).arrayBuffer()));
    await db.close();
    await restoreEmbedded(file, data);
  });
  let s: Served | undefined;
  afterAll(() => {
    if (s && s.child.exitCode === null) s.child.kill("SIGKILL");
  });

  it("on SIGTERM mid-request and mid-sweep: answers the request, ends the batch, closes the database, exits 0 within 10 s", async () => {
    s = serve({
      ECART_DATA: data,
      ECART_OUTBOX_DIR: join(dir, "outbox"),
      ECART_SWEEP_BATCH: String(BATCH),
      ECART_SWEEP_EVERY_MS: "600000",
      LOG_LEVEL: "debug",
    });
    const started = await s.waitFor((l) => l.event === "started");
    expect(started).toMatchObject({
      level: 30,
      database: `embedded PGlite in ${data}`,
      mail: {
        emails: `.eml files in ${join(dir, "outbox", "email")}`,
        letters: `PDF files in ${join(dir, "outbox", "letters")}`,
      },
      figures: { toleranceM3: 5, proofDeadlineDays: 15, prescriptionYears: 2 },
      msg: "ecart serve started",
    });
    expect(existsSync(join(data, LOCK_FILE))).toBe(true);
    const url = new URL(started.url as string);
    // A request in flight: its headers sent, part of its body; the rest goes after the signal.
    const body = JSON.stringify({ username: "nobody", password: "not-a-password" });
    const req = request({
      host: url.hostname,
      port: url.port,
      method: "POST",
      path: "/api/session",
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "x-requested-with": "ecart",
      },
    });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on("error", reject);
      req.on("response", (res) => {
        let text = "";
        res.on("data", (d) => {
          text += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
    });
    req.write(body.slice(0, 10));
    // Mid-sweep: a few batches committed (the server read the request between two of them).
    let batches = 0;
    await s.waitFor((l) => l.event === "sweep.batch" && ++batches === 4);
    const t0 = performance.now();
    s.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 500));
    expect(s.child.exitCode).toBeNull(); // still waiting for the request
    req.end(body.slice(10));
    const reply = await answer;
    const exit = await s.exited;
    const seconds = (exit.at - t0) / 1000;
    expect(reply.status).toBe(401);
    expect(JSON.parse(reply.body).error.code).toBe("UNAUTHENTICATED");
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(seconds).toBeLessThan(10);
    const events = s.lines.map((l) => l.event ?? l.msg);
    expect(events).toContain("stopping");
    const sweep = s.lines.find((l) => l.event === "sweep") as Record<string, number | boolean>;
    expect(sweep).toMatchObject({ stoppedEarly: true, failed: 0 });
    expect(sweep.subscribed).toBeGreaterThan(0);
    expect(sweep.subscribed).toBeLessThan(CASES);
    const steps = s.lines.filter((l) => l.event === "stop.step").map((l) => l.step);
    expect(steps.slice(0, 4).sort()).toEqual(["http", "outbox", "sweep", "webhooks"]);
    expect(steps[4]).toBe("database");
    expect(s.lines.at(-1)).toMatchObject({ event: "stopped", msg: "ecart stopped" });
    expect(s.lines.find((l) => l.msg === "request")).toMatchObject({ route: "/api/session", status: 401 });
    // The data: whole, the sweep's batches complete, the rest left to the next sweep.
    expect(existsSync(join(data, LOCK_FILE))).toBe(false);
    const db = await openDatabase({ url: data });
    try {
      expect(await brokenInvariants(db)).toEqual({});
      const open = await db.kysely
        .selectFrom("tasks")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("status", "=", "OPEN")
        .executeTakeFirstOrThrow();
      expect(Number(open.n)).toBe(CASES - (sweep.subscribed as number));
      expect((sweep.subscribed as number) % BATCH).toBe(0); // whole batches only
    } finally {
      await db.close();
    }
  }, 180_000); // a busy machine starts tsx and PGlite slowly; the stop itself must take under 10 s
});
