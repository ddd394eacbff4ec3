import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../platform/config.js";
import { reminderDay, reminderDue } from "./reminder.js";

const DAYS = DEFAULT_CONFIG.proofReminderDays;

describe("R18 proof reminder: due date − 5 days, until the due day, once asked for in time", () => {
  const due = "2024-03-20";
  const asked = "2024-03-05";

  it("defaults to 5 days: the reminder day of a proof due on 20 March is the 15th", () => {
    expect(DAYS).toBe(5);
    expect(reminderDay(due, DAYS)).toBe("2024-03-15");
    expect(reminderDay(due, 0)).toBeNull();
  });

  it.each([
    { name: "the day before the reminder day (due − 6): too early", today: "2024-03-14", expected: false },
    { name: "the reminder day (due − 5)", today: "2024-03-15", expected: true },
    { name: "due − 1", today: "2024-03-19", expected: true },
    { name: "the due day itself", today: "2024-03-20", expected: true },
    { name: "the day after the due day: never", today: "2024-03-21", expected: false },
  ])("$name", ({ today, expected }) => {
    expect(reminderDue(today, due, asked, DAYS)).toBe(expected);
  });

  it.each([
    { name: "asked for on the reminder day: reminded", askedOn: "2024-03-15", expected: true },
    { name: "asked for the day after the reminder day: none", askedOn: "2024-03-16", expected: false },
    { name: "asked for on the due day: none", askedOn: "2024-03-20", expected: false },
  ])("$name", ({ askedOn, expected }) => {
    expect(reminderDue("2024-03-20", due, askedOn, DAYS)).toBe(expected);
  });

  it("0 days turns reminders off, on every day", () => {
    for (const today of ["2024-03-14", "2024-03-15", "2024-03-20"]) {
      expect(reminderDue(today, due, asked, 0)).toBe(false);
    }
  });

  it("another figure moves the day: 3 days before, not 4", () => {
    expect(reminderDue("2024-03-16", due, asked, 3)).toBe(false);
    expect(reminderDue("2024-03-17", due, asked, 3)).toBe(true);
  });

  it("a reminder period longer than the deadline puts the reminder day before the request: none", () => {
    // Asked on 5 March, due on the 8th (3 days), reminder 5 days before: the 3rd.
    for (const today of ["2024-03-05", "2024-03-06", "2024-03-08"]) {
      expect(reminderDue(today, "2024-03-08", "2024-03-05", 5)).toBe(false);
    }
  });

  it("counts across month ends (due on 2 April: reminded from 28 March)", () => {
    expect(reminderDay("2024-04-02", DAYS)).toBe("2024-03-28");
    expect(reminderDue("2024-03-27", "2024-04-02", "2024-03-18", DAYS)).toBe(false);
    expect(reminderDue("2024-03-28", "2024-04-02", "2024-03-18", DAYS)).toBe(true);
  });
});
