/**
 * Account management (ADMIN): list and create accounts; issue, list and revoke API tokens. Creations and
 * revocations are audited in the transaction that writes them.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  createAccountAudited,
  issueApiToken,
  MAX_TOKEN_DAYS,
  revokeApiTokenAudited,
} from "../../accounts/admin.js";
import { MIN_PASSWORD_LENGTH } from "../../accounts/passwords.js";
import { type Account, listAccounts, listApiTokens, requireAccount } from "../../accounts/store.js";
import { accountRowOut, tokenOut } from "../api-shapes.js";
import type { AppDeps } from "../app.js";
import { accountOut, errors, roleEnum, usernameParam } from "../schemas.js";
import { iso } from "../views/common.js";

const tokenParam = usernameParam.extend({
  id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});

export async function adminRoutes(app: FastifyInstance, deps: AppDeps) {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const config = { access: { kind: "admin" as const } };

  api.get(
    "/accounts",
    {
      config,
      schema: {
        tags: ["accounts"],
        response: {
          200: z.object({ items: z.array(accountRowOut) }),
          ...errors,
        },
      },
    },
    async () => ({
      items: (await listAccounts(deps.db.kysely)).map((a) => ({
        username: a.username,
        role: a.role,
        entity: a.entity,
        active: a.active,
        createdAt: iso(a.created_at) as string,
      })),
    }),
  );

  api.post(
    "/accounts",
    {
      config,
      schema: {
        tags: ["accounts"],
        body: z.object({
          username: z.string().min(2).max(64),
          /** Required for a person's account; none for INTEGRATION (API tokens only). */
          password: z.string().min(MIN_PASSWORD_LENGTH).max(1024).optional(),
          role: roleEnum,
          entity: z.string().min(1).max(64),
        }),
        response: { 200: accountOut, ...errors },
      },
    },
    async (req) => {
      const by = req.account as Account;
      const a = await createAccountAudited(
        deps.db.kysely,
        by,
        { ...req.body, password: req.body.password ?? null },
        deps.clock(),
      );
      req.log.info({ account: a.id, by: by.id }, "account created");
      return { username: a.username, role: a.role, entity: a.entity };
    },
  );

  api.post(
    "/accounts/:username/tokens",
    {
      config,
      schema: {
        tags: ["accounts"],
        params: usernameParam,
        body: z.object({
          label: z.string().trim().min(1).max(100),
          /** Refused that many days from now on; none: until revoked. */
          expiresInDays: z.number().int().min(1).max(MAX_TOKEN_DAYS).optional(),
        }),
        response: {
          200: z.object({ token: z.string(), label: z.string(), expiresAt: z.string().nullable() }),
          ...errors,
        },
      },
    },
    async (req) => {
      const { token, expiresAt } = await issueApiToken(
        deps.db.kysely,
        req.account as Account,
        req.params.username,
        req.body.label,
        deps.clock(),
        req.body.expiresInDays ?? null,
      );
      return { token, label: req.body.label, expiresAt: iso(expiresAt) };
    },
  );

  api.get(
    "/accounts/:username/tokens",
    {
      config,
      schema: {
        tags: ["accounts"],
        description:
          "An account's API tokens, newest first: label and dates, never the secret nor its digest.",
        params: usernameParam,
        response: { 200: z.object({ items: z.array(tokenOut) }), ...errors },
      },
    },
    async (req) => {
      const a = await requireAccount(deps.db.kysely, req.params.username);
      return {
        items: (await listApiTokens(deps.db.kysely, a.id)).map((t) => ({
          id: Number(t.id),
          label: t.label,
          createdAt: iso(t.created_at) as string,
          revokedAt: iso(t.revoked_at),
          expiresAt: iso(t.expires_at),
        })),
      };
    },
  );

  api.post(
    "/accounts/:username/tokens/:id/revoke",
    {
      config,
      schema: {
        tags: ["accounts"],
        description:
          "Revokes an API token: refused at once. Idempotent: a token already revoked answers its first revocation date.",
        params: tokenParam,
        response: {
          200: z.object({ id: z.number(), label: z.string(), revokedAt: z.string() }),
          ...errors,
        },
      },
    },
    async (req) => {
      const by = req.account as Account;
      const t = await revokeApiTokenAudited(
        deps.db.kysely,
        by,
        req.params.username,
        req.params.id,
        deps.clock(),
      );
      if (t.revoked) req.log.info({ token: Number(t.id), by: by.id }, "api token revoked");
      return { id: Number(t.id), label: t.label, revokedAt: iso(t.revoked_at) as string };
    },
  );
}
