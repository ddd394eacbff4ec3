import { describe, expect, it } from "vitest";
import { type CurrentMeter, statusOfReading, type TerminationFacts, terminationFrom } from "./termination.js";

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
