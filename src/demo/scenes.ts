/**
 * The demo's scenes that let each role work beyond move-ins: contests at every stage, with the EUROS
 * service's INT_EUROS cases (R11, R12), and the procedure's own reading history, 89954 typed for 899
 * (SPEC §4), left for the back office to correct.
 */
import { Readable } from "node:stream";
import type { Context, Role } from "../platform/context.js";
import { addDays } from "../platform/dates.js";
import type { Database } from "../platform/db.js";
import { importReadings } from "../readings/import.js";
import type { CommandResult, CommandVerb } from "../registry.js";
import { readingsCsv } from "./generate.js";
import { putPlaces } from "./load.js";

/** Runs one command as a role of an entity at an instant; null when the rules refuse it. */
export type DemoRun = (
  role: Role,
  entity: string,
  when: Date,
  verb: CommandVerb,
  input: unknown,
) => Promise<CommandResult | null>;

/** Contests per 100 service points (at least one of each stage). */
const CONTESTS_PER_100 = 2;
/** The four stages a demo contest is left at, in turn. */
const STAGES = ["OPEN", "ANSWERED", "REGULARIZATION", "PERSISTS"] as const;

const REASONS = [
  "Le client conteste l'index de départ de son abonnement : il dit avoir trouvé le compteur à un index plus bas en arrivant.",
  "Le client trouve la consommation facturée trop élevée pour les premières semaines, le logement étant resté presque vide.",
  "Le client produit son état des lieux d'entrée : l'index qui y figure est inférieur à celui retenu pour son abonnement.",
  "Le client conteste la date de début de son abonnement : il dit être entré dans les lieux plus tard.",
];
const ANSWER_KEPT =
  "L'index retenu est celui relevé à votre arrivée ; il concorde avec l'historique du compteur : votre facture est maintenue.";
const ANSWER_REGULARIZED =
  "Votre état des lieux d'entrée fait foi : le service des Euros régularise votre facture à partir de son index.";
const EUROS_CLOSED = "Facture régularisée : un avoir figurera sur la prochaine facture du client.";

/**
 * Contests on current subscriptions, a few days before the demo's last day: one waits for the back office's
 * answer, one is answered (bill kept), one is answered with a regularisation (INT_EUROS, the proof given), one
 * persists after the answer (INT_EUROS); every second of those is then closed by the EUROS service.
 */
export async function demoContests(
  db: Database,
  run: DemoRun,
  when: (date: string, hour: number) => Date,
  until: string,
  servicePoints: number,
): Promise<number> {
  const count = Math.max(STAGES.length, Math.round((servicePoints * CONTESTS_PER_100) / 100));
  const subs = await db.kysely
    .selectFrom("subscriptions")
    .select(["id", "start_date", "start_index"])
    .where("end_date", "is", null)
    .where("start_date", "<=", addDays(until, -10))
    .orderBy("service_point_id")
    .limit(count)
    .execute();
  let made = 0;
  for (const [i, s] of subs.entries()) {
    const stage = STAGES[i % STAGES.length] as (typeof STAGES)[number];
    const day = addDays(until, -6 + (i % 3));
    const withProof = stage === "REGULARIZATION";
    const contested = await run("FO", i % 2 === 0 ? "FO-LYON" : "FO-VILLEURBANNE", when(day, 10), "contest", {
      subscription: s.id,
      reason: REASONS[withProof ? 2 : i % REASONS.length],
      proof: withProof
        ? { date: s.start_date, index: Math.max(0, s.start_index - 7), kind: "ENTRY_INVENTORY" }
        : null,
    });
    if (!contested?.contest) continue;
    made++;
    if (stage === "OPEN") continue;
    const answered = await run("BO", "BO-LYON", when(addDays(day, 1), 15), "answerContest", {
      contest: contested.contest,
      answer: withProof ? ANSWER_REGULARIZED : ANSWER_KEPT,
      regularizationNeeded: withProof,
    });
    let euros = answered?.case ?? null;
    if (stage === "PERSISTS") {
      const persists = await run("BO", "BO-LYON", when(addDays(day, 3), 9), "contestPersists", {
        contest: contested.contest,
      });
      euros = persists?.case ?? null;
    }
    if (euros && Math.floor(i / STAGES.length) % 2 === 1) {
      await run("EUROS", "EUROS", when(addDays(day, 4), 11), "closeRegularization", {
        case: euros,
        comment: EUROS_CLOSED,
      });
    }
  }
  return made;
}

/** The procedure's own example (SPEC §4): its service point, and the reading history where 89954 is typed for 899. */
export const SOURCE_EXAMPLE = {
  id: "PDS-TILLEULS",
  address: "4 impasse des Tilleuls, 69007 Lyon",
  owner: "M. et Mme Bernard",
  serial: "B77001",
  readings: [
    { date: "2021-10-26", index: 829, type: "NORMAL" },
    { date: "2022-05-09", index: 867, type: "ESTIMATE" },
    { date: "2022-11-17", index: 882, type: "NORMAL" },
    { date: "2022-11-18", index: 882, type: "CUSTOMER" },
    { date: "2024-04-02", index: 89954, type: "CUSTOMER" },
  ],
} as const;

/** Adds the procedure's example through the readings import (its plausibility judged as any import's), vacant. */
export async function sourceExample(db: Database, system: Context, rejectsPath: string): Promise<void> {
  const x = SOURCE_EXAMPLE;
  await putPlaces(db, system, [
    { id: x.id, address: x.address, owner: x.owner, serial: x.serial, remote: false, digits: null },
  ]);
  await importReadings(
    db,
    system,
    Readable.from(readingsCsv(x.readings.map((r) => ({ servicePoint: x.id, ...r })))),
    { rejectsPath, source: "demo" },
  );
}
