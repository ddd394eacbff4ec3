/**
 * The move-in procedure (R1–R10, R12): each function runs inside the caller's transaction,
 * applies the rules and writes everything it decides, or throws and writes nothing.
 */
import { createHash } from "node:crypto";
import type { Transaction } from "kysely";
import { z } from "zod";
import {
  addComment,
  addComments,
  addTask,
  assertOpen,
  type CaseRow,
  closeTasks,
  closeTasksOf,
  closeUnlessVisitPending,
  loadCaseForUpdate,
  openCase,
  openTasks,
  setCaseSubscription,
  setSubscriptionsAndClose,
  updateMoveIn,
} from "../cases/store.js";
import { enqueue, enqueueAll, type Recipient } from "../communications/outbox.js";
import { audit } from "../platform/audit.js";
import { type Context, today } from "../platform/context.js";
import { frenchDate } from "../platform/dates.js";
import type { Database } from "../platform/db.js";
import { EcartError, ErrorCode, fail } from "../platform/errors.js";
import type { DB, MoveInFacts, ProofKind, StartSource } from "../platform/schema.js";
import { isoDate, rawIndex, ref, text } from "../platform/validate.js";
import { assertNotFuture } from "../readings/commands.js";
import { parseIndexM3 } from "../readings/index-m3.js";
import { indexAcrossRollover, type PlausibilityInput } from "../readings/plausibility.js";
import { appendReading, indexAtDate, plausibilityInputOf } from "../readings/store.js";
import type { CommandResult } from "../registry.js";
import { insertSubscriptions, occupantsSince, partiesOf, placesOf } from "./batch-store.js";
import { proofDeadline, proofDueDate } from "./deadline.js";
import { checkGap, type GapCheck, showsIntermediateConsumption } from "./gap.js";
import { prescribedStart } from "./prescription.js";
import {
  createParty,
  currentMeter,
  endSubscription,
  insertSubscription,
  loadMoveInFacts,
  loadSubscriptionForUpdate,
  lockServicePoint,
  type MoveInStoredFacts,
  messageFacts,
  type Place,
  partyById,
  placeFacts,
  recordIntermediateConsumption,
  samePerson,
  unknownServicePoint,
} from "./store.js";
import { statusOfReading, terminationFrom } from "./termination.js";
import {
  awaitingProofSentence,
  gapSentence,
  predecessorSubscribedSentence,
  R5_NO_PROOF_COMMENT,
  R6_AWAIT_COMMENT,
  R9_COMMENT,
  suspectTerminationSentence,
} from "./wording.js";

type Trx = Transaction<DB>;

