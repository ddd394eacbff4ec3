/**
 * SPEC §8's three files (samples/): loaded in order on both engines, refused rows in the rejects file
 * with a code and a French reason, the history readings they bring; the same files again change
 * nothing; a later load ends a subscription (a move-out), refuses to rewrite decided facts, keeps
 * the rest up to date.
 */
import { createReadStream, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { parse as parseCsv } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectDelimiter, importReference, ReferenceFileError } from "../../src/integration/import.js";
import type { ReferenceKind } from "../../src/integration/rows.js";
import { eventsAfter, lastPosition } from "../../src/platform/events.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs } from "../support/factories.js";

const SAMPLES = join(import.meta.dirname, "../../samples");
const dir = mkdtempSync(join(tmpdir(), "ecart-ref-"));
const cis = () => ({
  ...ctxAs("INTEGRATION", "2024-03-05T10:00:00+01:00"),
  actor: { user: "import:test", role: "SYSTEM" as const, entity: "IMPORT" },
});

/** Loads a file (a sample's name or CSV text); the summary and the rejects file's lines after its header. */
async function load(db: TestDatabase["db"], kind: ReferenceKind, file: string, batchRows?: number) {
  const rejectsPath = join(dir, `${kind}-${Math.random().toString(36).slice(2)}.rej.csv`);
  const input = file.includes("\n")
    ? Readable.from([Buffer.from(file)])
    : createReadStream(join(SAMPLES, file));
  const s = await importReference(db, cis(), kind, input, {
    rejectsPath,
    source: file.slice(0, 30),
    batchRows,
  });
  // The rejects file: `line;code;reason;row`, for a French spreadsheet; given back as "line,code,reason".
  const rows = parseCsv(readFileSync(rejectsPath), {
    delimiter: ";",
    bom: true,
    relax_column_count: true,
  }) as string[][];
  const rejects = rows.slice(1).map((r) => `${r[0]},${r[1]},${r[2]}`);
  const raws = rows.slice(1).map((r) => r[3]);
  return { s, rejects, raws };
}

