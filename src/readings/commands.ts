/** Reading commands (SPEC §4): record, correct (replace, never overwrite), confirm a suspect reading. */
import { z } from "zod";
import { mayRun } from "../accounts/roles.js";
import { audit } from "../platform/audit.js";
import { only } from "../platform/batch.js";
import type { CommandResult } from "../platform/command.js";
import { type Context, today } from "../platform/context.js";
import { frenchDate } from "../platform/dates.js";
import type { Trx } from "../platform/db.js";
import { EcartError, ErrorCode, fail } from "../platform/errors.js";
import type { ReadingType } from "../platform/schema.js";
import { isoDate, rawIndex, ref, text } from "../platform/validate.js";
import { currentMeter, lockServicePoint } from "../service-points/store.js";
import { parseIndexM3 } from "./index-m3.js";
import type { Plausibility } from "./plausibility.js";
import { appendReadings, readingById } from "./store.js";

/** Types an advisor may enter; the others are made by move-ins, move-outs and visits. */
export const ENTERED_TYPES = ["NORMAL", "CUSTOMER", "ESTIMATE", "REMOTE"] as const;

export const recordReadingInput = z.object({
  servicePoint: ref,
  date: isoDate,
  index: rawIndex,
  type: z.enum(ENTERED_TYPES),
});

export function assertNotFuture(ctx: Context, date: string, field = "date"): void {
  if (date > today(ctx)) {
    fail(
      ErrorCode.DATE_IN_FUTURE,
      `La date du ${frenchDate(date)} est postérieure à aujourd'hui (${frenchDate(today(ctx))}) : elle ne peut pas être enregistrée.`,
      `${field} ${date} is after the processing day ${today(ctx)}`,
      field,
    );
  }
}

export async function recordReading(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof recordReadingInput>,
): Promise<CommandResult> {
  if (input.type === "REMOTE" && !mayRun(ctx.actor.role, "recordRemoteReadings")) {
    fail(
      ErrorCode.FORBIDDEN,
      "Un relevé de télérelève (REMOTE) ne se saisit pas : il vient du flux des compteurs (import ou système de facturation).",
      `role ${ctx.actor.role} may not record REMOTE readings`,
      "type",
    );
  }
  const index = parseIndexM3(input.index);
  assertNotFuture(ctx, input.date);
  const sp = await lockServicePoint(trx, input.servicePoint);
  const meter = await currentMeter(trx, sp.id);
  const r = only(
    await appendReadings(trx, ctx, [
      {
        servicePointId: sp.id,
        meterId: meter?.id ?? null,
        date: input.date,
        index,
        type: input.type,
      },
    ]),
  );
  await audit(trx, ctx, "reading.recorded", "reading", r.id, {
    index,
    date: input.date,
    status: r.plausibility.status,
  });
  return { outcome: "READING_RECORDED", reading: r.id, plausibility: r.plausibility };
}

export const correctReadingInput = z.object({ reading: ref, index: rawIndex, reason: text(500) });

/** A reading as it stood before its correction, and the reading that replaces it (SPEC §4). */
export interface Replacement {
  old: {
    id: string;
    servicePointId: string;
    meterId: number | null;
    date: string;
    index: number;
    type: ReadingType;
  };
  id: string;
  index: number;
  plausibility: Plausibility;
}

/**
 * SPEC §4: a wrong reading is corrected by a new one that replaces it (the old one stays, REPLACED).
 * What the correction changes beyond the history (R16) is the move-in capability's
 * (move-in/commands/correct-reading.ts).
 */
export async function replaceReading(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof correctReadingInput>,
): Promise<Replacement> {
  const index = parseIndexM3(input.index);
  const old = await loadReading(trx, input.reading);
  await lockServicePoint(trx, old.service_point_id);
  if (old.effective_status === "REPLACED") {
    fail(
      ErrorCode.READING_ALREADY_REPLACED,
      `Le relevé ${old.id} a déjà été corrigé : corrigez le relevé qui le remplace.`,
      `reading ${old.id} was already replaced`,
      "reading",
    );
  }
  const r = only(
    await appendReadings(trx, ctx, [
      {
        servicePointId: old.service_point_id,
        meterId: old.meter_id,
        date: old.reading_date,
        index,
        type: old.type,
        replacesId: old.id,
        reason: input.reason,
      },
    ]),
  );
  await audit(trx, ctx, "reading.corrected", "reading", old.id, {
    replacedBy: r.id,
    from: old.index_m3,
    to: index,
  });
  return {
    old: {
      id: old.id,
      servicePointId: old.service_point_id,
      meterId: old.meter_id === null ? null : Number(old.meter_id),
      date: old.reading_date,
      index: Number(old.index_m3),
      type: old.type,
    },
    id: r.id,
    index,
    plausibility: r.plausibility,
  };
}

export const confirmReadingInput = z.object({ reading: ref, reason: text(500) });

export async function confirmReading(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof confirmReadingInput>,
): Promise<CommandResult> {
  const r = await loadReading(trx, input.reading);
  await lockServicePoint(trx, r.service_point_id);
  if (r.effective_status !== "SUSPECT") {
    fail(
      ErrorCode.READING_NOT_SUSPECT,
      `Le relevé ${r.id} n'est pas suspect (statut ${r.effective_status}) : rien à confirmer.`,
      `reading ${r.id} is ${r.effective_status}, not SUSPECT`,
      "reading",
    );
  }
  await trx
    .insertInto("reading_confirmations")
    .values({
      reading_id: r.id,
      reason: input.reason,
      confirmed_at: ctx.now,
      confirmed_by: ctx.actor.user,
      entity: ctx.actor.entity,
    })
    .execute();
  await audit(trx, ctx, "reading.confirmed", "reading", r.id, { reason: input.reason });
  return { outcome: "READING_CONFIRMED", reading: r.id };
}

async function loadReading(trx: Trx, id: string) {
  const r = await readingById(trx, id);
  if (!r) {
    throw new EcartError(
      ErrorCode.UNKNOWN_REFERENCE,
      `Relevé inconnu : ${id}.`,
      `unknown reading ${id}`,
      "reading",
    );
  }
  return r;
}
