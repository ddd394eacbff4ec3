/** What the reference-data writers share (reference.ts): the row results, the locks, the order of decisions. */
import { sql, type Transaction } from "kysely";
import { EcartError, ErrorCode } from "../platform/errors.js";
import type { DB } from "../platform/schema.js";

export type Trx = Transaction<DB>;

/** What happened to a row. */
export type RowOutcome = "INSERTED" | "UPDATED" | "UNCHANGED";
/** A row's result: its outcome, or its refusal. */
export type RowResult = RowOutcome | EcartError;

/** The service points named, locked (FOR UPDATE, in id order): those that exist, with their address and owner. */
export async function lockServicePoints(
  trx: Trx,
  ids: string[],
): Promise<Map<string, { address: string; owner_name: string | null }>> {
  const unique = [...new Set(ids)].sort();
  if (unique.length === 0) return new Map();
  const rows = await sql<{ id: string; address: string; owner_name: string | null }>`
    select id, address, owner_name from service_points where id = any(${unique}::text[]) order by id for update`.execute(
    trx,
  );
  return new Map(rows.rows.map((r) => [r.id, { address: r.address, owner_name: r.owner_name }]));
}

/**
 * Rows in the order they are decided: grouped by service point (in order of first appearance), and
 * within one service point those for which `first` holds before the others (a removal before the
 * installation it makes room for, an end before the start that follows it). Returns row positions.
 */
export function decisionOrder<R extends { servicePoint: string }>(
  rows: R[],
  first: (r: R) => boolean,
): number[] {
  const groups = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const g = groups.get(r.servicePoint);
    if (g) g.push(i);
    else groups.set(r.servicePoint, [i]);
  });
  const out: number[] = [];
  for (const g of groups.values()) {
    for (const i of g) if (first(rows[i] as R)) out.push(i);
    for (const i of g) if (!first(rows[i] as R)) out.push(i);
  }
  return out;
}

/** The refusal of a row that would rewrite a fact decisions were taken on (SPEC §8). */
export const decided = (fr: string, en: string, field: string) =>
  new EcartError(
    ErrorCode.FACT_ALREADY_DECIDED,
    `${fr} Une correction d'index passe par la correction du relevé (correctReading).`,
    en,
    field,
  );

export const unknownServicePoint = (id: string) =>
  new EcartError(
    ErrorCode.UNKNOWN_SERVICE_POINT,
    `Point de desserte inconnu : ${id} (chargez d'abord le fichier des points de desserte).`,
    `unknown service point ${id}`,
    "service_point",
  );
