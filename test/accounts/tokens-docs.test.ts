/**
 * Promise (issue 14 #7): a bearer token may be given an expiry (`ecart user token NAME --expires-days N`,
 * or `expiresInDays` over the API) and is refused from then on, on every route (the move-in check, which
 * reads its token in its own statement, too); `/docs` and its OpenAPI document need a login.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userCommand } from "../../src/accounts/cli.js";
import { digest } from "../../src/accounts/store.js";
import { CSRF_HEADER, CSRF_VALUE, SESSION_COOKIE } from "../../src/http/auth.js";
import { type TestApi, testApi } from "../http/helpers.js";
import { ENGINES } from "../support/databases.js";
import { givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

const CSRF = { [CSRF_HEADER]: CSRF_VALUE };

describe.each(ENGINES)("token expiry and /docs (%s)", (engine) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await testApi(engine);
    await givenServicePoints(t.tdb.db, servicePointFixture({ id: "PDS-TK1" }));
  });
  afterAll(() => t.close());

  const bearer = (token: string, url = "/api/me") =>
    t.app.inject({ url, headers: { authorization: `Bearer ${token}` } });
  const check = (token: string) =>
    t.app.inject({
      method: "POST",
      url: "/api/move-ins/check",
      headers: { authorization: `Bearer ${token}` },
      payload: moveInRequest("PDS-TK1"),
    });
  /** Moves a token's expiry, as if time had passed. */
  const expireAt = (token: string, at: Date) =>
    t.tdb.db.kysely
      .updateTable("api_tokens")
      .set({ expires_at: at })
      .where("token_hash", "=", digest(token))
      .execute();

  it("issues a token with an expiry from the command line; refused everywhere once it has passed", async () => {
    const out: string[] = [];
    const sink = { write: (s: string) => out.push(s) > 0 };
    const args = ["token", "fo.test", "--label", "un mois", "--expires-days", "30"];
    expect(await userCommand(t.tdb.db, args, sink, sink)).toBe(0);
    const token = (out.pop() as string).trim();
    expect((await bearer(token)).statusCode).toBe(200);
    expect((await check(token)).statusCode).toBe(200);
    const row = await t.tdb.db.kysely
      .selectFrom("api_tokens")
      .select("expires_at")
      .where("token_hash", "=", digest(token))
      .executeTakeFirstOrThrow();
    const days = (new Date(row.expires_at as Date).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    await expireAt(token, new Date(Date.now() - 1000));
    expect((await bearer(token)).statusCode).toBe(401);
    expect((await bearer(token, "/api/cases")).statusCode).toBe(401);
    expect((await check(token)).statusCode).toBe(401);
    // A minute still to go: accepted.
    await expireAt(token, new Date(Date.now() + 60_000));
    expect((await bearer(token)).statusCode).toBe(200);

    expect(await userCommand(t.tdb.db, ["tokens", "fo.test"], sink, sink)).toBe(0);
    expect(out.join("")).toMatch(/un mois\t.*\tactive until \d{4}-/);
    for (const bad of ["0", "-3", "abc"]) {
      const code = await userCommand(t.tdb.db, ["token", "fo.test", "--expires-days", bad], sink, sink);
      expect(code, bad).not.toBe(0);
    }
  });

  it("issues a token with an expiry over the API: 1 to 3650 days, listed with it", async () => {
    const issue = (payload: object) =>
      t.as("ADMIN", { method: "POST", url: "/api/accounts/bo.test/tokens", payload });
    for (const days of [0, 3651, 1.5]) {
      const r = await issue({ label: "x", expiresInDays: days });
      expect(r.statusCode, `${days}`).toBe(400);
    }
    const ok = await issue({ label: "un jour", expiresInDays: 1 });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().expiresAt).toEqual(expect.any(String));
    const forever = await issue({ label: "sans fin" });
    expect(forever.json().expiresAt).toBeNull();
    const list = await t.as("ADMIN", { url: "/api/accounts/bo.test/tokens" });
    const items = list.json().items as Array<{ label: string; expiresAt: string | null }>;
    expect(items.find((i) => i.label === "un jour")?.expiresAt).toBe(ok.json().expiresAt);
    expect(items.find((i) => i.label === "sans fin")?.expiresAt).toBeNull();
  });

  it("opens /docs and the OpenAPI document to logged-in callers only", async () => {
    const urls = ["/docs", "/docs/", "/docs/json", "/docs/yaml", "/docs/static/index.html"];
    for (const url of urls) {
      const r = await t.app.inject({ url });
      expect(r.statusCode, url).toBe(401);
      expect(r.json().error.code, url).toBe("UNAUTHENTICATED");
      expect(r.body, url).not.toContain("openapi");
    }
    const byToken = await t.as("SUPERVISOR", { url: "/docs/json" });
    expect(byToken.statusCode).toBe(200);
    expect(byToken.json().openapi).toMatch(/^3\./);
    // A person's session: the console's login.
    await t.as("ADMIN", {
      method: "POST",
      url: "/api/accounts",
      payload: { username: "fo.docs", password: "lecture-de-la-doc", role: "FO", entity: "FO-LYON" },
    });
    const login = await t.app.inject({
      method: "POST",
      url: "/api/session",
      headers: CSRF,
      payload: { username: "fo.docs", password: "lecture-de-la-doc" },
    });
    const cookies = {
      [SESSION_COOKIE]: login.cookies.find((c) => c.name === SESSION_COOKIE)?.value as string,
    };
    // Its password was set by an administrator: not until it is changed.
    expect((await t.app.inject({ url: "/docs/json", cookies })).json().error.code).toBe(
      "PASSWORD_CHANGE_REQUIRED",
    );
    const changed = await t.app.inject({
      method: "POST",
      url: "/api/me/password",
      cookies,
      headers: CSRF,
      payload: { currentPassword: "lecture-de-la-doc", newPassword: "ma-propre-lecture" },
    });
    expect(changed.statusCode).toBe(204);
    const page = await t.app.inject({ url: "/docs", cookies });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
  });
});
