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

const TYPE_FR: Record<string, string> = {
  string: "texte attendu",
  number: "nombre attendu",
  int: "nombre entier attendu",
  boolean: "vrai ou faux attendu",
  object: "objet attendu",
  array: "liste attendue",
  date: "date attendue",
};

const fr = (x: unknown) => Number(x).toLocaleString("fr-FR");

/**
 * Why a value was refused, in French, for people (zod's own message, in English, goes to the log), from a
 * zod issue's code and fields; null when there is nothing more to say than « invalide ». A `custom` issue
 * carries its own message, written in French by the schema (`isoDate`).
 */
export function frenchReason(
  code: string | undefined,
  p: Record<string, unknown> = {},
  message?: string,
): string | null {
  const many = p.origin === "array" || p.origin === "set";
  switch (code) {
    case "too_small":
      if (p.origin === "string")
        return Number(p.minimum) <= 1 ? "ne doit pas être vide" : `au moins ${fr(p.minimum)} caractères`;
      if (many) return `au moins ${fr(p.minimum)} élément${Number(p.minimum) > 1 ? "s" : ""}`;
      return `${p.inclusive === false ? "strictement supérieur à" : "au moins"} ${fr(p.minimum)}`;
    case "too_big":
      if (p.origin === "string") return `au plus ${fr(p.maximum)} caractères`;
      if (many) return `au plus ${fr(p.maximum)} élément${Number(p.maximum) > 1 ? "s" : ""}`;
      return `${p.inclusive === false ? "strictement inférieur à" : "au plus"} ${fr(p.maximum)}`;
    case "invalid_value":
      return Array.isArray(p.values) ? `valeurs possibles : ${p.values.map(String).join(", ")}` : null;
    case "invalid_format":
      return p.format === "email" ? "adresse e-mail invalide" : "format invalide";
    case "invalid_type":
      return TYPE_FR[String(p.expected)] ?? null;
    case "unrecognized_keys":
      return Array.isArray(p.keys) ? `champs inconnus : ${p.keys.map(String).join(", ")}` : "champs inconnus";
    case "custom":
      return message ?? null;
    default:
      return null;
  }
}

/**
 * The French message of an INVALID_INPUT refusal: the field (with where it was, e.g. « paramètre »), missing
 * or invalid, and why when there is more to say (`frenchReason`).
 */
/** The French name of an input field, as the screens and the CSV call it (the field's code otherwise). */
export const FIELD_FR: Readonly<Record<string, string>> = {
  answer: "réponse",
  body: "commentaire",
  comment: "commentaire",
  "customer.address": "adresse postale",
  "customer.email": "courriel",
  "customer.name": "nom et prénom",
  "customer.phone": "téléphone",
  date: "date",
  entity: "entité",
  index: "index",
  kind: "type de document",
  label: "libellé",
  meterSerial: "matricule du compteur",
  password: "mot de passe",
  reason: "motif",
  role: "rôle",
  username: "identifiant",
};

export function refusalFr(
  field: string | undefined,
  missing: boolean,
  reason: string | null,
  where = "",
): string {
  const why = reason ? ` : ${reason}` : "";
  return field
    ? `Champ ${where}« ${FIELD_FR[field] ?? field} » ${missing ? "manquant" : "invalide"}${why}.`
    : `Données invalides${why}.`;
}

/** Whether the value at `path` of `data` is absent (a field missing, rather than of the wrong type). */
export function absentAt(data: unknown, path: ReadonlyArray<PropertyKey>): boolean {
  let v: unknown = data;
  for (const k of path) {
    if (v === null || typeof v !== "object") return true;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v === undefined;
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
  const missing = issue?.code === "invalid_type" && absentAt(input, issue.path);
  const reason = missing
    ? null
    : frenchReason(issue?.code, issue as unknown as Record<string, unknown>, issue?.message);
  throw new EcartError(
    ErrorCode.INVALID_INPUT,
    refusalFr(field, missing, reason),
    `invalid input${field ? ` at ${field}` : ""}: ${issue?.message ?? "unknown"}`,
    field,
  );
}
