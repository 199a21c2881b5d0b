#!/usr/bin/env node
// Fails when files under app/ and workers/ import each other in a cycle at run time. Type-only
// imports are left out (they vanish when compiled, and the AppContext type necessarily mentions the
// registry whose handlers take an AppContext). Uses the TypeScript compiler's own module
// resolution, so path aliases (~/…, ~drizzle/…) resolve exactly as tsc resolves them.
import path from "node:path";
import ts from "typescript";

const root = path.resolve(import.meta.dirname, "..");
const configPath = ts.findConfigFile(root, ts.sys.fileExists, "tsconfig.json");
const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root);
const inScope = (file) => /^(app|workers)\//.test(path.relative(root, file).split(path.sep).join("/"));
const files = parsed.fileNames.filter(inScope);

/** Module specifiers of imports and re-exports that survive compilation. */
function runtimeImports(file) {
  const source = ts.createSourceFile(file, ts.sys.readFile(file), ts.ScriptTarget.Latest, false);
  const specifiers = [];
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly =
        clause &&
        (clause.isTypeOnly ||
          (!clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && !node.isTypeOnly) {
      specifiers.push(node.moduleSpecifier.text);
    }
  }
  return specifiers;
}

const graph = new Map();
for (const file of files) {
  const deps = new Set();
  for (const fileName of runtimeImports(file)) {
    const resolved = ts.resolveModuleName(fileName, file, parsed.options, ts.sys).resolvedModule;
    if (resolved && !resolved.isExternalLibraryImport && inScope(resolved.resolvedFileName)) deps.add(path.resolve(resolved.resolvedFileName));
  }
  graph.set(path.resolve(file), [...deps]);
}

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

const rel = (f) => path.relative(root, f);
if (cycles.length) {
  console.error(`Import cycles under app/ and workers/ (${cycles.length}):`);
  for (const c of cycles) console.error(`  - ${c.map(rel).sort().join("\n    ")}`);
  process.exit(1);
}
console.log(`No import cycles among ${graph.size} files under app/ and workers/.`);
