import { describe, expect, it } from "vitest";
import {
  type CurrentMeter,
  currentMeterOf,
  datedReadingsMatter,
  glanceOf,
  lastValidOf,
  type ReadingsSummary,
  statusOfReading,
  type TerminationFacts,
  terminationFrom,
} from "./termination.js";

const meter: CurrentMeter = { id: 7, installed_on: null, start_index: 0 };
const pred = { id: "AB-1", end_date: "2024-01-15", end_index: 1000 };
const facts = (f: Partial<TerminationFacts>): TerminationFacts => ({
  meter,
  predecessor: null,
  moveOutMeterId: null,
  lastValid: null,
  ...f,
});

describe("SPEC §6 termination index", () => {
  it("is the latest ended subscription's end", () => {
    expect(terminationFrom(facts({ predecessor: pred }))).toEqual({
      date: "2024-01-15",
      index: 1000,
      source: "SUBSCRIPTION",
      subscription: "AB-1",
    });
  });

  it("is the replacement meter's start when the meter was installed after the termination (issue 3)", () => {
    const replaced = { id: 8, installed_on: "2024-02-01", start_index: 3 };
    expect(terminationFrom(facts({ meter: replaced, predecessor: pred }))).toEqual({
      date: "2024-02-01",
      index: 3,
      source: "SUBSCRIPTION",
      subscription: "AB-1",
    });
  });

  it("follows the move-out reading's meter: read on the old meter, the new one's start counts, from the end date", () => {
    const replaced = { id: 8, installed_on: "2024-01-10", start_index: 7 };
    expect(terminationFrom(facts({ meter: replaced, predecessor: pred, moveOutMeterId: 6 }))).toEqual({
      date: "2024-01-15",
      index: 7,
      source: "SUBSCRIPTION",
      subscription: "AB-1",
    });
    expect(terminationFrom(facts({ meter: replaced, predecessor: pred, moveOutMeterId: 8 }))?.index).toBe(
      1000,
    );
    // Without a move-out reading, a meter installed before the end was the one read.
    expect(terminationFrom(facts({ meter: replaced, predecessor: pred }))?.index).toBe(1000);
  });

  it("without a predecessor (or its end index), is the last VALID reading, or a newer meter installation", () => {
    const lastValid = { id: "RDG-1", date: "2023-06-01", index: 950 };
    const reading = { date: "2023-06-01", index: 950, source: "READING", subscription: null };
    expect(terminationFrom(facts({ lastValid }))).toEqual(reading);
    expect(terminationFrom(facts({ predecessor: { ...pred, end_index: null }, lastValid }))).toEqual(reading);
    const installed = { id: 8, installed_on: "2024-01-10", start_index: 7 };
    expect(terminationFrom(facts({ meter: installed, lastValid }))).toEqual({
      date: "2024-01-10",
      index: 7,
      source: "READING",
      subscription: null,
    });
    expect(terminationFrom(facts({ meter: null, lastValid }))).toEqual(reading);
  });

  it("is null with neither a predecessor nor a VALID reading", () => {
    expect(terminationFrom(facts({}))).toBeNull();
    expect(terminationFrom(facts({ meter: null }))).toBeNull();
  });
});

describe("status of the termination's reading", () => {
  const readings = [
    { date: "2024-01-15", index: 1000, status: "SUSPECT" },
    { date: "2024-01-15", index: 1000, status: "VALID" },
    { date: "2024-01-15", index: 990, status: "VALID" },
  ];
  it("is the newest reading of that date and index", () => {
    expect(statusOfReading(readings, { date: "2024-01-15", index: 1000 })).toBe("SUSPECT");
    expect(statusOfReading(readings, { date: "2024-01-15", index: 990 })).toBe("VALID");
    expect(statusOfReading(readings, { date: "2024-01-16", index: 1000 })).toBeNull();
  });
});

