/** SPEC §7: replays a scenario against a fresh embedded database on a simulated clock. */
import { readFileSync } from "node:fs";
import { sweepDeadlines } from "../move-in/sweep.js";
import { makeConfig } from "../platform/config.js";
import type { Context } from "../platform/context.js";
import { type Database, freshEmbeddedDatabase } from "../platform/db.js";
import { EcartError, ErrorCode } from "../platform/errors.js";
import { type CommandResult, type CommandVerb, execute } from "../registry.js";
import { parseScenario, type Scenario, ScenarioFormatError } from "./format.js";
import { loadGiven } from "./given.js";
import { dumpState } from "./state.js";

export interface StepOutput {
  n: number;
  do: string;
  ok: boolean;
  outcome: string;
  case: string | null;
  subscription: string | null;
  reading: string | null;
  contest: string | null;
  error: { code: string; message: string; field?: string | undefined } | null;
  [extra: string]: unknown;
}

/** SPEC §7's references, and R19's attached document ("$step.N.document"). */
const REF = /^\$step\.(\d+)\.(case|subscription|reading|contest|document)$/;

/** Replaces "$step.N.kind" references by what step N named; an unknown one is a step error. */
function resolveRefs(value: unknown, outputs: StepOutput[]): unknown {
  if (typeof value === "string") {
    const m = REF.exec(value);
    if (!m) return value;
    const target = outputs[Number(m[1])]?.[m[2] as "case"] ?? null;
    if (!target) {
      throw new EcartError(
        ErrorCode.UNKNOWN_REFERENCE,
        `Référence inconnue : ${value}.`,
        `reference ${value} names nothing`,
      );
    }
    return target;
  }
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, outputs));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, outputs)]));
  }
  return value;
}

function toOutput(n: number, verb: string, r: CommandResult): StepOutput {
  const { outcome, case: c, subscription, reading, contest, refusal, ...rest } = r;
  return {
    n,
    do: verb,
    ok: !refusal,
    outcome,
    case: c ?? null,
    subscription: subscription ?? null,
    reading: reading ?? null,
    contest: contest ?? null,
    error: refusal ? refusal.toJSON() : null,
    ...rest,
  };
}

export interface RunOptions {
  /** Called with the database after the steps, before it is closed (the outbox export uses it). */
  afterSteps?: (db: Database) => Promise<void>;
  /** A fresh, migrated database to run on, left open (the worker's, reset before each file); else a new one. */
  database?: Database;
}

/** Runs a parsed scenario; returns SPEC §7's output document. */
export async function runScenario(s: Scenario, opts: RunOptions = {}) {
  const config = makeConfig(s.config);
  const db = opts.database ?? (await freshEmbeddedDatabase());
  try {
    const start = s.steps[0]?.at ?? new Date();
    await loadGiven(
      db,
      { actor: { user: "given", role: "SYSTEM", entity: "GIVEN" }, now: start, config },
      s.servicePoints,
    );
    const outputs: StepOutput[] = [];
    for (const [n, step] of s.steps.entries()) {
      if (step.do === "tick") {
        const r = await sweepDeadlines(db, step.at, config);
        outputs.push({
          n,
          do: "tick",
          ok: true,
          outcome: "TICKED",
          case: null,
          subscription: null,
          reading: null,
          contest: null,
          error: null,
          sweep: r,
        });
        continue;
      }
      const ctx: Context = {
        actor: {
          user: `${step.as}@${step.entity}`,
          role: step.as as Context["actor"]["role"],
          entity: step.entity as string,
        },
        now: step.at,
        config,
      };
      try {
        const input = resolveRefs(step.with, outputs);
        const r = await execute(db, ctx, step.do as CommandVerb, input, {
          idempotencyKey: step.idempotencyKey,
        });
        outputs.push(toOutput(n, step.do, r));
      } catch (e) {
        if (!(e instanceof EcartError)) throw e;
        outputs.push({
          n,
          do: step.do,
          ok: false,
          outcome: "REJECTED",
          case: null,
          subscription: null,
          reading: null,
          contest: null,
          error: e.toJSON(),
        });
      }
    }
    const state = await dumpState(db);
    if (opts.afterSteps) await opts.afterSteps(db);
    return { name: s.name, steps: outputs, ...state };
  } finally {
    if (!opts.database) await db.close();
  }
}

/** Reads and checks a scenario file; a malformed one throws ScenarioFormatError. */
export function readScenarioFile(path: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ScenarioFormatError(path, `not a JSON file: ${(e as Error).message}`);
  }
  return parseScenario(raw);
}
