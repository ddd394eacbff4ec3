import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LOCK_FILE, type LockHolder, lockDataFolder } from "./data-lock.js";
import { EcartError } from "./errors.js";

const folder = () => mkdtempSync(join(tmpdir(), "ecart-lock-"));

/** A pid that ran and has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(r.stdout.toString());
}

const holder = (over: Partial<LockHolder>): LockHolder => ({
  pid: process.pid,
  host: hostname(),
  procStart: null,
  since: "2026-12-04T10:00:00.000Z",
  command: "ecart serve",
  token: "t0",
  ...over,
});

describe("data folder lock", () => {
  it("refuses a second holder in French and English while the first holds it; free again once released", () => {
    const dir = folder();
    const first = lockDataFolder(dir, "ecart serve");
    const lock = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")) as LockHolder;
    expect(lock).toMatchObject({ pid: process.pid, command: "ecart serve" });
    let refusal: unknown;
    try {
      lockDataFolder(dir, "ecart demo");
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(EcartError);
    const e = refusal as EcartError;
    expect(e.code).toBe("DATA_FOLDER_IN_USE");
    expect(e.messageFr).toContain("déjà ouvert par un autre processus (ecart serve");
    expect(e.messageFr).toContain("remplissez-la, puis démarrez le serveur");
    expect(e.message).toContain("already open in another process (ecart serve");
    first.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lockDataFolder(dir, "ecart demo").release();
  });

  it.each([
    ["its process has ended", () => holder({ pid: deadPid() })],
    ["its pid now runs a later program", () => holder({ procStart: "1" })],
    ["it is unreadable", () => null],
  ])("takes over a lock left behind when %s", (_why, left) => {
    const dir = folder();
    const h = left();
    writeFileSync(join(dir, LOCK_FILE), h ? JSON.stringify(h) : "{not json");
    const lock = lockDataFolder(dir, "ecart sweep");
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"))).toMatchObject({ command: "ecart sweep" });
    lock.release();
  });

  it("trusts a live holder, and one on another host", () => {
    const dir = folder();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(holder({ pid: 1, procStart: null })));
    expect(() => lockDataFolder(dir)).toThrow(/already open/);
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(holder({ host: "autre-machine", pid: deadPid() })));
    expect(() => lockDataFolder(dir)).toThrow(/already open/);
  });

  it("a release never removes a lock another process took since", () => {
    const dir = folder();
    const lock = lockDataFolder(dir);
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(holder({ token: "someone-else" })));
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
  });
});
