/** R15: every change is recorded with who, when and from which entity. Append-only. */
import { sql } from "kysely";
import type { Context } from "./context.js";
import type { Trx } from "./db.js";

/** One audit entry: what was done to which object. */
export interface AuditEntry {
  action: string;
  objectType: string;
  objectId: string;
  details?: Record<string, unknown> | undefined;
}

export async function audit(
  trx: Trx,
  ctx: Context,
  action: string,
  objectType: string,
  objectId: string,
  details?: Record<string, unknown>,
): Promise<void> {
  await auditAll(trx, ctx, [{ action, objectType, objectId, details }]);
}

/**
 * Records many entries, in their order, in one statement whatever their number: the rows travel
 * as one JSON parameter (jsonb_to_recordset), not one bind parameter per value.
 */
export async function auditAll(trx: Trx, ctx: Context, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const { now, actor } = ctx;
  const rows = entries.map((e) => ({ a: e.action, t: e.objectType, o: e.objectId, d: e.details ?? null }));
  await sql`
    insert into audit_log (at, actor, role, entity, action, object_type, object_id, details)
    select ${now}::timestamptz, ${actor.user}::text, ${actor.role}::text, ${actor.entity}::text, e.a, e.t, e.o, e.d
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as e(a text, t text, o text, d jsonb)`.execute(
    trx,
  );
}
