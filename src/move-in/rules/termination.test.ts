import { describe, expect, it } from "vitest";
import {
  type CurrentMeter,
  datedReadingsMatter,
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
