/**
 * The embedded database's backup and restore (`ecart backup FILE`, `ecart restore FILE`; docs/operations.md),
 * and the mark that keeps two processes from opening one data folder: PGlite is one session, and a second
 * process writing the same folder would damage it. A server is backed up with pg_dump instead.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { LOCK_FILE } from "./data-lock.js";
import { openDatabase } from "./db.js";

/** The file in the data folder that names the `ecart serve` process using it. */
export const SERVE_MARK = "ecart-serve.pid";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** The live process that holds the data folder (its pid), or null. */
export function dataDirHolder(dir: string): number | null {
  const mark = join(dir, SERVE_MARK);
  if (!existsSync(mark)) return null;
  const pid = Number(readFileSync(mark, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
}

/** Marks the data folder as this process's (`ecart serve`); refuses when another live process holds it. */
export function claimDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const holder = dataDirHolder(dir);
  if (holder !== null && holder !== process.pid)
    throw new Error(`the embedded database in ${dir} is in use by another ecart serve (pid ${holder})`);
  writeFileSync(join(dir, SERVE_MARK), `${process.pid}\n`);
}

/** Takes this process's mark off the data folder. */
export function releaseDataDir(dir: string): void {
  if (dataDirHolder(dir) === process.pid) rmSync(join(dir, SERVE_MARK), { force: true });
}

function assertFree(dir: string): void {
  const holder = dataDirHolder(dir);
  if (holder !== null)
    throw new Error(`ecart serve (pid ${holder}) is using ${dir}: stop it first (systemctl stop ecart)`);
}

/** Writes a consistent copy of the embedded database in `dir` to `file` (a .tar.gz); its size in bytes. */
export async function backupEmbedded(dir: string, file: string): Promise<number> {
  if (!existsSync(join(dir, "PG_VERSION"))) throw new Error(`no embedded database in ${dir}`);
  assertFree(dir);
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
  for (const f of [LOCK_FILE, SERVE_MARK]) rmSync(join(dir, f), { force: true });
  return aside;
}
