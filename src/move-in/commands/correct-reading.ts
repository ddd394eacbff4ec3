/** SPEC §4 and R16: a reading corrected; a corrected termination index takes again what was decided on it. */
import type { z } from "zod";
import type { CommandResult } from "../../platform/command.js";
import type { Context } from "../../platform/context.js";
import type { Trx } from "../../platform/db.js";
import { type correctReadingInput, replaceReading } from "../../readings/commands.js";
import { retakeTermination } from "../termination-corrected.js";

export { correctReadingInput } from "../../readings/commands.js";

/** A reading is replaced by a new one (never overwritten); a MOVE_OUT one carries R16's consequences. */
export async function correctReading(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof correctReadingInput>,
): Promise<CommandResult> {
  const r = await replaceReading(trx, ctx, input);
  const retaken = await retakeTermination(trx, ctx, r);
  return {
    outcome: "READING_CORRECTED",
    reading: r.id,
    plausibility: r.plausibility,
    ...(retaken.case ? { case: retaken.case } : {}),
    ...(retaken.subscription ? { subscription: retaken.subscription } : {}),
  };
}
