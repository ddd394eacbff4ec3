/**
 * The steps several move-in commands (and the sweep) take: ask the customer for a proof, subscribe
 * at the predecessor's termination. Each writes in the caller's transaction.
 */
import {
  addComments,
  addTasks,
  closeTasks,
  openTasks,
  setSubscriptionsAndClose,
  updateMoveIn,
} from "../cases/store.js";
import { enqueue, type Recipient } from "../communications/outbox.js";
import type { Context } from "../platform/context.js";
import type { Trx } from "../platform/db.js";
import type { MoveInFacts } from "../platform/schema.js";
import {
  messageFacts,
  type Place,
  partiesOf,
  partyById,
  placeFacts,
  placesOf,
} from "../service-points/store.js";
import { knownTermination, type MoveInCase } from "./move-in-case.js";
import { proofDeadline } from "./rules/deadline.js";
import { insertSubscriptions } from "./store.js";
import { awaitingProofSentence, predecessorSubscribedSentence } from "./wording.js";

/** R3/R6: ask the customer for a proof, with the deadline, and keep the task open. */
export async function requestProofOn(
  trx: Trx,
  ctx: Context,
  caseId: string,
  spId: string,
  partyId: string,
  facts: MoveInFacts,
  comment?: string,
) {
  const existing = (await openTasks(trx, caseId)).find((t) => t.kind === "AWAIT_PROOF");
  let due = existing?.due_date;
  if (!existing) {
    await closeTasks(trx, ctx, [caseId], "DONE");
    const d = proofDeadline(ctx.now, ctx.config.proofDeadlineDays, ctx.config.timeZone);
    await addTasks(trx, ctx, [{ caseId, kind: "AWAIT_PROOF", deadline: d }]);
    due = d.dueDate;
  }
  await updateMoveIn(trx, caseId, { ...facts, proofRequested: true });
  await addComments(trx, ctx, [{ caseId, body: comment ?? awaitingProofSentence(due as string) }]);
  const party = await partyById(trx, partyId);
  await enqueue(trx, ctx, [
    {
      template: "PROOF_REQUEST",
      to: party,
      facts: {
        ...(await messageFacts(trx, spId, caseId)),
        termination: { date: facts.termination.date, index: facts.termination.index },
        declared: { date: facts.date, index: facts.index },
        gap: facts.gap,
        dueDate: due,
      },
    },
  ]);
  return due as string;
}

/** R4/R8: subscribe at the predecessor's termination date and index and tell the customer. */
export async function subscribeAtPredecessor(
  trx: Trx,
  ctx: Context,
  c: MoveInCase,
  why: string,
  taskStatus: "DONE" | "EXPIRED" = "DONE",
): Promise<string> {
  const [id] = await subscribeAllAtPredecessor(trx, ctx, [c], why, taskStatus);
  return id as string;
}

/**
 * subscribeAtPredecessor for many cases at once, at most one per service point (the caller holds
 * their locks): a handful of multi-row statements for the whole batch. Throws, writing nothing of
 * its own, if any case cannot be subscribed. The subscriptions' ids, in the cases' order.
 */
export async function subscribeAllAtPredecessor(
  trx: Trx,
  ctx: Context,
  cases: MoveInCase[],
  why: string,
  taskStatus: "DONE" | "EXPIRED",
): Promise<string[]> {
  const known = cases.map((c) => ({ ...c, termination: knownTermination(c) }));
  const places = await placesOf(
    trx,
    cases.map((c) => c.service_point_id),
  );
  const placeOf = (c: MoveInCase) => places.get(c.service_point_id) as Place;
  const subs = await insertSubscriptions(
    trx,
    ctx,
    known.map((c) => ({
      servicePointId: c.service_point_id,
      meterId: placeOf(c).meter?.id ?? null,
      partyId: c.party_id,
      caseId: c.id,
      date: c.termination.date,
      index: c.termination.index,
      source: "PREDECESSOR",
    })),
  );
  const ids = subs.map((s) => s.id);
  await closeTasks(
    trx,
    ctx,
    cases.map((c) => c.id),
    taskStatus,
  );
  await addComments(
    trx,
    ctx,
    known.map((c) => ({ caseId: c.id, body: predecessorSubscribedSentence(why, c.termination) })),
  );
  const parties = await partiesOf(
    trx,
    cases.map((c) => c.party_id),
  );
  await enqueue(
    trx,
    ctx,
    known.map((c) => {
      const t = c.termination;
      return {
        template: "CONFIRMATION_PREDECESSOR_INDEX",
        to: parties.get(c.party_id) as Recipient,
        facts: {
          ...placeFacts(placeOf(c), c.id),
          termination: { date: t.date, index: t.index },
          declared: { date: c.move_in.date, index: c.move_in.index },
          start: { date: t.date, index: t.index, source: "PREDECESSOR" },
        },
      };
    }),
  );
  await setSubscriptionsAndClose(
    trx,
    ctx,
    cases.map((c, i) => ({ caseId: c.id, subscriptionId: ids[i] as string })),
  );
  return ids;
}
