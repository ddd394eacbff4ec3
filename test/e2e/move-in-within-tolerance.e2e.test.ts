/**
 * FO: a move-in within tolerance, keyboard only; a refused date keeps what was typed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, flat, type Harness, loginAs, nospace, startHarness } from "./support.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

describe("move-in within tolerance", () => {
  it("FO: a move-in within tolerance is subscribed at the declared date and index; a refusal keeps what was typed", async () => {
    const page = await loginAs(h, "fo.lyon");
    await page.getByLabel("Rechercher").fill("A12345");
    await page.getByLabel("Rechercher").press("Enter");
    await page.getByRole("link", { name: "PDS-LILAS", exact: true }).waitFor();
    await expectAccessible(page, "search");
    await page.getByRole("link", { name: "PDS-LILAS", exact: true }).click();
    // FO may not correct readings: no such action offered.
    await page.getByRole("heading", { name: "Historique des relevés" }).waitFor();
    expect(await page.getByRole("button", { name: /^Corriger/ }).count()).toBe(0);
    await page.getByRole("link", { name: "Nouvelle arrivée" }).click();

    // The predecessor's termination is on screen before anything is typed.
    await page.getByRole("heading", { name: "Demande d'arrivée" }).waitFor();
    expect(flat(await page.getByTestId("termination-date").textContent())).toBe("15/01/2024");
    expect(nospace(await page.getByTestId("termination-index").textContent())).toBe("1000m3");

    // Keyboard only: the name field has focus; Tab moves through the form.
    await page.keyboard.type("Jeanne Martin");
    await page.keyboard.press("Tab");
    await page.keyboard.type("jeanne@example.fr");
    await page.getByLabel("Date d'entrée dans les lieux").fill("2099-01-01");
    await page.getByLabel("Index déclaré (m3)").fill("1003");
    // The server refuses the date beside the field; nothing typed is lost.
    await expect.poll(() => page.locator(".field.has-error").textContent()).toMatch(/date/i);
    expect(await page.getByLabel("Nom et prénom").inputValue()).toBe("Jeanne Martin");
    expect(await page.getByLabel("Index déclaré (m3)").inputValue()).toBe("1003");

    await page.getByLabel("Date d'entrée dans les lieux").fill("2024-03-02");
    // The gap, as the server's check judges it, a moment after typing.
    await expect
      .poll(async () => flat(await page.getByTestId("gap").textContent()))
      .toContain("+3 m3 — dans la tolérance (5 m3)");
    await page.locator('[data-path="SUBSCRIBE_DECLARED"]').waitFor();
    expect(await page.locator(".field.has-error").count()).toBe(0);
    // Enter submits.
    await page.getByLabel("Index déclaré (m3)").press("Enter");
    await page.getByTestId("movein-done").waitFor();
    expect(await page.getByTestId("movein-done").textContent()).toContain("Abonnement mis en place");

    const sub = await h.db.kysely
      .selectFrom("subscriptions")
      .selectAll()
      .where("service_point_id", "=", "PDS-LILAS")
      .where("end_date", "is", null)
      .executeTakeFirstOrThrow();
    expect({ date: sub.start_date, index: sub.start_index, source: sub.start_source }).toEqual({
      date: "2024-03-02",
      index: 1003,
      source: "DECLARED",
    });
    await page.context().close();
  });
});
