/**
 * The move-in check shown before confirming (R1–R5): the same figures and decision functions as the
 * move-in command, read by SELECT statements only, so nothing is written.
 */

import { CompiledQuery, sql } from "kysely";
import { type Account, digest, tokenAccountQuery } from "../../accounts/store.js";
import { m3 } from "../../communications/french.js";
import { assessMoveIn, type MoveInInput } from "../../move-in/commands/move-in.js";
import { caseOpenedBy, type MoveInPath, subscribesAtOnce } from "../../move-in/rules/move-in-path.js";
import {
  type MoveInFactsRow,
  type MoveInStoredFacts,
  moveInFactsOf,
  moveInFactsQuery,
} from "../../move-in/store.js";
import type { Context } from "../../platform/context.js";
import { frenchDate } from "../../platform/dates.js";
import { type Database, executePrepared } from "../../platform/db.js";
import { assessReading } from "../../readings/plausibility.js";
import type { MoveInCheck } from "../api-shapes.js";

/** What the advisor tells the customer on each path (French, read out on the phone or at the counter). */
export function customerMessage(
  path: MoveInPath,
  f: {
    date: string;
    index: number | null;
    termination: { date: string; index: number } | null;
    dueDate: string | null;
    reconnection: boolean;
    /** The tolerance in force (m3), said to the customer as a figure. */
    toleranceM3: number;
  },
): string[] {
  const visit = f.reconnection ? ["Un technicien va passer pour la remise en eau."] : [];
  const t = f.termination;
  switch (path) {
    case "SUBSCRIBE_DECLARED":
      return [
        `Votre abonnement est mis en place au ${frenchDate(f.date)} avec l'index ${f.index === null ? "" : m3(f.index)}.`,
        ...visit,
      ];
    case "SUBSCRIBE_PREDECESSOR":
      return [
        `Sans justificatif, votre abonnement est mis en place avec l'index (${t ? m3(t.index) : ""}) et la date de résiliation (${t ? frenchDate(t.date) : ""}) de l'occupant précédent.`,
        "Vous recevrez une confirmation écrite.",
      ];
    case "CASE_AWAIT_PROOF":
      return [
        ...visit,
        `L'index que vous déclarez (${f.index === null ? "" : m3(f.index)}) s'écarte de plus de ${m3(f.toleranceM3)} de l'index de résiliation de l'occupant précédent (${t ? `${m3(t.index)} au ${frenchDate(t.date)}` : ""}) : votre abonnement ne peut pas être mis en place tout de suite.`,
        `Merci de nous envoyer avant le ${f.dueDate ? frenchDate(f.dueDate) : ""} un justificatif d'entrée (acte de vente ou état des lieux d'entrée) portant la date d'entrée et l'index du compteur.`,
        "Sans justificatif dans ce délai, l'index et la date de résiliation de l'occupant précédent seront retenus.",
      ];
    case "CASE_AWAIT_VISIT":
      return [
        ...visit,
        "Votre abonnement sera mis en place après le relevé de l'index par le technicien lors de la remise en eau.",
      ];
    case "CASE_NO_PROOF_BO":
      return [
        ...visit,
        `Sans justificatif, votre abonnement sera mis en place par nos services avec l'index (${t ? m3(t.index) : ""}) et la date de résiliation (${t ? frenchDate(t.date) : ""}) de l'occupant précédent.`,
      ];
  }
}

/**
 * `checkMoveIn` for a bearer token's caller: one statement reads the token's account (the query of
 * `accountForToken`: a revoked token or an inactive account has none) and, only when there is one, the
 * move-in facts that `moveInFactsQuery` reads; `moveInFactsOf` completes them (the readings of the
 * termination's dates when they matter, the histories of meters read after the move-in date: a second
 * statement each). `admit` decides the account first (401, 403) and gives the command context; no fact
 * is looked at before.
 */
