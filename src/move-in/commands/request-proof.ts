/** R3/R6: the back office asks (again) for a proof. */
import { z } from "zod";
import { assertOpen, loadCaseForUpdate } from "../../cases/store.js";
import type { CommandResult } from "../../platform/command.js";
import type { Context } from "../../platform/context.js";
import type { Trx } from "../../platform/db.js";
import { ref } from "../../platform/validate.js";
import { assertMoveInCase, assertNotSubscribed } from "../move-in-case.js";
import { requestProofOn } from "../steps.js";
import { proofRequestComment } from "../wording.js";

export const requestProofInput = z.object({ case: ref });

/** R3/R6: BO asks (again) for a proof; the task keeps its first deadline. */
export async function requestProof(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof requestProofInput>,
): Promise<CommandResult> {
  const c = await loadCaseForUpdate(trx, input.case);
  assertMoveInCase(c);
  assertOpen(c);
  assertNotSubscribed(c);
  await requestProofOn(
    trx,
    ctx,
    c.id,
    c.service_point_id,
    c.party_id,
    c.move_in,
    proofRequestComment(c.type),
  );
  return { outcome: "PROOF_REQUESTED", case: c.id };
}
