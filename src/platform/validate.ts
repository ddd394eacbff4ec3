/** Input validation at the edge of every command: zod schemas, errors turned into INVALID_INPUT. */
import { z } from "zod";
import { isIsoDate } from "./dates.js";
import { EcartError, ErrorCode } from "./errors.js";

/** A calendar date, YYYY-MM-DD. */
export const isoDate = z.string().refine(isIsoDate, { message: "date attendue au format AAAA-MM-JJ" });
/** An index as typed: checked for whole m3 by parseIndexM3, so that a decimal gets INDEX_NOT_M3. */
export const rawIndex = z.union([z.number(), z.string().max(40)]);
/** An id of an object in the database. */
export const ref = z.string().min(1).max(100);
/** A free text of reasonable length. */
export const text = (max = 2000) => z.string().trim().min(1).max(max);

/** A UTF-16 surrogate without its pair: not a character, and refused by PostgreSQL's jsonb (22P05). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The path of the first string holding a NUL character or a lone surrogate (PostgreSQL cannot store it in text:
 * left alone, it fails deep in the transaction as an internal error), or null.
 */
export function nulCharPath(v: unknown, path: string[] = [], depth = 0): string[] | null {
  if (typeof v === "string") return v.includes("\u0000") || LONE_SURROGATE.test(v) ? path : null;
  if (depth > 8 || v === null || typeof v !== "object" || ArrayBuffer.isView(v)) return null;
  for (const [k, x] of Object.entries(v)) {
    const hit = nulCharPath(x, [...path, k], depth + 1);
    if (hit) return hit;
  }
  return null;
}

/** Parses input or throws INVALID_INPUT naming the first field at fault. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const nul = nulCharPath(input);
  if (nul) {
    const field = nul.join(".") || undefined;
    throw new EcartError(
      ErrorCode.INVALID_INPUT,
      field ? `Champ « ${field} » invalide : caractère nul ou invalide interdit.` : "Données invalides.",
      `invalid input${field ? ` at ${field}` : ""}: NUL character or lone surrogate`,
      field,
    );
  }
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue?.path.join(".") || undefined;
  const what = issue?.code === "invalid_type" && issue.input === undefined ? "manquant" : "invalide";
  throw new EcartError(
    ErrorCode.INVALID_INPUT,
    field
      ? `Champ « ${field} » ${what}${issue?.message ? ` : ${issue.message}` : ""}.`
      : "Données invalides.",
    `invalid input${field ? ` at ${field}` : ""}: ${issue?.message ?? "unknown"}`,
    field,
  );
}
