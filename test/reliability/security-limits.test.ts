/**
 * Promise 4 (limits, issue 14 #3 and #4) — whom the server believes about a client's address, and how
 * much a client may make it work: `X-Forwarded-For` counts only from configured proxies (by address or
 * hop count, never every hop), failed logins are limited per account from any address, own password
 * changes per account and per address, and password hashing is bounded (503 BUSY past it).
 */
import type { FastifyInstance, InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  HashSlots,
  hashSlots,
  MAX_CONCURRENT_HASHES,
  MAX_WAITING_HASHES,
} from "../../src/accounts/passwords.js";
import { createAccount, createApiToken } from "../../src/accounts/store.js";
import { type AppOptions, buildApp } from "../../src/http/app.js";
import { isPrivateAddress, parseTrustProxy } from "../../src/http/network.js";
import { EcartError } from "../../src/platform/errors.js";
import { NOW } from "../http/helpers.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";

const PASSWORD = "un-secret-assez-long";
const CSRF = { "x-requested-with": "ecart" };
const MINUTE = 60_000;

describe("ECART_TRUST_PROXY", () => {
  it("reads a hop count or addresses, and refuses to trust every hop", () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy("")).toBe(false);
    expect(parseTrustProxy("0")).toBe(false);
    expect(parseTrustProxy("1")).toBe(1);
    expect(parseTrustProxy(" 10.0.0.5, 10.1.0.0/16 ,::1,loopback")).toEqual([
      "10.0.0.5",
      "10.1.0.0/16",
      "::1",
      "loopback",
    ]);
    for (const bad of ["true", "*", "all", "10.0.0.300", "10.0.0.0/33", "proxy.example", "99"]) {
      expect(() => parseTrustProxy(bad), bad).toThrow(EcartError);
    }
    expect(isPrivateAddress("127.0.0.1")).toBe(true);
    expect(isPrivateAddress("::ffff:10.2.3.4")).toBe(true);
    expect(isPrivateAddress("198.51.100.7")).toBe(false);
  });
});

