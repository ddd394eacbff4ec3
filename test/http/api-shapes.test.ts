/**
 * The answers' zod schemas (src/http/api-shapes.ts) are strict: a field a view builds but the schema omits
 * would be dropped on the way out. The API must answer exactly what the view built.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_UPLOAD_BYTES } from "../../src/http/uploads.js";
import { caseDetail, listCases } from "../../src/http/views/cases.js";
import { listContests, listOutbox } from "../../src/http/views/contests-outbox.js";
import { servicePointDetail } from "../../src/http/views/service-points.js";
import { execute } from "../../src/registry.js";
import { ENGINES } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";
import { type TestApi, testApi } from "./helpers.js";

/** What a view built, as JSON carries it (dates already text, undefined gone). */
const asJson = (v: unknown) => JSON.parse(JSON.stringify(v));

describe.each(ENGINES)("API answers on %s", (engine) => {
  let t: TestApi;
  let caseId: string;
  beforeAll(async () => {
    t = await testApi(engine, { clock: () => new Date("2024-03-05T10:00:00+01:00") });
    await givenServicePoints(
      t.tdb.db,
      servicePointFixture({ id: "PDS-SHAPES" }),
      servicePointFixture({ id: "PDS-SUBSCRIBED" }),
    );
    const fo = ctxAs("FO", "2024-03-02T10:00:00+01:00", "FO-LYON");
    const moved = await execute(t.tdb.db, fo, "moveIn", moveInRequest("PDS-SHAPES", { index: 1020 }));
    caseId = moved.case as string;
    await execute(t.tdb.db, fo, "addComment", { case: caseId, body: "Client rappelé." });
    const subscribed = await execute(t.tdb.db, fo, "moveIn", moveInRequest("PDS-SUBSCRIBED"));
    await execute(t.tdb.db, ctxAs("FO", "2024-03-04T10:00:00+01:00"), "contest", {
      subscription: subscribed.subscription,
      reason: "L'index de départ est faux.",
      proof: { date: "2024-03-02", index: 1002 },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const answer = async (url: string) => {
    const res = await t.as("BO", { url });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it("a case: every field the view builds, and the upload limit", async () => {
    const built = asJson({
      ...(await caseDetail(t.tdb.db, caseId, "2024-03-01")),
      uploadMaxBytes: MAX_UPLOAD_BYTES,
    });
    expect(built.moveIn).not.toBeNull();
    expect(built.comments).toContainEqual(expect.objectContaining({ body: "Client rappelé." }));
    expect(await answer(`/api/cases/${caseId}`)).toEqual(built);
  });

  it("a service point, the case list, the contests and the outbox: as built", async () => {
    expect(await answer("/api/service-points/PDS-SHAPES")).toEqual(
      asJson(await servicePointDetail(t.tdb.db, "PDS-SHAPES")),
    );
    expect(await answer("/api/cases")).toEqual(asJson(await listCases(t.tdb.db, {}, "2024-03-05")));
    const contests = asJson(await listContests(t.tdb.db, {}));
    expect(contests.items).toHaveLength(1);
    expect(await answer("/api/contests")).toEqual(contests);
    const outbox = asJson(await listOutbox(t.tdb.db, {}));
    expect(outbox.items.length).toBeGreaterThan(0);
    expect(await answer("/api/outbox")).toEqual(outbox);
  });
});
