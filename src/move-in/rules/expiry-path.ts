/** R8: what the deadline sweep does with a case whose deadline passed, decided from the facts alone. Pure. */

/** The path an expired case takes (R8 and its exception). */
export type ExpiryPath = "CLOSE" | "LEAVE_TO_BO" | "HOLD_FOR_CHECK" | "SUBSCRIBE";

/**
 * R8: an already subscribed case only has its tasks closed; a case whose service point another occupant
 * has held since the termination is left to the back office; a case whose termination reading is SUSPECT
 * is held for BO to check it (R8's exception); any other is subscribed at the predecessor's index.
 */
export function expiryPath(subscribed: boolean, occupied: boolean, terminationSuspect: boolean): ExpiryPath {
  if (subscribed) return "CLOSE";
  if (occupied) return "LEAVE_TO_BO";
  return terminationSuspect ? "HOLD_FOR_CHECK" : "SUBSCRIBE";
}
