/** Zod schemas of the API's inputs and errors; the answers' shapes are in api-shapes.ts (re-exported here where routes use them). */
import { z } from "zod";
import { errorBody } from "./errors.js";

export { accountOut, commandOut, meOut, roleEnum } from "./api-shapes.js";

export const loginIn = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
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
