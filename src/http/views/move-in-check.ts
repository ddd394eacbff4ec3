/**
 * The move-in check shown before confirming (R1–R5): the same figures and decision functions as the
 * move-in command, read in a READ ONLY transaction, so nothing is written.
 */

import { type MoveInPath, moveInInput, moveInPath } from "../../move-in/commands.js";
import { proofDeadline } from "../../move-in/deadline.js";
import { checkGap } from "../../move-in/gap.js";
import { currentMeter, openSubscription, partyById, samePerson, terminationOf } from "../../move-in/store.js";
import type { Context } from "../../platform/context.js";
import { frenchDate } from "../../platform/dates.js";
import type { Database } from "../../platform/db.js";
import { EcartError, ErrorCode, fail } from "../../platform/errors.js";
import { parseInput } from "../../platform/validate.js";
import { assertNotFuture } from "../../readings/commands.js";
import { parseIndexM3 } from "../../readings/index-m3.js";
import { assessReading } from "../../readings/plausibility.js";
import { readingStatusAt, validHistoryBefore } from "../../readings/store.js";
import { readOnly } from "./common.js";

/** What the advisor tells the customer on each path (French, read out on the phone or at the counter). */
export function customerMessage(
  path: MoveInPath,
  f: {
    date: string;
    index: number | null;
    termination: { date: string; index: number } | null;
    dueDate: string | null;
    reconnection: boolean;
  },
): string[] {
  const visit = f.reconnection ? ["Un technicien va passer pour la remise en eau."] : [];
  const t = f.termination;
  switch (path) {
    case "SUBSCRIBE_DECLARED":
      return [
        `Votre abonnement est mis en place au ${frenchDate(f.date)} avec l'index ${f.index} m3.`,
        ...visit,
      ];
    case "SUBSCRIBE_PREDECESSOR":
      return [
        `Sans justificatif, votre abonnement est mis en place avec l'index (${t?.index} m3) et la date de résiliation (${t ? frenchDate(t.date) : ""}) de l'occupant précédent.`,
        "Vous recevrez une confirmation écrite.",
      ];
    case "CASE_AWAIT_PROOF":
      return [
        ...visit,
        `L'index que vous déclarez (${f.index} m3) s'écarte de plus de la tolérance de l'index de résiliation de l'occupant précédent (${t?.index} m3 au ${t ? frenchDate(t.date) : ""}) : votre abonnement ne peut pas être mis en place tout de suite.`,
        `Merci de nous envoyer avant le ${f.dueDate ? frenchDate(f.dueDate) : ""} un justificatif d'entrée (acte de vente ou état des lieux d'entrée) portant la date d'entrée et l'index du compteur.`,
        "Sans justificatif dans ce délai, l'index et la date de résiliation de l'occupant précédent seront retenus.",
      ];
    case "CASE_AWAIT_VISIT":
      return [
        ...visit,
        "Votre abonnement sera mis en place après le relevé de l'index par le technicien lors de la remise en eau.",
      ];
    case "CASE_NO_PROOF_BO":
      return [
        ...visit,
        `Sans justificatif, votre abonnement sera mis en place par nos services avec l'index (${t?.index} m3) et la date de résiliation (${t ? frenchDate(t.date) : ""}) de l'occupant précédent.`,
      ];
  }
}

