/** A free comment on a case, written by an advisor who may work it (docs/decisions.md). Append-only. */
import { z } from "zod";
import { audit } from "../platform/audit.js";
import type { CommandResult } from "../platform/command.js";
import type { Context, Role } from "../platform/context.js";
import type { Trx } from "../platform/db.js";
import { ErrorCode, fail } from "../platform/errors.js";
import type { CaseType } from "../platform/schema.js";
import { ref, text } from "../platform/validate.js";
import { addComments, assertOpen, loadCaseForUpdate } from "./store.js";

/** Longest free comment, in characters (after trimming). */
export const MAX_COMMENT_LENGTH = 2000;

export const addCommentInput = z.object({ case: ref, body: text(MAX_COMMENT_LENGTH) });

/** The case types a role may comment on: EUROS only its INT_EUROS cases (R14); FO and BO every case. */
export const mayCommentOn = (role: Role, type: CaseType): boolean =>
  role === "EUROS" ? type === "INT_EUROS" : role === "FO" || role === "BO";

/** Adds the advisor's comment to an open case; audited with its length only (the text is in the comment). */
export async function addComment(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof addCommentInput>,
): Promise<CommandResult> {
  const c = await loadCaseForUpdate(trx, input.case);
  if (!mayCommentOn(ctx.actor.role, c.type)) {
    fail(
      ErrorCode.FORBIDDEN,
      "Le service EUROS ne commente que les dossiers INT vers EUROS.",
      `role ${ctx.actor.role} may not comment on ${c.type} case ${c.id}`,
      "case",
    );
  }
  assertOpen(c);
  await addComments(trx, ctx, [{ caseId: c.id, body: input.body }]);
  await audit(trx, ctx, "case.commented", "case", c.id, { length: input.body.length });
  return { outcome: "COMMENT_ADDED", case: c.id };
}
