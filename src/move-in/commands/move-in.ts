/** R1–R5: a move-in, always checked against the predecessor's termination index; and its assessment, shared with the check. */
import { z } from "zod";
import {
  addComments,
  addTasks,
  loadCaseForUpdate,
  openCase,
  planReconnection,
  setCaseSubscription,
} from "../../cases/store.js";
import { only } from "../../platform/batch.js";
import type { CommandResult } from "../../platform/command.js";
import type { Context } from "../../platform/context.js";
import { frenchDate } from "../../platform/dates.js";
import type { Database, Trx } from "../../platform/db.js";
import { ErrorCode, fail } from "../../platform/errors.js";
import type { KnownTermination, MoveInFacts } from "../../platform/schema.js";
import { isoDate, rawIndex, ref, text } from "../../platform/validate.js";
import { assertNotFuture } from "../../readings/commands.js";
import { parseIndexM3 } from "../../readings/index-m3.js";
import { indexAcrossRollover, type PlausibilityInput } from "../../readings/plausibility.js";
import { appendReadings, plausibilityInputOf } from "../../readings/store.js";
import { lockServicePoint, unknownServicePoint } from "../../service-points/store.js";
import { assertMoveInCase, beforeTermination } from "../move-in-case.js";
import { proofDeadline, proofDueDate } from "../rules/deadline.js";
import { checkGap, type GapCheck } from "../rules/gap.js";
import { asksProof, caseOpenedBy, type MoveInPath, moveInPath } from "../rules/move-in-path.js";
import { statusOfReading, terminationFrom } from "../rules/termination.js";
import { requestProofOn, subscribeAtPredecessor } from "../steps.js";
import {
  createParty,
  insertSubscriptions,
  loadMoveInFacts,
  type MoveInStoredFacts,
  samePerson,
} from "../store.js";
import {
  gapSentence,
  proofRequestComment,
  R5_NO_PROOF_COMMENT,
  suspectTerminationSentence,
} from "../wording.js";

export const customer = z.object({
  name: text(200),
  email: z.email().max(254).nullish(),
  phone: z.string().max(40).nullish(),
  address: z.string().max(400).nullish(),
});

export const moveInInput = z.object({
  servicePoint: ref,
  customer,
  date: isoDate,
  index: rawIndex.nullish(),
  reconnection: z.boolean(),
  proof: z.enum(["WILL_SEND", "NONE"]),
});
export type MoveInInput = z.infer<typeof moveInInput>;

/** What a move-in would do, decided before anything is written (the console shows it before confirming). */
export interface MoveInAssessment {
  servicePoint: { id: string; address: string; owner_name: string | null };
  meter: MoveInStoredFacts["meter"];
  index: number | null;
  /** The first result when this repeats a move-in of the same person (SPEC §6); nothing else applies then. */
  duplicate: CommandResult | null;
  /** The predecessor's termination (or the last valid reading standing in for it); null when neither exists. */
  termination: KnownTermination | null;
  /** §4: the termination index is a SUSPECT reading of the history. */
  terminationSuspect: boolean;
  gap: GapCheck | null;
  path: MoveInPath;
  /** The proof deadline the customer must be told, when the path asks for a proof. */
  dueDate: string | null;
  /** SPEC §4: the current meter's earlier VALID readings up to the move-in date, for the declared index. */
  history: PlausibilityInput;
}

/**
 * R1–R5: checks a move-in against the predecessor's termination index and decides its path, from the
 * facts `loadMoveInFacts` reads. Reads only. In a command's transaction the service point is locked first
 * (the facts are then read after every command before); given the database, they are read by prepared
 * statements (the check). `read`: the facts as the caller reads them (the check over HTTP, whose first
 * statement also reads its bearer token's account), asked for after the input checks.
 */
