/**
 * R12: EUROS closes an INT_EUROS case with the regularised start. The subscription's start becomes
 * that date and index (source REGULARIZED); its MOVE_IN reading is corrected by a new one that
 * replaces it (the old one stays, REPLACED); the former start stays in the case, the history and the
 * audit log; `subscription.regularized` goes to the event feed, all in the caller's transaction.
 */
import { audit } from "../platform/audit.js";
import { only } from "../platform/batch.js";
import type { Context } from "../platform/context.js";
import { frenchDate } from "../platform/dates.js";
import type { Trx } from "../platform/db.js";
import { ErrorCode, fail } from "../platform/errors.js";
import { appendEvents } from "../platform/events.js";
import type { RegularizationFacts, StartSource } from "../platform/schema.js";
import { assertNotFuture } from "../readings/commands.js";
import { parseIndexM3 } from "../readings/index-m3.js";
import { appendReadings } from "../readings/store.js";
import { currentMeter, loadSubscriptionForUpdate } from "../service-points/store.js";
import { addComments, type CaseRow } from "./store.js";

/** The start EUROS sets, as typed (the index is checked here, in whole m3). */
export interface RegularizedStartInput {
  date: string;
  index: string | number;
}

/** R12: the comment that keeps the former start beside the new one on the INT_EUROS case. */
export const regularizedSentence = (
  subscription: string,
  from: { date: string; index: number; source: string },
  to: { date: string; index: number },
) =>
  `Début de l'abonnement ${subscription} régularisé : ${frenchDate(to.date)}, index ${to.index} m3 ` +
  `(auparavant ${frenchDate(from.date)}, index ${from.index} m3, origine ${from.source}).`;

/** R12: sets the regularised start of the case's subscription; the subscription. */
export async function regularizeStart(
  trx: Trx,
  ctx: Context,
  c: CaseRow,
  input: RegularizedStartInput,
): Promise<string> {
  const index = parseIndexM3(input.index, "start.index");
  assertNotFuture(ctx, input.date, "start.date");
  // openCase's type: an INT_EUROS case is always opened naming its subscription.
  if (!c.subscription_id) throw new Error(`INT_EUROS case ${c.id} has no subscription`);
  const sub = await loadSubscriptionForUpdate(trx, c.subscription_id);
  if (sub.end_date !== null && input.date >= sub.end_date) {
    fail(
      ErrorCode.SUBSCRIPTION_ENDED,
      `L'abonnement ${sub.id} a pris fin le ${frenchDate(sub.end_date)} : son début ne peut pas être fixé au ${frenchDate(input.date)}.`,
      `start ${input.date} is not before the end ${sub.end_date} of ${sub.id}`,
      "start.date",
    );
  }
  // Two subscriptions of a service point never cover the same day (migration 530).
  const other = await trx
    .selectFrom("subscriptions")
    .select(["id", "start_date", "end_date"])
    .where("service_point_id", "=", sub.service_point_id)
    .where("id", "!=", sub.id)
    .where("start_date", "<", sub.end_date ?? "9999-12-31")
    .where((eb) => eb.or([eb("end_date", "is", null), eb("end_date", ">", input.date)]))
    .orderBy("start_date", "desc")
    .executeTakeFirst();
  if (other) {
    fail(
      ErrorCode.DATE_BEFORE_TERMINATION,
      other.end_date
        ? `Le début régularisé (${frenchDate(input.date)}) est antérieur à la résiliation de l'abonnement précédent ${other.id} (${frenchDate(other.end_date)}) : les deux périodes se chevaucheraient.`
        : `Un autre abonnement (${other.id}) couvre déjà le ${frenchDate(input.date)} sur ce point de desserte.`,
      `regularised start ${input.date} overlaps ${other.id}`,
      "start.date",
    );
  }
  const from = {
    date: sub.start_date,
    index: Number(sub.start_index),
    source: sub.start_source as StartSource,
  };
  const to = { date: input.date, index };
  const old = await trx
    .selectFrom("reading_states")
    .select(["id", "meter_id"])
    .where("service_point_id", "=", sub.service_point_id)
    .where("type", "=", "MOVE_IN")
    .where("reading_date", "=", from.date)
    .where("index_m3", "=", from.index)
    .where("effective_status", "!=", "REPLACED")
    .orderBy("id", "desc")
    .executeTakeFirst();
  const reason = `Début régularisé par le service EUROS (dossier ${c.id}).`;
  const reading = only(
    await appendReadings(trx, ctx, [
      {
        servicePointId: sub.service_point_id,
        meterId: old ? old.meter_id : ((await currentMeter(trx, sub.service_point_id))?.id ?? null),
        date: to.date,
        index: to.index,
        type: "MOVE_IN",
        ...(old ? { replacesId: old.id } : {}),
        reason,
      },
    ]),
  );
  await trx
    .updateTable("subscriptions")
    .set({ start_date: to.date, start_index: to.index, start_source: "REGULARIZED" })
    .where("id", "=", sub.id)
    .execute();
  const facts: RegularizationFacts = {
    ...((c.regularization as RegularizationFacts | null) ?? { motive: "LATE_PROOF" }),
    regularizedStart: { from, to },
  };
  await trx
    .updateTable("cases")
    .set({ regularization: JSON.stringify(facts) })
    .where("id", "=", c.id)
    .execute();
  await audit(trx, ctx, "subscription.regularized", "subscription", sub.id, {
    case: c.id,
    from,
    to,
    reading: reading.id,
    replaced: old?.id ?? null,
  });
  await addComments(trx, ctx, [{ caseId: c.id, body: regularizedSentence(sub.id, from, to) }]);
  await appendEvents(trx, ctx, [
    {
      type: "subscription.regularized",
      payload: {
        subscription: sub.id,
        servicePoint: sub.service_point_id,
        case: c.id,
        before: from,
        start: { ...to, source: "REGULARIZED" },
        reading: reading.id,
      },
    },
  ]);
  return sub.id;
}
