/** R6: the reconnection visit reports its reading. */
import { z } from "zod";
import {
  addComments,
  assertOpen,
  closeTasks,
  closeUnlessVisitPending,
  loadCaseForUpdate,
  openTasks,
  reportIntervention,
  setCaseSubscription,
} from "../../cases/store.js";
import { audit } from "../../platform/audit.js";
import { only } from "../../platform/batch.js";
import type { CommandResult } from "../../platform/command.js";
import type { Context } from "../../platform/context.js";
import { frenchDate } from "../../platform/dates.js";
import type { Trx } from "../../platform/db.js";
import { ErrorCode, fail } from "../../platform/errors.js";
import { isoDate, rawIndex, ref } from "../../platform/validate.js";
import { assertNotFuture } from "../../readings/commands.js";
import { parseIndexM3 } from "../../readings/index-m3.js";
import { indexAcrossRollover } from "../../readings/plausibility.js";
import { appendReadings } from "../../readings/store.js";
import { currentMeter } from "../../service-points/store.js";
import { assertMoveInCase, beforeTermination } from "../move-in-case.js";
import { checkGap } from "../rules/gap.js";
import { requestProofOn, subscribeAtPredecessor } from "../steps.js";
import { insertSubscriptions, subscriptionForCase } from "../store.js";
import { gapSentence, R6_AWAIT_COMMENT } from "../wording.js";

export const interventionReportInput = z.object({ case: ref, date: isoDate, index: rawIndex });

/** R6: the reconnection visit reports its reading. */
export async function interventionReport(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof interventionReportInput>,
): Promise<CommandResult> {
  const index = parseIndexM3(input.index);
  assertNotFuture(ctx, input.date);
  const c = await loadCaseForUpdate(trx, input.case);
  assertMoveInCase(c);
  if (c.type !== "ARR_INTERVENTION") {
    fail(
      ErrorCode.NO_INTERVENTION,
      `Le dossier ${c.id} n'a pas d'intervention.`,
      `case ${c.id} has no intervention`,
      "case",
    );
  }
  assertOpen(c);
  const t = c.move_in.termination;
  if (input.date < t.date) beforeTermination(input.date, t, "date");
  const meter = await currentMeter(trx, c.service_point_id);
  const reading = only(
    await appendReadings(trx, ctx, [
      {
        servicePointId: c.service_point_id,
        meterId: meter?.id ?? null,
        date: input.date,
        index,
        type: "INTERVENTION",
      },
    ]),
  );
  await reportIntervention(trx, c.id, { date: input.date, index, readingId: reading.id, at: ctx.now });
  await addComments(trx, ctx, [
    {
      caseId: c.id,
      body: `Remise en eau effectuée : index relevé ${index} m3 le ${frenchDate(input.date)}.`,
    },
  ]);
  await audit(trx, ctx, "intervention.reported", "case", c.id, { date: input.date, index });

  if (c.subscription_id) {
    // Already subscribed at the move-in: the visit's reading is only recorded.
    if ((await openTasks(trx, c.id)).length === 0) await closeUnlessVisitPending(trx, ctx, c.id);
    return { outcome: "SUBSCRIBED", case: c.id, subscription: c.subscription_id, reading: reading.id };
  }
  // Nothing to compare with (no predecessor, no VALID reading): the visit's reading is the start.
  const gap =
    t.source === "NONE"
      ? null
      : checkGap(t.index, indexAcrossRollover(t.index, index, meter?.digits), ctx.config.toleranceM3);
  if (!gap || gap.withinTolerance) {
    const sub = only(
      await insertSubscriptions(trx, ctx, [
        subscriptionForCase(c, meter, { date: c.move_in.date, index }, "INTERVENTION"),
      ]),
    );
    await setCaseSubscription(trx, c.id, sub.id);
    await closeTasks(trx, ctx, [c.id], "DONE");
    await closeUnlessVisitPending(trx, ctx, c.id);
    return { outcome: "SUBSCRIBED", case: c.id, subscription: sub.id, reading: reading.id };
  }
  await addComments(trx, ctx, [
    { caseId: c.id, body: gapSentence(t, input.date, index, gap, ctx.config.toleranceM3) },
  ]);
  if (c.move_in.proof === "NONE") {
    // The customer already said there is no proof (R5): BO applies R4 now.
    const sub = await subscribeAtPredecessor(
      trx,
      ctx,
      c,
      "Écart constaté à l'intervention et client sans justificatif",
    );
    return { outcome: "SUBSCRIBED", case: c.id, subscription: sub, reading: reading.id };
  }
  if (!c.move_in.proofRequested) {
    await requestProofOn(trx, ctx, c.id, c.service_point_id, c.party_id, c.move_in, R6_AWAIT_COMMENT);
  }
  return { outcome: "PROOF_REQUESTED", case: c.id, reading: reading.id };
}
