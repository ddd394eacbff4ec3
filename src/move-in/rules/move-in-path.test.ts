import { describe, expect, it } from "vitest";
import { checkGap } from "./gap.js";
import {
  asksProof,
  caseOpenedBy,
  MOVE_IN_PATHS,
  type MoveInPath,
  moveInPath,
  subscribesAtOnce,
} from "./move-in-path.js";

describe("R2–R5: the path of a move-in", () => {
  it.each([
    {
      name: "gap 5 m3 (within): subscribed at the declared index",
      gap: 5,
      proof: "WILL_SEND",
      path: "SUBSCRIBE_DECLARED",
    },
    {
      name: "gap 6 m3 (beyond), a proof coming: a case awaits it",
      gap: 6,
      proof: "WILL_SEND",
      path: "CASE_AWAIT_PROOF",
    },
    {
      name: "gap 6 m3, no proof: subscribed at the predecessor's",
      gap: 6,
      proof: "NONE",
      path: "SUBSCRIBE_PREDECESSOR",
    },
    {
      name: "gap −5 m3 (within), no proof: the declared index still",
      gap: -5,
      proof: "NONE",
      path: "SUBSCRIBE_DECLARED",
    },
    { name: "gap −6 m3 (beyond), a proof coming", gap: -6, proof: "WILL_SEND", path: "CASE_AWAIT_PROOF" },
  ] as const)("$name", ({ gap, proof, path }) => {
    const within = checkGap(1000, 1000 + gap).withinTolerance;
    expect(moveInPath(within, true, false, proof)).toBe(path);
  });

  it.each([
    {
      name: "gap 6 m3, no proof, with reconnection: back office (R5)",
      within: false,
      index: true,
      path: "CASE_NO_PROOF_BO",
    },
    {
      name: "gap 6 m3, a proof coming, with reconnection",
      within: false,
      index: true,
      path: "CASE_AWAIT_PROOF",
    },
    {
      name: "gap 5 m3 with reconnection: the declared index",
      within: true,
      index: true,
      path: "SUBSCRIBE_DECLARED",
    },
    {
      name: "no index known: the reconnection visit reads it (R5, R6)",
      within: null,
      index: false,
      path: "CASE_AWAIT_VISIT",
    },
  ] as const)("$name", ({ within, index, path }) => {
    const proof = path === "CASE_NO_PROOF_BO" ? "NONE" : "WILL_SEND";
    expect(moveInPath(within, index, true, proof)).toBe(path);
  });

  it("nothing to compare with (no termination): the declared index", () => {
    expect(moveInPath(null, true, false, "NONE")).toBe("SUBSCRIBE_DECLARED");
  });
});

describe("R3–R5: the case a move-in opens", () => {
  const expected: Record<MoveInPath, string | null> = {
    SUBSCRIBE_DECLARED: null,
    SUBSCRIBE_PREDECESSOR: "ARR_SPECIAL",
    CASE_AWAIT_PROOF: "ARR_SPECIAL",
    CASE_AWAIT_VISIT: "ARR_SPECIAL",
    CASE_NO_PROOF_BO: "ARR_SPECIAL",
  };
  it.each(MOVE_IN_PATHS)("%s without reconnection", (path) => {
    expect(caseOpenedBy(path, false)).toBe(expected[path]);
  });
  it.each(MOVE_IN_PATHS)("%s with reconnection: ARR_INTERVENTION, whatever the gap", (path) => {
    expect(caseOpenedBy(path, true)).toBe("ARR_INTERVENTION");
  });
});

describe("R2–R5: what each path does at the move-in itself", () => {
  const expected: Record<MoveInPath, { subscribes: boolean; asksProof: boolean }> = {
    SUBSCRIBE_DECLARED: { subscribes: true, asksProof: false },
    SUBSCRIBE_PREDECESSOR: { subscribes: true, asksProof: false },
    CASE_AWAIT_PROOF: { subscribes: false, asksProof: true },
    CASE_AWAIT_VISIT: { subscribes: false, asksProof: false },
    CASE_NO_PROOF_BO: { subscribes: false, asksProof: true },
  };
  it.each(MOVE_IN_PATHS)("%s", (path) => {
    expect({ subscribes: subscribesAtOnce(path), asksProof: asksProof(path) }).toEqual(expected[path]);
  });
});
