/**
 * The service point page (issue 16, points 9 and 2): occupied premises show their occupant and offer
 * « Changement d'occupant » (R17) and « Résilier », each asked once more and said done; « Saisir un relevé » warns before saving a suspect
 * reading, the likely index one click away.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execute } from "../../src/registry.js";
import { ctxAs, moveInRequest } from "../support/factories.js";
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
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator, whose innerText keeps the breaks between terms and values
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
      // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator (see above)
      .poll(async () => flat(await page.locator(".facts").first().innerText()))
      .toContain("Index de résiliation 400 m3 au 01/03/2024");
    expect(await page.getByRole("link", { name: "Nouvelle arrivée" }).count()).toBeGreaterThan(0);
    await page.context().close();
  });

  it("FO: « Changement d'occupant » hands an occupied premises over at one reading, confirmed first, then says who is subscribed", async () => {
    const opened = await execute(
      h.db,
      ctxAs("FO", new Date(), "FO-LYON"),
      "moveIn",
      moveInRequest("PDS-LILAS", {
        customer: { name: "Julie Roux", email: "julie@example.fr", address: "12 rue des Lilas, 69003 Lyon" },
        date: "2024-02-01",
        index: 1002,
      }),
    );
    const leaving = opened.subscription as string;
    const page = await loginAs(h, "fo.lyon");
    await openServicePoint(page, "Lilas", "PDS-LILAS");
    await page
      .getByTestId("service-point-actions")
      .getByRole("button", { name: "Changement d'occupant" })
      .click();
    const form = page.getByRole("form", { name: "Changement d'occupant" });
    await form.getByLabel("Date du changement").fill("2024-03-15");
    await form.getByLabel("Index relevé ensemble (m3)").fill("1010");
    await form.getByLabel("Nom et prénom du nouvel occupant").fill("Hugo Lambert");
    await form.getByLabel("Courriel").fill("hugo@example.fr");
    await form.getByRole("button", { name: "Changer d'occupant" }).click();
    const ask = page.getByTestId("confirm-mutation");
    await ask.waitFor();
    await expect
      .poll(async () => flat(await ask.textContent()))
      .toContain(
        `L'abonnement ${leaving} de Julie Roux prend fin le 15/03/2024 à l'index 1 010 m3 et Hugo Lambert est abonné à la même date et au même index ?`,
      );
    // Nothing is recorded before the confirmation.
    const before = await h.db.kysely
      .selectFrom("subscriptions")
      .select("id")
      .where("service_point_id", "=", "PDS-LILAS")
      .where("end_date", "is", null)
      .execute();
    expect(before).toEqual([{ id: leaving }]);
    await screenshot(page, "14c-changement-occupant-confirmation");
    await ask.getByRole("button", { name: "Confirmer le changement d'occupant" }).click();
    const done = page.getByTestId("handed-over");
    await done.waitFor();
    const arrived = await h.db.kysely
      .selectFrom("subscriptions as s")
      .innerJoin("parties as p", "p.id", "s.party_id")
      .select(["s.id", "s.start_index", "s.start_source", "s.end_date"])
      .where("s.service_point_id", "=", "PDS-LILAS")
      .where("p.name", "=", "Hugo Lambert")
      .executeTakeFirstOrThrow();
    expect(arrived).toMatchObject({ start_index: 1010, start_source: "MUTATION", end_date: null });
    expect(flat(await done.textContent())).toContain(
      `Changement d'occupant enregistré : l'abonnement ${leaving} de Julie Roux a pris fin le 15/03/2024 à l'index 1 010 m3 ; Hugo Lambert est abonné depuis cette date au même index (abonnement ${arrived.id}).`,
    );
    await expect
      .poll(async () => flat(await page.getByTestId("occupant").textContent()))
      .toContain("Hugo Lambert abonné depuis le 15/03/2024 (1 010 m3)");
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
