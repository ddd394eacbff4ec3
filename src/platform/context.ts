/** Who runs a command, when, and under which figures. */
import type { EcartConfig } from "./config.js";
import { localDate } from "./dates.js";

export type Role = "FO" | "BO" | "EUROS" | "SUPERVISOR" | "ADMIN" | "INTEGRATION" | "SYSTEM";
export const ROLES: readonly Role[] = ["FO", "BO", "EUROS", "SUPERVISOR", "ADMIN", "INTEGRATION", "SYSTEM"];

export interface Actor {
  /** Account name, or "system" for the deadline sweep. */
  user: string;
  role: Role;
  entity: string;
}

export interface Context {
  actor: Actor;
  /** The instant of the command (the simulated clock in scenarios). */
  now: Date;
  config: EcartConfig;
}

export const SYSTEM_ACTOR: Actor = { user: "system", role: "SYSTEM", entity: "SYSTEM" };

/** The calendar day of processing in the utility's time zone. */
export const today = (ctx: Context): string => localDate(ctx.now, ctx.config.timeZone);
