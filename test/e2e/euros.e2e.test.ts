/**
 * The EUROS service (issue 16, point 6): its pages speak French (labels, not codes; refusals in French), and
 * an INT_EUROS case opened on a contest shows what the customer said and what the back office answered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execute } from "../../src/registry.js";
import { ctxAs } from "../support/factories.js";
import { flat, type Harness, loginAs, screenshot, startHarness } from "./support.js";

let h: Harness;
let eurosCase = "";
const REASON = "Le client conteste l'index de départ retenu";
const ANSWER = "Après analyse, l'index de départ est erroné : une régularisation est engagée.";

beforeAll(async () => {
  h = await startHarness();
  const contest = await execute(h.db, ctxAs("FO", new Date(), "FO-LYON"), "contest", {
    subscription: "AB-EUROS",
    reason: REASON,
  });
  const answered = await execute(h.db, ctxAs("BO", new Date(), "BO-LYON"), "answerContest", {
    contest: contest.contest,
    answer: ANSWER,
    regularizationNeeded: true,
  });
  eurosCase = answered.case as string;
});

afterAll(async () => {
  await h?.close();
});

/** Codes of the API that must never reach an advisor's screen. */
const CODES =
  /\b(REGULARIZATION_CLOSED|INT_EUROS|ESCALATED|ANSWERED|AWAIT_PROOF|INVALID_INPUT|CONTEST_ANSWER)\b/;

describe("EUROS", () => {
  it("EUROS: the INT_EUROS case shows the contest and BO's answer; an empty comment is refused in French; closing says so in French", async () => {
    const page = await loginAs(h, "euros");
    await page.getByRole("link", { name: "Contestations" }).click();
    await page.getByRole("heading", { name: "Dossiers INT vers EUROS", exact: true }).waitFor();
    await page.getByLabel("Statut").selectOption("");
    await page.locator("article.card").first().waitFor();
    expect(flat(await page.locator("main").textContent())).not.toMatch(CODES);
    await screenshot(page, "10b-contestations-euros");

    await page.getByRole("link", { name: eurosCase }).first().click();
    const contest = page.getByTestId("contest-facts");
    await contest.waitFor();
    expect(flat(await contest.textContent())).toContain(`« ${REASON} »`);
    expect(flat(await contest.textContent())).toContain(`Réponse du back office« ${ANSWER} »`);
    expect(flat(await contest.textContent())).toContain("Transmise aux Euros");

    await page.getByRole("button", { name: "Régulariser et clôturer" }).click();
    await page.getByRole("button", { name: "Clôturer le dossier" }).click();
    const refusal = page.locator(".field.has-error, .banner.error").first();
    await refusal.waitFor();
    const said = flat(await refusal.textContent());
    expect(said).toContain("Champ « commentaire » invalide : ne doit pas être vide.");
    expect(said).not.toMatch(/required|expected|string|too small|« comment »/i);
    await screenshot(page, "16-dossier-int-euros");

    await page
      .getByLabel("Régularisation effectuée (commentaire)")
      .fill("Début d'abonnement régularisé dans la facturation.");
    await page.getByRole("button", { name: "Clôturer le dossier" }).click();
    await expect
      .poll(() => page.getByTestId("flash").textContent())
      .toContain("Régularisation effectuée, dossier clôturé");
    expect(flat(await page.locator("main").textContent())).not.toMatch(CODES);
    await page.context().close();
  });

  it("EUROS closes with the regularised start (R12): the subscription starts at the proof's date and index, said in French", async () => {
    const contest = await execute(h.db, ctxAs("FO", new Date(), "FO-LYON"), "contest", {
      subscription: "AB-EUROS",
      reason: "Je suis entrée le 1er février 2022, l'acte de vente porte l'index du jour",
      proof: { kind: "SALE_DEED", date: "2022-02-01", index: 125 },
    });
    const answered = await execute(h.db, ctxAs("BO", new Date(), "BO-LYON"), "answerContest", {
      contest: contest.contest,
      answer: "Votre date d'entrée sera régularisée d'après l'acte de vente.",
      regularizationNeeded: true,
    });
    const page = await loginAs(h, "euros");
    await page.evaluate((id) => {
      window.location.hash = `/dossiers/${id}`;
    }, answered.case as string);
    await page.getByRole("button", { name: "Régulariser et clôturer" }).click();
    await page
      .getByLabel("Régularisation effectuée (commentaire)")
      .fill("Début régularisé d'après l'acte de vente.");
    await page.getByLabel(/Régulariser le début de l'abonnement AB-EUROS/).check();
    // The proof's date and index are offered.
    expect(await page.getByLabel("Nouvelle date de début").inputValue()).toBe("2022-02-01");
    expect(await page.getByLabel("Index de début (m3)").inputValue()).toBe("125");
    await screenshot(page, "16b-dossier-int-euros-regulariser");
    await page.getByRole("button", { name: "Régulariser le début et clôturer" }).click();
    await expect
      .poll(() => page.getByTestId("flash").textContent())
      .toContain("Régularisation effectuée, dossier clôturé");
    const sub = await h.db.kysely
      .selectFrom("subscriptions")
      .select(["start_date", "start_index", "start_source"])
      .where("id", "=", "AB-EUROS")
      .executeTakeFirstOrThrow();
    expect(sub).toEqual({ start_date: "2022-02-01", start_index: 125, start_source: "REGULARIZED" });
    await expect
      .poll(async () => flat(await page.locator("main").textContent()))
      .toContain("01/02/2022, 125 m3 (auparavant 10/01/2022, 120 m3)");
    expect(flat(await page.locator("main").textContent())).not.toMatch(CODES);
    await screenshot(page, "16c-dossier-int-euros-debut-regularise");
    await page.context().close();
  });
});
