/**
 * `ecart import …` on the command line (docs/integration.md, docs/readings-import.md): the CIS's reference
 * files and readings loaded into the embedded database with the summary on stdout and the French
 * conclusion on stderr; a missing file, a bad batch size or an unknown kind stop it with code 2 and the
 * reason, before the database is opened.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "ecart-cli-import-"));
/** `ecart import ARGS` on the embedded database in `data` (a folder under the test's own). */
const ecartIn = (data: string, args: string[]) =>
  run(process.execPath, ["--import", "tsx", "src/cli/main.ts", "import", ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: "", ECART_DATA: join(dir, data) },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
const ecart = (...args: string[]) => ecartIn("data", args);
const sample = (name: string) => join(ROOT, "samples", name);
const rejects = (name: string) => join(dir, `${name}.rejects.csv`);

describe("ecart import on the command line", () => {
  it("loads the CIS samples, then the readings sample (the README's sequence); a second load of the same file changes nothing", async () => {
    const sp = await ecart("service-points", sample("service-points.csv"), "--rejects", rejects("sp"));
    expect(sp.code).toBe(0);
    // The sample's PDS-1004 has no address: refused, and written to the rejects file.
    expect(JSON.parse(sp.stdout)).toMatchObject({
      lines: 4,
      inserted: 3,
      rejected: 1,
      rejects: rejects("sp"),
    });
    expect(sp.stderr).toContain("3 ajoutée(s)");
    expect(readFileSync(rejects("sp"), "utf8")).toContain("PDS-1004");

    const again = await ecart("service-points", sample("service-points.csv"), "--rejects", rejects("sp"));
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ inserted: 0, updated: 0, unchanged: 3 });
    expect(again.stderr).toContain("Rien à changer");

    for (const [kind, file] of [
      ["meters", "meters.csv"],
      ["subscriptions", "subscriptions.csv"],
    ] as const) {
      const r = await ecart(kind, sample(file), "--rejects", rejects(kind), "--batch", "2");
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).inserted).toBeGreaterThan(0);
    }

    // The README's sequence: the readings sample after the CIS samples, some rows loaded, each other one
    // refused with its code.
    const readings = await ecart("readings", sample("readings.csv"), "--rejects", rejects("readings"));
    expect(readings.code, readings.stderr).toBe(0);
    expect(JSON.parse(readings.stdout)).toMatchObject({
      lines: 17,
      inserted: 8,
      rejected: 9,
      rejects: rejects("readings"),
    });
    expect(readFileSync(rejects("readings"), "utf8")).toContain("INDEX_NOT_M3");
  }, 120_000);

  it.each([
    ["a missing file", ["readings", join(dir, "none.csv")], "fichier introuvable"],
    ["a missing reference file", ["meters", join(dir, "none.csv")], "fichier introuvable"],
    [
      "a batch of no rows",
      ["meters", sample("meters.csv"), "--batch", "0"],
      "usage: ecart import service-points",
    ],
    [
      "a batch that is not a number",
      ["readings", sample("readings.csv"), "--batch", "x"],
      "usage: ecart import readings",
    ],
    ["an unknown kind", ["pumps", sample("meters.csv")], "usage:"],
  ])(
    "stops with code 2 on %s, saying why, and writes nothing",
    async (_, args, says) => {
      const r = await ecart(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(says);
      expect(r.stdout).toBe("");
      expect(existsSync(join(dir, "none.csv.rejects.csv"))).toBe(false);
    },
    60_000,
  );
});
