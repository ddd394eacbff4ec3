import { describe, expect, it } from "vitest";
import { expiryPath } from "./expiry-path.js";

describe("R8: the path of an expired case", () => {
  it.each([
    { subscribed: true, occupied: false, suspect: false, path: "CLOSE" },
    { subscribed: true, occupied: true, suspect: true, path: "CLOSE" },
    { subscribed: false, occupied: true, suspect: false, path: "LEAVE_TO_BO" },
    { subscribed: false, occupied: true, suspect: true, path: "LEAVE_TO_BO" },
    { subscribed: false, occupied: false, suspect: true, path: "HOLD_FOR_CHECK" },
    { subscribed: false, occupied: false, suspect: false, path: "SUBSCRIBE" },
  ])("subscribed $subscribed, occupied $occupied, suspect $suspect → $path", (r) => {
    expect(expiryPath(r.subscribed, r.occupied, r.suspect)).toBe(r.path);
  });
});
