/** Storage of accounts, sessions and API tokens. Queries only; secrets are kept as sha256 digests. */
import { createHash, randomBytes } from "node:crypto";
import { type Kysely, sql } from "kysely";
import { type Database, executePrepared } from "../platform/db.js";
import { EcartError, ErrorCode } from "../platform/errors.js";
import type { AccountRole, DB } from "../platform/schema.js";
import { assertAcceptablePassword } from "./password-policy.js";
import { hashPassword } from "./passwords.js";

export const ACCOUNT_ROLES: readonly AccountRole[] = [
  "FO",
  "BO",
  "EUROS",
  "SUPERVISOR",
  "ADMIN",
  "INTEGRATION",
];
/** R14: the billing system's account never logs in (API tokens only): it has no password. */
export const TOKEN_ONLY_ROLES: readonly AccountRole[] = ["INTEGRATION"];
/** How long a session lasts without activity, and at most. */
export const SESSION_IDLE_MS = 8 * 3600_000;
export const SESSION_MAX_MS = 12 * 3600_000;

export interface Account {
  id: number;
  username: string;
  role: AccountRole;
  entity: string;
  /** Its password was set by someone else: a session may only change it (read from a session only). */
  mustChangePassword?: boolean;
}

export const digest = (secret: string) => createHash("sha256").update(secret).digest("hex");
const newSecret = (prefix: string) => `${prefix}${randomBytes(32).toString("base64url")}`;

const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{1,63}$/;

export interface NewAccount {
  username: string;
  role: AccountRole;
  entity: string;
  password: string | null;
  /** Someone else chose the password: its holder must change it at first login. */
  mustChangePassword?: boolean;
}

/**
 * Creates an account; refuses a bad name, role, entity, a weak password (password-policy.ts) or a taken
 * name. `demo`: the demo accounts only, whose published password is kept and marked weak.
 */
export async function createAccount(
  db: Kysely<DB>,
  a: NewAccount,
  now: Date,
  opts: { demo?: boolean } = {},
): Promise<Account> {
  const username = a.username.trim().toLowerCase();
  if (!USERNAME_RE.test(username)) {
    throw new EcartError(
      ErrorCode.INVALID_INPUT,
      "Identifiant invalide : 2 à 64 caractères parmi a-z, 0-9, « . », « _ », « - ».",
      "invalid username",
      "username",
    );
  }
  if (!ACCOUNT_ROLES.includes(a.role)) {
    throw new EcartError(
      ErrorCode.INVALID_INPUT,
      `Rôle inconnu : ${a.role}.`,
      `unknown role ${a.role}`,
      "role",
    );
  }
  const entity = a.entity.trim();
  if (!entity || entity.length > 64) {
    throw new EcartError(
      ErrorCode.INVALID_INPUT,
      "L'entité est obligatoire (64 caractères au plus).",
      "invalid entity",
      "entity",
    );
  }
  if (TOKEN_ONLY_ROLES.includes(a.role) && a.password !== null) {
    throw new EcartError(
      ErrorCode.INVALID_INPUT,
      `Un compte ${a.role} ne se connecte pas : il n'a pas de mot de passe, seulement des jetons d'accès.`,
      `a ${a.role} account has no password`,
      "password",
    );
  }
  if (a.password !== null && !opts.demo) assertAcceptablePassword(a.password, username);
  const taken = await db
    .selectFrom("accounts")
    .select("id")
    .where("username", "=", username)
    .executeTakeFirst();
  if (taken) {
    throw new EcartError(
      ErrorCode.CONFLICT,
      `L'identifiant ${username} existe déjà.`,
      `username ${username} taken`,
      "username",
    );
  }
  const password_hash = a.password === null ? null : await hashPassword(a.password);
  const row = await db
    .insertInto("accounts")
    .values({
      username,
      role: a.role,
      entity,
      password_hash,
      created_at: now,
      must_change_password: a.password !== null && a.mustChangePassword === true,
      weak_password: a.password !== null && opts.demo === true,
    })
    .returning(["id", "username", "role", "entity"])
    .executeTakeFirstOrThrow();
  return row;
}

