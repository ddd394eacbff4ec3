/** R14: who may run which command. The deadline sweep runs as SYSTEM; the CIS as INTEGRATION (SPEC §8). */
import type { Role } from "../platform/context.js";
import { EcartError, ErrorCode } from "../platform/errors.js";

export type Verb =
  | "moveIn"
  | "moveOut"
  | "mutation"
  | "declareNoProof"
  | "receiveProof"
  | "requestProof"
  | "interventionReport"
  | "recordReading"
  | "correctReading"
  | "confirmReading"
  | "contest"
  | "answerContest"
  | "contestPersists"
  | "closeRegularization"
  | "addComment"
  /** R19: a document handed in at the counter, attached to its case. */
  | "attachDocument"
  | "tick"
  /** SPEC §8: service points, meters (and their exchanges) and subscriptions from the CIS. */
  | "loadReferenceData"
  /** R14: REMOTE readings (télérelève) come only from the meters' feed. */
  | "recordRemoteReadings"
  /** SPEC §8: the event feed. */
  | "readEvents";

const FO_VERBS: Verb[] = [
  "moveIn",
  "mutation",
  "moveOut",
  "declareNoProof",
  "contest",
  "recordReading",
  "attachDocument",
];
/** Whoever works cases may comment on them (docs/decisions.md); EUROS on its INT_EUROS cases only (cases/comments.ts). */
const CASE_WORK_VERBS: Verb[] = ["addComment"];
const BO_VERBS: Verb[] = [
  ...FO_VERBS,
  "receiveProof",
  "requestProof",
  "interventionReport",
  "correctReading",
  "confirmReading",
  "answerContest",
  "contestPersists",
];

/** R14's table: the commands each role may run. Reads and reports are checked by the API. */
export const PERMISSIONS: Record<Role, readonly Verb[]> = {
  FO: [...FO_VERBS, ...CASE_WORK_VERBS],
  BO: [...BO_VERBS, ...CASE_WORK_VERBS],
  EUROS: ["closeRegularization", ...CASE_WORK_VERBS],
  SUPERVISOR: [],
  ADMIN: [],
  /** The billing system's account (API token only, no login, no business command). */
  INTEGRATION: ["loadReferenceData", "recordRemoteReadings", "readEvents"],
  SYSTEM: ["tick"],
};

export const mayRun = (role: Role, verb: Verb): boolean => PERMISSIONS[role].includes(verb);

/** Throws FORBIDDEN when the role may not run the command (R14). */
export function assertMayRun(role: Role, verb: Verb): void {
  if (!mayRun(role, verb)) {
    throw new EcartError(
      ErrorCode.FORBIDDEN,
      `Votre profil (${role}) ne permet pas cette action (${verb}).`,
      `role ${role} may not run ${verb}`,
    );
  }
}
