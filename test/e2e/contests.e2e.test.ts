/**
 * FO records a contest of a subscription made by the EUROS service; BO answers and opens an INT_EUROS case.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flat, type Harness, loginAs, openServicePoint, screenshot, startHarness } from "./support.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

describe("contests", () => {
  it("FO records a contest on a subscription made by the EUROS service; BO answers and opens an INT_EUROS case", async () => {
    const fo = await loginAs(h, "fo.lyon");
    await openServicePoint(fo, "Érables", "PDS-ERABLES");
    await fo.locator("tr", { hasText: "AB-EUROS" }).getByRole("button", { name: "Contestation" }).click();
    expect(flat(await fo.locator(".banner.info").first().textContent())).toContain("sans transfert");
    await fo.getByLabel("Motif de la contestation").fill("Le client conteste l'index de départ retenu");
    await fo.getByLabel("Motif de la contestation").press("Enter");
    await expect
      .poll(() => fo.getByRole("status").first().textContent())
      .toContain("Contestation enregistrée");
    await fo.context().close();

    const bo = await loginAs(h, "bo.lyon");
    await bo.getByRole("link", { name: "Contestations" }).click();
    const card = bo.locator("article.card", { hasText: "Nadia Haddad" });
    await card.waitFor();
    expect(flat(await card.textContent())).toContain("euros");
    await card
      .getByLabel("Réponse au client")
      .fill(
        "Après analyse, l'index retenu est celui du relevé du 10/01/2022 ; une régularisation est engagée.",
      );
    await card.getByLabel(/régularisation est nécessaire/).check();
    await card.getByRole("button", { name: "Envoyer la réponse" }).click();
    await expect
      .poll(() => bo.getByRole("status").first().textContent())
      .toContain("Dossier INT vers EUROS ouvert");
    const euros = bo.locator("section", {
      has: bo.getByRole("heading", { name: "Dossiers INT vers EUROS", exact: true }),
    });
    await euros.locator("tr", { hasText: "Nadia Haddad" }).waitFor();
    await bo.getByLabel("Statut").selectOption("");
    await bo.locator("article.card", { hasText: "Nadia Haddad" }).waitFor();
    await screenshot(bo, "10-contestations");
    const cases = await h.db.kysely
      .selectFrom("cases")
      .select(["type", "status"])
      .where("service_point_id", "=", "PDS-ERABLES")
      .execute();
    expect(cases).toEqual([{ type: "INT_EUROS", status: "OPEN" }]);
    await bo.context().close();
  });
});
