/**
 * A small world with one object of each kind, and a valid input for every command against it:
 * the fuzzers mutate these inputs so that most requests reach deep into each command.
 */
import type { Role } from "../../src/platform/context.js";
import type { Database } from "../../src/platform/db.js";
import { type CommandVerb, execute } from "../../src/registry.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

export interface World {
  /** A service point whose last occupant left: ready for a move-in. */
  freeSp: string;
  /** A service point with an open subscription (moved in on 2 March). */
  subscribedSp: string;
  subscription: string;
  reading: string;
  /** A move-in case waiting for a proof. */
  gapCase: string;
  contest: string;
  /** An INT_EUROS case (the contest persisted). */
  eurosCase: string;
}

export async function seedWorld(db: Database, prefix: string): Promise<World> {
  const free = servicePointFixture({ id: `${prefix}-FREE` });
  const subscribed = servicePointFixture({ id: `${prefix}-SUB` });
  const gap = servicePointFixture({ id: `${prefix}-GAP` });
  await givenServicePoints(db, free, subscribed, gap);
  const fo = ctxAs("FO");
  const s = await execute(db, fo, "moveIn", moveInRequest(subscribed.id));
  const c = await execute(db, fo, "moveIn", moveInRequest(gap.id, { index: 1012 }));
  const ct = await execute(db, fo, "contest", { subscription: s.subscription, reason: "Index contesté" });
  const ct2 = await execute(db, fo, "contest", { subscription: s.subscription, reason: "Deuxième" });
  await execute(db, ctxAs("BO"), "answerContest", {
    contest: ct2.contest,
    answer: "Réponse",
    regularizationNeeded: false,
  });
  const euros = await execute(db, ctxAs("BO"), "contestPersists", { contest: ct2.contest });
  return {
    freeSp: free.id,
    subscribedSp: subscribed.id,
    subscription: s.subscription as string,
    reading: s.reading as string,
    gapCase: c.case as string,
    contest: ct.contest as string,
    eurosCase: euros.case as string,
  };
}

/** A valid input for each command against the world. */
export function validInputs(w: World): Record<CommandVerb, Record<string, unknown>> {
  return {
    moveIn: moveInRequest(w.freeSp),
    moveOut: { subscription: w.subscription, date: "2024-03-04", index: 1010 },
    mutation: {
      subscription: w.subscription,
      date: "2024-03-04",
      index: 1010,
      customer: { name: "Omar Haddad", email: "omar@example.fr" },
    },
    declareNoProof: { case: w.gapCase },
    receiveProof: { case: w.gapCase, kind: "ENTRY_INVENTORY", date: "2024-02-20", index: 1010 },
    requestProof: { case: w.gapCase },
    interventionReport: { case: w.gapCase, date: "2024-03-04", index: 1010 },
    recordReading: { servicePoint: w.subscribedSp, date: "2024-03-04", index: 1010, type: "NORMAL" },
    correctReading: { reading: w.reading, index: 1005, reason: "Erreur de saisie" },
    confirmReading: { reading: w.reading, reason: "Fuite constatée" },
    contest: { subscription: w.subscription, reason: "Je conteste l'index" },
    answerContest: { contest: w.contest, answer: "Voici l'explication", regularizationNeeded: false },
    contestPersists: { contest: w.contest },
    closeRegularization: { case: w.eurosCase, comment: "Régularisé" },
    addComment: { case: w.gapCase, body: "Client rappelé : justificatif en cours d'envoi" },
    attachDocument: { case: w.gapCase, kind: "NOTARY_CERTIFICATE", receivedOn: "2024-03-04" },
  };
}

/** A role allowed to run the verb (R14), so that the fuzzer gets past the access check. */
export const roleFor = (verb: CommandVerb): Role =>
  verb === "closeRegularization"
    ? "EUROS"
    : ["moveIn", "mutation", "moveOut", "declareNoProof", "contest", "recordReading"].includes(verb)
      ? "FO"
      : "BO";
