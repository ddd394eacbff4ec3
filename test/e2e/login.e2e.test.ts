/**
 * Logging in: a wrong password is refused in French, what was typed is kept.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, screenshot, startHarness, WIDE } from "./support.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

describe("login", () => {
  it("logs in, and a wrong password is refused in French", async () => {
    const ctx = await h.browser.newContext({ viewport: WIDE, locale: "fr-FR" });
    const page = await ctx.newPage();
    await page.goto(`${h.url}/`);
    await page.getByLabel("Identifiant").fill("fo.lyon");
    await page.getByLabel("Mot de passe").fill("mauvais-mot-de-passe");
    await screenshot(page, "01-connexion");
    await page.getByLabel("Mot de passe").press("Enter");
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toContain("Identifiant ou mot de passe incorrect");
    // The username typed is kept.
    expect(await page.getByLabel("Identifiant").inputValue()).toBe("fo.lyon");
    await ctx.close();
  });
});
