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
  assertOpen,
  closeTasks,
  closeUnlessVisitPending,
  loadCaseForUpdate,
  openCase,
  setCaseSubscription,
} from "../../cases/store.js";
import { enqueue } from "../../communications/outbox.js";
import { audit } from "../../platform/audit.js";
import { only } from "../../platform/batch.js";
import type { CommandResult } from "../../platform/command.js";
import { type Context, today } from "../../platform/context.js";
import { frenchDate } from "../../platform/dates.js";
import type { Trx } from "../../platform/db.js";
import { EcartError, ErrorCode, fail } from "../../platform/errors.js";
import type { StartSource } from "../../platform/schema.js";
import { sameSerial } from "../../platform/serial.js";
import { isoDate, rawIndex, ref } from "../../platform/validate.js";
import { assertNotFuture } from "../../readings/commands.js";
import { parseIndexM3 } from "../../readings/index-m3.js";
import { appendReadings, indexAtDate } from "../../readings/store.js";
import { currentMeter, messageFacts, partyById } from "../../service-points/store.js";
import { assertRoomForDocument } from "../documents.js";
import { assertMoveInCase, knownTermination } from "../move-in-case.js";
import { prescribedStart } from "../rules/prescription.js";
import { insertSubscriptions } from "../store.js";

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

