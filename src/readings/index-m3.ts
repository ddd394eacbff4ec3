/** SPEC §4: an index is a whole number of m3. Anything else is refused with INDEX_NOT_M3. */
import { EcartError, ErrorCode } from "../platform/errors.js";

/** Largest index accepted: 12 digits, more than any water meter shows. */
export const MAX_INDEX_M3 = 999_999_999_999;

const M3_TEXT = /^\s*(\d{1,12})\s*(m3|m³)?\s*$/i;

/** Parses an index given as a number or text ("1004", "1004 m3"); refuses decimals, negatives and other units. */
export function parseIndexM3(value: unknown, field = "index"): number {
  let n: number | undefined;
  if (typeof value === "number") n = value;
  else if (typeof value === "string") {
    const m = M3_TEXT.exec(value);
    if (m) n = Number(m[1]);
  }
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > MAX_INDEX_M3) {
    throw new EcartError(
      ErrorCode.INDEX_NOT_M3,
      `Index invalide (${String(value).slice(0, 40)}) : seuls les m3 doivent être saisis, en nombre entier positif, sans décimale.`,
      `index must be a whole, non-negative number of m3 (got ${JSON.stringify(value)?.slice(0, 40)})`,
      field,
    );
  }
  return n;
}
