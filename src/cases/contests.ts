/** R11/R12: contests of a subscription and regularisations through the EUROS service (INT_EUROS cases). */
import { z } from "zod";
import { enqueue } from "../communications/outbox.js";
import { audit } from "../platform/audit.js";
import type { CommandResult } from "../platform/command.js";
import type { Context } from "../platform/context.js";
import { frenchDate } from "../platform/dates.js";
import type { Trx } from "../platform/db.js";
import { EcartError, ErrorCode, fail } from "../platform/errors.js";
import type { RegularizationFacts } from "../platform/schema.js";
import { isoDate, rawIndex, ref, text } from "../platform/validate.js";
import { parseIndexM3 } from "../readings/index-m3.js";
import { loadSubscriptionForUpdate, messageFacts, partyById } from "../service-points/store.js";
import { ENTRY_PROOF_KINDS } from "./documents.js";
import { applyProofGap } from "./intermediate.js";
import { regularizeStart } from "./regularize.js";
import { addComments, assertOpen, closeCase, loadCaseForUpdate, openCase } from "./store.js";

/** The tag of subscriptions made by the EUROS service (R11). */
export const EUROS_TAG = "euros";

export const contestInput = z.object({
  subscription: ref,
  reason: text(2000),
  proof: z
    .object({
      date: isoDate,
      index: rawIndex.nullish(),
      kind: z.enum(ENTRY_PROOF_KINDS).nullish(),
    })
    .nullish(),
});

