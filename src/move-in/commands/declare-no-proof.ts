/** R4: the customer has no proof. */
import { z } from "zod";
import { assertOpen, loadCaseForUpdate } from "../../cases/store.js";
import type { CommandResult } from "../../platform/command.js";
import type { Context } from "../../platform/context.js";
import type { Trx } from "../../platform/db.js";
import { ref } from "../../platform/validate.js";
import { assertMoveInCase, assertNotSubscribed } from "../move-in-case.js";
import { subscribeAtPredecessor } from "../steps.js";

export const declareNoProofInput = z.object({ case: ref });

/** R4: the customer says there is no proof: predecessor's date and index, confirmation, case closed. */
export async function declareNoProof(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof declareNoProofInput>,
): Promise<CommandResult> {
  const c = await loadCaseForUpdate(trx, input.case);
  assertMoveInCase(c);
  assertOpen(c);
  assertNotSubscribed(c);
  const sub = await subscribeAtPredecessor(trx, ctx, c, "Le client déclare ne pas avoir de justificatif");
  return { outcome: "SUBSCRIBED", case: c.id, subscription: sub };
}