export async function assessMoveIn(
  at: Database | Trx,
  ctx: Context,
  input: MoveInInput,
  read?: () => Promise<MoveInStoredFacts>,
): Promise<MoveInAssessment> {
  const index = input.index === null || input.index === undefined ? null : parseIndexM3(input.index);
  if (index === null && !input.reconnection) {
    fail(
      ErrorCode.INVALID_INPUT,
      "L'index d'arrivée est obligatoire pour une arrivée sans remise en eau.",
      "index is required for a move-in without reconnection",
      "index",
    );
  }
  assertNotFuture(ctx, input.date);
  if (!read && !("kysely" in at)) await lockServicePoint(at, input.servicePoint);
  const f = read ? await read() : await loadMoveInFacts(at, input.servicePoint, input.date);
  const sp = f.servicePoint;
  if (!sp) throw unknownServicePoint(input.servicePoint);
  const meter = f.meter;
  const base = {
    servicePoint: sp,
    meter,
    index,
    termination: null,
    terminationSuspect: false,
    gap: null,
    dueDate: null,
    history: plausibilityInputOf(f.histories, meter?.id ?? null),
  };

  // SPEC §6: a repeated move-in for the same person returns the first result.
  const current = f.openSubscription;
  if (current) {
    if (samePerson(input.customer, current)) {
      const duplicate = {
        outcome: "SUBSCRIBED",
        case: current.case_id,
        subscription: current.id,
        duplicate: true,
      };
      return { ...base, duplicate, path: "SUBSCRIBE_DECLARED" };
    }
    fail(
      ErrorCode.PREDECESSOR_NOT_TERMINATED,
      `Le contrat en cours (${current.id}) sur ce point de desserte n'est pas résilié : enregistrez d'abord le départ de l'occupant.`,
      `current subscription ${current.id} at ${sp.id} has not ended`,
      "servicePoint",
    );
  }
  const dup = f.openCases.find((c) => samePerson(input.customer, c));
  if (dup) {
    const duplicate = { outcome: "CASE_OPENED", case: dup.id, subscription: null, duplicate: true };
    return { ...base, duplicate, path: "CASE_AWAIT_PROOF" };
  }

  const termination = terminationFrom(f.termination);
  if (termination && input.date < termination.date) beforeTermination(input.date, termination, "date");
  const gap =
    index !== null && termination
      ? checkGap(
          termination.index,
          indexAcrossRollover(termination.index, index, meter?.digits),
          ctx.config.toleranceM3,
        )
      : null;
  const path = moveInPath(gap ? gap.withinTolerance : null, index !== null, input.reconnection, input.proof);
  return {
    ...base,
    duplicate: null,
    termination,
    terminationSuspect: termination ? statusOfReading(f.datedReadings, termination) === "SUSPECT" : false,
    gap,
    path,
    dueDate: asksProof(path)
      ? proofDueDate(ctx.now, ctx.config.proofDeadlineDays, ctx.config.timeZone)
      : null,
  };
}

