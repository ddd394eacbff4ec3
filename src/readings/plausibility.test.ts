/** SPEC §4 boundary tables: the source's own figures, the range ends, slips, the 0.1 floor, the household default, rollover. */
import { describe, expect, it } from "vitest";
import { advance, meterHistory, plausibilityInput, replacedMeter } from "./history.js";
import {
  assessReading,
  averageDailyUse,
  expectedUsageRange,
  indexAcrossRollover,
  meterUsage,
  type PlausibilityInput,
  rolloverUsage,
  suggestSlip,
} from "./plausibility.js";

/** The source document's history before 02/04/2024 (the 18/11/2022 CUSTOMER reading is VALID). */
const SEED: PlausibilityInput = {
  first: { date: "2021-10-26", index: 829 },
  previous: { date: "2022-11-18", index: 882 },
  validCount: 4,
};
const SEED_BEFORE_18_11: PlausibilityInput = {
  first: { date: "2021-10-26", index: 829 },
  previous: { date: "2022-11-17", index: 882 },
  validCount: 3,
};

describe("the source's example (SPEC §4)", () => {
  it("gives 13–377 m3 and 895–1259 for the 02/04/2024 reading, 89954 suspect with 899 suggested", () => {
    const p = assessReading(SEED, { date: "2024-04-02", index: 89954 });
    expect(p).toEqual({
      status: "SUSPECT",
      warnings: [],
      usage: 89954 - 882,
      expected: { usage: [13, 377], index: [895, 1259] },
      suggestedIndex: 899,
    });
  });
  it("gives 882–883 for the 18/11/2022 reading, which is valid", () => {
    const p = assessReading(SEED_BEFORE_18_11, { date: "2022-11-18", index: 882 });
    expect(p.expected?.index).toEqual([882, 883]);
    expect(p.status).toBe("VALID");
    expect(p.warnings).toEqual([]);
  });
});

describe("usage at the range ends (02/04/2024: usage range 13–377)", () => {
  it.each([
    [894, "VALID", ["LOW_USAGE"]],
    [895, "VALID", []],
    [1259, "VALID", []],
    [1260, "SUSPECT", []],
    [882, "VALID", ["LOW_USAGE"]],
    [881, "SUSPECT", []],
  ])("index %i → %s %j", (index, status, warnings) => {
    const p = assessReading(SEED, { date: "2024-04-02", index });
    expect(p.status).toBe(status);
    expect(p.warnings).toEqual(warnings);
  });
});

describe("slips: the smallest k in {1,2,3} whose ⌊index/10^k⌋ lands in the expected index range", () => {
  it.each([
    [8995, 899, "×10"],
    [89954, 899, "×100"],
    [899540, 899, "×1000"],
    [9000, 900, "×10, range end"],
    [12590, 1259, "×10, upper end"],
    [12600, null, "nothing lands"],
    [5000000, null, "too far"],
  ])("%i → %s (%s)", (index, suggested, _why) => {
    const p = assessReading(SEED, { date: "2024-04-02", index });
    expect(p.status).toBe("SUSPECT");
    expect(p.suggestedIndex).toBe(suggested);
  });
  it("suggestSlip prefers the smallest divisor", () => {
    expect(suggestSlip(1000, [1, 100])).toBe(100);
    expect(suggestSlip(1000, [1, 10])).toBe(10);
    expect(suggestSlip(1000, [1, 1])).toBe(1);
    expect(suggestSlip(1000, [2, 9])).toBeNull();
  });
});

describe("average daily use", () => {
  it("is floored at 0.1 m3 a day (a vacant premises is not zero forever)", () => {
    const vacant: PlausibilityInput = {
      first: { date: "2023-01-01", index: 500 },
      previous: { date: "2023-07-01", index: 500 },
      validCount: 2,
    };
    expect(averageDailyUse(vacant)).toBe(0.1);
    expect(expectedUsageRange(vacant, "2023-08-01")).toEqual([0, 18]);
    expect(assessReading(vacant, { date: "2023-08-01", index: 518 }).status).toBe("VALID");
    expect(assessReading(vacant, { date: "2023-08-01", index: 519 }).status).toBe("SUSPECT");
  });
  it("is the household's 120 m3 a year with fewer than two earlier valid readings", () => {
    const one: PlausibilityInput = {
      first: { date: "2024-01-01", index: 1000 },
      previous: { date: "2024-01-01", index: 1000 },
      validCount: 1,
    };
    expect(averageDailyUse(one)).toBeCloseTo(120 / 365, 10);
    // 91 days: e = 29.92 → [5, 165]
    expect(expectedUsageRange(one, "2024-04-01")).toEqual([5, 165]);
    expect(assessReading(one, { date: "2024-04-01", index: 1004 }).warnings).toEqual(["LOW_USAGE"]);
    expect(assessReading(one, { date: "2024-04-01", index: 1165 }).status).toBe("VALID");
    expect(assessReading(one, { date: "2024-04-01", index: 1166 }).status).toBe("SUSPECT");
  });
  it("counts at least one day since the previous reading", () => {
    expect(expectedUsageRange(SEED, "2022-11-18")).toEqual(expectedUsageRange(SEED, "2022-11-19"));
  });
  it("takes the configured factors", () => {
    const cfg = { lowFactor: 0.5, highFactor: 2, minDailyUseM3: 0.1, householdYearlyM3: 365 };
    const one: PlausibilityInput = {
      first: { date: "2024-01-01", index: 0 },
      previous: { date: "2024-01-01", index: 0 },
      validCount: 1,
    };
    expect(expectedUsageRange(one, "2024-01-11", cfg)).toEqual([5, 20]);
  });
});

