/**
 * Promise: passwords (issue 14 #7) — 12 characters at least; never the demo password, the username, a
 * common password (the bundled list), even with digits or signs around it; on creation, an administrator's
 * reset and one's own change alike.
 */
import { describe, expect, it } from "vitest";
import {
  COMMON_PASSWORDS,
  DEMO_PASSWORD,
  MIN_PASSWORD_LENGTH,
  passwordWeakness,
} from "../../src/accounts/password-policy.js";

describe("passwordWeakness", () => {
  it.each([
    ["11 characters", "abcd-efg-hi", "fo.paul", "password too short"],
    ["12 characters", "abcd-efg-hij", "fo.paul", null],
    ["11 letters with an accent", "éléphant-ro", "fo.paul", "password too short"],
    ["12 letters with an accent", "éléphant-ros", "fo.paul", null],
    ["the demo password padded", `${DEMO_PASSWORD}-2024`, "fo.paul", "demo password"],
    ["the demo password in capitals, padded", `${DEMO_PASSWORD.toUpperCase()}!!`, "fo.paul", "demo password"],
    ["the username padded", "fo.paul-2024!", "fo.paul", "password contains the username"],
    ["the username inside", "bonjour-fo.paul-x", "fo.paul", "password contains the username"],
    ["a 2-letter username inside another word", "information-utile", "fo", null],
    ["a common password, 12 characters", "azertyuiop12", "fo.paul", "common password"],
    ["a common password with digits and signs", "Motdepasse2024!", "fo.paul", "common password"],
    ["digits only", "123456789012345", "fo.paul", "common password"],
    ["one character repeated", "aaaaaaaaaaaaaa", "fo.paul", "common password"],
    ["a passphrase", "correct horse battery staple", "fo.paul", null],
  ])("%s", (_what, password, username, expected) => {
    expect(passwordWeakness(password, username)?.en ?? null).toBe(expected);
  });

  it("has its list bundled, the demo password in it, every refusal in French", () => {
    expect(COMMON_PASSWORDS.size).toBeGreaterThan(100);
    expect(COMMON_PASSWORDS.has(DEMO_PASSWORD)).toBe(true);
    expect(MIN_PASSWORD_LENGTH).toBe(12);
    expect(passwordWeakness("court", "x")?.fr).toBe("Le mot de passe doit contenir au moins 12 caractères.");
  });
});
