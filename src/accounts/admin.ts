/**
 * Account administration as audited changes, for the API (an administrator) and the CLI (`cli:<user>`):
 * each writes its change and its audit entry in one transaction. Storage is in store.ts.
 */
import type { Kysely } from "kysely";
import { EcartError, ErrorCode } from "../platform/errors.js";
import type { DB } from "../platform/schema.js";
import {
  type Account,
  auditAccountEvent,
  createAccount,
  createApiToken,
  type NewAccount,
  requireAccount,
  revokeApiToken,
  setPassword,
  TOKEN_ONLY_ROLES,
} from "./store.js";

/**
 * Creates an account, audited `account.created` (role and entity). A person's account needs a password,
 * which someone else chose: its holder must change it at first login. An INTEGRATION account has none
 * (it calls with API tokens only).
 */
export async function createAccountAudited(
  db: Kysely<DB>,
  by: Account,
  a: NewAccount,
  now: Date,
): Promise<Account> {
  if (a.password === null && !TOKEN_ONLY_ROLES.includes(a.role)) {
    throw new EcartError(
      ErrorCode.INVALID_INPUT,
      "Le mot de passe est obligatoire pour un compte de personne.",
      "password required",
      "password",
    );
  }
  return db.transaction().execute(async (trx) => {
    const created = await createAccount(trx, { ...a, mustChangePassword: true }, now);
    await auditAccountEvent(trx, by, "account.created", created.username, now, {
      role: created.role,
      entity: created.entity,
    });
    return created;
  });
}

/** Longest life a token may be given, in days (ten years). */
export const MAX_TOKEN_DAYS = 3650;

/**
 * Issues an API token for an account, audited `account.token_created` with its label (and expiry) only:
 * the secret is returned once, to the caller, and kept nowhere but as its digest. `expiresInDays`: refused
 * that many days from now on (1 to MAX_TOKEN_DAYS); none: until revoked.
 */
export async function issueApiToken(
  db: Kysely<DB>,
  by: Account,
  username: string,
  label: string,
  now: Date,
  expiresInDays: number | null = null,
): Promise<{ account: Account; token: string; expiresAt: Date | null }> {
  if (
    expiresInDays !== null &&
    !(Number.isInteger(expiresInDays) && expiresInDays >= 1 && expiresInDays <= MAX_TOKEN_DAYS)
  ) {
    throw new EcartError(
      ErrorCode.INVALID_INPUT,
      `La durée de validité du jeton est un nombre entier de jours, de 1 à ${MAX_TOKEN_DAYS}.`,
      "invalid token expiry",
      "expiresInDays",
    );
  }
  const expiresAt = expiresInDays === null ? null : new Date(now.getTime() + expiresInDays * 86_400_000);
  return db.transaction().execute(async (trx) => {
    const account = await requireAccount(trx, username);
    const token = await createApiToken(trx, account.id, label, now, expiresAt);
    await auditAccountEvent(trx, by, "account.token_created", account.username, now, {
      label,
      ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}),
    });
    return { account, token, expiresAt };
  });
}

/**
 * Revokes one of an account's API tokens (idempotent: see `revokeApiToken`), audited
 * `account.token_revoked` (its id and label) only when this call revoked it.
 */
export async function revokeApiTokenAudited(
  db: Kysely<DB>,
  by: Account,
  username: string,
  tokenId: number,
  now: Date,
) {
  return db.transaction().execute(async (trx) => {
    const account = await requireAccount(trx, username);
    const r = await revokeApiToken(trx, account.id, tokenId, now);
    if (r.revoked) {
      await auditAccountEvent(trx, by, "account.token_revoked", account.username, now, {
        tokenId: Number(r.id),
        label: r.label,
      });
    }
    return { account, ...r };
  });
}

/**
 * Sets another account's password, audited `account.password_reset`: its sessions are closed and its
 * holder must change it at next login (the command line's `ecart user password`).
 */
export async function resetPasswordAudited(
  db: Kysely<DB>,
  by: Account,
  username: string,
  password: string,
  now: Date,
): Promise<{ id: number; username: string }> {
  return db.transaction().execute(async (trx) => {
    const a = await setPassword(trx, username, password, null, "password", true);
    await auditAccountEvent(trx, by, "account.password_reset", a.username, now);
    return a;
  });
}
