/** Account management (ADMIN): list and create accounts, issue API tokens. Creations are audited. */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  type Account,
  accountByName,
  auditAccountEvent,
  createAccount,
  createApiToken,
  listAccounts,
} from "../../accounts/store.js";
import { EcartError, ErrorCode } from "../../platform/errors.js";
import type { AppDeps } from "../app.js";
import { accountOut, errors, roleEnum } from "../schemas.js";
import { iso } from "../views/common.js";

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
          200: z.object({
            items: z.array(accountOut.extend({ active: z.boolean(), createdAt: z.string() })),
          }),
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
          password: z.string().min(8).max(1024),
          role: roleEnum,
          entity: z.string().min(1).max(64),
        }),
        response: { 200: accountOut, ...errors },
      },
    },
    async (req) => {
      const by = req.account as Account;
      const a = await deps.db.kysely.transaction().execute(async (trx) => {
        const created = await createAccount(trx, req.body, deps.clock());
        await auditAccountEvent(trx, by, "account.created", created.username, deps.clock(), {
          role: created.role,
          entity: created.entity,
        });
        return created;
      });
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
        params: z.object({ username: z.string().min(1).max(64) }),
        body: z.object({ label: z.string().trim().min(1).max(100) }),
        response: { 200: z.object({ token: z.string(), label: z.string() }), ...errors },
      },
    },
    async (req) => {
      const a = await accountByName(deps.db.kysely, req.params.username);
      if (!a)
        throw new EcartError(
          ErrorCode.UNKNOWN_REFERENCE,
          `Compte inconnu : ${req.params.username}.`,
          "unknown account",
          "username",
        );
      const token = await deps.db.kysely.transaction().execute(async (trx) => {
        const secret = await createApiToken(trx, a.id, req.body.label, deps.clock());
        // The label only: the secret is shown once, to the caller, and kept nowhere but as its digest.
        await auditAccountEvent(
          trx,
          req.account as Account,
          "account.token_created",
          a.username,
          deps.clock(),
          {
            label: req.body.label,
          },
        );
        return secret;
      });
      return { token, label: req.body.label };
    },
  );
}
