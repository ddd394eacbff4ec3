/** One request over a real socket: the API listens and answers like app.inject says. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createApiToken } from "../../src/accounts/store.js";
import { buildApp } from "../../src/http/app.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";

describe("smoke: a real port", () => {
  let tdb: TestDatabase;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let base = "";
  let token = "";
  beforeAll(async () => {
    tdb = await createTestDatabase("pglite");
    const a = await createAccount(
      tdb.db.kysely,
      { username: "lecteur", role: "SUPERVISOR", entity: "PILOTAGE", password: null },
      new Date(),
    );
    token = await createApiToken(tdb.db.kysely, a.id, "smoke", new Date());
    app = await buildApp({ db: tdb.db, webDist: null });
    base = await app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await app.close();
    await tdb.drop();
  });

  it("answers health, 401 without login, and serves the OpenAPI document to a logged-in caller", async () => {
    const h = await fetch(`${base}/api/health`);
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ ok: true });
    const me = await fetch(`${base}/api/me`);
    expect(me.status).toBe(401);
    expect((await me.json()).error.code).toBe("UNAUTHENTICATED");
    expect((await fetch(`${base}/docs/json`)).status).toBe(401);
    const auth = { headers: { authorization: `Bearer ${token}` } };
    const doc = await fetch(`${base}/docs/json`, auth);
    const openapi = (await doc.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(["/api/move-ins", "/api/move-ins/check", "/api/cases/{id}/proofs"]),
    );
    expect((await fetch(`${base}/docs`, auth)).status).toBe(200);
  });
});
