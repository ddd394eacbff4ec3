/**
 * The demo data set lets each role work (issue 16, point 13): the back office finds contests to answer and the
 * EUROS service INT_EUROS cases; the procedure's own example, 89954 typed for 899, waits for its correction; no
 * message is dated after now, though the demo ends today; a street is in one town.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDemo } from "../../src/demo/demo.js";
import { makeConfig } from "../../src/platform/config.js";
import { flat, type Harness, loginAs, nospace, screenshot, startHarness } from "./support.js";

let h: Harness;
let filledAt = new Date();

beforeAll(async () => {
  h = await startHarness([]);
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris" }).format(new Date());
  filledAt = new Date();
  await runDemo(h.db, makeConfig(), { servicePoints: 60, seed: 16, years: 2, until: today, moveShare: 0.4 });
}, 300_000);

afterAll(async () => {
  await h?.close();
});

/** « 05/12/2026 23:04 » → the instant it names in Paris (winter or summer time as the browser formats it). */
const parisInstant = (s: string): number => {
  const m = /(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2})/.exec(s);
  if (!m) return Number.NaN;
  const [, d, mo, y, hh, mm] = m;
  const asUtc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(hh), Number(mm));
  const offset = new Date(asUtc).toLocaleString("en-GB", { timeZone: "Europe/Paris", timeZoneName: "short" });
  return asUtc - (offset.includes("GMT+2") ? 2 : 1) * 3_600_000;
};

describe("demo data", () => {
  it("BO: contests to answer and INT_EUROS cases; the procedure's 89954 with « Corriger en 899 »; no message dated after now", async () => {
    const page = await loginAs(h, "bo.lyon");
    await page.getByRole("link", { name: "Contestations" }).click();
    await page.getByRole("heading", { name: "Contestations", exact: true }).waitFor();
    await page.locator("article.card").first().waitFor();
    expect(await page.locator("article.card").count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator("table tbody tr", { hasText: "CASE-" }).count()).toBeGreaterThan(0);

    await page.getByRole("link", { name: "Recherche", exact: true }).click();
    await page.getByLabel("Rechercher").fill("Tilleuls");
    await page.getByLabel("Rechercher").press("Enter");
    await page.getByRole("link", { name: "PDS-TILLEULS", exact: true }).first().click();
    await page.getByRole("heading", { name: "Historique des relevés" }).waitFor();
    const slip = page.locator("tr", { hasText: "02/04/2024" });
    expect(nospace(await slip.textContent())).toContain("89954");
    expect(await slip.getByRole("button", { name: /Corriger en 899/ }).count()).toBe(1);
    await screenshot(page, "17-demo-89954", { narrow: true });

    await page.getByRole("link", { name: "Courriers" }).click();
    await page.getByRole("heading", { name: "Courriers et courriels" }).waitFor();
    await page.locator("table tbody tr").first().waitFor();
    const created = await page.locator("table tbody tr td:first-child").allInnerTexts();
    expect(created.length).toBeGreaterThan(0);
    const latest = Math.max(...created.map((c) => parisInstant(flat(c))));
    expect(Number.isNaN(latest)).toBe(false);
    // The outbox shows minutes: the latest message was made by the demo, before it returned.
    expect(latest).toBeLessThanOrEqual(Date.now());
    expect(latest).toBeLessThanOrEqual(Math.max(filledAt.getTime(), Date.now()));
    await page.context().close();
  });

  it("EUROS: its INT_EUROS cases are there to work", async () => {
    const page = await loginAs(h, "euros");
    await page.getByRole("link", { name: "Contestations" }).click();
    await page.getByRole("heading", { name: "Dossiers INT vers EUROS", exact: true }).waitFor();
    await expect.poll(() => page.locator("table tbody tr", { hasText: "CASE-" }).count()).toBeGreaterThan(0);
    await page.getByRole("link", { name: "File de travail" }).click();
    await page.locator("table.queue tbody tr").first().waitFor();
    expect(flat(await page.locator("table.queue").textContent())).toContain("CASE-");
    await page.context().close();
  });
});
