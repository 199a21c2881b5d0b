// The share-image Worker as an auxiliary worker for @cloudflare/vitest-pool-workers: bundled with
// esbuild, workers-og's two .wasm files passed beside it as compiled WebAssembly modules.
import { build } from "esbuild";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, "../..");

// The share-card font, imported by workers/og/index.ts as a Data module (wrangler.toml [[rules]]).
const FONT_IMPORT = "@fontsource/inter/files/inter-latin-700-normal.woff";
const FONT_MODULE = "inter-latin-700-normal.woff";

export async function ogRendererTestWorker() {
  const outfile = path.join(root, "node_modules/.cache/coursemint-og/index.mjs");
  await build({
    entryPoints: [path.join(here, "index.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "*.wasm"],
    logLevel: "warning",
    plugins: [
      {
        name: "font-data-module",
        setup(b) {
          b.onResolve({ filter: /\.woff$/ }, () => ({ path: `./${FONT_MODULE}`, external: true }));
        },
      },
    ],
  });
  const wasmDir = path.join(root, "node_modules/workers-og/dist");
  return {
    name: "coursemint-og",
    compatibilityDate: "2026-07-01",
    modules: [
      { type: "ESModule" as const, path: "index.mjs", contents: readFileSync(outfile, "utf8") },
      { type: "Data" as const, path: FONT_MODULE, contents: readFileSync(path.join(root, "node_modules", FONT_IMPORT)) },
      ...readdirSync(wasmDir)
        .filter((f) => f.endsWith(".wasm"))
        .map((f) => ({ type: "CompiledWasm" as const, path: f, contents: readFileSync(path.join(wasmDir, f)) })),
    ],
  };
}
