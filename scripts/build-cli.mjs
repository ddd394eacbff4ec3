#!/usr/bin/env node
// Bundles the `ecart` command line (src/cli/main.ts and what it imports) into dist/ecart.mjs with
// esbuild, split into chunks beside it so that a command loads only the code and the packages it needs
// (`scenario run --worker` loads node:net and nothing else), the migrations beside them (dist/migrations,
// where the bundle's migrate.ts looks), so that a replay starts plain node instead of compiling
// TypeScript through tsx. Packages stay in node_modules. About a second; `npm run scenarios` runs it
// first, so the bundle is never stale there.
//
//   node scripts/build-cli.mjs
import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { build } from "esbuild";

mkdirSync("dist", { recursive: true });
for (const f of readdirSync("dist")) if (f.endsWith(".mjs")) rmSync(`dist/${f}`);
await build({
  entryPoints: { ecart: "src/cli/main.ts" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  // Chunks in dist/ itself: import.meta.url (migrate.ts) must point beside dist/migrations.
  chunkNames: "ecart-[hash]",
  splitting: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  logLevel: "warning",
});
rmSync("dist/migrations", { recursive: true, force: true });
cpSync("src/platform/migrations", "dist/migrations", { recursive: true });
