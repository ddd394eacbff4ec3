/** The shape every command shares: what it reports, and its entry in the registry (input schema + handler). */
import type { z } from "zod";
import type { Context } from "./context.js";
import type { Trx } from "./db.js";
import type { EcartError } from "./errors.js";

/** What a command reports: its outcome and the objects it created or acted on (SPEC §7). */
export interface CommandResult {
  outcome: string;
  case?: string | null;
  subscription?: string | null;
  reading?: string | null;
  contest?: string | null;
  proof?: string | null;
  /** A proof kept on file but refused (R7): the step is not ok, yet something was written. */
  refusal?: EcartError;
  /** True when a repeated command returned the first result (SPEC §6). */
  duplicate?: boolean;
  [extra: string]: unknown;
}

/** A command: its input schema, and its handler run in the command's transaction. */
export interface CommandDef<S extends z.ZodType> {
  input: S;
  run: (trx: Trx, ctx: Context, input: z.infer<S>) => Promise<CommandResult>;
}

/** A registry entry (the input's type follows from the schema). */
export const def = <S extends z.ZodType>(input: S, run: CommandDef<S>["run"]): CommandDef<S> => ({
  input,
  run,
});