export async function checkMoveInForBearer(
  db: Database,
  token: string,
  admit: (account: Account | undefined) => Context,
  input: MoveInInput,
): Promise<MoveInCheck> {
  const statement = bearerCheckStatement(db);
  const values = statement.slots.map((slot) =>
    slot === TOKEN ? digest(token) : slot === SERVICE_POINT ? input.servicePoint : slot,
  );
  const [out] = await executePrepared<{ r: Partial<Account> & MoveInFactsRow }>(
    db,
    "move_in_check_bearer",
    CompiledQuery.raw(statement.sql, values),
  );
  const row = out?.r;
  if (!row) throw new Error("move-in check: the statement returned no row");
  const { id, username, role, entity } = row;
  const account = id === null || id === undefined ? undefined : ({ id, username, role, entity } as Account);
  const ctx = admit(account);
  return checkMoveIn(db, ctx, input, () => moveInFactsOf(db, row, input.servicePoint, input.date));
}

/** Stand-ins compiled into the statement once; each request puts its own values in their slots. */
const TOKEN = "\u0000token";
const SERVICE_POINT = "\u0000servicePoint";

let compiled: { sql: string; slots: unknown[] } | null = null;

/**
 * The statement of `checkMoveInForBearer`, compiled once (its text is the same for every request). Its row
 * is one json column: the driver then sets up one field per answer instead of a dozen (a tenth of its work).
 */
function bearerCheckStatement(db: Database) {
  if (compiled) return compiled;
  const q = sql<{ r: Partial<Account> & MoveInFactsRow }>`
    select row_to_json(z) as r from (
      select a.id, a.username, a.role, a.entity, f.*
        from (select) one
        left join (${tokenAccountQuery(db.kysely, TOKEN)}) a on true
        left join lateral (${moveInFactsQuery(SERVICE_POINT, sql<boolean>`a.id is not null`)}) f on true) z`;
  const c = q.compile(db.kysely);
  const tokenHash = digest(TOKEN);
  const slots = c.parameters.map((p) => (p === tokenHash ? TOKEN : p));
  if (c.sql.includes("\u0000") || ![TOKEN, SERVICE_POINT].every((x) => slots.includes(x)))
    throw new Error("move-in check: a request's value is not a parameter of the statement");
  compiled = { sql: c.sql, slots };
  return compiled;
}

/**
 * R1–R5 preview: what `moveIn` would do with this request now (the same `assessMoveIn`); throws the same
 * refusals. The input is the route's body, already checked against `moveInInput`. `read`: the facts, as
 * the caller reads them (`checkMoveInForBearer`).
 */
export async function checkMoveIn(
  db: Database,
  ctx: Context,
  input: MoveInInput,
  read?: () => Promise<MoveInStoredFacts>,
): Promise<MoveInCheck> {
  const a = await assessMoveIn(db, ctx, input, read);
  const { servicePoint: sp, meter, index, termination, gap, path } = a;
  const declared =
    index === null ? null : assessReading(a.history, { date: input.date, index }, ctx.config.plausibility);
  return {
    servicePoint: { id: sp.id, address: sp.address, meterSerial: meter?.serial ?? null },
    termination: termination
      ? { ...termination, status: a.terminationSuspect ? ("SUSPECT" as const) : ("VALID" as const) }
      : null,
    declared: { date: input.date, index },
    gap: gap ? { value: gap.gap, direction: gap.direction, withinTolerance: gap.withinTolerance } : null,
    toleranceM3: ctx.config.toleranceM3,
    path,
    subscribesNow: subscribesAtOnce(path),
    opensCase: caseOpenedBy(path, input.reconnection),
    proofDueDate: a.dueDate,
    declaredPlausibility: declared,
    warnings: a.terminationSuspect ? ["TERMINATION_INDEX_SUSPECT"] : [],
    duplicateOf: a.duplicate
      ? { subscription: a.duplicate.subscription ?? null, case: a.duplicate.case ?? null }
      : null,
    tellCustomer: customerMessage(path, {
      date: input.date,
      index,
      termination,
      dueDate: a.dueDate,
      reconnection: input.reconnection,
      toleranceM3: ctx.config.toleranceM3,
    }),
  };
}
