/**
 * The one write path of reference data (SPEC §8), for the CSV import and the API alike: a batch of
 * checked rows (rows.ts) is decided against the database and written in the caller's transaction, as
 * an upsert keyed by the CIS's ids. Each row comes back INSERTED, UPDATED or UNCHANGED, or refused with
 * an EcartError (its code and French reason). The same rows twice change nothing the second time.
 * The batch's service points are locked first (FOR UPDATE, in id order, as the commands lock them).
 */
import { sql } from "kysely";
import { type AuditEntry, audit, auditAll } from "../platform/audit.js";
import type { Context } from "../platform/context.js";
import { lockServicePoints, type RowOutcome, type RowResult, type Trx } from "./reference-common.js";
import { applyMeters } from "./reference-meters.js";
import { applySubscriptions } from "./reference-subscriptions.js";
import type { ReferenceKind, RowOf, ServicePointRow } from "./rows.js";

export type { RowOutcome, RowResult } from "./reference-common.js";

/** The batch's audit entry: which file (or API call) and which lines. */
export interface BatchSource {
  source: string;
  lines?: [number, number];
}

/** Writes a batch of rows of one kind; their results, in the order given. */
export async function applyReferenceRows<K extends ReferenceKind>(
  trx: Trx,
  ctx: Context,
  kind: K,
  rows: RowOf<K>[],
  from: BatchSource,
): Promise<RowResult[]> {
  if (rows.length === 0) return [];
  const results =
    kind === "service-points"
      ? await applyServicePoints(trx, ctx, rows as ServicePointRow[])
      : kind === "meters"
        ? await applyMeters(trx, ctx, rows as RowOf<"meters">[])
        : await applySubscriptions(trx, ctx, rows as RowOf<"subscriptions">[]);
  const count = (o: RowOutcome) => results.filter((r) => r === o).length;
  await audit(trx, ctx, "reference.imported", kind, from.source, {
    lines: from.lines ?? null,
    inserted: count("INSERTED"),
    updated: count("UPDATED"),
    unchanged: count("UNCHANGED"),
    rejected: results.filter((r) => typeof r !== "string").length,
  });
  return results;
}

/** Service points: new ones inserted, a changed address or owner updated (audited with the former values). */
async function applyServicePoints(trx: Trx, ctx: Context, rows: ServicePointRow[]): Promise<RowResult[]> {
  const state = await lockServicePoints(
    trx,
    rows.map((r) => r.servicePoint),
  );
  const inserts = new Map<string, { address: string; owner: string | null }>();
  const updates = new Map<string, { address: string; owner: string | null }>();
  const audits: AuditEntry[] = [];
  const results = rows.map((r): RowResult => {
    const cur = state.get(r.servicePoint);
    const owner = r.ownerName === undefined ? (cur?.owner_name ?? null) : r.ownerName;
    const next = { address: r.address, owner_name: owner };
    if (!cur) {
      inserts.set(r.servicePoint, { address: r.address, owner });
      state.set(r.servicePoint, next);
      return "INSERTED";
    }
    if (cur.address === r.address && cur.owner_name === owner) return "UNCHANGED";
    // A service point inserted by this batch and changed by a later row: the insert carries the last values.
    (inserts.has(r.servicePoint) ? inserts : updates).set(r.servicePoint, { address: r.address, owner });
    audits.push({
      action: "service_point.updated",
      objectType: "service_point",
      objectId: r.servicePoint,
      details: {
        before: { address: cur.address, owner: cur.owner_name },
        after: { address: r.address, owner },
      },
    });
    state.set(r.servicePoint, next);
    return "UPDATED";
  });
  const write = (m: Map<string, { address: string; owner: string | null }>) => ({
    ids: [...m.keys()],
    addresses: [...m.values()].map((v) => v.address),
    owners: [...m.values()].map((v) => v.owner),
  });
  if (inserts.size > 0) {
    const w = write(inserts);
    await sql`
      insert into service_points (id, address, owner_name, created_at)
      select u.id, u.address, u.owner, ${ctx.now}::timestamptz
        from unnest(${w.ids}::text[], ${w.addresses}::text[], ${w.owners}::text[]) as u(id, address, owner)`.execute(
      trx,
    );
  }
  if (updates.size > 0) {
    const w = write(updates);
    await sql`
      update service_points s set address = u.address, owner_name = u.owner
        from unnest(${w.ids}::text[], ${w.addresses}::text[], ${w.owners}::text[]) as u(id, address, owner)
       where s.id = u.id`.execute(trx);
  }
  await auditAll(trx, ctx, audits);
  return results;
}
