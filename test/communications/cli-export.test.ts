import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { PDFParse } from "pdf-parse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboxCommand } from "../../src/communications/cli.js";
import { exportOutbox } from "../../src/communications/export.js";
import { deliverDue } from "../../src/communications/worker.js";
import { makeConfig } from "../../src/platform/config.js";
import { parseScenario } from "../../src/scenarios/format.js";
import { runScenario } from "../../src/scenarios/runner.js";
import { memorySink } from "../http/helpers.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { seedMessages, testDeliveryConfig } from "./helpers.js";

async function pdfText(bytes: Buffer): Promise<string> {
  const parser = new PDFParse({ data: bytes });
  try {
    // The letter's font has no narrow no-break space: read its figures as the email writes them.
    return (await parser.getText()).text.replace(/\s+/g, " ").replace(/(\d) (\d{3}) m3/g, "$1\u202f$2 m3");
  } finally {
    await parser.destroy();
  }
}

describe("ecart outbox", () => {
  let t: TestDatabase;
  let ids: { email: string; letter: string };
  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    ids = await seedMessages(t.db);
  }, 120_000);
  afterAll(() => t.drop());

  const run = async (...args: string[]) => {
    const out = memorySink();
    const err = memorySink();
    const code = await outboxCommand(t.db, makeConfig(), args, out.stream, err.stream);
    return { code, out: out.text(), err: err.text() };
  };

  it("lists the messages with their status, a failure with its reason, and retries it", async () => {
    let r = await run();
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      new RegExp(`${ids.email}\\s+PROOF_REQUEST\\s+EMAIL\\s+jeanne@example.fr\\s+PENDING\\s+0`),
    );
    expect(r.out).toMatch(
      new RegExp(
        `${ids.letter}\\s+PROOF_REQUEST\\s+LETTER\\s+3 impasse des Tilleuls, 69100 Villeurbanne\\s+PENDING`,
      ),
    );

    // The email fails for good: a relay that answers 550 to everything, one attempt allowed.
    const { startSmtp } = await import("./helpers.js");
    const smtp = await startSmtp();
    smtp.rejectNext(99, 550);
    await deliverDue(t.db, { config: testDeliveryConfig(smtp.port), maxAttempts: 1 });
    r = await run("--status", "FAILED");
    expect(r.out).toContain(ids.email);
    expect(r.out).not.toContain(ids.letter);
    expect(r.out).toContain("échec après toutes les tentatives");
    expect(r.out).toContain("550");
    const json = JSON.parse((await run("--json")).out) as Array<{
      id: string;
      status: string;
      failure: string | null;
    }>;
    expect(json.find((m) => m.id === ids.letter)).toMatchObject({ status: "SENT" });

    r = await run("retry", ids.email);
    expect(r).toMatchObject({ code: 0, out: `${ids.email} : remis en file d'envoi\n` });
    smtp.rejectNext(0);
    await deliverDue(t.db, { config: testDeliveryConfig(smtp.port) });
    await smtp.close();
    expect((await run("--status", "SENT")).out).toContain(ids.email);
    expect([...smtp.deliveries.values()]).toEqual([1]);

    r = await run("retry", ids.email);
    expect(r.code).toBe(1);
    expect(r.err).toContain("il a déjà été envoyé");
    expect((await run("retry", "MSG-424242")).err).toContain("Message inconnu : MSG-424242.");
    expect((await run("retry")).code).toBe(2);
    expect((await run("--status", "LOST")).code).toBe(2);
  });
});

