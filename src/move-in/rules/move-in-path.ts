/** R2–R5: the path a move-in takes, decided from the gap check and the customer's answers alone. Pure. */

/** The paths a move-in can take (the move-in check's answer names them: src/http/api-shapes.ts). */
export const MOVE_IN_PATHS = [
  "SUBSCRIBE_DECLARED",
  "SUBSCRIBE_PREDECESSOR",
  "CASE_AWAIT_PROOF",
  "CASE_AWAIT_VISIT",
  "CASE_NO_PROOF_BO",
] as const;

/** The path a move-in takes, decided from the figures alone (the console shows it before confirming). */
export type MoveInPath = (typeof MOVE_IN_PATHS)[number];

/** R2–R5: which path applies to a move-in, given the gap check (null when no index or no reference). */
export function moveInPath(
  withinTolerance: boolean | null,
  hasIndex: boolean,
  reconnection: boolean,
  proof: "WILL_SEND" | "NONE",
): MoveInPath {
  if (!hasIndex) return "CASE_AWAIT_VISIT";
  if (withinTolerance !== false) return "SUBSCRIBE_DECLARED";
  if (proof === "NONE") return reconnection ? "CASE_NO_PROOF_BO" : "SUBSCRIBE_PREDECESSOR";
  return "CASE_AWAIT_PROOF";
}

/** The case a move-in opens (R3–R5). */
export type MoveInCaseType = "ARR_INTERVENTION" | "ARR_SPECIAL";

/**
 * R3–R5: the case a move-in opens on its path: ARR_INTERVENTION for a reconnection (a technician's visit,
 * whatever the gap), ARR_SPECIAL on any other path than the declared index's, none on that one.
 */
export function caseOpenedBy(path: MoveInPath, reconnection: boolean): MoveInCaseType | null {
  if (reconnection) return "ARR_INTERVENTION";
  return path === "SUBSCRIBE_DECLARED" ? null : "ARR_SPECIAL";
}

/** R2 and R4: the paths on which the move-in subscribes the newcomer at once (the declared or the predecessor's index). */
export const subscribesAtOnce = (path: MoveInPath): boolean =>
  path === "SUBSCRIBE_DECLARED" || path === "SUBSCRIBE_PREDECESSOR";

/** R3 and R5: the paths on which the move-in asks for a proof within the deadline (the customer, or BO for them). */
export const asksProof = (path: MoveInPath): boolean =>
  path === "CASE_AWAIT_PROOF" || path === "CASE_NO_PROOF_BO";
