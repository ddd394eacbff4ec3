/** Password hashing with scrypt (node:crypto), in a self-describing string: scrypt$N$r$p$salt$hash. */
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";
import { EcartError, ErrorCode } from "../platform/errors.js";

/** log2 of scrypt's cost N: OWASP's minimum is 17. ECART_SCRYPT_COST lowers it for test runs only (10–20). */
export const SCRYPT_COST_LOG2 = Math.min(20, Math.max(10, Number(process.env.ECART_SCRYPT_COST ?? 17) || 17));
/** scrypt cost (N), block size (r), parallelism (p): OWASP's minimum for scrypt is N=2^17, r=8, p=1. */
export const SCRYPT_PARAMS = { N: 2 ** SCRYPT_COST_LOG2, r: 8, p: 1 } as const;
/** Length in bytes of the derived key and of the salt. */
export const KEY_LENGTH = 32;
/** Shortest password accepted for an account (password-policy.ts, with the blocklist). */
export { MIN_PASSWORD_LENGTH } from "./password-policy.js";

/**
 * Password hashes computed at once. scrypt runs on libuv's thread pool (4 threads): two are left for the
 * database files and DNS, so a flood of logins cannot stall everything else.
 */
export const MAX_CONCURRENT_HASHES = 2;
/** Hashes waiting for a slot; past them the caller is refused at once (503 BUSY) rather than queued. */
export const MAX_WAITING_HASHES = 8;

/** A counting semaphore with a bounded queue: `run` refuses with BUSY when every slot and place is taken. */
export class HashSlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly slots: number,
    readonly queue: number,
  ) {}

  /** Hashes running and waiting now. */
  get load() {
    return { running: this.running, waiting: this.waiting.length };
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.slots) {
      if (this.waiting.length >= this.queue) {
        throw new EcartError(
          ErrorCode.BUSY,
          "Le serveur est très sollicité : réessayez dans quelques secondes.",
          `password hashing saturated (${this.running} running, ${this.waiting.length} waiting)`,
        );
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await work();
    } finally {
      // The slot passes to the next waiter as is (running unchanged), or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}

/** The process's one bound on password hashing (logins, password changes, account creation). */
export const hashSlots = new HashSlots(MAX_CONCURRENT_HASHES, MAX_WAITING_HASHES);

const scrypt = (password: string, salt: Buffer, N: number, r: number, p: number) =>
  hashSlots.run(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scryptCb(password.normalize("NFC"), salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r }, (err, key) =>
          err ? reject(err) : resolve(key),
        ),
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
