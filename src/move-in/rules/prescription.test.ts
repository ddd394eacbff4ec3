import { describe, expect, it } from "vitest";
import { DEFAULT_PRESCRIPTION_YEARS, prescribedStart } from "./prescription.js";

describe("R10 biennial prescription (more than 2 years before the processing day)", () => {
  const processing = "2026-03-10";
  it.each([
    { name: "exactly 2 years: not prescribed", proof: "2024-03-10", invoked: true, start: null },
    {
      name: "2 years and 1 day: prescribed, start = processing − 2 years",
      proof: "2024-03-09",
      invoked: true,
      start: "2024-03-10",
    },
    { name: "5 years: prescribed", proof: "2021-01-01", invoked: true, start: "2024-03-10" },
    { name: "not invoked: no effect", proof: "2021-01-01", invoked: false, start: null },
    { name: "1 year: no effect", proof: "2025-03-10", invoked: true, start: null },
  ])("$name", ({ proof, invoked, start }) => {
    expect(DEFAULT_PRESCRIPTION_YEARS).toBe(2);
    expect(prescribedStart(proof, processing, invoked)).toBe(start);
  });

  it("29 February minus 2 years falls back to 28 February", () => {
    expect(prescribedStart("2020-01-01", "2024-02-29", true)).toBe("2022-02-28");
  });
});
