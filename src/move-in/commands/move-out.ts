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
import { loadSubscriptionForUpdate } from "../../service-points/store.js";
import { endSubscription } from "../store.js";

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
  if (sub.end_date) {
    fail(
      ErrorCode.INVALID_INPUT,
      `L'abonnement ${sub.id} est déjà résilié (${frenchDate(sub.end_date)}).`,
      `subscription ${sub.id} already ended`,
      "subscription",
    );
  }
  if (input.date < sub.start_date) {
    fail(
      ErrorCode.INVALID_INPUT,
      `La date de départ (${frenchDate(input.date)}) précède le début de l'abonnement (${frenchDate(sub.start_date)}).`,
      `move-out ${input.date} before the start ${sub.start_date}`,
      "date",
    );
  }
  const reading = await endSubscription(trx, ctx, sub, { date: input.date, index });
  const warnings = reading.plausibility.status === "SUSPECT" ? ["TERMINATION_INDEX_SUSPECT"] : [];
  return {
    outcome: "TERMINATED",
    subscription: sub.id,
    reading: reading.id,
    plausibility: reading.plausibility,
    warnings,
  };
}