describe.each(ENGINES)("login and password limits (%s)", (engine) => {
  let t: TestDatabase;
  const apps: FastifyInstance[] = [];
  const tokens: Record<string, string> = {};
  const app = async (opts: Partial<AppOptions>) => {
    const a = await buildApp({ db: t.db, clock: () => NOW, webDist: null, ...opts });
    apps.push(a);
    return a;
  };
  const login = (a: FastifyInstance, username: string, password: string, o: Partial<InjectOptions> = {}) =>
    a.inject({
      method: "POST",
      url: "/api/session",
      payload: { username, password },
      ...o,
      headers: { ...CSRF, ...(o.headers ?? {}) },
    });
  const refusalsFrom = async () =>
    (
      await t.db.kysely
        .selectFrom("audit_log")
        .select("details")
        .where("action", "=", "session.login_refused")
        .orderBy("id")
        .execute()
    ).map((r) => (typeof r.details === "string" ? JSON.parse(r.details) : r.details).ip);

  beforeAll(async () => {
    t = await createTestDatabase(engine);
    for (const username of ["bo.lim", "fo.lim", "a.lim", "b.lim", "c.lim"]) {
      const a = await createAccount(
        t.db.kysely,
        { username, role: "BO", entity: "BO-LYON", password: PASSWORD },
        NOW,
      );
      tokens[username] = await createApiToken(t.db.kysely, a.id, "tests", NOW);
    }
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await t?.drop();
  });

  it("believes X-Forwarded-For only from the configured proxies: a forged one neither escapes the limit nor forges the audited address", async () => {
    // One proxy in front (ECART_TRUST_PROXY=1): the address it appends is the client's, whatever precedes it.
    const behindOne = await app({ trustProxy: parseTrustProxy("1"), loginAttemptsPerMinute: 3 });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await login(behindOne, "fo.lim", `wrong-${i}`, {
        remoteAddress: "127.0.0.1",
        headers: { "x-forwarded-for": `198.51.100.${i}, 203.0.113.9` },
      });
      codes.push(r.statusCode);
    }
    expect(codes).toEqual([401, 401, 401, 429, 429]);
    expect(await refusalsFrom()).toEqual(["203.0.113.9", "203.0.113.9", "203.0.113.9"]);

    // A client reaching the server directly from a public address cannot pose as a proxy.
    const direct = await app({ trustProxy: parseTrustProxy("1"), loginAttemptsPerMinute: 2 });
    const forged = [];
    for (let i = 0; i < 3; i++) {
      const r = await login(direct, "fo.lim", `wrong-${i}`, {
        remoteAddress: "198.51.100.77",
        headers: { "x-forwarded-for": `10.9.9.${i}` },
      });
      forged.push(r.statusCode);
    }
    expect(forged).toEqual([401, 401, 429]);
    expect((await refusalsFrom()).slice(-2)).toEqual(["198.51.100.77", "198.51.100.77"]);

    // Proxies named by address: only theirs is believed.
    const named = await app({ trustProxy: parseTrustProxy("127.0.0.1"), loginAttemptsPerMinute: 100 });
    await login(named, "fo.lim", "wrong", {
      remoteAddress: "127.0.0.1",
      headers: { "x-forwarded-for": "192.0.2.1, 203.0.113.10" },
    });
    await login(named, "fo.lim", "wrong", {
      remoteAddress: "198.51.100.78",
      headers: { "x-forwarded-for": "192.0.2.2" },
    });
    expect((await refusalsFrom()).slice(-2)).toEqual(["203.0.113.10", "198.51.100.78"]);
  });

  it("limits failed logins per account from any address: past the limit even the right password is refused", async () => {
    const a = await app({
      loginAttemptsPerMinute: 100,
      limits: { loginFailuresPerAccount: { max: 3, windowMs: 15 * MINUTE } },
    });
    const typed = ["bo.lim", "BO.LIM", " Bo.Lim "];
    for (const [i, name] of typed.entries()) {
      const r = await login(a, name, "wrong-password", { remoteAddress: `198.51.100.${10 + i}` });
      expect(r.statusCode).toBe(401);
    }
    const right = await login(a, "bo.lim", PASSWORD, { remoteAddress: "192.0.2.99" });
    expect(right.statusCode).toBe(429);
    expect(right.json().error.code).toBe("RATE_LIMITED");
    expect(right.json().error.message).toMatch(/^Trop de tentatives pour ce compte/);
    expect(right.cookies.find((c) => c.name === "ecart_session")).toBeUndefined();
    // Another account, from the same addresses, is not affected.
    expect((await login(a, "fo.lim", PASSWORD, { remoteAddress: "198.51.100.10" })).statusCode).toBe(200);
  });

  it("limits own password changes per account and per client address (429)", async () => {
    const a = await app({
      limits: {
        passwordChangesPerAccount: { max: 3, windowMs: 15 * MINUTE },
        passwordChangesPerAddress: { max: 5, windowMs: 15 * MINUTE },
      },
    });
    const change = (who: string, currentPassword: string, from: string) =>
      a.inject({
        method: "POST",
        url: "/api/me/password",
        remoteAddress: from,
        headers: { authorization: `Bearer ${tokens[who]}` },
        payload: { currentPassword, newPassword: "un-nouveau-secret-tres-long" },
      });
    const codes = [];
    for (let i = 0; i < 3; i++)
      codes.push((await change("a.lim", `wrong-${i}`, `198.51.100.${20 + i}`)).statusCode);
    const right = await change("a.lim", PASSWORD, "198.51.100.30");
    expect([...codes, right.statusCode]).toEqual([400, 400, 400, 429]);
    expect(right.json().error.code).toBe("RATE_LIMITED");

    // One address, several accounts: the sixth attempt from it is refused, the same account elsewhere is not.
    const fromOne = [];
    for (const who of ["b.lim", "b.lim", "b.lim", "c.lim", "c.lim", "c.lim"])
      fromOne.push((await change(who, "wrong", "203.0.113.50")).statusCode);
    expect(fromOne).toEqual([400, 400, 400, 400, 400, 429]);
    expect((await change("c.lim", "wrong", "203.0.113.51")).statusCode).toBe(400);
  });

  it("bounds concurrent password hashing: past its slots and queue, a login or a password change answers 503 BUSY in French", async () => {
    const a = await app({ loginAttemptsPerMinute: 100 });
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const held = Array.from({ length: MAX_CONCURRENT_HASHES + MAX_WAITING_HASHES }, () =>
      hashSlots.run(() => gate),
    );
    expect(hashSlots.load).toEqual({ running: MAX_CONCURRENT_HASHES, waiting: MAX_WAITING_HASHES });
    try {
      const busy = await login(a, "fo.lim", PASSWORD);
      expect(busy.statusCode).toBe(503);
      expect(busy.json().error).toMatchObject({ code: "BUSY", message: expect.stringMatching(/réessayez/) });
      const change = await a.inject({
        method: "POST",
        url: "/api/me/password",
        headers: { authorization: `Bearer ${tokens["fo.lim"]}` },
        payload: { currentPassword: PASSWORD, newPassword: "un-nouveau-secret-tres-long" },
      });
      expect(change.statusCode).toBe(503);
    } finally {
      release();
      await Promise.all(held);
    }
    expect(hashSlots.load).toEqual({ running: 0, waiting: 0 });
    expect((await login(a, "fo.lim", PASSWORD)).statusCode).toBe(200);
  });
});

describe("HashSlots", () => {
  it("runs at most `slots` at once, queues up to `queue`, refuses the rest, and hands each freed slot on", async () => {
    const slots = new HashSlots(2, 3);
    let running = 0;
    let most = 0;
    const gates: Array<() => void> = [];
    const work = () =>
      new Promise<void>((resolve) => {
        running += 1;
        most = Math.max(most, running);
        gates.push(() => {
          running -= 1;
          resolve();
        });
      });
    const accepted = Array.from({ length: 5 }, () => slots.run(work));
    await expect(slots.run(work)).rejects.toMatchObject({ code: "BUSY" });
    expect(slots.load).toEqual({ running: 2, waiting: 3 });
    while (gates.length > 0 || slots.load.running > 0) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(accepted);
    expect(most).toBe(2);
    expect(slots.load).toEqual({ running: 0, waiting: 0 });
  });
});
