/**
 * `ecart import service-points|meters|subscriptions FILE [--rejects FILE] [--batch ROWS] [--entity NAME]`:
 * a CIS export loaded from the command line (docs/integration.md), with a progress bar on a terminal.
 */
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import cliProgress from "cli-progress";
import {
  DEFAULT_REFERENCE_BATCH,
  importReference,
  ReferenceFileError,
  type ReferenceProgress,
  type ReferenceSummary,
} from "../integration/import.js";
import { REFERENCE_KINDS, type ReferenceKind } from "../integration/rows.js";
import { importFile } from "./args.js";
import { withDatabase } from "./database.js";

export const REFERENCE_USAGE =
  "usage: ecart import service-points|meters|subscriptions FILE.csv [--rejects FILE] [--batch ROWS] [--entity NAME]";

export const isReferenceKind = (k: string | undefined): k is ReferenceKind =>
  (REFERENCE_KINDS as readonly string[]).includes(k ?? "");

/** A bar with rows/s on a terminal; a plain line every few seconds otherwise. */
export function referenceProgressDisplay(stream: NodeJS.WriteStream, totalBytes: number) {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format:
          "{kind} |{bar}| {percentage}% | {lines} lignes | {rate} lignes/s | {inserted} ajoutées | {updated} modifiées | {unchanged} inchangées | {rejected} rejets",
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update: (kind: string, p: ReferenceProgress) => {
        const values = {
          kind,
          lines: p.lines,
          rate: p.rowsPerSecond,
          inserted: p.inserted,
          updated: p.updated,
          unchanged: p.unchanged,
          rejected: p.rejected,
        };
        if (!started) {
          bar.start(totalBytes, 0, values);
          started = true;
        }
        bar.update(p.bytes, values);
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let last = 0;
  return {
    update: (kind: string, p: ReferenceProgress) => {
      const now = Date.now();
      if (now - last < 2000) return;
      last = now;
      const pct = totalBytes > 0 ? Math.floor((100 * p.bytes) / totalBytes) : 0;
      stream.write(
        `${kind} ${pct}% ${p.lines} lignes ${p.rowsPerSecond} lignes/s ${p.inserted} ajoutées ${p.updated} modifiées ${p.unchanged} inchangées ${p.rejected} rejets\n`,
      );
    },
    stop: () => {},
  };
}

/** The French sentence that ends a load: what changed, or that nothing had to. */
export function conclusion(s: ReferenceSummary): string {
  if (s.inserted + s.updated === 0)
    return `Rien à changer : ${s.unchanged} ligne(s) déjà chargée(s) et à jour${s.rejected > 0 ? `, ${s.rejected} rejetée(s)` : ""}.`;
  return `${s.lines} ligne(s) lue(s) : ${s.inserted} ajoutée(s), ${s.updated} modifiée(s), ${s.unchanged} inchangée(s), ${s.rejected} rejetée(s).`;
}

export async function referenceImportCommand(args: string[]): Promise<number> {
  const [kind, file] = args;
  if (!isReferenceKind(kind) || !file) {
    process.stderr.write(`${REFERENCE_USAGE}\n`);
    return 2;
  }
  const f = importFile(file, args, REFERENCE_USAGE, DEFAULT_REFERENCE_BATCH);
  if (f === 2) return 2;
  return withDatabase(async (db, config) => {
    const display = referenceProgressDisplay(process.stderr, f.size);
    try {
      const summary = await importReference(db, f.context(config), kind, createReadStream(file), {
        rejectsPath: f.rejectsPath,
        source: basename(file),
        totalBytes: f.size,
        batchRows: f.batchRows,
        onProgress: (p) => display.update(kind, p),
      });
      display.stop();
      process.stderr.write(`${conclusion(summary)}\n`);
      process.stdout.write(`${JSON.stringify({ ...summary, rejects: f.rejectsPath })}\n`);
      return 0;
    } catch (e) {
      display.stop();
      if (e instanceof ReferenceFileError) {
        process.stderr.write(`${e.messageFr}\n`);
        return 2;
      }
      throw e;
    }
  });
}
