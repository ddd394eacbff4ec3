/**
 * Counting attempts per key (an account, a client address) in fixed time windows, in memory, for the
 * limits the rate-limit plugin cannot key: failed logins per account, password changes per account and
 * address. One process serves the API (docs/api.md), so memory is where the counts belong.
 */
import { EcartError, ErrorCode } from "../platform/errors.js";

/** Keys kept at most per counter: past it, expired windows are dropped, then the oldest. */
export const MAX_TRACKED_KEYS = 50_000;

export interface AttemptLimit {
  /** Attempts allowed per window. */
  max: number;
  windowMs: number;
}

/** Attempts per key in fixed windows; `now` is passed in, so tests and the server share the rule. */
export class AttemptCounter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly limit: AttemptLimit) {}

  /** True when the key has used up its window's attempts (and so must be refused now). */
  exhausted(key: string, now: number): boolean {
    const w = this.windows.get(key);
    return w !== undefined && now - w.start < this.limit.windowMs && w.count >= this.limit.max;
  }

  /** Counts one attempt for the key. */
  count(key: string, now: number): void {
    const w = this.windows.get(key);
    if (w && now - w.start < this.limit.windowMs) {
      w.count += 1;
      return;
    }
    this.windows.delete(key);
    this.windows.set(key, { start: now, count: 1 });
    if (this.windows.size > MAX_TRACKED_KEYS) this.prune(now);
  }

  /** Seconds until the key may try again (at least 1). */
  retryAfterSeconds(key: string, now: number): number {
    const w = this.windows.get(key);
    return w ? Math.max(1, Math.ceil((w.start + this.limit.windowMs - now) / 1000)) : 1;
  }

  private prune(now: number) {
    for (const [k, w] of this.windows) if (now - w.start >= this.limit.windowMs) this.windows.delete(k);
    for (const k of this.windows.keys()) {
      if (this.windows.size <= MAX_TRACKED_KEYS) break;
      this.windows.delete(k);
    }
  }
}

/** The 429 answered when a counter is exhausted, in French for people. */
export function tooManyAttempts(what: string, retryAfterSeconds: number, en: string): EcartError {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return new EcartError(
    ErrorCode.RATE_LIMITED,
    `Trop de tentatives ${what} : réessayez dans ${minutes} minute${minutes > 1 ? "s" : ""}.`,
    en,
  );
}

/** The limits counted here (the per-address login limit is the rate-limit plugin's). */
export interface SecurityLimits {
  /** Failed logins per account (the name as typed) before even the right password is refused. */
  loginFailuresPerAccount: AttemptLimit;
  /** Own password changes (each checks a password: scrypt) per account, and per client address. */
  passwordChangesPerAccount: AttemptLimit;
  passwordChangesPerAddress: AttemptLimit;
}

const QUARTER_HOUR_MS = 15 * 60_000;
export const DEFAULT_LIMITS: SecurityLimits = {
  loginFailuresPerAccount: { max: 10, windowMs: QUARTER_HOUR_MS },
  passwordChangesPerAccount: { max: 5, windowMs: QUARTER_HOUR_MS },
  passwordChangesPerAddress: { max: 20, windowMs: QUARTER_HOUR_MS },
};
