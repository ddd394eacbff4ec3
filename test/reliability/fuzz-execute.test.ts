/**
 * Promise 3 (commands) — property-based fuzzing of `execute()`: every command, each input with one
 * field replaced by something nasty (wrong types, huge numbers, decimals, negative and future
 * dates, unknown references, odd unicode, oversized text). Every refusal is a coded 4xx
 * EcartError, never anything else, and a refused command changes nothing in the database.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTP_STATUS } from "../../src/platform/errors.js";
import { COMMANDS, type CommandVerb, execute } from "../../src/registry.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs } from "../support/factories.js";
import { nastyValue } from "./nasty.js";
import { fingerprint, isCoded4xx, recordFigures, SEED, SOAK, scale } from "./support.js";
import { roleFor, seedWorld, validInputs, type World } from "./world.js";

const RUNS = scale(150, 1000);
const VERBS = Object.keys(COMMANDS) as CommandVerb[];
const NOW = "2024-03-05T10:00:00+01:00";

/** One request: a verb, and its valid input with one field (or the whole input) replaced. */
const mutation = fc.record({
  verb: fc.constantFrom(...VERBS),
  /** Which field to spoil: an index into the input's keys, or the whole input, or an extra field. */
  at: fc.nat(12),
  nested: fc.boolean(),
  value: nastyValue,
});

function spoil(base: Record<string, unknown>, at: number, nested: boolean, value: unknown): unknown {
  const keys = Object.keys(base);
  if (at === 11) return value;
  if (at === 12) return { ...base, unexpected: value, ...JSON.parse(`{"__proto__": {"role": "ADMIN"}}`) };
  const key = keys[at % keys.length] as string;
  const current = base[key];
  if (nested && current && typeof current === "object" && !Array.isArray(current)) {
    const inner = Object.keys(current);
    const k2 = inner[at % inner.length] as string;
    return { ...base, [key]: { ...(current as object), [k2]: value } };
  }
  return { ...base, [key]: value };
}

describe.each(SOAK ? ENGINES : (["pglite"] as const))("fuzzing execute() on %s", (engine) => {
  let t: TestDatabase;
  let world: World;
  beforeAll(async () => {
    t = await createTestDatabase(engine, 4);
    world = await seedWorld(t.db, "FZ");
  });
  afterAll(async () => {
    await t?.drop();
  });

  it(`${RUNS} spoiled commands: coded 4xx refusals only, and a refusal writes nothing`, async () => {
    const inputs = validInputs(world);
    const tally = { accepted: 0, refused: 0, byCode: {} as Record<string, number> };
    let before = await fingerprint(t.db);
    await fc.assert(
      fc.asyncProperty(mutation, async ({ verb, at, nested, value }) => {
        const input = spoil(inputs[verb], at, nested, value);
        try {
          const r = await execute(t.db, ctxAs(roleFor(verb), NOW), verb, input);
          tally.accepted++;
          // A proof kept but refused (R7) is a committed domain outcome; everything else that passes changed state too.
          if (r.refusal) expect(HTTP_STATUS[r.refusal.code]).toBeLessThan(500);
          before = await fingerprint(t.db);
        } catch (e) {
          if (!isCoded4xx(e)) {
            throw new Error(
              `${verb} ${JSON.stringify(input)?.slice(0, 300)} threw a non-4xx error: ${(e as Error)?.message}`,
            );
          }
          tally.refused++;
          tally.byCode[e.code] = (tally.byCode[e.code] ?? 0) + 1;
          expect(await fingerprint(t.db)).toEqual(before);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    // The fuzzer must mostly hit refusals, or it proves little about them.
    expect(tally.refused).toBeGreaterThan(RUNS / 2);
    recordFigures(`fuzz-execute-${engine}`, { runs: RUNS, ...tally });
  });
});
