/**
 * `ecart demo`: fills a database with a realistic, seeded data set. Service points with years of
 * seasonal readings (monthly, or daily for remote meters), a few slips, meters passing 99 999 → 0,
 * occupants who came and went with vacant spells between them; then recent move-outs and move-ins run
 * through the real commands (`execute`), so that the cases, tasks, proofs and messages are what the
 * rules make of them: some subscribed at once, some awaiting a proof, some closed by a proof or by the
 * deadline sweep, some awaiting a reconnection visit.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { sweepDeadlines } from "../move-in/sweep.js";
import type { EcartConfig } from "../platform/config.js";
import type { Context, Role } from "../platform/context.js";
import { addDays, daysBetween, startOfDay, subtractYears } from "../platform/dates.js";
import type { Database } from "../platform/db.js";
import { EcartError } from "../platform/errors.js";
import { type ImportSummary, importReadings } from "../readings/import.js";
import { type CommandVerb, execute } from "../registry.js";
import {
  type GeneratedPoint,
  type GeneratedRow,
  generatePoints,
  generateReadings,
  prng,
  readingsCsv,
} from "./generate.js";
import { demoSystem, insertPoints } from "./load.js";
import { demoContests, SOURCE_EXAMPLE, sourceExample } from "./scenes.js";

export interface DemoOptions {
  servicePoints: number;
  seed: number;
  /** Years of reading history. */
  years: number;
  /** The last day of the data set (the demo's "today"). */
  until: string;
  /** Share of occupied service points whose occupant moves out in the last weeks (default 6 %). */
  moveShare?: number;
  /** The real time: nothing of the demo (a message, a case, a correction) is dated after it (default: now). */
  now?: Date;
  onProgress?: (message: string) => void;
}

export interface DemoSummary {
  servicePoints: number;
  remoteMeters: number;
  readings: ImportSummary;
  subscriptions: number;
  moves: number;
  outcomes: Record<string, number>;
  corrections: number;
  contests: number;
  sweep: unknown;
}

const FIRST = [
  "Jeanne",
  "Paul",
  "Camille",
  "Louis",
  "Inès",
  "Hugo",
  "Chloé",
  "Lucas",
  "Léa",
  "Nathan",
  "Manon",
  "Théo",
  "Sarah",
  "Karim",
  "Élodie",
  "Yanis",
];
const LAST = [
  "Martin",
  "Durand",
  "Bernard",
  "Petit",
  "Robert",
  "Richard",
  "Moreau",
  "Laurent",
  "Simon",
  "Michel",
  "Lefebvre",
  "Garcia",
  "Roux",
  "Fournier",
  "Girard",
  "Benali",
];

/** A French customer, deterministic from a number; about a third have no email (letters then). */
export function demoCustomer(n: number) {
  const first = FIRST[n % FIRST.length] as string;
  const last = LAST[Math.floor(n / FIRST.length) % LAST.length] as string;
  const email =
    n % 3 === 0
      ? null
      : `${first}.${last}.${n}@example.fr`
          .normalize("NFD")
          .replace(/[\u0300-\u036f]/g, "")
          .toLowerCase();
  return { name: `${first} ${last}`, email };
}

interface Occupancy {
  start: { date: string; index: number };
  end: { date: string; index: number } | null;
}

/** Turns readings at occupants' arrivals and departures into MOVE_IN / MOVE_OUT readings, and remembers the occupancies. */
function* withMoves(
  rows: Iterable<GeneratedRow>,
  points: GeneratedPoint[],
  occupancies: Map<string, Occupancy[]>,
  last: Map<string, { date: string; index: number }>,
) {
  const byId = new Map(points.map((p) => [p.id, p]));
  const phase = new Map<string, number>();
  for (const r of rows) {
    if (r.trueIndex !== undefined) {
      yield r;
      continue;
    }
    last.set(r.servicePoint, { date: r.date, index: r.index });
    const p = byId.get(r.servicePoint) as GeneratedPoint;
    const ph = phase.get(r.servicePoint) ?? 0;
    const vacancy = p.vacancies[0];
    const list = occupancies.get(r.servicePoint) ?? [];
    if (ph === 0) {
      list.push({ start: { date: r.date, index: r.index }, end: null });
      occupancies.set(r.servicePoint, list);
      phase.set(r.servicePoint, 1);
      yield { ...r, type: "MOVE_IN" as const };
    } else if (ph === 1 && vacancy && r.date >= vacancy[0]) {
      (list.at(-1) as Occupancy).end = { date: r.date, index: r.index };
      phase.set(r.servicePoint, 2);
      yield { ...r, type: "MOVE_OUT" as const };
    } else if (ph === 2 && vacancy && r.date >= vacancy[1]) {
      list.push({ start: { date: r.date, index: r.index }, end: null });
      phase.set(r.servicePoint, 3);
      yield { ...r, type: "MOVE_IN" as const };
    } else {
      yield r;
    }
  }
}

