/** Logins, refused logins and logouts in the audit log (R15): who, when, from which address, outcome. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, NO_ACCOUNT } from "../../src/accounts/store.js";
import { buildApp } from "../../src/http/app.js";
import { memoryLogger, NOW } from "../http/helpers.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";

const CSRF = { "x-requested-with": "ecart" };
const PASSWORD = "motdepasse-solide";
const WRONG = "pas-le-bon-Zx81";

describe.each(ENGINES)("session events in the audit log (%s)", (engine) => {
  let tdb: TestDatabase;
  let app: Awaited<ReturnType<typeof buildApp>>;
  const log = memoryLogger("debug");
  beforeAll(async () => {
    tdb = await createTestDatabase(engine);
    const logger = log.logger;
    app = await buildApp({ db: tdb.db, clock: () => NOW, webDist: null, trustProxy: 1, logger });
    await createAccount(
      tdb.db.kysely,
      { username: "bo", role: "BO", entity: "BO-LYON", password: PASSWORD },
      NOW,
    );
  });
  afterAll(async () => {
    await app.close();
    await tdb.drop();
  });

  const login = (username: string, password: string, ip: string) =>
    app.inject({
      method: "POST",
      url: "/api/session",
      payload: { username, password },
      headers: { ...CSRF, "x-forwarded-for": ip },
    });
  const entries = async () =>
    tdb.db.kysely
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "like", "session.%")
      .orderBy("id")
      .execute();

  it("records a refused login under the name as typed, never the password", async () => {
    expect((await login("bo", WRONG, "203.0.113.7")).statusCode).toBe(401);
    expect((await login("Inconnu.Qui", WRONG, "203.0.113.8")).statusCode).toBe(401);
    const [wrongPassword, unknown] = await entries();
    expect(wrongPassword).toMatchObject({
      action: "session.login_refused",
      actor: "bo",
      role: NO_ACCOUNT,
      entity: NO_ACCOUNT,
      object_type: "account",
      object_id: "bo",
      details: { outcome: "REFUSED", ip: "203.0.113.7" },
    });
    expect(new Date(wrongPassword?.at as Date).getTime()).toBe(NOW.getTime());
    expect(unknown).toMatchObject({
      actor: "Inconnu.Qui",
      details: { outcome: "REFUSED", ip: "203.0.113.8" },
    });
    const all = JSON.stringify(await tdb.db.kysely.selectFrom("audit_log").selectAll().execute());
    expect(all).not.toContain(WRONG);
    expect(log.text()).not.toContain(WRONG);
    expect(log.text()).not.toContain("Inconnu.Qui");
  });

  it("records a login and a logout with the account, its role and entity, and the address", async () => {
    const from = (await entries()).length;
    const ok = await login("bo", PASSWORD, "198.51.100.4");
    expect(ok.statusCode, ok.body).toBe(200);
    const cookies = { ecart_session: ok.cookies.find((c) => c.name === "ecart_session")?.value as string };
    const out = await app.inject({
      method: "DELETE",
      url: "/api/session",
      cookies,
      headers: { ...CSRF, "x-forwarded-for": "198.51.100.5" },
    });
    expect(out.statusCode).toBe(204);
    const [inRow, outRow, ...rest] = (await entries()).slice(from);
    expect(rest).toEqual([]);
    const who = { actor: "bo", role: "BO", entity: "BO-LYON", object_type: "account", object_id: "bo" };
    expect(inRow).toMatchObject({
      ...who,
      action: "session.login",
      details: { outcome: "OK", ip: "198.51.100.4" },
    });
    expect(outRow).toMatchObject({
      ...who,
      action: "session.logout",
      details: { outcome: "OK", ip: "198.51.100.5" },
    });
    expect(JSON.stringify(await entries())).not.toContain(cookies.ecart_session);
  });

  it("keeps session entries append-only like every audit entry", async () => {
    await expect(
      tdb.db.kysely
        .updateTable("audit_log")
        .set({ actor: "x" })
        .where("action", "like", "session.%")
        .execute(),
    ).rejects.toThrow(/APPEND_ONLY/);
  });
});
