/**
 * French and layout (issue 16, point 12): at 1024 px the menu stays on one line and the outbox fits the
 * page; the focus goes to the page title after navigation, pages that load first included; a sent message
 * reads « Envoyé le … », once.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectAccessible,
  flat,
  type Harness,
  loginAs,
  NARROW,
  screenshot,
  startHarness,
} from "./support.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  // The server under test runs no outbox worker: the overdue case's letter is marked sent, as the worker would.
  await h.db.kysely
    .updateTable("communications")
    .set({ status: "SENT", sent_at: new Date("2024-02-20T10:30:00Z"), attempts: 1 })
    .execute();
});

afterAll(async () => {
  await h?.close();
});

const focusedTitle = (page: Page) =>
  page.evaluate(() => {
    const a = document.activeElement;
    return a?.tagName === "H1" ? (a.textContent ?? "") : `not a title: ${a?.tagName}`;
  });

describe("layout and French", () => {
  it("ADMIN at 1024 px: one line of menu, the outbox within the page, the focus on each page's title", async () => {
    const page = await loginAs(h, "admin");
    await page.setViewportSize(NARROW);
    const bar = await page.locator("header.topbar").boundingBox();
    expect(bar?.height).toBeLessThanOrEqual(48);
    const tops = await page
      .locator("header.topbar nav a")
      .evaluateAll((links) => links.map((l) => Math.round(l.getBoundingClientRect().top)));
    expect(new Set(tops).size).toBe(1);
    // Recherche, File de travail, Contestations, Courriers, Pilotage, Comptes, Webhooks.
    expect(tops.length).toBe(7);
    await expectAccessible(page, "menu at 1024 px");

    await page.getByRole("link", { name: "Courriers" }).click();
    await page.getByRole("heading", { name: "Courriers et courriels" }).waitFor();
    await expect.poll(() => focusedTitle(page)).toBe("Courriers et courriels");
    await page.getByRole("button", { name: "Demande de justificatif" }).first().click();
    await page.getByText("Objet :").or(page.locator("iframe")).first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, "09-courriers-1024");

    // A page that loads its data first: the title gets the focus once it is there.
    const row = page.locator("table.grid tbody tr").first();
    await row.getByRole("link").first().click();
    await page.getByRole("heading", { name: /^Dossier CASE-/ }).waitFor();
    await expect.poll(() => focusedTitle(page)).toMatch(/^Dossier CASE-/);
    const timeline = flat(await page.getByTestId("timeline").textContent());
    expect(timeline).toContain("Envoyé le 20/02/2024 11:30");
    expect(timeline).not.toMatch(/envoy[ée] envoy[ée]/i);
    await page.getByRole("link", { name: "PDS-CHENES" }).first().click();
    await page.getByRole("heading", { name: "Historique des relevés" }).waitFor();
    await expect.poll(() => focusedTitle(page)).toContain("21 rue des Chênes");
    await page.context().close();
  });
});
