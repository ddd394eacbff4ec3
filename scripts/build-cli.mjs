#!/usr/bin/env node
// Bundles the `ecart` command line (src/cli/main.ts and what it imports) into dist/ecart.mjs with
// esbuild, the migrations beside it (dist/migrations, where the bundle's migrate.ts looks), so that a
// replay starts plain node on one file instead of compiling TypeScript through tsx. Packages stay in
// node_modules. About a second; `npm run scenarios` runs it first, so the bundle is never stale there.
//
//   node scripts/build-cli.mjs
import { cpSync, rmSync } from "node:fs";
import { build } from "esbuild";

await build({
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/ecart.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  logLevel: "warning",
});
rmSync("dist/migrations", { recursive: true, force: true });
cpSync("src/platform/migrations", "dist/migrations", { recursive: true });
