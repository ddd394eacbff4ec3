/**
 * Promise: uploads (issue 14 #8) — a stored document is served under a name of ours built from its type
 * read from its bytes (`PRF-….pdf`), never the name it came with; a PDF carrying JavaScript or an
 * automatic action is refused (415 PDF_ACTIVE_CONTENT, in French) and nothing is written; a `filename*`
 * (RFC 5987) name is read, and kept without path, control or bidirectional characters; a case stores at
 * most MAX_DOCUMENTS_PER_CASE documents.
 */
import { deflateSync } from "node:zlib";
import type { FastifyInstance, InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createApiToken } from "../../src/accounts/store.js";
import { buildApp } from "../../src/http/app.js";
import {
  MAX_DOCUMENTS_PER_CASE,
  pdfActiveContent,
  servedDocument,
  uploadedName,
} from "../../src/http/uploads.js";
import { NOW } from "../http/helpers.js";
import { PDF, PNG } from "../http/multipart.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { fingerprint } from "./support.js";
import { seedWorld } from "./world.js";

const pdf = (body: string) => Buffer.from(`%PDF-1.4\n${body}\ntrailer << >>\n%%EOF\n`, "latin1");
/** A PDF whose object stream (Flate) holds `inner`. */
const pdfWithStream = (inner: string) =>
  Buffer.concat([
    Buffer.from("%PDF-1.5\n1 0 obj << /Type /ObjStm /Filter /FlateDecode >>\nstream\n", "latin1"),
    deflateSync(Buffer.from(inner, "latin1")),
    Buffer.from("\nendstream\nendobj\ntrailer << >>\n%%EOF\n", "latin1"),
  ]);

describe("pdfActiveContent", () => {
  it.each([
    ["a plain PDF", PDF, null],
    ["/OpenAction", pdf("1 0 obj << /Type /Catalog /OpenAction 2 0 R >> endobj"), "/OpenAction"],
    ["/JavaScript", pdf("2 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj"), "/JavaScript"],
    ["/JS alone", pdf("2 0 obj << /JS 3 0 R >> endobj"), "/JS"],
    ["/Launch", pdf("2 0 obj << /S /Launch /F (calc.exe) >> endobj"), "/Launch"],
    ["a name written with #xx escapes", pdf("1 0 obj << /Op#65nAction 2 0 R >> endobj"), "/OpenAction"],
    [
      "inside a compressed object stream",
      pdfWithStream("<< /Type /Catalog /OpenAction 2 0 R >>"),
      "/OpenAction",
    ],
    ["a compressed stream without any", pdfWithStream("<< /Type /Catalog /Pages 2 0 R >>"), null],
    ["a name that only starts like one (/JSON, /Launcher)", pdf("<< /JSON 1 /Launcher 2 >>"), null],
  ])("%s", (_what, bytes, expected) => {
    expect(pdfActiveContent(bytes)).toBe(expected);
  });
});

describe("names", () => {
  it.each([
    ["../../etc/passwd", "passwd"],
    ["C:\\Users\\x\\photo.jpg", "photo.jpg"],
    ["facture\u202Efdp.exe", "facturefdp.exe"],
    ["ligne\r\nX-Injected: 1.pdf", "ligneX-Injected: 1.pdf"],
    ["é".repeat(250), "é".repeat(200)],
  ])("uploadedName(%j)", (name, expected) => {
    expect(uploadedName(name)).toBe(expected);
  });

  it("serves by the type read from the bytes, under the proof's id", () => {
    expect(servedDocument("PRF-000042", PDF)).toEqual({
      contentType: "application/pdf",
      fileName: "PRF-000042.pdf",
    });
    expect(servedDocument("PRF-000043", PNG)).toEqual({
      contentType: "image/png",
      fileName: "PRF-000043.png",
    });
    expect(servedDocument('PRF-1"; x', Buffer.from("<html>"))).toEqual({
      contentType: "application/octet-stream",
      fileName: "PRF-1_x.bin",
    });
  });
});

