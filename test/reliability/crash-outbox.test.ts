/**
 * Promise 2 (outbox) — an outbox worker process killed with SIGKILL at random moments, against a
 * loopback SMTP server counting deliveries by Message-ID. Afterwards: no message delivered twice;
 * every message SENT was received exactly once; the only others are emails whose hand-over to SMTP
 * was interrupted (FAILED/INTERRUPTED, at most one copy received, left to an advisor's check); no
 * message is left PENDING or SENDING; every letter file written once.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverDue } from "../../src/communications/worker.js";
import { seedMessages, startSmtp, type TestSmtp } from "../communications/helpers.js";
import { childDeliveryConfig } from "../support/child-delivery.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { runAndKill } from "./crash.js";
import { brokenInvariants, prng, recordFigures, SEED, scale } from "./support.js";

const KILLS = scale(5, 20);
const SEEDS_PER_ROUND = scale(2, 6);
const LEASE_MS = 300;
/** Messages each round adds to the outbox (seedMessages: one email, one letter). */
const MESSAGES_PER_ROUND = SEEDS_PER_ROUND * 2;
/** A kill lands this many milliseconds at most after the child starts handing over its chosen message. */
const KILL_JITTER_MS = 25;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(ENGINES.includes("postgres"))("an outbox worker killed with SIGKILL (PostgreSQL)", () => {
  let t: TestDatabase;
  let smtp: TestSmtp;
  beforeAll(async () => {
    t = await createTestDatabase("postgres", 4);
    smtp = await startSmtp();
  });
  afterAll(async () => {
    await smtp?.close();
    await t?.drop();
  });

  it(
    `${KILLS} kills at random moments: no message twice, every message accounted for`,
    async () => {
      const rand = prng(SEED + 2);
      const dir = mkdtempSync(join(tmpdir(), "ecart-rel-outbox-"));
      const outcomes: Array<{ killed: boolean; afterMs: number; afterSend: number; sentSoFar: number }> = [];
      const k = t.db.kysely;
      for (let round = 0; round < KILLS; round++) {
        for (let i = 0; i < SEEDS_PER_ROUND; i++) await seedMessages(t.db);
        // The kill is counted from the child's progress, not from its start, so that it lands while
        // messages are being handed over however fast this machine is: a random message of the
        // round (0: before the first), then a random few milliseconds (mid-SMTP, mid-PDF, mid-commit).
        const afterSend = Math.floor(rand() * MESSAGES_PER_ROUND);
        const o = await runAndKill(
          "deliver-child.ts",
          [t.url as string, String(smtp.port), dir, String(LEASE_MS)],
          Math.floor(rand() * KILL_JITTER_MS),
          {},
          { line: "SEND", nth: afterSend },
        );
        const sent = await k.selectFrom("communications").select("id").where("status", "=", "SENT").execute();
        outcomes.push({ killed: o.killed, afterMs: o.afterMs, afterSend, sentSoFar: sent.length });
      }
      // A surviving worker, after the dead ones' leases ran out, finishes and decides what they left.
      await sleep(LEASE_MS + 50);
      const config = childDeliveryConfig(String(smtp.port), dir);
      for (;;) {
        const r = await deliverDue(t.db, { config, leaseMs: LEASE_MS, batchSize: 50, workerId: "survivor" });
        if (r.sent.length + r.retrying.length + r.requeued.length === 0) break;
      }

      const rows = await k
        .selectFrom("communications")
        .select(["id", "status", "failure", "message_id", "channel"])
        .execute();
      expect(rows.length).toBe(KILLS * SEEDS_PER_ROUND * 2);
      expect(rows.filter((r) => r.status === "PENDING" || r.status === "SENDING")).toEqual([]);
      // Never twice at the SMTP server.
      for (const [id, n] of smtp.deliveries) expect(n, id).toBe(1);
      for (const r of rows) {
        const received =
          smtp.deliveries.get(`<${r.message_id}>`) ?? smtp.deliveries.get(r.message_id ?? "") ?? 0;
        if (r.channel === "EMAIL" && r.status === "SENT") expect(received, r.id).toBe(1);
        if (r.status === "FAILED") {
          // Only an email cut off while being handed to SMTP; at most one copy may have reached the relay.
          expect(r).toMatchObject({ channel: "EMAIL", failure: "INTERRUPTED" });
          expect(received).toBeLessThanOrEqual(1);
        }
        if (r.channel === "LETTER") expect(r.status).toBe("SENT");
      }
      // Every SMTP delivery is one of ours.
      const ids = new Set(rows.flatMap((r) => [`<${r.message_id}>`, r.message_id]));
      for (const id of smtp.deliveries.keys()) expect(ids.has(id), id).toBe(true);
      expect(await brokenInvariants(t.db)).toEqual({});

      const interrupted = rows.filter((r) => r.status === "FAILED");
      const killed = outcomes.filter((o) => o.killed).length;
      // The kills must land in the middle of the work, or the test proves little.
      expect(killed, JSON.stringify(outcomes)).toBeGreaterThan(0);
      recordFigures("crash-outbox", {
        kills: KILLS,
        killedBeforeFinishing: killed,
        messages: rows.length,
        sent: rows.filter((r) => r.status === "SENT").length,
        interruptedForAdvisor: interrupted.length,
        interruptedButReceived: interrupted.filter((r) => (smtp.deliveries.get(`<${r.message_id}>`) ?? 0) > 0)
          .length,
        smtpDeliveries: smtp.deliveries.size,
        outcomes,
      });
    },
    scale(120_000, 900_000),
  );
});
