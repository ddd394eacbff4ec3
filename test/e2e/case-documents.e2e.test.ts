/**
 * R19 at the counter: FO attaches the customer's document to the case (« Joindre un document »); the case
 * lists it, in French, for BO to process; BO records the proof by picking that document, with no new upload.
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, flat, type Harness, loginAs, screenshot, startHarness } from "./support.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

describe("documents at the counter", () => {
  it("FO attaches an attestation notariée received today; the case lists it, to be processed", async () => {
    const c = await h.db.kysely
      .selectFrom("cases")
      .select("id")
      .where("service_point_id", "=", "PDS-CHENES")
      .executeTakeFirstOrThrow();
    const pdf = join(tmpdir(), `attestation-${Date.now()}.pdf`);
    writeFileSync(pdf, "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n");
    const page = await loginAs(h, "fo.lyon");
    await page.evaluate((id) => {
      window.location.hash = `/dossiers/${id}`;
    }, c.id);
    await page.getByRole("button", { name: "Joindre un document" }).click();
    await page.getByLabel("Type de document").selectOption("NOTARY_CERTIFICATE");
    // The size limit is the server's (the case view's), not a figure of the console.
    await page.getByLabel("Document (PDF, JPEG ou PNG, 10 Mo au plus)").setInputFiles(pdf);
    await page.getByRole("button", { name: "Joindre au dossier" }).click();
    const list = page.getByTestId("case-documents");
    await expect
      .poll(async () => flat(await list.textContent().catch(() => "")))
      .toContain("Attestation notariée");
    expect(flat(await list.textContent())).toContain("à traiter par le back office");
    expect(flat(await page.locator("main").textContent())).not.toMatch(
      /\bNOTARY_CERTIFICATE|DOCUMENT_ATTACHED\b/,
    );
    const rows = await h.db.kysely
      .selectFrom("case_documents")
      .select(["kind", "file_name", "content_type"])
      .where("case_id", "=", c.id)
      .execute();
    expect(rows).toEqual([
      { kind: "NOTARY_CERTIFICATE", file_name: pdf.split("/").at(-1), content_type: "application/pdf" },
    ]);
    await screenshot(page, "05c-dossier-documents-guichet");
    await page.context().close();
  });

  it("BO records the proof by picking the document handed in at the counter: no file to join, the check answers", async () => {
    const c = await h.db.kysely
      .selectFrom("cases")
      .select("id")
      .where("service_point_id", "=", "PDS-CHENES")
      .executeTakeFirstOrThrow();
    const doc = await h.db.kysely
      .selectFrom("case_documents")
      .select(["id", "file_name"])
      .where("case_id", "=", c.id)
      .executeTakeFirstOrThrow();
    const page = await loginAs(h, "bo.lyon");
    await page.evaluate((id) => {
      window.location.hash = `/dossiers/${id}`;
    }, c.id);
    await page.getByRole("button", { name: "Saisir un justificatif" }).click();
    const form = page.getByRole("form", { name: "Saisie d'un justificatif" });
    await form.getByLabel("Document remis au guichet").selectOption(doc.id);
    // The document brings its kind and its file: neither is asked again.
    expect(flat(await form.getByTestId("proof-document-kind").textContent())).toContain(
      "Attestation notariée",
    );
    expect(await form.getByLabel("Type de document").count()).toBe(0);
    expect(await form.getByLabel(/^Document \(PDF/).count()).toBe(0);
    await form.getByLabel("Date d'entrée sur le document").fill("2024-02-20");
    await form.getByLabel("Index sur le document (m3)").fill("1003");
    const preview = form.getByTestId("proof-preview");
    await expect
      .poll(async () => flat(await preview.textContent()))
      .toContain("Abonnement au 20/02/2024, index 1 003 m3 — Justificatif (date et index)");
    expect(flat(await preview.textContent())).toContain("dans la tolérance de 5 m3");
    await expectAccessible(page, "proof form with a counter document");
    await screenshot(page, "05d-dossier-justificatif-document-guichet");
    await form.getByRole("button", { name: "Confirmer le justificatif" }).click();
    await expect.poll(() => page.getByTestId("flash").textContent()).toContain("Abonnement mis en place");
    const proof = await h.db.kysely
      .selectFrom("proofs")
      .select(["id", "kind", "status", "document_id", "file_name"])
      .where("case_id", "=", c.id)
      .executeTakeFirstOrThrow();
    expect(proof).toMatchObject({
      kind: "NOTARY_CERTIFICATE",
      status: "ACCEPTED",
      document_id: doc.id,
      file_name: doc.file_name,
    });
    // The counter's list says it was processed, as which proof.
    await expect
      .poll(async () =>
        flat(
          await page
            .getByTestId("case-documents")
            .textContent()
            .catch(() => ""),
        ),
      )
      .toContain(`traité (justificatif ${proof.id})`);
    await page.context().close();
  });
});
