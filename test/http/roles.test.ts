/** R14 at the API: every role × every route, 403 exactly where the role may not; 401 without login. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMAND_ROUTES } from "../../src/http/routes/commands.js";
import type { AccountRole } from "../../src/platform/schema.js";
import { COMMANDS } from "../../src/registry.js";
import { ENGINES } from "../support/databases.js";
import { PEOPLE, ROLES, type TestApi, testApi } from "./helpers.js";

type Method = "GET" | "POST" | "PUT";
/** The expected matrix, written from SPEC R14 (not derived from the code under test). */
const FO = ["FO", "BO"] as const;
const BO = ["BO"] as const;
const ALL = PEOPLE;
/** The billing system's account (SPEC §8). */
const CIS = ["INTEGRATION"] as const;
const REPORTS = ["SUPERVISOR", "ADMIN"] as const;
/** Whoever works cases comments on them (docs/decisions.md): EUROS on INT_EUROS cases only, checked by the command. */
const CASE_WORK = ["FO", "BO", "EUROS"] as const;
const MATRIX: Array<{ method: Method; url: string; body?: unknown; allowed: readonly AccountRole[] }> = [
  { method: "GET", url: "/api/search?q=rue", allowed: ALL },
  { method: "GET", url: "/api/service-points/X-404", allowed: ALL },
  { method: "GET", url: "/api/cases", allowed: ALL },
  { method: "GET", url: "/api/cases/X-404", allowed: ALL },
  { method: "GET", url: "/api/proofs/X-404/file", allowed: ALL },
  { method: "GET", url: "/api/contests", allowed: ALL },
  { method: "GET", url: "/api/outbox", allowed: ALL },
  { method: "GET", url: "/api/outbox/X-404/preview", allowed: ALL },
  { method: "POST", url: "/api/move-ins/check", body: {}, allowed: FO },
  { method: "POST", url: "/api/move-ins", body: {}, allowed: FO },
  { method: "POST", url: "/api/subscriptions/X-404/move-out", body: {}, allowed: FO },
  { method: "POST", url: "/api/subscriptions/X-404/mutation", body: {}, allowed: FO },
  { method: "POST", url: "/api/cases/X-404/no-proof", body: {}, allowed: FO },
  { method: "POST", url: "/api/subscriptions/X-404/contests", body: {}, allowed: FO },
  { method: "POST", url: "/api/service-points/X-404/readings", body: {}, allowed: [...FO, ...CIS] },
  { method: "POST", url: "/api/cases/X-404/proofs", body: {}, allowed: BO },
  { method: "POST", url: "/api/cases/X-404/proofs/check", body: {}, allowed: BO },
  { method: "POST", url: "/api/cases/X-404/proof-requests", body: {}, allowed: BO },
  { method: "POST", url: "/api/cases/X-404/intervention-report", body: {}, allowed: BO },
  { method: "POST", url: "/api/readings/X-404/corrections", body: {}, allowed: BO },
  { method: "POST", url: "/api/readings/X-404/confirmations", body: {}, allowed: BO },
  { method: "POST", url: "/api/contests/X-404/answer", body: {}, allowed: BO },
  { method: "POST", url: "/api/contests/X-404/persists", body: {}, allowed: BO },
  { method: "POST", url: "/api/cases/X-404/close-regularization", body: {}, allowed: ["EUROS"] },
  { method: "POST", url: "/api/cases/X-404/comments", body: {}, allowed: CASE_WORK },
  { method: "POST", url: "/api/commands/moveIn", body: {}, allowed: FO },
  { method: "POST", url: "/api/commands/moveOut", body: {}, allowed: FO },
  { method: "POST", url: "/api/commands/mutation", body: {}, allowed: FO },
  { method: "POST", url: "/api/commands/declareNoProof", body: {}, allowed: FO },
  { method: "POST", url: "/api/commands/contest", body: {}, allowed: FO },
  { method: "POST", url: "/api/commands/recordReading", body: {}, allowed: FO },
  { method: "POST", url: "/api/commands/receiveProof", body: {}, allowed: BO },
  { method: "POST", url: "/api/commands/requestProof", body: {}, allowed: BO },
  { method: "POST", url: "/api/commands/interventionReport", body: {}, allowed: BO },
  { method: "POST", url: "/api/commands/correctReading", body: {}, allowed: BO },
  { method: "POST", url: "/api/commands/confirmReading", body: {}, allowed: BO },
  { method: "POST", url: "/api/commands/answerContest", body: {}, allowed: BO },
  { method: "POST", url: "/api/commands/contestPersists", body: {}, allowed: BO },
  { method: "POST", url: "/api/commands/closeRegularization", body: {}, allowed: ["EUROS"] },
  { method: "POST", url: "/api/commands/addComment", body: {}, allowed: CASE_WORK },
  { method: "POST", url: "/api/commands/attachDocument", body: {}, allowed: FO },
  { method: "POST", url: "/api/cases/X-404/documents", body: {}, allowed: FO },
  { method: "GET", url: "/api/cases/X-404/documents", allowed: ALL },
  { method: "GET", url: "/api/documents/X-404/file", allowed: ALL },
  { method: "POST", url: "/api/outbox/X-404/retry", body: {}, allowed: ["BO", "ADMIN"] },
  { method: "GET", url: "/api/reports/cases-by-entity", allowed: REPORTS },
  { method: "GET", url: "/api/reports/cases-by-entity.csv", allowed: REPORTS },
  { method: "GET", url: "/api/reports/new-customers", allowed: REPORTS },
  { method: "GET", url: "/api/reports/new-customers.csv", allowed: REPORTS },
  { method: "GET", url: "/api/reports/intermediate-consumption", allowed: REPORTS },
  { method: "GET", url: "/api/reports/intermediate-consumption.csv", allowed: REPORTS },
  { method: "GET", url: "/api/reports/freshness", allowed: REPORTS },
  { method: "GET", url: "/api/accounts", allowed: ["ADMIN"] },
  { method: "POST", url: "/api/accounts", body: {}, allowed: ["ADMIN"] },
  { method: "POST", url: "/api/accounts/X-404/tokens", body: {}, allowed: ["ADMIN"] },
  { method: "POST", url: "/api/accounts/X-404/disable", allowed: ["ADMIN"] },
  { method: "POST", url: "/api/accounts/X-404/enable", allowed: ["ADMIN"] },
  { method: "POST", url: "/api/accounts/X-404/password", body: {}, allowed: ["ADMIN"] },
  { method: "POST", url: "/api/me/password", body: {}, allowed: ROLES },
  { method: "GET", url: "/api/events", allowed: CIS },
  { method: "PUT", url: "/api/service-points/X-404", body: {}, allowed: CIS },
  { method: "PUT", url: "/api/service-points/X-404/meters/X-404", body: {}, allowed: CIS },
  { method: "POST", url: "/api/service-points/X-404/meter-exchanges", body: {}, allowed: CIS },
  { method: "PUT", url: "/api/subscriptions/X-404", body: {}, allowed: CIS },
];

