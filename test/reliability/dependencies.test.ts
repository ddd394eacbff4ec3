/**
 * Promise 4 (dependencies) — what a production install brings: only packages the product runs
 * (every one imported by src/ or web/src/, or named below with why), none that only tests or
 * type-checking need, and every package of the production tree declares that it runs on the Node
 * version the project supports (no EBADENGINE at `npm ci`).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as {
  packages: Record<string, { dev?: boolean; optional?: boolean; engines?: { node?: string } }>;
};
const semver = createRequire(import.meta.url)("semver") as {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string };
};

/** Production dependencies no source file imports, each with why the product needs it. */
const RUNTIME_ONLY: Record<string, string> = {
  tsx: "runs the CLI and the server from sources (`npm start`, `npm run ecart`)",
};

/** Source files of the product (tests aside), recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

/** The package an import specifier names (`@scope/name/sub` → `@scope/name`), none for builtins and relative paths. */
function packageOf(spec: string): string | null {
  if (spec.startsWith(".") || spec.startsWith("node:")) return null;
  const parts = spec.split("/");
  return spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

function importedPackages(files: string[]): Set<string> {
  const out = new Set<string>();
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)"([^"]+)"/g)) {
      const p = packageOf(m[1] as string);
      if (p) out.add(p);
    }
  }
  return out;
}

describe("production dependencies", () => {
  const used = importedPackages([...sources("src"), ...sources("web/src")]);

  it("are exactly what the product imports or runs with: no test or type-checking tool among them", () => {
    const prod = Object.keys(pkg.dependencies);
    for (const p of used) {
      expect(prod.includes(p) || p === "vitest", `${p} is imported by the product`).toBe(true);
    }
    const unused = prod.filter((p) => !used.has(p) && !(p in RUNTIME_ONLY));
    expect(unused, "production dependencies the product never imports").toEqual([]);
    for (const devOnly of ["smtp-server", "typescript", "vitest", "playwright-core"]) {
      expect(Object.keys(pkg.devDependencies)).toContain(devOnly);
    }
  });

  it("every package of the production tree supports the project's oldest Node (engines)", () => {
    const oldest = semver.minVersion(pkg.engines.node).version;
    const refused: string[] = [];
    for (const [path, p] of Object.entries(lock.packages)) {
      if (path === "" || p.dev || !p.engines?.node) continue;
      if (!semver.satisfies(oldest, p.engines.node)) refused.push(`${path} (${p.engines.node})`);
    }
    expect(refused, `packages refusing Node ${oldest}`).toEqual([]);
  });
});
