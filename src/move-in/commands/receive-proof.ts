/** R7, R9, R10, R12: a proof reaches the back office. */
import { createHash } from "node:crypto";
import { z } from "zod";
import {
  documentFile,
  loadDocumentForProof,
  markDocumentProcessed,
  PROOF_KINDS,
  PROOF_LABEL,
} from "../../cases/documents.js";
import { applyProofGap } from "../../cases/intermediate.js";
import {
  addComments,
  closeTasks,
  closeUnlessVisitPending,
  loadCase,
  loadCaseForUpdate,
  openCase,
  setCaseSubscription,
} from "../../cases/store.js";
import { prescriptionName } from "../../communications/french.js";
import { enqueue } from "../../communications/outbox.js";
import { audit } from "../../platform/audit.js";
import { only } from "../../platform/batch.js";
import type { CommandResult } from "../../platform/command.js";
import { type Context, today } from "../../platform/context.js";
import { frenchDate } from "../../platform/dates.js";
import type { Trx } from "../../platform/db.js";
import { type EcartError, ErrorCode, fail } from "../../platform/errors.js";
import { isoDate, rawIndex, ref } from "../../platform/validate.js";
import { assertNotFuture } from "../../readings/commands.js";
import { parseIndexM3 } from "../../readings/index-m3.js";
import { appendReadings, indexAtDate } from "../../readings/store.js";
import { currentMeter, messageFacts, partyById } from "../../service-points/store.js";
import { assertRoomForDocument } from "../documents.js";
import { assertMoveInCase } from "../move-in-case.js";
import {
  COMPLEMENT_KIND,
  decideProof,
  type ProofDraft,
  type ProofFacts,
  proofPrescribedStart,
} from "../rules/proof-path.js";
import { insertSubscriptions, subscriptionForCase } from "../store.js";

export const receiveProofInput = z.object({
  case: ref,
  /** The document's kind; with `document`, the attached document's kind when not said. */
  kind: z.enum(PROOF_KINDS).nullish(),
  /** R19: a document attached at the counter (attachDocument): processed without a new upload. */
  document: ref.nullish(),
  date: isoDate.nullish(),
  index: rawIndex.nullish(),
  meterSerial: z.string().max(40).nullish(),
  prescriptionInvoked: z.boolean().nullish(),
  /** The document itself: its size and checksum are computed here, never taken from the client. */
  file: documentFile.nullish(),
});
export type ReceiveProofInput = z.infer<typeof receiveProofInput>;

/**
 * What receiveProof would do with this input, and what it read to decide: the command's first half, shared
 * with POST /api/cases/:id/proofs/check. `lock`: the command locks the case and the document; the check
 * reads them in a read-only snapshot. Throws the refusals that store nothing.
 */
export async function assessProof(
  trx: Trx,
  ctx: Context,
  raw: ReceiveProofInput,
  { lock }: { lock: boolean },
) {
  const index = raw.index === null || raw.index === undefined ? null : parseIndexM3(raw.index);
  // R19: a document attached at the counter brings its kind, its file and the day it was received.
  const doc = raw.document ? await loadDocumentForProof(trx, raw.case, raw.document, { lock }) : null;
  if (doc && raw.file) {
    fail(
      ErrorCode.INVALID_INPUT,
      `Le document ${doc.id} est déjà joint au dossier : n'envoyez pas de nouveau fichier.`,
      "file sent with an attached document",
      "file",
    );
  }
  const kind = raw.kind ?? doc?.kind;
  if (!kind) {
    fail(
      ErrorCode.INVALID_INPUT,
      "Le type de justificatif est obligatoire.",
      "proof kind is required",
      "kind",
    );
  }
  const isPhoto = kind === COMPLEMENT_KIND;
  // R19: a meter photo without a date is dated the day it was received.
  const date = raw.date ?? (isPhoto ? (doc?.received_on ?? today(ctx)) : null);
  if (!date) {
    fail(
      ErrorCode.INVALID_INPUT,
      "La date d'entrée figurant sur le justificatif est obligatoire.",
      "proof date is required",
      "date",
    );
  }
  assertNotFuture(ctx, date);
  const c = lock ? await loadCaseForUpdate(trx, raw.case) : await loadCase(trx, raw.case);
  assertMoveInCase(c);
  const meter = await currentMeter(trx, c.service_point_id);
  const draft: ProofDraft = {
    kind,
    date,
    index,
    meterSerial: raw.meterSerial ?? null,
    prescriptionInvoked: raw.prescriptionInvoked ?? false,
  };
  const day = today(ctx);
  // The readings the decision may need: the remote reading of the proof's date, the index at the prescribed start.
  const remote =
    index === null && !isPhoto ? await remoteIndexAt(trx, c.service_point_id, date, meter) : null;
  const prescribed = isPhoto ? null : proofPrescribedStart({ today: day }, draft, ctx.config);
  const atPrescribed = prescribed
    ? ((await indexAtDate(trx, c.service_point_id, prescribed))?.index ?? null)
    : null;
  const facts: ProofFacts = {
    case: { id: c.id, status: c.status, subscription: c.subscription_id },
    termination: c.move_in.termination,
    meterSerial: meter?.serial ?? null,
    today: day,
    remoteIndexAtProofDate: remote,
    indexAtPrescribedStart: atPrescribed,
  };
  return { c, doc, meter, kind, draft, facts, decision: decideProof(facts, draft, ctx.config) };
}

