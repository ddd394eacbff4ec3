/**
 * Search (issue 16, point 10): how many matched, page after page, and which flat is which at one address
 * (occupant, vacant or occupied, open cases).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { servicePointFixture } from "../support/factories.js";
import { flat, givenWorld, type Harness, loginAs, screenshot, startHarness } from "./support.js";

let h: Harness;

/** 25 flats at one address: the odd ones occupied, the even ones vacant since their occupant left. */
const flats = Array.from({ length: 25 }, (_, i) => {
  const n = String(i + 1).padStart(2, "0");
  return servicePointFixture({
    id: `PDS-GAR-${n}`,
    address: `10 rue Garibaldi, appartement ${n}, 69003 Lyon`,
    meter: { serial: `G10${n}`, remoteReading: false },
    ...(i % 2 === 0
      ? {
          subscriptions: [
            {
              id: `AB-GAR-${n}`,
              tags: [],
              customer: { id: `C-GAR-${n}`, name: `Occupant ${n}`, email: null },
              start: { date: "2022-01-01", index: 500 },
            },
          ],
        }
      : {}),
  });
});

beforeAll(async () => {
  h = await startHarness([...givenWorld(), ...flats]);
});

afterAll(async () => {
  await h?.close();
});

describe("search", () => {
  it("FO: 25 flats at one address: the total, a page of 20 then the rest, each with its occupant or « vacant »", async () => {
    const page = await loginAs(h, "fo.lyon");
    await page.getByLabel("Rechercher").fill("Garibaldi");
    await page.getByLabel("Rechercher").press("Enter");
    const heading = page.getByRole("heading", { name: /^Points de desserte/ });
    await heading.waitFor();
    expect(flat(await heading.textContent())).toBe("Points de desserte (1–20 sur 25)");
    expect(flat(await page.getByTestId("refine").textContent())).toContain("affinez la recherche");
    expect(flat(await page.locator("tr", { hasText: "PDS-GAR-01" }).textContent())).toContain(
      "Occupant 01 occupé",
    );
    expect(flat(await page.locator("tr", { hasText: "PDS-GAR-02" }).textContent())).toContain("vacant");
    await screenshot(page, "02-recherche", { narrow: true });
    await page.getByRole("button", { name: "Suivants" }).click();
    await expect
      .poll(async () => flat(await heading.textContent()))
      .toBe("Points de desserte (21–25 sur 25)");
    expect(await page.locator("tr", { hasText: "PDS-GAR-25" }).count()).toBe(1);
    await page.context().close();
  });
});
