/**
 * SUPERVISOR: the reports (issue 16, points 7 and 8): the current month by default, totals the server counts
 * for the whole filter, chart labels whole; the CSV exports written for a French spreadsheet.
 */
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execute } from "../../src/registry.js";
import { ctxAs, moveInRequest } from "../support/factories.js";
import {
  flat,
  type Harness,
  loginAs,
  nospace,
  screenshot,
  seedIntermediateConsumption,
  startHarness,
} from "./support.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await seedIntermediateConsumption(h.db);
  // A customer without proof, subscribed at the predecessor's index: the longest source label.
  await execute(
    h.db,
    ctxAs("FO", new Date(), "FO-LYON"),
    "moveIn",
    moveInRequest("PDS-LILAS", { index: 1030, proof: "NONE" }),
  );
});

afterAll(async () => {
  await h?.close();
});

async function download(page: Page, report: string): Promise<string> {
  const [file] = await Promise.all([
    page.waitForEvent("download"),
    page.getByTestId(`csv-${report}`).click(),
  ]);
  return readFileSync(await file.path(), "utf8");
}

describe("reports", () => {
  it("SUPERVISOR: this month by default, the server's totals, whole labels; CSV with French dates, Paris times and labels", async () => {
    const page = await loginAs(h, "pilotage");
    // Supervisors read; they are offered no move-in.
    expect(await page.getByRole("link", { name: "File de travail" }).count()).toBe(0);
    await page.getByRole("link", { name: "Pilotage" }).click();
    const row = page
      .locator("section", { hasText: "Consommation intermédiaire" })
      .locator("tr", { hasText: "PDS-ROSES" });
    await row.waitFor();
    expect(nospace(await row.textContent())).toContain("12m3");

    // The current month, whose first and last days the form shows.
    const from = await page.getByLabel("Du", { exact: true }).inputValue();
    const to = await page.getByLabel("Au", { exact: true }).inputValue();
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris" }).format(new Date());
    expect(from).toBe(`${today.slice(0, 8)}01`);
    expect(to.slice(0, 8)).toBe(today.slice(0, 8));
    expect(Number(to.slice(8))).toBeGreaterThanOrEqual(28);
    expect(flat(await page.getByTestId("unbilled-volume").textContent())).toBe("12 m3");
    // Whole labels in the chart of new customers, however long.
    await page.locator("svg text", { hasText: "Date et index de résiliation du prédécesseur" }).waitFor();
    await screenshot(page, "11-pilotage", { narrow: true });

    const inter = await download(page, "intermediate-consumption");
    expect(inter).toContain("Volume non facturé (m3)");
    const line = inter.split(/\r?\n/).find((l) => l.startsWith("PDS-ROSES"));
    const [y, m, d] = from.split("-");
    expect(line?.split(";")).toEqual(expect.arrayContaining(["12", "15/01/2024"]));
    expect(line).toMatch(new RegExp(`;\\d{2}/${m}/${y};`));
    expect(d).toBe("01");
    const customers = await download(page, "new-customers");
    expect(customers).toContain("Date et index de résiliation du prédécesseur");
    expect(customers).toMatch(/;\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}\r\n/);
    expect(customers).not.toMatch(/\d{4}-\d{2}-\d{2}|PREDECESSOR|;PROOF;/);
    const cases = await download(page, "cases-by-entity");
    expect(cases).toContain("ARR Cas Particuliers;");
    expect(cases).not.toMatch(/ARR_SPECIAL|;OPEN|;CLOSED/);
    await page.context().close();
  });
});