/** R1–R5 preview: what `moveIn` would do with this request now; throws the same refusals. */
export async function checkMoveIn(db: Database, ctx: Context, raw: unknown) {
  const input = parseInput(moveInInput, raw);
  const index = input.index === null || input.index === undefined ? null : parseIndexM3(input.index);
  if (index === null && !input.reconnection) {
    fail(
      ErrorCode.INVALID_INPUT,
      "L'index d'arrivée est obligatoire pour une arrivée sans remise en eau.",
      "index is required for a move-in without reconnection",
      "index",
    );
  }
  assertNotFuture(ctx, input.date);
  return readOnly(db, async (trx) => {
    const sp = await trx
      .selectFrom("service_points")
      .select(["id", "address"])
      .where("id", "=", input.servicePoint)
      .executeTakeFirst();
    if (!sp) {
      throw new EcartError(
        ErrorCode.UNKNOWN_SERVICE_POINT,
        `Point de desserte inconnu : ${input.servicePoint}.`,
        `unknown service point ${input.servicePoint}`,
        "servicePoint",
      );
    }
    const current = await openSubscription(trx, sp.id);
    if (current) {
      const holder = await partyById(trx, current.party_id);
      if (!samePerson(input.customer, holder)) {
        fail(
          ErrorCode.PREDECESSOR_NOT_TERMINATED,
          `Le contrat en cours (${current.id}) sur ce point de desserte n'est pas résilié : enregistrez d'abord le départ de l'occupant.`,
          `current subscription ${current.id} at ${sp.id} has not ended`,
          "servicePoint",
        );
      }
    }
    const openArr = await trx
      .selectFrom("cases")
      .innerJoin("parties", "parties.id", "cases.party_id")
      .select(["cases.id", "parties.name", "parties.email"])
      .where("cases.service_point_id", "=", sp.id)
      .where("cases.status", "=", "OPEN")
      .where("cases.type", "in", ["ARR_SPECIAL", "ARR_INTERVENTION"])
      .execute();
    const duplicateOf = current
      ? { subscription: current.id, case: current.case_id }
      : (() => {
          const d = openArr.find((c) => samePerson(input.customer, c));
          return d ? { subscription: null, case: d.id } : null;
        })();
    const termination = await terminationOf(trx, sp.id);
    if (termination && input.date < termination.date) {
      throw new EcartError(
        ErrorCode.DATE_BEFORE_TERMINATION,
        `La date du ${frenchDate(input.date)} est antérieure à la résiliation du prédécesseur (${frenchDate(termination.date)}).`,
        `date ${input.date} is before the predecessor's termination ${termination.date}`,
        "date",
      );
    }
    const meter = await currentMeter(trx, sp.id);
    const gap =
      index !== null && termination ? checkGap(termination.index, index, ctx.config.toleranceM3) : null;
    const path = moveInPath(
      gap ? gap.withinTolerance : null,
      index !== null,
      input.reconnection,
      input.proof,
    );
    const termStatus = termination
      ? await readingStatusAt(trx, sp.id, termination.date, termination.index)
      : null;
    const declared =
      index === null
        ? null
        : assessReading(
            await validHistoryBefore(trx, sp.id, meter?.id ?? null, input.date),
            { date: input.date, index },
            ctx.config.plausibility,
          );
    const dueDate =
      path === "CASE_AWAIT_PROOF" || path === "CASE_NO_PROOF_BO"
        ? proofDeadline(ctx.now, ctx.config.proofDeadlineDays, ctx.config.timeZone).dueDate
        : null;
    return {
      servicePoint: { id: sp.id, address: sp.address, meterSerial: meter?.serial ?? null },
      termination: termination ? { ...termination, status: termStatus?.effective_status ?? null } : null,
      declared: { date: input.date, index },
      gap: gap ? { value: gap.gap, direction: gap.direction, withinTolerance: gap.withinTolerance } : null,
      toleranceM3: ctx.config.toleranceM3,
      path,
      subscribesNow: path === "SUBSCRIBE_DECLARED" || path === "SUBSCRIBE_PREDECESSOR",
      opensCase: (path !== "SUBSCRIBE_DECLARED" || input.reconnection
        ? input.reconnection
          ? "ARR_INTERVENTION"
          : "ARR_SPECIAL"
        : null) as "ARR_INTERVENTION" | "ARR_SPECIAL" | null,
      proofDueDate: dueDate,
      declaredPlausibility: declared,
      warnings: termStatus?.effective_status === "SUSPECT" ? ["TERMINATION_INDEX_SUSPECT"] : [],
      duplicateOf,
      tellCustomer: customerMessage(path, {
        date: input.date,
        index,
        termination,
        dueDate,
        reconnection: input.reconnection,
      }),
    };
  });
}
