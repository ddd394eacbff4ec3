/** What the `ecart` subcommands read from their command line: flags, and the file an import loads. */
import { statSync } from "node:fs";
import { basename } from "node:path";
import type { EcartConfig } from "../platform/config.js";
import type { Context } from "../platform/context.js";
import { flag } from "../platform/flag.js";

/** An import's file and flags (`FILE [--rejects FILE] [--batch ROWS] [--entity NAME]`). */
export interface ImportFile {
  file: string;
  /** Its size in bytes, for the progress display. */
  size: number;
  rejectsPath: string;
  batchRows: number;
  /** The context the import runs in: the system, named after the file, for the entity given. */
  context: (config: EcartConfig) => Context;
}

/**
 * The file an import loads and its flags, or exit code 2 once the reason is written to stderr: the usage
 * (a bad batch size), or a file that is not there.
 */
export function importFile(
  file: string,
  args: string[],
  usage: string,
  defaultBatch: number,
): ImportFile | 2 {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    process.stderr.write(`fichier introuvable : ${file}\n`);
    return 2;
  }
  const batchRows = Number(flag(args, "--batch") ?? defaultBatch);
  if (!Number.isInteger(batchRows) || batchRows < 1) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const entity = flag(args, "--entity") ?? "IMPORT";
  return {
    file,
    size,
    rejectsPath: flag(args, "--rejects") ?? `${file}.rejects.csv`,
    batchRows,
    context: (config) => ({
      actor: { user: `import:${basename(file)}`, role: "SYSTEM", entity },
      now: new Date(),
      config,
    }),
  };
}
