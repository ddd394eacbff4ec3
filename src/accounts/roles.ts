/** R14: who may run which command. The deadline sweep runs as SYSTEM. */
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
  | "tick";

const FO_VERBS: Verb[] = ["moveIn", "mutation", "moveOut", "declareNoProof", "contest", "recordReading"];
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
