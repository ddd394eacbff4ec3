/**
 * R19 through the API on both engines: FO attaches a document at the counter (multipart: the file, its
 * kind, the day received); the case lists it; BO's receiveProof processes it without a new upload (the
 * file and its checksum carried over to the proof); a dateless meter photo takes the day received.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES } from "../support/databases.js";
import { givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";
import { type TestApi, testApi } from "./helpers.js";
import { multipart, PDF, PNG } from "./multipart.js";

describe.each(ENGINES)("R19 documents at the counter through the API (%s)", (engine) => {
  let t: TestApi;
  const openCase = async () => {
    const sp = servicePointFixture();
    await givenServicePoints(t.tdb.db, sp);
    const r = await t.as("FO", {
      method: "POST",
      url: "/api/move-ins",
      payload: moveInRequest(sp.id, { index: 1012 }),
    });
    expect(r.statusCode, r.body).toBe(200);
    return r.json().case as string;
  };

  beforeAll(async () => {
    t = await testApi(engine);
  });
  afterAll(() => t.close());

  it("FO attaches an attestation notariée; BO processes it with no new upload: subscribed, the file kept on the proof", async () => {
    const caseId = await openCase();
    const form = multipart(
      { kind: "NOTARY_CERTIFICATE", receivedOn: "2024-03-04" },
      { name: "attestation.pdf", type: "application/pdf", bytes: PDF },
    );
    const a = await t.as("FO", { method: "POST", url: `/api/cases/${caseId}/documents`, ...form });
    expect(a.statusCode, a.body).toBe(200);
    expect(a.json()).toMatchObject({ outcome: "DOCUMENT_ATTACHED", case: caseId });
    const doc = a.json().document as string;
    const list = (await t.as("BO", { url: `/api/cases/${caseId}/documents` })).json();
    expect(list.items).toEqual([
      expect.objectContaining({
        id: doc,
        kind: "NOTARY_CERTIFICATE",
        receivedOn: "2024-03-04",
        fileName: "attestation.pdf",
        contentType: "application/pdf",
        size: PDF.length,
        proof: null,
      }),
    ]);
    const file = await t.as("BO", { url: `/api/documents/${doc}/file` });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(PDF)).toBe(true);

    const r = await t.as("BO", {
      method: "POST",
      url: `/api/cases/${caseId}/proofs`,
      payload: { document: doc, date: "2024-03-02", index: 1011 },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ outcome: "SUBSCRIBED", case: caseId });
    const proof = await t.tdb.db.kysely
      .selectFrom("proofs")
      .selectAll()
      .where("id", "=", r.json().proof)
      .executeTakeFirstOrThrow();
    expect(proof).toMatchObject({
      kind: "NOTARY_CERTIFICATE",
      status: "ACCEPTED",
      document_id: doc,
      file_name: "attestation.pdf",
      sha256: createHash("sha256").update(PDF).digest("hex"),
    });
    const after = (await t.as("BO", { url: `/api/cases/${caseId}/documents` })).json();
    expect(after.items[0].proof).toBe(r.json().proof);
  });

  it("a dateless meter photo processed later is dated the day it was received", async () => {
    const caseId = await openCase();
    const form = multipart(
      { kind: "METER_PHOTO", receivedOn: "2024-03-04" },
      { name: "c.png", type: "image/png", bytes: PNG },
    );
    const doc = (await t.as("FO", { method: "POST", url: `/api/cases/${caseId}/documents`, ...form })).json()
      .document;
    const r = await t.as("BO", {
      method: "POST",
      url: `/api/cases/${caseId}/proofs`,
      payload: { document: doc, index: 1013 },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().outcome).toBe("PROOF_ACCEPTED");
    const reading = await t.tdb.db.kysely
      .selectFrom("readings")
      .select(["reading_date", "index_m3", "type"])
      .where("id", "=", r.json().reading)
      .executeTakeFirstOrThrow();
    expect(reading).toEqual({ reading_date: "2024-03-04", index_m3: 1013, type: "CUSTOMER" });
  });

  it("refuses a form without a file, a file that is not PDF/JPEG/PNG, and a supervisor", async () => {
    const caseId = await openCase();
    const none = multipart({ kind: "SALE_DEED" });
    const r1 = await t.as("FO", { method: "POST", url: `/api/cases/${caseId}/documents`, ...none });
    expect(r1.statusCode).toBe(400);
    expect(r1.json().error).toMatchObject({ code: "INVALID_INPUT", field: "file" });
    const fake = multipart(
      { kind: "SALE_DEED" },
      { name: "a.pdf", type: "application/pdf", bytes: Buffer.from("MZ") },
    );
    expect(
      (await t.as("FO", { method: "POST", url: `/api/cases/${caseId}/documents`, ...fake })).statusCode,
    ).toBe(415);
    const ok = multipart({ kind: "SALE_DEED" }, { name: "a.pdf", type: "application/pdf", bytes: PDF });
    const r3 = await t.as("SUPERVISOR", { method: "POST", url: `/api/cases/${caseId}/documents`, ...ok });
    expect(r3.statusCode).toBe(403);
    const list = (await t.as("BO", { url: `/api/cases/${caseId}/documents` })).json();
    expect(list.items).toEqual([]);
  });
});
