/** A move-out: the subscription ends. */
import { z } from "zod";
import type { CommandResult } from "../../platform/command.js";
import type { Context } from "../../platform/context.js";
import { frenchDate } from "../../platform/dates.js";
import type { Trx } from "../../platform/db.js";
import { ErrorCode, fail } from "../../platform/errors.js";
import { isoDate, rawIndex, ref } from "../../platform/validate.js";
import { assertNotFuture } from "../../readings/commands.js";
import { parseIndexM3 } from "../../readings/index-m3.js";
import { currentMeter, loadSubscriptionForUpdate } from "../../service-points/store.js";
import { endSubscription } from "../store.js";

/** A subscription as `loadSubscriptionForUpdate` reads it (its service point locked). */
type LockedSubscription = Awaited<ReturnType<typeof loadSubscriptionForUpdate>>;

/**
 * Ends a subscription at a date and index (a move-out, or the first half of a mutation, R17): refused
 * when it has already ended (SUBSCRIPTION_ENDED) or the date precedes its start (DATE_BEFORE_START); the
 * index enters the history as a MOVE_OUT reading, with its plausibility (`endSubscription` of the store).
 * The caller holds the service point's lock.
 */
export async function endSubscriptionChecked(
  trx: Trx,
  ctx: Context,
  sub: LockedSubscription,
  date: string,
  index: number,
) {
  if (sub.end_date) {
    fail(
      ErrorCode.SUBSCRIPTION_ENDED,
      `L'abonnement ${sub.id} est déjà résilié (${frenchDate(sub.end_date)}).`,
      `subscription ${sub.id} already ended`,
      "subscription",
    );
  }
  if (date < sub.start_date) {
    fail(
      ErrorCode.DATE_BEFORE_START,
      `La date du ${frenchDate(date)} précède le début de l'abonnement ${sub.id} (${frenchDate(sub.start_date)}).`,
      `${date} is before the start ${sub.start_date} of ${sub.id}`,
      "date",
    );
  }
  const meter = await currentMeter(trx, sub.service_point_id);
  const reading = await endSubscription(trx, ctx, sub, { date, index });
  return { ...reading, meterId: meter?.id ?? null };
}

export const moveOutInput = z.object({ subscription: ref, date: isoDate, index: rawIndex });

/** A move-out: the subscription ends at a date and index, which enter the history (MOVE_OUT). */
export async function moveOut(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof moveOutInput>,
): Promise<CommandResult> {
  const index = parseIndexM3(input.index);
  assertNotFuture(ctx, input.date);
  const sub = await loadSubscriptionForUpdate(trx, input.subscription);
  const reading = await endSubscriptionChecked(trx, ctx, sub, input.date, index);
  const warnings = reading.plausibility.status === "SUSPECT" ? ["TERMINATION_INDEX_SUSPECT"] : [];
  return {
    outcome: "TERMINATED",
    subscription: sub.id,
    reading: reading.id,
    plausibility: reading.plausibility,
    warnings,
  };
}
