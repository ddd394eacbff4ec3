/**
 * State refusals: a well-formed command that the object's state forbids answers a code that says so (409),
 * never INVALID_INPUT, and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ErrorCode, HTTP_STATUS } from "../../src/platform/errors.js";
import { type CommandVerb, execute } from "../../src/registry.js";
import { fingerprint } from "../reliability/support.js";
import { roleFor, seedWorld, type World } from "../reliability/world.js";
import { createTestDatabase, ENGINES, type TestDatabase } from "../support/databases.js";
import { ctxAs, moveInRequest } from "../support/factories.js";

describe.each(ENGINES)("state refusals (%s)", (engine) => {
  let t: TestDatabase;
  let w: World;
  beforeAll(async () => {
    t = await createTestDatabase(engine);
    w = await seedWorld(t.db, "ST");
  });
  afterAll(async () => t?.drop());

  /** Runs the command and expects the refusal `code`, with nothing written. */
  async function refused(code: ErrorCode, verb: CommandVerb, input: Record<string, unknown>) {
    const before = await fingerprint(t.db);
    const e = await execute(t.db, ctxAs(roleFor(verb)), verb, input).catch((x: unknown) => x);
    expect(e).toMatchObject({ code });
    expect(HTTP_STATUS[code]).toBe(409);
    expect(await fingerprint(t.db)).toEqual(before);
  }

  it.each([
    [
      "READING_NOT_SUSPECT",
      "confirmReading",
      (x: World) => ({ reading: x.reading, reason: "Fuite constatée" }),
    ],
    ["CONTEST_NOT_ANSWERED", "contestPersists", (x: World) => ({ contest: x.contest })],
    [
      "NO_INTERVENTION",
      "interventionReport",
      (x: World) => ({ case: x.gapCase, date: "2024-03-04", index: 1010 }),
    ],
    ["NOT_A_MOVE_IN_CASE", "declareNoProof", (x: World) => ({ case: x.eurosCase })],
  ] as const)("%s: %s", async (code, verb, input) => {
    await refused(code, verb, input(w));
  });

  it("READING_ALREADY_REPLACED: a reading corrected once is not corrected again", async () => {
    await execute(t.db, ctxAs("BO"), "correctReading", { reading: w.reading, index: 1005, reason: "Saisie" });
    await refused("READING_ALREADY_REPLACED", "correctReading", {
      reading: w.reading,
      index: 1006,
      reason: "Encore",
    });
  });

  it("CONTEST_ALREADY_ANSWERED: a contest is answered once", async () => {
    const answer = { contest: w.contest, answer: "Voici l'explication", regularizationNeeded: false };
    await execute(t.db, ctxAs("BO"), "answerContest", answer);
    await refused("CONTEST_ALREADY_ANSWERED", "answerContest", { ...answer, answer: "Autre" });
  });

  it("ALREADY_SUBSCRIBED: a reconnection subscribed at its declared index has nothing left to subscribe", async () => {
    const r = await execute(
      t.db,
      ctxAs("FO"),
      "moveIn",
      moveInRequest(w.freeSp, { index: 1002, reconnection: true }),
    );
    expect(r).toMatchObject({ outcome: "SUBSCRIBED" });
    expect(r.case).toBeTruthy();
    await refused("ALREADY_SUBSCRIBED", "declareNoProof", { case: r.case });
  });
});
