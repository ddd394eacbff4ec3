import { describe, expect, it } from "vitest";
import {
  addDays,
  dateOfDayNumber,
  dayNumber,
  daysBetween,
  isIsoDate,
  localDate,
  startOfDay,
  subtractYears,
} from "./dates.js";

describe("calendar dates in Europe/Paris", () => {
  it.each(["2024-02-29", "2023-12-31"])("%s is a date", (d) => expect(isIsoDate(d)).toBe(true));
  it.each(["2023-02-29", "2024-13-01", "24-01-01", "2024-1-1", 20240101])("%s is not", (d) =>
    expect(isIsoDate(d)).toBe(false),
  );
  it("local date of an instant", () => {
    expect(localDate(new Date("2024-06-30T22:30:00Z"))).toBe("2024-07-01");
    expect(localDate(new Date("2024-01-31T22:30:00Z"))).toBe("2024-01-31");
  });
  it("local dates read one after another (the day kept between calls) agree with the time zone database", () => {
    const zones = ["Europe/Paris", "America/Sao_Paulo", "Australia/Lord_Howe"];
    const formats = new Map(
      zones.map((timeZone) => [
        timeZone,
        new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }),
      ]),
    );
    const reference = (t: number, timeZone: string) => formats.get(timeZone)?.format(t);
    // Every 73 minutes through 2024 (both of each zone's changes), forwards then backwards, zones in turn.
    const instants: number[] = [];
    for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2025, 0, 1); t += 73 * 60_000) instants.push(t);
    for (const t of [...instants, ...instants.reverse()])
      for (const zone of zones) expect(localDate(new Date(t), zone)).toBe(reference(t, zone));
    // The last instant of a day and the first of the next, on Paris's change days.
    expect(localDate(new Date("2024-03-30T22:59:59.999Z"))).toBe("2024-03-30");
    expect(localDate(new Date("2024-03-30T23:00:00.000Z"))).toBe("2024-03-31");
    expect(localDate(new Date("2024-10-26T21:59:59.999Z"))).toBe("2024-10-26");
    expect(localDate(new Date("2024-10-26T22:00:00.000Z"))).toBe("2024-10-27");
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
  it("day numbers agree with Date.UTC, leap years and centuries included", () => {
    for (let t = Date.UTC(1899, 0, 1); t <= Date.UTC(2101, 11, 31); t += 86_400_000 * 3) {
      const iso = new Date(t).toISOString().slice(0, 10);
      expect(dayNumber(iso)).toBe(t / 86_400_000);
      expect(isIsoDate(iso)).toBe(true);
    }
    expect(dayNumber("1970-01-01")).toBe(0);
    expect(dayNumber("2023-02-30")).toBe(dayNumber("2023-03-02"));
  });
  it.each(["1900-02-29", "2100-02-29", "2023-04-31", "2024-00-10", "2024-01-00", "0099-01-01", "2024-01-1x"])(
    "%s is not a date",
    (d) => expect(isIsoDate(d)).toBe(false),
  );
  it.each(["2000-02-29", "2024-04-30", "0100-01-01", "9999-12-31"])("%s is a date", (d) =>
    expect(isIsoDate(d)).toBe(true),
  );
});

describe("addDays without Date", () => {
  it("agrees with Date.UTC for every day from 1899 to 2101, across leap days and years", () => {
    const viaDate = (date: string, n: number) => {
      const [y, m, d] = date.split("-").map(Number) as [number, number, number];
      return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
    };
    for (let day = dayNumber("1899-12-25"); day <= dayNumber("2101-01-05"); day++) {
      const date = dateOfDayNumber(day);
      expect(dayNumber(date)).toBe(day);
      for (const n of [-366, -1, 0, 1, 15, 16, 365])
        if (addDays(date, n) !== viaDate(date, n)) {
          expect(addDays(date, n)).toBe(viaDate(date, n));
        }
    }
  });

  it("counts a day past the month's end into the next, as dayNumber does", () => {
    expect(addDays("2023-02-30", 0)).toBe("2023-03-02");
    expect(addDays("2024-02-29", 365)).toBe("2025-02-28");
  });
});
