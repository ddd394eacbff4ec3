import { describe, expect, it } from "vitest";
import { decideProof, type ProofDraft, type ProofFacts } from "./proof-path.js";

const figures = { toleranceM3: 5, prescriptionYears: 2 };
const facts = (over: Partial<ProofFacts> = {}): ProofFacts => ({
  case: { id: "CASE-1", status: "OPEN", subscription: null },
  termination: { date: "2024-03-01", index: 1000, source: "SUBSCRIPTION", subscription: "SUB-OLD" },
  meterSerial: "M-1",
  today: "2024-03-10",
  remoteIndexAtProofDate: null,
  indexAtPrescribedStart: null,
  ...over,
});
const draft = (over: Partial<ProofDraft> = {}): ProofDraft => ({
  kind: "ENTRY_INVENTORY",
  date: "2024-03-02",
  index: null,
  meterSerial: null,
  prescriptionInvoked: false,
  ...over,
});

describe("decideProof: R9 at the tolerance's boundary (termination 1000 m3, tolerance 5 m3)", () => {
  it.each([
    { index: 1005, finding: "NONE", value: 5 },
    { index: 1006, finding: "INTERMEDIATE", value: 6 },
    { index: 995, finding: "NONE", value: -5 },
    { index: 994, finding: "PREDECESSOR_OVERBILLED", value: -6 },
    { index: 1000, finding: "NONE", value: 0 },
  ])("index $index m3 → $finding", ({ index, finding, value }) => {
    const d = decideProof(facts(), draft({ index }), figures);
    expect(d).toMatchObject({
      path: "SUBSCRIBE",
      start: { date: "2024-03-02", index, source: "PROOF" },
      gap: { indexAtProof: index, indexSource: "PROOF", value, toleranceM3: 5, finding },
    });
    if (d.path !== "SUBSCRIBE") throw new Error("subscribe expected");
    expect(d.gap?.opensPredecessorCase).toBe(finding === "PREDECESSOR_OVERBILLED");
  });

  it("takes the configured tolerance: 6 m3 is within a tolerance of 6", () => {
    const d = decideProof(facts(), draft({ index: 1006 }), { ...figures, toleranceM3: 6 });
    expect(d).toMatchObject({ gap: { finding: "NONE", toleranceM3: 6 } });
  });

  it("no INT_EUROS case for an overbilled predecessor without a subscription", () => {
    const t = { date: "2024-03-01", index: 1000, source: "READING" as const, subscription: null };
    const d = decideProof(facts({ termination: t }), draft({ index: 990 }), figures);
    expect(d).toMatchObject({ gap: { finding: "PREDECESSOR_OVERBILLED", opensPredecessorCase: false } });
  });
});

describe("decideProof: R7's start without an index on the document", () => {
  it("the remote reading taken for the proof's date (exact or interpolated by the loader)", () => {
    const d = decideProof(facts({ remoteIndexAtProofDate: 1003 }), draft(), figures);
    expect(d).toMatchObject({
      path: "SUBSCRIBE",
      start: { date: "2024-03-02", index: 1003, source: "PROOF_DATE_REMOTE_INDEX" },
      gap: { indexAtProof: 1003, indexSource: "REMOTE", finding: "NONE" },
    });
  });

  it("else the predecessor's termination index, and no R9 comparison", () => {
    const d = decideProof(facts(), draft(), figures);
    expect(d).toEqual({
      path: "SUBSCRIBE",
      start: { date: "2024-03-02", index: 1000, source: "PROOF_DATE_PREDECESSOR_INDEX" },
      prescribed: null,
      gap: null,
    });
  });

  it("no R9 comparison when the case has no termination index", () => {
    const t = { date: "2024-03-01", index: null, source: "NONE" as const, subscription: null };
    expect(decideProof(facts({ termination: t }), draft({ index: 1500 }), figures)).toMatchObject({
      path: "SUBSCRIBE",
      gap: null,
    });
  });
});

describe("decideProof: R10, R12, refusals and the meter photo", () => {
  it("R10: invoked on a document more than 2 years old, the start moves to today − 2 years", () => {
    const d = decideProof(
      facts({ today: "2026-03-10", indexAtPrescribedStart: 1100 }),
      draft({ index: 1002, prescriptionInvoked: true }),
      figures,
    );
    expect(d).toMatchObject({
      path: "SUBSCRIBE",
      prescribed: "2024-03-10",
      start: { date: "2024-03-10", index: 1100, source: "PRESCRIPTION" },
    });
  });

  it("R10: invoked on a recent document, no effect", () => {
    const d = decideProof(facts(), draft({ index: 1002, prescriptionInvoked: true }), figures);
    expect(d).toMatchObject({ path: "SUBSCRIBE", prescribed: null, start: { source: "PROOF" } });
  });

  it("R12: a subscription already set up makes any entry proof late, even on a closed case", () => {
    const c = { id: "CASE-1", status: "CLOSED" as const, subscription: "SUB-NEW" };
    const d = decideProof(facts({ case: c }), draft({ index: 1010 }), figures);
    expect(d).toMatchObject({ path: "LATE", subscription: "SUB-NEW", gap: { finding: "INTERMEDIATE" } });
  });

  it("a closed case without subscription refuses the proof, storing nothing", () => {
    const c = { id: "CASE-1", status: "CLOSED" as const, subscription: null };
    const d = decideProof(facts({ case: c }), draft({ index: 1010 }), figures);
    expect(d).toMatchObject({ path: "REFUSED", kept: false, refusal: { code: "CASE_CLOSED" } });
  });

  it("a serial that is not the meter's is refused and kept (outer spaces and case ignored)", () => {
    expect(decideProof(facts(), draft({ meterSerial: " m-1 " }), figures).path).toBe("SUBSCRIBE");
    const d = decideProof(facts(), draft({ meterSerial: "M-2" }), figures);
    expect(d).toMatchObject({ path: "REFUSED", kept: true, refusal: { code: "METER_SERIAL_MISMATCH" } });
  });

  it("a date before the termination is refused and kept; the termination day itself is accepted", () => {
    expect(decideProof(facts(), draft({ date: "2024-02-29" }), figures)).toMatchObject({
      path: "REFUSED",
      kept: true,
      refusal: { code: "DATE_BEFORE_TERMINATION", field: "date" },
    });
    expect(decideProof(facts(), draft({ date: "2024-03-01" }), figures).path).toBe("SUBSCRIBE");
  });

  it("R7: a meter photo complements (a reading when it shows an index), even with a subscription", () => {
    const c = { id: "CASE-1", status: "OPEN" as const, subscription: "SUB-NEW" };
    expect(decideProof(facts({ case: c }), draft({ kind: "METER_PHOTO", index: 1004 }), figures)).toEqual({
      path: "COMPLEMENT",
      reading: { date: "2024-03-02", index: 1004 },
    });
    expect(decideProof(facts(), draft({ kind: "METER_PHOTO" }), figures)).toEqual({
      path: "COMPLEMENT",
      reading: null,
    });
  });
});
