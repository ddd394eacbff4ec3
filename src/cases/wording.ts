/** Case comment phrases the case capability itself guards. */

/**
 * R9, exactly: what the intermediate-occupant report looks for. No other comment contains it: the
 * move-in procedure writes it (move-in/wording.ts), a free comment may not (comments.ts).
 */
export const R9_COMMENT = "écart de consommation avec ancien occupant";
