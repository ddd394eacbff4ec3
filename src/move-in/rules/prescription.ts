/** R10: the biennial prescription (Code de la consommation L218-2). */
import { subtractYears } from "../../platform/dates.js";

/** R10 default: billing older than 2 years may be refused by the consumer. */
export const DEFAULT_PRESCRIPTION_YEARS = 2;

/**
 * R10: when invoked and the proof's date is more than N years before the processing day,
 * the subscription starts on the processing day minus N years; otherwise null (no effect).
 */
export function prescribedStart(
  proofDate: string,
  processingDay: string,
  invoked: boolean,
  years = DEFAULT_PRESCRIPTION_YEARS,
): string | null {
  if (!invoked) return null;
  const limit = subtractYears(processingDay, years);
  return proofDate < limit ? limit : null;
}
