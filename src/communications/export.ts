/** Writes a run's communications into a folder as they would be delivered (issue 4 renders .eml and .pdf). */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "../platform/db.js";

export async function exportOutbox(db: Database, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const rows = await db.kysely.selectFrom("communications").selectAll().orderBy("id").execute();
  for (const m of rows) writeFileSync(join(dir, `${m.id}-${m.template}.json`), JSON.stringify(m, null, 2));
}
