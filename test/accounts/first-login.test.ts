/**
 * Promise: a password someone else set must be changed at first login (issue 14 #1). An account created by
 * an administrator (API or command line) or whose password an administrator reset opens a session that may
 * only say who it is, change its password or log out: every other route answers 403
 * PASSWORD_CHANGE_REQUIRED, until its holder has chosen a new password (different, and not weak).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userCommand } from "../../src/accounts/cli.js";
import { CSRF_HEADER, CSRF_VALUE, SESSION_COOKIE } from "../../src/http/auth.js";
import { type TestApi, testApi } from "../http/helpers.js";
import { ENGINES } from "../support/databases.js";
import { givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

const CSRF = { [CSRF_HEADER]: CSRF_VALUE };
const GIVEN = "donne-par-un-admin";
const CHOSEN = "choisi-par-moi-meme";

describe.each(ENGINES)("password set by someone else (%s)", (engine) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await testApi(engine);
    await givenServicePoints(t.tdb.db, servicePointFixture({ id: "PDS-FL1" }));
  });
  afterAll(() => t.close());

  const login = (username: string, password: string) =>
    t.app.inject({ method: "POST", url: "/api/session", payload: { username, password }, headers: CSRF });
  const session = async (username: string, password: string) => {
    const r = await login(username, password);
    expect(r.statusCode, r.body).toBe(200);
    return {
      body: r.json() as { mustChangePassword: boolean },
      cookies: { [SESSION_COOKIE]: r.cookies.find((c) => c.name === SESSION_COOKIE)?.value as string },
    };
  };
  const mustChange = async (username: string) =>
    (
      await t.tdb.db.kysely
        .selectFrom("accounts")
        .select("must_change_password")
        .where("username", "=", username)
        .executeTakeFirstOrThrow()
    ).must_change_password;

  it("refuses everything but « me », a password change and logout until the holder changes it", async () => {
    const created = await t.as("ADMIN", {
      method: "POST",
      url: "/api/accounts",
      payload: { username: "fo.nina", password: GIVEN, role: "FO", entity: "FO-LYON" },
    });
    expect(created.statusCode, created.body).toBe(200);
    const s = await session("fo.nina", GIVEN);
    expect(s.body.mustChangePassword).toBe(true);
    const me = await t.app.inject({ url: "/api/me", cookies: s.cookies });
    expect(me.statusCode).toBe(200);
    expect(me.json().mustChangePassword).toBe(true);

    const refused = [
      await t.app.inject({ url: "/api/cases", cookies: s.cookies }),
      await t.app.inject({ url: "/api/service-points/PDS-FL1", cookies: s.cookies }),
      await t.app.inject({
        method: "POST",
        url: "/api/move-ins",
        cookies: s.cookies,
        headers: CSRF,
        payload: moveInRequest("PDS-FL1"),
      }),
    ];
    for (const r of refused) {
      expect(r.statusCode, r.body).toBe(403);
      expect(r.json().error.code).toBe("PASSWORD_CHANGE_REQUIRED");
      expect(r.json().error.message).toContain("Mon mot de passe");
    }
    expect(await t.tdb.db.kysely.selectFrom("subscriptions").select("id").execute()).toHaveLength(1);

    const change = (currentPassword: string, newPassword: string) =>
      t.app.inject({
        method: "POST",
        url: "/api/me/password",
        cookies: s.cookies,
        headers: CSRF,
        payload: { currentPassword, newPassword },
      });
    // The same password again, or a weak one, does not count as a change.
    expect((await change(GIVEN, GIVEN)).json().error.field).toBe("newPassword");
    expect((await change(GIVEN, "motdepasse2024!")).statusCode).toBe(400);
    expect(await mustChange("fo.nina")).toBe(true);
    const done = await change(GIVEN, CHOSEN);
    expect(done.statusCode, done.body).toBe(204);
    expect(await mustChange("fo.nina")).toBe(false);
    // The same session goes on, with everything its role allows.
    expect((await t.app.inject({ url: "/api/cases", cookies: s.cookies })).statusCode).toBe(200);
    expect((await t.app.inject({ url: "/api/me", cookies: s.cookies })).json().mustChangePassword).toBe(
      false,
    );
    expect((await session("fo.nina", CHOSEN)).body.mustChangePassword).toBe(false);
  });

  it("asks again after an administrator's reset, and for an account made or reset on the command line", async () => {
    const reset = await t.as("ADMIN", {
      method: "POST",
      url: "/api/accounts/fo.nina/password",
      payload: { password: "remis-par-l-admin" },
    });
    expect(reset.statusCode, reset.body).toBe(204);
    const s = await session("fo.nina", "remis-par-l-admin");
    expect(s.body.mustChangePassword).toBe(true);
    expect((await t.app.inject({ url: "/api/cases", cookies: s.cookies })).statusCode).toBe(403);
    // Logging out is still possible.
    const out = await t.app.inject({
      method: "DELETE",
      url: "/api/session",
      cookies: s.cookies,
      headers: CSRF,
    });
    expect(out.statusCode).toBe(204);

    const sink = { write: () => true };
    process.env.ECART_PASSWORD = "depuis-la-ligne-de-commande";
    try {
      const add = ["add", "bo.cli", "--role", "BO", "--entity", "BO-LYON"];
      expect(await userCommand(t.tdb.db, add, sink, sink)).toBe(0);
      expect(await mustChange("bo.cli")).toBe(true);
      await t.tdb.db.kysely
        .updateTable("accounts")
        .set({ must_change_password: false })
        .where("username", "=", "bo.cli")
        .execute();
      process.env.ECART_PASSWORD = "reinitialise-en-ligne";
      expect(await userCommand(t.tdb.db, ["password", "bo.cli"], sink, sink)).toBe(0);
      expect(await mustChange("bo.cli")).toBe(true);
      expect((await session("bo.cli", "reinitialise-en-ligne")).body.mustChangePassword).toBe(true);
    } finally {
      delete process.env.ECART_PASSWORD;
    }
  });

  it("does not stop a bearer token (the billing system's calls) nor an account whose holder chose it", async () => {
    expect((await t.as("FO", { url: "/api/cases" })).statusCode).toBe(200);
    const own = await session("fo.nina", "remis-par-l-admin");
    const change = await t.app.inject({
      method: "POST",
      url: "/api/me/password",
      cookies: own.cookies,
      headers: CSRF,
      payload: { currentPassword: "remis-par-l-admin", newPassword: "encore-un-autre-choix" },
    });
    expect(change.statusCode).toBe(204);
    expect((await t.app.inject({ url: "/api/cases", cookies: own.cookies })).statusCode).toBe(200);
  });
});
