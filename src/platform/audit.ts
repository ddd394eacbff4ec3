/** R15: every change is recorded with who, when and from which entity. Append-only. */
import type { Transaction } from "kysely";
import type { Context } from "./context.js";
import type { DB } from "./schema.js";

export async function audit(
  trx: Transaction<DB>,
  ctx: Context,
  action: string,
  objectType: string,
  objectId: string,
  details?: Record<string, unknown>,
): Promise<void> {
  await trx
    .insertInto("audit_log")
    .values({
      at: ctx.now,
      actor: ctx.actor.user,
      role: ctx.actor.role,
      entity: ctx.actor.entity,
      action,
      object_type: objectType,
      object_id: objectId,
      details: details ? JSON.stringify(details) : null,
    })
    .execute();
}
