/**
 * Protections of the whole HTTP surface that no route states itself (issue 14): which bodies are read at
 * all, and the security headers of every answer. Registered once by `buildApp`, before the routes.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance, FastifyRequest } from "fastify";
import helmet, { type HelmetOptions } from "helmet";

/**
 * The Content-Security-Policy of every answer: nothing but the server itself (the console is Vite's
 * bundle: module scripts and style sheets, no inline script), never framed by another site. `data:` images
 * are Swagger UI's icons at `/docs`.
 */
export const CSP_DIRECTIVES: Readonly<Record<string, string[]>> = {
  "default-src": ["'self'"],
  "base-uri": ["'self'"],
  "connect-src": ["'self'"],
  "font-src": ["'self'"],
  "form-action": ["'self'"],
  "frame-ancestors": ["'none'"],
  "img-src": ["'self'", "data:"],
  "object-src": ["'none'"],
  "script-src": ["'self'"],
  "script-src-attr": ["'none'"],
  "style-src": ["'self'"],
};

/** The API's prefix: nothing under it may be kept by a browser or proxy cache. */
export const API_PREFIX = "/api";

/** True when the request's path is under /api, however it is spelled (`/%61pi/…`). */
export function isApiPath(url: string): boolean {
  const query = url.indexOf("?");
  const path = query < 0 ? url : url.slice(0, query);
  let decoded = path;
  // Decoded only when it holds an escape (most requests do not).
  if (path.includes("%"))
    try {
      decoded = decodeURIComponent(path);
    } catch {
      // unreadable percent-encoding: refused by the router anyway; judged as written
    }
  const p = decoded.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "").toLowerCase();
  return p === API_PREFIX || p.startsWith(`${API_PREFIX}/`);
}

/** The security headers' settings (helmet's defaults otherwise). */
const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: { useDefaults: false, directives: { ...CSP_DIRECTIVES } },
  referrerPolicy: { policy: "no-referrer" },
  frameguard: { action: "deny" },
  // HTTPS is the reverse proxy's business (docs/operations.md): it sends HSTS if the site wants it.
  strictTransportSecurity: false,
  // The console loads nothing from another origin; these would only get in the way of /docs.
  crossOriginEmbedderPolicy: false,
};

/**
 * The headers helmet sets with `HELMET_OPTIONS`, asked once: they depend on no request (no CSP nonce),
 * and building helmet's middleware again for every request (as `@fastify/helmet` does) was a tenth of the
 * move-in check's CPU (docs/decisions.md, "Security headers computed once").
 */
export function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let done = false;
  helmet(HELMET_OPTIONS)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  if (!done) throw new Error("helmet did not set its headers synchronously");
  return headers;
}

/**
 * Registers the protections on the root instance. A `text/plain` body is never read (415): it is what a
 * cross-site form or `fetch` can send without a CORS preflight, and no route takes one. Every answer gets
 * the CSP, `nosniff`, `Referrer-Policy: no-referrer` and `X-Frame-Options: DENY` (helmet's set, asked
 * once); answers under /api get `Cache-Control: no-store`.
 */
export async function registerHardening(app: FastifyInstance): Promise<void> {
  app.removeContentTypeParser("text/plain");
  const headers = securityHeaders();
  app.addHook("onRequest", (req: FastifyRequest, reply, done) => {
    reply.headers(headers);
    if (isApiPath(req.url)) reply.header("cache-control", "no-store");
    done();
  });
}

/**
 * The CSP of `/docs` (Swagger UI) only: its bundle sets inline styles, so there `style-src` also allows
 * them; scripts stay the server's own. The console keeps the strict policy.
 */
export function docsCsp(header: string): string {
  return header.replace(/style-src 'self'(?! 'unsafe-inline')/, "style-src 'self' 'unsafe-inline'");
}
