/**
 * Webhooks (SPEC §8) against a real loopback receiver that verifies every signature with the
 * `standardwebhooks` package: in order, retried with backoff while the receiver fails or is down (status
 * and last error visible), everything in order once it is back; two workers never deliver one event
 * twice; a disabled endpoint waits. Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookCommand } from "../../src/cli/webhook.js";
import { deliverWebhooks, webhookRetryDelayMs } from "../../src/integration/webhook-worker.js";
import { makeConfig } from "../../src/platform/config.js";
import { execute } from "../../src/registry.js";
import { memorySink, type TestApi, testApi } from "../http/helpers.js";
import { ENGINES } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";
import { type Receiver, startReceiver } from "./receiver.js";

describe.each(ENGINES)("webhooks on %s", (engine) => {
  let api: TestApi;
  let rx: Receiver;
  let clock = new Date("2024-03-05T10:00:00Z");
  const now = () => clock;
  beforeAll(async () => {
    api = await testApi(engine);
    rx = await startReceiver();
  });
  afterAll(async () => {
    await rx?.close();
    await api?.close();
  });

  /** Some decisions: a move-in within tolerance, one beyond (two events each side by side). */
  async function decide(n: number) {
    for (let i = 0; i < n; i++) {
      const sp = servicePointFixture();
      await givenServicePoints(api.tdb.db, sp);
      await execute(api.tdb.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: i % 2 ? 1004 : 1030 }));
    }
  }
  const pass = (workerId = "w1") => deliverWebhooks(api.tdb.db, { now, workerId, timeoutMs: 2000 });
  const endpoint = async () =>
    (await api.as("ADMIN", { method: "GET", url: "/api/webhooks" })).json().items[0];

  it("an administrator registers an endpoint; the events after it are delivered in order, signed", async () => {
    await decide(1); // before the endpoint: not sent
    const res = await api.as("ADMIN", {
      method: "POST",
      url: "/api/webhooks",
      payload: { url: rx.url, description: "Odyssée (recette)" },
    });
    expect(res.statusCode, res.body).toBe(200);
    rx.secret = res.json().secret;
    expect(rx.secret).toMatch(/^whsec_/);
    expect((await api.as("FO", { method: "GET", url: "/api/webhooks" })).statusCode).toBe(403);
    await decide(3);
    const r = await pass();
    expect(r).toEqual({ delivered: 3, failed: 0 });
    expect(rx.refused).toBe(0);
    expect(rx.all.map((x) => x.position)).toEqual([2, 3, 4]);
    expect(rx.all[0]).toMatchObject({ type: "case.opened" });
    expect(rx.all[0]?.data).toMatchObject({ type: "ARR_SPECIAL", servicePoint: expect.any(String) });
    expect(await endpoint()).toMatchObject({
      deliveredPosition: 4,
      pending: 0,
      attempts: 0,
      lastStatus: 204,
    });
  });

  it("a failing receiver: retried with exponential backoff, status and error shown, nothing skipped", async () => {
    await decide(2);
    rx.failWith = 503;
    expect(await pass()).toEqual({ delivered: 0, failed: 1 });
    let e = await endpoint();
    expect(e).toMatchObject({
      attempts: 1,
      lastStatus: 503,
      lastError: "HTTP 503 Service Unavailable",
      pending: 2,
    });
    expect(new Date(e.nextAttemptAt).getTime() - clock.getTime()).toBe(webhookRetryDelayMs(1));
    // Before the next attempt is due: nothing is tried.
    expect(await pass()).toEqual({ delivered: 0, failed: 0 });
    clock = new Date(clock.getTime() + webhookRetryDelayMs(1));
    expect(await pass()).toEqual({ delivered: 0, failed: 1 });
    e = await endpoint();
    expect(e.attempts).toBe(2);
    expect(new Date(e.nextAttemptAt).getTime() - clock.getTime()).toBe(webhookRetryDelayMs(2));
    expect(webhookRetryDelayMs(2)).toBe(2 * webhookRetryDelayMs(1));
    const attempts = await api.as("ADMIN", { method: "GET", url: `/api/webhooks/${e.id}/attempts` });
    expect(attempts.json().items.slice(0, 2)).toMatchObject([
      { eventPosition: 5, attempt: 2, outcome: "FAILED", statusCode: 503 },
      { eventPosition: 5, attempt: 1, outcome: "FAILED", statusCode: 503 },
    ]);
    rx.failWith = null;
    clock = new Date(clock.getTime() + webhookRetryDelayMs(2));
    expect(await pass()).toEqual({ delivered: 2, failed: 0 });
    expect(rx.all.map((x) => x.position)).toEqual([2, 3, 4, 5, 6]);
  });

  it("a receiver down for a while gets everything in order when it is back", async () => {
    await rx.down();
    await decide(3);
    for (let i = 1; i <= 4; i++) {
      expect(await pass()).toEqual({ delivered: 0, failed: 1 });
      clock = new Date(clock.getTime() + webhookRetryDelayMs(i));
    }
    const e = await endpoint();
    expect(e).toMatchObject({ attempts: 4, lastStatus: null, lastError: "ECONNREFUSED", pending: 3 });
    await decide(2);
    await rx.up();
    expect(await pass()).toEqual({ delivered: 5, failed: 0 });
    expect(rx.all.map((x) => x.position)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(new Set(rx.all.map((x) => x.id)).size).toBe(rx.all.length);
  });

  it("two workers at once never deliver one event twice; a disabled endpoint waits", async () => {
    await decide(6);
    const [a, b] = await Promise.all([pass("w1"), pass("w2")]);
    expect(a.delivered + b.delivered).toBe(6);
    expect(new Set(rx.all.map((x) => x.id)).size).toBe(rx.all.length);
    expect(rx.all.map((x) => x.position)).toEqual(Array.from({ length: 16 }, (_, i) => i + 2));
    const out = memorySink();
    const id = (await endpoint()).id as string;
    expect(await webhookCommand(api.tdb.db, makeConfig(), ["disable", id], out.stream, out.stream)).toBe(0);
    await decide(1);
    expect(await pass()).toEqual({ delivered: 0, failed: 0 });
    expect(await webhookCommand(api.tdb.db, makeConfig(), ["list"], out.stream, out.stream)).toBe(0);
    expect(out.text()).toMatch(new RegExp(`${id}\\t.*pending 1\\tdisabled`));
    expect(await webhookCommand(api.tdb.db, makeConfig(), ["enable", id], out.stream, out.stream)).toBe(0);
    expect(await pass()).toEqual({ delivered: 1, failed: 0 });
  });

  it("ecart webhook add prints the secret once; a receiver with another secret refuses the deliveries", async () => {
    const out = memorySink();
    expect(
      await webhookCommand(api.tdb.db, makeConfig(), ["add", `${rx.url}/other`], out.stream, out.stream),
    ).toBe(0);
    expect(out.text()).toMatch(/^endpoint WH-\d{4} .*\nsecret whsec_/);
    const bad = memorySink();
    expect(await webhookCommand(api.tdb.db, makeConfig(), ["add", "ftp://x"], bad.stream, bad.stream)).toBe(
      1,
    );
    await decide(1);
    const before = rx.refused;
    await pass();
    // The second endpoint signs with its own secret: this receiver (the first one's secret) refuses it.
    expect(rx.refused).toBe(before + 1);
  });
});
