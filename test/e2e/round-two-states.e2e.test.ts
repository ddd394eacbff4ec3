/**
 * Issue 12, point 10: the states and tasks of round two as the console shows them on the case page, set up
 * through the real commands and the real sweep: R8's exception (task « Échue » and « Vérifier l'index de
 * résiliation »), R16's comment on a re-assessed case, R18's reminder among the case's communications.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepDeadlines } from "../../src/move-in/sweep.js";
import { R8_SUSPECT_COMMENT } from "../../src/move-in/wording.js";
import { makeConfig } from "../../src/platform/config.js";
import { execute } from "../../src/registry.js";
import { ctxAs, moveInRequest, servicePointFixture } from "../support/factories.js";
import { flat, type Harness, loginAs, screenshot, startHarness } from "./support.js";

const DAY_MS = 86_400_000;
/** The calendar day in Paris `days` from now (negative: before). */
const parisDay = (days: number) =>
  new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris" }).format(new Date(Date.now() + days * DAY_MS));
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS);

/** A premises whose occupant is still there (history 500 → 950), so the test makes the move-out itself. */
const occupied = (id: string, serial: string) => {
  const sp = servicePointFixture({ id, meter: { serial, remoteReading: false } });
  const [sub] = sp.subscriptions ?? [];
  if (!sub) throw new Error("the fixture has a subscription");
  return { ...sp, subscriptions: [{ ...sub, id: `AB-${id}`, end: null }] };
};

let h: Harness;

beforeAll(async () => {
  h = await startHarness([
    occupied("PDS-R8", "R80001"),
    occupied("PDS-R16", "R16001"),
    servicePointFixture({ id: "PDS-R18", meter: { serial: "R18001", remoteReading: false } }),
  ]);
});

afterAll(async () => {
  await h?.close();
});

/** The predecessor leaves at `index` (10000: a slip for 1000, SUSPECT), then a newcomer declares `declared`. */
async function gapCase(sp: string, index: number, declared: number, at: Date, moveInDay: string) {
  const out = await execute(h.db, ctxAs("FO", at, "FO-LYON"), "moveOut", {
    subscription: `AB-${sp}`,
    date: moveInDay,
    index,
  });
  const mi = await execute(
    h.db,
    ctxAs("FO", at, "FO-LYON"),
    "moveIn",
    moveInRequest(sp, { date: moveInDay, index: declared }),
  );
  return { reading: out.reading as string, case: mi.case as string };
}

async function openCase(caseId: string) {
  const page = await loginAs(h, "bo.lyon");
  await page.evaluate((id) => {
    window.location.hash = `/dossiers/${id}`;
  }, caseId);
  await page.getByRole("heading", { name: "Historique du dossier" }).waitFor();
  return page;
}

describe("round two on the case page", () => {
  it("R8: a deadline passed on a suspect termination: task « Échue », the exact comment, « Vérifier l'index de résiliation »", async () => {
    const w = await gapCase("PDS-R8", 10000, 1004, daysAgo(20), parisDay(-21));
    const r = await sweepDeadlines(h.db, new Date(), makeConfig());
    expect(r.failed).toEqual([]);
    const page = await openCase(w.case);
    const timeline = page.getByTestId("timeline");
    await expect.poll(async () => flat(await timeline.textContent())).toContain(R8_SUSPECT_COMMENT);
    const text = flat(await timeline.textContent());
    expect(text).toContain("Vérifier l'index de résiliation");
    expect(text).toContain("Échue");
    expect(flat(await page.locator("main").textContent())).not.toMatch(/\b(CHECK_TERMINATION|EXPIRED)\b/);
    await screenshot(page, "05f-dossier-resiliation-suspecte");
    await page.context().close();
  });

  it("R16: a corrected termination still beyond tolerance: the case says the old and the new figures", async () => {
    const w = await gapCase("PDS-R16", 10000, 1020, daysAgo(2), parisDay(-3));
    await execute(h.db, ctxAs("BO", new Date(), "BO-LYON"), "correctReading", {
      reading: w.reading,
      index: 1000,
      reason: "zéro de trop",
    });
    const page = await openCase(w.case);
    const timeline = page.getByTestId("timeline");
    await expect
      .poll(async () => flat(await timeline.textContent()))
      .toContain("Index de résiliation du prédécesseur corrigé de 10 000 m3 à 1 000 m3");
    expect(flat(await timeline.textContent())).toContain("toujours au-delà de la tolérance");
    await screenshot(page, "08b-dossier-resiliation-corrigee-reevalue");
    await page.context().close();
  });

  it("R18: the reminder the sweep sent before the deadline is among the case's communications", async () => {
    // Asked 11 days ago: due in 4 days, inside the reminder's window.
    const mi = await execute(
      h.db,
      ctxAs("FO", daysAgo(11), "FO-LYON"),
      "moveIn",
      moveInRequest("PDS-R18", { date: parisDay(-12), index: 1020 }),
    );
    const r = await sweepDeadlines(h.db, new Date(), makeConfig());
    expect(r.reminded).toBeGreaterThanOrEqual(1);
    const page = await openCase(mi.case as string);
    const timeline = page.getByTestId("timeline");
    await expect.poll(async () => flat(await timeline.textContent())).toContain("Rappel — justificatif");
    expect(flat(await page.locator("main").textContent())).not.toMatch(/\bPROOF_REMINDER\b/);
    await screenshot(page, "05e-dossier-rappel-justificatif");
    await page.context().close();
  });
});
