/** The API end to end on both engines: commands through execute(), reads, uploads, idempotency, errors, reports. */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES } from "../support/databases.js";
import { givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";
import { type TestApi, testApi } from "./helpers.js";
import { multipart, PDF, PNG } from "./multipart.js";

describe.each(ENGINES)("HTTP API (%s)", (engine) => {
  let t: TestApi;
  const count = async (
    table: "cases" | "parties" | "readings" | "subscriptions" | "communications" | "audit_log",
  ) =>
    Number(
      (
        await t.tdb.db.kysely
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    t = await testApi(engine);
    await givenServicePoints(
      t.tdb.db,
      servicePointFixture({ id: "PDS-1" }),
      servicePointFixture({ id: "PDS-2", meter: { serial: "B777", remoteReading: false } }),
      servicePointFixture({ id: "PDS-3", meter: { serial: "C333", remoteReading: false } }),
    );
  });
  afterAll(() => t.close());

  it("answers health without login and never a stack trace", async () => {
    expect((await t.app.inject({ url: "/api/health" })).json()).toEqual({ ok: true });
    const nf = await t.as("FO", { url: "/api/nothing-here" });
    expect(nf.statusCode).toBe(404);
    expect(nf.json()).toEqual({ error: { code: "NOT_FOUND", message: "Adresse inconnue.", field: null } });
  });

  it("searches service points by address and meter serial, people by name, cases by id", async () => {
    const bySerial = (await t.as("BO", { url: "/api/search?q=b777" })).json();
    expect(bySerial.servicePoints.map((s: { id: string }) => s.id)).toEqual(["PDS-2"]);
    const byName = (await t.as("BO", { url: "/api/search?q=durand" })).json();
    expect(byName.people.length).toBe(3);
    expect(byName.people[0].servicePoint).toMatch(/^PDS-/);
    const short = await t.as("BO", { url: "/api/search?q=a" });
    expect(short.statusCode).toBe(400);
    expect(short.json().error).toMatchObject({ code: "INVALID_INPUT", field: "q" });
  });

  it("shows a service point with its meter, readings and their plausibility, subscriptions", async () => {
    const sp = (await t.as("EUROS", { url: "/api/service-points/PDS-1" })).json();
    expect(sp.meter.serial).toBe("A12345");
    expect(sp.termination).toMatchObject({ date: "2024-01-15", index: 1000 });
    const moveOut = sp.readings.find((r: { type: string }) => r.type === "MOVE_OUT");
    expect(moveOut).toMatchObject({ index: 1000, status: "VALID", usage: 50, warnings: [] });
    expect(moveOut.expected.index[0]).toBeLessThanOrEqual(1000);
    expect(sp.subscriptions[0]).toMatchObject({
      party: { name: "Paul Durand" },
      end: { date: "2024-01-15", index: 1000 },
    });
    const missing = await t.as("FO", { url: "/api/service-points/NOPE" });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe("UNKNOWN_SERVICE_POINT");
  });

  it("checks a move-in without writing anything", async () => {
    const before = await Promise.all([
      count("cases"),
      count("parties"),
      count("readings"),
      count("communications"),
      count("audit_log"),
    ]);
    const res = await t.as("FO", {
      method: "POST",
      url: "/api/move-ins/check",
      payload: moveInRequest("PDS-1", { index: 1012 }),
    });
    expect(res.statusCode, res.body).toBe(200);
    const c = res.json();
    expect(c).toMatchObject({
      path: "CASE_AWAIT_PROOF",
      subscribesNow: false,
      opensCase: "ARR_SPECIAL",
      gap: { value: 12, direction: "ABOVE", withinTolerance: false },
      proofDueDate: "2024-03-20",
      termination: { date: "2024-01-15", index: 1000 },
    });
    expect(c.tellCustomer.join(" ")).toContain("20/03/2024");
    const within = (
      await t.as("FO", {
        method: "POST",
        url: "/api/move-ins/check",
        payload: moveInRequest("PDS-1", { index: 1005 }),
      })
    ).json();
    expect(within.path).toBe("SUBSCRIBE_DECLARED");
    const none = (
      await t.as("FO", {
        method: "POST",
        url: "/api/move-ins/check",
        payload: moveInRequest("PDS-1", { index: 1012, proof: "NONE" }),
      })
    ).json();
    expect(none.path).toBe("SUBSCRIBE_PREDECESSOR");
    const after = await Promise.all([
      count("cases"),
      count("parties"),
      count("readings"),
      count("communications"),
      count("audit_log"),
    ]);
    expect(after).toEqual(before);
    const future = await t.as("FO", {
      method: "POST",
      url: "/api/move-ins/check",
      payload: moveInRequest("PDS-1", { date: "2024-03-06" }),
    });
    expect(future.statusCode).toBe(422);
    expect(future.json().error).toMatchObject({ code: "DATE_IN_FUTURE", field: "date" });
  });

  let caseId = "";
  it("runs a move-in through execute(), once per Idempotency-Key, and records who and which entity", async () => {
    const req = {
      method: "POST" as const,
      url: "/api/move-ins",
      payload: moveInRequest("PDS-1", { index: 1012 }),
      headers: { "idempotency-key": "mi-1" },
    };
    const first = await t.as("FO", req);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ outcome: "CASE_OPENED", subscription: null });
    caseId = first.json().case;
    const again = await t.as("FO", req);
    expect(again.json()).toMatchObject({ outcome: "CASE_OPENED", case: caseId, duplicate: true });
    expect(await count("cases")).toBe(1);
    const other = await t.as("FO", { ...req, payload: moveInRequest("PDS-1", { index: 1013 }) });
    expect(other.statusCode).toBe(422);
    expect(other.json().error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    // Keys are per account: BO's "mi-1" is another key.
    const bo = await t.as("BO", { ...req, payload: moveInRequest("PDS-3", { index: 1001 }) });
    expect(bo.json()).toMatchObject({ outcome: "SUBSCRIBED" });
    const audit = await t.tdb.db.kysely
      .selectFrom("audit_log")
      .selectAll()
      .where("object_id", "=", caseId)
      .execute();
    expect(audit[0]).toMatchObject({
      actor: "fo.test",
      role: "FO",
      entity: "FO-LYON",
      action: "case.opened",
    });
  });

  it("names the field of a validation error and keeps INDEX_NOT_M3", async () => {
    const bad = await t.as("FO", {
      method: "POST",
      url: "/api/move-ins",
      payload: { ...moveInRequest("PDS-2"), customer: { email: "x@y.fr" } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: "INVALID_INPUT", field: "customer.name" });
    const dec = await t.as("FO", {
      method: "POST",
      url: "/api/move-ins",
      payload: moveInRequest("PDS-2", { index: "1004,5" }),
    });
    expect(dec.statusCode).toBe(400);
    expect(dec.json().error.code).toBe("INDEX_NOT_M3");
  });

  it("lists the work queue and shows a case with comments, tasks and communications", async () => {
    const q = (await t.as("BO", { url: "/api/cases?queue=1" })).json();
    expect(q.items[0]).toMatchObject({ id: caseId, nextTask: { kind: "AWAIT_PROOF", due: "2024-03-20" } });
    const c = (await t.as("BO", { url: `/api/cases/${caseId}` })).json();
    expect(c.status).toBe("OPEN");
    expect(c.comments.length).toBeGreaterThanOrEqual(2);
    expect(c.tasks[0]).toMatchObject({ kind: "AWAIT_PROOF", status: "OPEN" });
    expect(c.communications[0]).toMatchObject({ template: "PROOF_REQUEST", channel: "EMAIL" });
  });

  it("refuses a proof upload that is not PDF, JPEG or PNG by its bytes, or too large", async () => {
    const fake = multipart(
      { kind: "SALE_DEED", date: "2024-03-02", index: "1012" },
      { name: "a.pdf", type: "application/pdf", bytes: Buffer.from("MZ not a pdf") },
    );
    const r1 = await t.as("BO", { method: "POST", url: `/api/cases/${caseId}/proofs`, ...fake });
    expect(r1.statusCode).toBe(415);
    expect(r1.json().error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    const big = multipart(
      { kind: "SALE_DEED", date: "2024-03-02" },
      { name: "a.png", type: "image/png", bytes: Buffer.concat([PNG, Buffer.alloc(10 * 1024 * 1024)]) },
    );
    const r2 = await t.as("BO", { method: "POST", url: `/api/cases/${caseId}/proofs`, ...big });
    expect(r2.statusCode).toBe(413);
    expect(r2.json().error.code).toBe("PAYLOAD_TOO_LARGE");
    const c = (await t.as("BO", { url: `/api/cases/${caseId}` })).json();
    expect(c.proofs).toEqual([]);
  });

  it("keeps a refused proof and answers 422 with its id (R7)", async () => {
    const body = multipart(
      { kind: "SALE_DEED", date: "2024-03-02", index: "1012", meterSerial: "ZZ999" },
      { name: "acte.pdf", type: "application/pdf", bytes: PDF },
    );
    const r = await t.as("BO", { method: "POST", url: `/api/cases/${caseId}/proofs`, ...body });
    expect(r.statusCode, r.body).toBe(422);
    expect(r.json()).toMatchObject({
      outcome: "PROOF_REFUSED",
      case: caseId,
      error: { code: "METER_SERIAL_MISMATCH", field: "meterSerial" },
    });
    expect(r.json().proof).toMatch(/^PRF-/);
  });

  it("accepts a PDF proof, keeps it with its checksum, subscribes and feeds the R13 report", async () => {
    const body = multipart(
      { kind: "SALE_DEED", date: "2024-03-02", index: "1012", meterSerial: "A12345" },
      { name: "acte.pdf", type: "application/octet-stream", bytes: PDF },
    );
    const r = await t.as("BO", {
      method: "POST",
      url: `/api/cases/${caseId}/proofs`,
      ...body,
      headers: { ...body.headers, "idempotency-key": "proof-1" },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ outcome: "SUBSCRIBED", case: caseId });
    const again = await t.as("BO", {
      method: "POST",
      url: `/api/cases/${caseId}/proofs`,
      ...body,
      headers: { ...body.headers, "idempotency-key": "proof-1" },
    });
    expect(again.json()).toMatchObject({ outcome: "SUBSCRIBED", duplicate: true });
    // The same key with another document is another request: refused, nothing written.
    const other = multipart(
      { kind: "SALE_DEED", date: "2024-03-02", index: "1012", meterSerial: "A12345" },
      { name: "acte.png", type: "image/png", bytes: PNG },
    );
    const reused = await t.as("BO", {
      method: "POST",
      url: `/api/cases/${caseId}/proofs`,
      ...other,
      headers: { ...other.headers, "idempotency-key": "proof-1" },
    });
    expect(reused.statusCode).toBe(422);
    expect(reused.json().error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    const proofId = r.json().proof as string;
    const row = await t.tdb.db.kysely
      .selectFrom("proofs")
      .selectAll()
      .where("id", "=", proofId)
      .executeTakeFirstOrThrow();
    expect(row.sha256).toBe(createHash("sha256").update(PDF).digest("hex"));
    expect(row.content_type).toBe("application/pdf");
    expect(Buffer.from(row.content as Uint8Array).equals(PDF)).toBe(true);
    const file = await t.as("SUPERVISOR", { url: `/api/proofs/${proofId}/file` });
    expect(file.statusCode).toBe(200);
    expect(file.headers["content-type"]).toBe("application/pdf");
    expect(file.rawPayload.equals(PDF)).toBe(true);

    const rep = (
      await t.as("SUPERVISOR", { url: "/api/reports/intermediate-consumption?owner=lilas" })
    ).json();
    expect(rep.total).toBe(1);
    expect(rep.items[0]).toMatchObject({
      servicePoint: "PDS-1",
      predecessorTermination: { date: "2024-01-15", index: 1000 },
      newStart: { date: "2024-03-02", index: 1012 },
      volume: 12,
      owner: "SCI Les Lilas",
    });
    const none = (
      await t.as("SUPERVISOR", { url: "/api/reports/intermediate-consumption?owner=nobody" })
    ).json();
    expect(none).toEqual({ total: 0, volume: 0, items: [] });
    const csv = await t.as("SUPERVISOR", { url: "/api/reports/intermediate-consumption.csv" });
    expect(csv.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(csv.rawPayload.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(true);
    const lines = csv.body
      .replace(/^\uFEFF/, "")
      .trimEnd()
      .split("\r\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]?.split(";")[0]).toBe("Point de desserte");
    expect(lines[1]).toContain(
      "PDS-1;12 rue des Lilas, 69003 Lyon;SCI Les Lilas;15/01/2024;1000;02/03/2024;1012;12;",
    );
  });

  it("records, corrects and confirms readings; suspect readings show their suggestion", async () => {
    const rec = await t.as("FO", {
      method: "POST",
      url: "/api/service-points/PDS-2/readings",
      payload: { date: "2024-03-01", index: 10300, type: "CUSTOMER" },
    });
    expect(rec.json()).toMatchObject({ outcome: "READING_RECORDED" });
    const readingId = rec.json().reading as string;
    const sp = (await t.as("FO", { url: "/api/service-points/PDS-2" })).json();
    const r = sp.readings.find((x: { id: string }) => x.id === readingId);
    expect(r).toMatchObject({ status: "SUSPECT", suggestedIndex: 1030 });
    const fo = await t.as("FO", {
      method: "POST",
      url: `/api/readings/${readingId}/corrections`,
      payload: { index: 1030, reason: "virgule" },
    });
    expect(fo.statusCode).toBe(403);
    const cor = await t.as("BO", {
      method: "POST",
      url: `/api/readings/${readingId}/corrections`,
      payload: { index: 1030, reason: "virgule oubliée" },
    });
    expect(cor.json()).toMatchObject({ outcome: "READING_CORRECTED" });
    const after = (await t.as("FO", { url: "/api/service-points/PDS-2" })).json();
    expect(after.readings.find((x: { id: string }) => x.id === readingId)).toMatchObject({
      status: "REPLACED",
      replacedBy: { by: "bo.test", reason: "virgule oubliée" },
    });
  });

  it("records a contest, answers it, escalates to EUROS who closes the INT_EUROS case", async () => {
    const sub = (await t.as("FO", { url: "/api/service-points/PDS-3" })).json().currentSubscription as string;
    const ct = await t.as("FO", {
      method: "POST",
      url: `/api/subscriptions/${sub}/contests`,
      payload: { reason: "Index contesté" },
    });
    expect(ct.json()).toMatchObject({ outcome: "CONTEST_RECORDED" });
    const contestId = ct.json().contest as string;
    const ans = await t.as("BO", {
      method: "POST",
      url: `/api/contests/${contestId}/answer`,
      payload: { answer: "Explication", regularizationNeeded: true },
    });
    expect(ans.json()).toMatchObject({ outcome: "REGULARIZATION_OPENED" });
    const intCase = ans.json().case as string;
    expect((await t.as("FO", { url: "/api/contests?status=ESCALATED" })).json().items[0]).toMatchObject({
      id: contestId,
      regularizationCase: intCase,
    });
    const euros = await t.as("EUROS", {
      method: "POST",
      url: `/api/cases/${intCase}/close-regularization`,
      payload: { comment: "Régularisé" },
    });
    expect(euros.json()).toMatchObject({ outcome: "REGULARIZATION_CLOSED", case: intCase });
    const closed = await t.as("EUROS", {
      method: "POST",
      url: `/api/cases/${intCase}/close-regularization`,
      payload: { comment: "encore" },
    });
    expect(closed.statusCode).toBe(409);
    expect(closed.json().error.code).toBe("CASE_CLOSED");
    const euros403 = await t.as("EUROS", {
      method: "POST",
      url: `/api/cases/${caseId}/close-regularization`,
      payload: { comment: "x" },
    });
    expect(euros403.statusCode).toBe(403);
  });

  it("lists the outbox and retries a failed message only", async () => {
    const list = (await t.as("FO", { url: "/api/outbox" })).json();
    expect(list.total).toBeGreaterThanOrEqual(2);
    const id = list.items[0].id as string;
    const notFailed = await t.as("BO", { method: "POST", url: `/api/outbox/${id}/retry` });
    expect(notFailed.statusCode).toBe(409);
    expect(notFailed.json().error.code).toBe("MESSAGE_NOT_FAILED");
    await t.tdb.db.kysely
      .updateTable("communications")
      .set({ status: "FAILED", last_error: "smtp down" })
      .where("id", "=", id)
      .execute();
    const ok = await t.as("BO", { method: "POST", url: `/api/outbox/${id}/retry` });
    expect(ok.json()).toEqual({ id, status: "PENDING" });
  });

  it("previews an email as subject and parts, and a letter as a PDF", async () => {
    const list = (await t.as("FO", { url: "/api/outbox?limit=200" })).json();
    const email = list.items.find((m: { channel: string }) => m.channel === "EMAIL");
    expect(email).toBeDefined();
    const p = await t.as("FO", { url: `/api/outbox/${email.id}/preview` });
    expect(p.statusCode).toBe(200);
    const body = p.json();
    expect(body.kind).toBe("EMAIL");
    expect(body.to).toBe(email.to);
    expect(body.subject.length).toBeGreaterThan(5);
    expect(body.text).toContain("m3");
    const missing = await t.as("FO", { url: "/api/outbox/MSG-999999/preview" });
    expect(missing.statusCode).toBe(404);
    const letter = list.items.find((m: { channel: string }) => m.channel === "LETTER");
    if (letter) {
      const pdf = await t.as("FO", { url: `/api/outbox/${letter.id}/preview` });
      expect(pdf.headers["content-type"]).toContain("application/pdf");
      expect(pdf.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
    }
  });

  it("reports cases by entity and new customers, with CSV", async () => {
    const byEntity = (
      await t.as("SUPERVISOR", { url: "/api/reports/cases-by-entity?from=2024-03-05&to=2024-03-05" })
    ).json();
    expect(byEntity.items).toContainEqual({
      entity: "FO-LYON",
      type: "ARR_SPECIAL",
      status: "CLOSED",
      count: 1,
    });
    const earlier = (await t.as("SUPERVISOR", { url: "/api/reports/cases-by-entity?to=2024-03-04" })).json();
    expect(earlier.items).toEqual([]);
    const nc = (await t.as("ADMIN", { url: "/api/reports/new-customers?limit=1" })).json();
    expect(nc.total).toBe(2);
    expect(nc.items).toHaveLength(1);
    const csv = await t.as("SUPERVISOR", {
      url: "/api/reports/new-customers.csv?entity=BO-LYON&from=2024-01-01&to=2024-12-31",
    });
    const lines = csv.body
      .replace(/^\uFEFF/, "")
      .trimEnd()
      .split("\r\n");
    // BO-LYON's own move-in; the subscription BO made on FO-LYON's case counts for the case's entity (R8).
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(";Index déclaré;BO-LYON;");
    const fo = await t.as("SUPERVISOR", {
      url: "/api/reports/new-customers.csv?entity=FO-LYON&from=2024-01-01&to=2024-12-31",
    });
    const foLines = fo.body
      .replace(/^\uFEFF/, "")
      .trimEnd()
      .split("\r\n");
    expect(foLines).toHaveLength(2);
    expect(foLines[1]).toContain(";FO-LYON;CASE-");
  });

  it("maps each command route's :id to its field: reconnection, visit, no-proof, proof request, move-out, confirmation", async () => {
    await givenServicePoints(
      t.tdb.db,
      servicePointFixture({ id: "PDS-R1" }),
      servicePointFixture({ id: "PDS-R2" }),
    );
    const visit = await t.as("FO", {
      method: "POST",
      url: "/api/move-ins",
      payload: moveInRequest("PDS-R1", { index: null, reconnection: true, customer: { name: "Ana Silva" } }),
    });
    expect(visit.json()).toMatchObject({ outcome: "CASE_OPENED" });
    const report = await t.as("BO", {
      method: "POST",
      url: `/api/cases/${visit.json().case}/intervention-report`,
      payload: { date: "2024-03-04", index: 1003 },
    });
    expect(report.json()).toMatchObject({ outcome: "SUBSCRIBED", case: visit.json().case });
    const sub = report.json().subscription as string;
    const out = await t.as("FO", {
      method: "POST",
      url: `/api/subscriptions/${sub}/move-out`,
      payload: { date: "2024-03-05", index: 1004 },
    });
    expect(out.json()).toMatchObject({ outcome: "TERMINATED", subscription: sub });

    const gap = await t.as("FO", {
      method: "POST",
      url: "/api/move-ins",
      payload: moveInRequest("PDS-R2", { index: 1050, customer: { name: "Léo Petit" } }),
    });
    const gapCase = gap.json().case as string;
    const again = await t.as("BO", {
      method: "POST",
      url: `/api/cases/${gapCase}/proof-requests`,
      payload: {},
    });
    expect(again.json()).toMatchObject({ outcome: "PROOF_REQUESTED", case: gapCase });
    const noProof = await t.as("FO", { method: "POST", url: `/api/cases/${gapCase}/no-proof` });
    expect(noProof.json()).toMatchObject({ outcome: "SUBSCRIBED", case: gapCase });
    const closed = await t.as("FO", { method: "POST", url: `/api/cases/${gapCase}/no-proof`, payload: {} });
    expect(closed.statusCode).toBe(409);
    expect(closed.json().error.code).toBe("CASE_CLOSED");

    const suspect = await t.as("FO", {
      method: "POST",
      url: "/api/service-points/PDS-R2/readings",
      payload: { date: "2024-03-05", index: 99999, type: "NORMAL" },
    });
    const conf = await t.as("BO", {
      method: "POST",
      url: `/api/readings/${suspect.json().reading}/confirmations`,
      payload: { reason: "fuite constatée" },
    });
    expect(conf.json()).toMatchObject({ outcome: "READING_CONFIRMED", reading: suspect.json().reading });
    const persists = await t.as("BO", { method: "POST", url: "/api/contests/CTS-404/persists", payload: {} });
    expect(persists.statusCode).toBe(404);
    expect(persists.json().error).toMatchObject({ code: "UNKNOWN_REFERENCE", field: "contest" });
  });
});
