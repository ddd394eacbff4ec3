/**
 * SPEC §7: a malformed scenario file is refused as a whole, with a message naming the place
 * and exit status 2. Each file in scenarios/malformed/ says, under "expectMalformed.place",
 * which place the message must name (an unknown top-level key, ignored by the replay).
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// One replay process per file; generous limits because the machine may be busy.
const ROOT = join(import.meta.dirname, "..", "..");
const DIR = join(ROOT, "scenarios", "malformed");
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort();

describe("malformed scenario files", () => {
  it("there are malformed examples to check", () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)(
    "%s is refused with exit status 2, naming the place",
    (file) => {
      const path = join(DIR, file);
      const place = JSON.parse(readFileSync(path, "utf8")).expectMalformed?.place;
      expect(typeof place).toBe("string");
      const run = spawnSync("npm", ["run", "--silent", "ecart", "--", "scenario", "run", path], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 240_000,
      });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(place);
      // refused as a whole: no step was run, so no replay document on stdout
      expect(run.stdout).not.toContain('"steps"');
    },
    300_000,
  );
});
