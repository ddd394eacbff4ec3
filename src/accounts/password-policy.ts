/**
 * Which passwords an account may have (issue 14 #7): long enough, not the demo password, not the username,
 * not a common password (a small list bundled with the product, `common-passwords.txt`), even with digits
 * or signs around it. Pure rules; the stores call `assertAcceptablePassword` before hashing.
 */
import { readFileSync } from "node:fs";
import { EcartError, ErrorCode } from "../platform/errors.js";

/** Shortest password accepted for an account. */
export const MIN_PASSWORD_LENGTH = 12;
/** The password of the demo accounts (`ECART_DEMO_ACCOUNTS=1`, loopback only); documented in the README. */
export const DEMO_PASSWORD = "ecart-demo";
/** A username shorter than this is not looked for inside a password (« fo » is in « information »). */
export const MIN_USERNAME_LOOKED_FOR = 4;

/** The bundled list of common passwords, lower case. */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  readFileSync(new URL("./common-passwords.txt", import.meta.url), "utf8")
    .split("\n")
    .map((l) => l.trim().toLowerCase())
    .filter((l) => l !== "" && !l.startsWith("#")),
);

/** Digits and signs put before or after a common word to pass a naive check (« Motdepasse2024! »). */
const PADDING = /^[\d\s!-/:-@[-`{-~]+|[\d\s!-/:-@[-`{-~]+$/g;

/** Why a password is refused, in French and English, or null when it is acceptable. */
export function passwordWeakness(password: string, username: string): { fr: string; en: string } | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    return {
      fr: `Le mot de passe doit contenir au moins ${MIN_PASSWORD_LENGTH} caractères.`,
      en: "password too short",
    };
  }
  const p = password.normalize("NFC").toLowerCase();
  const core = p.replace(PADDING, "");
  if (p.includes(DEMO_PASSWORD) || core === DEMO_PASSWORD.replace("-", "")) {
    return { fr: "Le mot de passe de démonstration ne peut pas être choisi.", en: "demo password" };
  }
  const name = username.trim().toLowerCase();
  if (name !== "" && (core === name || (name.length >= MIN_USERNAME_LOOKED_FOR && p.includes(name)))) {
    return {
      fr: "Le mot de passe ne doit pas contenir l'identifiant.",
      en: "password contains the username",
    };
  }
  if (core === "" || COMMON_PASSWORDS.has(p) || COMMON_PASSWORDS.has(core) || new Set(p).size <= 2) {
    return {
      fr: "Ce mot de passe est trop courant : choisissez-en un autre (une phrase de plusieurs mots, par exemple).",
      en: "common password",
    };
  }
  return null;
}

/** Refuses (400 INVALID_INPUT on `field`) a password `passwordWeakness` finds weak. */
export function assertAcceptablePassword(password: string, username: string, field = "password"): void {
  const weak = passwordWeakness(password, username);
  if (weak) throw new EcartError(ErrorCode.INVALID_INPUT, weak.fr, weak.en, field);
}
