/**
 * Promise: security headers (issue 14 #5) — every answer, the console's page, the API (answers and
 * errors) and `/docs`, carries a Content-Security-Policy limited to the server itself that no other site
 * may frame, `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`; nothing under `/api`
 * may be kept by a cache (`Cache-Control: no-store`), whatever the path's spelling.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createApiToken } from "../../src/accounts/store.js";
import { buildApp } from "../../src/http/app.js";
import { NOW } from "../http/helpers.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";

/** The CSP directives read from a header: name → sources. */
function directives(csp: string | undefined): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const part of (csp ?? "").split(";")) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) m.set(name.toLowerCase(), sources);
  }
  return m;
}

function expectSecurityHeaders(r: LightMyRequestResponse, what: string) {
  const csp = directives(r.headers["content-security-policy"] as string | undefined);
  expect(csp.get("default-src"), `${what}: default-src`).toEqual(["'self'"]);
  expect(csp.get("frame-ancestors"), `${what}: frame-ancestors`).toEqual(["'none'"]);
  expect(csp.get("object-src"), `${what}: object-src`).toEqual(["'none'"]);
  // No script from anywhere but the server, never inline.
  for (const src of csp.get("script-src") ?? ["'self'"]) expect(src, `${what}: script-src`).toBe("'self'");
  expect(r.headers["x-content-type-options"], what).toBe("nosniff");
  expect(r.headers["referrer-policy"], what).toBe("no-referrer");
  expect(r.headers["x-frame-options"], what).toBe("DENY");
}

describe.each(ENGINES)("security headers (%s)", (engine) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let token: string;
  let web: string;

  beforeAll(async () => {
    t = await createTestDatabase(engine);
    web = mkdtempSync(join(tmpdir(), "ecart-web-"));
    writeFileSync(join(web, "index.html"), "<!doctype html><title>Écart</title><div id=root></div>");
    app = await buildApp({ db: t.db, clock: () => NOW, webDist: web });
    const a = await createAccount(
      t.db.kysely,
      { username: "admin.headers", role: "ADMIN", entity: "SIEGE", password: null },
      NOW,
    );
    token = await createApiToken(t.db.kysely, a.id, "tests", NOW);
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
    rmSync(web, { recursive: true, force: true });
  });

  it("sends the CSP, nosniff and no-referrer on the console, the API and its errors", async () => {
    const bearer = { authorization: `Bearer ${token}` };
    const answers: Array<[string, LightMyRequestResponse]> = [
      ["console /", await app.inject({ method: "GET", url: "/" })],
      ["console route", await app.inject({ method: "GET", url: "/dossiers/42" })],
      ["api read", await app.inject({ method: "GET", url: "/api/accounts", headers: bearer })],
      ["api 401", await app.inject({ method: "GET", url: "/api/accounts" })],
      ["api 404", await app.inject({ method: "GET", url: "/api/nowhere", headers: bearer })],
      ["health", await app.inject({ method: "GET", url: "/api/health" })],
    ];
    const docs = await app.inject({ method: "GET", url: "/docs/static/swagger-ui.css", headers: bearer });
    answers.push(["docs", docs]);
    for (const [what, r] of answers) expectSecurityHeaders(r, what);
    expect(answers[0]?.[1].statusCode).toBe(200);
    expect(answers[2]?.[1].statusCode).toBe(200);
    // Swagger UI's inline styles are allowed at /docs only (docsCsp), on the policy set for every answer.
    expect(docs.statusCode).toBe(200);
    const style = (r: LightMyRequestResponse) =>
      directives(r.headers["content-security-policy"] as string | undefined).get("style-src");
    expect(style(docs)).toEqual(["'self'", "'unsafe-inline'"]);
    expect(style(answers[0]?.[1] as LightMyRequestResponse)).toEqual(["'self'"]);
  });

  it("forbids caching anything under /api, whatever the path's spelling, and not the console", async () => {
    const bearer = { authorization: `Bearer ${token}` };
    for (const url of ["/api/accounts", "/%61pi/accounts", "/api/me", "/api/nowhere"]) {
      const r = await app.inject({ method: "GET", url, headers: bearer });
      expect(r.headers["cache-control"], url).toBe("no-store");
    }
    const anonymous = await app.inject({ method: "GET", url: "/api/me" });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers["cache-control"]).toBe("no-store");
    const page = await app.inject({ method: "GET", url: "/" });
    expect(page.headers["cache-control"] ?? "").not.toContain("no-store");
  });
});