export async function countAccounts(db: Kysely<DB>): Promise<number> {
  const r = await db
    .selectFrom("accounts")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function listAccounts(db: Kysely<DB>) {
  return db
    .selectFrom("accounts")
    .select(["id", "username", "role", "entity", "active", "created_at"])
    .orderBy("username")
    .execute();
}

/** An active account by name, with its password hash (login only). */
export async function accountForLogin(db: Kysely<DB>, username: string) {
  return db
    .selectFrom("accounts")
    .select(["id", "username", "role", "entity", "password_hash", "must_change_password"])
    .where("username", "=", username.trim().toLowerCase())
    .where("active", "=", true)
    .where("role", "not in", TOKEN_ONLY_ROLES)
    .executeTakeFirst();
}

/** Opens a session; returns the secret for the cookie (only its digest is stored). */
export async function openSession(
  db: Kysely<DB>,
  accountId: number,
  now: Date,
): Promise<{ token: string; expiresAt: Date }> {
  const token = newSecret("");
  const expiresAt = new Date(now.getTime() + SESSION_MAX_MS);
  await db
    .insertInto("sessions")
    .values({
      token_hash: digest(token),
      account_id: accountId,
      created_at: now,
      expires_at: expiresAt,
      last_seen_at: now,
    })
    .execute();
  // Expired sessions of anyone are swept on each login: the table stays small.
  await db.deleteFrom("sessions").where("expires_at", "<", now).execute();
  return { token, expiresAt };
}

/**
 * The account behind a session cookie, if the session is live: one lookup by digest (primary key),
 * prepared; its last use is written at most once a minute.
 */
export async function accountForSession(
  db: Database,
  token: string,
  now: Date,
): Promise<Account | undefined> {
  const hash = digest(token);
  const q = db.kysely
    .selectFrom("sessions as s")
    .innerJoin("accounts as a", "a.id", "s.account_id")
    .select([
      "a.id",
      "a.username",
      "a.role",
      "a.entity",
      "a.must_change_password",
      "s.expires_at",
      "s.last_seen_at",
    ])
    .where("s.token_hash", "=", hash)
    .where("a.active", "=", true);
  const [row] = await executePrepared(db, "account_for_session", q.compile());
  if (!row) return undefined;
  const lastSeen = new Date(row.last_seen_at).getTime();
  if (new Date(row.expires_at).getTime() <= now.getTime() || lastSeen + SESSION_IDLE_MS <= now.getTime())
    return undefined;
  if (now.getTime() - lastSeen > 60_000) {
    await db.kysely
      .updateTable("sessions")
      .set({ last_seen_at: now })
      .where("token_hash", "=", hash)
      .execute();
  }
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    entity: row.entity,
    mustChangePassword: row.must_change_password,
  };
}

export async function closeSession(db: Kysely<DB>, token: string): Promise<void> {
  await db.deleteFrom("sessions").where("token_hash", "=", digest(token)).execute();
}

/** Creates an API token for an account, refused from `expiresAt` on (null: never); returns the secret, shown once. */
export async function createApiToken(
  db: Kysely<DB>,
  accountId: number,
  label: string,
  now: Date,
  expiresAt: Date | null = null,
): Promise<string> {
  const token = newSecret("ect_");
  await db
    .insertInto("api_tokens")
    .values({
      account_id: accountId,
      label,
      token_hash: digest(token),
      created_at: now,
      expires_at: expiresAt,
    })
    .execute();
  return token;
}

/** An account's API tokens, newest first: never the secret nor its digest. */
export async function listApiTokens(db: Kysely<DB>, accountId: number) {
  return db
    .selectFrom("api_tokens")
    .select(["id", "label", "created_at", "revoked_at", "expires_at"])
    .where("account_id", "=", accountId)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .execute();
}

/**
 * Revokes one of an account's API tokens: refused at once by every lookup (they read `revoked_at`).
 * Idempotent: a token already revoked keeps its date, and `revoked` says whether this call revoked it
 * (only then is it audited). A token of another account is unknown here.
 */
export async function revokeApiToken(db: Kysely<DB>, accountId: number, tokenId: number, now: Date) {
  const cols = ["id", "label", "revoked_at"] as const;
  const row = await db
    .updateTable("api_tokens")
    .set({ revoked_at: now })
    .where("id", "=", tokenId)
    .where("account_id", "=", accountId)
    .where("revoked_at", "is", null)
    .returning(cols)
    .executeTakeFirst();
  if (row) return { ...row, revoked: true };
  // Already revoked (perhaps by a concurrent call, whose update this one waited for), or not this account's.
  const before = await db
    .selectFrom("api_tokens")
    .select(cols)
    .where("id", "=", tokenId)
    .where("account_id", "=", accountId)
    .executeTakeFirst();
  if (!before) {
    throw new EcartError(
      ErrorCode.UNKNOWN_REFERENCE,
      `Jeton inconnu pour ce compte : ${tokenId}.`,
      "unknown token for this account",
      "id",
    );
  }
  return { ...before, revoked: false };
}

/**
 * The account behind a bearer token, unless revoked or expired (by the database's clock): one lookup by
 * digest (unique index), prepared.
 */
export async function accountForToken(db: Database, token: string): Promise<Account | undefined> {
  const [row] = await executePrepared(db, "account_for_token", tokenAccountQuery(db.kysely, token).compile());
  return row;
}

/** The query of `accountForToken` (at most one row), for a statement that reads it along with its own facts. */
export function tokenAccountQuery(db: Kysely<DB>, token: string) {
  return db
    .selectFrom("api_tokens as t")
    .innerJoin("accounts as a", "a.id", "t.account_id")
    .select(["a.id", "a.username", "a.role", "a.entity"])
    .where("t.token_hash", "=", digest(token))
    .where("t.revoked_at", "is", null)
    .where((eb) => eb.or([eb("t.expires_at", "is", null), eb("t.expires_at", ">", sql<Date>`now()`)]))
    .where("a.active", "=", true);
}

export async function accountByName(db: Kysely<DB>, username: string): Promise<Account | undefined> {
  return db
    .selectFrom("accounts")
    .select(["id", "username", "role", "entity"])
    .where("username", "=", username.trim().toLowerCase())
    .executeTakeFirst();
}

