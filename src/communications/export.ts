/**
 * `ecart scenario run FILE --outbox DIR`: writes a run's communications into DIR as they
 * would be delivered: emails as RFC 822 .eml files, letters as PDF files. The database is
 * only read: the messages stay as the run left them.
 */

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "../platform/db.js";
import { artifactName, renderStored } from "./render.js";
import { deliveryConfigFromEnv, writeAtomically } from "./transport.js";

export async function exportOutbox(
  db: Database,
  dir: string,
  config = deliveryConfigFromEnv(),
): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const rows = await db.kysely.selectFrom("communications").selectAll().orderBy("id").execute();
  const written: string[] = [];
  for (const m of rows) {
    const r = await renderStored(m, config.identity, config.timeZone);
    written.push(await writeAtomically(dir, artifactName(m), r.kind === "EMAIL" ? r.raw : r.pdf));
  }
  return written.map((p) => join(p));
}
