/**
 * The proof check shown before confirming (R7, R9, R10, R12, R19): what receiveProof would do with this
 * input now, from the same `assessProof` and `decideProof` as the command, in a read-only snapshot, so
 * nothing is written. The console shows its lines and holds no rule nor figure of its own.
 */

import { PROOF_LABEL } from "../../cases/documents.js";
import { R9_COMMENT } from "../../cases/intermediate.js";
import { hasPlannedIntervention } from "../../cases/store.js";
import { capitalized, m3, prescriptionName, yearsInWords } from "../../communications/french.js";
import { assessProof, type ReceiveProofInput } from "../../move-in/commands/receive-proof.js";
import type { ProofDecision, ProofGapFinding } from "../../move-in/rules/proof-path.js";
import type { Context } from "../../platform/context.js";
import { frenchDate } from "../../platform/dates.js";
import type { Database } from "../../platform/db.js";
import type { MoveInFacts } from "../../platform/schema.js";
import { fr, START_SOURCE_FR } from "../../reports/labels.js";
import type { ProofCheck } from "../api-shapes.js";
import { MAX_UPLOAD_BYTES } from "../uploads.js";
import { readOnly } from "./common.js";

/** How the console colours the answer: ok (subscribed), warn (regularisation), bad (refused), info. */
type Tone = "ok" | "warn" | "bad" | "info";

/** What `receiveProof` would do with this input on this case; throws the refusals that store nothing. */
export async function checkProof(
  db: Database,
  ctx: Context,
  input: Omit<ReceiveProofInput, "file">,
): Promise<ProofCheck> {
  return readOnly(db, async (trx) => {
    const a = await assessProof(trx, ctx, input, { lock: false });
    const d = a.decision;
    if (d.path === "REFUSED" && !d.kept) throw d.refusal;
    const visitPending = d.path === "SUBSCRIBE" ? await hasPlannedIntervention(trx, a.c.id) : false;
    const t = a.c.move_in.termination;
    const gap = d.path === "SUBSCRIBE" || d.path === "LATE" ? d.gap : null;
    return {
      path: d.path,
      kind: a.kind,
      date: a.draft.date,
      index: a.draft.index,
      document: a.doc ? { id: a.doc.id, kind: a.doc.kind, receivedOn: String(a.doc.received_on) } : null,
      refusal: d.path === "REFUSED" ? { code: d.refusal.code, message: d.refusal.messageFr } : null,
      start: d.path === "SUBSCRIBE" ? d.start : null,
      prescribed: d.path === "SUBSCRIBE" ? d.prescribed : null,
      reading: d.path === "COMPLEMENT" ? d.reading : null,
      termination: { date: t.date, index: t.source === "NONE" ? null : t.index },
      gap: gap
        ? {
            indexAtProof: gap.indexAtProof,
            indexSource: gap.indexSource,
            value: gap.value,
            finding: gap.finding,
          }
        : null,
      intermediateConsumption: gap?.finding === "INTERMEDIATE",
      opensEurosCase: {
        lateProof: d.path === "LATE",
        predecessorOverbilled: gap?.opensPredecessorCase ?? false,
      },
      closesCase: d.path === "SUBSCRIBE" && !visitPending,
      toleranceM3: ctx.config.toleranceM3,
      prescriptionYears: ctx.config.prescriptionYears,
      maxUploadBytes: MAX_UPLOAD_BYTES,
      tone: toneOf(d),
      lines: proofCheckLines(d, {
        date: a.draft.date,
        index: a.draft.index,
        kind: a.kind,
        prescriptionInvoked: a.draft.prescriptionInvoked,
        termination: t,
        visitPending,
        toleranceM3: ctx.config.toleranceM3,
        prescriptionYears: ctx.config.prescriptionYears,
      }),
    };
  });
}

const toneOf = (d: ProofDecision): Tone =>
  d.path === "SUBSCRIBE" ? "ok" : d.path === "LATE" ? "warn" : d.path === "REFUSED" ? "bad" : "info";

