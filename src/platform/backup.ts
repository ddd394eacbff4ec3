/**
 * The embedded database's backup and restore (`ecart backup FILE`, `ecart restore FILE`; docs/operations.md),
 * refused while a process holds the folder's lock (data-lock.ts: PGlite is one session, and a second process
 * writing the same folder would damage it). A server is backed up with pg_dump instead.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { folderHolder, folderInUse, LOCK_FILE } from "./data-lock.js";
import { openDatabase } from "./db.js";

/** Refuses when a live process (`ecart serve`, `ecart demo`…) holds the data folder's lock. */
function assertFree(dir: string): void {
  const holder = folderHolder(dir);
  if (holder !== null) throw folderInUse(dir, holder);
}

/** Writes a consistent copy of the embedded database in `dir` to `file` (a .tar.gz); its size in bytes. */
export async function backupEmbedded(dir: string, file: string): Promise<number> {
  if (!existsSync(join(dir, "PG_VERSION"))) throw new Error(`no embedded database in ${dir}`);
  const db = await openDatabase({ url: dir });
  try {
    const dump = await (db.pglite as PGlite).dumpDataDir("gzip");
    const bytes = Buffer.from(await dump.arrayBuffer());
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
    return bytes.length;
  } finally {
    await db.close();
  }
}

/**
 * Restores `file` (made by backupEmbedded) into `dir`, which must be absent or empty; with `force`, a
 * folder that holds something is first renamed aside (never deleted) and its new name returned.
 */
export async function restoreEmbedded(file: string, dir: string, force = false): Promise<string | null> {
  let aside: string | null = null;
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    assertFree(dir);
    if (!force)
      throw new Error(`${dir} is not empty: restore into an empty folder, or pass --force to move it aside`);
    aside = `${dir}.before-restore-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    renameSync(dir, aside);
  }
  mkdirSync(dir, { recursive: true });
  const pglite = new PGlite({
    dataDir: dir,
    loadDataDir: new Blob([readFileSync(file)]),
    extensions: { pg_trgm },
  });
  await pglite.waitReady;
  await pglite.query("select 1");
  await pglite.close();
  // The archive holds the lock of the process that made it (the folder was open): not this folder's.
  rmSync(join(dir, LOCK_FILE), { force: true });
  return aside;
}