describe.each(ENGINES)("R14 role matrix over the API (%s)", (engine) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await testApi(engine);
  });
  afterAll(() => t.close());

  it("covers every command route the app has", () => {
    const pattern = (url: string) =>
      (url.split("?")[0] as string)
        .replace("accounts/X-404", "accounts/:username")
        .replace("meters/X-404", "meters/:serial")
        .replace("X-404", ":id");
    const urls = new Set(MATRIX.map((r) => pattern(r.url)));
    for (const r of COMMAND_ROUTES) expect(urls, r.url).toContain(`/api${r.url}`);
    for (const verb of Object.keys(COMMANDS)) expect(urls, verb).toContain(`/api/commands/${verb}`);
    for (const r of MATRIX)
      expect(t.app.hasRoute({ method: r.method, url: pattern(r.url) }), r.url).toBe(true);
  });

  it("answers 401 to every protected route without a session or token", async () => {
    for (const r of MATRIX) {
      const res = await t.app.inject({
        method: r.method,
        url: r.url,
        payload: r.body as object,
        headers: { "x-requested-with": "ecart" },
      });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
      expect(res.json().error.code).toBe("UNAUTHENTICATED");
    }
  });

  const cells = MATRIX.flatMap((r) => ROLES.map((role) => ({ ...r, role })));
  it.each(cells)("$role $method $url", async ({ method, url, body, role, allowed }) => {
    const res = await t.as(role, { method, url, payload: body as object });
    if (allowed.includes(role)) {
      expect(res.statusCode, res.body).not.toBe(403);
      expect(res.statusCode, res.body).not.toBe(401);
    } else {
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().error.code).toBe("FORBIDDEN");
    }
  });
});
