/** The French sentences written in case comments. R5, R6 and R9 fix three of them word for word. */
import { frenchDate } from "../platform/dates.js";
import type { MoveInFacts } from "../platform/schema.js";
import type { GapCheck } from "./rules/gap.js";

/** R9, exactly: said once, in cases/intermediate.ts (the contest path writes it too). */
export { R9_COMMENT } from "../cases/intermediate.js";
/** R5, exactly: the customer has no proof at a move-in with reconnection. */
export const R5_NO_PROOF_COMMENT =
  "mettre en place l'abonnement avec l'index et la date de résiliation du prédécesseur";
/** R6, exactly: proof requested after the reconnection visit found a gap. */
export const R6_AWAIT_COMMENT = "en attente justificatif car écart de consommation avec le prédécesseur";

/** R6: a proof request on an ARR_INTERVENTION case carries R6's words, whoever asks and even with no known gap. */
export function proofRequestComment(caseType: string): string | undefined {
  return caseType === "ARR_INTERVENTION" ? R6_AWAIT_COMMENT : undefined;
}

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

/** R16: what a corrected termination index changed on an open move-in case. */
export type TerminationRetaken =
  | { kind: "SUBSCRIBED"; start: { date: string; index: number } }
  | { kind: "STILL_BEYOND" }
  | { kind: "AWAIT_VISIT" }
  | { kind: "ALREADY_SUBSCRIBED"; subscription: string };

/** R16: the comment giving the old and the new figures on an open move-in case. */
export function terminationCorrectedSentence(
  t: { date: string; oldIndex: number; newIndex: number },
  measured: { fromVisit: boolean; date: string; index: number; gapBefore: number; gapAfter: number } | null,
  tol: number,
  outcome: TerminationRetaken,
): string {
  const head = `Index de résiliation du prédécesseur corrigé de ${t.oldIndex} m3 à ${t.newIndex} m3 (résiliation du ${frenchDate(t.date)})`;
  const gap = measured
    ? ` : écart de consommation recalculé de ${signed(measured.gapBefore)} m3 à ${signed(measured.gapAfter)} m3 ` +
      `(${measured.fromVisit ? "index relevé à l'intervention" : "index déclaré"} ${measured.index} m3 au ${frenchDate(measured.date)})`
    : "";
  switch (outcome.kind) {
    case "SUBSCRIBED":
      return (
        `${head}${gap}, dans la tolérance de ${tol} m3 : abonnement mis en place au ${frenchDate(outcome.start.date)} ` +
        `avec l'index ${outcome.start.index} m3, le justificatif n'est plus nécessaire.`
      );
    case "STILL_BEYOND":
      return `${head}${gap}, toujours au-delà de la tolérance de ${tol} m3 : le dossier reste ouvert, délai inchangé.`;
    case "AWAIT_VISIT":
      return `${head} : l'écart sera calculé avec l'index relevé lors de l'intervention de remise en eau.`;
    case "ALREADY_SUBSCRIBED":
      return `${head}${gap} : l'abonnement ${outcome.subscription} déjà en place n'est pas modifié.`;
  }
}

/** R16: the comment of the INT_EUROS case opened on a subscription started at a corrected termination index. */
export const startAtCorrectedIndexSentence = (
  sub: { id: string; start_date: string; start_index: number; start_source: string },
  t: { date: string; oldIndex: number; newIndex: number; predecessor: string },
) =>
  `Index de résiliation du prédécesseur (abonnement ${t.predecessor}, résiliation du ${frenchDate(t.date)}) corrigé de ` +
  `${t.oldIndex} m3 à ${t.newIndex} m3, alors que l'abonnement ${sub.id} a démarré à l'ancien index ` +
  `(${sub.start_index} m3 au ${frenchDate(sub.start_date)}, ${sub.start_source}) : régularisation à effectuer par le service EUROS.`;

/** R16: the comment on the case whose R9 finding was recomputed from a corrected termination index. */
export const findingRecomputedSentence = (
  t: { oldIndex: number; newIndex: number },
  f: { before: number; after: number; from: string; to: string; withdrawn: boolean },
  tol: number,
) =>
  `Index de résiliation corrigé de ${t.oldIndex} m3 à ${t.newIndex} m3 : consommation entre les deux occupants ` +
  `recalculée de ${f.before} m3 à ${f.after} m3 (du ${frenchDate(f.from)} au ${frenchDate(f.to)})` +
  (f.withdrawn
    ? `, dans la tolérance de ${tol} m3 : constat retiré du rapport des consommations intermédiaires.`
    : ".");
