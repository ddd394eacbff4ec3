/** `ecart scenario run FILE [--outbox DIR]` as a function: what it prints and its exit status. */
import type { Database } from "../platform/db.js";
import { ScenarioFormatError } from "./format.js";
import { readScenarioFile, runScenario } from "./runner.js";

/** A replay's answer: the process's exit status and what it writes on stdout and stderr. */
export interface Replay {
  code: number;
  stdout: string;
  stderr: string;
}

/** Exit status of a malformed file or a bad command line. */
export const USAGE_STATUS = 2;

/**
 * Replays the file `args[0]` (`--outbox DIR` exports the outbox after the steps) on `database`, a fresh
 * migrated one left open, or else on a new embedded one. A failure other than a malformed file throws.
 */
export async function replayFile(args: string[], database?: Database): Promise<Replay> {
  const [file, ...rest] = args;
  if (!file) return { code: USAGE_STATUS, stdout: "", stderr: "usage: ecart scenario run FILE\n" };
  let scenario: ReturnType<typeof readScenarioFile>;
  try {
    scenario = readScenarioFile(file);
  } catch (e) {
    if (e instanceof ScenarioFormatError)
      return { code: USAGE_STATUS, stdout: "", stderr: `malformed scenario: ${e.message}\n` };
    throw e;
  }
  const outboxAt = rest.indexOf("--outbox");
  const outboxDir = outboxAt >= 0 ? rest[outboxAt + 1] : undefined;
  const out = await runScenario(scenario, {
    database,
    afterSteps: outboxDir
      ? async (db) => {
          const { exportOutbox } = await import("../communications/export.js");
          await exportOutbox(db, outboxDir);
        }
      : undefined,
  });
  return { code: 0, stdout: `${JSON.stringify(out, null, 2)}\n`, stderr: "" };
}
