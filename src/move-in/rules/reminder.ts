/** R18: the proof reminder, decided from calendar dates alone (Europe/Paris days, computed by the caller). */
import { addDays } from "../../platform/dates.js";

/** R18 default: the reminder goes 5 days before the proof's due date. */
export const DEFAULT_PROOF_REMINDER_DAYS = 5;

/** R18: the reminder day of a task due on `dueDate`, or null when reminders are off (`days` 0). */
export function reminderDay(dueDate: string, days = DEFAULT_PROOF_REMINDER_DAYS): string | null {
  return days > 0 ? addDays(dueDate, -days) : null;
}

/**
 * R18: a sweep on `today` reminds the customer of a proof asked for on `askedOn` and due on `dueDate`
 * when today lies from the reminder day to the due day, both included, and the proof was not asked
 * for after the reminder day. Whether it was already sent, or the case is closed, is the caller's.
 */
export function reminderDue(
  today: string,
  dueDate: string,
  askedOn: string,
  days = DEFAULT_PROOF_REMINDER_DAYS,
): boolean {
  const day = reminderDay(dueDate, days);
  if (day === null) return false;
  return askedOn <= day && day <= today && today <= dueDate;
}
