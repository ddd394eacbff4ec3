/**
 * POST /api/cases/:id/proofs/check on both engines: it answers what receiveProof would do (the same
 * decision: start, source, R9, INT_EUROS, the tolerance), writes nothing, and checks access first.
 * Each answer is then compared with what the command really does.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES } from "../support/databases.js";
import { givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";
import { type TestApi, testApi } from "./helpers.js";
import { multipart, PDF } from "./multipart.js";

describe.each(ENGINES)("POST /api/cases/:id/proofs/check (%s)", (engine) => {
  let t: TestApi;
  /** A case opened by a move-in 12 m3 above the termination (1000 m3 on 2024-01-15). */
  const openCase = async (over: Parameters<typeof servicePointFixture>[0] = {}) => {
    const sp = servicePointFixture(over);
    await givenServicePoints(t.tdb.db, sp);
    const r = await t.as("FO", {
      method: "POST",
      url: "/api/move-ins",
      payload: moveInRequest(sp.id, { index: 1012 }),
    });
    expect(r.statusCode, r.body).toBe(200);
    return { caseId: r.json().case as string, sp };
  };
  const check = (caseId: string, payload: Record<string, unknown>, role: "BO" | "FO" | "SUPERVISOR" = "BO") =>
    t.as(role, { method: "POST", url: `/api/cases/${caseId}/proofs/check`, payload });
  const receive = (caseId: string, payload: Record<string, unknown>) =>
    t.as("BO", { method: "POST", url: `/api/cases/${caseId}/proofs`, payload });
  /** Rows a check must never add. */
  const counts = async () => {
    const k = t.tdb.db.kysely;
    const n = async (table: "proofs" | "subscriptions" | "case_comments" | "cases" | "audit_log") =>
      Number(
        (
          await k
            .selectFrom(table)
            .select((e) => e.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      proofs: await n("proofs"),
      subscriptions: await n("subscriptions"),
      comments: await n("case_comments"),
      cases: await n("cases"),
      audit: await n("audit_log"),
    };
  };

  beforeAll(async () => {
    t = await testApi(engine);
  });
  afterAll(() => t.close());

  it.each([
    { index: 1005, finding: "NONE", r9: false },
    { index: 1006, finding: "INTERMEDIATE", r9: true },
    { index: 995, finding: "NONE", r9: false },
    { index: 994, finding: "PREDECESSOR_OVERBILLED", r9: false },
  ])(
    "proof at $index m3 (termination 1000, tolerance 5): $finding, as the command then does",
    async ({ index, finding, r9 }) => {
      const { caseId, sp } = await openCase();
      const before = await counts();
      const r = await check(caseId, { kind: "ENTRY_INVENTORY", date: "2024-03-01", index: String(index) });
      expect(r.statusCode, r.body).toBe(200);
      const a = r.json();
      expect(await counts()).toEqual(before);
      expect(a).toMatchObject({
        path: "SUBSCRIBE",
        start: { date: "2024-03-01", index, source: "PROOF" },
        gap: { indexAtProof: index, indexSource: "PROOF", value: index - 1000, finding },
        intermediateConsumption: r9,
        opensEurosCase: { lateProof: false, predecessorOverbilled: finding === "PREDECESSOR_OVERBILLED" },
        closesCase: true,
        toleranceM3: 5,
        tone: "ok",
      });
      expect(a.lines.join(" ").includes("écart de consommation avec ancien occupant")).toBe(r9);
      if (finding === "PREDECESSOR_OVERBILLED")
        expect(a.lines.join(" ")).toContain(sp.subscriptions?.[0]?.id);

      const done = await receive(caseId, { kind: "ENTRY_INVENTORY", date: "2024-03-01", index });
      expect(done.statusCode, done.body).toBe(200);
      const sub = await t.tdb.db.kysely
        .selectFrom("subscriptions")
        .select(["start_date", "start_index", "start_source"])
        .where("id", "=", done.json().subscription)
        .executeTakeFirstOrThrow();
      expect(sub).toEqual({
        start_date: a.start.date,
        start_index: a.start.index,
        start_source: a.start.source,
      });
      expect(Boolean(done.json().moveInCase)).toBe(a.opensEurosCase.predecessorOverbilled);
    },
  );

  it("without an index on a remote-read meter: the remote readings interpolated for the proof's date", async () => {
    const { caseId } = await openCase({
      meter: { serial: "R777", remoteReading: true },
      readings: [
        { date: "2024-01-15", index: 1000, type: "REMOTE" },
        { date: "2024-01-25", index: 1010, type: "REMOTE" },
      ],
    });
    const a = (await check(caseId, { kind: "SALE_DEED", date: "2024-01-20" })).json();
    expect(a).toMatchObject({
      path: "SUBSCRIBE",
      start: { date: "2024-01-20", index: 1005, source: "PROOF_DATE_REMOTE_INDEX" },
      gap: { indexAtProof: 1005, indexSource: "REMOTE", finding: "NONE" },
    });
    const done = await receive(caseId, { kind: "SALE_DEED", date: "2024-01-20" });
    const sub = await t.tdb.db.kysely
      .selectFrom("subscriptions")
      .select(["start_index", "start_source"])
      .where("id", "=", done.json().subscription)
      .executeTakeFirstOrThrow();
    expect(sub).toEqual({ start_index: 1005, start_source: "PROOF_DATE_REMOTE_INDEX" });
  });

  it("without an index and no remote reading: the predecessor's index, and no R9 line", async () => {
    const { caseId } = await openCase();
    const a = (await check(caseId, { kind: "SALE_DEED", date: "2024-03-01" })).json();
    expect(a).toMatchObject({
      path: "SUBSCRIBE",
      start: { date: "2024-03-01", index: 1000, source: "PROOF_DATE_PREDECESSOR_INDEX" },
      gap: null,
      intermediateConsumption: false,
    });
    expect(a.lines[0]).toContain("index de résiliation du prédécesseur");
  });

  it("a refused serial is said, and the refusals that store nothing are the command's", async () => {
    const { caseId } = await openCase();
    const before = await counts();
    const a = (await check(caseId, { kind: "SALE_DEED", date: "2024-03-01", meterSerial: "ZZ999" })).json();
    expect(a).toMatchObject({ path: "REFUSED", refusal: { code: "METER_SERIAL_MISMATCH" }, tone: "bad" });
    expect(await counts()).toEqual(before);
    const future = await check(caseId, { kind: "SALE_DEED", date: "2030-01-01" });
    expect(future.statusCode).toBe(422);
    expect(future.json().error).toMatchObject({ code: "DATE_IN_FUTURE", field: "date" });
    const noDate = await check(caseId, { kind: "SALE_DEED" });
    expect(noDate.json().error).toMatchObject({ code: "INVALID_INPUT", field: "date" });
  });

  it("a document attached at the counter gives its kind; a late proof opens an INT_EUROS case", async () => {
    const { caseId } = await openCase();
    const form = multipart(
      { kind: "NOTARY_CERTIFICATE", receivedOn: "2024-03-04" },
      { name: "attestation.pdf", type: "application/pdf", bytes: PDF },
    );
    const doc = (await t.as("FO", { method: "POST", url: `/api/cases/${caseId}/documents`, ...form })).json()
      .document as string;
    const a = (await check(caseId, { document: doc, date: "2024-03-01", index: 1002 })).json();
    expect(a).toMatchObject({
      path: "SUBSCRIBE",
      kind: "NOTARY_CERTIFICATE",
      document: { id: doc, kind: "NOTARY_CERTIFICATE", receivedOn: "2024-03-04" },
      maxUploadBytes: 10 * 1024 * 1024,
    });
    expect((await receive(caseId, { document: doc, date: "2024-03-01", index: 1002 })).statusCode).toBe(200);
    const late = (await check(caseId, { kind: "SALE_DEED", date: "2024-03-01", index: 1012 })).json();
    expect(late).toMatchObject({
      path: "LATE",
      opensEurosCase: { lateProof: true, predecessorOverbilled: false },
      intermediateConsumption: true,
      tone: "warn",
    });
  });

  it("checks access first: a role that may not record a proof is refused before its body is read", async () => {
    const { caseId } = await openCase();
    for (const role of ["FO", "SUPERVISOR"] as const) {
      const r = await check(caseId, { date: "not a date", index: "x" }, role);
      expect(r.statusCode, role).toBe(403);
    }
    const anon = await t.app.inject({
      method: "POST",
      url: `/api/cases/${caseId}/proofs/check`,
      payload: { kind: "SALE_DEED", date: "2024-03-01" },
      headers: { "x-requested-with": "ecart" },
    });
    expect(anon.statusCode).toBe(401);
  });
});
