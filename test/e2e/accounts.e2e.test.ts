/**
 * ADMIN: accounts created, disabled after confirming, enabled, API tokens issued and revoked; a user
 * changes their own password.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, flat, type Harness, loginAs, screenshot, startHarness } from "./support.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

describe("accounts", () => {
  it("ADMIN creates an FO account, disables it after confirming (its login refused in French) and enables it, revokes its API token (its bearer refused at once); the user changes their own password", async () => {
    const first = "premier-acces-2026";
    const admin = await loginAs(h, "admin");
    await admin.getByRole("link", { name: "Comptes" }).click();
    await admin.getByRole("heading", { name: "Comptes", exact: true }).waitFor();
    // No administrator disables their own account: not offered.
    const own = admin.locator('tr[data-account="admin"]');
    await own.waitFor();
    expect(await own.getByRole("button", { name: "Désactiver" }).count()).toBe(0);

    // Every required field left empty is said at once, beside each; nothing is sent.
    const form = admin.getByRole("form", { name: "Nouveau compte" });
    await form.getByRole("button", { name: "Créer le compte" }).click();
    await expect
      .poll(async () => flat(await form.getByTestId("missing-fields").textContent()))
      .toBe("À renseigner : l'identifiant, l'entité, le mot de passe initial.");
    const errors = await form.locator(".field.has-error").allInnerTexts();
    expect(errors.map((e) => flat(e))).toEqual([
      expect.stringContaining("Identifiant"),
      expect.stringContaining("Entité"),
      expect.stringContaining("Mot de passe initial"),
    ]);
    expect(errors.every((e) => e.includes("À renseigner."))).toBe(true);
    await expectAccessible(admin, "new account, missing fields");
    // The entities are offered from a list: those of the existing accounts.
    const offered = await form
      .getByTestId("entities")
      .locator("option")
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(offered).toEqual(["BO-LYON", "EUROS", "FO-LYON", "PILOTAGE", "SIEGE"]);
    expect(await form.getByLabel("Entité").getAttribute("list")).not.toBeNull();

    // The API's coded refusal is shown beside its field: a name already taken.
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

    // The new user logs in: a password someone else chose, so « Changer mon mot de passe » and nothing else.
    const user = await loginAs(h, "fo.nouveau", first);
    await user.getByTestId("password-required").waitFor();
    await user.getByRole("heading", { name: "Changer mon mot de passe" }).waitFor();
    expect(await user.getByRole("link", { name: "Comptes" }).count()).toBe(0);
    expect(await user.getByRole("link", { name: "Recherche" }).count()).toBe(0);

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
    await screenshot(admin, "13-comptes", { narrow: true });
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
    // Changed: the console opens.
    await user.getByRole("link", { name: "Recherche" }).waitFor();
    expect(await user.getByTestId("password-required").count()).toBe(0);
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
    await reset.getByTestId("password-required").waitFor();
    await reset.context().close();
    await admin.context().close();
  });
});
