/**
 * The plausibility of a reading before it is saved (SPEC §4): the same history and the same
 * `assessReading` as `recordReading`, read in one read-only snapshot, so nothing is written. The console
 * warns before saving a suspect reading and offers the suggested index.
 */

import type { Context } from "../../platform/context.js";
import type { Database } from "../../platform/db.js";
import { EcartError, ErrorCode } from "../../platform/errors.js";
import { assertNotFuture } from "../../readings/commands.js";
import { parseIndexM3 } from "../../readings/index-m3.js";
import { assessReading } from "../../readings/plausibility.js";
import { loadMeterHistories, plausibilityInputOf } from "../../readings/store.js";
import type { ReadingCheck } from "../api-shapes.js";
import { readOnly } from "./common.js";

export interface ReadingCheckInput {
  servicePoint: string;
  date: string;
  index: unknown;
}

/** What `recordReading` would find: VALID or SUSPECT, the expected ranges, the likely index. Throws its refusals. */
export async function checkReading(
  db: Database,
  ctx: Context,
  input: ReadingCheckInput,
): Promise<ReadingCheck> {
  const index = parseIndexM3(input.index);
  assertNotFuture(ctx, input.date);
  return readOnly(db, async (trx) => {
    const sp = await trx
      .selectFrom("service_points")
      .select("id")
      .where("id", "=", input.servicePoint)
      .executeTakeFirst();
    if (!sp)
      throw new EcartError(
        ErrorCode.UNKNOWN_SERVICE_POINT,
        `Point de desserte inconnu : ${input.servicePoint}.`,
        `unknown service point ${input.servicePoint}`,
        "servicePoint",
      );
    const meter = await trx
      .selectFrom("meters")
      .select("id")
      .where("service_point_id", "=", sp.id)
      .where("removed_on", "is", null)
      .executeTakeFirst();
    const histories = await loadMeterHistories(trx, [sp.id], { upTo: input.date });
    const history = plausibilityInputOf(histories.get(sp.id) ?? [], meter?.id ?? null);
    return { index, ...assessReading(history, { date: input.date, index }, ctx.config.plausibility) };
  });
}
