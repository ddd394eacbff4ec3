/** Password hashing with scrypt (node:crypto), in a self-describing string: scrypt$N$r$p$salt$hash. */
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";

/** log2 of scrypt's cost N: OWASP's minimum is 17. ECART_SCRYPT_COST lowers it for test runs only (10–20). */
export const SCRYPT_COST_LOG2 = Math.min(20, Math.max(10, Number(process.env.ECART_SCRYPT_COST ?? 17) || 17));
/** scrypt cost (N), block size (r), parallelism (p): OWASP's minimum for scrypt is N=2^17, r=8, p=1. */
export const SCRYPT_PARAMS = { N: 2 ** SCRYPT_COST_LOG2, r: 8, p: 1 } as const;
/** Length in bytes of the derived key and of the salt. */
export const KEY_LENGTH = 32;
/** Shortest password accepted for an account. */
export const MIN_PASSWORD_LENGTH = 8;

const scrypt = (password: string, salt: Buffer, N: number, r: number, p: number) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password.normalize("NFC"), salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );

/** Hashes a password with a fresh random salt. */
export async function hashPassword(
  password: string,
  params: { N: number; r: number; p: number } = SCRYPT_PARAMS,
) {
  const salt = randomBytes(KEY_LENGTH);
  const key = await scrypt(password, salt, params.N, params.r, params.p);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** True when the password matches the stored hash (constant-time comparison). */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = (stored ?? "").split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, "base64");
  const key = await scrypt(password, Buffer.from(salt, "base64"), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}
