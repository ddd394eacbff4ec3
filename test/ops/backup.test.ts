/**
 * `ecart backup FILE` / `ecart restore FILE` for the embedded database (issue 17 item 5): the restored
 * folder holds exactly what was saved; a folder in use by `ecart serve` is refused; a full folder is moved
 * aside, never deleted; a PostgreSQL server is sent to pg_dump.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { backupEmbedded, restoreEmbedded } from "../../src/platform/backup.js";
import { LOCK_FILE, lockDataFolder } from "../../src/platform/data-lock.js";
import { openDatabase } from "../../src/platform/db.js";
import { migrate } from "../../src/platform/migrate.js";
import { execute } from "../../src/registry.js";
import { fingerprint } from "../reliability/support.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../..");
const ecart = (args: string[], env: Record<string, string>) =>
  run(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: "", ...env },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

describe("backup and restore of the embedded database", () => {
  const dir = mkdtempSync(join(tmpdir(), "ecart-backup-"));
  const data = join(dir, "data");
  let saved: Record<string, string>;
  beforeAll(async () => {
    const db = await openDatabase({ url: data });
    await migrate(db);
    const sp = servicePointFixture({ id: "PDS-BK" });
    await givenServicePoints(db, sp);
    const r = await execute(db, ctxAs("FO"), "moveIn", moveInRequest(sp.id, { index: 1012 }));
    expect(r.outcome).toBe("CASE_OPENED");
    saved = await fingerprint(db);
    await db.close();
  });

  it("restores exactly what was saved, into an empty folder", async () => {
    const file = join(dir, "a.tar.gz");
    expect(await backupEmbedded(data, file)).toBeGreaterThan(1000);
    const copy = join(dir, "copy");
    expect(await restoreEmbedded(file, copy)).toBeNull();
    const db = await openDatabase({ url: copy });
    try {
      expect(await fingerprint(db)).toEqual(saved);
      expect(Object.keys(saved)).toContain("cases");
    } finally {
      await db.close();
    }
  });

  it("refuses a folder in use by ecart serve, and moves a full folder aside (with --force) instead of deleting it", async () => {
    const held = lockDataFolder(data, "ecart serve"); // as ecart serve's openDatabase does
    await expect(backupEmbedded(data, join(dir, "b.tar.gz"))).rejects.toThrow(
      /ecart serve, pid \d+.*stop it first/,
    );
    held.release();
    expect(existsSync(join(data, LOCK_FILE))).toBe(false);
    const file = join(dir, "c.tar.gz");
    await backupEmbedded(data, file);
    const full = join(dir, "full");
    await restoreEmbedded(file, full);
    writeFileSync(join(full, "note.txt"), "kept");
    await expect(restoreEmbedded(file, full)).rejects.toThrow(/not empty/);
    const open = lockDataFolder(full, "ecart demo"); // a folder open in another process is never moved aside
    await expect(restoreEmbedded(file, full, true)).rejects.toThrow(/ecart demo, pid \d+.*stop it first/);
    open.release();
    const aside = (await restoreEmbedded(file, full, true)) as string;
    expect(readdirSync(aside)).toContain("note.txt");
    expect(readdirSync(full)).not.toContain("note.txt");
  });

  it("works from the command line, and sends a PostgreSQL server to pg_dump", async () => {
    const file = join(dir, "cli.tar.gz");
    const b = await ecart(["backup", file], { ECART_DATA: data });
    expect(b.stderr).toBe("");
    expect(JSON.parse(b.stdout)).toMatchObject({ backup: file, bytes: expect.any(Number) });
    const into = join(dir, "cli-restored");
    const r = await ecart(["restore", file], { ECART_DATA: into });
    expect(JSON.parse(r.stdout)).toMatchObject({ restored: file, previousMovedTo: null });
    const db = await openDatabase({ url: into });
    try {
      expect(await fingerprint(db)).toEqual(saved);
    } finally {
      await db.close();
    }
    const pg = await ecart(["backup", file], { DATABASE_URL: "postgres://x@127.0.0.1/ecart" });
    expect(pg.code).toBe(2);
    expect(pg.stderr).toMatch(/pg_dump/);
  }, 240_000); // three CLI processes, each starting the embedded database: minutes on a loaded 2-core machine
});