/** R7, R9, R10, R12: a proof reaches the back office. */
export async function receiveProof(trx: Trx, ctx: Context, raw: ReceiveProofInput): Promise<CommandResult> {
  const { c, doc, meter, kind, draft, decision: d } = await assessProof(trx, ctx, raw, { lock: true });
  const { index } = draft;
  const docDate = draft.date;
  const file =
    raw.file ??
    (doc?.content && doc.content_type
      ? {
          name: doc.file_name ?? doc.id,
          contentType: doc.content_type as NonNullable<ReceiveProofInput["file"]>["contentType"],
          content: doc.content,
        }
      : null);
  const input = { ...raw, kind, file };
  if (input.file) await assertRoomForDocument(trx, c.id);

  const keep = async (status: "ACCEPTED" | "REFUSED" | "COMPLEMENT" | "LATE", refusal?: EcartError) => {
    const row = await trx
      .insertInto("proofs")
      .values({
        case_id: c.id,
        kind: input.kind,
        doc_date: docDate,
        doc_index: index,
        meter_serial: input.meterSerial ?? null,
        prescription_invoked: input.prescriptionInvoked ?? false,
        status,
        refusal_code: refusal?.code ?? null,
        refusal_reason: refusal?.messageFr ?? null,
        file_name: input.file?.name ?? null,
        content_type: input.file?.contentType ?? null,
        size_bytes: input.file ? input.file.content.length : null,
        sha256: input.file ? createHash("sha256").update(input.file.content).digest("hex") : null,
        content: input.file?.content ?? null,
        received_at: ctx.now,
        received_by: ctx.actor.user,
        entity: ctx.actor.entity,
        document_id: doc?.id ?? null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    if (doc) await markDocumentProcessed(trx, doc.id, row.id);
    await audit(trx, ctx, `proof.${status.toLowerCase()}`, "proof", row.id, {
      case: c.id,
      kind: input.kind,
      refusal: refusal?.code,
    });
    return row.id;
  };

  // R12: a proof after the subscription was set up does not rewrite it: regularisation by EUROS.
  if (d.path === "LATE") {
    const proofId = await keep("LATE");
    const intCase = await openCase(trx, ctx, {
      type: "INT_EUROS",
      servicePointId: c.service_point_id,
      partyId: c.party_id,
      subscriptionId: d.subscription,
      relatedCaseId: c.id,
      regularization: {
        motive: "LATE_PROOF",
        proof: { id: proofId, kind: input.kind, date: docDate, index },
      },
    });
    await addComments(trx, ctx, [
      {
        caseId: intCase,
        body:
          `Justificatif (${PROOF_LABEL[input.kind]}) reçu après la mise en place de l'abonnement ${d.subscription} : ` +
          `date d'entrée ${frenchDate(docDate)}${index !== null ? `, index ${index} m3` : ", sans index"}. Régularisation à effectuer par le service EUROS.`,
      },
    ]);
    await addComments(trx, ctx, [
      {
        caseId: c.id,
        body: `Justificatif reçu après abonnement : dossier ${intCase} transmis au service EUROS.`,
      },
    ]);
    // R9 holds for a late proof too: the finding on the ARR case, or the predecessor's INT_EUROS case.
    const predecessorCase = d.gap
      ? await applyProofGap(trx, ctx, { ...c, termination: c.move_in.termination }, d.subscription, {
          id: proofId,
          kind: input.kind,
          date: docDate,
          index: d.gap.indexAtProof,
        })
      : null;
    return {
      outcome: "REGULARIZATION_OPENED",
      case: intCase,
      subscription: d.subscription,
      ...(predecessorCase ? { predecessorCase } : {}),
    };
  }

  if (d.path === "REFUSED") {
    if (!d.kept) throw d.refusal;
    const proofId = await keep("REFUSED", d.refusal);
    await addComments(trx, ctx, [
      { caseId: c.id, body: `Justificatif ${proofId} refusé : ${d.refusal.messageFr}` },
    ]);
    return { outcome: "PROOF_REFUSED", case: c.id, proof: proofId, refusal: d.refusal };
  }

  if (d.path === "COMPLEMENT") {
    // R7: a meter photo complements; it is not an entry proof. The case stays open.
    const proofId = await keep("COMPLEMENT");
    let readingId: string | null = null;
    if (d.reading) {
      readingId = only(
        await appendReadings(trx, ctx, [
          {
            servicePointId: c.service_point_id,
            meterId: meter?.id ?? null,
            date: d.reading.date,
            index: d.reading.index,
            type: "CUSTOMER",
          },
        ]),
      ).id;
    }
    await addComments(trx, ctx, [
      {
        caseId: c.id,
        body:
          `Photo du compteur reçue${index !== null ? ` : index ${index} m3 le ${frenchDate(docDate)}` : ""}` +
          `${input.meterSerial ? `, matricule ${input.meterSerial} confirmé` : ""}. Complément seulement : un justificatif d'entrée reste attendu.`,
      },
    ]);
    return { outcome: "PROOF_ACCEPTED", case: c.id, proof: proofId, reading: readingId };
  }

  // R7/R10: the start decided; R9 below.
  const { start, prescribed } = d;
  const t = c.move_in.termination;
  const proofId = await keep("ACCEPTED");
  const sub = only(await insertSubscriptions(trx, ctx, [subscriptionForCase(c, meter, start, start.source)]));
  await setCaseSubscription(trx, c.id, sub.id);
  await closeTasks(trx, ctx, [c.id], "DONE");
  await addComments(trx, ctx, [
    {
      caseId: c.id,
      body:
        `Justificatif reçu (${PROOF_LABEL[input.kind]} du ${frenchDate(docDate)}${index !== null ? `, index ${index} m3` : ", sans index"}) : ` +
        `abonnement mis en place au ${frenchDate(start.date)} avec l'index ${start.index} m3` +
        `${prescribed ? ` (${prescriptionName(ctx.config.prescriptionYears)} opposée par le client)` : ""}.`,
    },
  ]);
  // R9: consumption between the two occupants (finding), or a predecessor billed too much (INT_EUROS).
  const predecessorCase = d.gap
    ? await applyProofGap(trx, ctx, { ...c, termination: t }, sub.id, {
        id: proofId,
        kind: input.kind,
        date: docDate,
        index: d.gap.indexAtProof,
      })
    : null;
  const party = await partyById(trx, c.party_id);
  await enqueue(trx, ctx, [
    {
      template: "CONFIRMATION_PROOF",
      to: party,
      facts: {
        ...(await messageFacts(trx, c.service_point_id, c.id)),
        proof: { kind: input.kind, label: PROOF_LABEL[input.kind], date: docDate, index },
        start,
        termination: { date: t.date, index: t.index },
        prescription: prescribed !== null,
        ...(prescribed !== null ? { prescriptionYears: ctx.config.prescriptionYears } : {}),
      },
    },
  ]);
  await closeUnlessVisitPending(trx, ctx, c.id);
  // SPEC §7: a step that opens an INT_EUROS case names it in `case`; the move-in case stays in `moveInCase`.
  return predecessorCase
    ? { outcome: "SUBSCRIBED", case: predecessorCase, moveInCase: c.id, subscription: sub.id, proof: proofId }
    : { outcome: "SUBSCRIBED", case: c.id, subscription: sub.id, proof: proofId };
}

/** R7/R9: the remote reading of that date where the meter has one, else null. */
async function remoteIndexAt(
  trx: Trx,
  servicePointId: string,
  date: string,
  meter: { remote_reading: boolean } | null,
): Promise<number | null> {
  if (!meter?.remote_reading) return null;
  return (await indexAtDate(trx, servicePointId, date, { remoteOnly: true }))?.index ?? null;
}
