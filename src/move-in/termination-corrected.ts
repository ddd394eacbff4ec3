/**
 * R16: a corrected termination index changes what was decided on it. When a MOVE_OUT reading is
 * corrected, in the same transaction: the subscription it ended gets the corrected end index; an open
 * move-in case compared with it is assessed again; a subscription started at the old index gets an
 * INT_EUROS case; an R9 finding computed from it is recomputed. Nothing else is touched.
 */
import { findingsFrom, recomputeFinding } from "../cases/findings.js";
import {
  addComments,
  closeTasks,
  closeUnlessVisitPending,
  moveInCasesOnTermination,
  openCase,
  reportedVisit,
  setCaseSubscription,
  updateMoveIn,
} from "../cases/store.js";
import { enqueue } from "../communications/outbox.js";
import { only } from "../platform/batch.js";
import type { Context } from "../platform/context.js";
import type { Trx } from "../platform/db.js";
import type { StartSource } from "../platform/schema.js";
import type { Replacement } from "../readings/commands.js";
import { indexAcrossRollover } from "../readings/plausibility.js";
import { currentMeter, messageFacts, partyById } from "../service-points/store.js";
import type { MoveInCase } from "./move-in-case.js";
import { checkGap, showsIntermediateConsumption } from "./rules/gap.js";
import {
  correctSubscriptionEnd,
  insertSubscriptions,
  subscriptionEndedAt,
  subscriptionForCase,
  subscriptionStartingFrom,
} from "./store.js";
import {
  findingRecomputedSentence,
  startAtCorrectedIndexSentence,
  type TerminationRetaken,
  terminationCorrectedSentence,
} from "./wording.js";

/** R16: the start sources taken from the predecessor's termination index (a correction regularises them). */
export const STARTS_AT_TERMINATION: readonly StartSource[] = [
  "PREDECESSOR",
  "PROOF_DATE_PREDECESSOR_INDEX",
  "MUTATION",
];

/** What a corrected termination changed: the subscription it made, the case it opened or assessed again. */
export interface TerminationRetakenResult {
  subscription: string | null;
  case: string | null;
}

/** R16, after `replaceReading` corrected a MOVE_OUT reading (the caller holds the service point's lock). */
export async function retakeTermination(
  trx: Trx,
  ctx: Context,
  r: Replacement,
): Promise<TerminationRetakenResult> {
  const none = { subscription: null, case: null };
  if (r.old.type !== "MOVE_OUT" || r.old.index === r.index) return none;
  const sp = r.old.servicePointId;
  const date = r.old.date;
  const pred = await subscriptionEndedAt(trx, sp, date, r.old.index);
  if (!pred) return none;
  const t = { date, oldIndex: r.old.index, newIndex: r.index, predecessor: pred.id };
  await correctSubscriptionEnd(
    trx,
    ctx,
    pred.id,
    { date, index: r.index, reading: r.id },
    { index: r.old.index },
  );

  let caseId: string | null = null;
  let subscription: string | null = null;

  // A subscription already started at the old index: not rewritten, regularised by EUROS (as in R12).
  const next = await subscriptionStartingFrom(trx, sp, date, pred.id);
  if (next && STARTS_AT_TERMINATION.includes(next.start_source) && Number(next.start_index) === r.old.index) {
    caseId = await openCase(trx, ctx, {
      type: "INT_EUROS",
      servicePointId: sp,
      partyId: next.party_id,
      subscriptionId: next.id,
      relatedCaseId: next.case_id,
      regularization: {
        motive: "TERMINATION_CORRECTED",
        correction: { reading: r.id, date, oldIndex: r.old.index, newIndex: r.index },
      },
    });
    await addComments(trx, ctx, [{ caseId, body: startAtCorrectedIndexSentence(next, t) }]);
  }

  // The move-in cases compared with the old figure: their facts follow; an open one is assessed again.
  const cases = await moveInCasesOnTermination(trx, sp, {
    subscription: pred.id,
    date,
    index: r.old.index,
  });
  for (const c of cases as MoveInCase[]) {
    const facts = c.move_in;
    // Matched on the predecessor's subscription: never a case without a termination (NONE).
    if (facts.termination.source === "NONE") continue;
    const termination = { ...facts.termination, index: r.index };
    const declaredGap = facts.index !== null ? facts.index - r.index : facts.gap;
    await updateMoveIn(trx, c.id, { ...facts, termination, gap: declaredGap });
    if (c.status !== "OPEN") continue;
    const made = await reassess(trx, ctx, c, t);
    caseId ??= c.id;
    subscription ??= made;
  }

  // R9 findings computed from the old index: recomputed, out of the report once within tolerance.
  for (const f of await findingsFrom(trx, sp, { date, index: r.old.index })) {
    const volume = Number(f.to_index) - r.index;
    const withdrawn = !showsIntermediateConsumption(r.index, Number(f.to_index), ctx.config.toleranceM3);
    await recomputeFinding(trx, ctx, f, {
      fromIndex: r.index,
      volume,
      withdrawn,
      previous: { fromIndex: r.old.index, volume: Number(f.volume) },
    });
    await addComments(trx, ctx, [
      {
        caseId: f.case_id,
        body: findingRecomputedSentence(
          t,
          { before: Number(f.volume), after: volume, from: f.from_date, to: f.to_date, withdrawn },
          ctx.config.toleranceM3,
        ),
      },
    ]);
  }
  return { subscription, case: caseId };
}

