/**
 * R9 wherever a proof's index is known against a termination: in time (R7), late (R12) or backing a
 * contest (R11). Above the termination beyond tolerance: R9's comment and the finding on the ARR case;
 * below it: an INT_EUROS case on the predecessor's subscription, which was billed too much.
 */
import type { Context } from "../platform/context.js";
import { frenchDate } from "../platform/dates.js";
import type { Trx } from "../platform/db.js";
import type { MoveInFacts } from "../platform/schema.js";
import { recordIntermediateConsumption } from "./findings.js";
import { proofGap } from "./rules/proof-gap.js";
import { addComments, openCase } from "./store.js";

/**
 * R9, exactly: the comment on an ARR case whose proof shows consumption between the two occupants. The
 * report reads the finding (cases/findings.ts), not this text, so a free comment may hold it too.
 */
export const R9_COMMENT = "écart de consommation avec ancien occupant";

/** The ARR case a proof concerns, and the predecessor's termination it was compared with. */
export interface ProofGapCase {
  id: string;
  service_point_id: string;
  termination: MoveInFacts["termination"];
}

/**
 * R9: applies what the proof's index at its date shows. `subscriptionId` is the newcomer's (the finding's).
 * The INT_EUROS case opened on the predecessor's subscription, or null.
 */
export async function applyProofGap(
  trx: Trx,
  ctx: Context,
  arr: ProofGapCase,
  subscriptionId: string,
  proof: { date: string; index: number; id?: string; kind?: string },
): Promise<string | null> {
  const t = arr.termination;
  // No termination index nor reference reading: nothing to compare with.
  if (t.source === "NONE") return null;
  const found = proofGap(t.index, proof.index, ctx.config.toleranceM3);
  if (found === "INTERMEDIATE") {
    await addComments(trx, ctx, [{ caseId: arr.id, body: R9_COMMENT }]);
    await recordIntermediateConsumption(trx, ctx, {
      caseId: arr.id,
      servicePointId: arr.service_point_id,
      subscriptionId,
      from: { date: t.date, index: t.index },
      to: { date: proof.date, index: proof.index },
    });
    return null;
  }
  if (found !== "PREDECESSOR_OVERBILLED" || !t.subscription) return null;
  const predecessor = await trx
    .selectFrom("subscriptions")
    .select(["id", "party_id"])
    .where("id", "=", t.subscription)
    .executeTakeFirst();
  if (!predecessor) return null;
  const caseId = await openCase(trx, ctx, {
    type: "INT_EUROS",
    servicePointId: arr.service_point_id,
    partyId: predecessor.party_id,
    subscriptionId: predecessor.id,
    relatedCaseId: arr.id,
    regularization: {
      motive: "PREDECESSOR_OVERBILLED",
      termination: { date: t.date, index: t.index },
      proof: { ...proof },
    },
  });
  await addComments(trx, ctx, [
    {
      caseId,
      body:
        `Le justificatif du dossier ${arr.id} donne l'index ${proof.index} m3 au ${frenchDate(proof.date)}, ` +
        `inférieur de ${t.index - proof.index} m3 à l'index de résiliation de l'abonnement ${predecessor.id} ` +
        `(${t.index} m3 au ${frenchDate(t.date)}) : l'ancien occupant a été facturé en trop. Régularisation à effectuer par le service EUROS.`,
    },
  ]);
  await addComments(trx, ctx, [
    {
      caseId: arr.id,
      body: `Index du justificatif inférieur à l'index de résiliation : dossier ${caseId} transmis au service EUROS pour l'abonnement ${predecessor.id} de l'ancien occupant.`,
    },
  ]);
  return caseId;
}
