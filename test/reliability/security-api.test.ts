/**
 * Promise 4 (API) — what the HTTP API guarantees against a hostile or careless client, checked on the
 * live route table (the OpenAPI document), not on a list written by hand: no route open to anonymous
 * callers but health, readiness and login, no write open to a read-only role; session cookie flags; CSRF on
 * cookie writes; login rate limit; uploads by content and size, never served inline; no customer
 * name, email, address or phone in the logs.
 * (The API fuzzer is fuzz-api.test.ts.)
 */
import type { FastifyInstance, InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createApiToken } from "../../src/accounts/store.js";
import { buildApp, MAX_UPLOAD_BYTES } from "../../src/http/app.js";
import { CSRF_HEADER, CSRF_VALUE } from "../../src/http/auth.js";
import { ErrorCode } from "../../src/platform/errors.js";
import type { AccountRole } from "../../src/platform/schema.js";
import { memoryLogger } from "../http/helpers.js";
import { multipart, PDF } from "../http/multipart.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { givenServicePoints, servicePointFixture } from "../support/factories.js";
import { fingerprint } from "./support.js";
import { seedWorld, validInputs, type World } from "./world.js";

const NOW = new Date("2024-03-05T10:00:00+01:00");
const PASSWORD = "correct horse battery staple";
const ROLES: AccountRole[] = ["FO", "BO", "EUROS", "SUPERVISOR", "ADMIN"];

/** The customer whose personal data must never reach a log line. */
const CUSTOMER = {
  name: "Gwendoline Zylberstein",
  email: "gwendoline.zylberstein@example.fr",
  phone: "06 98 76 54 32",
  address: "77 impasse des Hérons-Cendrés, 69009 Lyon",
};
const PII = [
  CUSTOMER.name,
  "Zylberstein",
  "Gwendoline",
  CUSTOMER.email,
  "gwendoline.zylberstein",
  CUSTOMER.phone,
  "98 76 54",
  "impasse des Hérons",
  "Hérons-Cendrés",
];

