/** Account administration (ADMIN: disable, enable, reset a password) and a user's own password change. Audited. */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { MIN_PASSWORD_LENGTH, verifyPassword } from "../../accounts/passwords.js";
import {
  type Account,
  auditAccountEvent,
  passwordHashOf,
  setAccountActive,
  setPassword,
} from "../../accounts/store.js";
import { EcartError, ErrorCode } from "../../platform/errors.js";
import type { AppDeps } from "../app.js";
import { AttemptCounter, tooManyAttempts } from "../attempts.js";
import { SESSION_COOKIE } from "../auth.js";
import { errors, usernameParam } from "../schemas.js";

/** The length here (documented in the OpenAPI); the blocklist by the store (password-policy.ts). */
const password = z.string().min(MIN_PASSWORD_LENGTH).max(1024);
const activeOut = z.object({ username: z.string(), active: z.boolean() });

export async function accountRoutes(app: FastifyInstance, deps: AppDeps) {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const admin = { access: { kind: "admin" as const } };
  const caller = (a: Account | null) => a as Account;
  // Each change checks the current password (scrypt): counted per account and per client address.
  const changesByAccount = new AttemptCounter(deps.limits.passwordChangesPerAccount);
  const changesByAddress = new AttemptCounter(deps.limits.passwordChangesPerAddress);

  for (const active of [false, true]) {
    api.post(
      `/accounts/:username/${active ? "enable" : "disable"}`,
      {
        config: admin,
        schema: { tags: ["accounts"], params: usernameParam, response: { 200: activeOut, ...errors } },
      },
      async (req) => {
        const by = caller(req.account);
        if (!active && req.params.username.trim().toLowerCase() === by.username) {
          throw new EcartError(
            ErrorCode.OWN_ACCOUNT,
            "Vous ne pouvez pas désactiver votre propre compte.",
            "an administrator may not disable their own account",
            "username",
          );
        }
        return deps.db.kysely.transaction().execute(async (trx) => {
          const a = await setAccountActive(trx, req.params.username, active);
          await auditAccountEvent(
            trx,
            by,
            active ? "account.enabled" : "account.disabled",
            a.username,
            deps.clock(),
          );
          return { username: a.username, active: a.active };
        });
      },
    );
  }

  api.post(
    "/accounts/:username/password",
    {
      config: admin,
      schema: {
        tags: ["accounts"],
        description:
          "An administrator sets a new password; the account's sessions are closed and its holder must change it at next login.",
        params: usernameParam,
        body: z.object({ password }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (req, reply) => {
      const by = caller(req.account);
      await deps.db.kysely.transaction().execute(async (trx) => {
        const someoneElse = req.params.username.trim().toLowerCase() !== by.username;
        const a = await setPassword(
          trx,
          req.params.username,
          req.body.password,
          null,
          "password",
          someoneElse,
        );
        await auditAccountEvent(trx, by, "account.password_reset", a.username, deps.clock());
      });
      return reply.code(204).send(null);
    },
  );

  api.post(
    "/me/password",
    {
      config: { access: { kind: "account" } },
      schema: {
        tags: ["session"],
        description: "The logged-in user changes their own password; their other sessions are closed.",
        body: z.object({ currentPassword: z.string().min(1).max(1024), newPassword: password }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (req, reply) => {
      const me = caller(req.account);
      const now = deps.clock().getTime();
      for (const [counter, key] of [
        [changesByAccount, `account:${me.id}`],
        [changesByAddress, `address:${req.ip}`],
      ] as const) {
        if (counter.exhausted(key, now)) {
          throw tooManyAttempts(
            "de changement de mot de passe",
            counter.retryAfterSeconds(key, now),
            `too many password changes (${key.split(":")[0]})`,
          );
        }
      }
      changesByAccount.count(`account:${me.id}`, now);
      changesByAddress.count(`address:${req.ip}`, now);
      if (!(await verifyPassword(req.body.currentPassword, await passwordHashOf(deps.db.kysely, me.id)))) {
        throw new EcartError(
          ErrorCode.INVALID_INPUT,
          "Le mot de passe actuel est incorrect.",
          "current password does not match",
          "currentPassword",
        );
      }
      if (req.body.newPassword === req.body.currentPassword) {
        throw new EcartError(
          ErrorCode.INVALID_INPUT,
          "Le nouveau mot de passe doit être différent de l'actuel.",
          "new password equals the current one",
          "newPassword",
        );
      }
      const keep = req.authVia === "cookie" ? (req.cookies[SESSION_COOKIE] ?? null) : null;
      await deps.db.kysely.transaction().execute(async (trx) => {
        await setPassword(trx, me.username, req.body.newPassword, keep, "newPassword");
        await auditAccountEvent(trx, me, "account.password_changed", me.username, deps.clock());
      });
      return reply.code(204).send(null);
    },
  );
}