/** An hour of a day of the demo, never after the real time (a demo ending today has no message dated tonight). */
const at = (date: string, hour: number, config: EcartConfig, now: Date) =>
  new Date(Math.min(startOfDay(date, config.timeZone).getTime() + hour * 3_600_000, now.getTime()));

/** Fills the database; refuses when it already holds service points (the demo never mixes with real data). */
export async function runDemo(db: Database, config: EcartConfig, o: DemoOptions): Promise<DemoSummary> {
  const say = o.onProgress ?? (() => {});
  const now = o.now ?? new Date();
  const when = (date: string, hour: number) => at(date, hour, config, now);
  const existing = await db.kysely.selectFrom("service_points").select("id").limit(1).executeTakeFirst();
  if (existing) {
    throw new EcartError(
      "INVALID_INPUT",
      "La base contient déjà des points de desserte : la démo s'installe sur une base vide.",
      "database is not empty",
    );
  }
  const from = subtractYears(o.until, o.years);
  const historyEnd = addDays(o.until, -45);
  const gen = {
    seed: o.seed,
    servicePoints: o.servicePoints,
    from,
    to: historyEnd,
    remoteShare: 0.1,
    slipRate: 0.004,
    rolloverShare: 0.01,
  };
  const points = generatePoints(gen);
  say(`${points.length} points de desserte`);
  const system = demoSystem(when(o.until, 7), config);
  // The service points and meters come in as the CIS's would (integration/reference.ts).
  await insertPoints(db, points, { ctx: system });

  // 1. Years of readings, with the occupants' moves, through the bulk import (COPY).
  const occupancies = new Map<string, Occupancy[]>();
  const last = new Map<string, { date: string; index: number }>();
  const dir = mkdtempSync(join(tmpdir(), "ecart-demo-"));
  let readings: ImportSummary;
  try {
    readings = await importReadings(
      db,
      system,
      Readable.from(readingsCsv(withMoves(generateReadings(gen, points), points, occupancies, last))),
      {
        rejectsPath: join(dir, "rejects.csv"),
        source: "demo",
        extraTypes: ["MOVE_IN", "MOVE_OUT"],
        onProgress: (p) => say(`relevés : ${p.lines} lignes, ${p.rowsPerSecond} lignes/s`),
      },
    );
    await sourceExample(db, system, join(dir, "rejects-example.csv"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // 2. The occupants: parties and subscriptions matching the MOVE_IN / MOVE_OUT readings.
  let customerNo = 0;
  const openSubs = new Map<string, string>();
  let subscriptions = 0;
  const entries = [...occupancies.entries()];
  for (let i = 0; i < entries.length; i += 300) {
    const part = entries
      .slice(i, i + 300)
      .flatMap(([sp, list]) => list.map((occ) => ({ sp, occ, who: demoCustomer(customerNo++) })));
    const parties = await db.kysely
      .insertInto("parties")
      .values(
        part.map((x) => ({
          name: x.who.name,
          email: x.who.email,
          postal_address: null,
          role: "SUBSCRIBER" as const,
          created_at: when(x.occ.start.date, 9),
        })),
      )
      .returning("id")
      .execute();
    const subs = await db.kysely
      .insertInto("subscriptions")
      .values(
        part.map((x, j) => ({
          service_point_id: x.sp,
          party_id: (parties[j] as { id: string }).id,
          start_date: x.occ.start.date,
          start_index: x.occ.start.index,
          start_source: "DECLARED" as const,
          end_date: x.occ.end?.date ?? null,
          end_index: x.occ.end?.index ?? null,
          tags: j % 17 === 0 ? ["euros"] : [],
          case_id: null,
          created_at: when(x.occ.start.date, 9),
          created_by: "demo",
          entity: "DEMO",
        })),
      )
      .returning(["id", "service_point_id", "end_date"])
      .execute();
    for (const s of subs) if (!s.end_date) openSubs.set(s.service_point_id, s.id);
    subscriptions += subs.length;
  }
  say(`${subscriptions} abonnements`);

  // 3. Recent moves through the real commands: every case, task, proof and message is the rules' own.
  const rnd = prng(o.seed ^ 0xca5e);
  const outcomes: Record<string, number> = {};
  const run = async (role: Role, entity: string, instant: Date, verb: CommandVerb, input: unknown) => {
    const ctx: Context = {
      actor: { user: `${role.toLowerCase()}.demo`, role, entity },
      now: instant,
      config,
    };
    try {
      const r = await execute(db, ctx, verb, input);
      outcomes[`${verb}:${r.outcome}`] = (outcomes[`${verb}:${r.outcome}`] ?? 0) + 1;
      return r;
    } catch (e) {
      if (!(e instanceof EcartError)) throw e;
      outcomes[`${verb}:${e.code}`] = (outcomes[`${verb}:${e.code}`] ?? 0) + 1;
      return null;
    }
  };
  const movers = points.filter((p) => openSubs.has(p.id) && rnd() < (o.moveShare ?? 0.06));
  for (const p of movers) {
    const prev = last.get(p.id);
    if (!prev) continue;
    const outDate = addDays(historyEnd, 1 + Math.floor(rnd() * 38));
    const outIndex = prev.index + Math.round((p.yearlyM3 / 365) * daysBetween(prev.date, outDate));
    const entity = rnd() < 0.5 ? "FO-LYON" : "FO-VILLEURBANNE";
    await run("FO", entity, when(outDate, 9), "moveOut", {
      subscription: openSubs.get(p.id),
      date: outDate,
      index: outIndex,
    });
    const inDate = addDays(outDate, Math.floor(rnd() * 4));
    const inNow = when(inDate, 11);
    const who = demoCustomer(customerNo++);
    const customer = { name: who.name, email: who.email, address: null };
    const kind = rnd();
    if (kind < 0.4) {
      await run("FO", entity, inNow, "moveIn", {
        servicePoint: p.id,
        customer,
        date: inDate,
        index: outIndex + Math.floor(rnd() * 6),
        reconnection: false,
        proof: "WILL_SEND",
      });
    } else if (kind < 0.65) {
      const gap = 8 + Math.floor(rnd() * 40);
      const r = await run("FO", entity, inNow, "moveIn", {
        servicePoint: p.id,
        customer,
        date: inDate,
        index: outIndex + gap,
        reconnection: false,
        proof: "WILL_SEND",
      });
      const proofDay = addDays(inDate, 3 + Math.floor(rnd() * 10));
      if (r?.case && rnd() < 0.5 && proofDay <= o.until) {
        await run("BO", "BO-LYON", when(proofDay, 14), "receiveProof", {
          case: r.case,
          kind: rnd() < 0.5 ? "ENTRY_INVENTORY" : "SALE_DEED",
          date: inDate,
          index: outIndex + gap - Math.floor(rnd() * 3),
        });
      }
    } else if (kind < 0.78) {
      await run("FO", entity, inNow, "moveIn", {
        servicePoint: p.id,
        customer,
        date: inDate,
        index: outIndex + 10 + Math.floor(rnd() * 20),
        reconnection: false,
        proof: "NONE",
      });
    } else if (kind < 0.9) {
      const r = await run("FO", entity, inNow, "moveIn", {
        servicePoint: p.id,
        customer,
        date: inDate,
        reconnection: true,
        proof: "WILL_SEND",
      });
      const visit = addDays(inDate, 2);
      if (r?.case && rnd() < 0.6 && visit <= o.until) {
        await run("BO", "BO-LYON", when(visit, 16), "interventionReport", {
          case: r.case,
          date: visit,
          index: outIndex + Math.floor(rnd() * 12),
        });
      }
    } else {
      // Below the termination index: the termination index was perhaps estimated.
      await run("FO", entity, inNow, "moveIn", {
        servicePoint: p.id,
        customer,
        date: inDate,
        index: Math.max(0, outIndex - 9 - Math.floor(rnd() * 10)),
        reconnection: false,
        proof: "WILL_SEND",
      });
    }
  }

  // 4. A few slips corrected by the back office (the suggested index), the others left to work.
  const slips = await db.kysely
    .selectFrom("reading_states")
    .select(["id", "suggested_index", "reading_date"])
    .where("effective_status", "=", "SUSPECT")
    .where("suggested_index", "is not", null)
    .where("service_point_id", "<>", SOURCE_EXAMPLE.id)
    .orderBy("id")
    .limit(Math.max(3, Math.floor(o.servicePoints / 200)))
    .execute();
  let corrections = 0;
  for (const s of slips) {
    const r = await run("BO", "BO-LYON", when(o.until, 10), "correctReading", {
      reading: s.id,
      index: s.suggested_index,
      reason: "Erreur de saisie : décimales tapées comme des chiffres (index suggéré).",
    });
    if (r) corrections++;
  }

  // 5. Contests at every stage, some sent on to the EUROS service (INT_EUROS).
  const contests = await demoContests(db, run, when, o.until, o.servicePoints);
  say(`${contests} contestations`);

  // 6. The deadline sweep at the end of the last day: proofs not received in 15 days (R8).
  const sweep = await sweepDeadlines(db, when(o.until, 23), config);
  return {
    servicePoints: points.length,
    remoteMeters: points.filter((p) => p.remote).length,
    readings,
    subscriptions,
    moves: movers.length,
    outcomes,
    corrections,
    contests,
    sweep,
  };
}
