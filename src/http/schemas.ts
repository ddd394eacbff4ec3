/** Zod schemas of the API's inputs and outputs that are not a command's own input schema. */
import { z } from "zod";
import { errorBody } from "./errors.js";

export const roleEnum = z.enum(["FO", "BO", "EUROS", "SUPERVISOR", "ADMIN", "INTEGRATION"]);

export const accountOut = z.object({ username: z.string(), role: roleEnum, entity: z.string() });

export const meOut = accountOut.extend({
  authVia: z.enum(["cookie", "bearer"]),
  /** The password was set by someone else: the console shows « Mon mot de passe » only until it is changed. */
  mustChangePassword: z.boolean(),
  permissions: z.object({
    commands: z.array(z.string()),
    read: z.boolean(),
    reports: z.boolean(),
    admin: z.boolean(),
    outboxRetry: z.boolean(),
  }),
});

export const loginIn = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
});

/** A command's answer: its outcome and what it created or acted on (SPEC §7), plus details. */
export const commandOut = z.looseObject({
  outcome: z.string(),
  case: z.string().nullish(),
  subscription: z.string().nullish(),
  reading: z.string().nullish(),
  contest: z.string().nullish(),
  proof: z.string().nullish(),
  duplicate: z.boolean().optional(),
});

/** A proof kept on file but refused (R7): the error and the proof's id. */
export const proofRefusedOut = errorBody.extend({
  outcome: z.literal("PROOF_REFUSED"),
  proof: z.string().nullish(),
  case: z.string().nullish(),
});

export const pageIn = {
  limit: z.coerce.number().int().min(1).max(500).optional(),
  offset: z.coerce.number().int().min(0).optional(),
};

export const idParam = z.object({ id: z.string().min(1).max(100) });

/** An account named in the path (`/accounts/:username/…`). */
export const usernameParam = z.object({ username: z.string().min(1).max(64) });

/** Standard error responses of authenticated routes. */
export const errors = {
  400: errorBody,
  401: errorBody,
  403: errorBody,
  404: errorBody,
  409: errorBody,
  422: errorBody,
} as const;
