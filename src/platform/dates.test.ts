import { describe, expect, it } from "vitest";
import { addDays, daysBetween, isIsoDate, localDate, startOfDay, subtractYears } from "./dates.js";

describe("calendar dates in Europe/Paris", () => {
  it.each(["2024-02-29", "2023-12-31"])("%s is a date", (d) => expect(isIsoDate(d)).toBe(true));
  it.each(["2023-02-29", "2024-13-01", "24-01-01", "2024-1-1", 20240101])("%s is not", (d) =>
    expect(isIsoDate(d)).toBe(false),
  );
  it("local date of an instant", () => {
    expect(localDate(new Date("2024-06-30T22:30:00Z"))).toBe("2024-07-01");
    expect(localDate(new Date("2024-01-31T22:30:00Z"))).toBe("2024-01-31");
  });
  it("start of a day, winter and summer, and on the change days", () => {
    expect(startOfDay("2024-01-10").toISOString()).toBe("2024-01-09T23:00:00.000Z");
    expect(startOfDay("2024-07-10").toISOString()).toBe("2024-07-09T22:00:00.000Z");
    expect(startOfDay("2024-03-31").toISOString()).toBe("2024-03-30T23:00:00.000Z");
    expect(startOfDay("2024-10-27").toISOString()).toBe("2024-10-26T22:00:00.000Z");
  });
  it("arithmetic", () => {
    expect(addDays("2024-02-28", 2)).toBe("2024-03-01");
    expect(daysBetween("2021-10-26", "2022-11-18")).toBe(388);
    expect(subtractYears("2026-03-10", 2)).toBe("2024-03-10");
  });
});