describe.each(ENGINES)("reference files on %s", (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("loads the samples: BOM, `;` and `,`, both date forms, columns in any order, unknown columns ignored", async () => {
    const sp = await load(t.db, "service-points", "service-points.csv");
    expect(sp.s).toMatchObject({
      delimiter: ";",
      lines: 4,
      inserted: 3,
      updated: 0,
      unchanged: 0,
      rejected: 1,
    });
    expect(sp.rejects).toEqual(["5,INVALID_INPUT,address : valeur obligatoire absente"]);
    expect(sp.raws).toEqual(["PDS-1004;;;69382"]);
    const m = await load(t.db, "meters", "meters.csv");
    expect(m.s).toMatchObject({ lines: 6, inserted: 4, rejected: 2 });
    expect(m.rejects[0]).toMatch(/^6,UNKNOWN_SERVICE_POINT,Point de desserte inconnu : PDS-9999/);
    expect(m.rejects[1]).toMatch(/^7,INVALID_INPUT,remote : valeur invalide \(peut-être\)/);
    const s = await load(t.db, "subscriptions", "subscriptions.csv");
    expect(s.s).toMatchObject({ delimiter: ",", lines: 5, inserted: 3, rejected: 2 });
    expect(s.rejects[0]).toMatch(/^5,DATE_BEFORE_TERMINATION,.*AB-501/);
    expect(s.rejects[1]).toMatch(/^6,INDEX_NOT_M3,/);

    const k = t.db.kysely;
    expect(await k.selectFrom("service_points").select(["id", "owner_name"]).orderBy("id").execute()).toEqual(
      [
        { id: "PDS-1001", owner_name: "SCI Les Lilas" },
        { id: "PDS-1002", owner_name: null },
        { id: "PDS-1003", owner_name: "Régie Perrache" },
      ],
    );
    const meters = await k
      .selectFrom("meters")
      .select(["service_point_id", "serial", "remote_reading", "installed_on", "removed_on", "removed_index"])
      .orderBy("serial")
      .execute();
    expect(meters.map((x) => [x.serial, x.remote_reading, x.removed_on, x.removed_index])).toEqual([
      ["A12345", false, null, null],
      ["B20002", true, "2024-01-10", 2210],
      ["C30003", true, null, null],
      ["D40004", false, null, null],
    ]);
    const subs = await k
      .selectFrom("subscriptions")
      .select(["id", "party_id", "start_date", "start_index", "end_date", "end_index", "tags"])
      .orderBy("id")
      .execute();
    expect(subs).toEqual([
      {
        id: "AB-501",
        party_id: "C-501",
        start_date: "2019-01-01",
        start_index: 500,
        end_date: "2024-01-15",
        end_index: 1000,
        tags: [],
      },
      {
        id: "AB-502",
        party_id: "C-502",
        start_date: "2020-05-01",
        start_index: 1200,
        end_date: null,
        end_index: null,
        tags: ["euros"],
      },
      {
        id: "AB-503",
        party_id: "C-503",
        start_date: "2021-09-15",
        start_index: 30,
        end_date: null,
        end_index: null,
        tags: [],
      },
    ]);
    // The history: the meter exchange's removal and installation, the subscriptions' starts and end.
    const readings = await k
      .selectFrom("readings")
      .innerJoin("meters", "meters.id", "readings.meter_id")
      .select([
        "readings.service_point_id as sp",
        "meters.serial",
        "reading_date",
        "index_m3",
        "type",
        "status",
      ])
      .orderBy("readings.service_point_id")
      .orderBy("reading_date")
      .orderBy("type")
      .execute();
    expect(readings.map((r) => [r.sp, r.serial, r.reading_date, r.index_m3, r.type])).toEqual([
      ["PDS-1001", "A12345", "2019-01-01", 500, "MOVE_IN"],
      ["PDS-1001", "A12345", "2024-01-15", 1000, "MOVE_OUT"],
      ["PDS-1002", "B20002", "2020-05-01", 1200, "MOVE_IN"],
      ["PDS-1002", "B20002", "2024-01-10", 2210, "NORMAL"],
      ["PDS-1002", "C30003", "2024-01-10", 0, "NORMAL"],
      ["PDS-1003", "D40004", "2021-09-15", 30, "MOVE_IN"],
    ]);
    const party = await k
      .selectFrom("parties")
      .selectAll()
      .where("id", "=", "C-501")
      .executeTakeFirstOrThrow();
    expect(party).toMatchObject({
      name: "Paul Durand",
      postal_address: "12 rue des Lilas, 69003 Lyon",
      role: "SUBSCRIBER",
    });
    // The CIS's own data is not echoed in the event feed.
    expect(await lastPosition(t.db)).toBe(0);
  });

  it("the same files again change nothing, and say so", async () => {
    const counts = async () =>
      Promise.all(
        ["service_points", "meters", "subscriptions", "parties", "readings"].map(async (table) =>
          Number(
            (
              await t.db.kysely
                .selectFrom(table as "meters")
                .select((eb) => eb.fn.countAll().as("n"))
                .executeTakeFirstOrThrow()
            ).n,
          ),
        ),
      );
    const before = await counts();
    const sp = await load(t.db, "service-points", "service-points.csv");
    const m = await load(t.db, "meters", "meters.csv");
    const s = await load(t.db, "subscriptions", "subscriptions.csv");
    expect(sp.s).toMatchObject({ inserted: 0, updated: 0, unchanged: 3, rejected: 1 });
    expect(m.s).toMatchObject({ inserted: 0, updated: 0, unchanged: 4, rejected: 2 });
    expect(s.s).toMatchObject({ inserted: 0, updated: 0, unchanged: 3, rejected: 2 });
    expect(await counts()).toEqual(before);
  });

  it("a later load: an end is a move-out; decided facts are refused, the rest kept up to date", async () => {
    const from = await lastPosition(t.db);
    const s = await load(
      t.db,
      "subscriptions",
      [
        "subscription;service_point;customer;customer_name;start_date;start_index;end_date;end_index;email",
        "AB-502;PDS-1002;C-502;Marie Petit-Roux;01/05/2020;1200;20/02/2024;35;marie.petit@example.fr",
        "AB-503;PDS-1003;C-503;Luc Bernard;2021-09-15;31;;;",
        "AB-501;PDS-1001;C-501;Paul Durand;2019-01-01;500;2024-01-16;1000;paul.durand@example.fr",
        "AB-506;PDS-1001;C-506;Nina Blanc;2024-01-15;1000;;;nina@example.fr",
        "AB-507;PDS-1002;C-507;Omar Said;2024-02-20;35;;;",
        "",
      ].join("\r\n"),
    );
    expect(s.s).toMatchObject({ delimiter: ";", inserted: 2, updated: 1, unchanged: 0, rejected: 2 });
    expect(s.rejects[0]).toMatch(
      /^3,FACT_ALREADY_DECIDED,L'abonnement AB-503 a commencé le 15\/09\/2021 à l'index 30 m3/,
    );
    expect(s.rejects[0]).toMatch(/correctReading/);
    expect(s.rejects[1]).toMatch(/^4,FACT_ALREADY_DECIDED,L'abonnement AB-501 a été résilié le 15\/01\/2024/);
    const ab502 = await t.db.kysely
      .selectFrom("subscriptions")
      .selectAll()
      .where("id", "=", "AB-502")
      .executeTakeFirstOrThrow();
    expect(ab502).toMatchObject({ end_date: "2024-02-20", end_index: 35 });
    const party = await t.db.kysely
      .selectFrom("parties")
      .select("name")
      .where("id", "=", "C-502")
      .executeTakeFirstOrThrow();
    expect(party.name).toBe("Marie Petit-Roux");
    const moveOut = await t.db.kysely
      .selectFrom("readings")
      .innerJoin("meters", "meters.id", "readings.meter_id")
      .select(["meters.serial", "index_m3", "status"])
      .where("readings.service_point_id", "=", "PDS-1002")
      .where("type", "=", "MOVE_OUT")
      .executeTakeFirstOrThrow();
    expect(moveOut).toEqual({ serial: "C30003", index_m3: 35, status: "VALID" });
    // A move-out from the CIS has the effects of moveOut: the event included.
    const ev = await eventsAfter(t.db, from, 10);
    expect(ev.map((e) => [e.type, e.payload.subscription, e.payload.end])).toEqual([
      ["subscription.ended", "AB-502", { date: "2024-02-20", index: 35 }],
    ]);
    const audit = await t.db.kysely
      .selectFrom("audit_log")
      .select("action")
      .where("object_id", "=", "AB-502")
      .execute();
    expect(audit.map((a) => a.action)).toContain("subscription.terminated");
  });

  it("a meter: a new serial without the removal of the one in place is refused; a removal given later is an exchange", async () => {
    const m = await load(
      t.db,
      "meters",
      ["service_point,serial,remote,installed_on,installed_index", "PDS-1001,Z99999,0,2024-02-01,0", ""].join(
        "\n",
      ),
    );
    expect(m.s).toMatchObject({ rejected: 1, inserted: 0 });
    expect(m.rejects[0]).toMatch(/^2,FACT_ALREADY_DECIDED,Le compteur A12345 est en place sur PDS-1001/);
    // Given with the removal of the one in place, in any order, even one row per batch: an exchange.
    const ex = await load(
      t.db,
      "meters",
      [
        "service_point,serial,remote,installed_on,installed_index,removed_on,removed_index",
        "PDS-1001,Z99999,0,2024-02-01,3,,",
        "PDS-1001,A12345,0,15/03/2012,0,2024-02-01,1007",
        "",
      ].join("\n"),
      1,
    );
    expect(ex.s).toMatchObject({ inserted: 1, updated: 1, rejected: 0, batches: 1 });
    const again = await load(
      t.db,
      "meters",
      [
        "service_point,serial,remote,installed_on,installed_index,removed_on,removed_index",
        "PDS-1001,A12345,0,,,2024-02-02,1007",
        "",
      ].join("\n"),
    );
    expect(again.rejects[0]).toMatch(
      /^2,FACT_ALREADY_DECIDED,Le compteur A12345 a été déposé le 01\/02\/2024/,
    );
    const readings = await t.db.kysely
      .selectFrom("readings")
      .innerJoin("meters", "meters.id", "readings.meter_id")
      .select(["meters.serial", "reading_date", "index_m3"])
      .where("readings.service_point_id", "=", "PDS-1001")
      .where("reading_date", "=", "2024-02-01")
      .orderBy("meters.serial")
      .execute();
    expect(readings).toEqual([
      { serial: "A12345", reading_date: "2024-02-01", index_m3: 1007 },
      { serial: "Z99999", reading_date: "2024-02-01", index_m3: 3 },
    ]);
  });

  it("a meter's dials (digits, optional): 3 to 12 taken, 2 and 13 refused; without the column left as they are", async () => {
    const digits = async () =>
      (
        await t.db.kysely
          .selectFrom("meters")
          .select("digits")
          .where("service_point_id", "=", "PDS-1002")
          .where("serial", "=", "C30003")
          .executeTakeFirstOrThrow()
      ).digits;
    const file = (...rows: string[]) => ["service_point,serial,remote,digits", ...rows, ""].join("\n");
    // Refused, each with its reason (a decimal is quoted: the file's separator is the comma).
    for (const value of ["2", "13", '"5,5"', "cinq"]) {
      const r = await load(t.db, "meters", file(`PDS-1002,C30003,1,${value}`));
      expect(r.s).toMatchObject({ rejected: 1 });
      expect(r.rejects[0]).toMatch(/^2,INVALID_INPUT,digits : nombre de chiffres invalide/);
    }
    expect(await digits()).toBeNull();
    for (const n of [3, 12, 5]) {
      const r = await load(t.db, "meters", file(`PDS-1002,C30003,1,${n}`));
      expect(r.s).toMatchObject({ updated: 1, rejected: 0 });
      expect(await digits()).toBe(n);
    }
    // The same again, or a file without the column: unchanged; an empty value: not known any more.
    expect((await load(t.db, "meters", file("PDS-1002,C30003,1,5"))).s).toMatchObject({ unchanged: 1 });
    const without = ["service_point,serial,remote", "PDS-1002,C30003,1", ""].join("\n");
    expect((await load(t.db, "meters", without)).s).toMatchObject({ unchanged: 1 });
    expect(await digits()).toBe(5);
    expect((await load(t.db, "meters", file("PDS-1002,C30003,1,"))).s).toMatchObject({ updated: 1 });
    expect(await digits()).toBeNull();
  });

  it("refuses a file without a required column, and writes nothing", async () => {
    await expect(
      load(t.db, "service-points", "service_point;owner_name\nPDS-X;SCI\n"),
    ).rejects.toBeInstanceOf(ReferenceFileError);
    const n = await t.db.kysely.selectFrom("service_points").select("id").where("id", "=", "PDS-X").execute();
    expect(n).toEqual([]);
  });
});

describe("delimiter detection", () => {
  it("takes the separator the header has more of, outside quotes", () => {
    expect(detectDelimiter("service_point;address;owner_name")).toBe(";");
    expect(detectDelimiter("service_point,address,owner_name")).toBe(",");
    expect(detectDelimiter('"a;b",c,d')).toBe(",");
    expect(detectDelimiter("service_point")).toBe(",");
  });
});
