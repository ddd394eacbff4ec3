/** R3/R8 and SPEC §6: the proof deadline, in calendar days of the utility's time zone. */
import {
  addDays,
  DEFAULT_TIME_ZONE,
  type Deadline,
  daysBetween,
  localDate,
  startOfDay,
} from "../../platform/dates.js";

/** R3 default: the customer has 15 calendar days to send a proof. */
export const DEFAULT_PROOF_DEADLINE_DAYS = 15;

export type { Deadline };

/** SPEC §6: the task is due at the end of the Nth calendar day after the request. */
export function proofDeadline(
  requestedAt: Date,
  days = DEFAULT_PROOF_DEADLINE_DAYS,
  timeZone = DEFAULT_TIME_ZONE,
): Deadline {
  const dueDate = proofDueDate(requestedAt, days, timeZone);
  return { dueDate, expiresAt: startOfDay(addDays(dueDate, 1), timeZone) };
}

/** SPEC §6: the last calendar day of `proofDeadline`, without its expiry instant (what the customer is told). */
export function proofDueDate(
  requestedAt: Date,
  days = DEFAULT_PROOF_DEADLINE_DAYS,
  timeZone = DEFAULT_TIME_ZONE,
): string {
  return addDays(localDate(requestedAt, timeZone), days);
}

/** R8: a deadline has passed once its expiry instant is reached. */
export function isExpired(deadline: Pick<Deadline, "expiresAt">, now: Date): boolean {
  return now.getTime() >= deadline.expiresAt.getTime();
}

/** R8 as shown to people: the days left before a task's due day, from `today` (negative once past it). */
export const daysLeft = (dueDate: string, today: string): number => daysBetween(today, dueDate);

/** The work queue warns of a task due within this many days (its due day included), before it is overdue. */
export const DUE_SOON_DAYS = 3;

/** R8 as a bound, for a query that counts: a due day before the one returned is overdue on `today`. */
export const overdueBefore = (today: string): string => today;

/** R8 as shown to people: a task is overdue once its due day is behind `today` (the day it expires on). */
export const isOverdue = (dueDate: string, today: string): boolean => dueDate < overdueBefore(today);

/** The work queue's warning: not yet overdue, and due within DUE_SOON_DAYS of `today`. */
export const isDueSoon = (dueDate: string, today: string): boolean =>
  !isOverdue(dueDate, today) && daysLeft(dueDate, today) <= DUE_SOON_DAYS;
