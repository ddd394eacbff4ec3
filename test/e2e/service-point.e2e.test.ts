/**
 * The service point page (issue 16, points 9 and 2): occupied premises show their occupant and offer
 * « Résilier », which asks once more and says it is done; « Saisir un relevé » warns before saving a suspect
 * reading, the likely index one click away.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  flat,
  type Harness,
  loginAs,
  nospace,
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

describe("service point", () => {
  it("FO: an occupied premises shows its occupant and offers « Résilier », confirmed, then done; vacant, it offers « Nouvelle arrivée »", async () => {
    const page = await loginAs(h, "fo.lyon");
    await openServicePoint(page, "Érables", "PDS-ERABLES");
    expect(flat(await page.getByTestId("occupant").textContent())).toContain(
      "Nadia Haddad abonné depuis le 10/01/2022",
    );
    const facts = flat(await page.locator(".facts").first().innerText());
    expect(facts).not.toContain("Index de résiliation");
    expect(await page.getByRole("link", { name: "Nouvelle arrivée" }).count()).toBe(0);
    await screenshot(page, "14-point-de-desserte-occupe", { narrow: true });

    await page.getByTestId("service-point-actions").getByRole("button", { name: "Résilier" }).click();
    await page.getByLabel("Date de départ").fill("2024-03-01");
    await page.getByLabel("Index de résiliation (m3)").fill("400");
    await page.getByLabel("Index de résiliation (m3)").press("Enter");
    const ask = page.getByTestId("confirm-move-out");
    await ask.waitFor();
    await expect
      .poll(async () => flat(await ask.textContent()))
      .toContain("Résilier l'abonnement AB-EUROS de Nadia Haddad au 01/03/2024 à l'index 400 m3 ?");
    // Nothing is recorded before the confirmation.
    const before = await h.db.kysely
      .selectFrom("subscriptions")
      .select("end_date")
      .where("id", "=", "AB-EUROS")
      .executeTakeFirstOrThrow();
    expect(before.end_date).toBeNull();
    await screenshot(page, "14b-resiliation-confirmation");
    await ask.getByRole("button", { name: "Confirmer la résiliation" }).click();
    const done = page.getByTestId("moved-out");
    await done.waitFor();
    expect(flat(await done.textContent())).toContain(
      "Résiliation enregistrée : l'abonnement AB-EUROS de Nadia Haddad a pris fin le 01/03/2024 à l'index 400 m3.",
    );
    await expect
      .poll(async () => flat(await page.locator(".facts").first().innerText()))
      .toContain("Index de résiliation 400 m3 au 01/03/2024");
    expect(await page.getByRole("link", { name: "Nouvelle arrivée" }).count()).toBeGreaterThan(0);
    await page.context().close();
  });

  it("FO: « Saisir un relevé » warns before saving a suspect reading; « Utiliser 900 » saves the likely index", async () => {
    const page = await loginAs(h, "fo.lyon");
    await openServicePoint(page, "B77001", "PDS-TILLEULS");
    await page.getByRole("button", { name: "Saisir un relevé" }).click();
    const form = page.getByRole("form", { name: "Saisir un relevé" });
    await form.getByLabel("Date du relevé").fill("2024-04-10");
    await form.getByLabel("Index (m3 entiers)").fill("90012");
    const warning = form.getByTestId("suspect-index");
    await warning.waitFor();
    expect(flat(await warning.textContent())).toContain("Index 90 012 m3 invraisemblable");
    expect(await form.getByRole("button", { name: "Enregistrer" }).isDisabled()).toBe(true);
    await screenshot(page, "15-releve-suspect");
    await warning.getByRole("button", { name: "Utiliser 900" }).click();
    expect(await form.getByLabel("Index (m3 entiers)").inputValue()).toBe("900");
    await expect.poll(() => form.getByTestId("suspect-index").count()).toBe(0);
    await expect.poll(() => form.getByRole("button", { name: "Enregistrer" }).isDisabled()).toBe(false);
    await form.getByRole("button", { name: "Enregistrer" }).click();
    await page.locator("tr", { hasText: "10/04/2024" }).waitFor();
    expect(nospace(await page.locator("tr", { hasText: "10/04/2024" }).textContent())).toContain("900");
    const saved = await h.db.kysely
      .selectFrom("reading_states")
      .select(["index_m3", "effective_status"])
      .where("service_point_id", "=", "PDS-TILLEULS")
      .where("reading_date", "=", "2024-04-10")
      .execute();
    expect(saved).toEqual([{ index_m3: 900, effective_status: "VALID" }]);
    await page.context().close();
  });
});
