import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvField, defuseFormula, restoreControls, restoreFormula, visibleControls } from "./spreadsheet.js";

describe("text for a French spreadsheet", () => {
  it.each([
    ["2024-01-10", "2024-01-10"],
    ["a\tb\nc\r", "a\\tb\\nc\\r"],
    ["\u0000\u001b\u007f\u0085", "\\u{0}\\u{1B}\\u{7F}\\u{85}"],
    ["\u202eRTL\u2028", "\\u{202E}RTL\\u{2028}"],
    ["C:\\temp", "C:\\\\temp"],
    ["é — ü 😀", "é — ü 😀"],
  ])("writes %j out as %j", (text, shown) => {
    expect(visibleControls(text)).toBe(shown);
    expect(restoreControls(shown)).toBe(text);
  });

  it("gives back any text exactly, and leaves no control character to show", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (s) => {
        const shown = visibleControls(s);
        expect(shown).not.toMatch(/[\p{Cc}\u2028\u2029\u202a-\u202e]/u);
        expect(restoreControls(shown)).toBe(s);
      }),
      { numRuns: 500, seed: 20261127 },
    );
  });

  it("defuses a formula as the report exports do, and takes the apostrophe off again", () => {
    for (const s of ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "ok", "'=déjà"]) {
      expect(restoreFormula(defuseFormula(s))).toBe(s);
      expect(csvField(s).replace(/^"|"$/g, "").startsWith(defuseFormula(s).slice(0, 1))).toBe(true);
    }
    expect(defuseFormula("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(restoreFormula("'PDS-1")).toBe("'PDS-1");
  });
});
