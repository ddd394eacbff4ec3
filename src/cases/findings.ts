/**
 * Storage of R9's findings: consumption between two occupants, not due to the newcomer, attached to
 * the move-in case (or, without one, the INT_EUROS case) it was found on. The report (R13) reads
 * them, never the comments' text. Queries only.
 */
import { audit } from "../platform/audit.js";
import type { Context } from "../platform/context.js";
import type { Trx } from "../platform/db.js";
import { appendEvents } from "../platform/events.js";

export interface NewFinding {
  caseId: string;
  servicePointId: string;
  /** The newcomer's subscription. */
  subscriptionId: string;
  /** The predecessor's termination. */
  from: { date: string; index: number };
  /** The index at the proof's date. */
  to: { date: string; index: number };
}

/** The `intermediate_consumption.found` event of a finding, as recorded or recomputed (SPEC §8). */
const foundEvent = (f: NewFinding) => ({
  type: "intermediate_consumption.found" as const,
  payload: {
    case: f.caseId,
    servicePoint: f.servicePointId,
    subscription: f.subscriptionId,
    from: f.from,
    to: f.to,
    volume: f.to.index - f.from.index,
  },
});

/**
 * R9: records a finding (volume = to − from) and its `intermediate_consumption.found` event; a case
 * holds one finding, the first kept. True when recorded.
 */
export async function recordIntermediateConsumption(trx: Trx, ctx: Context, f: NewFinding): Promise<boolean> {
  const row = await trx
    .insertInto("intermediate_consumptions")
    .values({
      case_id: f.caseId,
      service_point_id: f.servicePointId,
      subscription_id: f.subscriptionId,
      from_date: f.from.date,
      from_index: f.from.index,
      to_date: f.to.date,
      to_index: f.to.index,
      volume: f.to.index - f.from.index,
      created_at: ctx.now,
      withdrawn_at: null,
    })
    .onConflict((oc) => oc.column("case_id").doNothing())
    .returning("case_id")
    .executeTakeFirst();
  if (!row) return false;
  await audit(trx, ctx, "finding.recorded", "case", f.caseId, { from: f.from, to: f.to });
  await appendEvents(trx, ctx, [foundEvent(f)]);
  return true;
}

/** The findings still in the report that were computed from a termination (service point, date, index). */
export async function findingsFrom(
  trx: Trx,
  servicePointId: string,
  termination: { date: string; index: number },
) {
  return trx
    .selectFrom("intermediate_consumptions")
    .selectAll()
    .where("service_point_id", "=", servicePointId)
    .where("from_date", "=", termination.date)
    .where("from_index", "=", termination.index)
    .where("withdrawn_at", "is", null)
    .orderBy("case_id")
    .execute();
}

/**
 * R16: a finding recomputed from a corrected termination index; `withdrawn` when the corrected volume
 * is within tolerance (it then leaves the report, kept with when it left). Audited with both figures; a
 * finding still beyond tolerance is found again, with its new figures, in the event feed (a withdrawal
 * reaches the CIS as the termination reading's `reading.corrected`).
 */
export async function recomputeFinding(
  trx: Trx,
  ctx: Context,
  f: {
    case_id: string;
    service_point_id: string;
    subscription_id: string;
    from_date: string;
    to_date: string;
    to_index: number;
  },
  change: {
    fromIndex: number;
    volume: number;
    withdrawn: boolean;
    previous: { fromIndex: number; volume: number };
  },
): Promise<void> {
  const caseId = f.case_id;
  await trx
    .updateTable("intermediate_consumptions")
    .set({
      from_index: change.fromIndex,
      volume: change.volume,
      withdrawn_at: change.withdrawn ? ctx.now : null,
    })
    .where("case_id", "=", caseId)
    .execute();
  await audit(trx, ctx, change.withdrawn ? "finding.withdrawn" : "finding.recomputed", "case", caseId, {
    from: change.previous,
    to: { fromIndex: change.fromIndex, volume: change.volume },
  });
  if (!change.withdrawn)
    await appendEvents(trx, ctx, [
      foundEvent({
        caseId,
        servicePointId: f.service_point_id,
        subscriptionId: f.subscription_id,
        from: { date: f.from_date, index: change.fromIndex },
        to: { date: f.to_date, index: Number(f.to_index) },
      }),
    ]);
}