/**
 * R16 on one open move-in case: the gap recomputed with the corrected index (the visit's index when a
 * visit reported one, else the declared index). Within tolerance: subscribed as R2/R6 would have done,
 * tasks DONE (an EXPIRED one stays so), case closed unless the visit is pending, CONFIRMATION_DECLARED_INDEX.
 * Still beyond, or no index yet: a comment only. The new subscription's id, or null.
 */
async function reassess(
  trx: Trx,
  ctx: Context,
  c: MoveInCase,
  t: { date: string; oldIndex: number; newIndex: number },
): Promise<string | null> {
  const tol = ctx.config.toleranceM3;
  const say = (m: Parameters<typeof terminationCorrectedSentence>[1], o: TerminationRetaken) =>
    addComments(trx, ctx, [{ caseId: c.id, body: terminationCorrectedSentence(t, m, tol, o) }]);
  const visit = c.type === "ARR_INTERVENTION" ? await reportedVisit(trx, c.id) : null;
  const read = visit ?? (c.move_in.index !== null ? { date: c.move_in.date, index: c.move_in.index } : null);
  if (!read) {
    await say(null, { kind: "AWAIT_VISIT" });
    return null;
  }
  const meter = await currentMeter(trx, c.service_point_id);
  const across = (ref: number) => indexAcrossRollover(ref, read.index, meter?.digits);
  const before = checkGap(t.oldIndex, across(t.oldIndex), tol);
  const after = checkGap(t.newIndex, across(t.newIndex), tol);
  const measured = { fromVisit: visit !== null, ...read, gapBefore: before.gap, gapAfter: after.gap };
  if (c.subscription_id) {
    await say(measured, { kind: "ALREADY_SUBSCRIBED", subscription: c.subscription_id });
    return null;
  }
  if (!after.withinTolerance) {
    await say(measured, { kind: "STILL_BEYOND" });
    return null;
  }
  const start = { date: c.move_in.date, index: read.index };
  const source = visit ? "INTERVENTION" : "DECLARED";
  const sub = only(await insertSubscriptions(trx, ctx, [subscriptionForCase(c, meter, start, source)]));
  await setCaseSubscription(trx, c.id, sub.id);
  await closeTasks(trx, ctx, [c.id], "DONE");
  await say(measured, { kind: "SUBSCRIBED", start });
  await enqueue(trx, ctx, [
    {
      template: "CONFIRMATION_DECLARED_INDEX",
      to: await partyById(trx, c.party_id),
      facts: {
        ...(await messageFacts(trx, c.service_point_id, c.id)),
        termination: { date: t.date, index: t.newIndex, previousIndex: t.oldIndex },
        declared: { date: c.move_in.date, index: c.move_in.index },
        visit,
        start: { ...start, source },
        gap: after.gap,
        proofRequested: c.move_in.proofRequested,
      },
    },
  ]);
  await closeUnlessVisitPending(trx, ctx, c.id);
  return sub.id;
}
