import { describe, expect, it } from "vitest";
import { checkGap, DEFAULT_TOLERANCE_M3, showsIntermediateConsumption } from "./gap.js";

describe("R2/R3 gap check (tolerance 5 m3, inclusive, either way)", () => {
  it.each([
    { name: "no gap", termination: 1000, arrival: 1000, gap: 0, within: true, direction: "NONE" },
    { name: "+5 m3 is within", termination: 1000, arrival: 1005, gap: 5, within: true, direction: "ABOVE" },
    { name: "+6 m3 is beyond", termination: 1000, arrival: 1006, gap: 6, within: false, direction: "ABOVE" },
    { name: "−5 m3 is within", termination: 1000, arrival: 995, gap: -5, within: true, direction: "BELOW" },
    { name: "−6 m3 is beyond", termination: 1000, arrival: 994, gap: -6, within: false, direction: "BELOW" },
    {
      name: "+12 m3 (scenario 02) is beyond",
      termination: 1000,
      arrival: 1012,
      gap: 12,
      within: false,
      direction: "ABOVE",
    },
  ])("$name", ({ termination, arrival, gap, within, direction }) => {
    expect(checkGap(termination, arrival)).toEqual({ gap, withinTolerance: within, direction });
  });

  it("uses the configured tolerance", () => {
    expect(DEFAULT_TOLERANCE_M3).toBe(5);
    expect(checkGap(1000, 1010, 10).withinTolerance).toBe(true);
    expect(checkGap(1000, 1011, 10).withinTolerance).toBe(false);
  });
});

describe("R9 intermediate consumption (index at proof date above termination beyond tolerance)", () => {
  it.each([
    { name: "+5 m3: none", index: 1005, shows: false },
    { name: "+6 m3: shows", index: 1006, shows: true },
    { name: "−20 m3: none (not consumption between occupants)", index: 980, shows: false },
  ])("$name", ({ index, shows }) => {
    expect(showsIntermediateConsumption(1000, index)).toBe(shows);
  });
});