const unknownAccount = (username: string) =>
  new EcartError(
    ErrorCode.UNKNOWN_REFERENCE,
    `Compte inconnu : ${username}.`,
    `unknown account ${username}`,
    "username",
  );

/** The account by name, or 404 UNKNOWN_REFERENCE (`username`). */
export async function requireAccount(db: Kysely<DB>, username: string): Promise<Account> {
  const a = await accountByName(db, username);
  if (!a) throw unknownAccount(username);
  return a;
}

/** What the audit log keeps of a login, a refused login or a logout (R15): who, when, from where, outcome. */
export interface SessionEvent {
  action: "session.login" | "session.login_refused" | "session.logout";
  /** The account, when one is known (not for a refused login: only the name as typed is kept). */
  account?: Account | undefined;
  /** The username as typed at a refused login (never the password). */
  typed?: string | undefined;
  at: Date;
  /** The client's address, as Fastify reads it (X-Forwarded-For only behind a trusted proxy). */
  ip: string | null;
}

/** Role and entity written for a refused login: no account was authenticated. */
export const NO_ACCOUNT = "NONE";

/** Writes one audit entry for a session event; a refused login is kept under the name as typed. */
export async function auditSessionEvent(db: Kysely<DB>, e: SessionEvent): Promise<void> {
  const who = e.account?.username ?? e.typed ?? "";
  await db
    .insertInto("audit_log")
    .values({
      at: e.at,
      actor: who,
      role: e.account?.role ?? NO_ACCOUNT,
      entity: e.account?.entity ?? NO_ACCOUNT,
      action: e.action,
      object_type: "account",
      object_id: who,
      details: JSON.stringify({
        outcome: e.action === "session.login_refused" ? "REFUSED" : "OK",
        ip: e.ip,
      }),
    })
    .execute();
}

/** An account administration event in the audit log: who did it (the caller), to which account, when. */
export async function auditAccountEvent(
  db: Kysely<DB>,
  by: Account,
  action: string,
  username: string,
  at: Date,
  details: Record<string, unknown> = {},
): Promise<void> {
  await db
    .insertInto("audit_log")
    .values({
      at,
      actor: by.username,
      role: by.role,
      entity: by.entity,
      action,
      object_type: "account",
      object_id: username,
      details: JSON.stringify(details),
    })
    .execute();
}

/**
 * Disables or enables an account. A disabled account cannot log in and its sessions and tokens are refused at
 * once (every lookup reads `active`); its sessions are also closed, its tokens kept (inert until enabled again).
 */
export async function setAccountActive(db: Kysely<DB>, username: string, active: boolean) {
  const row = await db
    .updateTable("accounts")
    .set({ active })
    .where("username", "=", username.trim().toLowerCase())
    .returning(["id", "username", "active"])
    .executeTakeFirst();
  if (!row) throw unknownAccount(username);
  if (!active) await db.deleteFrom("sessions").where("account_id", "=", row.id).execute();
  return row;
}

/**
 * Sets an account's password (scrypt) and closes its sessions but the one given (the caller's own, when
 * the account holder changes it): whoever knew the old password is logged out. `bySomeoneElse`: an
 * administrator's reset, which its holder must change at next login; the holder's own change clears that.
 */
export async function setPassword(
  db: Kysely<DB>,
  username: string,
  password: string,
  keepSession: string | null,
  field = "password",
  bySomeoneElse = false,
) {
  assertAcceptablePassword(password, username.trim().toLowerCase(), field);
  const password_hash = await hashPassword(password);
  const row = await db
    .updateTable("accounts")
    .set({ password_hash, must_change_password: bySomeoneElse, weak_password: false })
    .where("username", "=", username.trim().toLowerCase())
    .returning(["id", "username"])
    .executeTakeFirst();
  if (!row) throw unknownAccount(username);
  let close = db.deleteFrom("sessions").where("account_id", "=", row.id);
  if (keepSession) close = close.where("token_hash", "<>", digest(keepSession));
  await close.execute();
  return row;
}

/** The account's password hash, to check the current password before a change. */
export async function passwordHashOf(db: Kysely<DB>, accountId: number): Promise<string | null> {
  const row = await db
    .selectFrom("accounts")
    .select("password_hash")
    .where("id", "=", accountId)
    .executeTakeFirst();
  return row?.password_hash ?? null;
}

/** Accounts with a password known weak (demo) or never checked (set before migration 800): name and hash. */
export async function accountsWithSuspectPasswords(db: Kysely<DB>) {
  return db
    .selectFrom("accounts")
    .select(["id", "username", "password_hash", "weak_password"])
    .where("password_hash", "is not", null)
    .where((eb) => eb.or([eb("weak_password", "is", null), eb("weak_password", "=", true)]))
    .orderBy("username")
    .execute();
}

/** Records whether an account's current password is weak (demo or blocklisted). */
export async function markPasswordWeak(db: Kysely<DB>, accountId: number, weak: boolean): Promise<void> {
  await db.updateTable("accounts").set({ weak_password: weak }).where("id", "=", accountId).execute();
}
