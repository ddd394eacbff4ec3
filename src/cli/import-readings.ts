/** `ecart import readings FILE.csv [--rejects FILE] [--batch N] [--entity NAME]`: the bulk import on the command line. */
import { createReadStream, statSync } from "node:fs";
import { basename } from "node:path";
import cliProgress from "cli-progress";
import type { Context } from "../platform/context.js";
import { DEFAULT_BATCH_ROWS, type ImportProgress, importReadings } from "../readings/import.js";
import { withDatabase } from "./database.js";

const USAGE = "usage: ecart import readings FILE.csv [--rejects FILE] [--batch ROWS] [--entity NAME]";

const flag = (args: string[], name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

/** A progress display: a bar with rows/s on a terminal, a plain line every few seconds otherwise. */
export function progressDisplay(stream: NodeJS.WriteStream, totalBytes: number) {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format:
          "import |{bar}| {percentage}% | {lines} lignes | {rate} lignes/s | {inserted} ajoutées | {present} déjà présentes | {rejected} rejets",
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(totalBytes, 0, { lines: 0, rate: 0, inserted: 0, present: 0, rejected: 0 });
    return {
      update: (p: ImportProgress) =>
        bar.update(p.bytes, {
          lines: p.lines,
          rate: p.rowsPerSecond,
          inserted: p.inserted,
          present: p.alreadyPresent,
          rejected: p.rejected,
        }),
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  return {
    update: (p: ImportProgress) => {
      const now = Date.now();
      if (now - last < 2000) return;
      last = now;
      const pct = totalBytes > 0 ? Math.floor((100 * p.bytes) / totalBytes) : 0;
      stream.write(
        `import ${pct}% ${p.lines} lignes ${p.rowsPerSecond} lignes/s ${p.inserted} ajoutées ${p.alreadyPresent} déjà présentes ${p.rejected} rejets\n`,
      );
    },
    stop: () => {},
  };
}

export async function importCommand(args: string[]): Promise<number> {
  const [what, file] = args;
  if (what !== "readings" || !file) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    process.stderr.write(`fichier introuvable : ${file}\n`);
    return 2;
  }
  const rejectsPath = flag(args, "--rejects") ?? `${file}.rejects.csv`;
  const batchRows = Number(flag(args, "--batch") ?? DEFAULT_BATCH_ROWS);
  if (!Number.isInteger(batchRows) || batchRows < 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const entity = flag(args, "--entity") ?? "IMPORT";
  return withDatabase(async (db, config) => {
    const ctx: Context = {
      actor: { user: `import:${basename(file)}`, role: "SYSTEM", entity },
      now: new Date(),
      config,
    };
    const display = progressDisplay(process.stderr, size);
    try {
      const summary = await importReadings(db, ctx, createReadStream(file), {
        rejectsPath,
        source: basename(file),
        totalBytes: size,
        batchRows,
        onProgress: display.update,
      });
      display.stop();
      process.stdout.write(`${JSON.stringify({ ...summary, rejects: rejectsPath })}\n`);
      return 0;
    } catch (e) {
      display.stop();
      throw e;
    }
  });
}
