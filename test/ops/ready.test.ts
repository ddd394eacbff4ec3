/** `GET /api/ready` (issue 17 item 2): the database answers and has every migration, on both engines. */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/http/app.js";
import { openDatabase } from "../../src/platform/db.js";
import { migrationFiles } from "../../src/platform/migrate.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";

describe.each(ENGINES)("GET /api/ready (%s)", (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(() => t?.drop());

  it("is ready without login when the database answers with every migration applied; not once one is missing", async () => {
    const app = await buildApp({ db: t.db, webDist: null });
    try {
      const ok = await app.inject({ url: "/api/ready" });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({
        ready: true,
        database: { engine, reachable: true },
        migrations: { current: true, pending: [] },
      });
      // The last migration forgotten, as by a database left behind by an older build.
      const last = migrationFiles().at(-1) as string;
      await sql`delete from schema_migrations where name = ${last}`.execute(t.db.kysely);
      const behind = await app.inject({ url: "/api/ready" });
      expect(behind.statusCode).toBe(503);
      expect(behind.json()).toMatchObject({
        ready: false,
        database: { engine, reachable: true },
        migrations: { current: false, pending: [last] },
        problem: "1 migration(s) not applied (run ecart migrate)",
      });
      expect((await app.inject({ url: "/api/health" })).statusCode).toBe(200);
      await sql`insert into schema_migrations(name) values (${last})`.execute(t.db.kysely);
      expect((await app.inject({ url: "/api/ready" })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe("GET /api/ready without a database", () => {
  it("answers 503, database not reachable, when the server does not answer", async () => {
    const db = await openDatabase({ url: "postgres://postgres@127.0.0.1:9/ecart", poolSize: 1 });
    const app = await buildApp({ db, webDist: null });
    try {
      const r = await app.inject({ url: "/api/ready" });
      expect(r.statusCode).toBe(503);
      expect(r.json()).toMatchObject({
        ready: false,
        database: { engine: "postgres", reachable: false },
        migrations: { current: false },
      });
      expect(r.json().problem).toMatch(/^database not reachable: /);
    } finally {
      await app.close();
      await db.close();
    }
  });
});
