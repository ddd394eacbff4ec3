/**
 * SPEC §8 under kill -9 (PostgreSQL): a subscriptions import killed at random moments and run again each
 * time leaves every subscription, customer and MOVE_IN / MOVE_OUT reading exactly once; a webhook worker
 * killed during deliveries loses nothing (an event may come twice, with the same id, never out of order).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importReference } from "../../src/integration/import.js";
import { deliverWebhooks } from "../../src/integration/webhook-worker.js";
import { addWebhookEndpoint } from "../../src/integration/webhooks.js";
import { appendEvents } from "../../src/platform/events.js";
import { runAndKill } from "../reliability/crash.js";
import { prng, SEED, scale } from "../reliability/support.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs } from "../support/factories.js";
import { type Receiver, startReceiver } from "./receiver.js";

const POINTS = scale(2000, 10000);
const KILLS = scale(4, 12);

describe.runIf(ENGINES.includes("postgres"))("SPEC §8 killed with SIGKILL (PostgreSQL)", () => {
  let t: TestDatabase;
  let rx: Receiver;
  beforeAll(async () => {
    t = await createTestDatabase("postgres", 4);
    rx = await startReceiver();
  });
  afterAll(async () => {
    await rx?.close();
    await t?.drop();
  });
  const ctx = () => ({
    ...ctxAs("SUPERVISOR", new Date()),
    actor: { user: "import:crash", role: "SYSTEM" as const, entity: "IMPORT" },
  });
  const count = async (q: string) =>
    Number((await sql.raw<{ n: number }>(q).execute(t.db.kysely)).rows[0]?.n);

  it(`a subscriptions import killed ${KILLS} times, run again each time: everything exactly once`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "ecart-crash-ref-"));
    const sps = ["service_point;address"];
    const meters = ["service_point;serial;remote;installed_on;installed_index"];
    const subs = [
      "subscription;service_point;customer;customer_name;start_date;start_index;end_date;end_index",
    ];
    for (let i = 0; i < POINTS; i++) {
      const sp = `PDS-K${i}`;
      sps.push(`${sp};${i} rue des Lilas, 69003 Lyon`);
      meters.push(`${sp};K${i};0;01/01/2015;0`);
      // A past occupant on every third service point, then the current one.
      if (i % 3 === 0) subs.push(`AB-K${i}-0;${sp};C-K${i}-0;Ancien ${i};01/01/2016;100;31/12/2019;900`);
      subs.push(`AB-K${i};${sp};C-K${i};Client ${i};${i % 3 === 0 ? "31/12/2019;900" : "01/06/2018;500"};;`);
    }
    const rows = subs.length - 1;
    await importReference(t.db, ctx(), "service-points", Readable.from([sps.join("\n")]), {
      rejectsPath: join(dir, "sp.rej"),
      source: "sp",
    });
    await importReference(t.db, ctx(), "meters", Readable.from([meters.join("\n")]), {
      rejectsPath: join(dir, "m.rej"),
      source: "m",
    });
    const file = join(dir, "subscriptions.csv");
    writeFileSync(file, `${subs.join("\n")}\n`);
    const rand = prng(SEED + 13);
    const outcomes: Array<{ killed: boolean; subs: number }> = [];
    for (let i = 0; i < KILLS; i++) {
      const r = await runAndKill(
        "reference-import-child.ts",
        [t.url as string, "subscriptions", file, "100"],
        Math.floor(rand() * 1500),
        {},
        { line: "LOADED", nth: 1 + (i % 3) },
      );
      outcomes.push({ killed: r.killed, subs: await count("select count(*)::int as n from subscriptions") });
    }
    expect(outcomes.filter((o) => o.killed && o.subs < rows).length).toBeGreaterThan(0);
    const last = await importReference(t.db, ctx(), "subscriptions", Readable.from([subs.join("\n")]), {
      rejectsPath: join(dir, "last.rej"),
      source: "subscriptions.csv",
    });
    expect(last.rejected).toBe(0);
    expect(last.inserted + last.unchanged).toBe(rows);
    expect(await count("select count(*)::int as n from subscriptions")).toBe(rows);
    expect(await count("select count(*)::int as n from parties")).toBe(rows);
    expect(await count("select count(*)::int as n from readings where type = 'MOVE_IN'")).toBe(rows);
    expect(await count("select count(*)::int as n from readings where type = 'MOVE_OUT'")).toBe(
      Math.ceil(POINTS / 3),
    );
    // One start per subscription, at its own date: no half batch, no repeat.
    expect(
      await count(`select count(*)::int as n from subscriptions s where (select count(*) from readings r
        where r.service_point_id = s.service_point_id and r.type = 'MOVE_IN' and r.reading_date = s.start_date) <> 1`),
    ).toBe(0);
    const again = await importReference(t.db, ctx(), "subscriptions", Readable.from([subs.join("\n")]), {
      rejectsPath: join(dir, "again.rej"),
      source: "subscriptions.csv",
    });
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: rows, rejected: 0 });
  }, 300_000);

  it(`a webhook worker killed ${KILLS} times during deliveries: every event delivered, in order, duplicates only by id`, async () => {
    const { secret } = await addWebhookEndpoint(t.db, ctxAs("ADMIN"), { url: rx.url, fromStart: false });
    rx.secret = secret;
    const events = scale(60, 300);
    await t.db.kysely.transaction().execute(async (trx) => {
      for (let i = 0; i < events; i++)
        await appendEvents(trx, ctxAs("FO"), [
          {
            type: "case.opened",
            payload: {
              case: `CASE-X${i}`,
              type: "ARR_SPECIAL",
              servicePoint: `PDS-K${i}`,
              subscription: null,
              customer: null,
              entity: "FO",
            },
          },
        ]);
    });
    const ids = (
      await t.db.kysely
        .selectFrom("events")
        .select(["id", "position"])
        .where("type", "=", "case.opened")
        .orderBy("position")
        .execute()
    ).map((e) => e.id);
    const rand = prng(SEED + 17);
    let killedMidway = 0;
    for (let i = 0; i < KILLS; i++) {
      const r = await runAndKill(
        "webhook-child.ts",
        [t.url as string, "400"],
        Math.floor(rand() * 40),
        {},
        {
          line: "SEND",
          nth: 1 + Math.floor(rand() * 8),
        },
      );
      if (r.killed) killedMidway++;
      // The dead worker's claim runs out before the next one may take the endpoint over.
      await new Promise((res) => setTimeout(res, 450));
    }
    expect(killedMidway).toBeGreaterThan(0);
    for (let n = 0; n < 100; n++) {
      const r = await deliverWebhooks(t.db, { workerId: "last", backoffBaseMs: 10, timeoutMs: 2000 });
      const left = await count(
        "select count(*)::int as n from events v, webhook_endpoints e where v.position > e.delivered_position",
      );
      if (left === 0) break;
      if (r.delivered + r.failed === 0) await new Promise((res) => setTimeout(res, 100));
    }
    expect(rx.refused).toBe(0);
    expect(rx.unique().map((x) => x.id)).toEqual(ids);
    // In order: each delivery is the next event, or the one before it again (a duplicate, same id).
    let max = 0;
    for (const x of rx.all) {
      expect(x.position).toBeGreaterThanOrEqual(max);
      max = x.position;
    }
    const interrupted = await count(
      "select count(*)::int as n from webhook_attempts where outcome = 'INTERRUPTED'",
    );
    expect(interrupted).toBeGreaterThan(0);
  }, 300_000);
});
