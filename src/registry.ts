/**
 * Every command, in one table: its input schema and its handler. `execute` is the one way
 * in, for the CLI, the scenarios and the API: role check first, input checked, one
 * transaction, idempotent on a repeated key.
 */
import { createHash } from "node:crypto";
import type { z } from "zod";
import { assertMayRun, type Verb } from "./accounts/roles.js";
import { addComment, addCommentInput } from "./cases/comments.js";
import {
  answerContest,
  answerContestInput,
  closeRegularization,
  closeRegularizationInput,
  contest,
  contestInput,
  contestPersists,
  contestPersistsInput,
} from "./cases/contests.js";
import { attachDocument, attachDocumentInput } from "./cases/documents.js";
import { correctReading, correctReadingInput } from "./move-in/commands/correct-reading.js";
import { declareNoProof, declareNoProofInput } from "./move-in/commands/declare-no-proof.js";
import { interventionReport, interventionReportInput } from "./move-in/commands/intervention-report.js";
import { moveIn, moveInInput } from "./move-in/commands/move-in.js";
import { moveOut, moveOutInput } from "./move-in/commands/move-out.js";
import { mutation, mutationInput } from "./move-in/commands/mutation.js";
import { receiveProof, receiveProofInput } from "./move-in/commands/receive-proof.js";
import { requestProof, requestProofInput } from "./move-in/commands/request-proof.js";
import { type CommandDef, type CommandResult, def } from "./platform/command.js";
import type { Context } from "./platform/context.js";
import type { Database } from "./platform/db.js";
import { asConflict, EcartError, ErrorCode } from "./platform/errors.js";
import { parseInput } from "./platform/validate.js";
import {
  confirmReading,
  confirmReadingInput,
  recordReading,
  recordReadingInput,
} from "./readings/commands.js";

export type { CommandResult };

export const COMMANDS = {
  moveIn: def(moveInInput, moveIn),
  moveOut: def(moveOutInput, moveOut),
  mutation: def(mutationInput, mutation),
  declareNoProof: def(declareNoProofInput, declareNoProof),
  receiveProof: def(receiveProofInput, receiveProof),
  requestProof: def(requestProofInput, requestProof),
  interventionReport: def(interventionReportInput, interventionReport),
  recordReading: def(recordReadingInput, recordReading),
  correctReading: def(correctReadingInput, correctReading),
  confirmReading: def(confirmReadingInput, confirmReading),
  contest: def(contestInput, contest),
  answerContest: def(answerContestInput, answerContest),
  contestPersists: def(contestPersistsInput, contestPersists),
  closeRegularization: def(closeRegularizationInput, closeRegularization),
  addComment: def(addCommentInput, addComment),
  attachDocument: def(attachDocumentInput, attachDocument),
} satisfies Partial<Record<Verb, CommandDef<z.ZodType>>>;

export type CommandVerb = keyof typeof COMMANDS;
export const isCommandVerb = (v: string): v is CommandVerb => Object.hasOwn(COMMANDS, v);

export interface ExecuteOptions {
  /** A client's key: a repeat with the same key returns the first response (SPEC §6). */
  idempotencyKey?: string | undefined;
}

/** A request's fingerprint; binary content (an uploaded document) counts by its own checksum, not as text. */
const hashOf = (verb: string, input: unknown) =>
  createHash("sha256")
    .update(
      `${verb}\n${JSON.stringify(input, (_k, v) =>
        v instanceof Uint8Array ? `sha256:${createHash("sha256").update(v).digest("hex")}` : v,
      )}`,
    )
    .digest("hex");

/** What the idempotency table keeps of a result: JSON, with a refusal flattened. */
const storable = (r: CommandResult) => JSON.parse(JSON.stringify({ ...r, refusal: r.refusal?.toJSON() }));
const revive = (stored: CommandResult): CommandResult => {
  const ref = stored.refusal as unknown as { code: ErrorCode; message: string; field?: string } | undefined;
  return {
    ...stored,
    refusal: ref ? new EcartError(ref.code, ref.message, ref.message, ref.field) : undefined,
    duplicate: true,
  };
};

/** Runs one command: access check, input check, one transaction; throws EcartError on refusal. */
export async function execute(
  db: Database,
  ctx: Context,
  verb: CommandVerb,
  rawInput: unknown,
  opts: ExecuteOptions = {},
): Promise<CommandResult> {
  assertMayRun(ctx.actor.role, verb);
  const cmd = COMMANDS[verb] as CommandDef<z.ZodType>;
  const input = parseInput(cmd.input, rawInput);
  const key = opts.idempotencyKey;
  const requestHash = key ? hashOf(verb, rawInput) : "";
  try {
    return await db.kysely.transaction().execute(async (trx) => {
      if (key) {
        const seen = await trx
          .selectFrom("idempotency_keys")
          .selectAll()
          .where("key", "=", key)
          .executeTakeFirst();
        if (seen) {
          if (seen.request_hash !== requestHash || seen.actor !== ctx.actor.user) {
            throw new EcartError(
              ErrorCode.IDEMPOTENCY_KEY_REUSED,
              "Cette clé d'idempotence a déjà servi pour une autre demande.",
              `idempotency key ${key} reused with another request`,
              "Idempotency-Key",
            );
          }
          return revive(seen.response as CommandResult);
        }
      }
      const result = await cmd.run(trx, ctx, input);
      if (key) {
        await trx
          .insertInto("idempotency_keys")
          .values({
            key,
            actor: ctx.actor.user,
            command: verb,
            request_hash: requestHash,
            response: JSON.stringify(storable(result)),
            created_at: ctx.now,
          })
          .execute();
      }
      return result;
    });
  } catch (e) {
    if (e instanceof EcartError) throw e;
    const conflict = asConflict(e);
    if (conflict) {
      // A concurrent twin with the same key won: return its response.
      if (key) {
        const seen = await db.kysely
          .selectFrom("idempotency_keys")
          .selectAll()
          .where("key", "=", key)
          .executeTakeFirst();
        if (seen && seen.request_hash === requestHash) return revive(seen.response as CommandResult);
      }
      throw conflict;
    }
    throw e;
  }
}
