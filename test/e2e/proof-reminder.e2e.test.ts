/**
 * A proof asked for twice (issue 16, point 5): the second request is said to be a reminder of the same
 * deadline and sent only once confirmed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flat, type Harness, loginAs, screenshot, startHarness } from "./support.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

describe("proof reminder", () => {
  it("BO: « Relancer le client » says the deadline stays, and sends the reminder only once confirmed", async () => {
    const c = await h.db.kysely
      .selectFrom("cases as c")
      .innerJoin("tasks as t", "t.case_id", "c.id")
      .select(["c.id", "t.due_date"])
      .where("c.service_point_id", "=", "PDS-CHENES")
      .executeTakeFirstOrThrow();
    const requests = () =>
      h.db.kysely
        .selectFrom("communications")
        .select("id")
        .where("case_id", "=", c.id)
        .where("template", "=", "PROOF_REQUEST")
        .execute();
    expect(await requests()).toHaveLength(1);
    const page = await loginAs(h, "bo.lyon");
    await page.evaluate((id) => {
      window.location.hash = `/dossiers/${id}`;
    }, c.id);
    await page.getByRole("button", { name: "Relancer le client" }).click();
    const ask = page.getByTestId("confirm-reminder");
    await ask.waitFor();
    const [y, m, d] = c.due_date.split("-");
    expect(flat(await ask.textContent())).toContain("Un justificatif a déjà été demandé le");
    expect(flat(await ask.textContent())).toContain(
      `Ce nouvel envoi est une relance de la même demande : l'échéance reste le ${d}/${m}/${y}.`,
    );
    expect(await requests()).toHaveLength(1);
    await screenshot(page, "05b-dossier-relance");
    await ask.getByRole("button", { name: "Envoyer la relance" }).click();
    await expect
      .poll(() => page.getByTestId("flash").textContent())
      .toContain(`Relance envoyée au client : l'échéance reste le ${d}/${m}/${y}.`);
    expect(await requests()).toHaveLength(2);
    const task = await h.db.kysely
      .selectFrom("tasks")
      .select("due_date")
      .where("case_id", "=", c.id)
      .where("status", "=", "OPEN")
      .execute();
    expect(task).toEqual([{ due_date: c.due_date }]);
    await page.context().close();
  });
});
