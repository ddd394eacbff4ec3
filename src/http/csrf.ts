/**
 * CSRF: every unsafe method on every route, whatever the URL's spelling (`/%61pi/…`, an absolute-form
 * target, a path Fastify would route to an API route), is checked unless it carries a bearer token:
 * the anti-CSRF header, then where the browser says the request comes from.
 */
import type { FastifyRequest } from "fastify";
import { EcartError, ErrorCode } from "../platform/errors.js";

/** The anti-CSRF header every cookie-authenticated write must carry (a cross-site form cannot set it). */
export const CSRF_HEADER = "x-requested-with";
export const CSRF_VALUE = "ecart";
/** Methods that change nothing: never checked. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);
/** `Sec-Fetch-Site` values of a request the console itself made (or a user typed). */
const SAME_SITE_FETCH: ReadonlySet<string> = new Set(["same-origin", "none"]);

/** What a request says of its origin, as the CSRF rule reads it. */
export interface CsrfFacts {
  method: string;
  /** Bearer-authenticated: no cookie involved, exempt. */
  bearer: boolean;
  requestedWith: string | undefined;
  secFetchSite: string | undefined;
  origin: string | undefined;
  /** The host the request was sent to (Host, or X-Forwarded-Host behind a trusted proxy). */
  host: string;
}

/**
 * Why a request must be refused as cross-site (an English reason), or null when it may go on. The browser's
 * own `Sec-Fetch-Site` is believed first; without it, an `Origin` must name the host the request was sent to.
 */
export function csrfRefusal(f: CsrfFacts): string | null {
  if (SAFE_METHODS.has(f.method.toUpperCase()) || f.bearer) return null;
  if (f.requestedWith !== CSRF_VALUE) return "cookie-authenticated write without X-Requested-With: ecart";
  if (f.secFetchSite !== undefined) {
    return SAME_SITE_FETCH.has(f.secFetchSite.toLowerCase()) ? null : `Sec-Fetch-Site: ${f.secFetchSite}`;
  }
  if (f.origin !== undefined && originHost(f.origin) !== f.host.toLowerCase()) {
    return `Origin ${f.origin} is not ${f.host}`;
  }
  return null;
}

/** host[:port] of an Origin header, lower case; null for "null" or anything unreadable. */
function originHost(origin: string): string | null {
  try {
    const u = new URL(origin);
    return u.protocol === "http:" || u.protocol === "https:" ? u.host.toLowerCase() : null;
  } catch {
    return null;
  }
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** Refuses a cross-site write (403 CSRF_REJECTED); called by the auth hook once the caller is known. */
export function assertNotCrossSite(req: FastifyRequest) {
  const reason = csrfRefusal({
    method: req.method,
    bearer: req.authVia === "bearer",
    requestedWith: one(req.headers[CSRF_HEADER]),
    secFetchSite: one(req.headers["sec-fetch-site"]),
    origin: one(req.headers.origin),
    host: req.host ?? "",
  });
  if (reason === null) return;
  const fr = reason.startsWith("cookie-authenticated")
    ? `Requête refusée : l'en-tête « X-Requested-With: ${CSRF_VALUE} » est manquant ou différent (protection CSRF).`
    : "Requête refusée : elle ne vient pas de la console Écart (protection CSRF).";
  throw new EcartError(ErrorCode.CSRF_REJECTED, fr, reason);
}
