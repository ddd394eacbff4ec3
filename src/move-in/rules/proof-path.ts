/**
 * R7, R9, R10, R12: what receiveProof does with a proof, decided from facts read beforehand. The command
 * writes what the decision says; POST /api/cases/:id/proofs/check shows it before confirming.
 */
import { proofGap } from "../../cases/rules/proof-gap.js";
import { frenchDate } from "../../platform/dates.js";
import { EcartError, ErrorCode } from "../../platform/errors.js";
import type { MoveInFacts, StartSource } from "../../platform/schema.js";
import { sameSerial } from "../../platform/serial.js";
import { prescribedStart } from "./prescription.js";
import { noTerminationRefusal } from "./termination.js";

/** R7: the kind of document that complements a case but is not an entry proof. */
export const COMPLEMENT_KIND = "METER_PHOTO";

/** The case and the service point as the proof finds them, read before deciding (no I/O here). */
export interface ProofFacts {
  case: { id: string; status: "OPEN" | "CLOSED"; subscription: string | null };
  termination: MoveInFacts["termination"];
  /** The serial of the service point's current meter, or null when it has none. */
  meterSerial: string | null;
  /** The processing day (Europe/Paris). */
  today: string;
  /** R7/R9: the remote reading taken for the proof's date (exact or between two), when one was looked up. */
  remoteIndexAtProofDate: number | null;
  /** R10: the index at the prescribed start (remote, else interpolated), when one was looked up. */
  indexAtPrescribedStart: number | null;
}

/** The proof as typed, its kind and date resolved (R19: from the attached document). */
export interface ProofDraft {
  kind: string;
  date: string;
  index: number | null;
  meterSerial: string | null;
  prescriptionInvoked: boolean;
}

/** The figures in force (the configuration's). */
export interface ProofFigures {
  toleranceM3: number;
  prescriptionYears: number;
}

/** R9: the index at the proof's date against the termination index, when both are known. */
export interface ProofGapFinding {
  indexAtProof: number;
  /** Where that index comes from: the document, or the remote reading of its date. */
  indexSource: "PROOF" | "REMOTE";
  /** indexAtProof − termination index, in m3. */
  value: number;
  toleranceM3: number;
  finding: "INTERMEDIATE" | "PREDECESSOR_OVERBILLED" | "NONE";
  /** An INT_EUROS case opens on the predecessor's subscription (billed too much). */
  opensPredecessorCase: boolean;
}

export type ProofDecision =
  /** R12: the subscription is already set up: the proof is kept LATE and an INT_EUROS case opens. */
  | { path: "LATE"; subscription: string; gap: ProofGapFinding | null }
  /** Refused. `kept`: the proof is stored as REFUSED and the case stays open; otherwise nothing is stored. */
  | { path: "REFUSED"; refusal: EcartError; kept: boolean }
  /** R7: a meter photo complements; a CUSTOMER reading when it shows an index. */
  | { path: "COMPLEMENT"; reading: { date: string; index: number } | null }
  /** R7/R10: the subscription starts here. */
  | {
      path: "SUBSCRIBE";
      start: { date: string; index: number; source: StartSource };
      /** R10: the prescribed start day, or null when the prescription has no effect. */
      prescribed: string | null;
      gap: ProofGapFinding | null;
    };

/** R7, R9, R10, R12: what receiveProof does with this proof on this case (pure: no I/O, no clock). */
export function decideProof(facts: ProofFacts, draft: ProofDraft, figures: ProofFigures): ProofDecision {
  const t = facts.termination;
  const isComplement = draft.kind === COMPLEMENT_KIND;
  const gap = proofGapFinding(facts, draft, figures);
  if (facts.case.subscription && !isComplement) {
    return { path: "LATE", subscription: facts.case.subscription, gap };
  }
  if (facts.case.status !== "OPEN") {
    const refusal = new EcartError(
      ErrorCode.CASE_CLOSED,
      `Le dossier ${facts.case.id} est clôturé.`,
      `case ${facts.case.id} is closed`,
      "case",
    );
    return { path: "REFUSED", refusal, kept: false };
  }
  if (draft.meterSerial && facts.meterSerial && !sameSerial(draft.meterSerial, facts.meterSerial)) {
    const refusal = new EcartError(
      ErrorCode.METER_SERIAL_MISMATCH,
      `Le matricule du justificatif (${draft.meterSerial}) ne correspond pas au compteur du point de desserte (${facts.meterSerial}) : justificatif refusé et conservé, dossier toujours ouvert.`,
      `proof meter serial ${draft.meterSerial} differs from ${facts.meterSerial}`,
      "meterSerial",
    );
    return { path: "REFUSED", refusal, kept: true };
  }
  if (draft.date < t.date) {
    const refusal = new EcartError(
      ErrorCode.DATE_BEFORE_TERMINATION,
      `La date du justificatif (${frenchDate(draft.date)}) est antérieure à la résiliation du prédécesseur (${frenchDate(t.date)}) : justificatif refusé et conservé, dossier toujours ouvert.`,
      `proof date ${draft.date} is before the termination ${t.date}`,
      "date",
    );
    return { path: "REFUSED", refusal, kept: true };
  }
  if (isComplement) {
    return {
      path: "COMPLEMENT",
      reading: draft.index === null ? null : { date: draft.date, index: draft.index },
    };
  }
  // R7: the document's date and index; without index, the remote reading of that date, else the predecessor's
  // (with none, NONE: refused, the start waits for the visit's reading).
  let start: { date: string; index: number; source: StartSource };
  if (draft.index !== null) start = { date: draft.date, index: draft.index, source: "PROOF" };
  else if (facts.remoteIndexAtProofDate !== null)
    start = { date: draft.date, index: facts.remoteIndexAtProofDate, source: "PROOF_DATE_REMOTE_INDEX" };
  else if (t.index !== null)
    start = { date: draft.date, index: t.index, source: "PROOF_DATE_PREDECESSOR_INDEX" };
  else return { path: "REFUSED", refusal: noTerminationRefusal(facts.case.id), kept: false };
  // R10: the prescription moves the start to the processing day minus N years, at the index of that day.
  const prescribed = proofPrescribedStart(facts, draft, figures);
  if (prescribed) {
    start = { date: prescribed, index: facts.indexAtPrescribedStart ?? start.index, source: "PRESCRIPTION" };
  }
  return { path: "SUBSCRIBE", start, prescribed, gap };
}

/** R10: the prescribed start of this proof, or null (the loader looks up its index before deciding). */
export function proofPrescribedStart(
  facts: Pick<ProofFacts, "today">,
  draft: Pick<ProofDraft, "date" | "prescriptionInvoked">,
  figures: Pick<ProofFigures, "prescriptionYears">,
): string | null {
  return prescribedStart(draft.date, facts.today, draft.prescriptionInvoked, figures.prescriptionYears);
}

/** R9: the proof's index (else the remote reading of its date) against the termination; null when either is unknown. */
function proofGapFinding(
  facts: ProofFacts,
  draft: ProofDraft,
  figures: ProofFigures,
): ProofGapFinding | null {
  const t = facts.termination;
  const indexAtProof = draft.index ?? facts.remoteIndexAtProofDate;
  if (indexAtProof === null || t.source === "NONE") return null;
  const finding = proofGap(t.index, indexAtProof, figures.toleranceM3);
  return {
    indexAtProof,
    indexSource: draft.index !== null ? "PROOF" : "REMOTE",
    value: indexAtProof - t.index,
    toleranceM3: figures.toleranceM3,
    finding,
    opensPredecessorCase: finding === "PREDECESSOR_OVERBILLED" && t.subscription !== null,
  };
}