const customer = z.object({
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

function beforeTermination(date: string, t: MoveInFacts["termination"], field: string): never {
  throw new EcartError(
    ErrorCode.DATE_BEFORE_TERMINATION,
    `La date du ${frenchDate(date)} est antérieure à la résiliation du prédécesseur (${frenchDate(t.date)}).`,
    `${field} ${date} is before the predecessor's termination ${t.date}`,
    field,
  );
}

/** The path a move-in takes, decided from the figures alone (the console shows it before confirming). */
export type MoveInPath =
  | "SUBSCRIBE_DECLARED"
  | "SUBSCRIBE_PREDECESSOR"
  | "CASE_AWAIT_PROOF"
  | "CASE_AWAIT_VISIT"
  | "CASE_NO_PROOF_BO";

/** R2–R5: which path applies to a move-in, given the gap check (null when no index or no reference). */
export function moveInPath(
  withinTolerance: boolean | null,
  hasIndex: boolean,
  reconnection: boolean,
  proof: "WILL_SEND" | "NONE",
): MoveInPath {
  if (!hasIndex) return "CASE_AWAIT_VISIT";
  if (withinTolerance !== false) return "SUBSCRIBE_DECLARED";
  if (proof === "NONE") return reconnection ? "CASE_NO_PROOF_BO" : "SUBSCRIBE_PREDECESSOR";
  return "CASE_AWAIT_PROOF";
}

/** What a move-in would do, decided before anything is written (the console shows it before confirming). */
export interface MoveInAssessment {
  servicePoint: { id: string; address: string; owner_name: string | null };
  meter: MoveInStoredFacts["meter"];
  index: number | null;
  /** The first result when this repeats a move-in of the same person (SPEC §6); nothing else applies then. */
  duplicate: CommandResult | null;
  /** The predecessor's termination (or the last valid reading standing in for it); null when neither exists. */
  termination: MoveInFacts["termination"] | null;
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
 * facts read in one statement. Reads only. In a command's transaction the service point is locked first
 * (the facts are then read after every command before); given the database, the one statement is the
 * whole read (the check). `read`: the facts already read by the caller (the check over HTTP reads them in
 * the statement that also reads its bearer token's account); the input checks still come first.
 */
export async function assessMoveIn(
  at: Database | Trx,
  ctx: Context,
  input: MoveInInput,
  read?: MoveInStoredFacts,
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
  const f = read ?? (await loadMoveInFacts(at, input.servicePoint, input.date));
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
  const asksProof = path === "CASE_AWAIT_PROOF" || path === "CASE_NO_PROOF_BO";
  return {
    ...base,
    duplicate: null,
    termination,
    terminationSuspect: termination ? statusOfReading(f.datedReadings, termination) === "SUSPECT" : false,
    gap,
    path,
    dueDate: asksProof ? proofDueDate(ctx.now, ctx.config.proofDeadlineDays, ctx.config.timeZone) : null,
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
    termination: termination ?? { date: input.date, index: index ?? 0, source: "NONE", subscription: null },
    gap: gap?.gap ?? null,
    proofRequested: false,
  };
  const warnings: string[] = terminationSuspect ? ["TERMINATION_INDEX_SUSPECT"] : [];

  // Within tolerance (or nothing to compare with): the declared index is the newcomer's start (R2).
  let caseId: string | null = null;
  if (input.reconnection) {
    caseId = await openCase(trx, ctx, {
      type: "ARR_INTERVENTION",
      servicePointId: sp.id,
      partyId: party.id,
      moveIn: facts,
    });
    await trx
      .insertInto("interventions")
      .values({ case_id: caseId, kind: "RECONNECTION", status: "PLANNED", created_at: ctx.now })
      .execute();
    await addComment(
      trx,
      ctx,
      caseId,
      `Arrivée avec remise en eau au ${frenchDate(input.date)}${index === null ? " : index non connu du client, relevé attendu lors de l'intervention" : ` : index déclaré ${index} m3`}.`,
    );
    if (terminationSuspect && termination)
      await addComment(trx, ctx, caseId, suspectTerminationSentence(termination));
  }

  if (path === "SUBSCRIBE_DECLARED") {
    const sub = await insertSubscription(trx, ctx, {
      servicePointId: sp.id,
      meterId: meter?.id ?? null,
      partyId: party.id,
      caseId,
      date: input.date,
      index: index as number,
      source: "DECLARED",
    });
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
  let readingId: string | null = null;
  if (index !== null) {
    readingId = (
      await appendReading(trx, ctx, {
        servicePointId: sp.id,
        meterId: meter?.id ?? null,
        date: input.date,
        index,
        type: "CUSTOMER",
      })
    ).id;
  }
  if (!caseId) {
    caseId = await openCase(trx, ctx, {
      type: "ARR_SPECIAL",
      servicePointId: sp.id,
      partyId: party.id,
      moveIn: facts,
    });
    if (terminationSuspect && termination)
      await addComment(trx, ctx, caseId, suspectTerminationSentence(termination));
  }
  if (gap && termination && index !== null) {
    await addComment(
      trx,
      ctx,
      caseId,
      gapSentence(termination, input.date, index, gap, ctx.config.toleranceM3),
    );
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
    await addComment(trx, ctx, caseId, R5_NO_PROOF_COMMENT);
    await addTask(
      trx,
      ctx,
      caseId,
      "SUBSCRIBE_AT_PREDECESSOR",
      proofDeadline(ctx.now, ctx.config.proofDeadlineDays, ctx.config.timeZone),
    );
  } else if (path === "CASE_AWAIT_PROOF") {
    await requestProofOn(trx, ctx, caseId, sp.id, party.id, facts);
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

/** R3/R6: ask the customer for a proof, with the deadline, and keep the task open. */
async function requestProofOn(
  trx: Trx,
  ctx: Context,
  caseId: string,
  spId: string,
  partyId: string,
  facts: MoveInFacts,
  comment?: string,
) {
  const existing = (await openTasks(trx, caseId)).find((t) => t.kind === "AWAIT_PROOF");
  let due = existing?.due_date;
  if (!existing) {
    await closeTasks(trx, ctx, caseId, "DONE");
    const d = proofDeadline(ctx.now, ctx.config.proofDeadlineDays, ctx.config.timeZone);
    await addTask(trx, ctx, caseId, "AWAIT_PROOF", d);
    due = d.dueDate;
  }
  await updateMoveIn(trx, caseId, { ...facts, proofRequested: true });
  await addComment(trx, ctx, caseId, comment ?? awaitingProofSentence(due as string));
  const party = await partyById(trx, partyId);
  await enqueue(trx, ctx, "PROOF_REQUEST", party, {
    ...(await messageFacts(trx, spId, caseId)),
    termination: { date: facts.termination.date, index: facts.termination.index },
    declared: { date: facts.date, index: facts.index },
    gap: facts.gap,
    dueDate: due,
  });
  return due as string;
}

/** R4/R8: subscribe at the predecessor's termination date and index and tell the customer. */
async function subscribeAtPredecessor(
  trx: Trx,
  ctx: Context,
  c: MoveInCase,
  why: string,
  taskStatus: "DONE" | "EXPIRED" = "DONE",
): Promise<string> {
  const [id] = await subscribeAllAtPredecessor(trx, ctx, [c], why, taskStatus);
  return id as string;
}

/** R4/R8 needs the predecessor's termination index: a case without one waits for the visit's reading. */
function assertTerminationKnown(c: MoveInCase): void {
  if (c.move_in.termination.source === "NONE") {
    fail(
      ErrorCode.INVALID_INPUT,
      "Aucun index de résiliation ni relevé de référence sur ce point de desserte : l'abonnement attend le relevé de l'intervention.",
      `case ${c.id} has no termination index to subscribe at`,
      "case",
    );
  }
}

/**
 * subscribeAtPredecessor for many cases at once, at most one per service point (the caller holds
 * their locks): a handful of multi-row statements for the whole batch. Throws, writing nothing of
 * its own, if any case cannot be subscribed. The subscriptions' ids, in the cases' order.
 */
async function subscribeAllAtPredecessor(
  trx: Trx,
  ctx: Context,
  cases: MoveInCase[],
  why: string,
  taskStatus: "DONE" | "EXPIRED",
): Promise<string[]> {
  for (const c of cases) assertTerminationKnown(c);
  const places = await placesOf(
    trx,
    cases.map((c) => c.service_point_id),
  );
  const placeOf = (c: MoveInCase) => places.get(c.service_point_id) as Place;
  const subs = await insertSubscriptions(
    trx,
    ctx,
    cases.map((c) => ({
      servicePointId: c.service_point_id,
      meterId: placeOf(c).meter?.id ?? null,
      partyId: c.party_id,
      caseId: c.id,
      date: c.move_in.termination.date,
      index: c.move_in.termination.index,
      source: "PREDECESSOR",
    })),
  );
  const ids = subs.map((s) => s.id);
  await closeTasksOf(
    trx,
    ctx,
    cases.map((c) => c.id),
    taskStatus,
  );
  await addComments(
    trx,
    ctx,
    cases.map((c) => ({ caseId: c.id, body: predecessorSubscribedSentence(why, c.move_in.termination) })),
  );
  const parties = await partiesOf(
    trx,
    cases.map((c) => c.party_id),
  );
  await enqueueAll(
    trx,
    ctx,
    cases.map((c) => {
      const t = c.move_in.termination;
      return {
        template: "CONFIRMATION_PREDECESSOR_INDEX",
        to: parties.get(c.party_id) as Recipient,
        facts: {
          ...placeFacts(placeOf(c), c.id),
          termination: { date: t.date, index: t.index },
          declared: { date: c.move_in.date, index: c.move_in.index },
          start: { date: t.date, index: t.index, source: "PREDECESSOR" },
        },
      };
    }),
  );
  await setSubscriptionsAndClose(
    trx,
    ctx,
    cases.map((c, i) => ({ caseId: c.id, subscriptionId: ids[i] as string })),
  );
  return ids;
}

/** A move-in case (ARR_SPECIAL or ARR_INTERVENTION): its facts and its customer are known. */
type MoveInCase = CaseRow & { move_in: MoveInFacts; party_id: string };

function assertMoveInCase(c: CaseRow): asserts c is MoveInCase {
  if (c.type === "INT_EUROS" || !c.move_in || !c.party_id) {
    fail(
      ErrorCode.INVALID_INPUT,
      `Le dossier ${c.id} n'est pas un dossier d'arrivée.`,
      `case ${c.id} is not a move-in case`,
      "case",
    );
  }
}

function assertNotSubscribed(c: CaseRow) {
  if (c.subscription_id) {
    fail(
      ErrorCode.INVALID_INPUT,
      `L'abonnement ${c.subscription_id} est déjà en place pour ce dossier.`,
      `case ${c.id} already has subscription ${c.subscription_id}`,
      "case",
    );
  }
}

export const declareNoProofInput = z.object({ case: ref });

/** R4: the customer says there is no proof: predecessor's date and index, confirmation, case closed. */
export async function declareNoProof(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof declareNoProofInput>,
): Promise<CommandResult> {
  const c = await loadCaseForUpdate(trx, input.case);
  assertMoveInCase(c);
  assertOpen(c);
  assertNotSubscribed(c);
  const sub = await subscribeAtPredecessor(trx, ctx, c, "Le client déclare ne pas avoir de justificatif");
  return { outcome: "SUBSCRIBED", case: c.id, subscription: sub };
}

export const requestProofInput = z.object({ case: ref });

/** R3/R6: BO asks (again) for a proof; the task keeps its first deadline. */
export async function requestProof(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof requestProofInput>,
): Promise<CommandResult> {
  const c = await loadCaseForUpdate(trx, input.case);
  assertMoveInCase(c);
  assertOpen(c);
  assertNotSubscribed(c);
  await requestProofOn(trx, ctx, c.id, c.service_point_id, c.party_id, c.move_in);
  return { outcome: "PROOF_REQUESTED", case: c.id };
}

export const interventionReportInput = z.object({ case: ref, date: isoDate, index: rawIndex });

/** R6: the reconnection visit reports its reading. */
export async function interventionReport(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof interventionReportInput>,
): Promise<CommandResult> {
  const index = parseIndexM3(input.index);
  assertNotFuture(ctx, input.date);
  const c = await loadCaseForUpdate(trx, input.case);
  assertMoveInCase(c);
  if (c.type !== "ARR_INTERVENTION") {
    fail(
      ErrorCode.INVALID_INPUT,
      `Le dossier ${c.id} n'a pas d'intervention.`,
      `case ${c.id} has no intervention`,
      "case",
    );
  }
  assertOpen(c);
  const t = c.move_in.termination;
  if (input.date < t.date) beforeTermination(input.date, t, "date");
  const meter = await currentMeter(trx, c.service_point_id);
  const reading = await appendReading(trx, ctx, {
    servicePointId: c.service_point_id,
    meterId: meter?.id ?? null,
    date: input.date,
    index,
    type: "INTERVENTION",
  });
  await trx
    .updateTable("interventions")
    .set({
      status: "DONE",
      reported_date: input.date,
      reported_index: index,
      reading_id: reading.id,
      reported_at: ctx.now,
    })
    .where("case_id", "=", c.id)
    .where("status", "=", "PLANNED")
    .execute();
  await addComment(
    trx,
    ctx,
    c.id,
    `Remise en eau effectuée : index relevé ${index} m3 le ${frenchDate(input.date)}.`,
  );
  await audit(trx, ctx, "intervention.reported", "case", c.id, { date: input.date, index });

  if (c.subscription_id) {
    // Already subscribed at the move-in: the visit's reading is only recorded.
    if ((await openTasks(trx, c.id)).length === 0) await closeUnlessVisitPending(trx, ctx, c.id);
    return { outcome: "SUBSCRIBED", case: c.id, subscription: c.subscription_id, reading: reading.id };
  }
  const gap = checkGap(t.index, indexAcrossRollover(t.index, index, meter?.digits), ctx.config.toleranceM3);
  if (gap.withinTolerance || t.source === "NONE") {
    const sub = await insertSubscription(trx, ctx, {
      servicePointId: c.service_point_id,
      meterId: meter?.id ?? null,
      partyId: c.party_id,
      caseId: c.id,
      date: c.move_in.date,
      index,
      source: "INTERVENTION",
    });
    await setCaseSubscription(trx, c.id, sub.id);
    await closeTasks(trx, ctx, c.id, "DONE");
    await closeUnlessVisitPending(trx, ctx, c.id);
    return { outcome: "SUBSCRIBED", case: c.id, subscription: sub.id, reading: reading.id };
  }
  await addComment(trx, ctx, c.id, gapSentence(t, input.date, index, gap, ctx.config.toleranceM3));
  if (c.move_in.proof === "NONE") {
    // The customer already said there is no proof (R5): BO applies R4 now.
    const sub = await subscribeAtPredecessor(
      trx,
      ctx,
      c,
      "Écart constaté à l'intervention et client sans justificatif",
    );
    return { outcome: "SUBSCRIBED", case: c.id, subscription: sub, reading: reading.id };
  }
  if (!c.move_in.proofRequested) {
    await requestProofOn(trx, ctx, c.id, c.service_point_id, c.party_id, c.move_in, R6_AWAIT_COMMENT);
  }
  return { outcome: "PROOF_REQUESTED", case: c.id, reading: reading.id };
}

export const receiveProofInput = z.object({
  case: ref,
  kind: z.enum(["SALE_DEED", "ENTRY_INVENTORY", "METER_PHOTO"]),
  date: isoDate.nullish(),
  index: rawIndex.nullish(),
  meterSerial: z.string().max(40).nullish(),
  prescriptionInvoked: z.boolean().nullish(),
  /** The document itself: its size and checksum are computed here, never taken from the client. */
  file: z
    .object({
      name: z.string().max(200),
      contentType: z.enum(["application/pdf", "image/jpeg", "image/png"]),
      content: z.instanceof(Uint8Array),
    })
    .nullish(),
});
export type ReceiveProofInput = z.infer<typeof receiveProofInput>;

const PROOF_LABEL: Record<ProofKind, string> = {
  SALE_DEED: "acte de vente",
  ENTRY_INVENTORY: "état des lieux d'entrée",
  METER_PHOTO: "photo du compteur",
};

const sameSerial = (a: string, b: string) =>
  a.replace(/\s+/g, "").toUpperCase() === b.replace(/\s+/g, "").toUpperCase();

/** R7, R9, R10, R12: a proof reaches the back office. */
export async function receiveProof(trx: Trx, ctx: Context, input: ReceiveProofInput): Promise<CommandResult> {
  const index = input.index === null || input.index === undefined ? null : parseIndexM3(input.index);
  const isPhoto = input.kind === "METER_PHOTO";
  const date = input.date ?? (isPhoto ? today(ctx) : null);
  if (!date) {
    fail(
      ErrorCode.INVALID_INPUT,
      "La date d'entrée figurant sur le justificatif est obligatoire.",
      "proof date is required",
      "date",
    );
  }
  const docDate = date as string;
  assertNotFuture(ctx, docDate);
  const c = await loadCaseForUpdate(trx, input.case);
  assertMoveInCase(c);
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
      })
      .returning("id")
      .executeTakeFirstOrThrow();
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
    await addComment(
      trx,
      ctx,
      intCase,
      `Justificatif (${PROOF_LABEL[input.kind]}) reçu après la mise en place de l'abonnement ${c.subscription_id} : ` +
        `date d'entrée ${frenchDate(docDate)}${index !== null ? `, index ${index} m3` : ", sans index"}. Régularisation à effectuer par le service EUROS.`,
    );
    await addComment(
      trx,
      ctx,
      c.id,
      `Justificatif reçu après abonnement : dossier ${intCase} transmis au service EUROS.`,
    );
    return { outcome: "REGULARIZATION_OPENED", case: intCase, subscription: c.subscription_id };
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
    await addComment(trx, ctx, c.id, `Justificatif ${proofId} refusé : ${err.messageFr}`);
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
    await addComment(trx, ctx, c.id, `Justificatif ${proofId} refusé : ${err.messageFr}`);
    return { outcome: "PROOF_REFUSED", case: c.id, proof: proofId, refusal: err };
  }

  if (isPhoto) {
    // R7: a meter photo complements; it is not an entry proof. The case stays open.
    const proofId = await keep("COMPLEMENT");
    let readingId: string | null = null;
    if (index !== null) {
      readingId = (
        await appendReading(trx, ctx, {
          servicePointId: c.service_point_id,
          meterId: meter?.id ?? null,
          date: docDate,
          index,
          type: "CUSTOMER",
        })
      ).id;
    }
    await addComment(
      trx,
      ctx,
      c.id,
      `Photo du compteur reçue${index !== null ? ` : index ${index} m3 le ${frenchDate(docDate)}` : ""}` +
        `${input.meterSerial ? `, matricule ${input.meterSerial} confirmé` : ""}. Complément seulement : un justificatif d'entrée reste attendu.`,
    );
    return { outcome: "PROOF_ACCEPTED", case: c.id, proof: proofId, reading: readingId };
  }

  // R7: the start is the document's date and index; without index, the remote reading or the predecessor's.
  let indexAtProof = index;
  let source: StartSource = "PROOF";
  if (indexAtProof === null && meter?.remote_reading) {
    const remote = await indexAtDate(trx, c.service_point_id, docDate, { remoteOnly: true });
    if (remote) {
      indexAtProof = remote.index;
      source = "PROOF_DATE_REMOTE_INDEX";
    }
  }
  let start = { date: docDate, index: indexAtProof ?? t.index };
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
  const sub = await insertSubscription(trx, ctx, {
    servicePointId: c.service_point_id,
    meterId: meter?.id ?? null,
    partyId: c.party_id,
    caseId: c.id,
    date: start.date,
    index: start.index,
    source,
  });
  await setCaseSubscription(trx, c.id, sub.id);
  await closeTasks(trx, ctx, c.id, "DONE");
  await addComment(
    trx,
    ctx,
    c.id,
    `Justificatif reçu (${PROOF_LABEL[input.kind]} du ${frenchDate(docDate)}${index !== null ? `, index ${index} m3` : ", sans index"}) : ` +
      `abonnement mis en place au ${frenchDate(start.date)} avec l'index ${start.index} m3` +
      `${prescribed ? " (prescription biennale opposée par le client)" : ""}.`,
  );
  // R9: consumption between the two occupants, not due to the newcomer.
  if (indexAtProof !== null && showsIntermediateConsumption(t.index, indexAtProof, ctx.config.toleranceM3)) {
    await addComment(trx, ctx, c.id, R9_COMMENT);
    await recordIntermediateConsumption(trx, ctx, {
      caseId: c.id,
      servicePointId: c.service_point_id,
      subscriptionId: sub.id,
      from: { date: t.date, index: t.index },
      to: { date: docDate, index: indexAtProof },
    });
  }
  const party = await partyById(trx, c.party_id);
  await enqueue(trx, ctx, "CONFIRMATION_PROOF", party, {
    ...(await messageFacts(trx, c.service_point_id, c.id)),
    proof: { kind: input.kind, label: PROOF_LABEL[input.kind], date: docDate, index },
    start: { ...start, source },
    termination: { date: t.date, index: t.index },
    prescription: prescribed !== null,
  });
  await closeUnlessVisitPending(trx, ctx, c.id);
  return { outcome: "SUBSCRIBED", case: c.id, subscription: sub.id, proof: proofId };
}

export const moveOutInput = z.object({ subscription: ref, date: isoDate, index: rawIndex });

/** A move-out: the subscription ends at a date and index, which enter the history (MOVE_OUT). */
export async function moveOut(
  trx: Trx,
  ctx: Context,
  input: z.infer<typeof moveOutInput>,
): Promise<CommandResult> {
  const index = parseIndexM3(input.index);
  assertNotFuture(ctx, input.date);
  const sub = await loadSubscriptionForUpdate(trx, input.subscription);
  if (sub.end_date) {
    fail(
      ErrorCode.INVALID_INPUT,
      `L'abonnement ${sub.id} est déjà résilié (${frenchDate(sub.end_date)}).`,
      `subscription ${sub.id} already ended`,
      "subscription",
    );
  }
  if (input.date < sub.start_date) {
    fail(
      ErrorCode.INVALID_INPUT,
      `La date de départ (${frenchDate(input.date)}) précède le début de l'abonnement (${frenchDate(sub.start_date)}).`,
      `move-out ${input.date} before the start ${sub.start_date}`,
      "date",
    );
  }
  const reading = await endSubscription(trx, ctx, sub, { date: input.date, index });
  const warnings = reading.plausibility.status === "SUSPECT" ? ["TERMINATION_INDEX_SUSPECT"] : [];
  return {
    outcome: "TERMINATED",
    subscription: sub.id,
    reading: reading.id,
    plausibility: reading.plausibility,
    warnings,
  };
}

/** What R8 does with an expired case. */
export type Expiry = "SUBSCRIBED" | "SKIPPED";

/** R8: why the sweep subscribes a case (the comment's opening). */
const R8_WHY = "Délai dépassé sans justificatif reçu";

/** R8: the comment on a case left to the back office because another occupant held the service point since the termination. */
export const occupiedSinceSentence = (deadlineDays: number, occupant: { id: string }) =>
  `Délai de ${deadlineDays} jours dépassé, mais un autre occupant (abonnement ${occupant.id}) a été abonné sur ce point de desserte depuis la résiliation : abonnement non mis en place, à traiter par le back office.`;

/**
 * R8, decided from the facts alone: an already subscribed case only has its tasks closed; a case
 * whose service point another occupant has held since the termination is left to the back office;
 * any other is subscribed at the predecessor's index.
 */
export function expiryPath(
  c: MoveInCase,
  occupant: { id: string } | null,
): "CLOSE" | "LEAVE_TO_BO" | "SUBSCRIBE" {
  if (c.subscription_id) return "CLOSE";
  return occupant ? "LEAVE_TO_BO" : "SUBSCRIBE";
}

/** R8: the deadline passed without a proof (run by the sweep, as the system). */
export async function expireCase(trx: Trx, ctx: Context, c: CaseRow): Promise<Expiry> {
  const r = (await expireCases(trx, ctx, [c])).get(c.id);
  if (r instanceof Error) throw r;
  return r as Expiry;
}

/**
 * R8 for a batch of expired cases (the caller holds their locks and their service points'): the
 * facts read and the rows written for all of them at once, a handful of statements in all. A case
 * that cannot be processed gets its error in the result and nothing written for it. Cases at one
 * service point are taken one after the other: a case subscribed first is the next one's occupant.
 */
export async function expireCases(
  trx: Trx,
  ctx: Context,
  cases: CaseRow[],
): Promise<Map<string, Expiry | Error>> {
  const out = new Map<string, Expiry | Error>();
  let rest = cases;
  while (rest.length > 0) {
    const seen = new Set<string>();
    const round: CaseRow[] = [];
    const later: CaseRow[] = [];
    for (const c of rest) {
      (seen.has(c.service_point_id) ? later : round).push(c);
      seen.add(c.service_point_id);
    }
    await expireRound(trx, ctx, round, out);
    rest = later;
  }
  return out;
}

/** expireCases for cases at distinct service points. */
async function expireRound(trx: Trx, ctx: Context, cases: CaseRow[], out: Map<string, Expiry | Error>) {
  const moveIns: MoveInCase[] = [];
  for (const c of cases) {
    try {
      assertMoveInCase(c);
      moveIns.push(c);
    } catch (e) {
      out.set(c.id, e as Error);
    }
  }
  const unsubscribed = moveIns.filter((c) => !c.subscription_id);
  const occupants = await occupantsSince(
    trx,
    unsubscribed.map((c) => ({ servicePointId: c.service_point_id, date: c.move_in.termination.date })),
  );
  const occupantOf = new Map(unsubscribed.map((c, i) => [c.id, occupants[i] ?? null]));
  const closing: string[] = [];
  const notes: Array<{ caseId: string; body: string }> = [];
  const subscribing: MoveInCase[] = [];
  for (const c of moveIns) {
    const occupant = occupantOf.get(c.id) ?? null;
    const path = expiryPath(c, occupant);
    if (path === "SUBSCRIBE") {
      try {
        assertTerminationKnown(c);
        subscribing.push(c);
        out.set(c.id, "SUBSCRIBED");
      } catch (e) {
        out.set(c.id, e as Error);
      }
      continue;
    }
    closing.push(c.id);
    if (path === "LEAVE_TO_BO" && occupant)
      notes.push({ caseId: c.id, body: occupiedSinceSentence(ctx.config.proofDeadlineDays, occupant) });
    out.set(c.id, "SKIPPED");
  }
  await closeTasksOf(trx, ctx, closing, "EXPIRED");
  await addComments(trx, ctx, notes);
  await subscribeAllAtPredecessor(trx, ctx, subscribing, R8_WHY, "EXPIRED");
}
