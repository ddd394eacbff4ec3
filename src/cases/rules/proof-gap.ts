/** R9: what the index at a proof's date says about the predecessor's termination index. */

/**
 * R9: INTERMEDIATE when the index at the proof's date is more than the tolerance above the termination
 * (consumption between the occupants, not the newcomer's); PREDECESSOR_OVERBILLED when it is more than
 * the tolerance below (the predecessor was billed too much); NONE otherwise. The tolerance is the
 * configuration's `toleranceM3` (R2), inclusive.
 */
export function proofGap(
  terminationIndex: number,
  indexAtProofDate: number,
  toleranceM3: number,
): "INTERMEDIATE" | "PREDECESSOR_OVERBILLED" | "NONE" {
  const gap = indexAtProofDate - terminationIndex;
  if (gap > toleranceM3) return "INTERMEDIATE";
  if (gap < -toleranceM3) return "PREDECESSOR_OVERBILLED";
  return "NONE";
}
