/** CSV for French spreadsheets, keyset batches, upload sniffing and the error mapping (unit). */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { toEcartError } from "../../src/http/errors.js";
import { acceptDocument, sniffType } from "../../src/http/uploads.js";
import { EcartError, ErrorCode, HTTP_STATUS } from "../../src/platform/errors.js";
import { BOM, csvField, csvLine } from "../../src/platform/spreadsheet.js";
import { keysetBatches, toCsv } from "../../src/reports/csv.js";

describe("CSV", () => {
  it.each([
    [null, ""],
    [undefined, ""],
    [12, "12"],
    [-3, "-3"],
    ["SCI Les Lilas", "SCI Les Lilas"],
    ["a;b", '"a;b"'],
    ['dit "non"', '"dit ""non"""'],
    ["ligne\nsuivante", '"ligne\nsuivante"'],
    ["=HYPERLINK(1)", "'=HYPERLINK(1)"],
    ["+33 6", "'+33 6"],
    ["@x", "'@x"],
  ])("field %j → %j", (v, out) => {
    expect(csvField(v as string | number | null | undefined)).toBe(out);
  });

  it("writes lines with semicolons and CRLF", () => {
    expect(csvLine(["PDS-1", 12, null, "é"])).toBe("PDS-1;12;;é\r\n");
  });

  it("streams the BOM and header first, then each batch, each fetched after the last key, until a short batch", async () => {
    const calls: Array<[number | undefined, number]> = [];
    const data = Array.from({ length: 5 }, (_, i) => ({ n: i * 10 }));
    const fetch = async (after: number | undefined, limit: number) => {
      calls.push([after, limit]);
      return data.filter((r) => after === undefined || r.n > after).slice(0, limit);
    };
    const chunks: string[] = [];
    const rows = keysetBatches(fetch, (r) => r.n, 2);
    for await (const c of toCsv([{ header: "N°", value: (r: { n: number }) => r.n }], rows)) chunks.push(c);
    expect(calls).toEqual([
      [undefined, 2],
      [10, 2],
      [30, 2],
    ]);
    expect(chunks[0]).toBe(`${BOM}N°\r\n`);
    expect(chunks).toHaveLength(4);
    expect(chunks.join("")).toBe(`${BOM}N°\r\n0\r\n10\r\n20\r\n30\r\n40\r\n`);
    // A last batch that is exactly full needs one more (empty) fetch to know it was the last.
    const exact: Array<[number | undefined, number]> = [];
    const seen: number[] = [];
    for await (const batch of keysetBatches(
      async (after: number | undefined, limit: number) => {
        exact.push([after, limit]);
        return data
          .slice(0, 4)
          .filter((r) => after === undefined || r.n > after)
          .slice(0, limit);
      },
      (r) => r.n,
      2,
    ))
      seen.push(...batch.map((r) => r.n));
    expect(exact).toEqual([
      [undefined, 2],
      [10, 2],
      [30, 2],
    ]);
    expect(seen).toEqual([0, 10, 20, 30]);
  });
});

describe("keyset batches, read ahead", () => {
  const failingAfterFirst = (calls: number[]) => async (after: number | undefined, limit: number) => {
    calls.push(after ?? -1);
    if (after !== undefined) throw new Error("connection closed");
    return Array.from({ length: limit }, (_, i) => i);
  };

  it("reads the next batch while the current one is written, and reports its failure to the reader", async () => {
    const calls: number[] = [];
    const seen: number[][] = [];
    await expect(async () => {
      for await (const b of keysetBatches(failingAfterFirst(calls), (r) => r, 2)) seen.push(b);
    }).rejects.toThrow("connection closed");
    expect(seen).toEqual([[0, 1]]);
    expect(calls).toEqual([-1, 1]);
  });

  it("lets a reader stop early (a client gone) without an unhandled rejection from the read-ahead", async () => {
    const calls: number[] = [];
    for await (const b of keysetBatches(failingAfterFirst(calls), (r) => r, 2)) {
      expect(b).toEqual([0, 1]);
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual([-1, 1]); // the read-ahead ran, failed, and nobody awaited it
  });
});

describe("uploads", () => {
  it("recognises PDF, JPEG and PNG by their first bytes only", () => {
    expect(sniffType(Buffer.from("%PDF-1.7"))).toBe("application/pdf");
    expect(sniffType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe("image/jpeg");
    expect(sniffType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe("image/png");
    expect(sniffType(Buffer.from("<html>%PDF-"))).toBeNull();
    expect(sniffType(Buffer.from("%PD"))).toBeNull();
  });

  it("keeps the checksum of the bytes and a safe name", () => {
    const f = acceptDocument("../acte.pdf", "text/plain", Buffer.from("%PDF-1.4 x"));
    expect(f.contentType).toBe("application/pdf");
    expect(f.name).toBe("acte.pdf"); // the path is dropped (issue 14 #8)
    expect(f.sha256).toBe(createHash("sha256").update("%PDF-1.4 x").digest("hex"));
    expect(f.size).toBe(10);
    expect(() => acceptDocument("a.exe", "application/pdf", Buffer.from("MZ"))).toThrow(EcartError);
  });
});

describe("error mapping", () => {
  it("hides an unexpected fault behind INTERNAL, in French, without a stack", () => {
    const e = toEcartError(new TypeError("cannot read x of undefined"));
    expect(e.code).toBe(ErrorCode.INTERNAL);
    expect(HTTP_STATUS[e.code]).toBe(500);
    expect(JSON.stringify(e.toJSON())).not.toContain("undefined");
    expect(e.toJSON().message).toBe("Erreur interne : l'incident a été enregistré.");
  });

  it("maps a lost race to CONFLICT and keeps EcartErrors as they are", () => {
    expect(toEcartError(Object.assign(new Error("dup"), { code: "23505" })).code).toBe(ErrorCode.CONFLICT);
    const own = new EcartError(ErrorCode.CASE_CLOSED, "fermé", "closed");
    expect(toEcartError(own)).toBe(own);
    expect(HTTP_STATUS.CASE_CLOSED).toBe(409);
  });
});
