/** R15: every change is recorded with who, when and from which entity. Append-only. */
import { sql, type Transaction } from "kysely";
import type { Context } from "./context.js";
import type { DB } from "./schema.js";

/** One audit entry: what was done to which object. */
export interface AuditEntry {
  action: string;
  objectType: string;
  objectId: string;
  details?: Record<string, unknown> | undefined;
}

export async function audit(
  trx: Transaction<DB>,
  ctx: Context,
  action: string,
  objectType: string,
  objectId: string,
  details?: Record<string, unknown>,
): Promise<void> {
  await auditAll(trx, ctx, [{ action, objectType, objectId, details }]);
}

/**
 * Records many entries, in their order, in one statement whatever their number: one array per
 * column (unnest), not one bind parameter per value.
 */
export async function auditAll(trx: Transaction<DB>, ctx: Context, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const { now, actor } = ctx;
  const details = entries.map((e) => (e.details ? JSON.stringify(e.details) : null));
  await sql`
    insert into audit_log (at, actor, role, entity, action, object_type, object_id, details)
    select ${now}::timestamptz, ${actor.user}::text, ${actor.role}::text, ${actor.entity}::text,
           e.action, e.object_type, e.object_id, e.details
      from unnest(${entries.map((e) => e.action)}::text[], ${entries.map((e) => e.objectType)}::text[],
                  ${entries.map((e) => e.objectId)}::text[], ${details}::jsonb[])
           as e(action, object_type, object_id, details)`.execute(trx);
}
