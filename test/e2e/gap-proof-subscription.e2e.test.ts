/**
 * A gap beyond tolerance: FO opens the case after reading the warning to the customer; BO finds it in the
 * work queue, records the proof with its document and the subscription is made with the R9 comment.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectAccessible,
  flat,
  type Harness,
  loginAs,
  openServicePoint,
  screenshot,
  startHarness,
} from "./support.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

const R9 = "écart de consommation avec ancien occupant";

describe("gap → case → proof → subscription", () => {
  let caseId = "";

  it("FO: a gap beyond tolerance shows the path and the 15-day warning, then opens a case", async () => {
    const page = await loginAs(h, "fo.lyon");
    await openServicePoint(page, "Roses", "PDS-ROSES");
    await page.getByRole("link", { name: "Nouvelle arrivée" }).click();
    await page.getByLabel("Nom et prénom").fill("Luc Moreau");
    await page.getByLabel("Courriel").fill("luc@example.fr");
    await page.getByLabel("Date d'entrée dans les lieux").fill("2024-03-02");
    await page.getByLabel("Index déclaré (m3)").fill("1020");
    // The gap, as the server's check judges it, a moment after typing.
    await expect
      .poll(async () => flat(await page.getByTestId("gap").textContent()))
      .toContain("+20 m3 — au-delà de la tolérance de 5 m3");
    await page.locator('[data-path="CASE_AWAIT_PROOF"]').waitFor();
    const tell = flat(await page.getByTestId("tell-customer").textContent());
    expect(tell).toContain("justificatif d'entrée");
    expect(tell).toContain("Sans justificatif dans ce délai");
    // The advisor cannot confirm before saying it to the customer.
    const confirm = page.getByRole("button", { name: "Confirmer et ouvrir le dossier" });
    expect(await confirm.isDisabled()).toBe(true);
    await screenshot(page, "03-arrivee-ecart", { narrow: true });
    await page.getByLabel("J'ai lu au client le message ci-contre").check();
    await confirm.click();
    await page.getByTestId("movein-done").waitFor();
    expect(await page.getByTestId("movein-done").textContent()).toContain("Dossier ouvert");
    caseId = flat(await page.getByTestId("movein-done").getByRole("link").first().textContent());
    expect(caseId).toMatch(/^CASE-/);
    const subs = await h.db.kysely
      .selectFrom("subscriptions")
      .select("id")
      .where("service_point_id", "=", "PDS-ROSES")
      .where("end_date", "is", null)
      .execute();
    expect(subs).toEqual([]);
    await page.context().close();
  });

  it("BO: the case is in the work queue; a proof with its document subscribes and writes the R9 comment", async () => {
    expect(caseId).not.toBe("");
    const page = await loginAs(h, "bo.lyon");
    await page.getByRole("link", { name: "File de travail" }).click();
    const row = page.locator("tr", { has: page.getByRole("link", { name: caseId }) });
    await row.waitFor();
    expect(flat(await row.textContent())).toContain("Justificatif du client");
    // Overdue first: the case seeded three weeks ago comes before today's.
    const first = page.locator("table.queue tbody tr").first();
    expect(flat(await first.textContent())).toContain("Camille Petit");
    expect(flat(await first.textContent())).toContain("en retard");
    await expectAccessible(page, "work queue");
    await page.getByRole("link", { name: caseId }).click();
    await page.getByRole("heading", { name: "Historique du dossier" }).waitFor();

    // The rules' comment shows its indexes as every index is shown: thousands apart (the stored text unchanged).
    const opening = page.getByTestId("timeline").locator("p.comment", { hasText: "index déclaré" });
    expect(await opening.textContent()).toContain("index déclaré 1\u202f020 m3");
    expect(await opening.textContent()).toContain("prédécesseur 1\u202f000 m3");

    // A free comment under the timeline: the timeline shows it once saved.
    const note = "Client rappelé : l'état des lieux arrive par courriel.";
    await page.getByRole("textbox", { name: "Ajouter un commentaire" }).fill(`  ${note}  `);
    await page.getByRole("button", { name: "Ajouter le commentaire" }).click();
    await expect.poll(() => page.getByTestId("flash").textContent()).toContain("Commentaire ajouté");
    await expect.poll(async () => flat(await page.getByTestId("timeline").textContent())).toContain(note);
    expect(await page.getByRole("textbox", { name: "Ajouter un commentaire" }).inputValue()).toBe("");

    await page.getByRole("button", { name: "Saisir un justificatif" }).click();
    await page.getByLabel("Type de document").selectOption("ENTRY_INVENTORY");
    await page.getByLabel("Date d'entrée sur le document").fill("2024-03-01");
    await page.getByLabel("Index sur le document (m3)").fill("1012");
    await page.getByLabel(/^Document/).setInputFiles({
      name: "etat-des-lieux.pdf",
      mimeType: "application/pdf",
      buffer: Buffer.from("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"),
    });
    // The outcome is the server's answer before confirming (the proof check): date, index, source, R9 and
    // the tolerance in force, none of them written in the console.
    const preview = page.getByTestId("proof-preview");
    await expect.poll(async () => flat(await preview.textContent())).toContain(R9);
    expect(await preview.getAttribute("data-path")).toBe("SUBSCRIBE");
    expect(flat(await preview.textContent())).toContain("Abonnement au 01/03/2024, index 1 012 m3");
    expect(flat(await preview.textContent())).toContain("Justificatif (date et index)");
    expect(flat(await preview.textContent())).toContain("au-delà de la tolérance de 5 m3");
    // Without the index, the start is what the server would take: here the predecessor's index (no télérelève).
    await page.getByLabel("Index sur le document (m3)").fill("");
    await expect
      .poll(async () => flat(await preview.textContent()))
      .toContain("index 1 000 m3 — Date du justificatif, index de résiliation du prédécesseur");
    expect(flat(await preview.textContent())).not.toContain(R9);
    await page.getByLabel("Index sur le document (m3)").fill("1012");
    await expect.poll(async () => flat(await preview.textContent())).toContain(R9);
    expect(await page.getByLabel(/^Document/).count()).toBe(1);
    expect(flat(await page.locator("form.proof-form").textContent())).toContain("10 Mo au plus");
    await screenshot(page, "05-dossier-justificatif");
    await page.getByRole("button", { name: "Confirmer le justificatif" }).click();
    await expect.poll(() => page.getByTestId("flash").textContent()).toContain("Abonnement mis en place");
    // The timeline reloads after the flash: wait for the new comment rather than read it at once.
    await expect.poll(async () => flat(await page.getByTestId("timeline").textContent())).toContain(R9);
    const timeline = flat(await page.getByTestId("timeline").textContent());
    expect(timeline).toContain("etat-des-lieux.pdf");
    await screenshot(page, "06-dossier", { narrow: true });

    const sub = await h.db.kysely
      .selectFrom("subscriptions")
      .selectAll()
      .where("service_point_id", "=", "PDS-ROSES")
      .where("end_date", "is", null)
      .executeTakeFirstOrThrow();
    expect({ date: sub.start_date, index: sub.start_index, source: sub.start_source }).toEqual({
      date: "2024-03-01",
      index: 1012,
      source: "PROOF",
    });
    const comments = await h.db.kysely
      .selectFrom("case_comments")
      .select("body")
      .where("case_id", "=", caseId)
      .execute();
    expect(comments.map((c) => c.body)).toContain(R9);
    // The service point now shows both occupants and the vacancy between them.
    await page.getByRole("link", { name: "PDS-ROSES" }).first().click();
    await page.getByRole("heading", { name: "Occupants" }).waitFor();
    expect(await page.locator("svg text", { hasText: "vacance" }).count()).toBe(1);
    await screenshot(page, "12-point-de-desserte-occupants");
    await page.context().close();
  });
  it("BO: a proof naming another meter is refused by the server, kept on file, and the form keeps the figures", async () => {
    const page = await loginAs(h, "bo.lyon");
    await page.getByRole("link", { name: "File de travail" }).click();
    const row = page.locator("table.queue tbody tr", { hasText: "Camille Petit" });
    await row.waitFor();
    await row.getByRole("link").first().click();
    await page.getByRole("heading", { name: "Historique du dossier" }).waitFor();
    await page.getByRole("button", { name: "Saisir un justificatif" }).click();
    await page.getByLabel("Type de document").selectOption("ENTRY_INVENTORY");
    await page.getByLabel("Date d'entrée sur le document").fill("2024-02-20");
    await page.getByLabel("Index sur le document (m3)").fill("1010");
    await page.getByLabel("Matricule du compteur sur le document").fill("Z99999");
    const preview = page.getByTestId("proof-preview");
    await expect.poll(async () => preview.getAttribute("data-path")).toBe("REFUSED");
    await page.getByRole("button", { name: "Confirmer le justificatif" }).click();
    // The console knows the proof was kept from the server's answer (outcome PROOF_REFUSED), not from the code.
    await expect
      .poll(() => page.getByTestId("flash").textContent())
      .toContain("Justificatif refusé, conservé au dossier.");
    expect(await page.getByLabel("Matricule du compteur sur le document").inputValue()).toBe("Z99999");
    const proofs = await h.db.kysely
      .selectFrom("proofs")
      .innerJoin("cases", "cases.id", "proofs.case_id")
      .select(["proofs.status", "proofs.refusal_code", "proofs.meter_serial"])
      .where("cases.service_point_id", "=", "PDS-CHENES")
      .execute();
    expect(proofs).toEqual([
      { status: "REFUSED", refusal_code: "METER_SERIAL_MISMATCH", meter_serial: "Z99999" },
    ]);
    // A second confirmation is a new attempt (new key), refused and kept again, not the first one replayed.
    await page.getByRole("button", { name: "Confirmer le justificatif" }).click();
    await expect
      .poll(
        async () =>
          (
            await h.db.kysely
              .selectFrom("proofs")
              .innerJoin("cases", "cases.id", "proofs.case_id")
              .select("proofs.id")
              .where("cases.service_point_id", "=", "PDS-CHENES")
              .execute()
          ).length,
      )
      .toBe(2);
    await page.context().close();
  });
});
