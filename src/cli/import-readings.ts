/** `ecart import readings FILE.csv [--rejects FILE] [--batch N] [--entity NAME]`: the bulk import on the command line. */
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import cliProgress from "cli-progress";
import { DEFAULT_BATCH_ROWS, type ImportProgress, importReadings } from "../readings/import.js";
import { importFile } from "./args.js";
import { withDatabase } from "./database.js";

const USAGE = "usage: ecart import readings FILE.csv [--rejects FILE] [--batch ROWS] [--entity NAME]";

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
  const f = importFile(file, args, USAGE, DEFAULT_BATCH_ROWS);
  if (f === 2) return 2;
  return withDatabase(async (db, config) => {
    const display = progressDisplay(process.stderr, f.size);
    try {
      const summary = await importReadings(db, f.context(config), createReadStream(file), {
        rejectsPath: f.rejectsPath,
        source: basename(file),
        totalBytes: f.size,
        batchRows: f.batchRows,
        onProgress: display.update,
      });
      display.stop();
      process.stdout.write(`${JSON.stringify({ ...summary, rejects: f.rejectsPath })}\n`);
      return 0;
    } catch (e) {
      display.stop();
      throw e;
    }
  });
}
