/**
 * A reference import (SPEC §8) in its own process, for the crash tests: loads KIND FILE in small batches,
 * saying LOADED each time a batch wrote rows; the parent kills it (SIGKILL) at a random moment. Prints
 * the summary as JSON when it finishes.
 * Usage (bundled by crash.ts): node reference-import-child.mjs <db url> <kind> <file.csv> <batch rows>
 */
import { createReadStream } from "node:fs";
import { importReference } from "../../../src/integration/import.js";
import type { ReferenceKind } from "../../../src/integration/rows.js";
import { makeConfig } from "../../../src/platform/config.js";
import { openDatabase } from "../../../src/platform/db.js";

const [url, kind, file, batch] = process.argv.slice(2) as [string, ReferenceKind, string, string];
const db = await openDatabase({ url, poolSize: 2 });
process.stdout.write("READY\n");
let written = 0;
const s = await importReference(
  db,
  {
    actor: { user: "import:crash.csv", role: "SYSTEM", entity: "IMPORT" },
    now: new Date(),
    config: makeConfig(),
  },
  kind,
  createReadStream(file),
  {
    rejectsPath: `${file}.${process.pid}.rej`,
    source: "crash.csv",
    batchRows: Number(batch),
    onProgress: (p) => {
      if (p.inserted + p.updated > written) process.stdout.write("LOADED\n");
      written = p.inserted + p.updated;
    },
  },
);
process.stdout.write(`DONE ${JSON.stringify(s)}\n`);
await db.close();