/** R11: a contest is recorded and analysed by the advisor, without transfer to EUROS. */
export async function contest(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof contestInput>,
): Promise<CommandResult> {
  const sub = await loadSubscriptionForUpdate(trx, input.subscription);
  const proof = input.proof
    ? {
        kind: input.proof.kind ?? undefined,
        date: input.proof.date,
        index: input.proof.index == null ? null : parseIndexM3(input.proof.index, "proof.index"),
      }
    : null;
  const row = await trx
    .insertInto("contests")
    .values({
      subscription_id: sub.id,
      reason: input.reason,
      status: "OPEN",
      proof: proof ? JSON.stringify(proof) : null,
      created_at: ctx.now,
      created_by: ctx.actor.user,
      entity: ctx.actor.entity,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await audit(trx, ctx, "contest.recorded", "contest", row.id, {
    subscription: sub.id,
    euros: sub.tags.includes(EUROS_TAG),
  });
  return { outcome: "CONTEST_RECORDED", contest: row.id, subscription: sub.id };
}

export const answerContestInput = z.object({
  contest: ref,
  answer: text(5000),
  regularizationNeeded: z.boolean(),
});

/** R11: the advisor answers the customer (CONTEST_ANSWER); a needed regularisation opens INT_EUROS (R12). */
export async function answerContest(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof answerContestInput>,
): Promise<CommandResult> {
  const { ct, sub } = await loadContest(trx, input.contest);
  if (ct.status !== "OPEN") {
    fail(
      ErrorCode.CONTEST_ALREADY_ANSWERED,
      `La contestation ${ct.id} a déjà reçu une réponse.`,
      `contest ${ct.id} is ${ct.status}`,
      "contest",
    );
  }
  const party = await partyById(trx, sub.party_id);
  await enqueue(trx, ctx, [
    {
      template: "CONTEST_ANSWER",
      to: party,
      facts: {
        ...(await messageFacts(trx, sub.service_point_id, null)),
        contest: { id: ct.id, reason: ct.reason, createdAt: ct.created_at },
        answer: input.answer,
        subscription: {
          id: sub.id,
          start: { date: sub.start_date, index: sub.start_index, source: sub.start_source },
        },
        regularization: input.regularizationNeeded,
      },
      links: { contestId: ct.id },
    },
  ]);
  await trx
    .updateTable("contests")
    .set({ status: "ANSWERED", answer: input.answer, answered_at: ctx.now })
    .where("id", "=", ct.id)
    .execute();
  await audit(trx, ctx, "contest.answered", "contest", ct.id, {
    regularizationNeeded: input.regularizationNeeded,
  });
  if (!input.regularizationNeeded)
    return { outcome: "CONTEST_ANSWERED", contest: ct.id, subscription: sub.id };
  const caseId = await openRegularization(
    trx,
    ctx,
    ct.id,
    sub,
    ct.proof ? "CONTEST_WITH_PROOF" : "CONTEST",
    ct.proof,
  );
  return { outcome: "REGULARIZATION_OPENED", contest: ct.id, case: caseId, subscription: sub.id };
}

export const contestPersistsInput = z.object({ contest: ref });

/** R11: the customer still contests after the explanation: INT_EUROS case. A repeat returns the first case. */
export async function contestPersists(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof contestPersistsInput>,
): Promise<CommandResult> {
  const { ct, sub } = await loadContest(trx, input.contest);
  if (ct.regularization_case_id) {
    return {
      outcome: "REGULARIZATION_OPENED",
      contest: ct.id,
      case: ct.regularization_case_id,
      duplicate: true,
    };
  }
  if (ct.status === "OPEN") {
    fail(
      ErrorCode.CONTEST_NOT_ANSWERED,
      `La contestation ${ct.id} n'a pas encore reçu de réponse : répondez d'abord au client (R11).`,
      `contest ${ct.id} has not been answered yet`,
      "contest",
    );
  }
  const caseId = await openRegularization(
    trx,
    ctx,
    ct.id,
    sub,
    ct.proof ? "CONTEST_WITH_PROOF" : "CONTEST",
    ct.proof,
  );
  return { outcome: "REGULARIZATION_OPENED", contest: ct.id, case: caseId, subscription: sub.id };
}

export const closeRegularizationInput = z.object({
  case: ref,
  comment: text(2000),
  /** R12: the regularised start; without it the case closes with the comment alone. */
  start: z.object({ date: isoDate, index: rawIndex }).nullish(),
});

/** R12, R14: the EUROS service closes its INT_EUROS cases, with a comment alone or the regularised start. */
export async function closeRegularization(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof closeRegularizationInput>,
): Promise<CommandResult> {
  const c = await loadCaseForUpdate(trx, input.case);
  if (c.type !== "INT_EUROS") {
    fail(
      ErrorCode.FORBIDDEN,
      `Le service EUROS ne traite que les dossiers INT vers EUROS.`,
      `case ${c.id} is ${c.type}`,
      "case",
    );
  }
  assertOpen(c);
  if (input.start) await regularizeStart(trx, ctx, c, input.start);
  await addComments(trx, ctx, [{ caseId: c.id, body: input.comment }]);
  await closeCase(trx, ctx, c.id);
  return { outcome: "REGULARIZATION_CLOSED", case: c.id, subscription: c.subscription_id };
}

async function openRegularization(
  trx: Trx,
  ctx: Context,
  contestId: string,
  sub: Awaited<ReturnType<typeof loadSubscriptionForUpdate>>,
  motive: RegularizationFacts["motive"],
  proof: RegularizationFacts["proof"] | null,
): Promise<string> {
  const caseId = await openCase(trx, ctx, {
    type: "INT_EUROS",
    servicePointId: sub.service_point_id,
    partyId: sub.party_id,
    subscriptionId: sub.id,
    contestId,
    regularization: { motive, contest: contestId, ...(proof ? { proof } : {}) },
  });
  await addComments(trx, ctx, [
    {
      caseId,
      body:
        `Contestation ${contestId} de l'abonnement ${sub.id} (début ${frenchDate(sub.start_date)}, index ${sub.start_index} m3) : ` +
        `régularisation à effectuer par le service EUROS` +
        `${proof ? ` sur la base du justificatif du ${frenchDate(proof.date ?? sub.start_date)}${proof.index != null ? `, index ${proof.index} m3` : ""}` : ""}.`,
    },
  ]);
  await trx
    .updateTable("contests")
    .set({ status: "ESCALATED", regularization_case_id: caseId })
    .where("id", "=", contestId)
    .execute();
  // R9: a proof backing the contest says what a late proof would (R12): on the subscription's ARR case.
  if (proof?.date && proof.index != null && sub.case_id) {
    const arr = await trx
      .selectFrom("cases")
      .select(["id", "service_point_id", "move_in"])
      .where("id", "=", sub.case_id)
      .executeTakeFirst();
    if (arr?.move_in && arr.move_in.termination.source !== "NONE")
      await applyProofGap(trx, ctx, { ...arr, termination: arr.move_in.termination }, sub.id, {
        ...(proof.kind ? { kind: proof.kind } : {}),
        date: proof.date,
        index: proof.index,
      });
  }
  return caseId;
}

async function loadContest(trx: Trx, id: string) {
  const ct = await trx.selectFrom("contests").selectAll().where("id", "=", id).executeTakeFirst();
  if (!ct)
    throw new EcartError(
      ErrorCode.UNKNOWN_REFERENCE,
      `Contestation inconnue : ${id}.`,
      `unknown contest ${id}`,
      "contest",
    );
  const sub = await loadSubscriptionForUpdate(trx, ct.subscription_id);
  const locked = await trx
    .selectFrom("contests")
    .selectAll()
    .where("id", "=", id)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return { ct: locked, sub };
}
