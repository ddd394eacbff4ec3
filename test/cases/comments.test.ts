/** A free comment on a case (addComment): who may, what is refused, audited, idempotent, append-only. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_COMMENT_LENGTH } from "../../src/cases/comments.js";
import { R9_COMMENT } from "../../src/move-in/wording.js";
import { execute } from "../../src/registry.js";
import { intermediateConsumption } from "../../src/reports/queries.js";
import { type TestApi, testApi } from "../http/helpers.js";
import { seedWorld, type World } from "../reliability/world.js";
import { ENGINES } from "../support/databases.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

describe.each(ENGINES)("comments on a case (%s)", (engine) => {
  let t: TestApi;
  let w: World;
  beforeAll(async () => {
    t = await testApi(engine);
    w = await seedWorld(t.tdb.db, "CMT");
  });
  afterAll(() => t.close());

  const post = (role: Parameters<TestApi["as"]>[0], caseId: string, body: unknown, key?: string) =>
    t.as(role, {
      method: "POST",
      url: `/api/cases/${caseId}/comments`,
      payload: body as object,
      headers: key ? { "idempotency-key": key } : {},
    });
  const commentsOf = async (caseId: string) =>
    (await t.as("SUPERVISOR", { url: `/api/cases/${caseId}` })).json().comments as Array<{
      body: string;
      author: string;
      entity: string;
    }>;

  it("adds the advisor's trimmed comment, shown on the case and in the audit log", async () => {
    const before = (await commentsOf(w.gapCase)).length;
    const res = await post("FO", w.gapCase, { body: "  Client rappelé : il envoie l'état des lieux.  " });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ outcome: "COMMENT_ADDED", case: w.gapCase });
    const comments = await commentsOf(w.gapCase);
    expect(comments).toHaveLength(before + 1);
    expect(comments.at(-1)).toMatchObject({
      body: "Client rappelé : il envoie l'état des lieux.",
      author: "fo.test",
      entity: "FO-LYON",
    });
    const entry = await t.tdb.db.kysely
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "case.commented")
      .where("object_id", "=", w.gapCase)
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor: "fo.test", role: "FO", entity: "FO-LYON", object_type: "case" });
  });

  it("runs once for a repeated idempotency key", async () => {
    const before = (await commentsOf(w.gapCase)).length;
    const first = await post("BO", w.gapCase, { body: "Appel du notaire" }, "cmt-1");
    const again = await post("BO", w.gapCase, { body: "Appel du notaire" }, "cmt-1");
    expect(first.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ outcome: "COMMENT_ADDED", duplicate: true });
    expect(await commentsOf(w.gapCase)).toHaveLength(before + 1);
    const reused = await post("BO", w.gapCase, { body: "Autre chose" }, "cmt-1");
    expect(reused.json().error.code).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("refuses an empty, blank or too long text, naming the field", async () => {
    const loneSurrogate = { body: "Note \ud800 tronquée" };
    for (const body of [
      {},
      { body: "" },
      { body: " \n\t " },
      { body: "x".repeat(MAX_COMMENT_LENGTH + 1) },
      loneSurrogate,
    ]) {
      const res = await post("FO", w.gapCase, body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(res.json().error).toMatchObject({ code: "INVALID_INPUT", field: "body" });
    }
    expect((await post("FO", w.gapCase, { body: "é".repeat(MAX_COMMENT_LENGTH) })).statusCode).toBe(200);
  });

  it("accepts R9's phrase: the intermediate-occupant report reads the findings, not the comments", async () => {
    const res = await post("BO", w.gapCase, { body: `Vu : ${R9_COMMENT}.` });
    expect(res.statusCode).toBe(200);
    const report = await intermediateConsumption(t.tdb.db.kysely, {});
    expect(report.map((r) => r.case)).not.toContain(w.gapCase);
  });

  it("refuses an unknown case (404) and a closed one (409)", async () => {
    const unknown = await post("FO", "CASE-999999", { body: "Bonjour" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: "UNKNOWN_REFERENCE", field: "case" });
    const sp = servicePointFixture({ id: "CMT-CLOSED" });
    await givenServicePoints(t.tdb.db, sp);
    const opened = await execute(t.tdb.db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: 1012 }));
    await execute(t.tdb.db, ctxAs("FO"), "declareNoProof", { case: opened.case });
    const closed = await post("FO", opened.case as string, { body: "Trop tard" });
    expect(closed.statusCode).toBe(409);
    expect(closed.json().error.code).toBe("CASE_CLOSED");
  });

  it("lets EUROS comment on its INT_EUROS cases only; supervisors and administrators read", async () => {
    const arr = await post("EUROS", w.gapCase, { body: "Note EUROS" });
    expect(arr.statusCode).toBe(403);
    expect(arr.json().error.code).toBe("FORBIDDEN");
    const own = await post("EUROS", w.eurosCase, { body: "Régularisation en préparation" });
    expect(own.statusCode, own.body).toBe(200);
    expect((await commentsOf(w.eurosCase)).at(-1)).toMatchObject({ author: "euros.test" });
    for (const role of ["SUPERVISOR", "ADMIN"] as const) {
      expect((await post(role, w.eurosCase, { body: "Note" })).statusCode).toBe(403);
    }
    expect((await post("FO", w.eurosCase, { body: "Le client a rappelé" })).statusCode).toBe(200);
  });

  it("keeps comments append-only", async () => {
    await expect(
      t.tdb.db.kysely
        .updateTable("case_comments")
        .set({ body: "changé" })
        .where("case_id", "=", w.gapCase)
        .execute(),
    ).rejects.toThrow(/APPEND_ONLY/);
  });

  it("documents the route and its body schema in the OpenAPI", async () => {
    const doc = (await t.as("SUPERVISOR", { url: "/docs/json" })).json();
    const op = doc.paths["/api/cases/{id}/comments"]?.post;
    expect(op).toBeDefined();
    const schema = op.requestBody.content["application/json"].schema;
    expect(schema.required).toContain("body");
    expect(schema.properties.body).toMatchObject({
      type: "string",
      minLength: 1,
      maxLength: MAX_COMMENT_LENGTH,
    });
  });
});
