/**
 * R18: the proof reminder, decided from calendar dates alone (Europe/Paris days, computed by the caller).
 * The number of days is the configuration's `proofReminderDays` (src/platform/config.ts), said once there.
 */
import { addDays } from "../../platform/dates.js";

/** R18: the reminder day of a task due on `dueDate`, `days` before it; null when reminders are off (`days` 0). */
export function reminderDay(dueDate: string, days: number): string | null {
  return days > 0 ? addDays(dueDate, -days) : null;
}

/**
 * R18: a sweep on `today` reminds the customer of a proof asked for on `askedOn` and due on `dueDate`
 * when today lies from the reminder day to the due day, both included, and the proof was not asked
 * for after the reminder day. Whether it was already sent, or the case is closed, is the caller's.
 */
export function reminderDue(today: string, dueDate: string, askedOn: string, days: number): boolean {
  const day = reminderDay(dueDate, days);
  if (day === null) return false;
  return askedOn <= day && day <= today && today <= dueDate;
}
