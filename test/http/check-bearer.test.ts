/**
 * The move-in check reads a bearer token's account in its own statement (one round trip): the same answers
 * and refusals as any route, in the same order (401, 403, then the body), and a revoked token refused at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createApiToken, openSession } from "../../src/accounts/store.js";
import { CSRF_HEADER, CSRF_VALUE, SESSION_COOKIE } from "../../src/http/auth.js";
import { ENGINES } from "../support/databases.js";
import { givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";
import { NOW, type TestApi, testApi } from "./helpers.js";

const CHECK = "/api/move-ins/check";

describe.each(ENGINES)("move-in check with its bearer token in one statement (%s)", (engine) => {
  let t: TestApi;
  const check = (authorization: string | null, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: "POST",
      url: CHECK,
      payload: payload as Record<string, unknown>,
      headers: { ...headers, ...(authorization === null ? {} : { authorization }) },
    });
  const bearer = (token: string) => `Bearer ${token}`;
  /** A new FO account (no password) and an API token of it. */
  const foWithToken = async (username: string, label: string) => {
    const fo = await createAccount(
      t.tdb.db.kysely,
      { username, role: "FO", entity: "FO-LYON", password: null },
      NOW,
    );
    return { fo, token: await createApiToken(t.tdb.db.kysely, fo.id, label, NOW) };
  };

  beforeAll(async () => {
    t = await testApi(engine);
    await givenServicePoints(t.tdb.db, servicePointFixture({ id: "PDS-1" }));
  });
  afterAll(() => t.close());

  it("answers a bearer caller exactly as a session of the same account", async () => {
    const { fo, token } = await foWithToken("fo.both", "both");
    const session = await openSession(t.tdb.db.kysely, fo.id, NOW);
    for (const over of [{ index: 1012 }, { index: 1004 }, { index: null, reconnection: true }]) {
      const byToken = await check(bearer(token), moveInRequest("PDS-1", over));
      const bySession = await t.app.inject({
        method: "POST",
        url: CHECK,
        payload: moveInRequest("PDS-1", over),
        cookies: { [SESSION_COOKIE]: session.token },
        headers: { [CSRF_HEADER]: CSRF_VALUE },
      });
      expect(byToken.statusCode, byToken.body).toBe(200);
      expect(byToken.json()).toEqual(bySession.json());
    }
    const unknown = await check(bearer(token), moveInRequest("PDS-NOPE"));
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe("UNKNOWN_SERVICE_POINT");
  });

  it("refuses a revoked token, or one of a deactivated account, at once", async () => {
    const { fo, token } = await foWithToken("fo.revoked", "soon revoked");
    expect((await check(bearer(token), moveInRequest("PDS-1"))).statusCode).toBe(200);
    await t.tdb.db.kysely
      .updateTable("api_tokens")
      .set({ revoked_at: NOW })
      .where("account_id", "=", fo.id)
      .execute();
    const revoked = await check(bearer(token), moveInRequest("PDS-1"));
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().error).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(revoked.json().error.message).toContain("révoqué");

    const other = await createApiToken(t.tdb.db.kysely, fo.id, "second", NOW);
    expect((await check(bearer(other), moveInRequest("PDS-1"))).statusCode).toBe(200);
    await t.tdb.db.kysely.updateTable("accounts").set({ active: false }).where("id", "=", fo.id).execute();
    expect((await check(bearer(other), moveInRequest("PDS-1"))).statusCode).toBe(401);
  });

  it("refuses the caller before the body: 401, then 403, then the input", async () => {
    const bad = bearer("ect_nope");
    const cases: Array<{ payload: unknown; contentType?: string }> = [
      { payload: moveInRequest("PDS-1") },
      { payload: {} },
      { payload: moveInRequest("PDS-1", { date: "2024-03-06" }) },
      { payload: moveInRequest("PDS-NOPE") },
      { payload: "{not json", contentType: "application/json" },
      { payload: "servicePoint=PDS-1", contentType: "text/plain" },
    ];
    for (const c of cases) {
      const headers: Record<string, string> = c.contentType ? { "content-type": c.contentType } : {};
      const nobody = await check(bad, c.payload, headers);
      expect(nobody.statusCode, JSON.stringify(c)).toBe(401);
      expect(nobody.json().error.code).toBe("UNAUTHENTICATED");
      const euros = await check(bearer(t.tokens.EUROS), c.payload, headers);
      expect(euros.statusCode, JSON.stringify(c)).toBe(403);
      expect(euros.json().error).toMatchObject({ code: "FORBIDDEN" });
      expect(euros.json().error.message).toContain("EUROS");
    }
    const invalid = await check(bearer(t.tokens.FO), { ...moveInRequest("PDS-1"), date: "02/03/2024" });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error).toMatchObject({ code: "INVALID_INPUT", field: "date" });
    const future = await check(bearer(t.tokens.BO), moveInRequest("PDS-1", { date: "2024-03-06" }));
    expect(future.json().error).toMatchObject({ code: "DATE_IN_FUTURE", field: "date" });
    const malformed = await check(`Basic ${t.tokens.FO}`, moveInRequest("PDS-1"));
    expect(malformed.statusCode).toBe(401);
  });
});
