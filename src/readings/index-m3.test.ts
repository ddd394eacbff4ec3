import { describe, expect, it } from "vitest";
import { EcartError } from "../platform/errors.js";
import { parseIndexM3 } from "./index-m3.js";

describe("SPEC §4: only whole m3", () => {
  it.each([
    { input: 1004, value: 1004 },
    { input: 0, value: 0 },
    { input: "1004", value: 1004 },
    { input: "1004 m3", value: 1004 },
    { input: " 899m³ ", value: 899 },
  ])("accepts $input", ({ input, value }) => {
    expect(parseIndexM3(input)).toBe(value);
  });

  it.each([1004.5, -1, "1004,5", "1004.0", "1004 L", "1 m3 200 L", "abc", "", null, Number.NaN, 1e13, true])(
    "refuses %j with INDEX_NOT_M3 and a French message",
    (input) => {
      try {
        parseIndexM3(input);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(EcartError);
        expect((e as EcartError).code).toBe("INDEX_NOT_M3");
        expect((e as EcartError).messageFr).toContain("seuls les m3 doivent être saisis");
      }
    },
  );
});
