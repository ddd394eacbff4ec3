/**
 * R19: a document handed in at the counter. FO (or BO) attaches the customer's document to the case:
 * the file, its kind, the day it was received. BO's receiveProof processes it later without a new upload.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { audit } from "../platform/audit.js";
import type { CommandResult } from "../platform/command.js";
import { type Context, today } from "../platform/context.js";
import type { Trx } from "../platform/db.js";
import { EcartError, ErrorCode, fail } from "../platform/errors.js";
import type { ProofKind } from "../platform/schema.js";
import { isoDate, ref } from "../platform/validate.js";
import { assertNotFuture } from "../readings/commands.js";
import { loadCaseForUpdate } from "./store.js";

/** R19: every kind of document a customer hands in; all but METER_PHOTO are entry proofs (R7). */
export const PROOF_KINDS = ["SALE_DEED", "NOTARY_CERTIFICATE", "ENTRY_INVENTORY", "METER_PHOTO"] as const;
/** R19: the accepted entry proofs. */
export const ENTRY_PROOF_KINDS = ["SALE_DEED", "NOTARY_CERTIFICATE", "ENTRY_INVENTORY"] as const;

/** The French name of each kind, for comments and letters. */
export const PROOF_LABEL: Record<ProofKind, string> = {
  SALE_DEED: "acte de vente",
  NOTARY_CERTIFICATE: "attestation notariée",
  ENTRY_INVENTORY: "état des lieux d'entrée",
  METER_PHOTO: "photo du compteur",
};

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A document's file as uploaded (its type recognised by its first bytes: http/uploads.ts). */
export const documentFile = z.object({
  name: z.string().max(200),
  contentType: z.enum(["application/pdf", "image/jpeg", "image/png"]),
  content: z.instanceof(Uint8Array),
});

export const attachDocumentInput = z.object({
  case: ref,
  kind: z.enum(PROOF_KINDS),
  /** The day the customer handed it in; today when not said. */
  receivedOn: isoDate.nullish(),
  /** The scan; the API's multipart route requires one, a scenario may record a paper document without. */
  file: documentFile.nullish(),
});

/** R19: FO attaches the customer's document to the case. */
export async function attachDocument(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof attachDocumentInput>,
): Promise<CommandResult> {
  const receivedOn = input.receivedOn ?? today(ctx);
  assertNotFuture(ctx, receivedOn, "receivedOn");
  const c = await loadCaseForUpdate(trx, input.case);
  if (c.type === "INT_EUROS") {
    fail(
      ErrorCode.NOT_A_MOVE_IN_CASE,
      `Le dossier ${c.id} est un dossier INT vers EUROS : joignez le document au dossier d'arrivée.`,
      `case ${c.id} is INT_EUROS`,
      "case",
    );
  }
  const f = input.file ?? null;
  const row = await trx
    .insertInto("case_documents")
    .values({
      case_id: c.id,
      kind: input.kind,
      received_on: receivedOn,
      file_name: f?.name ?? null,
      content_type: f?.contentType ?? null,
      size_bytes: f ? f.content.length : null,
      sha256: f ? sha256(f.content) : null,
      content: f?.content ?? null,
      attached_at: ctx.now,
      attached_by: ctx.actor.user,
      entity: ctx.actor.entity,
      proof_id: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await audit(trx, ctx, "document.attached", "case", c.id, {
    document: row.id,
    kind: input.kind,
    receivedOn,
    file: f ? { name: f.name, size: f.content.length } : null,
  });
  return { outcome: "DOCUMENT_ATTACHED", case: c.id, document: row.id };
}

/**
 * R19: the attached document receiveProof processes, locked (unless `lock` is false: the proof check reads
 * in a read-only snapshot); refused when it is another case's or already processed.
 */
export async function loadDocumentForProof(trx: Trx, caseId: string, id: string, { lock = true } = {}) {
  const q = trx.selectFrom("case_documents").selectAll().where("id", "=", id);
  const doc = await (lock ? q.forUpdate() : q).executeTakeFirst();
  if (!doc || doc.case_id !== caseId)
    throw new EcartError(
      ErrorCode.UNKNOWN_REFERENCE,
      `Document inconnu sur le dossier ${caseId} : ${id}.`,
      `no document ${id} on case ${caseId}`,
      "document",
    );
  if (doc.proof_id)
    fail(
      ErrorCode.DOCUMENT_ALREADY_USED,
      `Le document ${id} a déjà été traité (justificatif ${doc.proof_id}).`,
      `document ${id} already processed as ${doc.proof_id}`,
      "document",
    );
  return doc;
}

/** R19: the document is now the proof `proofId`. */
export async function markDocumentProcessed(trx: Trx, id: string, proofId: string) {
  await trx.updateTable("case_documents").set({ proof_id: proofId }).where("id", "=", id).execute();
}