describe("ecart scenario run --outbox", () => {
  const scenario = parseScenario({
    name: "every template, by email and by letter",
    given: {
      servicePoints: [
        {
          id: "PDS-1",
          address: "12 rue des Lilas, 69003 Lyon",
          meter: { serial: "A12345", remoteReading: false },
          readings: [{ date: "2023-06-01", index: 950, type: "NORMAL" }],
          subscriptions: [
            {
              id: "AB-1",
              tags: [],
              customer: { id: "C-1", name: "Paul Durand", email: "paul@example.fr" },
              start: { date: "2019-01-01", index: 500 },
              end: { date: "2024-01-15", index: 1000 },
            },
          ],
        },
        {
          id: "PDS-2",
          address: "4 rue Garibaldi, 69006 Lyon",
          meter: { serial: "B777", remoteReading: false },
          readings: [],
          subscriptions: [
            {
              id: "AB-2",
              tags: [],
              customer: {
                id: "C-2",
                name: "Anne Leroy",
                email: null,
                address: "4 rue Garibaldi, 69006 Lyon",
              },
              start: { date: "2020-01-01", index: 100 },
              end: { date: "2024-01-10", index: 400 },
            },
          ],
        },
        {
          id: "PDS-3",
          address: "9 cours Gambetta, 69007 Lyon",
          meter: { serial: "C300", remoteReading: false },
          readings: [],
          subscriptions: [
            {
              id: "AB-3",
              tags: ["euros"],
              customer: { id: "C-3", name: "Marc Petit", email: null, address: "21 rue Royale, 69001 Lyon" },
              start: { date: "2023-05-01", index: 2000 },
            },
          ],
        },
      ],
    },
    steps: [
      {
        at: "2024-03-05T10:00:00+01:00",
        as: "FO",
        entity: "FO-LYON",
        do: "moveIn",
        with: {
          servicePoint: "PDS-1",
          customer: {
            name: "Jeanne Martin",
            email: "jeanne@example.fr",
            address: "12 rue des Lilas, 69003 Lyon",
          },
          date: "2024-03-02",
          index: 1012,
          reconnection: false,
          proof: "WILL_SEND",
        },
      },
      {
        at: "2024-03-05T11:00:00+01:00",
        as: "FO",
        entity: "FO-LYON",
        do: "moveIn",
        with: {
          servicePoint: "PDS-2",
          customer: { name: "Hugo Blanc", address: "4 rue Garibaldi, 69006 Lyon" },
          date: "2024-03-01",
          index: 430,
          reconnection: false,
          proof: "NONE",
        },
      },
      {
        at: "2024-03-10T14:00:00+01:00",
        as: "BO",
        entity: "BO-RHONE",
        do: "receiveProof",
        with: {
          case: "$step.0.case",
          kind: "ENTRY_INVENTORY",
          date: "2024-02-20",
          index: 1009,
          meterSerial: "A12345",
        },
      },
      {
        at: "2024-03-11T09:00:00+01:00",
        as: "FO",
        entity: "FO-LYON",
        do: "contest",
        with: { subscription: "AB-3", reason: "Je conteste l'index de départ." },
      },
      {
        at: "2024-03-12T09:00:00+01:00",
        as: "BO",
        entity: "BO-RHONE",
        do: "answerContest",
        with: {
          contest: "$step.3.contest",
          answer: "L'index de départ est celui relevé à votre arrivée.",
          regularizationNeeded: false,
        },
      },
    ],
  });

  it("writes every message as delivered (.eml, .pdf) and leaves the JSON result unchanged", {
    timeout: 120_000,
  }, async () => {
    const config = testDeliveryConfig();
    const dir = join(config.emailDir, "..", "export");
    const plain = await runScenario(scenario);
    const withOutbox = await runScenario(scenario, {
      afterSteps: (db) => exportOutbox(db, dir, config).then(() => {}),
    });
    expect(withOutbox).toEqual(plain);
    expect(plain.steps.map((s) => s.outcome)).toEqual([
      "CASE_OPENED",
      "SUBSCRIBED",
      "SUBSCRIBED",
      "CONTEST_RECORDED",
      "CONTEST_ANSWERED",
    ]);

    const files = readdirSync(dir).sort();
    expect(files).toEqual([
      "MSG-000001-PROOF_REQUEST.eml",
      "MSG-000002-CONFIRMATION_PREDECESSOR_INDEX.pdf",
      "MSG-000003-CONFIRMATION_PROOF.eml",
      "MSG-000004-CONTEST_ANSWER.pdf",
    ]);
    const proofMail = await simpleParser(readFileSync(join(dir, files[2] as string)));
    expect(proofMail.subject).toBe(
      "Justificatif reçu : mise en place de votre abonnement au 12 rue des Lilas, 69003 Lyon",
    );
    expect(proofMail.text).toContain("état des lieux d'entrée du 20 février 2024, index 1\u202f009 m3");
    expect(proofMail.text).toContain("il prend effet le 20 février 2024, avec l'index 1\u202f009 m3");
    expect(proofMail.date?.toISOString()).toBe("2024-03-10T13:00:00.000Z");

    const predecessor = await pdfText(readFileSync(join(dir, files[1] as string)));
    for (const fact of [
      "Hugo Blanc",
      "4 rue Garibaldi",
      "69006 LYON",
      "Lyon, le 5 mars 2024",
      "B777",
      "il prend effet le 10 janvier 2024, avec l'index 400 m3",
      "430 m3 au 1er mars 2024",
    ]) {
      expect(predecessor).toContain(fact);
    }
    const answer = await pdfText(readFileSync(join(dir, files[3] as string)));
    for (const fact of [
      "Marc Petit",
      "21 rue Royale",
      "69001 LYON",
      "Lyon, le 12 mars 2024",
      "Je conteste l'index de départ.",
      "L'index de départ est celui relevé à votre arrivée.",
      "2\u202f000 m3",
    ]) {
      expect(answer).toContain(fact);
    }
  });
});
