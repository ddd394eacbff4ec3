/**
 * The console's main journeys, in real headless Chromium against the real server and database:
 * a move-in within tolerance; a gap → case → proof → subscription with the R9 comment; a suspect
 * reading corrected; a report exported; accounts administered and a password changed. Each main page is
 * saved under docs/screenshots/.
 */
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, loginAs, screenshot, startHarness } from "./support.js";

const R9 = "écart de consommation avec ancien occupant";
const flat = (s: string | null) => (s ?? "").replace(/\s+/g, " ").trim();
const nospace = (s: string | null) => (s ?? "").replace(/\s+/g, "");

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

async function openServicePoint(page: Page, query: string, id: string) {
  await page.getByRole("link", { name: "Recherche" }).click();
  await page.getByLabel("Rechercher").fill(query);
  await page.getByLabel("Rechercher").press("Enter");
  await page.getByRole("link", { name: id, exact: true }).click();
  await page.getByRole("heading", { name: "Historique des relevés" }).waitFor();
}

describe("console journeys", () => {
  it("logs in, and a wrong password is refused in French", async () => {
    const ctx = await h.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: "fr-FR" });
    const page = await ctx.newPage();
    await page.goto(`${h.url}/`);
    await page.getByLabel("Identifiant").fill("fo.lyon");
    await page.getByLabel("Mot de passe").fill("mauvais-mot-de-passe");
    await screenshot(page, "01-connexion");
    await page.getByLabel("Mot de passe").press("Enter");
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toContain("Identifiant ou mot de passe incorrect");
    // The username typed is kept.
    expect(await page.getByLabel("Identifiant").inputValue()).toBe("fo.lyon");
    await ctx.close();
  });

  it("FO: a move-in within tolerance is subscribed at the declared date and index; a refusal keeps what was typed", async () => {
    const page = await loginAs(h, "fo.lyon");
    await page.getByLabel("Rechercher").fill("A12345");
    await page.getByLabel("Rechercher").press("Enter");
    await page.getByRole("link", { name: "PDS-LILAS", exact: true }).waitFor();
    await screenshot(page, "02-recherche");
    await page.getByRole("link", { name: "PDS-LILAS", exact: true }).click();
    // FO may not correct readings: no such action offered.
    await page.getByRole("heading", { name: "Historique des relevés" }).waitFor();
    expect(await page.getByRole("button", { name: /^Corriger/ }).count()).toBe(0);
    await page.getByRole("link", { name: "Nouvelle arrivée" }).click();

    // The predecessor's termination is on screen before anything is typed.
    await page.getByRole("heading", { name: "Demande d'arrivée" }).waitFor();
    expect(flat(await page.getByTestId("termination-date").textContent())).toBe("15/01/2024");
    expect(nospace(await page.getByTestId("termination-index").textContent())).toBe("1000m3");

    // Keyboard only: the name field has focus; Tab moves through the form.
    await page.keyboard.type("Jeanne Martin");
    await page.keyboard.press("Tab");
    await page.keyboard.type("jeanne@example.fr");
    await page.getByLabel("Date d'entrée dans les lieux").fill("2099-01-01");
    await page.getByLabel("Index déclaré (m3)").fill("1003");
    // The gap is computed as the advisor types.
    expect(flat(await page.getByTestId("gap").textContent())).toContain("+3 m3 — dans la tolérance");
    // The server refuses the date beside the field; nothing typed is lost.
    await expect.poll(() => page.locator(".field.has-error").textContent()).toMatch(/date/i);
    expect(await page.getByLabel("Nom et prénom").inputValue()).toBe("Jeanne Martin");
    expect(await page.getByLabel("Index déclaré (m3)").inputValue()).toBe("1003");

    await page.getByLabel("Date d'entrée dans les lieux").fill("2024-03-02");
    await page.locator('[data-path="SUBSCRIBE_DECLARED"]').waitFor();
    expect(await page.locator(".field.has-error").count()).toBe(0);
    // Enter submits.
    await page.getByLabel("Index déclaré (m3)").press("Enter");
    await page.getByTestId("movein-done").waitFor();
    expect(await page.getByTestId("movein-done").textContent()).toContain("Abonnement mis en place");

    const sub = await h.db.kysely
      .selectFrom("subscriptions")
      .selectAll()
      .where("service_point_id", "=", "PDS-LILAS")
      .where("end_date", "is", null)
      .executeTakeFirstOrThrow();
    expect({ date: sub.start_date, index: sub.start_index, source: sub.start_source }).toEqual({
      date: "2024-03-02",
      index: 1003,
      source: "DECLARED",
    });
    await page.context().close();
  });

  let caseId = "";

  it("FO: a gap beyond tolerance shows the path and the 15-day warning, then opens a case", async () => {
    const page = await loginAs(h, "fo.lyon");
    await openServicePoint(page, "Roses", "PDS-ROSES");
    await page.getByRole("link", { name: "Nouvelle arrivée" }).click();
    await page.getByLabel("Nom et prénom").fill("Luc Moreau");
    await page.getByLabel("Courriel").fill("luc@example.fr");
    await page.getByLabel("Date d'entrée dans les lieux").fill("2024-03-02");
    await page.getByLabel("Index déclaré (m3)").fill("1020");
    expect(flat(await page.getByTestId("gap").textContent())).toContain(
      "+20 m3 — au-delà de la tolérance de 5 m3",
    );
    await page.locator('[data-path="CASE_AWAIT_PROOF"]').waitFor();
    const tell = flat(await page.getByTestId("tell-customer").textContent());
    expect(tell).toContain("justificatif d'entrée");
    expect(tell).toContain("Sans justificatif dans ce délai");
    // The advisor cannot confirm before saying it to the customer.
    const confirm = page.getByRole("button", { name: "Confirmer et ouvrir le dossier" });
    expect(await confirm.isDisabled()).toBe(true);
    await screenshot(page, "03-arrivee-ecart");
    await page.getByLabel("J'ai lu au client le message ci-contre").check();
    await confirm.click();
    await page.getByTestId("movein-done").waitFor();
    expect(await page.getByTestId("movein-done").textContent()).toContain("Dossier ouvert");
    caseId = flat(await page.getByTestId("movein-done").getByRole("link").first().textContent());
    expect(caseId).toMatch(/^CASE-/);
    const subs = await h.db.kysely
      .selectFrom("subscriptions")
      .select("id")
      .where("service_point_id", "=", "PDS-ROSES")
      .where("end_date", "is", null)
      .execute();
    expect(subs).toEqual([]);
    await page.context().close();
  });

  it("BO: the case is in the work queue; a proof with its document subscribes and writes the R9 comment", async () => {
    expect(caseId).not.toBe("");
    const page = await loginAs(h, "bo.lyon");
    await page.getByRole("link", { name: "File de travail" }).click();
    const row = page.locator("tr", { has: page.getByRole("link", { name: caseId }) });
    await row.waitFor();
    expect(flat(await row.textContent())).toContain("Attente justificatif");
    // Overdue first: the case seeded three weeks ago comes before today's.
    const first = page.locator("table.queue tbody tr").first();
    expect(flat(await first.textContent())).toContain("Camille Petit");
    expect(flat(await first.textContent())).toContain("en retard");
    await screenshot(page, "04-file-de-travail");
    await page.getByRole("link", { name: caseId }).click();
    await page.getByRole("heading", { name: "Historique du dossier" }).waitFor();

    // A free comment under the timeline: the timeline shows it once saved.
    const note = "Client rappelé : l'état des lieux arrive par courriel.";
    await page.getByRole("textbox", { name: "Ajouter un commentaire" }).fill(`  ${note}  `);
    await page.getByRole("button", { name: "Ajouter le commentaire" }).click();
    await expect.poll(() => page.getByTestId("flash").textContent()).toContain("Commentaire ajouté");
    await expect.poll(async () => flat(await page.getByTestId("timeline").textContent())).toContain(note);
    expect(await page.getByRole("textbox", { name: "Ajouter un commentaire" }).inputValue()).toBe("");

    await page.getByRole("button", { name: "Saisir un justificatif" }).click();
    await page.getByLabel("Type de document").selectOption("ENTRY_INVENTORY");
    await page.getByLabel("Date d'entrée sur le document").fill("2024-03-01");
    await page.getByLabel("Index sur le document (m3)").fill("1012");
    await page.getByLabel(/^Document/).setInputFiles({
      name: "etat-des-lieux.pdf",
      mimeType: "application/pdf",
      buffer: Buffer.from("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"),
    });
    // The outcome is previewed before confirming: date, index, source, R9.
    const preview = flat(await page.getByTestId("proof-preview").textContent());
    expect(preview).toContain("Abonnement au 01/03/2024");
    expect(preview).toContain("Justificatif (date et index)");
    expect(preview).toContain(R9);
    await screenshot(page, "05-dossier-justificatif");
    await page.getByRole("button", { name: "Confirmer le justificatif" }).click();
    await expect.poll(() => page.getByTestId("flash").textContent()).toContain("Abonnement mis en place");
    // The timeline reloads after the flash: wait for the new comment rather than read it at once.
    await expect.poll(async () => flat(await page.getByTestId("timeline").textContent())).toContain(R9);
    const timeline = flat(await page.getByTestId("timeline").textContent());
    expect(timeline).toContain("etat-des-lieux.pdf");
    await screenshot(page, "06-dossier");

    const sub = await h.db.kysely
      .selectFrom("subscriptions")
      .selectAll()
      .where("service_point_id", "=", "PDS-ROSES")
      .where("end_date", "is", null)
      .executeTakeFirstOrThrow();
    expect({ date: sub.start_date, index: sub.start_index, source: sub.start_source }).toEqual({
      date: "2024-03-01",
      index: 1012,
      source: "PROOF",
    });
    const comments = await h.db.kysely
      .selectFrom("case_comments")
      .select("body")
      .where("case_id", "=", caseId)
      .execute();
    expect(comments.map((c) => c.body)).toContain(R9);
    // The service point now shows both occupants and the vacancy between them.
    await page.getByRole("link", { name: "PDS-ROSES" }).first().click();
    await page.getByRole("heading", { name: "Occupants" }).waitFor();
    expect(await page.locator("svg text", { hasText: "vacance" }).count()).toBe(1);
    await screenshot(page, "12-point-de-desserte-occupants");
    await page.context().close();
  });

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
    await screenshot(page, "07-point-de-desserte");
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

  it("FO records a contest on a subscription made by the EUROS service; BO answers and opens an INT_EUROS case", async () => {
    const fo = await loginAs(h, "fo.lyon");
    await openServicePoint(fo, "Érables", "PDS-ERABLES");
    await fo.locator("tr", { hasText: "AB-EUROS" }).getByRole("button", { name: "Contestation" }).click();
    expect(flat(await fo.locator(".banner.info").first().textContent())).toContain("sans transfert");
    await fo.getByLabel("Motif de la contestation").fill("Le client conteste l'index de départ retenu");
    await fo.getByLabel("Motif de la contestation").press("Enter");
    await expect
      .poll(() => fo.getByRole("status").first().textContent())
      .toContain("Contestation enregistrée");
    await fo.context().close();

    const bo = await loginAs(h, "bo.lyon");
    await bo.getByRole("link", { name: "Contestations" }).click();
    const card = bo.locator("article.card", { hasText: "Nadia Haddad" });
    await card.waitFor();
    expect(flat(await card.textContent())).toContain("euros");
    await card
      .getByLabel("Réponse au client")
      .fill(
        "Après analyse, l'index retenu est celui du relevé du 10/01/2022 ; une régularisation est engagée.",
      );
    await card.getByLabel(/régularisation est nécessaire/).check();
    await card.getByRole("button", { name: "Envoyer la réponse" }).click();
    await expect
      .poll(() => bo.getByRole("status").first().textContent())
      .toContain("Dossier INT vers EUROS ouvert");
    const euros = bo.locator("section", {
      has: bo.getByRole("heading", { name: "Dossiers INT vers EUROS", exact: true }),
    });
    await euros.locator("tr", { hasText: "Nadia Haddad" }).waitFor();
    await bo.getByLabel("Statut").selectOption("");
    await bo.locator("article.card", { hasText: "Nadia Haddad" }).waitFor();
    await screenshot(bo, "10-contestations");
    const cases = await h.db.kysely
      .selectFrom("cases")
      .select(["type", "status"])
      .where("service_point_id", "=", "PDS-ERABLES")
      .execute();
    expect(cases).toEqual([{ type: "INT_EUROS", status: "OPEN" }]);
    await bo.context().close();
  });

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

  it("ADMIN creates an FO account, disables it after confirming (its login refused in French) and enables it, revokes its API token (its bearer refused at once); the user changes their own password", async () => {
    const first = "bienvenue-2026";
    const admin = await loginAs(h, "admin");
    await admin.getByRole("link", { name: "Comptes" }).click();
    await admin.getByRole("heading", { name: "Comptes", exact: true }).waitFor();
    // No administrator disables their own account: not offered.
    const own = admin.locator('tr[data-account="admin"]');
    await own.waitFor();
    expect(await own.getByRole("button", { name: "Désactiver" }).count()).toBe(0);

    // The API's coded refusal is shown beside its field: a name already taken.
    const form = admin.getByRole("form", { name: "Nouveau compte" });
    await form.getByLabel("Identifiant").fill("fo.lyon");
    await form.getByLabel("Rôle").selectOption("FO");
    await form.getByLabel("Entité").fill("FO-LYON");
    await form.getByLabel("Mot de passe initial").fill(first);
    await form.getByLabel("Mot de passe initial").press("Enter");
    await expect.poll(() => form.locator(".field.has-error").textContent()).toContain("existe déjà");
    await form.getByLabel("Identifiant").fill("fo.nouveau");
    await form.getByRole("button", { name: "Créer le compte" }).click();
    const row = admin.locator('tr[data-account="fo.nouveau"]');
    await row.waitFor();
    expect(flat(await row.textContent())).toContain("Front office");
    expect(flat(await row.textContent())).toContain("actif");

    // The new user logs in; no « Comptes » for an FO.
    const user = await loginAs(h, "fo.nouveau", first);
    expect(await user.getByRole("link", { name: "Comptes" }).count()).toBe(0);

    // Disabled, after an inline confirmation: the open session is closed and the next login refused, in French.
    await row.getByRole("button", { name: "Désactiver" }).click();
    const confirmDisable = admin.getByTestId("confirm");
    expect(flat(await confirmDisable.textContent())).toContain(
      "Désactiver le compte fo.nouveau ? Ses sessions seront fermées et ses jetons refusés.",
    );
    await confirmDisable.getByRole("button", { name: "Désactiver" }).click();
    await expect.poll(async () => flat(await row.textContent())).toContain("désactivé");
    await user.reload();
    await user.getByLabel("Identifiant").fill("fo.nouveau");
    await user.getByLabel("Mot de passe").fill(first);
    await user.getByLabel("Mot de passe").press("Enter");
    await expect
      .poll(() => user.getByRole("alert").textContent())
      .toContain("Identifiant ou mot de passe incorrect");

    // Enabled again: the user logs in.
    await row.getByRole("button", { name: "Réactiver" }).click();
    await expect.poll(async () => flat(await row.textContent())).not.toContain("désactivé");
    await user.getByLabel("Mot de passe").fill(first);
    await user.getByLabel("Mot de passe").press("Enter");
    await user.getByRole("button", { name: "Se déconnecter" }).waitFor();

    // An API token: its secret shown once, with the warning; it works as a bearer.
    await row.getByRole("button", { name: "Jeton d'API" }).click();
    await admin.getByLabel("Libellé du jeton").fill("télérelève");
    await admin.getByLabel("Libellé du jeton").press("Enter");
    const secret = await admin.getByTestId("token-secret").inputValue();
    expect(secret).toMatch(/^ect_/);
    expect(flat(await admin.getByTestId("token-once").textContent())).toContain(
      "il ne sera plus jamais affiché",
    );
    await screenshot(admin, "13-comptes");
    const me = await h.app.inject({ url: "/api/me", headers: { authorization: `Bearer ${secret}` } });
    expect(me.json()).toMatchObject({ username: "fo.nouveau", role: "FO" });
    await admin.getByRole("button", { name: "J'ai copié le jeton" }).click();
    expect(await admin.getByTestId("token-secret").count()).toBe(0);

    // A leaked token is revoked alone, after an inline confirmation: its bearer is refused at once.
    await row.getByRole("button", { name: "Voir les jetons" }).click();
    const tokens = admin.getByTestId("tokens");
    const tokenLine = tokens.locator('tr[data-token="télérelève"]');
    await tokenLine.waitFor();
    expect(flat(await tokens.textContent())).not.toContain(secret);
    await tokenLine.getByRole("button", { name: "Révoquer" }).click();
    const confirmRevoke = tokens.getByTestId("confirm");
    expect(flat(await confirmRevoke.textContent())).toContain(
      "Révoquer le jeton « télérelève » ? Les programmes qui l'utilisent seront refusés immédiatement.",
    );
    await confirmRevoke.getByRole("button", { name: "Révoquer" }).click();
    await expect.poll(async () => flat(await tokenLine.textContent())).toContain("révoqué le");
    expect(await tokenLine.getByRole("button", { name: "Révoquer" }).count()).toBe(0);
    const refused = await h.app.inject({ url: "/api/me", headers: { authorization: `Bearer ${secret}` } });
    expect(refused.statusCode).toBe(401);
    await tokens.getByRole("button", { name: "Fermer" }).click();
    expect(await admin.getByTestId("tokens").count()).toBe(0);

    // The user changes their own password: a wrong current one is refused beside its field.
    await user.getByRole("link", { name: "Changer mon mot de passe" }).click();
    await user.getByRole("heading", { name: "Changer mon mot de passe" }).waitFor();
    await user.getByLabel("Mot de passe actuel").fill("pas-le-bon");
    await user.getByLabel("Nouveau mot de passe", { exact: true }).fill("nouveau-secret-2026");
    await user.getByLabel("Confirmer le nouveau mot de passe").fill("nouveau-secret-2026");
    await user.getByLabel("Confirmer le nouveau mot de passe").press("Enter");
    await expect
      .poll(() => user.locator(".field.has-error").textContent())
      .toContain("Le mot de passe actuel est incorrect");
    await user.getByLabel("Mot de passe actuel").fill(first);
    await user.getByRole("button", { name: "Changer mon mot de passe" }).click();
    await user.getByTestId("password-changed").waitFor();
    await user.getByRole("button", { name: "Se déconnecter" }).click();
    await user.getByLabel("Identifiant").waitFor();
    await user.context().close();
    const again = await loginAs(h, "fo.nouveau", "nouveau-secret-2026");
    expect(await again.locator(".who .user").textContent()).toBe("fo.nouveau");
    await again.context().close();

    // The administrator resets it: the user's sessions are closed; the new one works.
    await row.getByRole("button", { name: "Réinitialiser le mot de passe" }).click();
    await admin.getByLabel("Nouveau mot de passe").fill("remis-par-admin");
    await admin.getByRole("button", { name: "Enregistrer le mot de passe" }).click();
    await expect
      .poll(() => admin.getByRole("status").filter({ hasText: "réinitialisé" }).textContent())
      .toContain("ses sessions ouvertes sont fermées");
    const reset = await loginAs(h, "fo.nouveau", "remis-par-admin");
    await reset.context().close();
    await admin.context().close();
  });
});