describe("whether the termination's dated readings can change the decision (migration 930)", () => {
  const installed = (on: string | null): CurrentMeter => ({ id: 7, installed_on: on, start_index: 3 });
  const ended = (on: string | null): TerminationFacts["predecessor"] => ({
    id: "AB-1",
    end_date: on,
    end_index: 1000,
  });
  const none = { suspects: 0, meters: [7] };
  it.each([
    [
      "a SUSPECT reading anywhere at the service point",
      installed(null),
      ended("2024-01-15"),
      { suspects: 1, meters: [7] },
      true,
    ],
    [
      "no SUSPECT reading, meter without installation date",
      installed(null),
      ended("2024-01-15"),
      none,
      false,
    ],
    ["no SUSPECT reading, no meter", null, ended("2024-01-15"), { suspects: 0, meters: [0] }, false],
    ["no SUSPECT reading, no predecessor", installed("2024-01-16"), null, none, false],
    ["no SUSPECT reading, predecessor without end date", installed("2024-01-16"), ended(null), none, false],
    [
      "installed on the end date (installed_on = end_date)",
      installed("2024-01-15"),
      ended("2024-01-15"),
      none,
      false,
    ],
    [
      "installed the day after the end date (end_date + 1)",
      installed("2024-01-16"),
      ended("2024-01-15"),
      none,
      true,
    ],
    [
      "installed before, readings without a meter only besides",
      installed("2023-01-01"),
      ended("2024-01-15"),
      { suspects: 0, meters: [0, 7] },
      false,
    ],
    [
      "installed before, readings on another meter",
      installed("2023-01-01"),
      ended("2024-01-15"),
      { suspects: 0, meters: [7, 8] },
      true,
    ],
  ] as const)("%s: %s", (_name, meter, predecessor, glance, matters) => {
    expect(
      datedReadingsMatter({ meter, predecessor }, { suspects: glance.suspects, meters: [...glance.meters] }),
    ).toBe(matters);
  });
});

/** A summary as storage gives it: bigints as text (a row) or numbers (json). */
const summary = (meter: number, last: [string, string, number] | null, suspects = 0): ReadingsSummary => ({
  meter_key: String(meter),
  last_id: last ? last[0] : null,
  last_date: last ? last[1] : null,
  last_index: last ? String(last[2]) : null,
  suspect_count: String(suspects),
});

describe("SPEC §6 the last VALID reading standing in for a termination", () => {
  it.each([
    ["no summary", [], 7, null],
    [
      "the current meter's, another meter's later one aside",
      [summary(7, ["R-1", "2024-01-10", 100]), summary(8, ["R-2", "2024-02-10", 5])],
      7,
      { id: "R-1", date: "2024-01-10", index: 100 },
    ],
    [
      "the current meter has no VALID reading: none, though another meter has one",
      [summary(7, null), summary(8, ["R-2", "2024-02-10", 5])],
      7,
      null,
    ],
    [
      "no current meter: the latest of any meter (readings without one included)",
      [summary(0, ["R-3", "2024-03-01", 40]), summary(8, ["R-2", "2024-02-10", 5])],
      null,
      { id: "R-3", date: "2024-03-01", index: 40 },
    ],
    [
      "no current meter, same day: the larger id",
      [summary(8, ["R-2", "2024-02-10", 5]), summary(9, ["R-4", "2024-02-10", 6])],
      null,
      { id: "R-4", date: "2024-02-10", index: 6 },
    ],
    [
      "no current meter, the day before loses (date − 1)",
      [summary(8, ["R-9", "2024-02-09", 5]), summary(9, ["R-4", "2024-02-10", 6])],
      null,
      { id: "R-4", date: "2024-02-10", index: 6 },
    ],
  ] as const)("%s", (_name, summaries, current, expected) => {
    expect(lastValidOf(summaries, current)).toEqual(expected);
  });

  it("the current meter is the one not removed", () => {
    const removed = { id: 1, removed_on: "2023-05-01" };
    const current = { id: 2, removed_on: null };
    expect(currentMeterOf([removed, current])).toBe(current);
    expect(currentMeterOf([removed])).toBeNull();
    expect(currentMeterOf([])).toBeNull();
  });

  it("the glance counts SUSPECT readings over every meter and names the meters", () => {
    expect(glanceOf([])).toEqual({ suspects: 0, meters: [] });
    expect(glanceOf([summary(7, null, 1), summary(0, null, 2)])).toEqual({ suspects: 3, meters: [7, 0] });
  });
});
