import { describe, expect, it } from "vitest";
import { proofGap } from "./proof-gap.js";

describe("R9: the index at the proof's date against the termination index (1000)", () => {
  it.each([
    { name: "6 m3 above: intermediate consumption", index: 1006, expected: "INTERMEDIATE" },
    { name: "5 m3 above: within tolerance", index: 1005, expected: "NONE" },
    { name: "equal", index: 1000, expected: "NONE" },
    { name: "5 m3 below: within tolerance", index: 995, expected: "NONE" },
    {
      name: "6 m3 below: the predecessor was billed too much",
      index: 994,
      expected: "PREDECESSOR_OVERBILLED",
    },
  ])("$name", ({ index, expected }) => {
    expect(proofGap(1000, index, 5)).toBe(expected);
  });

  it("another tolerance moves both edges (2 m3: 3 above and 3 below count)", () => {
    expect(proofGap(1000, 1003, 2)).toBe("INTERMEDIATE");
    expect(proofGap(1000, 997, 2)).toBe("PREDECESSOR_OVERBILLED");
    expect(proofGap(1000, 1002, 2)).toBe("NONE");
  });
});
