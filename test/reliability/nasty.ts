/** The fuzzers' bad values: wrong types, huge numbers, decimals, bad dates, unknown ids, odd unicode. */
import fc from "fast-check";

/** Strings that look almost right, or are dangerous as text. */
export const NASTY_STRINGS = [
  "",
  " ",
  "2099-12-31",
  "9999-12-31",
  "2024-02-30",
  "2024-13-01",
  "2024-3-2",
  "0000-01-01",
  "1900-01-01",
  "02/03/2024",
  "CASE-999999",
  "SUB-999999",
  "RDG-999999999",
  "PDS-NOPE",
  "CTS-999999",
  "1004,5",
  "1004.5",
  "1004.0",
  "-3",
  "1e3",
  "0x3ec",
  " 1004 m3 ",
  "1004 litres",
  "99999999999999999999",
  "'; drop table readings; --",
  '" or 1=1 --',
  `$${"{7*7}"}`,
  "<script>alert(1)</script>",
  "\u0000",
  "Jeanne\u0000Martin",
  "\uD800",
  "\u202Eevil",
  "\u200B",
  "𝔍𝔢𝔞𝔫𝔫𝔢",
  "ｊｅａｎｎｅ",
  "Zoë Ç̧̧",
  "🚰💧",
  "a".repeat(5000),
  "é".repeat(100_001),
];

export const NASTY_NUMBERS = [
  -1,
  -0,
  0.5,
  1004.5,
  1e308,
  -1e308,
  2 ** 53 + 2,
  2 ** 63,
  1_000_000_000_000,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
];

/** Any bad value, for an input field or a whole input. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 5 },
  // PostgreSQL refuses NUL in text: a classic way to turn a bad request into an internal error.
  { arbitrary: fc.string({ maxLength: 8 }).map((s) => `${s}\u0000${s}`), weight: 2 },
  fc.constantFrom(...NASTY_NUMBERS),
  fc.constantFrom(null, undefined, true, false, Number.NaN, Number.POSITIVE_INFINITY),
  fc.constantFrom([], {}, [1004], { index: 1004 }, { toString: "x" }),
  fc.integer({ min: -2_000_000_000_000, max: 2_000_000_000_000 }),
  fc.double({ noNaN: false }),
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.string({ unit: "grapheme", maxLength: 60 }),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Bad values that survive JSON (for HTTP bodies): no undefined, NaN or Infinity. */
export const nastyJsonValue: fc.Arbitrary<unknown> = nastyValue.filter(
  (v) => v !== undefined && !(typeof v === "number" && !Number.isFinite(v)),
);