describe("first reading, negative usage", () => {
  it("a first reading is VALID with no expectation", () => {
    expect(
      assessReading({ first: null, previous: null, validCount: 0 }, { date: "2024-01-01", index: 12345 }),
    ).toEqual({
      status: "VALID",
      warnings: [],
      usage: null,
      expected: null,
      suggestedIndex: null,
    });
  });
});

describe("rollover (a meter with N digits passes from 99…9 to 0)", () => {
  const h: PlausibilityInput = {
    first: { date: "2024-01-01", index: 99_900 },
    previous: { date: "2024-03-01", index: 99_990 },
    validCount: 2,
    digits: 5,
  };
  it("is recognised: VALID, usage across the wrap, warning ROLLOVER, no slip suggested", () => {
    const p = assessReading(h, { date: "2024-04-01", index: 35 });
    expect(p).toMatchObject({ status: "VALID", usage: 45, warnings: ["ROLLOVER"], suggestedIndex: null });
  });
  it("is not assumed for a meter of unknown digits, nor beyond the expected range", () => {
    expect(assessReading({ ...h, digits: null }, { date: "2024-04-01", index: 35 }).status).toBe("SUSPECT");
    expect(assessReading(h, { date: "2024-04-01", index: 9000 }).status).toBe("SUSPECT");
  });
  it("keeps the average right across a wrap", () => {
    const after: PlausibilityInput = {
      first: { date: "2024-01-01", index: 99_900 },
      previous: { date: "2024-04-01", index: 35 },
      validCount: 2,
      digits: 5,
    };
    expect(averageDailyUse(after)).toBeCloseTo(135 / 91, 10);
  });
  it.each([
    [99_990, 5, 5, 15],
    [99_990, 99_995, 5, null],
    [500, 100, null, null],
    [999, 3, 3, 4],
  ])("rolloverUsage(%i → %i, %s digits) = %s", (from, to, digits, expected) => {
    expect(rolloverUsage(from, to, digits)).toBe(expected);
  });
  it("meterUsage falls back to the plain difference", () => {
    expect(meterUsage(100, 90, null)).toBe(-10);
    expect(meterUsage(99_990, 5, 5)).toBe(15);
  });
});

describe("meter replacement: a new serial with a new start index", () => {
  const old = meterHistory(
    { meterId: 1, digits: null, installedOn: null, startIndex: 0, removedOn: "2024-02-01" },
    { date: "2023-02-01", index: 1000 },
    { date: "2024-01-31", index: 1365 },
    12,
    "2024-01-31",
  );
  const fresh = meterHistory(
    { meterId: 2, digits: null, installedOn: "2024-02-01", startIndex: 3, removedOn: null },
    null,
    null,
    0,
    null,
  );
  it("opens the new meter's history at its start index on its installation day", () => {
    expect(fresh.previous).toEqual({ date: "2024-02-01", index: 3 });
    expect(fresh.validCount).toBe(1);
    expect(replacedMeter(fresh, [old, fresh])).toBe(old);
  });
  it("checks the new meter's first reading against its start index and the old meter's average, not against the old index", () => {
    const input = plausibilityInput(fresh, old);
    expect(averageDailyUse(input)).toBeCloseTo(365 / 364, 6);
    const p = assessReading(input, { date: "2024-03-02", index: 33 });
    expect(p).toMatchObject({ status: "VALID", usage: 30, warnings: [] });
    expect(assessReading(input, { date: "2024-03-02", index: 1400 }).status).toBe("SUSPECT");
  });
  it("advances with VALID readings only", () => {
    const a = advance(fresh, { date: "2024-03-02", index: 33 }, { status: "VALID" });
    expect(a).toMatchObject({
      previous: { date: "2024-03-02", index: 33 },
      validCount: 2,
      lastDate: "2024-03-02",
    });
    const b = advance(a, { date: "2024-04-02", index: 3300 }, { status: "SUSPECT" });
    expect(b).toMatchObject({ previous: { date: "2024-03-02", index: 33 }, lastDate: "2024-04-02" });
  });
});

describe("a gap read across a rollover (move-in against the termination index)", () => {
  it.each([
    [99_998, 3, 5, 100_003],
    [99_998, 3, null, 3],
    [99_998, 99_999, 5, 99_999],
    [40_000, 3, 5, 3],
  ])("indexAcrossRollover(%i, %i, %s digits) = %i", (reference, index, digits, expected) => {
    expect(indexAcrossRollover(reference, index, digits)).toBe(expected);
  });
});
