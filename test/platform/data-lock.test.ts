/** The refusal of a second process on an embedded data folder says when the holder took it, as a French reader reads it. */
import { describe, expect, it } from "vitest";
import { folderInUse } from "../../src/platform/data-lock.js";

const holder = { pid: 4242, host: "poste-1", procStart: null, command: "ecart serve", token: "t" };

describe("folderInUse", () => {
  it.each([
    ["2026-12-05T22:04:00.000Z", "depuis le 05/12/2026 23:04"],
    ["2026-07-01T21:59:00.000Z", "depuis le 01/07/2026 23:59"],
    ["2026-07-01T22:00:00.000Z", "depuis le 02/07/2026 00:00"],
  ])("since %s (UTC) reads « %s » (Paris time), the log keeps the instant", (since, said) => {
    const e = folderInUse("/srv/ecart", { ...holder, since });
    expect(e.messageFr).toContain(`(ecart serve, pid 4242, ${said}) :`);
    expect(e.messageFr).not.toContain(since);
    expect(e.message).toContain(since);
  });
});
