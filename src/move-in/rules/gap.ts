/** The gap check of R1–R3: the newcomer's declared index against the predecessor's termination index. */

/** R2 default: a gap of up to 5 m3, either way, is tolerated. */
export const DEFAULT_TOLERANCE_M3 = 5;

export type GapDirection = "ABOVE" | "BELOW" | "NONE";

export interface GapCheck {
  /** arrival index − termination index, in m3 (negative when the arrival index is lower). */
  gap: number;
  direction: GapDirection;
  /** True when |gap| ≤ tolerance (R2). */
  withinTolerance: boolean;
}

/** R2/R3: the gap is within tolerance when |arrival − termination| ≤ tolerance (inclusive). */
export function checkGap(
  terminationIndex: number,
  arrivalIndex: number,
  toleranceM3 = DEFAULT_TOLERANCE_M3,
): GapCheck {
  const gap = arrivalIndex - terminationIndex;
  return {
    gap,
    direction: gap > 0 ? "ABOVE" : gap < 0 ? "BELOW" : "NONE",
    withinTolerance: Math.abs(gap) <= toleranceM3,
  };
}

/** R9: the index at the proof's date shows consumption between the occupants (above, beyond tolerance). */
export function showsIntermediateConsumption(
  terminationIndex: number,
  indexAtProofDate: number,
  toleranceM3 = DEFAULT_TOLERANCE_M3,
): boolean {
  return indexAtProofDate - terminationIndex > toleranceM3;
}