/** R1–R5: a move-in is always checked against the predecessor's termination index. */
export async function moveIn(trx: Trx, ctx: Context, input: MoveInInput): Promise<CommandResult> {
  const a = await assessMoveIn(trx, ctx, input);
  if (a.duplicate) return a.duplicate;
  const { servicePoint: sp, meter, index, termination, terminationSuspect, gap, path } = a;

  const party = await createParty(trx, ctx, input.customer, sp.address);
  const facts: MoveInFacts = {
    date: input.date,
    index,
    reconnection: input.reconnection,
    proof: input.proof,
    // With nothing to compare with, the move-in itself is the reference (SPEC §6).
    termination: termination ?? { date: input.date, index: null, source: "NONE", subscription: null },
    gap: gap?.gap ?? null,
    proofRequested: false,
  };
  const warnings: string[] = terminationSuspect ? ["TERMINATION_INDEX_SUSPECT"] : [];

  // The case this path opens (R3–R5): a reconnection's first, whatever the gap.
  const caseType = caseOpenedBy(path, input.reconnection);
  let caseId: string | null = null;
  if (caseType === "ARR_INTERVENTION") {
    caseId = await openCase(trx, ctx, {
      type: "ARR_INTERVENTION",
      servicePointId: sp.id,
      partyId: party.id,
      moveIn: facts,
    });
    await planReconnection(trx, caseId, ctx.now);
    await addComments(trx, ctx, [
      {
        caseId,
        body: `Arrivée avec remise en eau au ${frenchDate(input.date)}${index === null ? " : index non connu du client, relevé attendu lors de l'intervention" : ` : index déclaré ${index} m3`}.`,
      },
    ]);
    if (terminationSuspect && termination)
      await addComments(trx, ctx, [{ caseId, body: suspectTerminationSentence(termination) }]);
  }

  // Within tolerance (or nothing to compare with): the declared index is the newcomer's start (R2).
  if (path === "SUBSCRIBE_DECLARED") {
    const sub = only(
      await insertSubscriptions(trx, ctx, [
        {
          servicePointId: sp.id,
          meterId: meter?.id ?? null,
          partyId: party.id,
          caseId,
          date: input.date,
          index: index as number,
          source: "DECLARED",
        },
      ]),
    );
    if (caseId) await setCaseSubscription(trx, caseId, sub.id);
    return {
      outcome: "SUBSCRIBED",
      case: caseId,
      subscription: sub.id,
      reading: sub.readingId,
      gap: facts.gap,
      warnings,
    };
  }

  // Beyond tolerance, or an unknown index: no subscription yet. The declared index enters the history.
  if (caseType === null) throw new Error(`move-in: ${path} opens a case, caseOpenedBy says none`);
  let readingId: string | null = null;
  if (index !== null) {
    readingId = only(
      await appendReadings(trx, ctx, [
        {
          servicePointId: sp.id,
          meterId: meter?.id ?? null,
          date: input.date,
          index,
          type: "CUSTOMER",
        },
      ]),
    ).id;
  }
  if (!caseId) {
    caseId = await openCase(trx, ctx, {
      type: caseType,
      servicePointId: sp.id,
      partyId: party.id,
      moveIn: facts,
    });
    if (terminationSuspect && termination)
      await addComments(trx, ctx, [{ caseId, body: suspectTerminationSentence(termination) }]);
  }
  if (gap && termination && index !== null) {
    await addComments(trx, ctx, [
      { caseId, body: gapSentence(termination, input.date, index, gap, ctx.config.toleranceM3) },
    ]);
  }

  if (path === "SUBSCRIBE_PREDECESSOR") {
    // R4 at the move-in itself: the customer has no proof; subscribed at once, the case recorded and closed.
    const caseRow = await loadCaseForUpdate(trx, caseId);
    assertMoveInCase(caseRow);
    const sub = await subscribeAtPredecessor(
      trx,
      ctx,
      caseRow,
      "Le client déclare ne pas avoir de justificatif",
    );
    return {
      outcome: "SUBSCRIBED",
      case: caseId,
      subscription: sub,
      reading: readingId,
      gap: facts.gap,
      warnings,
    };
  }
  if (path === "CASE_NO_PROOF_BO") {
    // R5: with reconnection, BO sets the subscription up (declareNoProof); the same 15 days apply in BO.
    await addComments(trx, ctx, [{ caseId, body: R5_NO_PROOF_COMMENT }]);
    await addTasks(trx, ctx, [
      {
        caseId,
        kind: "SUBSCRIBE_AT_PREDECESSOR",
        deadline: proofDeadline(ctx.now, ctx.config.proofDeadlineDays, ctx.config.timeZone),
      },
    ]);
  } else if (path === "CASE_AWAIT_PROOF") {
    await requestProofOn(trx, ctx, caseId, sp.id, party.id, facts, proofRequestComment(caseType));
  }
  return {
    outcome: "CASE_OPENED",
    case: caseId,
    subscription: null,
    reading: readingId,
    gap: facts.gap,
    warnings,
  };
}
