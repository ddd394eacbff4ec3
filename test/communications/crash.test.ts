/**
 * kill -9 of a real worker process at the critical moments, against a real SMTP server on
 * loopback that counts deliveries by Message-ID: no message is ever delivered twice.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retryCommunication } from "../../src/communications/outbox.js";
import { deliverDue, recoverAbandoned } from "../../src/communications/worker.js";
import { type Database, openDatabase } from "../../src/platform/db.js";
import { migrate } from "../../src/platform/migrate.js";
import { bundled } from "../support/bundle.js";
import { createTestDatabase, ENGINES, type Engine } from "../support/databases.js";
import { ctxAs } from "../support/factories.js";
import { seedMessages, startSmtp, type TestSmtp, testDeliveryConfig } from "./helpers.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const LEASE_MS = 300;

const child = () => bundled(join(HERE, "children", "deliver-child.ts"));

/** Runs the child until it prints `waitFor`, then SIGKILLs it. Resolves with its output. */
async function runUntilKilled(args: string[], waitFor: RegExp): Promise<string> {
  const file = await child();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [file, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let killed = false;
    const guard = setTimeout(() => {
      p.kill("SIGKILL");
      reject(new Error(`child never reached ${waitFor}: ${out} ${err.slice(-2000)}`));
    }, 90_000);
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (!killed && waitFor.test(out)) killed = p.kill("SIGKILL");
    });
    p.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    p.on("exit", (_code, signal) => {
      clearTimeout(guard);
      if (killed && signal === "SIGKILL") resolve(out);
      else reject(new Error(`child ended on its own (${signal ?? _code}): ${out} ${err.slice(-2000)}`));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The database as the child sees it, reopened between children (PGlite is one process at a time). */
interface Place {
  url: string;
  open(): Promise<Database>;
  drop(): Promise<void>;
}

async function place(engine: Engine): Promise<Place> {
  if (engine === "postgres") {
    const t = await createTestDatabase("postgres", 1);
    const url = t.url as string;
    return { url, open: () => openDatabase({ url, poolSize: 2 }), drop: () => t.drop() };
  }
  const dir = mkdtempSync(join(tmpdir(), "ecart-pglite-crash-"));
  const db = await openDatabase({ url: dir });
  await migrate(db);
  await db.close();
  return { url: dir, open: () => openDatabase({ url: dir }), drop: async () => {} };
}

describe.each(ENGINES)("kill -9 of the outbox worker on %s", (engine) => {
  let smtp: TestSmtp;
  let where: Place;
  beforeAll(async () => {
    smtp = await startSmtp();
    where = await place(engine);
  }, 120_000);
  afterAll(async () => {
    await smtp.close();
    await where.drop();
  });

  it("never delivers a message twice, whatever the moment of the kill", { timeout: 300_000 }, async () => {
    const config = testDeliveryConfig(smtp.port);
    const outDir = dirname(config.emailDir);
    let db = await where.open();
    const first = await seedMessages(db);
    const second = await seedMessages(db);
    await db.close();
    const args = (target: string, phase: "before" | "after") => [
      where.url,
      String(smtp.port),
      outDir,
      target,
      phase,
      String(LEASE_MS),
    ];

    // 1. Killed right after the relay accepted email 1, before the worker could record it.
    await runUntilKilled(args(first.email, "after"), new RegExp(`HANDED ${first.email}`));
    db = await where.open();
    const e1 = await db.kysely
      .selectFrom("communications")
      .selectAll()
      .where("id", "=", first.email)
      .executeTakeFirstOrThrow();
    expect(e1.status).toBe("SENDING");
    expect(smtp.deliveries.get(e1.message_id as string)).toBe(1);
    await sleep(LEASE_MS + 50);
    expect(await recoverAbandoned(db)).toEqual({ failed: [first.email], requeued: [] });
    await db.close();

    // 2. Killed right after the letter's PDF was written to the print folder.
    await runUntilKilled(args(first.letter, "after"), new RegExp(`HANDED ${first.letter}`));
    db = await where.open();
    await sleep(LEASE_MS + 50);
    expect(await recoverAbandoned(db)).toEqual({ failed: [], requeued: [first.letter] });
    await db.close();

    // 3. Killed after claiming email 2, before anything was handed to the relay.
    await runUntilKilled(args(second.email, "before"), new RegExp(`CLAIMED ${second.email}`));
    db = await where.open();
    const e2 = await db.kysely
      .selectFrom("communications")
      .selectAll()
      .where("id", "=", second.email)
      .executeTakeFirstOrThrow();
    expect(smtp.deliveries.get(e2.message_id as string)).toBeUndefined();
    await sleep(LEASE_MS + 50);
    // The worker cannot tell this from case 1: it stays on the safe side and asks an advisor.
    expect((await recoverAbandoned(db)).failed).toEqual([second.email]);

    // The advisor, who knows email 2 never arrived, retries it; a normal pass finishes the rest.
    await db.kysely
      .transaction()
      .execute((trx) => retryCommunication(trx, ctxAs("BO", new Date()), second.email));
    const r = await deliverDue(db, { config });
    expect(r.sent.sort()).toEqual([first.letter, second.email, second.letter].sort());
    expect(await deliverDue(db, { config })).toMatchObject({ sent: [], failed: [], requeued: [] });

    const rows = await db.kysely.selectFrom("communications").selectAll().orderBy("id").execute();
    expect(rows.map((m) => [m.id, m.status, m.failure])).toEqual(
      [
        [first.email, "FAILED", "INTERRUPTED"],
        [first.letter, "SENT", null],
        [second.email, "SENT", null],
        [second.letter, "SENT", null],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    // Every email reached the relay exactly once, the interrupted one included.
    expect([...smtp.deliveries.values()]).toEqual([1, 1]);
    expect(smtp.deliveries.get(e1.message_id as string)).toBe(1);
    expect(smtp.deliveries.get(e2.message_id as string)).toBe(1);
    // One PDF per letter in the print folder, the rewritten one included.
    expect(readdirSync(config.letterDir).sort()).toEqual(
      [`${first.letter}-PROOF_REQUEST.pdf`, `${second.letter}-PROOF_REQUEST.pdf`].sort(),
    );
    await db.close();
  });
});
