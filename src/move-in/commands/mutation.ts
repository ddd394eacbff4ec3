/** R17: a mutation, both occupants at the handover: one step ends one contract and starts the other. */
import { z } from "zod";
import { enqueue } from "../../communications/outbox.js";
import { audit } from "../../platform/audit.js";
import { only } from "../../platform/batch.js";
import type { CommandResult } from "../../platform/command.js";
import type { Context } from "../../platform/context.js";
import type { Trx } from "../../platform/db.js";
import { isoDate, rawIndex, ref } from "../../platform/validate.js";
import { assertNotFuture } from "../../readings/commands.js";
import { parseIndexM3 } from "../../readings/index-m3.js";
import { loadSubscriptionForUpdate, messageFacts } from "../../service-points/store.js";
import { createParty, insertSubscriptions } from "../store.js";
import { customer } from "./move-in.js";
import { endSubscriptionChecked } from "./move-out.js";

export const mutationInput = z.object({ subscription: ref, date: isoDate, index: rawIndex, customer });

/**
 * R17: the leaving and the arriving occupants read the meter together. In the command's one
 * transaction: the current subscription ends at that date and index (MOVE_OUT, with its plausibility
 * check), the newcomer is subscribed at the same date and index (source MUTATION, MOVE_IN), and gets
 * CONFIRMATION_MUTATION. The gap is 0 by construction: no case is opened.
 */
export async function mutation(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof mutationInput>,
): Promise<CommandResult> {
  const index = parseIndexM3(input.index);
  assertNotFuture(ctx, input.date);
  const current = await loadSubscriptionForUpdate(trx, input.subscription);
  const out = await endSubscriptionChecked(trx, ctx, current, input.date, index);
  const facts = await messageFacts(trx, current.service_point_id, null);
  const party = await createParty(trx, ctx, input.customer, facts.servicePoint.address);
  const sub = only(
    await insertSubscriptions(trx, ctx, [
      {
        servicePointId: current.service_point_id,
        meterId: out.meterId,
        partyId: party.id,
        caseId: null,
        date: input.date,
        index,
        source: "MUTATION",
      },
    ]),
  );
  await enqueue(trx, ctx, [
    {
      template: "CONFIRMATION_MUTATION",
      to: party,
      facts: {
        ...facts,
        subscription: { id: sub.id, start: { date: input.date, index } },
      },
    },
  ]);
  await audit(trx, ctx, "subscription.mutation", "subscription", sub.id, {
    ended: current.id,
    date: input.date,
    index,
  });
  return {
    outcome: "SUBSCRIBED",
    case: null,
    subscription: sub.id,
    reading: sub.readingId,
    ended: current.id,
    endReading: out.id,
    plausibility: out.plausibility,
    warnings: out.plausibility.status === "SUSPECT" ? ["INDEX_SUSPECT"] : [],
  };
}
