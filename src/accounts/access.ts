/** R14 at the API: what each route needs, and whether a role has it. Commands defer to roles.ts. */
import type { Role } from "../platform/context.js";
import { mayRun, type Verb } from "./roles.js";

/** What a route requires of the caller. */
export type Access =
  | { kind: "public" }
  /** Any logged-in account (own session, own profile). */
  | { kind: "account" }
  /** Reads: every role. */
  | { kind: "read" }
  /** R13 Pilotage: supervisors (and administrators). */
  | { kind: "report" }
  /** Account management and outbox operations of the administrator. */
  | { kind: "admin" }
  /** A command: the roles of R14 (roles.ts). */
  | { kind: "command"; verb: Verb }
  /** Explicit roles (outbox retry). */
  | { kind: "roles"; roles: readonly Role[] };

/** Roles that read everything (R14: "read" for every human role). */
export const READ_ROLES: readonly Role[] = ["FO", "BO", "EUROS", "SUPERVISOR", "ADMIN"];
/** Roles that see the reports (R13). */
export const REPORT_ROLES: readonly Role[] = ["SUPERVISOR", "ADMIN"];
/** Roles that may put a failed message back in the outbox queue. */
export const OUTBOX_RETRY_ROLES: readonly Role[] = ["BO", "ADMIN"];

export function mayAccess(role: Role, access: Access): boolean {
  switch (access.kind) {
    case "public":
    case "account":
      return true;
    case "read":
      return READ_ROLES.includes(role);
    case "report":
      return REPORT_ROLES.includes(role);
    case "admin":
      return role === "ADMIN";
    case "command":
      return mayRun(role, access.verb);
    case "roles":
      return access.roles.includes(role);
  }
}
