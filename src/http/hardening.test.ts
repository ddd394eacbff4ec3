import { describe, expect, it } from "vitest";
import { isApiPath } from "./hardening.js";

describe("isApiPath: under /api however the path is spelled", () => {
  it.each([
    ["/api", true],
    ["/api/", true],
    ["/api/accounts?x=/y", true],
    ["/API/accounts", true],
    ["/%61pi/accounts", true],
    ["/%61PI/me", true],
    ["/api%2Faccounts", true],
    ["http://host/api/me", true],
    ["/apix", false],
    ["/", false],
    ["/assets/app.js?/api/", false],
    ["/%E0%A4%A", false],
    ["/api%", false],
    ["/api/%zz", true],
  ])("%s → %s", (url, expected) => {
    expect(isApiPath(url)).toBe(expected);
  });
});
