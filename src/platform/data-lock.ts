/**
 * One process at a time on an embedded data folder. PGlite has no lock of its own: two processes on one
 * folder (`ecart demo` while `ecart serve` runs) corrupt or hang each other. The first process to open the
 * folder writes `ecart.lock` (its pid, host and start time) into it; any other is refused, in French and
 * English, while that process lives. A lock left by a process that died (kill -9, a crash, a reboot) is
 * taken over: its pid no longer runs, or runs another program started later.
 */
import { randomBytes } from "node:crypto";
import { linkSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { frenchDateTime } from "./dates.js";
import { EcartError, ErrorCode } from "./errors.js";

/** The lock file's name, inside the data folder. */
export const LOCK_FILE = "ecart.lock";
/** A takeover guard older than this was left by a process that died while taking a stale lock over. */
const GUARD_STALE_MS = 5_000;
/** Attempts before giving up on a lock that keeps changing hands. */
const ATTEMPTS = 50;

export interface LockHolder {
  pid: number;
  host: string;
  /** The holder's start, as the kernel counts it (/proc/PID/stat field 22), when known: tells a reused pid. */
  procStart: string | null;
  /** When the lock was taken (ISO). */
  since: string;
  /** The command that holds it (`ecart serve`, `ecart demo`…). */
  command: string;
  /** Unique to this taking of the lock. */
  token: string;
}

/** A held lock: released by its holder when the database closes. */
export interface DataLock {
  readonly path: string;
  release(): void;
}

/** The kernel's start time of a process (Linux), or null where /proc does not tell. */
function procStartOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True when the holder is still the live process that wrote the lock (on this host; another host's lock is trusted). */
export function holderAlive(h: LockHolder): boolean {
  if (h.host !== hostname()) return true;
  if (!running(h.pid)) return false;
  const start = procStartOf(h.pid);
  return h.procStart === null || start === null || start === h.procStart;
}

function readHolder(path: string): LockHolder | null | "missing" {
  try {
    const h = JSON.parse(readFileSync(path, "utf8")) as LockHolder;
    return typeof h.pid === "number" && typeof h.token === "string" ? h : null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : null;
  }
}

/** When the lock was taken, as a French reader reads it (Paris time); the raw value when it is no instant. */
const sinceFr = (since: string): string => {
  const t = new Date(since);
  return Number.isNaN(t.getTime()) ? since : frenchDateTime(t);
};

/** The live process that holds the folder's lock, or null when it is free (no lock, or a stale one). */
export function folderHolder(dataDir: string): LockHolder | null {
  const h = readHolder(join(dataDir, LOCK_FILE));
  return h !== null && h !== "missing" && holderAlive(h) ? h : null;
}

/** The refusal: another process holds the folder. */
export function folderInUse(dataDir: string, h: LockHolder): EcartError {
  return new EcartError(
    ErrorCode.DATA_FOLDER_IN_USE,
    `Le dossier de données ${dataDir} est déjà ouvert par un autre processus (${h.command}, pid ${h.pid}, depuis le ${sinceFr(h.since)}) : ` +
      "arrêtez-le d'abord (une base embarquée ne s'ouvre que par un processus à la fois : remplissez-la, puis démarrez le serveur).",
    `data folder ${dataDir} is already open in another process (${h.command}, pid ${h.pid}, since ${h.since}): ` +
      "stop it first (an embedded database is opened by one process at a time: fill it, then start the server)",
  );
}

/**
 * Takes the folder's lock or throws DATA_FOLDER_IN_USE. The lock file appears whole (written aside, then
 * hard-linked into place, which fails if one exists); a stale one is removed under a guard file, so two
 * processes that both find it stale do not both take it.
 */
export function lockDataFolder(dataDir: string, command = process.argv.slice(1, 4).join(" ")): DataLock {
  const path = join(dataDir, LOCK_FILE);
  const guard = `${path}.takeover`;
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    procStart: procStartOf(process.pid),
    since: new Date().toISOString(),
    command: command || "ecart",
    token: randomBytes(8).toString("hex"),
  };
  const aside = `${path}.${process.pid}.${me.token}`;
  writeFileSync(aside, JSON.stringify(me));
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        linkSync(aside, path);
        return held(path, me.token);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const holder = readHolder(path);
      if (holder === "missing") continue;
      if (holder && holderAlive(holder)) throw folderInUse(dataDir, holder);
      takeOver(path, guard, holder);
    }
    throw new Error(`could not take the lock ${path}: it kept changing hands`);
  } finally {
    rmSync(aside, { force: true });
  }
}

/** Removes a stale (or unreadable) lock, unless another process is doing so or has replaced it meanwhile. */
function takeOver(path: string, guard: string, seen: LockHolder | null): void {
  try {
    writeFileSync(guard, String(process.pid), { flag: "wx" });
  } catch {
    try {
      if (Date.now() - statSync(guard).mtimeMs > GUARD_STALE_MS) rmSync(guard, { force: true });
    } catch {
      /* gone meanwhile */
    }
    return;
  }
  try {
    const now = readHolder(path);
    const same = now === null ? seen === null : now !== "missing" && now.token === seen?.token;
    if (same) rmSync(path, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
}

function held(path: string, token: string): DataLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off("exit", release);
    const h = readHolder(path);
    if (h !== null && h !== "missing" && h.token === token) {
      try {
        unlinkSync(path);
      } catch {
        /* already gone */
      }
    }
  };
  // A process that ends without closing the database (an uncaught error, process.exit) frees the folder too.
  process.on("exit", release);
  return { path, release };
}
