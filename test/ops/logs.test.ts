/**
 * Logs (issue 17 item 6): one JSON line per event; a request's line names its id, route, status, the
 * actor (account id and role, never a name) and the command's verb; the level comes from LOG_LEVEL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, loggerOptions } from "../../src/http/app.js";
import { memoryLogger, memorySink, type TestApi, testApi } from "../http/helpers.js";
import { givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

describe("request log lines", () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await testApi("pglite");
    await givenServicePoints(t.tdb.db, servicePointFixture({ id: "PDS-LOG" }));
  });
  afterAll(() => t?.close());

  it("writes one JSON line per request with its id, route, status, actor and verb, and nothing of the customer", async () => {
    const log = memoryLogger("info");
    const app = await buildApp({ db: t.tdb.db, webDist: null, logger: log.logger });
    try {
      const move = moveInRequest("PDS-LOG", { index: 1012 });
      const r = await app.inject({
        method: "POST",
        url: "/api/move-ins",
        payload: move,
        headers: { authorization: `Bearer ${t.tokens.FO}` },
      });
      expect(r.statusCode).toBe(200);
      await app.inject({ url: "/api/health", headers: { "x-request-id": "ignored" } });
      const raw = log.text().trim().split("\n");
      // Each key once: a log reader may refuse a line with a key twice, or keep either value.
      for (const l of raw) expect(l.match(/"reqId":/g)?.length ?? 0, l).toBeLessThanOrEqual(1);
      const lines = raw.map((l) => JSON.parse(l) as Record<string, unknown>);
      const requests = lines.filter((l) => l.msg === "request");
      expect(requests).toHaveLength(2);
      expect(requests[0]).toMatchObject({
        level: 30,
        reqId: expect.any(String),
        method: "POST",
        route: "/api/move-ins",
        status: 200,
        actor: expect.stringMatching(/^account:\d+$/),
        role: "FO",
        via: "bearer",
        verb: "moveIn",
      });
      expect(requests[1]).toMatchObject({ route: "/api/health", status: 200, actor: null, verb: null });
      expect(requests[0]?.reqId).not.toBe(requests[1]?.reqId);
      const text = log.text();
      for (const s of [move.customer.name, move.customer.email, move.customer.address])
        expect(text).not.toContain(s);
    } finally {
      await app.close();
    }
  });

  it("takes its level from LOG_LEVEL", async () => {
    const before = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = "warn";
    try {
      expect(loggerOptions()).toMatchObject({ level: "warn" });
      const { stream, text } = memorySink();
      const app = await buildApp({
        db: t.tdb.db,
        webDist: null,
        logger: { ...(loggerOptions() as object), stream },
      });
      await app.inject({ url: "/api/health" });
      await app.close();
      expect(text()).toBe(""); // an info line (the request) is below warn
    } finally {
      if (before === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = before;
    }
  });
});
