/** Login, logout, who am I, health. */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { OUTBOX_RETRY_ROLES, READ_ROLES, REPORT_ROLES } from "../../accounts/access.js";
import { SCRYPT_PARAMS, verifyPassword } from "../../accounts/passwords.js";
import { PERMISSIONS } from "../../accounts/roles.js";
import { accountForLogin, auditSessionEvent, closeSession, openSession } from "../../accounts/store.js";
import { EcartError, ErrorCode } from "../../platform/errors.js";
import type { AppDeps } from "../app.js";
import { AttemptCounter, tooManyAttempts } from "../attempts.js";
import { SESSION_COOKIE } from "../auth.js";
import { errorBody } from "../errors.js";
import { accountOut, errors, loginIn, meOut } from "../schemas.js";

/** A fixed scrypt hash checked when the account does not exist, so timing does not reveal names. */
const DUMMY_HASH = `scrypt$${SCRYPT_PARAMS.N}$${SCRYPT_PARAMS.r}$${SCRYPT_PARAMS.p}$${"A".repeat(43)}=$${"A".repeat(43)}=`;

export async function sessionRoutes(app: FastifyInstance, deps: AppDeps) {
  const api = app.withTypeProvider<ZodTypeProvider>();
  /** Failed logins per account, whatever the address they come from (a botnet guessing one password). */
  const failures = new AttemptCounter(deps.limits.loginFailuresPerAccount);

  api.get(
    "/health",
    {
      config: { access: { kind: "public" } },
      schema: { tags: ["session"], response: { 200: z.object({ ok: z.literal(true) }) } },
    },
    async () => ({ ok: true as const }),
  );

  api.post(
    "/session",
    {
      config: {
        access: { kind: "public" },
        // Per client address, counted once the request is whole: a client that never finishes sending
        // (a slow body, cut by the request timeout) uses up nothing.
        rateLimit: { max: deps.loginAttemptsPerMinute, timeWindow: "1 minute", hook: "preHandler" },
      },
      schema: {
        tags: ["session"],
        body: loginIn,
        response: {
          200: z.object({ user: accountOut, mustChangePassword: z.boolean() }),
          400: errorBody,
          401: errorBody,
          429: errorBody,
        },
      },
    },
    async (req, reply) => {
      const typed = req.body.username.trim().toLowerCase();
      const at = deps.clock();
      if (failures.exhausted(typed, at.getTime())) {
        throw tooManyAttempts(
          "pour ce compte",
          failures.retryAfterSeconds(typed, at.getTime()),
          "too many failed logins for this account",
        );
      }
      const acc = await accountForLogin(deps.db.kysely, req.body.username);
      const ok = await verifyPassword(req.body.password, acc?.password_hash ?? DUMMY_HASH);
      if (!acc || !ok) {
        failures.count(typed, at.getTime());
        await auditSessionEvent(deps.db.kysely, {
          action: "session.login_refused",
          typed: req.body.username,
          at,
          ip: req.ip ?? null,
        });
        throw new EcartError(
          ErrorCode.UNAUTHENTICATED,
          "Identifiant ou mot de passe incorrect.",
          "login failed",
        );
      }
      const account = { id: acc.id, username: acc.username, role: acc.role, entity: acc.entity };
      const s = await deps.db.kysely.transaction().execute(async (trx) => {
        const opened = await openSession(trx, acc.id, at);
        await auditSessionEvent(trx, { action: "session.login", account, at, ip: req.ip ?? null });
        return opened;
      });
      reply.setCookie(SESSION_COOKIE, s.token, {
        httpOnly: true,
        sameSite: "strict",
        secure: deps.secureCookies || req.protocol === "https",
        path: "/",
        expires: s.expiresAt,
      });
      req.log.info({ account: acc.id }, "login");
      return {
        user: { username: acc.username, role: acc.role, entity: acc.entity },
        mustChangePassword: acc.must_change_password,
      };
    },
  );

  api.delete(
    "/session",
    {
      config: { access: { kind: "account" } },
      schema: { tags: ["session"], response: { 204: z.null(), ...errors } },
    },
    async (req, reply) => {
      const token = req.cookies[SESSION_COOKIE];
      await deps.db.kysely.transaction().execute(async (trx) => {
        if (token) await closeSession(trx, token);
        await auditSessionEvent(trx, {
          action: "session.logout",
          account: req.account ?? undefined,
          at: deps.clock(),
          ip: req.ip ?? null,
        });
      });
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return reply.code(204).send(null);
    },
  );

  api.get(
    "/me",
    {
      config: { access: { kind: "account" } },
      schema: { tags: ["session"], response: { 200: meOut, 401: errorBody } },
    },
    async (req) => {
      const a = req.account as NonNullable<typeof req.account>;
      return {
        username: a.username,
        role: a.role,
        entity: a.entity,
        authVia: req.authVia ?? "cookie",
        mustChangePassword: req.authVia === "cookie" && a.mustChangePassword === true,
        permissions: {
          commands: [...PERMISSIONS[a.role]],
          read: READ_ROLES.includes(a.role),
          reports: REPORT_ROLES.includes(a.role),
          admin: a.role === "ADMIN",
          outboxRetry: OUTBOX_RETRY_ROLES.includes(a.role),
        },
      };
    },
  );
}
