/**
 * BO: the source document's slip (89954 for 899) is highlighted and corrected in one click; the outbox.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, loginAs, nospace, openServicePoint, screenshot, startHarness } from "./support.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

describe("suspect reading", () => {
  it("BO: a suspect reading is highlighted, with its suggested correction one click away", async () => {
    const page = await loginAs(h, "bo.lyon");
    await openServicePoint(page, "B77001", "PDS-TILLEULS");
    const suspect = page.locator("tr.suspect");
    expect(await suspect.count()).toBe(1);
    const text = nospace(await suspect.textContent());
    expect(text).toContain("02/04/2024");
    expect(text).toContain("89954");
    expect(text).toContain("895–1259"); // expected index range, as the source's table
    expect(text).toContain("13–377");
    await screenshot(page, "07-point-de-desserte", { narrow: true });
    await suspect.getByRole("button", { name: "Corriger en 899" }).click();
    expect(await page.getByLabel("Index corrigé (m3)").inputValue()).toBe("899");
    await page.getByLabel("Index corrigé (m3)").press("Enter");
    await page.locator("tr.replaced").waitFor();
    expect(await page.locator("tr.suspect").count()).toBe(0);
    const rows = await h.db.kysely
      .selectFrom("reading_states")
      .select(["index_m3", "effective_status", "replaces_id"])
      .where("service_point_id", "=", "PDS-TILLEULS")
      .where("reading_date", "=", "2024-04-02")
      .orderBy("id")
      .execute();
    expect(rows.map((r) => [r.index_m3, r.effective_status])).toEqual([
      [89954, "REPLACED"],
      [899, "VALID"],
    ]);
    await screenshot(page, "08-releve-corrige");
    await page.getByRole("link", { name: "Courriers" }).click();
    await page.getByRole("button", { name: "Demande de justificatif" }).first().click();
    await screenshot(page, "09-courriers");
    await page.context().close();
  });
});
