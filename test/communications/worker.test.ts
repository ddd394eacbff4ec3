import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { simpleParser } from "mailparser";
import { PDFParse } from "pdf-parse";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { retryCommunication } from "../../src/communications/outbox.js";
import { deliverDue, retryDelayMs, startOutboxWorker } from "../../src/communications/worker.js";
import { EcartError } from "../../src/platform/errors.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs } from "../support/factories.js";
import { seedMessages, startSmtp, type TestSmtp, testDeliveryConfig } from "./helpers.js";

async function pdfText(path: string): Promise<string> {
  const parser = new PDFParse({ data: readFileSync(path) });
  try {
    return (await parser.getText()).text.replace(/[ \t]+/g, " ");
  } finally {
    await parser.destroy();
  }
}

const T0 = new Date("2024-03-05T10:00:00Z");
const at = (ms: number) => () => new Date(T0.getTime() + ms);

describe("retry delay", () => {
  it.each([
    [1, 60_000],
    [2, 120_000],
    [3, 240_000],
    [7, 3_600_000],
    [30, 3_600_000],
  ])("after %i failures: %i ms", (n, ms) => expect(retryDelayMs(n)).toBe(ms));
});

describe.each(ENGINES)("outbox worker on %s", (engine) => {
  let t: TestDatabase;
  let smtp: TestSmtp;
  // One database per engine for the file (the machine is shared): each test parks what the
  // previous ones left in the queue, so a pass only sees the test's own messages.
  beforeAll(async () => {
    smtp = await startSmtp();
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await smtp.close();
    await t.drop();
  });
  beforeEach(async () => {
    await t.db.kysely
      .updateTable("communications")
      .set({ status: "FAILED", failure: "EXHAUSTED", last_error: "parked by the test" })
      .where("status", "in", ["PENDING", "SENDING"])
      .execute();
    smtp.deliveries.clear();
    smtp.messages.length = 0;
    smtp.rejectNext(0);
  });

  const row = (id: string) =>
    t.db.kysely.selectFrom("communications").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  const attempts = (id: string) =>
    t.db.kysely
      .selectFrom("communication_attempts")
      .selectAll()
      .where("communication_id", "=", id)
      .orderBy("attempt")
      .execute();

  it("without SMTP writes the email as .eml and the letter as PDF, each naming the facts, once", async () => {
    const ids = await seedMessages(t.db);
    const config = testDeliveryConfig();
    const r = await deliverDue(t.db, { config, now: at(0) });
    expect(r.sent.sort()).toEqual([ids.email, ids.letter].sort());

    const email = await row(ids.email);
    expect(email).toMatchObject({ status: "SENT", transport: "FILE", attempts: 1, last_error: null });
    const mail = await simpleParser(readFileSync(email.artifact_path as string));
    expect(mail.messageId).toBe(email.message_id);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : null).toBe("jeanne@example.fr");
    expect(mail.from?.value[0]?.address).toBe("clientele@eau.example.fr");
    expect(mail.subject).toContain("20 mars 2024");
    for (const fact of [
      "12 rue des Lilas, 69003 Lyon",
      "A12345",
      "1\u202f012 m3 au 2 mars 2024",
      "1\u202f000 m3 au 15 janvier 2024",
      "au plus tard le 20 mars 2024",
    ]) {
      expect(mail.text).toContain(fact);
      expect(mail.html).toContain(fact.replace(/'/g, "&#39;"));
    }

    const letter = await row(ids.letter);
    expect(letter).toMatchObject({
      status: "SENT",
      transport: "FILE",
      to_address: "3 impasse des Tilleuls, 69100 Villeurbanne",
    });
    expect(letter.artifact_path).toMatch(/letters\/MSG-\d+-PROOF_REQUEST\.pdf$/);
    const text = await pdfText(letter.artifact_path as string);
    for (const fact of [
      "Louis Bernard",
      "3 impasse des Tilleuls",
      "69100 VILLEURBANNE",
      "Lyon, le 5 mars 2024",
      "Objet : Votre arrivée au 8 avenue Jean Jaurès, 69007 Lyon",
      "A12345",
      "1\u202f020 m3",
      "1\u202f000 m3 au 15 janvier 2024",
      "20 mars 2024",
      "index et la date de résiliation de l'ancien occupant",
      "Service public de l'eau",
    ]) {
      // The letter's font has no narrow no-break space: its figures come out with a plain one.
      expect(text.replace(/\n/g, " ")).toContain(fact.replace(/\u202f/g, " "));
    }
    expect(text).toMatch(/Dossier : CASE-\d+/);

    const again = await deliverDue(t.db, { config, now: at(60_000) });
    expect(again.sent).toEqual([]);
  });

  it("sends emails over SMTP with their Message-ID, letters still as PDF files; a second pass sends nothing", async () => {
    const ids = await seedMessages(t.db);
    const config = testDeliveryConfig(smtp.port);
    await deliverDue(t.db, { config, now: at(0) });
    await deliverDue(t.db, { config, now: at(3_600_000) });
    const email = await row(ids.email);
    expect(email).toMatchObject({ status: "SENT", transport: "SMTP", artifact_path: null });
    expect([...smtp.deliveries]).toEqual([[email.message_id, 1]]);
    const parsed = await simpleParser(smtp.messages[0] as Buffer);
    expect(parsed.text).toContain("1\u202f000 m3 au 15 janvier 2024");
    const letter = await row(ids.letter);
    expect(letter).toMatchObject({ status: "SENT", transport: "FILE" });
    expect(existsSync(letter.artifact_path as string)).toBe(true);
  });

  it("retries a refused email with exponential backoff, then delivers it once", async () => {
    const ids = await seedMessages(t.db);
    const config = testDeliveryConfig(smtp.port);
    const opts = { config, backoffBaseMs: 1_000, backoffMaxMs: 60_000, maxAttempts: 5 };
    smtp.rejectNext(2);
    expect((await deliverDue(t.db, { ...opts, now: at(0) })).retrying).toEqual([ids.email]);
    let m = await row(ids.email);
    expect(m).toMatchObject({ status: "PENDING", attempts: 1 });
    expect(m.last_error).toContain("451");
    expect(m.next_attempt_at?.getTime()).toBe(T0.getTime() + 1_000);
    expect((await deliverDue(t.db, { ...opts, now: at(999) })).retrying).toEqual([]); // not due yet
    expect((await deliverDue(t.db, { ...opts, now: at(1_000) })).retrying).toEqual([ids.email]);
    m = await row(ids.email);
    expect(m.next_attempt_at?.getTime()).toBe(T0.getTime() + 1_000 + 2_000);
    expect((await deliverDue(t.db, { ...opts, now: at(3_000) })).sent).toEqual([ids.email]);
    expect(await row(ids.email)).toMatchObject({ status: "SENT", attempts: 3, last_error: null });
    expect((await attempts(ids.email)).map((a) => a.outcome)).toEqual(["RETRY", "RETRY", "SENT"]);
    expect([...smtp.deliveries.values()]).toEqual([1]);
  });

  it("a relay that cannot be reached is retried, not given up as uncertain", async () => {
    const ids = await seedMessages(t.db);
    const closed = await startSmtp();
    await closed.close();
    const config = testDeliveryConfig(closed.port);
    const r = await deliverDue(t.db, { config, now: at(0) });
    expect(r.retrying).toEqual([ids.email]);
    expect(await row(ids.email)).toMatchObject({ status: "PENDING", failure: null });
  });

  it("after the last attempt the failure is visible; an advisor retries it and it goes once", async () => {
    const ids = await seedMessages(t.db);
    const config = testDeliveryConfig(smtp.port);
    const opts = { config, backoffBaseMs: 1_000, maxAttempts: 2 };
    smtp.rejectNext(99, 550);
    await deliverDue(t.db, { ...opts, now: at(0) });
    const r = await deliverDue(t.db, { ...opts, now: at(1_000) });
    expect(r.failed).toEqual([ids.email]);
    const failed = await row(ids.email);
    expect(failed).toMatchObject({ status: "FAILED", failure: "EXHAUSTED", attempts: 2 });
    expect(failed.last_error).toContain("550");
    expect((await deliverDue(t.db, { ...opts, now: at(3_600_000) })).sent).toEqual([]); // stays failed

    smtp.rejectNext(0);
    const bo = ctxAs("BO", at(7_200_000)());
    await t.db.kysely.transaction().execute((trx) => retryCommunication(trx, bo, ids.email));
    expect(await row(ids.email)).toMatchObject({ status: "PENDING", failure: null, attempts_base: 2 });
    expect((await deliverDue(t.db, { ...opts, now: at(7_200_000) })).sent).toEqual([ids.email]);
    expect(await row(ids.email)).toMatchObject({
      status: "SENT",
      attempts: 3,
      message_id: failed.message_id,
    });
    expect([...smtp.deliveries]).toEqual([[failed.message_id, 1]]);
    const audit = await t.db.kysely
      .selectFrom("audit_log")
      .selectAll()
      .where("object_id", "=", ids.email)
      .where("action", "=", "communication.retried")
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: "bo.test", role: "BO" });

    const again = t.db.kysely.transaction().execute((trx) => retryCommunication(trx, bo, ids.email));
    await expect(again).rejects.toBeInstanceOf(EcartError);
    await expect(
      t.db.kysely.transaction().execute((trx) => retryCommunication(trx, bo, "MSG-999999")),
    ).rejects.toMatchObject({
      code: "UNKNOWN_REFERENCE",
    });
  });

  it("a worker that died after handing an email to SMTP: never resent, FAILED/INTERRUPTED for an advisor", async () => {
    const ids = await seedMessages(t.db);
    const config = testDeliveryConfig(smtp.port);
    const crash = {
      afterSend: () => {
        throw new Error("process died here");
      },
    };
    await expect(deliverDue(t.db, { config, now: at(0), leaseMs: 60_000, hooks: crash })).rejects.toThrow(
      "process died here",
    );
    const email = await row(ids.email);
    expect(email.status).toBe("SENDING");
    expect(smtp.deliveries.get(email.message_id as string)).toBe(1);
    // Within the lease nobody touches it.
    expect(await deliverDue(t.db, { config, now: at(30_000) })).toMatchObject({ failed: [], requeued: [] });
    expect((await row(ids.email)).status).toBe("SENDING");
    // One message at a time: the crash left only the email in flight; the letter went on the next pass.
    expect((await row(ids.letter)).status).toBe("SENT");

    const r = await deliverDue(t.db, { config, now: at(61_000) });
    expect(r.failed).toEqual([ids.email]);
    const after = await row(ids.email);
    expect(after).toMatchObject({ status: "FAILED", failure: "INTERRUPTED" });
    expect(after.last_error).toContain(after.message_id as string);
    expect(smtp.deliveries.get(email.message_id as string)).toBe(1);
    expect((await attempts(ids.email)).map((a) => a.outcome)).toEqual(["INTERRUPTED"]);
  });

  it("a file delivery interrupted the same way is simply done again: one file", async () => {
    const ids = await seedMessages(t.db);
    const config = testDeliveryConfig();
    const crash = {
      afterSend: () => {
        throw new Error("died after writing the file");
      },
    };
    await expect(deliverDue(t.db, { config, now: at(0), leaseMs: 1_000, hooks: crash })).rejects.toThrow(
      "died after",
    );
    const first = await row(ids.email);
    expect(first).toMatchObject({ status: "SENDING", transport: "FILE" });
    const r = await deliverDue(t.db, { config, now: at(2_000) });
    expect(r.requeued).toEqual([ids.email]);
    expect(r.sent.sort()).toEqual([ids.email, ids.letter].sort());
    const m = await row(ids.email);
    expect(m).toMatchObject({ status: "SENT", attempts: 2 });
    expect(
      readdirSync(dirname(m.artifact_path as string)).filter((f) => f.startsWith(`${ids.email}-`)),
    ).toHaveLength(1);
    expect((await attempts(ids.email)).map((a) => a.outcome)).toEqual(["REQUEUED", "SENT"]);
  });

  it("startOutboxWorker delivers on its timer and stops cleanly", async () => {
    const ids = await seedMessages(t.db);
    const config = testDeliveryConfig(smtp.port);
    const lines: string[] = [];
    const stop = startOutboxWorker(t.db, { config, everyMs: 50, log: (l) => lines.push(l) });
    for (let i = 0; i < 100 && (await row(ids.email)).status !== "SENT"; i++)
      await new Promise((r) => setTimeout(r, 50));
    await stop();
    expect((await row(ids.email)).status).toBe("SENT");
    expect((await row(ids.letter)).status).toBe("SENT");
    expect(lines.join("\n")).toContain(ids.email);
  });

  it.runIf(engine === "postgres")(
    "two workers at once deliver every message exactly once (SKIP LOCKED)",
    async () => {
      for (let i = 0; i < 3; i++) await seedMessages(t.db);
      const config = testDeliveryConfig(smtp.port);
      const [a, b] = await Promise.all([
        deliverDue(t.db, { config, workerId: "a" }),
        deliverDue(t.db, { config, workerId: "b" }),
      ]);
      const sent = [...a.sent, ...b.sent].sort();
      expect(sent).toHaveLength(6);
      expect(new Set(sent).size).toBe(6);
      expect([...smtp.deliveries.values()]).toEqual([1, 1, 1]);
    },
  );
});
