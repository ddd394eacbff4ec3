/** The French sentences written in case comments. R5, R6 and R9 fix three of them word for word. */
import { frenchDate } from "../platform/dates.js";
import type { MoveInFacts } from "../platform/schema.js";
import type { GapCheck } from "./rules/gap.js";

/** R9, exactly: the phrase is the case capability's (a free comment may not hold it). */
export { R9_COMMENT } from "../cases/wording.js";
/** R5, exactly: the customer has no proof at a move-in with reconnection. */
export const R5_NO_PROOF_COMMENT =
  "mettre en place l'abonnement avec l'index et la date de résiliation du prédécesseur";
/** R6, exactly: proof requested after the reconnection visit found a gap. */
export const R6_AWAIT_COMMENT = "en attente justificatif car écart de consommation avec le prédécesseur";

/** R8's exception, exactly: the deadline passed while the termination reading is SUSPECT. */
export const R8_SUSPECT_COMMENT =
  "index de résiliation suspect : à vérifier avant de mettre en place l'abonnement";

const signed = (n: number) => (n > 0 ? `+${n}` : `${n}`);

export function gapSentence(
  t: MoveInFacts["termination"],
  date: string,
  index: number,
  g: GapCheck,
  tol: number,
) {
  const way =
    g.direction === "ABOVE"
      ? "l'index d'arrivée est supérieur à l'index de résiliation"
      : "l'index d'arrivée est inférieur à l'index de résiliation (index de résiliation peut-être estimé)";
  const ref =
    t.source === "SUBSCRIPTION"
      ? "index de résiliation du prédécesseur"
      : "dernier relevé valide (aucun prédécesseur)";
  return (
    `Écart de consommation de ${signed(g.gap)} m3 avec le prédécesseur, au-delà de la tolérance de ${tol} m3 : ` +
    `${ref} ${t.index} m3 au ${frenchDate(t.date)}, index déclaré ${index} m3 au ${frenchDate(date)} ; ${way}.`
  );
}

export const awaitingProofSentence = (due: string) =>
  `Abonnement non mis en place. Justificatif d'entrée demandé au client (acte de vente ou état des lieux d'entrée ` +
  `portant la date d'entrée et l'index) avant le ${frenchDate(due)} ; sans justificatif, l'abonnement sera mis en ` +
  `place avec l'index et la date de résiliation du prédécesseur.`;

export const predecessorSubscribedSentence = (why: string, t: MoveInFacts["termination"]) =>
  `${why} : abonnement mis en place avec l'index (${t.index} m3) et la date de résiliation (${frenchDate(t.date)}) du prédécesseur.`;

export const suspectTerminationSentence = (t: MoveInFacts["termination"]) =>
  `Attention : l'index de résiliation (${t.index} m3 au ${frenchDate(t.date)}) est suspect dans l'historique des relevés ; à vérifier.`;
