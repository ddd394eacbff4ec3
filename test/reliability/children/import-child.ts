/**
 * A readings import in its own process, for the crash tests: imports FILE in small batches, saying
 * LOADED each time a batch added rows; the parent kills it (SIGKILL) at a random moment. Prints the
 * summary as JSON when it finishes.
 * Usage (bundled by crash.ts): node import-child.mjs <db url> <file.csv> <batch rows>
 */
import { createReadStream } from "node:fs";
import { makeConfig } from "../../../src/platform/config.js";
import { openDatabase } from "../../../src/platform/db.js";
import { importReadings } from "../../../src/readings/import.js";

const [url, file, batch] = process.argv.slice(2) as [string, string, string];
const db = await openDatabase({ url, poolSize: 2 });
process.stdout.write("READY\n");
let inserted = 0;
const s = await importReadings(
  db,
  {
    actor: { user: "import.test", role: "ADMIN", entity: "ADMIN-LYON" },
    now: new Date(),
    config: makeConfig(),
  },
  createReadStream(file),
  {
    rejectsPath: `${file}.${process.pid}.rej`,
    source: "crash.csv",
    batchRows: Number(batch),
    onProgress: (p) => {
      if (p.inserted > inserted) process.stdout.write("LOADED\n");
      inserted = p.inserted;
    },
  },
);
process.stdout.write(`DONE ${JSON.stringify(s)}\n`);
await db.close();
