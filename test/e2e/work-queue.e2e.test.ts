/**
 * The work queue (issue 16, point 4): every open case says what it waits for, by which team and since when,
 * the overdue first; « Ma file » finds for a back-office advisor the cases front offices opened, and for the
 * EUROS service its regularisations.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execute } from "../../src/registry.js";
import { ctxAs, moveInRequest } from "../support/factories.js";
import { flat, type Harness, loginAs, screenshot, startHarness } from "./support.js";

let h: Harness;
let visitCase = "";
let eurosCase = "";

beforeAll(async () => {
  h = await startHarness();
  const now = new Date();
  // A move-in with reconnection and no index: it waits for the technician's visit, with no task.
  const visit = await execute(
    h.db,
    ctxAs("FO", now, "FO-LYON"),
    "moveIn",
    moveInRequest("PDS-LILAS", { index: null, reconnection: true }),
  );
  visitCase = visit.case as string;
  // A contest answered with a regularisation: an INT_EUROS case for the EUROS service.
  const contest = await execute(h.db, ctxAs("FO", now, "FO-LYON"), "contest", {
    subscription: "AB-EUROS",
    reason: "Le client conteste l'index de départ retenu",
  });
  const answered = await execute(h.db, ctxAs("BO", now, "BO-LYON"), "answerContest", {
    contest: contest.contest,
    answer: "Une régularisation est engagée par le service des Euros.",
    regularizationNeeded: true,
  });
  eurosCase = answered.case as string;
});

afterAll(async () => {
  await h?.close();
});

const rows = (page: Page) => page.locator("table.queue tbody tr");
const rowOf = (page: Page, id: string) => page.locator(`tr[data-case="${id}"]`);

describe("work queue", () => {
  it("BO: « Ma file » shows the cases front offices opened, each with what it waits for and since when, overdue first", async () => {
    const page = await loginAs(h, "bo.lyon");
    await page.getByRole("link", { name: "File de travail" }).click();
    await page.getByRole("button", { name: "Ma file" }).click();
    await expect.poll(() => rows(page).count()).toBe(2);
    const first = flat(await rows(page).first().textContent());
    expect(first).toContain("Justificatif du client");
    expect(first).toContain("en retard");
    expect(first).toContain("Back office");
    expect(first).toContain("FO-VILLEURBANNE");
    const visit = flat(await rowOf(page, visitCase).textContent());
    expect(visit).toContain("Compte rendu de la remise en eau");
    expect(visit).toContain("sans échéance");
    expect(visit).toMatch(/Depuis|\d{2}\/\d{2}\/\d{4}/);
    expect(visit).toContain("FO-LYON");
    expect(await rowOf(page, eurosCase).count()).toBe(0);
    await screenshot(page, "04-file-de-travail", { narrow: true });
    await page.context().close();
  });

  it("EUROS: its queue holds the INT_EUROS case, waiting for its regularisation since the day it opened", async () => {
    const page = await loginAs(h, "euros");
    await page.getByRole("link", { name: "File de travail" }).click();
    await rowOf(page, eurosCase).waitFor();
    expect(await rows(page).count()).toBe(1);
    const row = flat(await rowOf(page, eurosCase).textContent());
    expect(row).toContain("Régularisation par le service des Euros");
    expect(row).toContain("Service des Euros");
    expect(await page.getByRole("button", { name: "Ma file" }).getAttribute("aria-pressed")).toBe("true");
    await page.context().close();
  });

  it("BO: past the 200 cases a page shows, the queue says so, and still counts every overdue case", async () => {
    for (let i = 0; i < 200; i++)
      await execute(
        h.db,
        ctxAs("FO", new Date(), "FO-LYON"),
        "moveIn",
        moveInRequest("PDS-ROSES", { index: 1020, customer: { name: `Client ${i}`, email: null } }),
      );
    const page = await loginAs(h, "bo.lyon");
    await page.getByRole("link", { name: "File de travail" }).click();
    await page.getByRole("button", { name: "Ma file" }).click();
    const partial = page.getByTestId("list-partial");
    await partial.waitFor();
    expect(flat(await partial.textContent())).toContain(
      "Liste limitée aux 200 premières lignes sur 202 : les plus urgents d'abord",
    );
    expect(await rows(page).count()).toBe(200);
    const head = flat(await page.locator("section.panel h2").first().textContent());
    expect(head).toContain("202 dossiers ouverts");
    expect(head).toContain("1 en retard");
    expect(flat(await rows(page).first().textContent())).toContain("en retard");
    await page.context().close();
  });
});
