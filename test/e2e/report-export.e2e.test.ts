/**
 * SUPERVISOR: the intermediate consumption report shows the R9 case and exports as CSV.
 */

import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
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
});

afterAll(async () => {
  await h?.close();
});

describe("reports", () => {
  it("SUPERVISOR: the intermediate consumption report shows the R9 case and exports as CSV", async () => {
    const page = await loginAs(h, "pilotage");
    // Supervisors read; they are offered no move-in.
    expect(await page.getByRole("link", { name: "File de travail" }).count()).toBe(0);
    await page.getByRole("link", { name: "Pilotage" }).click();
    const row = page.locator("tr", { hasText: "PDS-ROSES" }).first();
    await row.waitFor();
    expect(nospace(await row.textContent())).toContain("12m3");
    await screenshot(page, "11-pilotage");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("csv-intermediate-consumption").click(),
    ]);
    const path = await download.path();
    const csv = readFileSync(path, "utf8");
    expect(csv).toContain("Volume non facturé (m3)");
    const line = csv.split(/\r?\n/).find((l) => l.startsWith("PDS-ROSES"));
    expect(line).toBeDefined();
    expect(line?.split(";")).toContain("12");
    await page.context().close();
  });
});
