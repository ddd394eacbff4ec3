/** Login, cookies, CSRF, logout, rate limit, tokens, log redaction, the `ecart user` CLI and the demo accounts. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userCommand } from "../../src/accounts/cli.js";
import { verifyPassword } from "../../src/accounts/passwords.js";
import { countAccounts, createAccount, digest } from "../../src/accounts/store.js";
import { bootstrapAccounts, DEMO_ACCOUNTS, DEMO_PASSWORD } from "../../src/cli/serve.js";
import { buildApp } from "../../src/http/app.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";
import { memoryLogger, NOW } from "./helpers.js";

const CSRF = { "x-requested-with": "ecart" };
const PASSWORD = "motdepasse-solide";

describe.each(ENGINES)("sessions and accounts (%s)", (engine) => {
  let tdb: TestDatabase;
  const log = memoryLogger("debug");
  let app: Awaited<ReturnType<typeof buildApp>>;
  beforeAll(async () => {
    tdb = await createTestDatabase(engine);
    const logger = log.logger;
    app = await buildApp({ db: tdb.db, clock: () => NOW, webDist: null, loginAttemptsPerMinute: 6, logger });
    await createAccount(
      tdb.db.kysely,
      { username: "fo", role: "FO", entity: "FO-LYON", password: PASSWORD },
      NOW,
    );
    await givenServicePoints(tdb.db, servicePointFixture({ id: "PDS-S1" }));
  });
  afterAll(async () => {
    await app.close();
    await tdb.drop();
  });

  const login = (password: string, headers: Record<string, string> = CSRF) =>
    app.inject({ method: "POST", url: "/api/session", payload: { username: "fo", password }, headers });

  it("logs in with a secure session cookie kept server-side as a digest, then logs out", async () => {
    expect((await login(PASSWORD, {})).json().error.code).toBe("CSRF_REJECTED");
    const bad = await login("wrong-password");
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error).toEqual({
      code: "UNAUTHENTICATED",
      message: "Identifiant ou mot de passe incorrect.",
      field: null,
    });
    const ok = await login(PASSWORD);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({
      user: { username: "fo", role: "FO", entity: "FO-LYON" },
      mustChangePassword: false,
    });
    const setCookie = String(ok.headers["set-cookie"]);
    expect(setCookie).toMatch(/^ecart_session=/);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).not.toContain("Secure");
    const token = ok.cookies.find((c) => c.name === "ecart_session")?.value as string;
    const rows = await tdb.db.kysely.selectFrom("sessions").selectAll().execute();
    expect(rows.map((r) => r.token_hash)).toEqual([digest(token)]);
    const cookies = { ecart_session: token };

    expect((await app.inject({ url: "/api/me", cookies })).json()).toMatchObject({
      username: "fo",
      authVia: "cookie",
    });
    // A cookie write needs the anti-CSRF header; with it, the command runs.
    const noHeader = await app.inject({
      method: "POST",
      url: "/api/move-ins",
      cookies,
      payload: moveInRequest("PDS-S1", { index: 1002 }),
    });
    expect(noHeader.statusCode).toBe(403);
    expect(noHeader.json().error.code).toBe("CSRF_REJECTED");
    const withHeader = await app.inject({
      method: "POST",
      url: "/api/move-ins",
      cookies,
      headers: CSRF,
      payload: moveInRequest("PDS-S1", { index: 1002 }),
    });
    expect(withHeader.json()).toMatchObject({ outcome: "SUBSCRIBED" });
    const audit = await tdb.db.kysely
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "subscription.created")
      .execute();
    expect(audit.at(-1)).toMatchObject({ actor: "fo", role: "FO", entity: "FO-LYON" });

    const out = await app.inject({ method: "DELETE", url: "/api/session", cookies, headers: CSRF });
    expect(out.statusCode).toBe(204);
    expect((await app.inject({ url: "/api/me", cookies })).statusCode).toBe(401);
  });

  it("marks the cookie Secure over https (behind a trusted proxy) or when asked to", async () => {
    const secureApp = await buildApp({ db: tdb.db, clock: () => NOW, webDist: null, secureCookies: true });
    const r = await secureApp.inject({
      method: "POST",
      url: "/api/session",
      payload: { username: "fo", password: PASSWORD },
      headers: CSRF,
    });
    expect(String(r.headers["set-cookie"])).toContain("Secure");
    await secureApp.close();
    const proxied = await buildApp({ db: tdb.db, clock: () => NOW, webDist: null, trustProxy: 1 });
    const p = await proxied.inject({
      method: "POST",
      url: "/api/session",
      payload: { username: "fo", password: PASSWORD },
      headers: { ...CSRF, "x-forwarded-proto": "https" },
    });
    expect(String(p.headers["set-cookie"])).toContain("Secure");
    await proxied.close();
  });

  it("refuses an unknown bearer token", async () => {
    const r = await app.inject({ url: "/api/me", headers: { authorization: "Bearer ect_nope" } });
    expect(r.statusCode).toBe(401);
  });

  it("rate-limits login attempts", async () => {
    // Its own app and limit: two attempts a minute, the third is refused whatever the password.
    const limitedApp = await buildApp({
      db: tdb.db,
      clock: () => NOW,
      webDist: null,
      loginAttemptsPerMinute: 2,
    });
    try {
      const attempt = (password: string) =>
        limitedApp.inject({
          method: "POST",
          url: "/api/session",
          payload: { username: "fo", password },
          headers: CSRF,
        });
      expect((await attempt("wrong-again")).statusCode).toBe(401);
      expect((await attempt("wrong-again")).statusCode).toBe(401);
      const limited = await attempt(PASSWORD);
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe("RATE_LIMITED");
    } finally {
      await limitedApp.close();
    }
  });

  it("never writes names, emails, addresses or secrets in the log", async () => {
    await app.inject({ url: "/api/search?q=Durand", headers: { authorization: "Bearer ect_nope" } });
    expect(log.text()).toContain("/api/search");
    expect(log.text()).toContain("/api/move-ins");
    for (const secret of [
      "Durand",
      "Jeanne",
      "Martin",
      "jeanne@example.fr",
      "rue des Lilas",
      PASSWORD,
      "ect_nope",
    ]) {
      expect(log.text(), secret).not.toContain(secret);
    }
  });

  it("creates accounts from the CLI with ECART_PASSWORD", async () => {
    const out: string[] = [];
    const sink = { write: (s: string) => out.push(s) > 0 };
    process.env.ECART_PASSWORD = "un-autre-secret";
    try {
      expect(
        await userCommand(
          tdb.db,
          ["add", "Claire.B", "--role", "supervisor", "--entity", "PILOTAGE"],
          sink,
          sink,
        ),
      ).toBe(0);
      expect(await userCommand(tdb.db, ["add", "x", "--role", "BOSS", "--entity", "E"], sink, sink)).toBe(2);
    } finally {
      delete process.env.ECART_PASSWORD;
    }
    const a = await tdb.db.kysely
      .selectFrom("accounts")
      .selectAll()
      .where("username", "=", "claire.b")
      .executeTakeFirstOrThrow();
    expect(a).toMatchObject({ role: "SUPERVISOR", entity: "PILOTAGE" });
    expect(a.password_hash).toMatch(/^scrypt\$/);
    expect(await verifyPassword("un-autre-secret", a.password_hash)).toBe(true);
    expect(out.join("")).not.toContain("un-autre-secret");
  });

  it("issues, lists and revokes an API token from the CLI, each change audited by cli:<user>", async () => {
    const out: string[] = [];
    const sink = { write: (s: string) => out.push(s) > 0 };
    expect(await userCommand(tdb.db, ["token", "claire.b", "--label", "export nuit"], sink, sink)).toBe(0);
    const secret = (out.pop() as string).trim();
    expect(secret).toMatch(/^ect_/);
    const bearer = () => app.inject({ url: "/api/me", headers: { authorization: `Bearer ${secret}` } });
    expect((await bearer()).statusCode).toBe(200);
    expect(await userCommand(tdb.db, ["tokens", "claire.b"], sink, sink)).toBe(0);
    const [line] = out.splice(0);
    const [id, label, , state] = (line as string).trim().split("\t");
    expect([label, state]).toEqual(["export nuit", "active"]);
    expect(line).not.toContain(secret);
    expect(await userCommand(tdb.db, ["revoke-token", "claire.b", id as string], sink, sink)).toBe(0);
    expect(out.pop()).toMatch(new RegExp(`^token ${id} \\(export nuit\\) of claire.b revoked at `));
    expect((await bearer()).statusCode).toBe(401);
    expect(await userCommand(tdb.db, ["revoke-token", "claire.b", id as string], sink, sink)).toBe(0);
    expect(out.pop()).toContain("already revoked");
    expect(await userCommand(tdb.db, ["revoke-token", "claire.b", "999999"], sink, sink)).toBe(1);
    expect(await userCommand(tdb.db, ["revoke-token", "nobody", id as string], sink, sink)).toBe(1);
    const audited = await tdb.db.kysely
      .selectFrom("audit_log")
      .select(["action", "actor", "object_id"])
      .where("actor", "like", "cli:%")
      .orderBy("id")
      .execute();
    expect(audited.map((a) => [a.action, a.object_id])).toEqual([
      ["account.created", "claire.b"],
      ["account.token_created", "claire.b"],
      ["account.token_revoked", "claire.b"],
    ]);
  });
});

describe("first start", () => {
  it("creates the demo accounts only when asked, on an empty database", async () => {
    const tdb = await createTestDatabase("pglite");
    try {
      const lines: string[] = [];
      await bootstrapAccounts(tdb.db, false, (m) => lines.push(m));
      expect(await countAccounts(tdb.db.kysely)).toBe(0);
      expect(lines.join("\n")).toContain("user add admin --role ADMIN");
      await bootstrapAccounts(tdb.db, true, (m) => lines.push(m));
      const names = (
        await tdb.db.kysely.selectFrom("accounts").select(["username", "role"]).orderBy("username").execute()
      ).map((a) => `${a.username}:${a.role}`);
      expect(names).toEqual(["admin:ADMIN", "bo:BO", "euros:EUROS", "fo:FO", "superviseur:SUPERVISOR"]);
      expect(DEMO_ACCOUNTS).toHaveLength(5);
      const app = await buildApp({ db: tdb.db, webDist: null });
      const r = await app.inject({
        method: "POST",
        url: "/api/session",
        payload: { username: "superviseur", password: DEMO_PASSWORD },
        headers: CSRF,
      });
      expect(r.json()).toEqual({
        user: { username: "superviseur", role: "SUPERVISOR", entity: "PILOTAGE" },
        mustChangePassword: false,
      });
      await app.close();
      await bootstrapAccounts(tdb.db, true, (m) => lines.push(m));
      expect(await countAccounts(tdb.db.kysely)).toBe(5);
    } finally {
      await tdb.drop();
    }
  });
});
