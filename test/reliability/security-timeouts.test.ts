/**
 * Promise 4 (slow clients, issue 14 #6) — on a real loopback server with short timeouts: a client that
 * sends its headers or its body too slowly is cut off in bounded time, and requests that never finish use
 * up nothing of the login allowance of their address (it is counted once a request is whole).
 */
import type { AddressInfo, Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../src/accounts/store.js";
import { buildApp } from "../../src/http/app.js";
import { DEFAULT_TIMEOUTS } from "../../src/http/network.js";
import { NOW } from "../http/helpers.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { openSocket, rawRequest } from "../support/raw-http.js";

const PASSWORD = "un-secret-assez-long";
const TIMEOUTS = { requestMs: 1500, headersMs: 1000, idleMs: 5000, checkEveryMs: 100 };
/** Longest a cut-off may take past its timeout on a busy shared machine. */
const SLACK_MS = 2500;

/** Milliseconds until the server closes the socket (what it sent meanwhile), or a rejection past `limitMs`. */
function closedWithin(s: Socket, limitMs: number): Promise<{ ms: number; received: string }> {
  const start = Date.now();
  let received = "";
  s.on("data", (c) => {
    received += c.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`socket still open after ${limitMs} ms`));
    }, limitMs);
    s.once("close", () => {
      clearTimeout(timer);
      resolve({ ms: Date.now() - start, received });
    });
    s.on("error", () => {});
  });
}

describe.each(ENGINES)("slow clients (%s)", (engine) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
    app = await buildApp({
      db: t.db,
      clock: () => NOW,
      webDist: null,
      loginAttemptsPerMinute: 3,
      timeouts: TIMEOUTS,
    });
    await createAccount(
      t.db.kysely,
      { username: "fo.slow", role: "FO", entity: "FO-LYON", password: PASSWORD },
      NOW,
    );
    await app.listen({ host: "127.0.0.1", port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it("has request, header and idle timeouts by default", () => {
    expect(DEFAULT_TIMEOUTS.requestMs).toBeLessThanOrEqual(60_000);
    expect(DEFAULT_TIMEOUTS.headersMs).toBeLessThanOrEqual(DEFAULT_TIMEOUTS.requestMs);
    expect(DEFAULT_TIMEOUTS.idleMs).toBeGreaterThan(0);
  });

  it("cuts off slow bodies and slow headers in bounded time; unfinished logins use up nothing of the address's allowance", async () => {
    const body = JSON.stringify({ username: "fo.slow", password: PASSWORD });
    // Five logins whose body never finishes: more than the three attempts a minute allowed per address.
    const slowBodies = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const s = await openSocket(port);
        s.write(
          `POST /api/session HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-requested-with: ecart\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
        );
        return s;
      }),
    );
    // One whose headers never finish.
    const slowHeaders = await openSocket(port);
    slowHeaders.write("POST /api/session HTTP/1.1\r\nhost: 127.0.0.1\r\nx-requested-with: ecart\r\n");
    const closing = [...slowBodies, slowHeaders].map((s) => closedWithin(s, TIMEOUTS.requestMs + SLACK_MS));

    // Meanwhile the same address logs in: the unfinished requests were not counted.
    await new Promise((r) => setTimeout(r, 200));
    const ok = await rawRequest(
      port,
      "POST",
      "/api/session",
      { "content-type": "application/json", "x-requested-with": "ecart" },
      body,
    );
    expect(ok.status, ok.body).toBe(200);

    const cut = await Promise.all(closing);
    for (const c of cut) {
      expect(c.ms).toBeLessThan(TIMEOUTS.requestMs + SLACK_MS);
      // Nothing was ever answered but a timeout: no login happened on those connections.
      expect(c.received).not.toMatch(/^HTTP\/1\.1 200/);
    }
    const logins = await t.db.kysely
      .selectFrom("audit_log")
      .select("action")
      .where("action", "like", "session.login%")
      .execute();
    expect(logins.map((l) => l.action)).toEqual(["session.login"]);
  }, 30_000);
});
