/**
 * `GET /metrics` (issue 17 item 1): Prometheus text with the HTTP requests by route and status and the
 * product's `ecart_…` figures read from the database, on both engines; open to loopback callers that no
 * proxy forwarded and to the metrics token, to nobody else.
 */

import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/http/app.js";
import { createMetrics } from "../../src/http/metrics.js";
import { importReadings } from "../../src/readings/import.js";
import { execute } from "../../src/registry.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

/** The value of one sample of the text format (`name{labels}`), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(ENGINES)("GET /metrics (%s)", (engine) => {
  let t: TestDatabase;
  const TOKEN = "metrics-token-0123456789";
  beforeAll(async () => {
    t = await createTestDatabase(engine);
    // One case opened by a gap (its proof task long past due, its proof request waiting in the outbox),
    // and one import with a loaded row and two refused ones.
    const sp = servicePointFixture({ id: "PDS-MX" });
    await givenServicePoints(t.db, sp);
    expect((await execute(t.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: 1012 }))).outcome).toBe(
      "CASE_OPENED",
    );
    const csv =
      "service_point,meter,date,index,type\nPDS-MX,,2024-03-04,1015,NORMAL\nPDS-XX,,2024-02-01,1,NORMAL\nPDS-MX,,2024-02-30,1,NORMAL\n";
    await importReadings(t.db, ctxAs("ADMIN"), Readable.from([Buffer.from(csv)]), {
      rejectsPath: join(mkdtempSync(join(tmpdir(), "ecart-mx-")), "r.csv"),
      source: "mx.csv",
    });
  });
  afterAll(() => t?.drop());

  it("gives the requests by route and status, and the figures of the database", async () => {
    const metrics = createMetrics(t.db);
    const app = await buildApp({ db: t.db, webDist: null, metrics });
    try {
      expect((await app.inject({ url: "/api/health" })).statusCode).toBe(200);
      expect((await app.inject({ url: "/api/cases/CASE-000001" })).statusCode).toBe(401);
      expect((await app.inject({ url: "/api/nowhere/Jean-Dupont" })).statusCode).toBe(404);
      metrics.observeSweep(0.2, { subscribed: 3, skipped: 1, failed: [], reminded: 0 });
      const r = await app.inject({ url: "/metrics" });
      expect(r.statusCode).toBe(200);
      expect(r.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
      const m = r.body;
      expect(sample(m, 'http_requests_total{method="GET",route="/api/health",status="200"}')).toBe(1);
      expect(sample(m, 'http_requests_total{method="GET",route="/api/cases/:id",status="401"}')).toBe(1);
      // A path that no route matched is counted without its text.
      expect(sample(m, 'http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
      expect(m).not.toContain("Jean-Dupont");
      expect(
        sample(m, 'http_request_duration_seconds_count{method="GET",route="/api/health",status="200"}'),
      ).toBe(1);
      expect(m).toContain('http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/health"');
      expect(sample(m, "ecart_database_up")).toBe(1);
      const open = ["ARR_SPECIAL", "ARR_INTERVENTION", "INT_EUROS"].map(
        (type) => sample(m, `ecart_cases_open{type="${type}"}`) ?? Number.NaN,
      );
      expect(open.reduce((a, b) => a + b)).toBe(1);
      expect(sample(m, 'ecart_tasks_open{kind="AWAIT_PROOF"}')).toBe(1);
      expect(sample(m, 'ecart_tasks_past_due{kind="AWAIT_PROOF"}')).toBe(1);
      expect(sample(m, 'ecart_outbox_messages{status="PENDING"}')).toBe(1);
      expect(sample(m, 'ecart_outbox_messages{status="SENT"}')).toBe(0);
      // The message was made with the command's clock (2024): it has waited since.
      expect(sample(m, "ecart_outbox_oldest_pending_age_seconds")).toBeGreaterThan(86_400);
      expect(sample(m, "ecart_webhook_deliveries_pending")).toBe(0); // no endpoint registered yet
      expect(sample(m, "ecart_import_runs")).toBe(1);
      expect(sample(m, 'ecart_import_rows{outcome="loaded"}')).toBe(1);
      expect(sample(m, 'ecart_import_rows{outcome="rejected"}')).toBe(2);
      expect(sample(m, 'ecart_sweep_runs_total{outcome="ok"}')).toBe(1);
      expect(sample(m, 'ecart_sweep_runs_total{outcome="failed"}')).toBe(0);
      expect(sample(m, 'ecart_sweep_cases_total{result="subscribed"}')).toBe(3);
      expect(sample(m, "ecart_sweep_duration_seconds_count")).toBe(1);
      expect(sample(m, 'ecart_db_pool_connections{state="max"}')).toBe(engine === "pglite" ? 1 : 10);
      expect(sample(m, 'ecart_db_pool_connections{state="waiting"}')).toBe(0);
      // Not part of the API: absent from the OpenAPI document.
      expect(JSON.stringify(app.swagger())).not.toContain("/metrics");
    } finally {
      await app.close();
    }
  });

  it("counts webhook deliveries waiting: the events an active endpoint has not acknowledged", async () => {
    const events = Number(
      (
        await sql<{ n: string }>`select count(*) as n from events where position is not null`.execute(
          t.db.kysely,
        )
      ).rows[0]?.n,
    );
    expect(events).toBeGreaterThan(0); // the move-in's case opening, at least
    const endpoint = (active: boolean, delivered: number) =>
      sql`insert into webhook_endpoints (url, secret, active, delivered_position, created_at, created_by)
          values ('https://example.test/hook', 'whsec_x', ${active}, ${delivered}, now(), 'test')`.execute(
        t.db.kysely,
      );
    await endpoint(true, 0); // has read nothing
    await endpoint(true, 1); // has acknowledged the first event
    await endpoint(false, 0); // disabled: sends nothing
    const app = await buildApp({ db: t.db, webDist: null });
    try {
      expect(sample((await app.inject({ url: "/metrics" })).body, "ecart_webhook_deliveries_pending")).toBe(
        events + (events - 1),
      );
    } finally {
      await app.close();
    }
  });

  it("opens to loopback callers no proxy forwarded, and to the metrics token; to nobody else", async () => {
    const app = await buildApp({ db: t.db, webDist: null, metricsToken: TOKEN });
    try {
      const get = (remoteAddress: string, headers: Record<string, string> = {}) =>
        app.inject({ url: "/metrics", remoteAddress, headers }).then((r) => r.statusCode);
      expect(await get("127.0.0.1")).toBe(200);
      expect(await get("::1")).toBe(200);
      expect(await get("::ffff:127.0.0.1")).toBe(200);
      expect(await get("10.1.2.3")).toBe(404);
      expect(await get("127.0.0.1", { "x-forwarded-for": "203.0.113.9" })).toBe(404);
      expect(await get("127.0.0.1", { forwarded: "for=203.0.113.9" })).toBe(404);
      expect(await get("10.1.2.3", { authorization: `Bearer ${TOKEN}` })).toBe(200);
      expect(await get("10.1.2.3", { authorization: `Bearer ${TOKEN}x` })).toBe(404);
      expect(await get("127.0.0.1", { authorization: "Bearer wrong" })).toBe(404);
      const refused = await app.inject({ url: "/metrics", remoteAddress: "10.1.2.3" });
      expect(refused.json()).toEqual({
        error: { code: "NOT_FOUND", message: "Adresse inconnue.", field: null },
      });
    } finally {
      await app.close();
    }
    // Without a token configured, a bearer opens nothing.
    const closed = await buildApp({ db: t.db, webDist: null });
    try {
      const r = await closed.inject({
        url: "/metrics",
        remoteAddress: "10.1.2.3",
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(r.statusCode).toBe(404);
    } finally {
      await closed.close();
    }
  });
});

describe("the metrics' documentation and dashboard", () => {
  it("lists every series served in docs/operations.md, and the dashboard queries only series served", async () => {
    const t = await createTestDatabase("pglite");
    const metrics = createMetrics(t.db, { processMetrics: true });
    const app = await buildApp({ db: t.db, webDist: null, metrics });
    try {
      await app.inject({ url: "/api/health" });
      const text = (await app.inject({ url: "/metrics" })).body;
      const served = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string));
      const ours = [...served].filter((n) => /^(ecart|http)_/.test(n));
      expect(ours.length).toBeGreaterThanOrEqual(15);
      const docs = readFileSync(join(import.meta.dirname, "../../docs/operations.md"), "utf8");
      for (const n of ours) expect(docs, n).toContain(`| \`${n}\` |`);
      const dashboard = JSON.parse(
        readFileSync(join(import.meta.dirname, "../../docs/grafana-dashboard.json"), "utf8"),
      ) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
      const queried = dashboard.panels.flatMap((p) => (p.targets ?? []).map((x) => x.expr));
      expect(queried.length).toBeGreaterThan(15);
      const FUNCTIONS = new Set([
        "sum",
        "by",
        "rate",
        "increase",
        "delta",
        "histogram_quantile",
        "max",
        "min",
        "le",
      ]);
      for (const expr of queried)
        for (const [name] of expr.matchAll(/\b[a-z_]+[a-z0-9_]*\b(?![(=~"])/g)) {
          if (
            FUNCTIONS.has(name) ||
            !/_/.test(name) ||
            /^(route|status|type|kind|outcome|result|state)$/.test(name)
          )
            continue;
          const base = name.replace(/_(bucket|count|sum)$/, "");
          expect(served.has(name) || served.has(base), `${name} in ${expr}`).toBe(true);
        }
    } finally {
      await app.close();
      await t.drop();
    }
  });
});
