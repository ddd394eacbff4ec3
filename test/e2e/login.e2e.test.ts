/**
 * Logging in: a wrong password is refused in French, what was typed is kept.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, PASSWORD, screenshot, startHarness, WIDE } from "./support.js";

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

describe("security headers", () => {
  it("the console works under its Content-Security-Policy: no violation from login to the case list", async () => {
    const ctx = await h.browser.newContext({ viewport: WIDE, locale: "fr-FR" });
    const page = await ctx.newPage();
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content.Security.Policy/i.test(m.text())) violations.push(`${m.location().url}: ${m.text()}`);
    });
    const answer = await page.goto(`${h.url}/`);
    expect(answer?.headers()["content-security-policy"]).toContain("default-src 'self'");
    await page.getByLabel("Identifiant").fill("fo.lyon");
    await page.getByLabel("Mot de passe").fill(PASSWORD);
    await page.getByLabel("Mot de passe").press("Enter");
    await page.getByRole("button", { name: "Se déconnecter" }).waitFor();
    // The stylesheet applied: the layout is not the browser's bare default.
    const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
    expect(font).not.toMatch(/^"?Times/);
    await page.goto(`${h.url}/docs`);
    await page.locator(".swagger-ui").first().waitFor();
    expect(violations).toEqual([]);
    await ctx.close();
  });
});
