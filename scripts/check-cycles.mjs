#!/usr/bin/env node
// Fails on any import cycle between the capability folders of src/ (src/move-in, src/readings, …;
// a file directly under src/, such as registry.ts, is its own unit). Reads the import and export
// lines of every .ts/.tsx file under src/ (tests included), resolves the relative ones to their
// folder, and looks for a strongly connected group of more than one folder. No dependency.
//
//   node scripts/check-cycles.mjs [ROOT=src]
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const root = resolve(process.argv[2] ?? "src");

/** Every .ts/.tsx file under a folder. */
function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return filesUnder(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** The unit a path belongs to: its first folder under root, or the file's name for a file at root. */
function unitOf(path) {
  const rel = relative(root, path);
  if (rel.startsWith("..")) return null;
  const parts = rel.split(sep);
  return parts.length === 1 ? parts[0].replace(/\.(js|ts|tsx)$/, "") : parts[0];
}

// `import … from "x"`, `export … from "x"`, `import "x"`, `import("x")`, across line breaks.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g;

/** edges: unit → unit → the first file that makes the arrow (for the message). */
const edges = new Map();
for (const file of filesUnder(root)) {
  const from = unitOf(file);
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = m[1];
    if (!spec.startsWith(".")) continue;
    const to = unitOf(resolve(dirname(file), spec));
    if (!to || to === from) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    const out = edges.get(from);
    if (!out.has(to)) out.set(to, relative(process.cwd(), file));
  }
}

// Tarjan's strongly connected components.
const units = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])])].sort();
const index = new Map();
const low = new Map();
const onStack = new Set();
const stack = [];
const groups = [];
let next = 0;
function visit(u) {
  index.set(u, next);
  low.set(u, next);
  next++;
  stack.push(u);
  onStack.add(u);
  for (const v of edges.get(u)?.keys() ?? []) {
    if (!index.has(v)) {
      visit(v);
      low.set(u, Math.min(low.get(u), low.get(v)));
    } else if (onStack.has(v)) low.set(u, Math.min(low.get(u), index.get(v)));
  }
  if (low.get(u) === index.get(u)) {
    const group = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      group.push(w);
    } while (w !== u);
    if (group.length > 1) groups.push(group.sort());
  }
}
for (const u of units) if (!index.has(u)) visit(u);

if (groups.length === 0) {
  console.log(
    `no import cycle between the ${units.length} folders of ${relative(process.cwd(), root) || "."}`,
  );
  process.exit(0);
}
for (const group of groups) {
  console.error(`import cycle between ${group.join(", ")}:`);
  for (const a of group)
    for (const [b, file] of edges.get(a) ?? [])
      if (group.includes(b)) console.error(`  ${a} → ${b}  (${file})`);
}
process.exit(1);
