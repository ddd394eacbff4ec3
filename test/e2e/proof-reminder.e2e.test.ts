/**
 * A case awaiting its proof, as the back office acts on it: a proof asked for twice (issue 16, point 5) is
 * said to be a reminder of the same deadline and sent only once confirmed; « Pas de justificatif » is asked
 * once more in place too, and subscribes the newcomer only once confirmed.
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
    // The seeded case is three weeks old: the server says its task is overdue, and the reminder says so.
    expect(flat(await ask.getByTestId("reminder-overdue").textContent())).toContain(
      "Cette échéance est passée",
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

  it("BO: « Pas de justificatif » asks once more in place; « Annuler » sends nothing; confirmed, it subscribes", async () => {
    const c = await h.db.kysely
      .selectFrom("cases")
      .select("id")
      .where("service_point_id", "=", "PDS-CHENES")
      .executeTakeFirstOrThrow();
    const subscriptions = () =>
      h.db.kysely
        .selectFrom("subscriptions")
        .select(["id", "start_source"])
        .where("case_id", "=", c.id)
        .execute();
    const page = await loginAs(h, "bo.lyon");
    await page.evaluate((id) => {
      window.location.hash = `/dossiers/${id}`;
    }, c.id);
    const button = page.getByRole("button", { name: "Pas de justificatif" });
    await button.click();
    const ask = page.getByRole("alertdialog", { name: "Pas de justificatif" });
    await ask.waitFor();
    expect(flat(await ask.textContent())).toContain(
      "Le client n'a pas de justificatif : abonner avec la date et l'index de résiliation du prédécesseur ?",
    );
    expect(await button.getAttribute("aria-expanded")).toBe("true");
    await screenshot(page, "05g-dossier-pas-de-justificatif");
    await ask.getByRole("button", { name: "Annuler" }).click();
    await expect.poll(() => ask.count()).toBe(0);
    expect(await subscriptions()).toEqual([]);

    await button.click();
    await page
      .getByTestId("confirm-no-proof")
      .getByRole("button", { name: "Abonner sans justificatif" })
      .click();
    await expect.poll(() => page.getByTestId("flash").textContent()).toContain("Abonnement mis en place");
    const subs = await subscriptions();
    expect(subs).toHaveLength(1);
    expect(subs[0]?.start_source).toBe("PREDECESSOR");
    expect(await page.getByTestId("confirm-no-proof").count()).toBe(0);
    await page.context().close();
  });
});
