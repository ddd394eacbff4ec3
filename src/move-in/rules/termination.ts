/**
 * SPEC §6 and issue 3: the termination index a move-in is compared with, decided from facts already
 * read (`../store.ts` `terminationOf`, `loadMoveInFacts`). Pure: nothing here reads or writes storage.
 */
import { EcartError, ErrorCode } from "../../platform/errors.js";
import type { KnownTermination } from "../../platform/schema.js";
import { installationReading } from "../../readings/history.js";

/** The service point's current meter, as the termination rules need it. */
export interface CurrentMeter {
  id: number;
  installed_on: string | null;
  start_index: number;
}

/** What storage holds about a service point's last occupant and its readings. */
export interface TerminationFacts {
  meter: CurrentMeter | null;
  /** The latest ended subscription (by end date, then creation). */
  predecessor: { id: string; end_date: string | null; end_index: number | null } | null;
  /** The meter of the latest MOVE_OUT reading on the predecessor's end date (null: none, or no meter). */
  moveOutMeterId: number | null;
  /** The last VALID reading of the current meter (of the service point when it has no meter). */
  lastValid: { id: string; date: string; index: number } | null;
}

/** True when the termination was read on another meter than the current one (the meter was replaced since). */
export function meterReplacedSince(
  meter: CurrentMeter | null,
  moveOutMeterId: number | null,
  endDate: string,
): boolean {
  if (!meter?.installed_on) return false;
  if (moveOutMeterId !== null) return moveOutMeterId !== meter.id;
  return meter.installed_on > endDate;
}

/**
 * The last VALID reading standing in for a termination; with a meter, its installation (its start index
 * on that day) stands in when none of its readings is valid since (id null then).
 */
export function lastValidIndex(
  meter: CurrentMeter | null,
  lastValid: TerminationFacts["lastValid"],
): { id: string | null; date: string; index: number } | null {
  const install = meter
    ? installationReading({ installedOn: meter.installed_on, startIndex: meter.start_index })
    : null;
  if (install && (!lastValid || lastValid.date < install.date)) return { ...install, id: null };
  return lastValid;
}

/**
 * SPEC §6: the predecessor is the latest ended subscription at the service point; with none, the last
 * VALID reading stands in for the termination index. Null when neither exists. Compared with the same
 * meter (issue 3): a meter installed since the termination opens at its start index.
 */
export function terminationFrom(f: TerminationFacts): KnownTermination | null {
  const pred = f.predecessor;
  if (pred?.end_date && pred.end_index !== null) {
    if (meterReplacedSince(f.meter, f.moveOutMeterId, pred.end_date) && f.meter?.installed_on) {
      // ISO dates compare as text; the later of the two.
      const date = [f.meter.installed_on, pred.end_date].sort()[1] as string;
      return { date, index: f.meter.start_index, source: "SUBSCRIPTION", subscription: pred.id };
    }
    return { date: pred.end_date, index: pred.end_index, source: "SUBSCRIPTION", subscription: pred.id };
  }
  const r = lastValidIndex(f.meter, f.lastValid);
  return r ? { date: r.date, index: r.index, source: "READING", subscription: null } : null;
}

/** The current meter among a service point's meters: the one not removed (null: none). */
export function currentMeterOf<M extends { removed_on: string | null }>(meters: readonly M[]): M | null {
  return meters.find((m) => m.removed_on === null) ?? null;
}

/** A meter's summary of its readings, as the termination rules read it (0: readings without a meter). */
export interface ReadingsSummary {
  meter_key: number | string;
  last_id: string | null;
  last_date: string | null;
  last_index: number | string | null;
  suspect_count: number | string;
}

/**
 * SPEC §6: the last VALID reading that stands in for a termination: the current meter's, or, without a
 * current meter, any of the service point's; the latest by date, then by id.
 */
export function lastValidOf(
  summaries: readonly ReadingsSummary[],
  currentMeterId: number | null,
): TerminationFacts["lastValid"] {
  let best: ReadingsSummary | null = null;
  for (const y of summaries) {
    if (y.last_id === null || y.last_date === null || y.last_index === null) continue;
    if (currentMeterId !== null && Number(y.meter_key) !== currentMeterId) continue;
    const later =
      best === null ||
      y.last_date > (best.last_date as string) ||
      (y.last_date === best.last_date && y.last_id > (best.last_id as string));
    if (later) best = y;
  }
  return best
    ? { id: best.last_id as string, date: best.last_date as string, index: Number(best.last_index) }
    : null;
}

/** What the summaries say of a service point's readings: how many are SUSPECT now, on which meters. */
export function glanceOf(summaries: readonly ReadingsSummary[]): ReadingsAtAGlance {
  let suspects = 0;
  for (const y of summaries) suspects += Number(y.suspect_count);
  return { suspects, meters: summaries.map((y) => Number(y.meter_key)) };
}

/** What the meters' summaries of a service point say of its readings (migration 930). */
export interface ReadingsAtAGlance {
  /** How many of its readings are SUSPECT now (not replaced, not confirmed). */
  suspects: number;
  /** The meters its readings were taken on (0: readings without a meter). */
  meters: number[];
}

/**
 * Whether the readings of the termination's dates can change the decision; when not, they need not be
 * read (half of PostgreSQL's cost of the move-in check). They serve two decisions:
 * - the SUSPECT warning (`statusOfReading`): with no reading SUSPECT now, none of the termination's is;
 * - the move-out reading's meter (`meterReplacedSince`, asked with a predecessor's end date): without a
 *   current meter installed on a known date the answer is false whatever the readings; with one installed
 *   on or before the end date and no reading on another meter (readings without one aside), the move-out
 *   reading's meter is none or the current one, and the answer is false both ways.
 */
export function datedReadingsMatter(
  f: Pick<TerminationFacts, "meter" | "predecessor">,
  glance: ReadingsAtAGlance,
): boolean {
  if (glance.suspects > 0) return true;
  const meter = f.meter;
  const end = f.predecessor?.end_date;
  if (!meter?.installed_on || !end) return false;
  return meter.installed_on > end || glance.meters.some((k) => k !== 0 && k !== meter.id);
}

/** The status now of the termination's reading: the newest reading of its date and index (null: none). */
export function statusOfReading(
  readings: ReadonlyArray<{ date: string; index: number; status: string }>,
  t: { date: string; index: number },
): string | null {
  return readings.find((r) => r.date === t.date && Number(r.index) === t.index)?.status ?? null;
}

/** R4/R8/R7: a start at the predecessor's index on a case with none (NONE) waits for the visit's reading. */
export function noTerminationRefusal(caseId: string): EcartError {
  return new EcartError(
    ErrorCode.TERMINATION_UNKNOWN,
    "Aucun index de résiliation ni relevé de référence sur ce point de desserte : l'abonnement attend le relevé de l'intervention.",
    `case ${caseId} has no termination index to subscribe at`,
    "case",
  );
}