/** A multipart body whose file part has the Content-Disposition given as is. */
function multipartRaw(fields: Record<string, string>, disposition: string, type: string, bytes: Buffer) {
  const boundary = "----ecartUploads";
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  parts.push(
    Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\nContent-Type: ${type}\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return {
    payload: Buffer.concat(parts),
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
  };
}

describe.each(ENGINES)("uploads over the API (%s)", (engine) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let token: string;
  const as = (o: InjectOptions) =>
    app.inject({ ...o, headers: { ...o.headers, authorization: `Bearer ${token}` } });
  /** A METER_PHOTO whose serial is not the meter's: refused by R7 but kept on file (422, its proof id). */
  const photo = { kind: "METER_PHOTO", date: "2024-03-04", index: "1010", meterSerial: "PAS-CE-COMPTEUR" };

  beforeAll(async () => {
    t = await createTestDatabase(engine);
    app = await buildApp({ db: t.db, clock: () => NOW, webDist: null });
    const a = await createAccount(
      t.db.kysely,
      { username: "bo.uploads", role: "BO", entity: "BO-LYON", password: null },
      NOW,
    );
    token = await createApiToken(t.db.kysely, a.id, "tests", NOW);
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it("refuses a PDF with JavaScript or /OpenAction, in French, and writes nothing", async () => {
    const w = await seedWorld(t.db, "UPJS");
    const before = await fingerprint(t.db);
    for (const bytes of [
      pdf("1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj"),
      pdfWithStream("<< /Type /Catalog /OpenAction 2 0 R >>"),
    ]) {
      const body = multipartRaw(
        photo,
        `form-data; name="file"; filename="scan.pdf"`,
        "application/pdf",
        bytes,
      );
      const r = await as({ method: "POST", url: `/api/cases/${w.gapCase}/proofs`, ...body });
      expect(r.statusCode, r.body).toBe(415);
      expect(r.json().error).toMatchObject({ code: "PDF_ACTIVE_CONTENT", field: "file" });
      expect(r.json().error.message).toContain("JavaScript");
    }
    expect(await fingerprint(t.db)).toEqual(before);
  });

  it("keeps a filename* name cleaned, and serves the document as PRF-….pdf", async () => {
    const w = await seedWorld(t.db, "UPNM");
    const body = multipartRaw(
      photo,
      `form-data; name="file"; filename*=UTF-8''..%2F..%2Fr%C3%A9sili%C3%A9%E2%80%AEfdp.exe`,
      "text/html",
      PDF,
    );
    const r = await as({ method: "POST", url: `/api/cases/${w.gapCase}/proofs`, ...body });
    expect([200, 422]).toContain(r.statusCode);
    const proof = r.json().proof as string;
    expect(proof).toMatch(/^PRF-/);
    const row = await t.db.kysely
      .selectFrom("proofs")
      .select(["file_name", "content_type"])
      .where("id", "=", proof)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ file_name: "résiliéfdp.exe", content_type: "application/pdf" });
    const file = await as({ method: "GET", url: `/api/proofs/${proof}/file` });
    expect(file.statusCode).toBe(200);
    expect(file.headers["content-type"]).toMatch(/^application\/pdf/);
    expect(file.headers["content-disposition"]).toBe(`attachment; filename="${proof}.pdf"`);
    expect(file.headers["x-content-type-options"]).toBe("nosniff");
  });

  it(`stores ${MAX_DOCUMENTS_PER_CASE - 1} + 1 documents on a case, refuses the next (409), writes nothing`, async () => {
    const w = await seedWorld(t.db, "UPCAP");
    const stored = Array.from({ length: MAX_DOCUMENTS_PER_CASE - 1 }, () => ({
      case_id: w.gapCase,
      kind: "METER_PHOTO" as const,
      status: "REFUSED" as const,
      file_name: "photo.png",
      content_type: "image/png",
      size_bytes: PNG.length,
      content: new Uint8Array(PNG),
      received_at: NOW,
      received_by: "bo.uploads",
      entity: "BO-LYON",
    }));
    await t.db.kysely.insertInto("proofs").values(stored).execute();
    const send = () =>
      as({
        method: "POST",
        url: `/api/cases/${w.gapCase}/proofs`,
        ...multipartRaw(photo, `form-data; name="file"; filename="photo.png"`, "image/png", PNG),
      });
    const last = await send();
    expect(last.statusCode, last.body).toBe(422); // the 20th: kept on file, refused by R7
    expect(last.json().proof).toMatch(/^PRF-/);
    const before = await fingerprint(t.db);
    const over = await send();
    expect(over.statusCode, over.body).toBe(409);
    expect(over.json().error).toMatchObject({ code: "TOO_MANY_DOCUMENTS", field: "file" });
    expect(over.json().error.message).toContain(`${MAX_DOCUMENTS_PER_CASE} documents`);
    expect(await fingerprint(t.db)).toEqual(before);
  });
});
