/** Who is calling: a session cookie or a bearer token; then CSRF and the R14 check, before the body is read. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type Access, mayAccess } from "../accounts/access.js";
import { type Account, accountForSession, accountForToken } from "../accounts/store.js";
import type { EcartConfig } from "../platform/config.js";
import type { Context } from "../platform/context.js";
import type { Database } from "../platform/db.js";
import { EcartError, ErrorCode } from "../platform/errors.js";
import { assertNotCrossSite } from "./csrf.js";

/** Name of the session cookie. */
export const SESSION_COOKIE = "ecart_session";
/**
 * What a session may still do while its account must change its password (set by someone else): who am I,
 * change it, log out (public routes aside). Everything else answers 403 PASSWORD_CHANGE_REQUIRED.
 */
export const BEFORE_PASSWORD_CHANGE: ReadonlySet<string> = new Set([
  "GET /api/me",
  "POST /api/me/password",
  "DELETE /api/session",
]);
export { CSRF_HEADER, CSRF_VALUE } from "./csrf.js";

declare module "fastify" {
  interface FastifyContextConfig {
    access?: Access;
    /**
     * The route reads its bearer token's account in its own statement, with its facts (one round trip
     * instead of two): the hook leaves the token pending, the handler calls `admitBearer` before looking at
     * anything else, and the error handler settles a still pending token first (`settlePendingBearer`).
     */
    accountInStatement?: boolean;
  }
  interface FastifyRequest {
    account: Account | null;
    authVia: "cookie" | "bearer" | null;
    /** A bearer token whose account the route reads in its own statement, not yet admitted. */
    pendingBearer: string | null;
  }
}

export interface AuthOptions {
  db: Database;
  clock: () => Date;
}

export function registerAuth(app: FastifyInstance, { db, clock }: AuthOptions) {
  app.decorateRequest("account", null);
  app.decorateRequest("authVia", null);
  app.decorateRequest("pendingBearer", null);
  app.addHook("onRequest", async (req: FastifyRequest, _reply: FastifyReply) => {
    if (req.routeOptions.config?.selfAuthenticated) return; // checks its own caller (GET /metrics)
    const authz = req.headers.authorization;
    if (authz !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(authz);
      if (m && req.routeOptions.config?.accountInStatement) {
        // Bearer calls are exempt from CSRF: the rest of this hook is `admitBearer`'s, on the route's row.
        req.pendingBearer = m[1] as string;
        req.authVia = "bearer";
        return;
      }
      const account = m ? await accountForToken(db, m[1] as string) : undefined;
      if (!account) throw unauthenticated("jeton d'accès invalide ou révoqué", "invalid bearer token");
      req.account = account;
      req.authVia = "bearer";
    } else {
      const token = req.cookies?.[SESSION_COOKIE];
      const account = token ? await accountForSession(db, token, clock()) : undefined;
      if (account) {
        req.account = account;
        req.authVia = "cookie";
      }
    }
    // Every browser write on any route, whatever the URL's spelling, the login included; bearer calls are exempt.
    assertNotCrossSite(req);
    assertPasswordChanged(req);
    authorize(req);
  });
}

/**
 * For routes open to any logged-in caller that declare no access of their own (`/docs`, its OpenAPI
 * document): 401 without a session or token, 403 while the session's password must be changed.
 */
export async function requireLogin(req: FastifyRequest) {
  if (!req.account) throw unauthenticated("veuillez vous connecter", "no session or token");
  if (req.authVia === "cookie" && req.account.mustChangePassword) {
    throw passwordChangeRequired();
  }
}

/** A cookie session whose password someone else set may only change it (see BEFORE_PASSWORD_CHANGE). */
function assertPasswordChanged(req: FastifyRequest) {
  if (req.authVia !== "cookie" || !req.account?.mustChangePassword) return;
  if ((req.routeOptions.config?.access ?? { kind: "public" }).kind === "public") return;
  if (BEFORE_PASSWORD_CHANGE.has(`${req.method} ${req.routeOptions.url}`)) return;
  throw passwordChangeRequired();
}

const passwordChangeRequired = () =>
  new EcartError(
    ErrorCode.PASSWORD_CHANGE_REQUIRED,
    "Votre mot de passe a été choisi par quelqu'un d'autre : changez-le (« Mon mot de passe ») avant de continuer.",
    "the account must change its password first",
  );

/** R14: the route's access for the request's account (none: refused unless the route is public). */
function authorize(req: FastifyRequest) {
  const access: Access = req.routeOptions.config?.access ?? { kind: "public" };
  if (access.kind === "public") return;
  if (!req.account) throw unauthenticated("veuillez vous connecter", "no session or token");
  if (!mayAccess(req.account.role, access)) {
    const what = access.kind === "command" ? ` (${access.verb})` : "";
    throw new EcartError(
      ErrorCode.FORBIDDEN,
      `Votre profil (${req.account.role}) ne permet pas cette action${what}.`,
      `role ${req.account.role} may not access ${req.method} ${req.routeOptions.url}`,
    );
  }
}

/**
 * For a route with `accountInStatement`: admits the account its statement read for the pending bearer token
 * (undefined: no live token), with the hook's refusals (401, then 403). Call it before using the row.
 */
export function admitBearer(req: FastifyRequest, account: Account | undefined) {
  req.pendingBearer = null;
  if (!account) throw unauthenticated("jeton d'accès invalide ou révoqué", "invalid bearer token");
  req.account = account;
  authorize(req);
}

/**
 * A request refused before its route read its pending bearer token (unreadable body, invalid input, a
 * failed statement): the token is looked up and admitted first, so that its refusal wins as in the hook.
 */
export async function settlePendingBearer(db: Database, req: FastifyRequest) {
  const token = req.pendingBearer;
  if (token !== null) admitBearer(req, await accountForToken(db, token));
}

const unauthenticated = (fr: string, en: string) =>
  new EcartError(ErrorCode.UNAUTHENTICATED, `Non authentifié : ${fr}.`, en);

/** The command context of the request: the account is the actor (R15: who, when, which entity). */
export function contextOf(req: FastifyRequest, config: EcartConfig, clock: () => Date): Context {
  const a = req.account;
  if (!a) throw unauthenticated("veuillez vous connecter", "no account on request");
  return { actor: { user: a.username, role: a.role, entity: a.entity }, now: clock(), config };
}
