/** R8: what the deadline sweep (sweep.ts) does with the cases whose proof deadline passed. */
import { addComments, addTasks, type CaseRow, closeTasks } from "../cases/store.js";
import type { Context } from "../platform/context.js";
import type { Trx } from "../platform/db.js";
import { occupantsSince, terminationStatuses } from "./batch-store.js";
import { assertMoveInCase, knownTermination, type MoveInCase } from "./move-in-case.js";
import { proofDeadline } from "./rules/deadline.js";
import { expiryPath } from "./rules/expiry-path.js";
import { subscribeAllAtPredecessor } from "./steps.js";
import { R8_SUSPECT_COMMENT } from "./wording.js";

/** What R8 does with an expired case. */
export type Expiry = "SUBSCRIBED" | "SKIPPED";

/** R8: why the sweep subscribes a case (the comment's opening). */
const R8_WHY = "Délai dépassé sans justificatif reçu";

/** R8: the comment on a case left to the back office because another occupant held the service point since the termination. */
export const occupiedSinceSentence = (deadlineDays: number, occupant: { id: string }) =>
  `Délai de ${deadlineDays} jours dépassé, mais un autre occupant (abonnement ${occupant.id}) a été abonné sur ce point de desserte depuis la résiliation : abonnement non mis en place, à traiter par le back office.`;

/** R8: the deadline passed without a proof (run by the sweep, as the system). */
export async function expireCase(trx: Trx, ctx: Context, c: CaseRow): Promise<Expiry> {
  const r = (await expireCases(trx, ctx, [c])).get(c.id);
  if (r instanceof Error) throw r;
  return r as Expiry;
}

/**
 * R8 for a batch of expired cases (the caller holds their locks and their service points'): the
 * facts read and the rows written for all of them at once, a handful of statements in all. A case
 * that cannot be processed gets its error in the result and nothing written for it. Cases at one
 * service point are taken one after the other: a case subscribed first is the next one's occupant.
 */
export async function expireCases(
  trx: Trx,
  ctx: Context,
  cases: CaseRow[],
): Promise<Map<string, Expiry | Error>> {
  const out = new Map<string, Expiry | Error>();
  let rest = cases;
  while (rest.length > 0) {
    const seen = new Set<string>();
    const round: CaseRow[] = [];
    const later: CaseRow[] = [];
    for (const c of rest) {
      (seen.has(c.service_point_id) ? later : round).push(c);
      seen.add(c.service_point_id);
    }
    await expireRound(trx, ctx, round, out);
    rest = later;
  }
  return out;
}

/** expireCases for cases at distinct service points. */
async function expireRound(trx: Trx, ctx: Context, cases: CaseRow[], out: Map<string, Expiry | Error>) {
  const moveIns: MoveInCase[] = [];
  for (const c of cases) {
    try {
      assertMoveInCase(c);
      moveIns.push(c);
    } catch (e) {
      out.set(c.id, e as Error);
    }
  }
  const unsubscribed = moveIns.filter((c) => !c.subscription_id);
  const occupants = await occupantsSince(
    trx,
    unsubscribed.map((c) => ({ servicePointId: c.service_point_id, date: c.move_in.termination.date })),
  );
  const occupantOf = new Map(unsubscribed.map((c, i) => [c.id, occupants[i] ?? null]));
  const statuses = await terminationStatuses(
    trx,
    unsubscribed.map((c) => ({ servicePointId: c.service_point_id, ...c.move_in.termination })),
  );
  const suspect = new Set(unsubscribed.filter((_, i) => statuses[i] === "SUSPECT").map((c) => c.id));
  const closing: string[] = [];
  const notes: Array<{ caseId: string; body: string }> = [];
  const subscribing: MoveInCase[] = [];
  const held: string[] = [];
  for (const c of moveIns) {
    const occupant = occupantOf.get(c.id) ?? null;
    const path = expiryPath(c.subscription_id !== null, occupant !== null, suspect.has(c.id));
    if (path === "SUBSCRIBE") {
      try {
        knownTermination(c);
        subscribing.push(c);
        out.set(c.id, "SUBSCRIBED");
      } catch (e) {
        out.set(c.id, e as Error);
      }
      continue;
    }
    closing.push(c.id);
    if (path === "HOLD_FOR_CHECK") {
      // R8's exception: nothing subscribed; BO checks the reading (CHECK_TERMINATION, due today).
      held.push(c.id);
      notes.push({ caseId: c.id, body: R8_SUSPECT_COMMENT });
    }
    if (path === "LEAVE_TO_BO" && occupant)
      notes.push({ caseId: c.id, body: occupiedSinceSentence(ctx.config.proofDeadlineDays, occupant) });
    out.set(c.id, "SKIPPED");
  }
  await closeTasks(trx, ctx, closing, "EXPIRED");
  await addComments(trx, ctx, notes);
  const today = proofDeadline(ctx.now, 0, ctx.config.timeZone);
  await addTasks(
    trx,
    ctx,
    held.map((caseId) => ({ caseId, kind: "CHECK_TERMINATION", deadline: today })),
  );
  await subscribeAllAtPredecessor(trx, ctx, subscribing, R8_WHY, "EXPIRED");
}