/** The decision in the advisor's words (French), with the case's figures and the figures in force. */
export function proofCheckLines(
  d: ProofDecision,
  f: {
    date: string;
    index: number | null;
    kind: keyof typeof PROOF_LABEL;
    prescriptionInvoked: boolean;
    termination: MoveInFacts["termination"];
    visitPending: boolean;
    toleranceM3: number;
    prescriptionYears: number;
  },
): string[] {
  const docIndex = f.index === null ? "sans index" : `index ${m3(f.index)}`;
  switch (d.path) {
    case "REFUSED":
      return [d.refusal.messageFr];
    case "COMPLEMENT":
      return [
        "Une photo du compteur n'est pas un justificatif d'entrée : un justificatif d'entrée reste attendu.",
        d.reading
          ? `Un relevé client de ${m3(d.reading.index)} au ${frenchDate(d.reading.date)} sera ajouté.`
          : "Sans index sur la photo, aucun relevé n'est ajouté.",
        "Le dossier reste ouvert.",
      ];
    case "LATE":
      return [
        `L'abonnement ${d.subscription} est déjà en place : il n'est pas modifié.`,
        `Un dossier INT vers EUROS sera ouvert pour régularisation (${PROOF_LABEL[f.kind]} du ${frenchDate(f.date)}, ${docIndex}).`,
        ...gapLines(d.gap, f),
      ];
    case "SUBSCRIBE": {
      const lines = [
        `Abonnement au ${frenchDate(d.start.date)}, index ${m3(d.start.index)} — ${fr(START_SOURCE_FR, d.start.source)}.`,
      ];
      if (d.prescribed)
        lines.push(
          `${capitalized(prescriptionName(f.prescriptionYears))} : début au ${frenchDate(d.prescribed)} (aujourd'hui moins ${yearsInWords(f.prescriptionYears)}), à l'index de cette date.`,
        );
      else if (f.prescriptionInvoked)
        lines.push(
          `Prescription invoquée mais le document a moins de ${yearsInWords(f.prescriptionYears)} : sans effet.`,
        );
      lines.push(...gapLines(d.gap, f));
      lines.push(
        f.visitPending
          ? "Confirmation écrite au client (justificatif), tâche traitée ; le dossier reste ouvert jusqu'au compte rendu de l'intervention."
          : "Confirmation écrite au client (justificatif), tâche traitée, dossier clôturé.",
      );
      return lines;
    }
  }
}

/** R9 in words: the index at the proof's date against the termination index and the tolerance. */
function gapLines(
  g: ProofGapFinding | null,
  f: { date: string; termination: MoveInFacts["termination"] },
): string[] {
  const t = f.termination;
  if (!g || t.source === "NONE") return [];
  const at =
    g.indexSource === "REMOTE"
      ? `la télérelève du ${frenchDate(f.date)} (${m3(g.indexAtProof)})`
      : `l'index du justificatif (${m3(g.indexAtProof)})`;
  const sign = g.value > 0 ? "+" : g.value < 0 ? "−" : "";
  const gap = `${sign}${m3(Math.abs(g.value))}`;
  switch (g.finding) {
    case "NONE":
      return [
        `Écart de ${gap} entre ${at} et l'index de résiliation (${m3(t.index)}) : dans la tolérance de ${m3(g.toleranceM3)}.`,
      ];
    case "INTERMEDIATE":
      return [
        `Consommation entre les occupants : ${m3(g.value)} du ${frenchDate(t.date)} au ${frenchDate(f.date)}, au-delà de la tolérance de ${m3(g.toleranceM3)} — commentaire « ${R9_COMMENT} ».`,
      ];
    case "PREDECESSOR_OVERBILLED":
      return [
        `${at[0]?.toUpperCase()}${at.slice(1)} est inférieur de ${m3(-g.value)} à l'index de résiliation (${m3(t.index)}), au-delà de la tolérance de ${m3(g.toleranceM3)} : ` +
          (g.opensPredecessorCase
            ? `un dossier INT vers EUROS sera ouvert sur l'abonnement ${t.subscription} de l'ancien occupant.`
            : "l'ancien occupant n'a pas d'abonnement à régulariser."),
      ];
  }
}
