/**
 * Child processes of the crash tests and the bench, bundled once per run with esbuild (packages left
 * external) and run by plain node: a bundled child starts in a fraction of the time tsx needs to
 * transpile the sources on a loaded machine.
 */
import { mkdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const CACHE = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "node_modules",
  ".cache",
  "ecart-children",
);
const built = new Map<string, Promise<string>>();

/** The bundled form of the TypeScript entry point `entry` (an absolute path), built on first use. */
export function bundled(entry: string): Promise<string> {
  let p = built.get(entry);
  if (!p) {
    mkdirSync(CACHE, { recursive: true });
    const dir = basename(dirname(dirname(entry)));
    const outfile = join(CACHE, `${dir}-${basename(entry).replace(/\.ts$/, "")}-${process.pid}.mjs`);
    p = build({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      outfile,
      logLevel: "silent",
    }).then(() => outfile);
    built.set(entry, p);
  }
  return p;
}
