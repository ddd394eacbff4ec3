/**
 * CSV for a French spreadsheet (Excel, LibreOffice): UTF-8 with a BOM, `;` between fields, CRLF between
 * lines, and text that a spreadsheet cannot take for a formula. Used by the report exports (R13) and the
 * readings import's rejects file, so both defuse text the same way.
 */

/** Byte-order mark: tells spreadsheets the file is UTF-8. */
export const BOM = "\uFEFF";
export const SEPARATOR = ";";

/**
 * First characters that make a spreadsheet run a cell as a formula (CSV injection), after any apostrophes
 * (a text that starts with apostrophes and a formula gets one more, so restoreFormula is exact).
 */
const FORMULA_START = /^'*[=+\-@\t\r]/;

/** A text a spreadsheet would run as a formula, defused by a leading apostrophe (shown as text). */
export function defuseFormula(s: string): string {
  return FORMULA_START.test(s) ? `'${s}` : s;
}

/** The text before defuseFormula: the apostrophe it added taken off again. */
export function restoreFormula(s: string): string {
  return s.startsWith("'") && FORMULA_START.test(s.slice(1)) ? s.slice(1) : s;
}

/**
 * Characters a person cannot see or that change how a line reads: C0 and C1 controls, DEL, the Unicode
 * line and paragraph separators, the bidirectional marks and overrides, and the BOM.
 */
const CONTROL = /[\\\p{Cc}\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/gu;
const NAMED: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/**
 * The text with every control character written out (`\t`, `\n`, `\r`, `\u{1B}`…) and a backslash doubled:
 * one visible line, and restoreControls gives the text back exactly.
 */
export function visibleControls(s: string): string {
  return s.replace(
    CONTROL,
    (c) => NAMED[c] ?? `\\u{${(c.codePointAt(0) as number).toString(16).toUpperCase()}}`,
  );
}

const ESCAPE = /\\(\\|t|n|r|u\{([0-9A-Fa-f]{1,6})\})/g;
const UNNAMED: Record<string, string> = { "\\": "\\", t: "\t", n: "\n", r: "\r" };

/** The text visibleControls was given (a backslash followed by anything else is left as it is). */
export function restoreControls(s: string): string {
  return s.replace(ESCAPE, (all, e: string, hex: string | undefined) => {
    if (hex === undefined) return UNNAMED[e] ?? all;
    const code = Number.parseInt(hex, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}

/** One field: quoted when it holds a separator, quote or line break; a text that a spreadsheet would run as a formula is defused. */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  const s = defuseFormula(v);
  return /[";\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (fields: Array<string | number | boolean | null | undefined>) =>
  `${fields.map(csvField).join(SEPARATOR)}\r\n`;