/** R7, R9, R10, R12: a proof reaches the back office. */
export async function receiveProof(trx: Trx, ctx: Context, raw: ReceiveProofInput): Promise<CommandResult> {
  const index = raw.index === null || raw.index === undefined ? null : parseIndexM3(raw.index);
  // R19: a document attached at the counter brings its kind, its file and the day it was received.
  const doc = raw.document ? await loadDocumentForProof(trx, raw.case, raw.document) : null;
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
  const isPhoto = kind === "METER_PHOTO";
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
  const docDate = date;
  assertNotFuture(ctx, docDate);
  const c = await loadCaseForUpdate(trx, input.case);
  assertMoveInCase(c);
  if (input.file) await assertRoomForDocument(trx, c.id);
  const meter = await currentMeter(trx, c.service_point_id);

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
  if (c.subscription_id && !isPhoto) {
    const proofId = await keep("LATE");
    const intCase = await openCase(trx, ctx, {
      type: "INT_EUROS",
      servicePointId: c.service_point_id,
      partyId: c.party_id,
      subscriptionId: c.subscription_id,
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
          `Justificatif (${PROOF_LABEL[input.kind]}) reçu après la mise en place de l'abonnement ${c.subscription_id} : ` +
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
    const at = index ?? (await remoteIndexAt(trx, c.service_point_id, docDate, meter));
    const predecessorCase =
      at === null
        ? null
        : await applyProofGap(trx, ctx, { ...c, termination: c.move_in.termination }, c.subscription_id, {
            id: proofId,
            kind: input.kind,
            date: docDate,
            index: at,
          });
    return {
      outcome: "REGULARIZATION_OPENED",
      case: intCase,
      subscription: c.subscription_id,
      ...(predecessorCase ? { predecessorCase } : {}),
    };
  }
  assertOpen(c);

  if (input.meterSerial && meter && !sameSerial(input.meterSerial, meter.serial)) {
    const err = new EcartError(
      ErrorCode.METER_SERIAL_MISMATCH,
      `Le matricule du justificatif (${input.meterSerial}) ne correspond pas au compteur du point de desserte (${meter.serial}) : justificatif refusé et conservé, dossier toujours ouvert.`,
      `proof meter serial ${input.meterSerial} differs from ${meter.serial}`,
      "meterSerial",
    );
    const proofId = await keep("REFUSED", err);
    await addComments(trx, ctx, [
      { caseId: c.id, body: `Justificatif ${proofId} refusé : ${err.messageFr}` },
    ]);
    return { outcome: "PROOF_REFUSED", case: c.id, proof: proofId, refusal: err };
  }
  const t = c.move_in.termination;
  if (docDate < t.date) {
    const err = new EcartError(
      ErrorCode.DATE_BEFORE_TERMINATION,
      `La date du justificatif (${frenchDate(docDate)}) est antérieure à la résiliation du prédécesseur (${frenchDate(t.date)}) : justificatif refusé et conservé, dossier toujours ouvert.`,
      `proof date ${docDate} is before the termination ${t.date}`,
      "date",
    );
    const proofId = await keep("REFUSED", err);
    await addComments(trx, ctx, [
      { caseId: c.id, body: `Justificatif ${proofId} refusé : ${err.messageFr}` },
    ]);
    return { outcome: "PROOF_REFUSED", case: c.id, proof: proofId, refusal: err };
  }

  if (isPhoto) {
    // R7: a meter photo complements; it is not an entry proof. The case stays open.
    const proofId = await keep("COMPLEMENT");
    let readingId: string | null = null;
    if (index !== null) {
      readingId = only(
        await appendReadings(trx, ctx, [
          {
            servicePointId: c.service_point_id,
            meterId: meter?.id ?? null,
            date: docDate,
            index,
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

  // R7: the start is the document's date and index; without index, the remote reading or the predecessor's.
  let indexAtProof = index;
  let source: StartSource = "PROOF";
  if (indexAtProof === null) {
    indexAtProof = await remoteIndexAt(trx, c.service_point_id, docDate, meter);
    if (indexAtProof !== null) source = "PROOF_DATE_REMOTE_INDEX";
  }
  // With no termination (no predecessor, no VALID reading) there is no index to fall back on: refused.
  let start = { date: docDate, index: indexAtProof ?? knownTermination(c).index };
  if (indexAtProof === null) source = "PROOF_DATE_PREDECESSOR_INDEX";

  // R10: the prescription moves the start to the processing day minus two years.
  const prescribed = prescribedStart(
    docDate,
    today(ctx),
    input.prescriptionInvoked ?? false,
    ctx.config.prescriptionYears,
  );
  if (prescribed) {
    const at = await indexAtDate(trx, c.service_point_id, prescribed);
    start = { date: prescribed, index: at?.index ?? start.index };
    source = "PRESCRIPTION";
  }

  const proofId = await keep("ACCEPTED");
  const sub = only(
    await insertSubscriptions(trx, ctx, [
      {
        servicePointId: c.service_point_id,
        meterId: meter?.id ?? null,
        partyId: c.party_id,
        caseId: c.id,
        date: start.date,
        index: start.index,
        source,
      },
    ]),
  );
  await setCaseSubscription(trx, c.id, sub.id);
  await closeTasks(trx, ctx, [c.id], "DONE");
  await addComments(trx, ctx, [
    {
      caseId: c.id,
      body:
        `Justificatif reçu (${PROOF_LABEL[input.kind]} du ${frenchDate(docDate)}${index !== null ? `, index ${index} m3` : ", sans index"}) : ` +
        `abonnement mis en place au ${frenchDate(start.date)} avec l'index ${start.index} m3` +
        `${prescribed ? " (prescription biennale opposée par le client)" : ""}.`,
    },
  ]);
  // R9: consumption between the two occupants (finding), or a predecessor billed too much (INT_EUROS).
  const predecessorCase =
    indexAtProof === null
      ? null
      : await applyProofGap(trx, ctx, { ...c, termination: t }, sub.id, {
          id: proofId,
          kind: input.kind,
          date: docDate,
          index: indexAtProof,
        });
  const party = await partyById(trx, c.party_id);
  await enqueue(trx, ctx, [
    {
      template: "CONFIRMATION_PROOF",
      to: party,
      facts: {
        ...(await messageFacts(trx, c.service_point_id, c.id)),
        proof: { kind: input.kind, label: PROOF_LABEL[input.kind], date: docDate, index },
        start: { ...start, source },
        termination: { date: t.date, index: t.index },
        prescription: prescribed !== null,
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
