import { describe, expect, it } from "vitest";
import {
  DEFAULT_PROOF_DEADLINE_DAYS,
  DUE_SOON_DAYS,
  daysLeft,
  isDueSoon,
  isExpired,
  isOverdue,
  overdueBefore,
  proofDeadline,
} from "./deadline.js";

describe("R3/R8 proof deadline: end of the 15th calendar day after the request, Europe/Paris", () => {
  const requested = new Date("2024-03-05T10:00:00+01:00");
  const d = proofDeadline(requested);

  it("is due on day 15", () => {
    expect(DEFAULT_PROOF_DEADLINE_DAYS).toBe(15);
    expect(d.dueDate).toBe("2024-03-20");
  });

  it.each([
    { name: "day 15 at 09:00 Paris: in time", at: "2024-03-20T09:00:00+01:00", expired: false },
    { name: "day 15 at 23:59:59 Paris: in time", at: "2024-03-20T23:59:59+01:00", expired: false },
    { name: "day 16 at 00:00 Paris: expired", at: "2024-03-21T00:00:00+01:00", expired: true },
    { name: "day 16 at 09:00 Paris: expired", at: "2024-03-21T09:00:00+01:00", expired: true },
  ])("$name", ({ at, expired }) => {
    expect(isExpired(d, new Date(at))).toBe(expired);
  });

  it("counts the request's Paris day, not UTC's (23:30 UTC is already the next day in Paris)", () => {
    expect(proofDeadline(new Date("2024-03-04T23:30:00Z")).dueDate).toBe("2024-03-20");
  });

  describe("across the spring daylight-saving change (31 March 2024: UTC+1 → UTC+2)", () => {
    const spring = proofDeadline(new Date("2024-03-20T10:00:00+01:00"));
    it("is due on 4 April and ends at midnight summer time", () => {
      expect(spring.dueDate).toBe("2024-04-04");
      expect(spring.expiresAt.toISOString()).toBe("2024-04-04T22:00:00.000Z");
    });
    it.each([
      { name: "day 15 at 23:59 CEST: in time", at: "2024-04-04T23:59:00+02:00", expired: false },
      { name: "day 16 at 00:00 CEST: expired", at: "2024-04-05T00:00:00+02:00", expired: true },
    ])("$name", ({ at, expired }) => {
      expect(isExpired(spring, new Date(at))).toBe(expired);
    });
  });

  describe("across the autumn change (27 October 2024: UTC+2 → UTC+1)", () => {
    const autumn = proofDeadline(new Date("2024-10-20T10:00:00+02:00"));
    it("is due on 4 November and ends at midnight winter time", () => {
      expect(autumn.dueDate).toBe("2024-11-04");
      expect(autumn.expiresAt.toISOString()).toBe("2024-11-04T23:00:00.000Z");
    });
  });
});

describe("R8 as shown: days left and overdue, by the day (due on day 15 after a request of 5 March)", () => {
  const due = proofDeadline(new Date("2024-03-05T10:00:00+01:00")).dueDate;
  it.each([
    {
      name: "day 11: four days left, not yet due soon",
      today: "2024-03-16",
      left: 4,
      overdue: false,
      soon: false,
    },
    {
      name: "day 12: three days left (DUE_SOON_DAYS), due soon",
      today: "2024-03-17",
      left: 3,
      overdue: false,
      soon: true,
    },
    { name: "day 14: one day left", today: "2024-03-19", left: 1, overdue: false, soon: true },
    {
      name: "day 15 (the due day): none left, not overdue",
      today: "2024-03-20",
      left: 0,
      overdue: false,
      soon: true,
    },
    {
      name: "day 16: overdue by one day, no longer due soon",
      today: "2024-03-21",
      left: -1,
      overdue: true,
      soon: false,
    },
  ])("$name", ({ today, left, overdue, soon }) => {
    expect(daysLeft(due, today)).toBe(left);
    expect(isOverdue(due, today)).toBe(overdue);
    expect(isDueSoon(due, today)).toBe(soon);
    // What the work queue's count compares with says the same as isOverdue.
    expect(due < overdueBefore(today)).toBe(overdue);
  });
  it("names the figure the queue warns with", () => expect(DUE_SOON_DAYS).toBe(3));
});
