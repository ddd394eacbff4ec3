/**
 * How many documents one case may store (issue 14 #8): each is up to 10 MB in the database, so a case
 * cannot be made to hold an unbounded number of them. Checked under the case's row lock by the commands
 * that store one (receiveProof; any other command storing a document on a case must call it too).
 */
import type { Trx } from "../platform/db.js";
import { EcartError, ErrorCode } from "../platform/errors.js";

/** Most documents stored for one case (proof files). */
export const MAX_DOCUMENTS_PER_CASE = 20;

/** The refusal of one more document for a case that already stores `stored`, or null. */
export function documentCapRefusal(stored: number): EcartError | null {
  if (stored < MAX_DOCUMENTS_PER_CASE) return null;
  return new EcartError(
    ErrorCode.TOO_MANY_DOCUMENTS,
    `Ce dossier a déjà ${MAX_DOCUMENTS_PER_CASE} documents : aucun autre ne peut y être ajouté. Ajoutez un commentaire au dossier plutôt qu'un document de plus.`,
    `case already stores ${stored} documents (max ${MAX_DOCUMENTS_PER_CASE})`,
    "file",
  );
}

/** The documents a case stores now (proofs with a file). */
export async function storedDocumentCount(trx: Trx, caseId: string): Promise<number> {
  const r = await trx
    .selectFrom("proofs")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("case_id", "=", caseId)
    .where("content", "is not", null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Refuses a document for a case that stores MAX_DOCUMENTS_PER_CASE already (call with the case locked). */
export async function assertRoomForDocument(trx: Trx, caseId: string): Promise<void> {
  const refusal = documentCapRefusal(await storedDocumentCount(trx, caseId));
  if (refusal) throw refusal;
}
