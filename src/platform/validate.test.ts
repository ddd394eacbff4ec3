import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type EcartError, ErrorCode } from "./errors.js";
import { isoDate, parseInput } from "./validate.js";

/** The French message parseInput gives for `value` under `schema` (the field is `x`). */
function refusal(schema: z.ZodType, value: unknown): { message: string; field: string | undefined } {
  try {
    parseInput(z.object({ x: schema }), { x: value });
  } catch (e) {
    const err = e as EcartError;
    expect(err.code).toBe(ErrorCode.INVALID_INPUT);
    // The English message, for the log, keeps zod's own words.
    expect(err.message).toMatch(/^invalid input at x: /);
    return { message: err.messageFr, field: err.field };
  }
  throw new Error("accepted");
}

describe("refusals say why in French, never in zod's English", () => {
  it.each([
    [
      "a string one character short of 8",
      z.string().min(8),
      "court",
      "Champ « x » invalide : au moins 8 caractères.",
    ],
    ["an empty required text", z.string().min(1), "", "Champ « x » invalide : ne doit pas être vide."],
    [
      "a text of 2,001 characters for 2,000",
      z.string().max(2000),
      "a".repeat(2001),
      "Champ « x » invalide : au plus 2\u202f000 caractères.",
    ],
    ["a number above its maximum", z.number().max(3), 4, "Champ « x » invalide : au plus 3."],
    [
      "a number at an exclusive minimum",
      z.number().gt(0),
      0,
      "Champ « x » invalide : strictement supérieur à 0.",
    ],
    [
      "a value outside an enum",
      z.enum(["FO", "BO"]),
      "XX",
      "Champ « x » invalide : valeurs possibles : FO, BO.",
    ],
    ["a number where text is expected", z.string(), 12, "Champ « x » invalide : texte attendu."],
    ["a badly formed email", z.email(), "pas-un-email", "Champ « x » invalide : adresse e-mail invalide."],
    [
      "a date of month 13 (the schema's own French message)",
      isoDate,
      "2024-13-01",
      "Champ « x » invalide : date attendue au format AAAA-MM-JJ.",
    ],
    ["a missing field", z.string(), undefined, "Champ « x » manquant."],
  ])("%s", (_name, schema, value, message) => {
    const r = refusal(schema, value);
    expect(r).toEqual({ message, field: "x" });
    expect(r.message).not.toMatch(/Too (small|big)|Invalid|expected/);
  });
});
