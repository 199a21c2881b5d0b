#!/usr/bin/env node
// Fails when files under app/ and workers/ import each other in a cycle at run time, or when an
// import points the wrong way between layers. Cycles leave type-only imports out (they vanish when
// compiled, and the AppContext type necessarily mentions the registry whose handlers take an
// AppContext); the layer rules count every import, types included. Uses the TypeScript compiler's
// own module resolution, so path aliases (~/…, ~drizzle/…) resolve exactly as tsc resolves them.
import path from "node:path";
import ts from "typescript";

const root = path.resolve(import.meta.dirname, "..");
const configPath = ts.findConfigFile(root, ts.sys.fileExists, "tsconfig.json");
const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root);
const inScope = (file) => /^(app|workers)\//.test(path.relative(root, file).split(path.sep).join("/"));
const files = parsed.fileNames.filter(inScope);

/** Module specifiers of imports and re-exports: all of them, or only those that survive compilation. */
function imports(file, { runtimeOnly }) {
  const source = ts.createSourceFile(file, ts.sys.readFile(file), ts.ScriptTarget.Latest, false);
  const specifiers = [];
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly =
        clause &&
        (clause.isTypeOnly ||
          (!clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly || !runtimeOnly) specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && (!node.isTypeOnly || !runtimeOnly)) {
      specifiers.push(node.moduleSpecifier.text);
    }
  }
  return specifiers;
}

const rel = (f) => path.relative(root, f).split(path.sep).join("/");
function resolvedImports(file, options) {
  const deps = new Set();
  for (const fileName of imports(file, options)) {
    const resolved = ts.resolveModuleName(fileName, file, parsed.options, ts.sys).resolvedModule;
    if (resolved && !resolved.isExternalLibraryImport && inScope(resolved.resolvedFileName)) deps.add(path.resolve(resolved.resolvedFileName));
  }
  return [...deps];
}

// Layers (docs/decisions/009-route-folders.md): workers/ may import app/, never the reverse; app/utils/
// is below app/modules/ and imports none of it.
const LAYER_RULES = [
  { from: /^app\//, to: /^workers\//, why: "app/ never imports workers/ (move what both need into app/modules)" },
  { from: /^app\/utils\//, to: /^app\/modules\//, why: "app/utils/ never imports app/modules/" },
];
const violations = [];
for (const file of files) {
  for (const dep of resolvedImports(file, { runtimeOnly: false })) {
    for (const rule of LAYER_RULES) {
      if (rule.from.test(rel(file)) && rule.to.test(rel(dep))) violations.push(`${rel(file)} → ${rel(dep)}: ${rule.why}`);
    }
  }
}

const graph = new Map();
for (const file of files) graph.set(path.resolve(file), resolvedImports(file, { runtimeOnly: true }));

// Tarjan's strongly connected components: every component with more than one file is a cycle.
let index = 0;
const stack = [];
const meta = new Map();
const cycles = [];
function visit(v) {
  meta.set(v, { index, low: index, onStack: true });
  index++;
  stack.push(v);
  for (const w of graph.get(v) ?? []) {
    if (!meta.has(w)) {
      visit(w);
      meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low);
    } else if (meta.get(w).onStack) meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
  }
  if (meta.get(v).low === meta.get(v).index) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      meta.get(w).onStack = false;
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component);
  }
}
for (const v of graph.keys()) if (!meta.has(v)) visit(v);

if (violations.length) {
  console.error(`Imports against the layers (${violations.length}):`);
  for (const v of violations) console.error(`  - ${v}`);
}
if (cycles.length) {
  console.error(`Import cycles under app/ and workers/ (${cycles.length}):`);
  for (const c of cycles) console.error(`  - ${c.map(rel).sort().join("\n    ")}`);
}
if (violations.length || cycles.length) process.exit(1);
console.log(`No import cycles and no imports against the layers among ${graph.size} files under app/ and workers/.`);
