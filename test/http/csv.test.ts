/** CSV for French spreadsheets, batches, upload sniffing and the error mapping (unit). */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { toEcartError } from "../../src/http/errors.js";
import { acceptDocument, sniffType } from "../../src/http/uploads.js";
import { EcartError, ErrorCode, HTTP_STATUS } from "../../src/platform/errors.js";
import { BOM, batches, csvField, csvLine, toCsv } from "../../src/reports/csv.js";

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

  it("streams the BOM and header first, then each batch, fetching until a short page", async () => {
    const calls: Array<[number, number]> = [];
    const data = Array.from({ length: 5 }, (_, i) => ({ n: i }));
    const fetch = async (limit: number, offset: number) => {
      calls.push([limit, offset]);
      return data.slice(offset, offset + limit);
    };
    const chunks: string[] = [];
    for await (const c of toCsv([{ header: "N°", value: (r: { n: number }) => r.n }], batches(fetch, 2)))
      chunks.push(c);
    expect(calls).toEqual([
      [2, 0],
      [2, 2],
      [2, 4],
    ]);
    expect(chunks[0]).toBe(`${BOM}N°\r\n`);
    expect(chunks.join("")).toBe(`${BOM}N°\r\n0\r\n1\r\n2\r\n3\r\n4\r\n`);
    const exact: Array<[number, number]> = [];
    for await (const _ of batches(async (l, o) => {
      exact.push([l, o]);
      return data.slice(0, 4).slice(o, o + l);
    }, 2)) {
      /* drain */
    }
    expect(exact).toEqual([
      [2, 0],
      [2, 2],
      [2, 4],
    ]);
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
    expect(f.name).toBe(".._acte.pdf");
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
