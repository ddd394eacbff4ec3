/**
 * Promise 4 (CSRF, issue 14 #2) — on a real loopback server, with request targets written as an
 * attacker would (`/%61pi/…`, absolute-form), which `app.inject` and `fetch` would normalise: a
 * cookie-authenticated write without the anti-CSRF header is refused whatever the path's spelling; a
 * write whose browser says it comes from another site is refused even with the header; a `text/plain`
 * body is never read. Nothing is written by a refused request.
 */
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createApiToken } from "../../src/accounts/store.js";
import { buildApp } from "../../src/http/app.js";
import { NOW } from "../http/helpers.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { type RawResponse, rawRequest } from "../support/raw-http.js";
import { fingerprint } from "./support.js";
import { seedWorld, type World } from "./world.js";

const PASSWORD = "un-secret-assez-long";
const JSON_TYPE = { "content-type": "application/json" };
const CONSOLE = { "x-requested-with": "ecart" };

describe.each(ENGINES)("CSRF whatever the request target's spelling (%s)", (engine) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let port: number;
  let world: World;
  let adminToken: string;
  const cookies: Record<string, string> = {};

  const send = (method: string, target: string, headers: Record<string, string> = {}, body = "") =>
    rawRequest(port, method, target, headers, body);
  const isActive = async (username: string) =>
    (
      await t.db.kysely
        .selectFrom("accounts")
        .select("active")
        .where("username", "=", username)
        .executeTakeFirstOrThrow()
    ).active;
  /** The business data and the audit log (a session's last-seen time may move). */
  const state = async () => {
    const f = await fingerprint(t.db);
    delete f.sessions;
    return f;
  };
  const expectCsrf = (r: RawResponse, what: string) => {
    expect(r.status, `${what}: ${r.body}`).toBe(403);
    expect(r.json?.error?.code, what).toBe("CSRF_REJECTED");
  };

  beforeAll(async () => {
    t = await createTestDatabase(engine);
    app = await buildApp({ db: t.db, clock: () => NOW, webDist: null, loginAttemptsPerMinute: 100 });
    const accounts = [
      { username: "admin.csrf", role: "ADMIN" as const, entity: "SIEGE" },
      { username: "fo.csrf", role: "FO" as const, entity: "FO-LYON" },
      { username: "victim.csrf", role: "BO" as const, entity: "BO-LYON" },
    ];
    for (const a of accounts) {
      const row = await createAccount(t.db.kysely, { ...a, password: PASSWORD }, NOW);
      if (a.role === "ADMIN") adminToken = await createApiToken(t.db.kysely, row.id, "tests", NOW);
    }
    world = await seedWorld(t.db, "CSRF");
    await app.listen({ host: "127.0.0.1", port: 0 });
    port = (app.server.address() as AddressInfo).port;
    for (const username of ["admin.csrf", "fo.csrf"]) {
      const r = await send(
        "POST",
        "/api/session",
        { ...JSON_TYPE, ...CONSOLE },
        JSON.stringify({ username, password: PASSWORD }),
      );
      expect(r.status, r.body).toBe(200);
      cookies[username] = (r.headers["set-cookie"] ?? "").split(";")[0] as string;
    }
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it("refuses a cookie write without the anti-CSRF header on every spelling of the path, and writes nothing", async () => {
    const before = await state();
    const admin = { cookie: cookies["admin.csrf"] as string };
    const host = `http://127.0.0.1:${port}`;
    for (const target of [
      "/api/accounts/victim.csrf/disable",
      "/%61pi/accounts/victim.csrf/disable",
      "/%61%70%69/accounts/victim.csrf/disable",
      "/%61pi/accounts/victim%2Ecsrf/disable",
      `${host}/api/accounts/victim.csrf/disable`,
      `${host}/%61pi/accounts/victim.csrf/disable`,
      "http://elsewhere.example/api/accounts/victim.csrf/disable",
    ]) {
      expectCsrf(await send("POST", target, admin), `POST ${target}`);
    }
    expect(await isActive("victim.csrf")).toBe(true);

    // A decision on a case (a subscription made by declaring no proof), as FO.
    const fo = { cookie: cookies["fo.csrf"] as string, ...JSON_TYPE };
    for (const target of [
      `/%61pi/cases/${world.gapCase}/no-proof`,
      `${host}/api/cases/${world.gapCase}/no-proof`,
    ]) {
      expectCsrf(await send("POST", target, fo, "{}"), `POST ${target}`);
    }
    // Logging the victim out.
    expectCsrf(await send("DELETE", "/%61pi/session", fo), "DELETE /%61pi/session");
    expectCsrf(await send("DELETE", `${host}/api/session`, fo), "DELETE absolute-form");
    expect((await send("GET", "/api/me", fo)).status).toBe(200);
    // A route that does not exist is refused the same way before anything else.
    expectCsrf(await send("POST", "/nowhere", fo, "{}"), "POST /nowhere");
    // The header with another value is refused the same way; the French message says what it must be.
    const wrong = await send("POST", "/api/session", { ...fo, "x-requested-with": "XMLHttpRequest" }, "{}");
    expectCsrf(wrong, "X-Requested-With: XMLHttpRequest");
    expect(wrong.json?.error?.message).toBe(
      "Requête refusée : l'en-tête « X-Requested-With: ecart » est manquant ou différent (protection CSRF).",
    );
    expect(await state()).toEqual(before);
  });

  it("refuses a write that the browser says comes from another site, even with the header", async () => {
    const before = await state();
    const admin = { cookie: cookies["admin.csrf"] as string, ...CONSOLE };
    const target = "/api/accounts/victim.csrf/disable";
    const elsewhere: Array<Record<string, string>> = [
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
      { origin: "http://evil.example" },
      { origin: `http://127.0.0.1:${port + 1}` },
      { origin: "null" },
      { "sec-fetch-site": "cross-site", origin: `http://127.0.0.1:${port}` },
    ];
    for (const from of elsewhere) {
      expectCsrf(await send("POST", target, { ...admin, ...from }), JSON.stringify(from));
    }
    // A login forced on the victim from another site (login CSRF).
    const login = await send(
      "POST",
      "/api/session",
      { ...JSON_TYPE, ...CONSOLE, "sec-fetch-site": "cross-site" },
      JSON.stringify({ username: "fo.csrf", password: PASSWORD }),
    );
    expectCsrf(login, "cross-site login");
    expect(await isActive("victim.csrf")).toBe(true);
    expect(await state()).toEqual(before);

    // The console's own requests go through: same origin, by the browser's word or by Origin.
    const check = { ...admin, ...JSON_TYPE };
    const sameOrigin: Array<Record<string, string>> = [
      { "sec-fetch-site": "same-origin", origin: `http://127.0.0.1:${port}` },
      { origin: `http://127.0.0.1:${port}` },
      {},
    ];
    for (const from of sameOrigin) {
      const r = await send("GET", "/api/accounts", { ...check, ...from });
      expect(r.status, r.body).toBe(200);
    }
    const ok = await send("POST", "/api/accounts/victim.csrf/enable", {
      ...admin,
      "sec-fetch-site": "same-origin",
      origin: `http://127.0.0.1:${port}`,
    });
    expect(ok.status, ok.body).toBe(200);
  });

  it("never reads a text/plain body, from a cookie or a bearer caller (415), and writes nothing", async () => {
    const before = await state();
    const plain = { "content-type": "text/plain;charset=UTF-8" };
    const bearer = await send(
      "POST",
      "/api/accounts/victim.csrf/disable",
      { authorization: `Bearer ${adminToken}`, ...plain },
      "x",
    );
    expect(bearer.status, bearer.body).toBe(415);
    expect(bearer.json?.error?.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    const cookie = await send(
      "POST",
      `/api/cases/${world.gapCase}/no-proof`,
      { cookie: cookies["fo.csrf"] as string, ...CONSOLE, ...plain },
      "{}",
    );
    expect(cookie.status, cookie.body).toBe(415);
    expect(await isActive("victim.csrf")).toBe(true);
    expect(await state()).toEqual(before);
  });
});
