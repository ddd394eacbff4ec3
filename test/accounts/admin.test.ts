/**
 * ADMIN over the API: disable and enable an account (refused at once everywhere), reset a password; own change;
 * list and revoke an account's API tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createApiToken } from "../../src/accounts/store.js";
import { CSRF_HEADER, CSRF_VALUE, SESSION_COOKIE } from "../../src/http/auth.js";
import { NOW, type TestApi, testApi } from "../http/helpers.js";
import { ENGINES } from "../support/databases.js";
import { givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

const CSRF = { [CSRF_HEADER]: CSRF_VALUE };
const FIRST = "premier-mot-de-passe";

describe.each(ENGINES)("account administration (%s)", (engine) => {
  let t: TestApi;
  let token = "";
  beforeAll(async () => {
    t = await testApi(engine);
    await givenServicePoints(t.tdb.db, servicePointFixture({ id: "PDS-A1" }));
    const a = await createAccount(
      t.tdb.db.kysely,
      { username: "fo.paul", role: "FO", entity: "FO-LYON", password: FIRST },
      NOW,
    );
    token = await createApiToken(t.tdb.db.kysely, a.id, "tests", NOW);
  });
  afterAll(() => t.close());

  const login = (password: string) =>
    t.app.inject({
      method: "POST",
      url: "/api/session",
      payload: { username: "fo.paul", password },
      headers: CSRF,
    });
  const cookieOf = (res: Awaited<ReturnType<typeof login>>) => ({
    [SESSION_COOKIE]: res.cookies.find((c) => c.name === SESSION_COOKIE)?.value as string,
  });
  const me = (cookies: Record<string, string>) => t.app.inject({ url: "/api/me", cookies });
  const byToken = (url: string, payload?: object) =>
    t.app.inject({
      method: payload ? "POST" : "GET",
      url,
      payload,
      headers: { authorization: `Bearer ${token}` },
    });
  const admin = (url: string, payload?: object) => t.as("ADMIN", { method: "POST", url, payload });
  const audited = (action: string) =>
    t.tdb.db.kysely.selectFrom("audit_log").selectAll().where("action", "=", action).execute();

  it("audits an account's creation and an API token's (its label, never the secret)", async () => {
    const created = await admin("/api/accounts", {
      username: "bo.lea",
      password: "mot-de-passe-de-lea",
      role: "BO",
      entity: "BO-LYON",
    });
    expect(created.statusCode, created.body).toBe(200);
    const issued = await admin("/api/accounts/bo.lea/tokens", { label: "import nocturne" });
    expect(issued.statusCode, issued.body).toBe(200);
    const secret = issued.json().token as string;
    expect(await audited("account.created")).toEqual([
      expect.objectContaining({
        actor: "admin.test",
        role: "ADMIN",
        object_type: "account",
        object_id: "bo.lea",
        details: { role: "BO", entity: "BO-LYON" },
      }),
    ]);
    const [tokenRow] = await audited("account.token_created");
    expect(tokenRow).toMatchObject({
      actor: "admin.test",
      object_id: "bo.lea",
      details: { label: "import nocturne" },
    });
    expect(JSON.stringify(tokenRow)).not.toContain(secret);
    // A refused creation leaves no entry.
    const again = await admin("/api/accounts", {
      username: "bo.lea",
      password: "mot-de-passe-de-lea",
      role: "BO",
      entity: "BO-LYON",
    });
    expect(again.statusCode).toBe(409);
    expect(await audited("account.created")).toHaveLength(1);
  });

  it("disables an account: no login, its session and token refused at once (the move-in check too); enables it", async () => {
    const session = cookieOf(await login(FIRST));
    expect((await me(session)).statusCode).toBe(200);
    const off = await admin("/api/accounts/fo.paul/disable");
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json()).toEqual({ username: "fo.paul", active: false });
    expect((await login(FIRST)).statusCode).toBe(401);
    expect((await me(session)).statusCode).toBe(401);
    const search = await byToken("/api/search?q=rue");
    expect(search.statusCode).toBe(401);
    const check = await byToken("/api/move-ins/check", moveInRequest("PDS-A1"));
    expect(check.statusCode).toBe(401);
    expect(check.json().error.code).toBe("UNAUTHENTICATED");
    const listed = (await t.as("ADMIN", { url: "/api/accounts" })).json().items;
    expect(listed.find((a: { username: string }) => a.username === "fo.paul")).toMatchObject({
      active: false,
    });

    const on = await admin("/api/accounts/fo.paul/enable");
    expect(on.json()).toEqual({ username: "fo.paul", active: true });
    expect((await byToken("/api/move-ins/check", moveInRequest("PDS-A1"))).statusCode).toBe(200);
    expect((await login(FIRST)).statusCode).toBe(200);
    // The session closed by the disabling stays closed.
    expect((await me(session)).statusCode).toBe(401);
    expect(await audited("account.disabled")).toEqual([
      expect.objectContaining({
        actor: "admin.test",
        role: "ADMIN",
        entity: "ADMIN-LYON",
        object_id: "fo.paul",
      }),
    ]);
    expect(await audited("account.enabled")).toHaveLength(1);
  });

  it("refuses an unknown account (404) and an administrator disabling themselves", async () => {
    const unknown = await admin("/api/accounts/personne/disable");
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: "UNKNOWN_REFERENCE", field: "username" });
    const self = await admin("/api/accounts/admin.test/disable");
    expect(self.statusCode).toBe(409);
    expect(self.json().error.code).toBe("OWN_ACCOUNT");
    expect((await admin("/api/accounts/personne/password", { password: "assez-long-1" })).statusCode).toBe(
      404,
    );
  });

  it("an administrator resets a password: the old one fails, sessions are closed; short ones refused", async () => {
    const session = cookieOf(await login(FIRST));
    const short = await admin("/api/accounts/fo.paul/password", { password: "court" });
    expect(short.statusCode).toBe(400);
    expect(short.json().error).toEqual({
      code: "INVALID_INPUT",
      field: "password",
      message: "Champ « mot de passe » invalide : au moins 12 caractères.",
    });
    // A wrong type is not a missing field.
    const wrongType = await admin("/api/accounts/fo.paul/password", { password: 12345678 });
    expect(wrongType.json().error.message).toBe("Champ « mot de passe » invalide : texte attendu.");
    const missing = await admin("/api/accounts/fo.paul/password", {});
    expect(missing.json().error.message).toBe("Champ « mot de passe » manquant.");
    const reset = await admin("/api/accounts/fo.paul/password", { password: "remis-par-admin" });
    expect(reset.statusCode, reset.body).toBe(204);
    expect((await me(session)).statusCode).toBe(401);
    expect((await login(FIRST)).statusCode).toBe(401);
    expect((await login("remis-par-admin")).statusCode).toBe(200);
    const [row] = await audited("account.password_reset");
    expect(row).toMatchObject({ actor: "admin.test", object_id: "fo.paul" });
    expect(JSON.stringify(row)).not.toContain("remis-par-admin");
    const hash = await t.tdb.db.kysely
      .selectFrom("accounts")
      .select("password_hash")
      .where("username", "=", "fo.paul")
      .executeTakeFirstOrThrow();
    expect(hash.password_hash).toMatch(/^scrypt\$/);
  });

  it("a user changes their own password with the current one; their other sessions are closed", async () => {
    const mine = cookieOf(await login("remis-par-admin"));
    const other = cookieOf(await login("remis-par-admin"));
    const change = (currentPassword: string, newPassword: string) =>
      t.app.inject({
        method: "POST",
        url: "/api/me/password",
        cookies: mine,
        headers: CSRF,
        payload: { currentPassword, newPassword },
      });
    const wrong = await change("pas-le-bon", "nouveau-mot-de-passe");
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error).toMatchObject({ code: "INVALID_INPUT", field: "currentPassword" });
    const short = await change("remis-par-admin", "court");
    expect(short.json().error).toMatchObject({ code: "INVALID_INPUT", field: "newPassword" });
    expect((await change("remis-par-admin", "nouveau-mot-de-passe")).statusCode).toBe(204);
    expect((await me(mine)).statusCode).toBe(200);
    expect((await me(other)).statusCode).toBe(401);
    expect((await login("nouveau-mot-de-passe")).statusCode).toBe(200);
    expect(await audited("account.password_changed")).toEqual([
      expect.objectContaining({ actor: "fo.paul", role: "FO", object_id: "fo.paul" }),
    ]);
  });

  it("lists an account's tokens newest first, never the secret nor its digest; revokes one (refused at once, the move-in check too), idempotently, audited once", async () => {
    const digests = await t.tdb.db.kysely.selectFrom("api_tokens").select("token_hash").execute();
    const newer = await admin("/api/accounts/fo.paul/tokens", { label: "télérelève" });
    expect(newer.statusCode, newer.body).toBe(200);
    const listed = await t.as("ADMIN", { url: "/api/accounts/fo.paul/tokens" });
    expect(listed.statusCode, listed.body).toBe(200);
    const items = listed.json().items as Array<{ id: number; label: string; revokedAt: string | null }>;
    expect(items.map((i) => i.label)).toEqual(["télérelève", "tests"]);
    expect(items[1]).toEqual({
      id: expect.any(Number),
      label: "tests",
      createdAt: NOW.toISOString(),
      revokedAt: null,
      expiresAt: null,
    });
    for (const secret of [token, newer.json().token as string, ...digests.map((d) => d.token_hash)])
      expect(listed.body).not.toContain(secret);
    const id = (items[1] as { id: number }).id;

    expect((await byToken("/api/search?q=rue")).statusCode).toBe(200);
    const revoked = await admin(`/api/accounts/fo.paul/tokens/${id}/revoke`);
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json()).toEqual({ id, label: "tests", revokedAt: expect.any(String) });
    expect((await byToken("/api/search?q=rue")).statusCode).toBe(401);
    const check = await byToken("/api/move-ins/check", moveInRequest("PDS-A1"));
    expect(check.statusCode).toBe(401);
    expect(check.json().error.code).toBe("UNAUTHENTICATED");
    // The other token of the account still works: only the one revoked is refused.
    const other = await t.app.inject({
      url: "/api/search?q=rue",
      headers: { authorization: `Bearer ${newer.json().token}` },
    });
    expect(other.statusCode).toBe(200);

    // Again: the same date, no second audit entry.
    const again = await admin(`/api/accounts/fo.paul/tokens/${id}/revoke`);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual(revoked.json());
    const after = (await t.as("ADMIN", { url: "/api/accounts/fo.paul/tokens" })).json().items;
    expect(after.find((i: { id: number }) => i.id === id)).toMatchObject({
      revokedAt: revoked.json().revokedAt,
    });
    const rows = await audited("account.token_revoked");
    expect(rows).toEqual([
      expect.objectContaining({
        actor: "admin.test",
        role: "ADMIN",
        object_type: "account",
        object_id: "fo.paul",
        details: { tokenId: id, label: "tests" },
      }),
    ]);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it("refuses another account's token (404), an unknown account (404) and a caller who is not ADMIN (403)", async () => {
    const lea = (await t.as("ADMIN", { url: "/api/accounts/bo.lea/tokens" })).json().items;
    const leaId = lea[0].id as number;
    const cross = await admin(`/api/accounts/fo.paul/tokens/${leaId}/revoke`);
    expect(cross.statusCode).toBe(404);
    expect(cross.json().error).toMatchObject({ code: "UNKNOWN_REFERENCE", field: "id" });
    const stillLive = (await t.as("ADMIN", { url: "/api/accounts/bo.lea/tokens" })).json().items;
    expect(stillLive[0].revokedAt).toBeNull();
    const unknown = await t.as("ADMIN", { url: "/api/accounts/personne/tokens" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: "UNKNOWN_REFERENCE", field: "username" });
    expect((await admin(`/api/accounts/personne/tokens/${leaId}/revoke`)).statusCode).toBe(404);
    expect((await admin("/api/accounts/bo.lea/tokens/999999/revoke")).statusCode).toBe(404);
    expect((await admin("/api/accounts/bo.lea/tokens/abc/revoke")).statusCode).toBe(400);
    expect((await t.as("FO", { url: "/api/accounts/bo.lea/tokens" })).statusCode).toBe(403);
    // The access check comes first: an FO learns nothing from a malformed id either.
    expect(
      (await t.as("FO", { method: "POST", url: "/api/accounts/bo.lea/tokens/abc/revoke" })).statusCode,
    ).toBe(403);
    const fo = await t.as("FO", { method: "POST", url: `/api/accounts/bo.lea/tokens/${leaId}/revoke` });
    expect(fo.statusCode).toBe(403);
    expect(await audited("account.token_revoked")).toHaveLength(1);
  });

  it("two administrators revoking one token at the same time: one revocation, one date, one audit entry", async () => {
    const [live] = (await t.as("ADMIN", { url: "/api/accounts/bo.lea/tokens" })).json().items;
    const both = await Promise.all([1, 2].map(() => admin(`/api/accounts/bo.lea/tokens/${live.id}/revoke`)));
    expect(both.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(both[0]?.json()).toEqual(both[1]?.json());
    const rows = await audited("account.token_revoked");
    expect(rows.filter((r) => r.object_id === "bo.lea")).toHaveLength(1);
  });

  it("documents the routes in the OpenAPI", async () => {
    const doc = (await t.as("ADMIN", { url: "/docs/json" })).json();
    for (const p of ["/api/accounts/{username}/disable", "/api/accounts/{username}/enable"])
      expect(doc.paths[p]?.post, p).toBeDefined();
    expect(doc.paths["/api/accounts/{username}/tokens"]?.get).toBeDefined();
    expect(doc.paths["/api/accounts/{username}/tokens/{id}/revoke"]?.post).toBeDefined();
    const tokens =
      doc.paths["/api/accounts/{username}/tokens"].get.responses["200"].content["application/json"];
    expect(Object.keys(tokens.schema.properties.items.items.properties).sort()).toEqual([
      "createdAt",
      "expiresAt",
      "id",
      "label",
      "revokedAt",
    ]);
    const reset =
      doc.paths["/api/accounts/{username}/password"].post.requestBody.content["application/json"].schema;
    expect(reset.properties.password).toMatchObject({ minLength: 12 });
    const own = doc.paths["/api/me/password"].post.requestBody.content["application/json"].schema;
    expect(own.required).toEqual(expect.arrayContaining(["currentPassword", "newPassword"]));
  });
});