describe("API security and fuzzing (PGlite)", () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let world: World;
  const log = memoryLogger("trace");
  const tokens = {} as Record<AccountRole, string>;
  const as = (role: AccountRole, o: InjectOptions) =>
    app.inject({ ...o, headers: { ...(o.headers ?? {}), authorization: `Bearer ${tokens[role]}` } });

  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    // The production log options, at the most talkative level, into memory.
    const logger = log.logger;
    app = await buildApp({ db: t.db, clock: () => NOW, webDist: null, logger, loginAttemptsPerMinute: 5 });
    for (const role of ROLES) {
      const a = await createAccount(
        t.db.kysely,
        { username: `${role.toLowerCase()}.sec`, role, entity: `${role}-LYON`, password: PASSWORD },
        NOW,
      );
      tokens[role] = await createApiToken(t.db.kysely, a.id, "tests", NOW);
    }
    world = await seedWorld(t.db, "SEC");
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  /** Every (method, url) of the live route table, path parameters filled with an unknown id. */
  const liveRoutes = () => {
    const doc = (
      app as unknown as { swagger(): { paths: Record<string, Record<string, unknown>> } }
    ).swagger();
    const out: Array<{ method: string; url: string }> = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        out.push({ method: method.toUpperCase(), url: path.replace(/\{[^}]+\}/g, "X-404") });
      }
    }
    return out;
  };
  const PUBLIC = new Set(["GET /api/health", "GET /api/ready", "POST /api/session"]);

  it("refuses anonymous calls on every route of the live table but health, readiness and login (401)", async () => {
    const routes = liveRoutes().filter((r) => r.url.startsWith("/api/"));
    expect(routes.length).toBeGreaterThan(40);
    for (const r of routes) {
      if (PUBLIC.has(`${r.method} ${r.url}`)) continue;
      const res = await app.inject({
        method: r.method as "GET",
        url: r.url,
        headers: { [CSRF_HEADER]: CSRF_VALUE },
        ...(r.method === "GET" ? {} : { payload: {} }),
      });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
      expect(res.json().error.code).toBe("UNAUTHENTICATED");
    }
  });

  it("refuses every write of the live table to the read-only role, and a forged bearer token everywhere", async () => {
    const writes = liveRoutes().filter(
      (r) => r.url.startsWith("/api/") && r.method !== "GET" && !PUBLIC.has(`${r.method} ${r.url}`),
    );
    for (const r of writes) {
      if (r.method === "DELETE" && r.url === "/api/session") continue; // logging out is every account's right
      // Changing one's own password is every account's right too (the empty body is refused, not the role).
      const own = r.method === "POST" && r.url === "/api/me/password";
      const res = await as("SUPERVISOR", { method: r.method as "POST", url: r.url, payload: {} });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(own ? 400 : 403);
      const forged = await app.inject({
        method: r.method as "POST",
        url: r.url,
        payload: {},
        headers: { authorization: `Bearer ${tokens.BO}x` },
      });
      expect(forged.statusCode, `${r.method} ${r.url}`).toBe(401);
    }
  });

  const login = (extra: Record<string, string> = {}, a: FastifyInstance = app, user = "bo.sec") =>
    a.inject({
      method: "POST",
      url: "/api/session",
      payload: { username: user, password: PASSWORD },
      headers: { [CSRF_HEADER]: CSRF_VALUE, ...extra },
    });

  it("sets the session cookie HttpOnly and SameSite=Strict, and Secure when configured or over https", async () => {
    const plain = await login();
    expect(plain.statusCode, plain.body).toBe(200);
    const c = plain.cookies.find((x) => x.name === "ecart_session");
    expect(c).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });
    // Behind a TLS-terminating proxy, and with ECART_SECURE_COOKIES=1, the cookie is Secure.
    for (const opts of [{ secureCookies: true }, { trustProxy: 1 }]) {
      const a = await buildApp({ db: t.db, clock: () => NOW, webDist: null, ...opts });
      try {
        const r = await login({ "x-forwarded-proto": "https" }, a, "fo.sec");
        const sc = r.cookies.find((x) => x.name === "ecart_session");
        expect(sc, JSON.stringify(opts)).toMatchObject({ httpOnly: true, sameSite: "Strict", secure: true });
      } finally {
        await a.close();
      }
    }
  });

  it("refuses a cookie-authenticated write without the anti-CSRF header, and writes nothing", async () => {
    const r = await login({}, app, "fo.sec");
    const cookie = `ecart_session=${r.cookies.find((x) => x.name === "ecart_session")?.value}`;
    const before = await fingerprint(t.db);
    const body = { ...validInputs(world).moveIn };
    const forged = await app.inject({
      method: "POST",
      url: "/api/move-ins",
      payload: body,
      headers: { cookie },
    });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().error.code).toBe("CSRF_REJECTED");
    const wrongValue = await app.inject({
      method: "POST",
      url: "/api/move-ins",
      payload: body,
      headers: { cookie, [CSRF_HEADER]: "XMLHttpRequest" },
    });
    expect(wrongValue.statusCode).toBe(403);
    const after = await fingerprint(t.db);
    // Only the session's last-seen time may move: nothing of the business data.
    delete before.sessions;
    delete after.sessions;
    expect(after).toEqual(before);
    // The same request from the console (header set) goes through the normal checks.
    const ok = await app.inject({
      method: "POST",
      url: "/api/move-ins/check",
      payload: body,
      headers: { cookie, [CSRF_HEADER]: CSRF_VALUE },
    });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it("limits login attempts: after 3 in a minute, even the right password gets 429", async () => {
    const a = await buildApp({ db: t.db, clock: () => NOW, webDist: null, loginAttemptsPerMinute: 3 });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await a.inject({
          method: "POST",
          url: "/api/session",
          payload: { username: "bo.sec", password: `wrong-${i}` },
          headers: { [CSRF_HEADER]: CSRF_VALUE },
        });
        codes.push(r.statusCode);
      }
      expect(codes).toEqual([401, 401, 401]);
      const right = await login({}, a);
      expect(right.statusCode).toBe(429);
      expect(right.json().error.code).toBe("RATE_LIMITED");
      expect(right.cookies.find((x) => x.name === "ecart_session")).toBeUndefined();
    } finally {
      await a.close();
    }
  });

  it("checks uploads by content and size, writes nothing for a refused one, never serves a proof inline", async () => {
    const url = `/api/cases/${world.gapCase}/proofs`;
    const fields = { kind: "METER_PHOTO", date: "2024-03-04", index: "1010", meterSerial: "A12345" };
    const before = await fingerprint(t.db);
    const html = Buffer.from("<!doctype html><script>alert(document.cookie)</script>");
    const refused = [
      multipart(fields, { name: "photo.pdf", type: "application/pdf", bytes: html }),
      multipart(fields, { name: "photo.html", type: "text/html", bytes: html }),
      multipart(fields, {
        name: "x.svg",
        type: "image/svg+xml",
        bytes: Buffer.from("<svg onload=alert(1)>"),
      }),
      multipart(fields, {
        name: "big.pdf",
        type: "application/pdf",
        bytes: Buffer.concat([PDF, Buffer.alloc(MAX_UPLOAD_BYTES)]),
      }),
      multipart(fields, { name: "empty.pdf", type: "application/pdf", bytes: Buffer.alloc(0) }),
    ];
    for (const body of refused) {
      const r = await as("BO", { method: "POST", url, ...body });
      expect([400, 413, 415]).toContain(r.statusCode);
      expect(Object.values(ErrorCode)).toContain(r.json().error.code);
    }
    // Wrong content type for the whole request.
    const xml = await as("BO", {
      method: "POST",
      url,
      payload: "<proof/>",
      headers: { "content-type": "application/xml" },
    });
    expect(xml.statusCode).toBe(415);
    expect(await fingerprint(t.db)).toEqual(before);

    // A real PDF declared as HTML is stored as a PDF, and served as an attachment, never sniffed.
    const good = multipart(fields, { name: "<b>photo</b>.html", type: "text/html", bytes: PDF });
    const r = await as("BO", { method: "POST", url, ...good });
    expect(r.statusCode, r.body).toBe(200);
    const proof = r.json().proof as string;
    const file = await as("FO", { method: "GET", url: `/api/proofs/${proof}/file` });
    expect(file.statusCode).toBe(200);
    expect(file.headers["content-type"]).toMatch(/^application\/pdf/);
    expect(String(file.headers["content-disposition"])).toMatch(/^attachment;/);
    expect(String(file.headers["content-disposition"])).not.toMatch(/[<>]/);
    expect(file.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("never writes a customer's name, email, phone or address to the log during a whole journey", async () => {
    const sp = servicePointFixture({ address: CUSTOMER.address });
    await givenServicePoints(t.db, sp);
    const customer = { ...CUSTOMER };
    const r1 = await login({}, app, "fo.sec");
    expect(r1.statusCode).toBe(200);
    const move = {
      servicePoint: sp.id,
      customer,
      date: "2024-03-02",
      index: 1012,
      reconnection: false,
      proof: "WILL_SEND",
    };
    const steps = [
      await as("FO", { method: "POST", url: "/api/move-ins/check", payload: move }),
      await as("FO", {
        method: "POST",
        url: "/api/move-ins",
        payload: { ...move, customer: { ...customer, email: CUSTOMER.name } },
      }),
      await as("FO", { method: "POST", url: "/api/move-ins", payload: { ...move, index: 10.5 } }),
      await as("FO", {
        method: "POST",
        url: "/api/move-ins",
        payload: move,
        headers: { "idempotency-key": "pii-1" },
      }),
      await as("FO", {
        method: "POST",
        url: "/api/move-ins",
        payload: move,
        headers: { "idempotency-key": "pii-1" },
      }),
      await as("FO", {
        method: "POST",
        url: "/api/move-ins",
        payload: { ...move, customer: { ...customer, name: "Quelqu'un d'autre" } },
      }),
      await as("FO", { method: "GET", url: `/api/search?q=${encodeURIComponent(CUSTOMER.name)}` }),
      await as("FO", { method: "GET", url: `/api/search?q=${encodeURIComponent(CUSTOMER.email)}` }),
      await as("FO", { method: "GET", url: `/api/service-points/${sp.id}` }),
      await as("FO", { method: "GET", url: "/api/outbox" }),
      await as("SUPERVISOR", { method: "GET", url: "/api/reports/new-customers.csv" }),
    ];
    expect(steps.map((s) => s.statusCode)).toEqual([200, 400, 400, 200, 200, 200, 200, 200, 200, 200, 200]);
    const caseId = steps[3]?.json().case as string;
    await as("FO", { method: "GET", url: `/api/cases/${caseId}` });
    await as("BO", {
      method: "POST",
      url: `/api/cases/${caseId}/proofs`,
      ...multipart(
        { kind: "SALE_DEED", date: "2024-03-01", index: "1012", meterSerial: "A12345" },
        { name: `${CUSTOMER.name}.pdf`, type: "application/pdf", bytes: PDF },
      ),
    });
    const text = log.text();
    expect(text.length).toBeGreaterThan(1000); // the log was really captured
    for (const s of PII) expect(text, `log contains "${s}"`).not.toContain(s);
  });
});
