/**
 * R19 at the counter: FO attaches the customer's document to the case (« Joindre un document »); the case
 * lists it, in French, for BO to process.
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flat, type Harness, loginAs, screenshot, startHarness } from "./support.js";

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
    await page.getByLabel("Document (PDF, JPEG ou PNG)").setInputFiles(pdf);
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
});
