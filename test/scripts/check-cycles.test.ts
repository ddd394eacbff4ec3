/** scripts/check-cycles.mjs: passes on the real src/, fails on a folder cycle, ignores arrows inside a folder. */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const run = (root: string) =>
  spawnSync(process.execPath, ["scripts/check-cycles.mjs", root], { encoding: "utf8" });

const roots: string[] = [];
/** A throwaway src/ tree: path → content. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "ecart-cycles-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

describe("check-cycles", () => {
  it("finds no cycle between the capability folders of src/", () => {
    const r = run("src");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("fails on a cycle through three folders, multi-line and type-only imports included", () => {
    const root = tree({
      "a/x.ts": 'import {\n  b,\n} from "../b/y.js";\nexport const a = b;\n',
      "b/y.ts": 'import type { C } from "../c/z.js";\nexport const b = 1 as C;\n',
      "c/z.ts": 'export type C = number;\nexport const later = () => import("../a/x.js");\n',
    });
    const r = run(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("import cycle between a, b, c");
    expect(r.stderr).toContain("c → a");
  });

  it("counts a file at the root as its own unit, and ignores arrows inside one folder", () => {
    const ok = tree({
      "registry.ts": 'import { x } from "./a/x.js";\n',
      "a/x.ts": 'import { y } from "./y.js";\nexport const x = y;\n',
      "a/y.ts": 'import { x } from "./x.js";\nexport const y = x;\n',
    });
    expect(run(ok).status).toBe(0);
    const bad = tree({
      "registry.ts": 'import { x } from "./a/x.js";\nexport type R = 1;\n',
      "a/x.ts": 'import type { R } from "../registry.js";\nexport const x: R = 1;\n',
    });
    expect(run(bad).status).toBe(1);
  });
});
