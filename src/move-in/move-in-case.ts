/** The guards every command on a move-in case shares: the case's kind and state, the termination it compares with. */
import type { CaseRow } from "../cases/store.js";
import { frenchDate } from "../platform/dates.js";
import { EcartError, ErrorCode, fail } from "../platform/errors.js";
import type { KnownTermination, MoveInFacts } from "../platform/schema.js";
import { noTerminationRefusal } from "./rules/termination.js";

/** A refusal of a date (move-in, visit) before the predecessor's termination. */
export function beforeTermination(date: string, t: MoveInFacts["termination"], field: string): never {
  throw new EcartError(
    ErrorCode.DATE_BEFORE_TERMINATION,
    `La date du ${frenchDate(date)} est antérieure à la résiliation du prédécesseur (${frenchDate(t.date)}).`,
    `${field} ${date} is before the predecessor's termination ${t.date}`,
    field,
  );
}

/** A move-in case (ARR_SPECIAL or ARR_INTERVENTION): its facts and its customer are known. */
export type MoveInCase = CaseRow & { move_in: MoveInFacts; party_id: string };

/** Refuses a case that is not a move-in case (INT_EUROS, or without its facts or customer). */
export function assertMoveInCase(c: CaseRow): asserts c is MoveInCase {
  if (c.type === "INT_EUROS" || !c.move_in || !c.party_id) {
    fail(
      ErrorCode.NOT_A_MOVE_IN_CASE,
      `Le dossier ${c.id} n'est pas un dossier d'arrivée.`,
      `case ${c.id} is not a move-in case`,
      "case",
    );
  }
}

export function assertNotSubscribed(c: CaseRow) {
  if (c.subscription_id) {
    fail(
      ErrorCode.ALREADY_SUBSCRIBED,
      `L'abonnement ${c.subscription_id} est déjà en place pour ce dossier.`,
      `case ${c.id} already has subscription ${c.subscription_id}`,
      "case",
    );
  }
}

/** R4/R8 needs the predecessor's termination index: a case without one waits for the visit's reading. */
export function knownTermination(c: MoveInCase): KnownTermination {
  const t = c.move_in.termination;
  if (t.source === "NONE") throw noTerminationRefusal(c.id);
  return t;
}
