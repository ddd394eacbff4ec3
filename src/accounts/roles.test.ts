import { describe, expect, it } from "vitest";
import { mayRun, type Verb } from "./roles.js";

const FO: Verb[] = ["moveIn", "moveOut", "declareNoProof", "contest", "recordReading", "attachDocument"];
const BO_ONLY: Verb[] = [
  "receiveProof",
  "requestProof",
  "interventionReport",
  "correctReading",
  "confirmReading",
  "answerContest",
  "contestPersists",
];
const INTEGRATION: Verb[] = ["loadReferenceData", "recordRemoteReadings", "readEvents"];
const ALL: Verb[] = [...FO, ...BO_ONLY, "closeRegularization", "addComment", "tick", ...INTEGRATION];

describe("R14 role matrix", () => {
  for (const verb of ALL) {
    it(`${verb}`, () => {
      const comment = verb === "addComment";
      expect(mayRun("FO", verb)).toBe(FO.includes(verb) || comment);
      expect(mayRun("BO", verb)).toBe(FO.includes(verb) || BO_ONLY.includes(verb) || comment);
      expect(mayRun("EUROS", verb)).toBe(verb === "closeRegularization" || comment);
      expect(mayRun("SUPERVISOR", verb)).toBe(false);
      expect(mayRun("ADMIN", verb)).toBe(false);
      expect(mayRun("SYSTEM", verb)).toBe(verb === "tick");
      // The billing system: reference data, remote readings and the event feed; no business command.
      expect(mayRun("INTEGRATION", verb)).toBe(INTEGRATION.includes(verb));
    });
  }
});
